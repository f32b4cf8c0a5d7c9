/* SPDX-License-Identifier: MIT */
/*
 * A minimal KTAP version 1 runner for host unit tests.
 *
 * Each test binary is one suite of cases.  Every case runs in a forked
 * child, so a crash, an abort or a sanitizer report fails that case alone
 * and is reported as "not ok" with the signal or exit status.  Set
 * KTAP_NOFORK=1 to run cases in-process (handy under gdb).
 *
 *	static void test_split(void) { KT_EXPECT(x == 1); }
 *	static const struct ktap_case cases[] = { KTAP_CASE(test_split), };
 *	int main(void) { return ktap_main("buddy", cases, ARRAY_SIZE(cases)); }
 */
#ifndef HARTSLAB_TESTS_KTAP_HOST_H
#define HARTSLAB_TESTS_KTAP_HOST_H

#include <stddef.h>

struct ktap_case {
	const char *name;
	void (*run)(void);
};

#define KTAP_CASE(fn)   \
	{               \
#fn, fn \
	}

/* Record a failed expectation of the current case; it goes on running. */
void ktap_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Mark the current case skipped with a reason (then return from it). */
void ktap_skip(const char *reason);
/* Print a "# " diagnostic line. */
void ktap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define KT_EXPECT(cond)                                                      \
	do {                                                                 \
		if (!(cond))                                                 \
			ktap_fail(__FILE__, __LINE__, "expected %s", #cond); \
	} while (0)

#define KT_EXPECT_EQ(a, b)                                                    \
	do {                                                                  \
		unsigned long long _a = (unsigned long long)(a);              \
		unsigned long long _b = (unsigned long long)(b);              \
		if (_a != _b)                                                 \
			ktap_fail(__FILE__, __LINE__,                         \
				  "expected %s == %s (0x%llx != 0x%llx)", #a, \
				  #b, _a, _b);                                \
	} while (0)

/* Fail and leave the case now (for preconditions the rest depends on). */
#define KT_ASSERT(cond)                                                       \
	do {                                                                  \
		if (!(cond)) {                                                \
			ktap_fail(__FILE__, __LINE__, "assertion %s", #cond); \
			return;                                               \
		}                                                             \
	} while (0)

/* Run every case; prints KTAP; returns 0 when all passed or skipped. */
int ktap_main(const char *suite, const struct ktap_case *cases, size_t n);

#endif
