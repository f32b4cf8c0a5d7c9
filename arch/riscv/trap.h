/* SPDX-License-Identifier: MIT */
/* Traps: install the vector, report faults, let tests expect a fault. */
#ifndef HARTSLAB_ARCH_RISCV_TRAP_H
#define HARTSLAB_ARCH_RISCV_TRAP_H

#include <stdbool.h>

#include "arch/riscv/trap_frame.h"

/*
 * A fault a test provokes on purpose: while armed on a hart, the next
 * exception on that hart is recorded here, its report printed as KTAP
 * diagnostics, and execution resumes after the faulting instruction.
 */
struct trap_fixup {
	bool armed;
	bool hit;
	unsigned long scause;
	unsigned long stval;
	unsigned long sepc;
};

void trap_init(void); /* this hart: stvec */
const char *trap_cause_name(unsigned long scause);
/* Print the full fault report (cause by name, sepc, stval, registers). */
void trap_report(const struct trap_frame *f, const char *prefix);

/*
 * What the trap code needs from the layers above it, registered once by
 * the boot code before interrupts are enabled (trap_set_ops), so that arch
 * does not call up into the kernel.  A NULL handler makes that interrupt
 * (or, for stop_others, the fatal path's step) a no-op.
 */
struct trap_ops {
	void (*ipi)(void);	   /* supervisor software interrupt */
	void (*timer)(void);	   /* supervisor timer interrupt */
	void (*stop_others)(void); /* fatal exception: halt the other harts */
};

/* @ops must stay valid; set before any hart enables interrupts. */
void trap_set_ops(const struct trap_ops *ops);

/* Called by trap_vector (arch/riscv/entry.S) with the saved registers. */
void trap_handle(struct trap_frame *f);

#endif
