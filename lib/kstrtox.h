/* SPDX-License-Identifier: MIT */
/* Checked number parsing for the command line and the console. */
#ifndef HARTSLAB_LIB_KSTRTOX_H
#define HARTSLAB_LIB_KSTRTOX_H

#include "lib/types.h"

/*
 * The whole of @s as an unsigned number: decimal, or hexadecimal after
 * "0x" when @base is 0 or 16.  0 and the value in @res; -EINVAL when @s is
 * empty, has a sign, a space or anything after the digits; -ERANGE when
 * the value does not fit an unsigned long (@res is left alone then).
 */
int kstrtoul(const char *s, unsigned int base, unsigned long *res);

#endif
