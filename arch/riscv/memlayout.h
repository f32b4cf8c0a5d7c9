/* SPDX-License-Identifier: MIT */
/*
 * The Sv39 virtual memory layout, and the one place where physical and
 * virtual addresses are converted.
 *
 *   0xffffffc000000000  linear map of physical 0 .. LINEAR_MAP_SIZE
 *   0xffffffe000000000  MMIO (ioremap), 4 KiB pages
 *   0xffffffe800000000  hart stacks, each under an unmapped guard page
 *   0xffffffec00000000  scratch window for tests of the page table
 *   0xffffffff80000000  kernel image (linked here, mapped to its load address)
 */
#ifndef HARTSLAB_ARCH_RISCV_MEMLAYOUT_H
#define HARTSLAB_ARCH_RISCV_MEMLAYOUT_H

#define LINEAR_MAP_BASE 0xffffffc000000000UL
#define LINEAR_MAP_SIZE 0x0000002000000000UL /* 128 GiB */
#define IOREMAP_BASE	0xffffffe000000000UL
#define IOREMAP_SIZE	0x0000000040000000UL
#define STACKS_BASE	0xffffffe800000000UL
#define SCRATCH_BASE	0xffffffec00000000UL
#define KERNEL_VA_BASE	0xffffffff80000000UL

#define KSTACK_SIZE (16 * 1024)

#ifndef __ASSEMBLY__
#include "lib/types.h"

/* Physical address the kernel image was loaded at (set by early boot). */
extern phys_addr_t kernel_load_pa;

static inline void *phys_to_virt(phys_addr_t pa)
{
	return (void *)(uintptr_t)(pa + LINEAR_MAP_BASE);
}

/* Accepts linear-map and kernel-image addresses. */
static inline phys_addr_t virt_to_phys(const void *va)
{
	uintptr_t v = (uintptr_t)va;

	if (v >= KERNEL_VA_BASE)
		return v - KERNEL_VA_BASE + kernel_load_pa;
	return v - LINEAR_MAP_BASE;
}
#endif

#endif
