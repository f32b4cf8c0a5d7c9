/* SPDX-License-Identifier: MIT */
/* The kernel's <stdlib.h>: only what libfdt's headers ask for. */
#ifndef HARTSLAB_KERNEL_LIBC_STDLIB_H
#define HARTSLAB_KERNEL_LIBC_STDLIB_H

#include <stddef.h>

unsigned long strtoul(const char *s, char **end, int base);

#endif
