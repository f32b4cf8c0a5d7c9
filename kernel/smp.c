// SPDX-License-Identifier: MIT
/*
 * SMP bring-up: number the usable harts, start the others with SBI HSM,
 * give each its stack, and their idle loop.  The hart table's readers and
 * the inter-hart calls (IPIs, smp_run_on) are in kernel/hart.c, which
 * states who writes what and the memory ordering of each field.
 *
 * Ownership: the hart table (harts[], nr_harts, boot_index) is written only
 * here, by the boot hart: harts[i] once hart i was started (release), the
 * rest before any other hart starts.  A hart's struct hart, its stack and
 * its boot info come from mm; a start that fails part-way gives them all
 * back before the table could name the hart.
 */
#include "kernel/smp.h"

#include "kernel/hart_table.h"

#include "arch/riscv/csr.h"
#include "arch/riscv/memlayout.h"
#include "arch/riscv/pgtable.h"
#include "arch/riscv/sections.h"
#include "arch/riscv/trap.h"
#include "lib/errno.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/timer.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "sbi/sbi.h"

#include <string.h>

#define HART_START_TIMEOUT_US 2000000

struct hart boot_hart; /* the boot hart's, reached through tp from entry */

/* Hardware ids of the usable harts, by index (the boot hart's only). */
static uint32_t hart_ids[PLATFORM_MAX_HARTS];

void boot_hart_early(unsigned long hartid)
{
	boot_hart.hartid = hartid;
	boot_hart.stack_base = (unsigned long)boot_stack_bottom;
	boot_hart.stack_top = boot_hart.stack_base + KSTACK_SIZE;
	boot_hart.emergency_sp = (unsigned long)boot_emergency_top;
}

int smp_init(const struct platform *p, uint32_t boot_hartid)
{
	unsigned int i;
	bool found = false;

	nr_harts = 0;
	for (i = 0; i < p->nr_harts; i++) {
		const struct platform_hart *ph = &p->harts[i];

		if (!ph->usable)
			continue;
		hart_ids[nr_harts] = ph->id;
		if (ph->id == boot_hartid) {
			found = true;
			boot_index = nr_harts;
			atomic_store(&harts[nr_harts], &boot_hart);
		} else {
			atomic_store(&harts[nr_harts], NULL); /* at start-up */
		}
		nr_harts++;
	}
	if (!found)
		return -ENODEV;
	boot_hart.index = boot_index;
	atomic_store(&boot_hart.online, 1);
	return 0;
}

void smp_report(void)
{
	char ids[PLATFORM_MAX_HARTS * 11 + 1];
	unsigned int i;
	int n = 0;

	ids[0] = '\0';
	for (i = 0; i < nr_harts; i++) {
		struct hart *h = hart_by_index(i);

		if (!h || !atomic_load(&h->online))
			continue;
		n += snprintf(ids + n, sizeof(ids) - n, "%s%u", n ? "," : "",
			      h->hartid);
	}
	printk("smp: online=%u boot=%u ids=%s\n", smp_online_count(),
	       boot_hart.hartid, ids);
}

/*
 * The idle loop of a secondary hart.  Interrupts are off while it checks
 * for work, and wfi wakes on a pending interrupt even then, so an IPI that
 * arrives between the check and the wfi is not lost.
 */
static void __noreturn hart_idle(void)
{
	struct hart *h = this_hart();

	for (;;) {
		irq_disable();
		smp_run_posted_work(h);
		irq_disable();
		if (atomic_load_explicit(&h->work_posted,
					 memory_order_acquire) ==
		    atomic_load_explicit(&h->work_done, memory_order_relaxed))
			wait_for_interrupt();
		irq_enable();
	}
}

/* Where a started hart lands, through its stvec, with the MMU on. */
static void __attribute__((aligned(4), used, noreturn)) secondary_start(void)
{
	struct hart *h = this_hart();

	trap_init();
	local_flush_tlb_all();
	mm_hart_init();
	csr_set(sie, SIE_SSIE);
	if (timer_init_hart())
		printk("smp: hart %u: timer not started\n", h->hartid);
	printk("smp: hart %u online (index %u)\n", h->hartid, h->index);
	atomic_store_explicit(&h->online, 1, memory_order_release);
	hart_idle();
}

