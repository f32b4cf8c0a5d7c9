/* SPDX-License-Identifier: MIT */
/* Fatal errors and leaving the machine. */
#ifndef HARTSLAB_KERNEL_PANIC_H
#define HARTSLAB_KERNEL_PANIC_H

#include "kernel/platform.h"

/* Print "panic: hart <id>: <message>", stop the other harts, exit(1). */
void panic(const char *fmt, ...) __printf(1, 2) __noreturn;
bool in_panic(void);
/* Claim the panic; false when another hart already panics (then halt). */
bool panic_begin(void);

/* The exit device from the FDT (QEMU's sifive,test1), mapped. */
int power_init(const struct platform_exit_dev *dev);
/* Before paging_init: through the early linear map (boot failures). */
void power_init_early(const struct platform_exit_dev *dev);
/*
 * Power off with @code as QEMU's exit status (test device), else SBI SRST
 * (which exits 0 under QEMU), else stop the hart for good.
 */
void machine_exit(int code) __noreturn;
/* Stop this hart for good, interrupts off. */
void hart_halt(void) __noreturn;

#endif
