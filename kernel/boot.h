/* SPDX-License-Identifier: MIT */
/* What the boot sequence (kernel/main.c) leaves for others to inspect. */
#ifndef HARTSLAB_KERNEL_BOOT_H
#define HARTSLAB_KERNEL_BOOT_H

#include "mm/mm.h"

/*
 * The range kept out of the sections while booting (the FDT's window) and
 * hot-added afterwards; size 0 when there was none.
 */
const struct mm_range *boot_only_range(void);

/* The FDT's physical address as the boot entry received it in a1. */
phys_addr_t boot_fdt_pa(void);

/*
 * The C entry of the boot hart, called by _start (arch/riscv/entry.S) on
 * the early page table with the counters it read first.
 */
void kernel_main(unsigned long hartid, phys_addr_t fdt_pa,
		 unsigned long instret0, unsigned long time0) __noreturn;

#endif
