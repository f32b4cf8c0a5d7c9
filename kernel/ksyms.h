/* SPDX-License-Identifier: MIT */
/*
 * The kernel's own text symbols, linked in by a second link pass
 * (scripts/ksyms.py, mk/build.mk), for reports that name call sites.
 */
#ifndef HARTSLAB_KERNEL_KSYMS_H
#define HARTSLAB_KERNEL_KSYMS_H

#include "lib/types.h"

/* The function holding @ip and @ip's offset in it; NULL if none. */
const char *ksyms_lookup(uintptr_t ip, unsigned long *off);

#endif
