/* SPDX-License-Identifier: MIT */
#ifndef HARTSLAB_LIB_SCNPRINTF_H
#define HARTSLAB_LIB_SCNPRINTF_H

#include <stdarg.h>
#include <stddef.h>

/* The kernel's (lib/vsnprintf.c) or the C library's, on the host. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/*
 * snprintf that returns what it wrote (at most @size - 1; 0 when @size is
 * 0), not what it would have written, so that appending in a loop,
 *	n += scnprintf(buf + n, sizeof(buf) - n, ...);
 * never moves past the end of @buf: a long line is cut, not overflowed.
 */
static inline __attribute__((format(printf, 3, 4))) int
scnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!size)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		return 0;
	return (size_t)n < size ? n : (int)(size - 1);
}

#endif
