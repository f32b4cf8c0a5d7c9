/* SPDX-License-Identifier: MIT */
#ifndef HARTSLAB_KERNEL_MM_SETTLE_H
#define HARTSLAB_KERNEL_MM_SETTLE_H

#include "lib/types.h"

/*
 * Free bytes once every online hart has posted its pending remote frees
 * and then drained: exact when nothing else allocates meanwhile.  Runs a
 * job on every online hart; call it from thread context.
 */
uint64_t mm_settled_free_bytes(void);

#endif
