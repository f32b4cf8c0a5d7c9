// SPDX-License-Identifier: MIT
/*
 * The early page table, built with the MMU off by the boot hart before it
 * jumps to the kernel's virtual address.
 *
 * This code runs at the physical load address: everything is PC-relative
 * (-mcmodel=medany), it calls nothing and reads no pointer stored in data,
 * so the addresses it computes are physical ones.  The table maps
 *   - the kernel image, 2 MiB pages, RWX: KERNEL_VA_BASE -> load address;
 *   - the whole linear-map window with 1 GiB pages, so that the FDT, memblock
 *     and the final page tables can be reached before the final map exists.
 * paging_init() (arch/riscv/mmu.c) replaces it with the real, W^X one.
 */
#include "arch/riscv/csr.h"
#include "arch/riscv/memlayout.h"
#include "arch/riscv/pgtable.h"
#include "arch/riscv/sections.h"

#define SZ_2M (2UL << 20)
#define SZ_1G (1UL << 30)

static pte_t early_root[PTRS_PER_TABLE] __attribute__((aligned(PAGE_SIZE)));
static pte_t early_kernel_pmd[PTRS_PER_TABLE]
	__attribute__((aligned(PAGE_SIZE)));

/* Set once here; read-only afterwards. */
phys_addr_t kernel_load_pa;

unsigned long early_paging_setup(phys_addr_t load_pa)
{
	unsigned long kernel_size = _kernel_end - _kernel_start;
	unsigned long i, nr_2m = (kernel_size + SZ_2M - 1) / SZ_2M;
	phys_addr_t root_pa = (phys_addr_t)(uintptr_t)early_root;
	phys_addr_t pmd_pa = (phys_addr_t)(uintptr_t)early_kernel_pmd;

	if (load_pa & (SZ_2M - 1))
		return 0; /* the caller faults at satp=0: nothing to map with */
	kernel_load_pa = load_pa; /* a PC-relative store: lands physically */

	for (i = 0; i < LINEAR_MAP_SIZE / SZ_1G; i++)
		early_root[pte_index(LINEAR_MAP_BASE, 2) + i] =
			pte_make(i * SZ_1G, PROT_RW);
	for (i = 0; i < nr_2m; i++)
		early_kernel_pmd[i] =
			pte_make(load_pa + i * SZ_2M, PROT_RW | PTE_X);
	early_root[pte_index(KERNEL_VA_BASE, 2)] = pte_make(pmd_pa, 0);
	return SATP_MODE_SV39 | (root_pa >> PAGE_SHIFT);
}
