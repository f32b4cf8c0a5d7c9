// SPDX-License-Identifier: MIT
/*
 * The kernel page table (Sv39).
 *
 * One table for every hart (kernel mappings are global).  paging_init()
 * builds it on the boot hart from the RAM ranges it is given: the image
 * with W^X, a linear map of RAM with the largest pages that fit, nothing
 * for no-map ranges (the caller leaves them out); MMIO is added by
 * ioremap() in its own window.  Table pages come from the page source the
 * boot code sets (mmu_set_page_source): memblock during boot, the buddy
 * allocator afterwards.  Nothing here calls up into the kernel.  Changes after
 * SMP bring-up only add mappings for new stacks or MMIO, made by one hart at a
 * time under map_lock; a hart that uses a new mapping was told of it after it
 * was made (program order plus the release/acquire of the handshake that hands
 * the address over).
 */
#include "arch/riscv/pgtable.h"

#include "arch/riscv/csr.h"
#include "arch/riscv/memlayout.h"
#include "arch/riscv/sections.h"
#include "lib/errno.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "sbi/sbi.h"

#include <string.h>

static pte_t *kernel_root;
static phys_addr_t kernel_root_pa;
static phys_addr_t (*page_source)(void);
static unsigned long ioremap_next = IOREMAP_BASE;
static struct spinlock map_lock;

void mmu_set_page_source(phys_addr_t (*source)(void))
{
	page_source = source;
}

