// SPDX-License-Identifier: MIT
/*
 * lib/kstrtox.c: checked numbers for the command line and the console.
 * Written against the API the kernel's tests use (lib/ktap_expect.h).
 */
#include "lib/errno.h"
#include "lib/kstrtox.h"
#include "tests/host/ktap_host.h"

static void test_decimal_and_hex(struct ktest *t)
{
	unsigned long v = 7;

	KT_EXPECT_EQ(t, kstrtoul("0", 10, &v), 0);
	KT_EXPECT_EQ(t, v, 0);
	KT_EXPECT_EQ(t, kstrtoul("86400", 10, &v), 0);
	KT_EXPECT_EQ(t, v, 86400);
	KT_EXPECT_EQ(t, kstrtoul("0x1F", 0, &v), 0);
	KT_EXPECT_EQ(t, v, 31);
	KT_EXPECT_EQ(t, kstrtoul("ff", 16, &v), 0);
	KT_EXPECT_EQ(t, v, 255);
	KT_EXPECT_EQ(t, kstrtoul("18446744073709551615", 10, &v), 0);
	KT_EXPECT_EQ(t, v, ~0UL);
}

static void test_overflow_detected(struct ktest *t)
{
	unsigned long v = 7;

	/* 2^64 + 1 would wrap to 1 without the check. */
	KT_EXPECT_EQ(t, kstrtoul("18446744073709551617", 10, &v), -ERANGE);
	KT_EXPECT_EQ(t, kstrtoul("18446744073709551616", 0, &v), -ERANGE);
	KT_EXPECT_EQ(t, kstrtoul("99999999999999999999", 10, &v), -ERANGE);
	KT_EXPECT_EQ(t, kstrtoul("0x10000000000000000", 0, &v), -ERANGE);
	KT_EXPECT_EQ(t, v, 7); /* untouched on failure */
}

static void test_junk_refused(struct ktest *t)
{
	unsigned long v = 7;
	static const char *const bad[] = { "",	 "-1", " 1", "1 ", "abc",
					   "1x", "0x", "+1", "1.5" };
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		KT_EXPECT_EQ(t, kstrtoul(bad[i], 0, &v), -EINVAL);
	KT_EXPECT_EQ(t, kstrtoul("12", 8, &v), -EINVAL); /* base not offered */
	KT_EXPECT_EQ(t, v, 7);
}

static const struct ktap_case cases[] = {
	KTEST_CASE(test_decimal_and_hex),
	KTEST_CASE(test_overflow_detected),
	KTEST_CASE(test_junk_refused),
};

int main(void)
{
	return ktap_main("kstrtox", cases, sizeof(cases) / sizeof(cases[0]));
}
