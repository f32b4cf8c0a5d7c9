// SPDX-License-Identifier: MIT
/*
 * KTAP suite "paging": the final Sv39 table enforces W^X on the image,
 * leaves no identity mapping of RAM, maps RAM linearly, and keeps the
 * boot stack's guard page unmapped.  Faults are provoked under a trap
 * fixup, which prints the panic report as diagnostics and resumes.
 */
#include "arch/riscv/csr.h"
#include "arch/riscv/memlayout.h"
#include "arch/riscv/pgtable.h"
#include "arch/riscv/sections.h"
#include "arch/riscv/trap.h"
#include "kernel/hart.h"
#include "kernel/ktest.h"
#include "kernel/smp.h"
#include "mm/kmalloc.h"

static const int rodata_word = 42;

/* Store @v at @addr with a fixup armed; the recorded fault, if any. */
static struct trap_fixup try_store(volatile void *addr, int v)
{
	struct trap_fixup fx = { .armed = true };
	struct hart *h = this_hart();

	h->fixup = &fx;
	__asm__ volatile("" ::: "memory");
	*(volatile int *)addr = v;
	__asm__ volatile("" ::: "memory");
	h->fixup = NULL;
	return fx;
}

static void expect_store_fault(struct ktest *t, volatile void *addr)
{
	struct trap_fixup fx = try_store(addr, 0x1234);

	KT_EXPECT(t, fx.hit);
	KT_EXPECT_EQ(t, fx.scause, EXC_STORE_PAGE_FAULT);
	KT_EXPECT_EQ(t, fx.stval, (unsigned long)addr);
}

static void test_text_not_writable(struct ktest *t)
{
	expect_store_fault(t, (volatile void *)test_text_not_writable);
}

static void test_rodata_not_writable(struct ktest *t)
{
	expect_store_fault(t, (volatile void *)&rodata_word);
	KT_EXPECT_EQ(t, rodata_word, 42);
}

static void test_image_permissions(struct ktest *t)
{
	pte_t text = lookup_pte((unsigned long)_kernel_start, NULL);
	pte_t rodata = lookup_pte((unsigned long)_text_end, NULL);
	pte_t data = lookup_pte((unsigned long)&this_hart()->index, NULL);

	KT_EXPECT_EQ(t, text & (PTE_R | PTE_W | PTE_X), PTE_R | PTE_X);
	KT_EXPECT_EQ(t, rodata & (PTE_R | PTE_W | PTE_X), PTE_R);
	(void)data;
	data = lookup_pte((unsigned long)_rodata_end, NULL);
	KT_EXPECT_EQ(t, data & (PTE_R | PTE_W | PTE_X), PTE_R | PTE_W);
}

static void test_no_identity_map(struct ktest *t)
{
	phys_addr_t pa = virt_to_phys(_kernel_start);

	KT_EXPECT_EQ(t, lookup_pte(pa, NULL), 0);
	KT_EXPECT_EQ(t, lookup_pte(align_down(pa, 1UL << 30), NULL), 0);
}

static void test_linear_map_covers_image(struct ktest *t)
{
	phys_addr_t pa = virt_to_phys(_kernel_start);
	const volatile unsigned char *lin = phys_to_virt(pa);
	int level = -1;

	KT_EXPECT(t, lookup_pte((unsigned long)lin, &level) & PTE_V);
	KT_EXPECT_EQ(t, lin[0], ((const unsigned char *)_kernel_start)[0]);
	KT_EXPECT(t, !(lookup_pte((unsigned long)lin, NULL) & PTE_X));
	ktest_diag("linear map of the image uses level-%d pages", level);
}

static void test_boot_stack_guard_unmapped(struct ktest *t)
{
	KT_EXPECT_EQ(t, lookup_pte((unsigned long)boot_stack_guard, NULL), 0);
	KT_EXPECT(t, lookup_pte((unsigned long)boot_stack_guard + PAGE_SIZE,
				NULL) &
			     PTE_W);
}

/* Another hart reads the scratch page, with a fixup armed on it. */
struct remote_read {
	volatile unsigned long *va;
	unsigned long value;
	struct trap_fixup fx;
};

static void read_on_other_hart(void *arg)
{
	struct remote_read *rr = arg;
	struct hart *h = this_hart();

	rr->fx = (struct trap_fixup){ .armed = true };
	rr->value = 0;
	h->fixup = &rr->fx;
	__asm__ volatile("" ::: "memory");
	rr->value = *rr->va;
	__asm__ volatile("" ::: "memory");
	h->fixup = NULL;
}

/*
 * A hart that has the mapping in its TLB must fault once the page is
 * unmapped elsewhere: unmap_page() has to reach every hart (SBI RFENCE).
 */
static void test_unmap_reaches_other_harts(struct ktest *t)
{
	unsigned int other = smp_other_online_hart();
	static struct remote_read rr;
	void *page = alloc_pages(1, __GFP_ZERO);
	int round;

	KT_ASSERT(t, page);
	rr.va = (volatile unsigned long *)SCRATCH_BASE;
	*(unsigned long *)page = 0x5a5a5a5a;
	KT_ASSERT(t, map_range(SCRATCH_BASE, virt_to_phys(page), PAGE_SIZE,
			       PROT_RW) == 0);
	/* Twice, so the other hart surely has the translation cached. */
	for (round = 0; round < 2; round++) {
		KT_ASSERT(t, smp_run_on(other, read_on_other_hart, &rr) == 0);
		smp_wait(other);
		KT_EXPECT(t, !rr.fx.hit);
		KT_EXPECT_EQ(t, rr.value, 0x5a5a5a5a);
	}
	KT_EXPECT_EQ(t, unmap_page(SCRATCH_BASE), 0);
	KT_ASSERT(t, smp_run_on(other, read_on_other_hart, &rr) == 0);
	smp_wait(other);
	KT_EXPECT(t, rr.fx.hit);
	KT_EXPECT_EQ(t, rr.fx.scause, EXC_LOAD_PAGE_FAULT);
	KT_EXPECT_EQ(t, rr.fx.stval, SCRATCH_BASE);
	free_pages(page);
}

static const struct ktest_case paging_cases[] = {
	KTEST_CASE(test_text_not_writable),
	KTEST_CASE(test_rodata_not_writable),
	KTEST_CASE(test_image_permissions),
	KTEST_CASE(test_no_identity_map),
	KTEST_CASE(test_linear_map_covers_image),
	KTEST_CASE(test_boot_stack_guard_unmapped),
	KTEST_CASE_SMP(test_unmap_reaches_other_harts, 2),
};
KTEST_SUITE(paging, paging_cases);