static phys_addr_t alloc_table(void)
{
	phys_addr_t pa = 0;

	if (page_source)
		pa = page_source();
	if (pa)
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

/* The PTE slot for @va at @level, creating tables above it; NULL: no memory. */
static pte_t *walk(unsigned long va, int level)
{
	pte_t *table = kernel_root;
	int l;

	for (l = 2; l > level; l--) {
		pte_t *pte = &table[pte_index(va, l)];

		if (!(*pte & PTE_V)) {
			phys_addr_t pa = alloc_table();

			if (!pa)
				return NULL;
			*pte = pte_make(pa, 0);
		} else if (pte_is_leaf(*pte)) {
			return NULL; /* already covered by a larger page */
		}
		table = phys_to_virt(pte_pa(*pte));
	}
	return &table[pte_index(va, level)];
}

static int largest_level(unsigned long va, phys_addr_t pa, uint64_t left)
{
	int level;

	for (level = 2; level > 0; level--) {
		uint64_t sz = 1UL << LEVEL_SHIFT(level);

		if (is_aligned(va, sz) && is_aligned(pa, sz) && left >= sz)
			return level;
	}
	return 0;
}

static int map_range_locked(unsigned long va, phys_addr_t pa, uint64_t size,
			    unsigned long prot)
{
	while (size) {
		int level = largest_level(va, pa, size);
		uint64_t sz = 1UL << LEVEL_SHIFT(level);
		pte_t *pte = walk(va, level);

		if (!pte)
			return -ENOMEM;
		if (*pte & PTE_V)
			return -EEXIST;
		*pte = pte_make(pa, prot);
		va += sz;
		pa += sz;
		size -= sz;
	}
	return 0;
}

int map_range(unsigned long va, phys_addr_t pa, uint64_t size,
	      unsigned long prot)
{
	unsigned long flags;
	int ret;

	if (!is_aligned(va | pa | size, PAGE_SIZE))
		return -EINVAL;
	flags = spin_lock_irqsave(&map_lock);
	ret = map_range_locked(va, pa, size, prot);
	spin_unlock_irqrestore(&map_lock, flags);
	local_flush_tlb_all();
	return ret;
}

pte_t lookup_pte(unsigned long va, int *level_out)
{
	pte_t *table = kernel_root;
	int level;

	for (level = 2; level >= 0; level--) {
		pte_t pte = table[pte_index(va, level)];

		if (!(pte & PTE_V))
			return 0;
		if (pte_is_leaf(pte)) {
			if (level_out)
				*level_out = level;
			return pte;
		}
		table = phys_to_virt(pte_pa(pte));
	}
	return 0;
}

/*
 * Removing a mapping must reach every hart's TLB, not just this one's: the
 * PTE is cleared first, then SBI RFENCE makes every hart (hart_mask_base
 * -1: all of them) execute sfence.vma for the page before it returns.
 */
int unmap_page(unsigned long va)
{
	unsigned long flags = spin_lock_irqsave(&map_lock);
	pte_t *pte = walk(va, 0);
	int ret = -ENOENT;

	if (pte && (*pte & PTE_V)) {
		*pte = 0;
		ret = 0;
	}
	spin_unlock_irqrestore(&map_lock, flags);
	local_flush_tlb_page(va);
	if (!ret && sbi_get_info()->has_rfence)
		ret = sbi_remote_sfence_vma(0, -1UL, va, PAGE_SIZE);
	return ret;
}

void *ioremap(phys_addr_t pa, uint64_t size)
{
	phys_addr_t base = align_down(pa, PAGE_SIZE);
	uint64_t len = align_up(pa + size, PAGE_SIZE) - base;
	unsigned long flags, va;
	int ret;

	flags = spin_lock_irqsave(&map_lock);
	va = ioremap_next;
	if (va + len > IOREMAP_BASE + IOREMAP_SIZE) {
		spin_unlock_irqrestore(&map_lock, flags);
		return NULL;
	}
	ioremap_next += len + PAGE_SIZE; /* a hole between mappings */
	ret = map_range_locked(va, base, len, PROT_RW);
	spin_unlock_irqrestore(&map_lock, flags);
	local_flush_tlb_all();
	if (ret)
		return NULL;
	return (void *)(va + (pa - base));
}

unsigned long kernel_satp(void)
{
	return SATP_MODE_SV39 | (kernel_root_pa >> PAGE_SHIFT);
}

static int map_image(unsigned long start, unsigned long end, unsigned long prot)
{
	if (end <= start)
		return 0;
	return map_range_locked(start, virt_to_phys((void *)start), end - start,
				prot);
}

/* Text RX, rodata R, data and bss RW except the boot stack's guard page. */
static int map_kernel_image(unsigned long guard)
{
	unsigned long text = (unsigned long)_kernel_start;
	unsigned long rodata = (unsigned long)_text_end;
	unsigned long data = (unsigned long)_rodata_end;
	unsigned long end = align_up((unsigned long)_kernel_end, PAGE_SIZE);
	int ret;

	ret = map_image(text, rodata, PROT_RX);
	if (!ret)
		ret = map_image(rodata, data, PROT_R);
	if (!ret)
		ret = map_image(data, guard, PROT_RW);
	if (!ret)
		ret = map_image(guard + PAGE_SIZE, end, PROT_RW);
	return ret;
}

static int map_linear(const struct phys_range *ram, unsigned int nr_ram)
{
	unsigned int i;
	int ret;

	for (i = 0; i < nr_ram; i++) {
		const struct phys_range *r = &ram[i];
		phys_addr_t base = align_up(r->base, PAGE_SIZE);
		phys_addr_t end = align_down(r->base + r->size, PAGE_SIZE);

		if (end <= base)
			continue;
		ret = map_range_locked(LINEAR_MAP_BASE + base, base, end - base,
				       PROT_RW);
		if (ret)
			return ret;
	}
	return 0;
}

int paging_init(const struct phys_range *ram, unsigned int nr_ram,
		unsigned long stack_guard)
{
	phys_addr_t root;
	int ret;

	root = alloc_table();
	if (!root)
		return -ENOMEM;
	kernel_root_pa = root;
	kernel_root = phys_to_virt(root);
	ret = map_kernel_image(stack_guard);
	if (!ret)
		ret = map_linear(ram, nr_ram);
	if (ret)
		return ret;
	csr_write(satp, kernel_satp());
	local_flush_tlb_all();
	return 0;
}
