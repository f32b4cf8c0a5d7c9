/* SPDX-License-Identifier: MIT */
/*
 * The kernel command line (FDT /chosen/bootargs, QEMU -append): words
 * separated by spaces, each "key=value" or a bare "key".  Every key the
 * kernel knows is in one table (kernel/cmdline.c, documented in
 * docs/cmdline.md); cmdline_check() warns about anything else.
 */
#ifndef HARTSLAB_KERNEL_CMDLINE_H
#define HARTSLAB_KERNEL_CMDLINE_H

#include "lib/types.h"

/* Keep a copy of @args; false when it had to be cut short. */
bool cmdline_set(const char *args);
const char *cmdline_get_all(void);
/*
 * Check every word against the table of keys: an unknown key, a value that
 * is not one the key takes (a number out of its range, a word not in its
 * list), a key given twice.  Prints one "cmdline: warning: ..." line per
 * problem and returns how many there were (also cmdline_problems()).
 */
unsigned int cmdline_check(void);
unsigned int cmdline_problems(void);
/* Copy the value of @key into @buf; false when @key is absent. */
bool cmdline_get(const char *key, char *buf, size_t len);
/*
 * The value of @key as a number, or @def when absent or not valid for the
 * key (not a number, out of the key's range, too large: cmdline_check()
 * said so at boot).
 */
unsigned long cmdline_get_ulong(const char *key, unsigned long def);
/* Is @item one of the comma-separated entries of @list? */
bool list_contains(const char *list, const char *item);

#endif
