/* SPDX-License-Identifier: MIT */
/*
 * The kernel command line (FDT /chosen/bootargs, QEMU -append): words
 * separated by spaces, each "key=value" or a bare "key".
 */
#ifndef HARTSLAB_KERNEL_CMDLINE_H
#define HARTSLAB_KERNEL_CMDLINE_H

#include "lib/types.h"

/* Keep a copy of @args; false when it had to be cut short. */
bool cmdline_set(const char *args);
const char *cmdline_get_all(void);
/* Copy the value of @key into @buf; false when @key is absent. */
bool cmdline_get(const char *key, char *buf, size_t len);
/* The value of @key as a number, or @def when absent or malformed. */
unsigned long cmdline_get_ulong(const char *key, unsigned long def);
/* Is @item one of the comma-separated entries of @list? */
bool list_contains(const char *list, const char *item);

#endif
