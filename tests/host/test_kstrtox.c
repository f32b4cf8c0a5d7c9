// SPDX-License-Identifier: MIT
/* lib/kstrtox.c: checked numbers for the command line and the console. */
#include "lib/errno.h"
#include "lib/kstrtox.h"
#include "tests/host/ktap_host.h"

static void test_decimal_and_hex(void)
{
	unsigned long v = 7;

	KT_EXPECT_EQ(kstrtoul("0", 10, &v), 0);
	KT_EXPECT_EQ(v, 0);
	KT_EXPECT_EQ(kstrtoul("86400", 10, &v), 0);
	KT_EXPECT_EQ(v, 86400);
	KT_EXPECT_EQ(kstrtoul("0x1F", 0, &v), 0);
	KT_EXPECT_EQ(v, 31);
	KT_EXPECT_EQ(kstrtoul("ff", 16, &v), 0);
	KT_EXPECT_EQ(v, 255);
	KT_EXPECT_EQ(kstrtoul("18446744073709551615", 10, &v), 0);
	KT_EXPECT_EQ(v, ~0UL);
}

static void test_overflow_detected(void)
{
	unsigned long v = 7;

	/* 2^64 + 1 would wrap to 1 without the check. */
	KT_EXPECT_EQ(kstrtoul("18446744073709551617", 10, &v), -ERANGE);
	KT_EXPECT_EQ(kstrtoul("18446744073709551616", 0, &v), -ERANGE);
	KT_EXPECT_EQ(kstrtoul("99999999999999999999", 10, &v), -ERANGE);
	KT_EXPECT_EQ(kstrtoul("0x10000000000000000", 0, &v), -ERANGE);
	KT_EXPECT_EQ(v, 7); /* untouched on failure */
}

static void test_junk_refused(void)
{
	unsigned long v = 7;
	static const char *const bad[] = { "",	 "-1", " 1", "1 ", "abc",
					   "1x", "0x", "+1", "1.5" };
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		KT_EXPECT_EQ(kstrtoul(bad[i], 0, &v), -EINVAL);
	KT_EXPECT_EQ(kstrtoul("12", 8, &v), -EINVAL); /* base not offered */
	KT_EXPECT_EQ(v, 7);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(test_decimal_and_hex),
	KTAP_CASE(test_overflow_detected),
	KTAP_CASE(test_junk_refused),
};

int main(void)
{
	return ktap_main("kstrtox", cases, sizeof(cases) / sizeof(cases[0]));
}