/* The stack window: a guard page, then KSTACK_SIZE, per hart index. */
static unsigned long hart_stack_base(unsigned int index)
{
	return STACKS_BASE + index * (KSTACK_SIZE + 2 * PAGE_SIZE) + PAGE_SIZE;
}

/* Undo map_range() of a stack, page by page (some may not be mapped). */
static void unmap_hart_stack(unsigned long base)
{
	unsigned long off;

	for (off = 0; off < KSTACK_SIZE; off += PAGE_SIZE)
		unmap_page(base + off);
}

/*
 * Map @h's stack (its pages in @stack_pages) and give it an emergency
 * page.  On failure nothing is
 * left behind: both allocations are freed and no stack page stays mapped.
 */
static int map_hart_stack(struct hart *h, void **stack_pages)
{
	unsigned long base = hart_stack_base(h->index);
	void *pages = alloc_pages(KSTACK_SIZE / PAGE_SIZE, GFP_KERNEL);
	void *emergency = alloc_pages(1, GFP_KERNEL);
	int ret = -ENOMEM;

	if (pages && emergency)
		ret = map_range(base, virt_to_phys(pages), KSTACK_SIZE,
				PROT_RW);
	if (ret) {
		if (pages)
			unmap_hart_stack(base);
		free_pages(pages);
		free_pages(emergency);
		return ret;
	}
	h->stack_base = base;
	h->stack_top = base + KSTACK_SIZE;
	h->emergency_sp = (unsigned long)emergency + PAGE_SIZE;
	*stack_pages = pages;
	return 0;
}

/* The inverse of map_hart_stack(), for a hart that never ran. */
static void unmap_hart_stack_of(struct hart *h, void *pages)
{
	unmap_hart_stack(h->stack_base);
	free_pages(pages);
	free_pages((void *)(h->emergency_sp - PAGE_SIZE));
}

/*
 * Start hart @hartid as index @index.  Everything it takes (its struct
 * hart, the boot info, the stack and its mapping, the emergency page) is
 * given back when a step fails; after a successful SBI start the hart owns
 * them.  The table entry is published only then, so no other hart can
 * have seen a struct hart that is freed here.
 */
static int start_hart(unsigned int index, uint32_t hartid)
{
	struct hart_boot_info *info;
	struct hart *h;
	void *stack_pages;
	int ret = -ENOMEM;

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	info = kzalloc(sizeof(*info), GFP_KERNEL);
	if (!h || !info)
		goto out_free;
	h->index = index;
	h->hartid = hartid;
	ret = map_hart_stack(h, &stack_pages);
	if (ret)
		goto out_free;
	info->satp = kernel_satp();
	info->tp = (unsigned long)h;
	info->sp = h->stack_top;
	info->entry = (unsigned long)secondary_start;
	ret = sbi_hart_start(hartid, virt_to_phys(secondary_entry),
			     virt_to_phys(info));
	if (ret) {
		unmap_hart_stack_of(h, stack_pages);
		goto out_free;
	}
	atomic_store_explicit(&harts[index], h, memory_order_release);
	/* info is read by the new hart with the MMU off: keep it. */
	return 0;

out_free:
	kfree(info);
	kfree(h);
	return ret;
}

static bool wait_online(struct hart *h)
{
	uint64_t end = time_now() + time_us_to_ticks(HART_START_TIMEOUT_US);

	while (!atomic_load_explicit(&h->online, memory_order_acquire)) {
		if (time_now() > end)
			return false;
		cpu_relax();
	}
	return true;
}

int smp_boot_secondaries(void)
{
	unsigned int i;
	int failed = 0;

	for (i = 0; i < nr_harts; i++) {
		int ret;

		if (i == boot_index)
			continue;
		ret = start_hart(i, hart_ids[i]);
		if (ret) {
			printk("smp: hart %u: start failed: %s\n", hart_ids[i],
			       errno_name(ret));
			atomic_store(&harts[i], NULL);
			failed++;
			continue;
		}
		if (!wait_online(hart_by_index(i))) {
			printk("smp: hart %u: did not come online\n",
			       hart_ids[i]);
			failed++;
		}
	}
	return failed ? -ETIMEDOUT : 0;
}
