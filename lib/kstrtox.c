// SPDX-License-Identifier: MIT
/* Checked number parsing (see lib/kstrtox.h). */
#include "lib/kstrtox.h"

#include "lib/errno.h"

static unsigned int digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 16;
}

int kstrtoul(const char *s, unsigned int base, unsigned long *res)
{
	unsigned long v = 0;
	const char *p = s;

	if ((base == 0 || base == 16) && p[0] == '0' &&
	    (p[1] == 'x' || p[1] == 'X')) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = 10;
	}
	if (base != 10 && base != 16)
		return -EINVAL;
	if (digit(*p) >= base)
		return -EINVAL; /* no digit at all ("", "0x", "-1", " 1") */
	for (; *p; p++) {
		unsigned int d = digit(*p);

		if (d >= base)
			return -EINVAL;
		/* v * base + d > ULONG_MAX, asked without overflowing. */
		if (v > (~0UL - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	*res = v;
	return 0;
}
