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
/*
 * Leave the machine with exit status @code: power_off() (kernel/power.c).
 * Here, in the file every layer may call, so that the trap code can end
 * the machine without calling up into the kernel layer.
 */
void machine_exit(int code) __noreturn;
/* Stop this hart for good, interrupts off. */
void hart_halt(void) __noreturn;

#endif
