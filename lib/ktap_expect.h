/* SPDX-License-Identifier: MIT */
/*
 * The expectations of every KTAP test, in the kernel (kernel/ktest.h) and
 * on the host (tests/host/ktap_host.h): one API, so that a test body can
 * be shared.  Each macro takes the case's context first, or leaves it out
 * to mean the case running now (both runners run one case at a time):
 *
 *	KT_EXPECT(t, cond)	KT_EXPECT(cond)		go on when false
 *	KT_EXPECT_EQ(t, a, b)	KT_EXPECT_EQ(a, b)	as unsigned long long
 *	KT_ASSERT(t, cond)	KT_ASSERT(cond)		return when false
 *
 * A case is `void fn(struct ktest *t)` on both sides (the host also takes
 * `void fn(void)`), and both runners provide
 *
 *	ktest_fail(t, file, line, fmt, ...)	a failed expectation
 *	ktest_skip(t, reason)			skip this case
 *	ktest_diag(fmt, ...)			a "# ..." diagnostic line
 *
 * where t == NULL means the current case.  An argument holding a comma
 * outside parentheses (a compound literal) must be parenthesised.
 */
#ifndef HARTSLAB_LIB_KTAP_EXPECT_H
#define HARTSLAB_LIB_KTAP_EXPECT_H

#include <stddef.h>

struct ktest;

void ktest_fail(struct ktest *t, const char *file, int line, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));
void ktest_skip(struct ktest *t, const char *reason);
void ktest_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The macro for the number of arguments given: with or without a context. */
#define KT__PICK(_1, _2, _3, name, ...) name

#define KT__EXPECT(t, cond)                                                \
	do {                                                               \
		if (!(cond))                                               \
			ktest_fail((t), __FILE__, __LINE__, "expected %s", \
				   #cond);                                 \
	} while (0)
#define KT__EXPECT_CUR(cond) KT__EXPECT(NULL, cond)

#define KT__EXPECT_EQ(t, a, b)                                                 \
	do {                                                                   \
		unsigned long long _a = (unsigned long long)(a);               \
		unsigned long long _b = (unsigned long long)(b);               \
		if (_a != _b)                                                  \
			ktest_fail((t), __FILE__, __LINE__,                    \
				   "expected %s == %s (0x%llx != 0x%llx)", #a, \
				   #b, _a, _b);                                \
	} while (0)
#define KT__EXPECT_EQ_CUR(a, b) KT__EXPECT_EQ(NULL, a, b)

#define KT__ASSERT(t, cond)                                                 \
	do {                                                                \
		if (!(cond)) {                                              \
			ktest_fail((t), __FILE__, __LINE__, "assertion %s", \
				   #cond);                                  \
			return;                                             \
		}                                                           \
	} while (0)
#define KT__ASSERT_CUR(cond) KT__ASSERT(NULL, cond)

#define KT_EXPECT(...) \
	KT__PICK(__VA_ARGS__, _, KT__EXPECT, KT__EXPECT_CUR, _)(__VA_ARGS__)
#define KT_EXPECT_EQ(...) \
	KT__PICK(__VA_ARGS__, KT__EXPECT_EQ, KT__EXPECT_EQ_CUR, _)(__VA_ARGS__)
#define KT_ASSERT(...) \
	KT__PICK(__VA_ARGS__, _, KT__ASSERT, KT__ASSERT_CUR, _)(__VA_ARGS__)

#endif
