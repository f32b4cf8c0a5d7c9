/* SPDX-License-Identifier: MIT */
/*
 * Leaving the machine: power-off with an exit status where the platform
 * has a way to carry one.
 */
#ifndef HARTSLAB_KERNEL_POWER_H
#define HARTSLAB_KERNEL_POWER_H

#include "kernel/platform.h"

/* Map the exit devices the FDT names (test device, HTIF); 0 or -errno. */
int power_init(const struct platform *p);
/* Before paging_init: reach them through the early linear map. */
void power_init_early(const struct platform *p);
/*
 * Power off with @code as the exit status (machine_exit() in
 * kernel/panic.h is the way to it from any layer).  In order: QEMU's test
 * device (sifive,test0/1: carries the status); HTIF (ucb,htif0, spike: carries
 * the status); SBI SRST (shutdown, or system failure when @code != 0:
 * QEMU then exits 0).  When none of them ends the machine, one line
 * "power: cannot power off ..." and every hart halts.
 */
void power_off(int code) __noreturn;

#endif
