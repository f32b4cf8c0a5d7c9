/* SPDX-License-Identifier: MIT */
/*
 * Symbols that kernel.ld and arch/riscv/entry.S define, declared once for
 * the C code, and the C functions entry.S calls before kernel_main().
 */
#ifndef HARTSLAB_ARCH_RISCV_SECTIONS_H
#define HARTSLAB_ARCH_RISCV_SECTIONS_H

#include "lib/types.h"

/* kernel.ld: the image and its W^X boundaries (each page-aligned). */
extern char _kernel_start[], _text_end[], _rodata_end[], _kernel_end[];

/* entry.S: the boot hart's stack, its guard page and emergency stack. */
extern char boot_stack_guard[], boot_stack_bottom[], boot_emergency_top[];
/* entry.S: where harts started by SBI HSM begin; the trap vector. */
extern char secondary_entry[], trap_vector[];
/* entry.S: the boot entry (the Image header's first byte). */
extern char _start[];

/*
 * arch/riscv/early_mmu.c, called by _start with the MMU off: build the
 * early table for an image loaded at @load_pa; its satp, or 0 if unusable.
 */
unsigned long early_paging_setup(phys_addr_t load_pa);

#endif
