/* SPDX-License-Identifier: MIT */
/* Fatal errors and leaving the machine. */
#ifndef HARTSLAB_KERNEL_PANIC_H
#define HARTSLAB_KERNEL_PANIC_H

#include "kernel/platform.h"
#include "kernel/power.h" /* machine_exit() */

/* Print "panic: hart <id>: <message>", stop the other harts, exit(1). */
void panic(const char *fmt, ...) __printf(1, 2) __noreturn;
bool in_panic(void);
/* Claim the panic; false when another hart already panics (then halt). */
bool panic_begin(void);
/* Stop this hart for good, interrupts off. */
void hart_halt(void) __noreturn;

#endif
