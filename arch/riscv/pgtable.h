/* SPDX-License-Identifier: MIT */
/* Sv39 page-table entries and the kernel's page-table interface. */
#ifndef HARTSLAB_ARCH_RISCV_PGTABLE_H
#define HARTSLAB_ARCH_RISCV_PGTABLE_H

#include "lib/types.h"

typedef uint64_t pte_t; /* a hardware format, as in Linux */

#define PTE_V (1UL << 0)
#define PTE_R (1UL << 1)
#define PTE_W (1UL << 2)
#define PTE_X (1UL << 3)
#define PTE_U (1UL << 4)
#define PTE_G (1UL << 5)
#define PTE_A (1UL << 6)
#define PTE_D (1UL << 7)

#define PTE_PPN_SHIFT	   10
#define PTRS_PER_TABLE	   512
#define LEVEL_SHIFT(level) (PAGE_SHIFT + 9 * (level)) /* 0: 4K 1: 2M 2: 1G */

/* Kernel protections: A and D preset so no hardware update is needed. */
#define PROT_RX (PTE_R | PTE_X | PTE_G | PTE_A)
#define PROT_R	(PTE_R | PTE_G | PTE_A)
#define PROT_RW (PTE_R | PTE_W | PTE_G | PTE_A | PTE_D)

static inline pte_t pte_make(phys_addr_t pa, unsigned long prot)
{
	return ((pa >> PAGE_SHIFT) << PTE_PPN_SHIFT) | prot | PTE_V;
}

static inline phys_addr_t pte_pa(pte_t pte)
{
	return (pte >> PTE_PPN_SHIFT) << PAGE_SHIFT;
}

static inline bool pte_is_leaf(pte_t pte)
{
	return pte & (PTE_R | PTE_W | PTE_X);
}

static inline unsigned int pte_index(unsigned long va, int level)
{
	return (va >> LEVEL_SHIFT(level)) & (PTRS_PER_TABLE - 1);
}

static inline void local_flush_tlb_all(void)
{
	__asm__ volatile("sfence.vma" ::: "memory");
}

static inline void local_flush_tlb_page(unsigned long va)
{
	__asm__ volatile("sfence.vma %0" : : "r"(va) : "memory");
}

/* A range of physical memory. */
struct phys_range {
	phys_addr_t base;
	uint64_t size;
};

/*
 * Build the final kernel page table and switch to it: the image (W^X,
 * without the page at @stack_guard) and a linear map of @ram.  Table pages
 * come from the page source, which must be set first.
 */
int paging_init(const struct phys_range *ram, unsigned int nr_ram,
		unsigned long stack_guard);
/* Map [va, va+size) to [pa, ...) with the largest pages that fit. */
int map_range(unsigned long va, phys_addr_t pa, uint64_t size,
	      unsigned long prot);
int unmap_page(unsigned long va);
/* Map MMIO at a fresh virtual address; NULL on failure. */
void *ioremap(phys_addr_t pa, uint64_t size);
/* Walk the kernel table: the leaf PTE for @va, or 0. */
pte_t lookup_pte(unsigned long va, int *level);
/* Where page-table pages come from (0: none left); may be changed later. */
void mmu_set_page_source(phys_addr_t (*source)(void));
/* satp value of the kernel page table (for secondary harts). */
unsigned long kernel_satp(void);

#endif
