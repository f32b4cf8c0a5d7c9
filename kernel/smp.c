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
#include "lib/scnprintf.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "sbi/sbi.h"

#include <string.h>

#define HART_START_TIMEOUT_US 2000000
#define HART_STOP_TIMEOUT_US  1000000

struct hart boot_hart; /* the boot hart's, reached through tp from entry */

/* Hardware ids of the usable harts, by index (the boot hart's only). */
static uint32_t hart_ids[PLATFORM_MAX_HARTS];

/*
 * The boot entry's lottery (arch/riscv/entry.S, where the ordering is
 * argued).  These live in the image's .data, written by harts running with
 * the MMU off at physical addresses and read here through the image map.
 * Slot i belongs to hart index i: the boot hart fills it in start_hart()
 * before the HSM call; a hart that enters _start after the boot hart (the
 * OpenSBI 1.1 race) finds it there and joins through it.
 */
struct boot_join {
	_Atomic unsigned long info_pa; /* struct hart_boot_info, 0: none */
	uint32_t hartid;
	_Atomic uint32_t reentries; /* harts that joined through _start */
};
_Static_assert(sizeof(struct boot_join) == 16, "entry.S BOOT_JOIN_SIZE");
extern struct boot_join boot_join_slots[PLATFORM_MAX_HARTS];
extern _Atomic uint32_t boot_parked_count;
extern uint32_t boot_parked_ids[PLATFORM_MAX_HARTS];
/* Re-entries already reported, per index; touched by the hart itself. */
static uint32_t reentries_seen[PLATFORM_MAX_HARTS];
static uint32_t parked_seen;
/* Came online before (hot-plug restarts): written by the hart itself. */
static bool been_online[PLATFORM_MAX_HARTS];
/* Harts the tree names that did not come online; boot hart only. */
static unsigned int nr_failed;

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
	been_online[boot_index] = true;
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
		n += scnprintf(ids + n, sizeof(ids) - n, "%s%u", n ? "," : "",
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
		mm_idle(); /* batched remote frees: post, take back */
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
	uint32_t entered;

	trap_init();
	local_flush_tlb_all();
	mm_hart_init(); /* a second call only sets the hart's slot pointer */
	csr_set(sie, SIE_SSIE);
	if (timer_init_hart())
		printk("smp: hart %u: timer not started\n", h->hartid);
	entered = atomic_load_explicit(&boot_join_slots[h->index].reentries,
				       memory_order_acquire);
	if (entered != reentries_seen[h->index]) {
		reentries_seen[h->index] = entered;
		printk("smp: hart %u entered the boot entry again (firmware "
		       "race), joined as a secondary\n",
		       h->hartid);
	}
	/*
	 * A hart that was stopped while it ran a job (smp_park_hart) starts
	 * again here: the job is over.  Nobody can post to it while it is
	 * offline (smp_run_on refuses), so this store races with nothing.
	 */
	atomic_store_explicit(
		&h->work_done,
		atomic_load_explicit(&h->work_posted, memory_order_relaxed),
		memory_order_release);
	/*
	 * A hart that stopped itself (hot-plug, kernel/hotplug.c) may have
	 * left a claim behind (the poster of the job it abandoned, e.g. the
	 * console's): nobody waits on it any more, so give it back before
	 * going online.  Nobody can claim an offline hart (smp_run_on).
	 */
	atomic_store_explicit(&h->work_poster, 0, memory_order_release);
	h->doing = NULL;
	h->fixup = NULL;
	/* The boot report's line once; a hart started again says so. */
	if (h->index < PLATFORM_MAX_HARTS && been_online[h->index])
		printk("smp: hart %u back online (index %u)\n", h->hartid,
		       h->index);
	else
		printk("smp: hart %u online (index %u)\n", h->hartid, h->index);
	if (h->index < PLATFORM_MAX_HARTS)
		been_online[h->index] = true;
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

/* Release: the hart_boot_info is complete before info_pa is seen. */
static void publish_join(unsigned int index, uint32_t hartid,
			 struct hart_boot_info *info)
{
	struct boot_join *j = &boot_join_slots[index];

	j->hartid = hartid;
	atomic_store_explicit(&j->info_pa, virt_to_phys(info),
			      memory_order_release);
}

static void withdraw_join(unsigned int index)
{
	atomic_store_explicit(&boot_join_slots[index].info_pa, 0,
			      memory_order_release);
}

/* Wait until HSM calls @hartid stopped: 0, or -ETIMEDOUT / -errno. */
static int wait_stopped_for(uint32_t hartid, uint64_t timeout_us)
{
	uint64_t end = time_now() + time_us_to_ticks(timeout_us);
	int st;

	while ((st = sbi_hart_get_status(hartid)) != SBI_HSM_STOPPED) {
		if (st < 0)
			return st;
		if (time_now() > end)
			return -ETIMEDOUT;
		cpu_relax();
	}
	return 0;
}

static int wait_stopped(uint32_t hartid)
{
	return wait_stopped_for(hartid, HART_STOP_TIMEOUT_US);
}

/*
 * Start hart @hartid as index @index.  Everything it takes (its struct
 * hart, the boot info, the stack and its mapping, the emergency page) is
 * given back when a step fails; after a successful SBI start the hart owns
 * them.  The table entry is published only then, so no other hart can
 * have seen a struct hart that is freed here.  Its join slot is published
 * before the SBI call (a hart in OpenSBI 1.1's race reads it as soon as
 * HSM says START_PENDING) and withdrawn before anything is freed when the
 * start fails: HSM did not start the hart then, so nothing holds it.
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
	publish_join(index, hartid, info);
	ret = sbi_hart_start(hartid, virt_to_phys(secondary_entry),
			     virt_to_phys(info));
	if (ret == -EALREADY && wait_stopped(hartid) == 0)
		/* It parked itself in the boot entry: now it is stopped. */
		ret = sbi_hart_start(hartid, virt_to_phys(secondary_entry),
				     virt_to_phys(info));
	if (ret) {
		withdraw_join(index);
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

static bool wait_online_for(struct hart *h, uint64_t timeout_us)
{
	uint64_t end = time_now() + time_us_to_ticks(timeout_us);

	while (!atomic_load_explicit(&h->online, memory_order_acquire)) {
		if (time_now() > end)
			return false;
		cpu_relax();
	}
	return true;
}

static bool wait_online(struct hart *h)
{
	return wait_online_for(h, HART_START_TIMEOUT_US);
}

/* Harts that came into the boot entry unasked and parked themselves. */
void smp_report_parked(void)
{
	uint32_t n =
		atomic_load_explicit(&boot_parked_count, memory_order_acquire);
	uint32_t i;

	for (i = parked_seen; i < n && i < PLATFORM_MAX_HARTS; i++)
		printk("smp: hart %u entered the boot entry unasked and "
		       "parked itself\n",
		       boot_parked_ids[i]);
	if (n > PLATFORM_MAX_HARTS && parked_seen <= PLATFORM_MAX_HARTS)
		printk("smp: %u more harts parked, ids not kept\n",
		       n - PLATFORM_MAX_HARTS);
	parked_seen = n;
}

unsigned int smp_failed_count(void)
{
	return nr_failed;
}

int smp_boot_secondaries(void)
{
	char ids[PLATFORM_MAX_HARTS * 11 + 1];
	unsigned int i;
	int failed = 0, n = 0;

	smp_report_parked();
	for (i = 0; i < nr_harts; i++) {
		int ret;

		if (i == boot_index)
			continue;
		ret = start_hart(i, hart_ids[i]);
		if (ret) {
			printk("smp: hart %u: start failed: %s\n", hart_ids[i],
			       errno_name(ret));
			atomic_store(&harts[i], NULL);
		} else if (!wait_online(hart_by_index(i))) {
			printk("smp: hart %u: did not come online\n",
			       hart_ids[i]);
			withdraw_join(i);
		} else {
			continue;
		}
		failed++;
		n += scnprintf(ids + n, sizeof(ids) - n, "%s%u", n ? "," : "",
			       hart_ids[i]);
	}
	nr_failed = failed;
	if (failed)
		printk("smp: harts %s named by the device tree did not start; "
		       "going on with the %u that did\n",
		       ids, nr_harts - failed);
	return failed ? -ETIMEDOUT : 0;
}

/* ---- the boot entry's tests (tests/kernel/test_smp.c) ---- */

static bool is_online(const struct hart *h)
{
	return h && atomic_load_explicit(&h->online, memory_order_acquire);
}

/* Runs on the hart to park, as posted work: offline, then HSM stop. */
static void park_this_hart(void *arg)
{
	struct hart *h = this_hart();

	irq_disable();
	atomic_store_explicit(&h->online, 0, memory_order_release);
	sbi_hart_stop();
	/* HSM refused: stay here, offline, as hart_halt would. */
	hart_halt();
}

int smp_park_hart(unsigned int index)
{
	struct hart *h = hart_by_index(index);
	int ret;

	if (!sbi_get_info()->has_hsm)
		return -ENOSYS;
	if (!h || index == this_hart()->index)
		return -EINVAL;
	ret = smp_run_on(index, park_this_hart, NULL);
	if (ret)
		return ret;
	ret = wait_stopped(h->hartid);
	/*
	 * The job never ends: give the claim back (smp_wait cannot), so that
	 * the hart takes work again once it is back online and secondary_start
	 * has settled work_done.
	 */
	atomic_store_explicit(&h->work_poster, 0, memory_order_release);
	return ret;
}

int smp_start_at_boot_entry(unsigned int index, unsigned long arg)
{
	struct hart *h = hart_by_index(index);
	int ret;

	if (!h || is_online(h))
		return -EINVAL;
	ret = sbi_hart_start(h->hartid, virt_to_phys(_start), arg);
	if (ret)
		return ret;
	return wait_online(h) ? 0 : -ETIMEDOUT;
}

uint32_t smp_parked_count(void)
{
	return atomic_load_explicit(&boot_parked_count, memory_order_acquire);
}

/*
 * Start stopped hart @index at the boot entry with its join slot
 * withdrawn, as spin-wait firmware would send a hart the kernel has not
 * asked for: it must park itself (HSM stop).  Then start it the proper
 * way.  Returns 0 when both happened, or -errno.
 */
int smp_start_unasked_then_join(unsigned int index, unsigned long arg)
{
	struct hart *h = hart_by_index(index);
	unsigned long info_pa;
	uint32_t parked;
	uint64_t end;
	int ret;

	if (!h || is_online(h))
		return -EINVAL;
	info_pa = atomic_load(&boot_join_slots[index].info_pa);
	parked = smp_parked_count();
	withdraw_join(index);
	ret = sbi_hart_start(h->hartid, virt_to_phys(_start), arg);
	if (!ret) {
		/* It runs, finds no slot, counts itself, then HSM-stops. */
		end = time_now() + time_us_to_ticks(HART_STOP_TIMEOUT_US);
		while (smp_parked_count() == parked && time_now() < end)
			cpu_relax();
		ret = smp_parked_count() == parked ? -ETIMEDOUT
						   : wait_stopped(h->hartid);
	}
	atomic_store_explicit(&boot_join_slots[index].info_pa, info_pa,
			      memory_order_release);
	if (ret)
		return ret;
	smp_report_parked();
	ret = sbi_hart_start(h->hartid, virt_to_phys(secondary_entry), info_pa);
	if (ret)
		return ret;
	return wait_online(h) ? 0 : -ETIMEDOUT;
}

uint32_t smp_boot_reentries(unsigned int index)
{
	if (index >= PLATFORM_MAX_HARTS)
		return 0;
	return atomic_load_explicit(&boot_join_slots[index].reentries,
				    memory_order_acquire);
}

/* ---- hart hot-plug (kernel/hotplug.c) ---- */

int smp_hart_wait_stopped(unsigned int index, uint64_t timeout_us)
{
	struct hart *h = hart_by_index(index);

	return h ? wait_stopped_for(h->hartid, timeout_us) : -EINVAL;
}

/* The boot hart's boot info, made the first time it is started again. */
static struct hart_boot_info boot_hart_info;

/*
 * Start the stopped hart @index again through the secondary entry with
 * the boot info it was first started with (kept in its join slot: the
 * boot hart gets one now, on its image stack), so that it comes back
 * through secondary_start() with fresh per-hart state and a fresh stack.
 * Its join slot stays published, so a hart that the firmware sends
 * through the boot entry instead (OpenSBI 1.1's race) joins the same way.
 * Called from one hart at a time (kernel/hotplug.c serialises).
 */
int smp_restart_hart(unsigned int index, uint64_t timeout_us)
{
	struct hart *h = hart_by_index(index);
	unsigned long info_pa;
	int ret;

	if (!h || is_online(h))
		return -EINVAL;
	if (index == boot_index &&
	    !atomic_load_explicit(&boot_join_slots[index].info_pa,
				  memory_order_acquire)) {
		boot_hart_info.satp = kernel_satp();
		boot_hart_info.tp = (unsigned long)&boot_hart;
		boot_hart_info.sp = boot_hart.stack_top;
		boot_hart_info.entry = (unsigned long)secondary_start;
		publish_join(index, h->hartid, &boot_hart_info);
	}
	info_pa = atomic_load_explicit(&boot_join_slots[index].info_pa,
				       memory_order_acquire);
	if (!info_pa)
		return -ENOENT;
	ret = sbi_hart_start(h->hartid, virt_to_phys(secondary_entry), info_pa);
	if (ret == -EALREADY) {
		/*
		 * HSM says it runs although it said stopped a moment ago:
		 * the firmware sent it on by itself (through the boot entry
		 * it joins by its slot).  Say so, and take it if it arrives.
		 */
		printk("smp: hart %u: HSM start says started already "
		       "(status %d)\n",
		       h->hartid, sbi_hart_get_status(h->hartid));
		ret = 0;
	}
	if (ret)
		return ret;
	return wait_online_for(h, timeout_us) ? 0 : -ETIMEDOUT;
}
