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

/* Interrupt handlers, called from trap_handle(). */
void smp_handle_ipi(void);
void timer_handle_tick(void);

#endif
