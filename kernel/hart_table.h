/* SPDX-License-Identifier: MIT */
/*
 * Private to kernel/smp.c (which fills the hart table while booting) and
 * kernel/hart.c (which reads it and carries the inter-hart calls).  The
 * split keeps the calls that panic() and mm's port need (stopping and
 * draining the other harts) in a file that refers to neither mm nor the
 * boot code, so no dependency cycle runs through mm/.
 */
#ifndef HARTSLAB_KERNEL_HART_TABLE_H
#define HARTSLAB_KERNEL_HART_TABLE_H

#include "kernel/hart.h"
#include "kernel/platform.h"

/*
 * Written by the boot hart only: harts[i] once hart i was started (release
 * store, read with acquire; NULL until then and for a hart that failed to
 * start), nr_harts and boot_index before any other hart starts.
 */
extern _Atomic(struct hart *) harts[PLATFORM_MAX_HARTS];
extern unsigned int nr_harts;
extern unsigned int boot_index;

/* The idle loop's side of smp_run_on(): run the posted job, if any. */
void smp_run_posted_work(struct hart *h);

#endif
