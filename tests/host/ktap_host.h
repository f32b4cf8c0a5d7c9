/* SPDX-License-Identifier: MIT */
/*
 * A minimal KTAP version 1 runner for host unit tests.
 *
 * Each test binary is one suite of cases.  Every case runs in a forked
 * child, so a crash, an abort or a sanitizer report fails that case alone
 * and is reported as "not ok" with the signal or exit status.  Set
 * KTAP_NOFORK=1 to run cases in-process (handy under gdb).
 *
 *	static void test_split(struct ktest *t) { KT_EXPECT(t, x == 1); }
 *	static const struct ktap_case cases[] = { KTEST_CASE(test_split), };
 *
 * The expectations are the kernel's (lib/ktap_expect.h); the older
 * spelling without the context, KT_EXPECT(x == 1) in a void fn(void)
 * listed with KTAP_CASE(), means the same.
 *	int main(void) { return ktap_main("buddy", cases, ARRAY_SIZE(cases)); }
 */
#ifndef HARTSLAB_TESTS_KTAP_HOST_H
#define HARTSLAB_TESTS_KTAP_HOST_H

#include <stddef.h>

/* Expectations and ktest_fail/skip/diag: shared with the kernel. */
#include "lib/ktap_expect.h"

/* A case is void fn(void) (KTAP_CASE) or void fn(struct ktest *t). */
struct ktap_case {
	const char *name;
	void (*run)(void);
	void (*run_t)(struct ktest *t);
};

#define KTAP_CASE(fn)         \
	{                     \
#fn, fn, NULL \
	}
/* The kernel's spelling, for a case written as void fn(struct ktest *t). */
#define KTEST_CASE(fn)        \
	{                     \
#fn, NULL, fn \
	}

/* Record a failed expectation of the current case; it goes on running. */
void ktap_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Mark the current case skipped with a reason (then return from it). */
void ktap_skip(const char *reason);
/* Print a "# " diagnostic line. */
void ktap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Run every case; prints KTAP; returns 0 when all passed or skipped. */
int ktap_main(const char *suite, const struct ktap_case *cases, size_t n);

#endif
