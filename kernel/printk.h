/* SPDX-License-Identifier: MIT */
/*
 * Formatted output to the console.  printk() takes the console lock so that
 * lines from different harts do not interleave; panic output bypasses a
 * lock held too long (see console_panic_mode()).
 *
 * Formats: %d %i %u %x %X %o %c %s %p %% with flags '-' '0', a width
 * (or '*'), a precision for %s, and the l, ll, z length modifiers.
 */
#ifndef HARTSLAB_KERNEL_PRINTK_H
#define HARTSLAB_KERNEL_PRINTK_H

#include <stdarg.h>
#include <stddef.h>

#include "lib/types.h"

int printk(const char *fmt, ...) __printf(1, 2);
int vprintk(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
