// SPDX-License-Identifier: MIT
/*
 * SMP bring-up and inter-hart communication.
 *
 * Ownership: the hart table (harts[], nr_harts) is written only by the boot
 * hart before any other hart starts, then read-only.  Each struct hart is
 * written by its own hart, except the atomics:
 *   ipi_pending  any hart sets bits (fetch_or, release), the owner takes them
 *                all (exchange, acquire) in its IPI handler;
 *   ipi_acks     the owner increments (release) after handling, senders
 *                read it (acquire) to wait;
 *   work_*       one poster at a time (the caller of smp_run_on): it writes
 *                work_fn/work_arg, then work_posted (release); the owner
 *                reads work_posted (acquire), runs the job, stores work_done
 *                (release); the poster waits for work_done (acquire).
 * IPIs are sent with the SBI IPI extension to one hart id at a time.
 */
#include "kernel/smp.h"

#include "arch/riscv/csr.h"
#include "arch/riscv/memlayout.h"
#include "arch/riscv/pgtable.h"
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

extern char secondary_entry[];
extern char boot_stack_bottom[], boot_emergency_top[];

struct hart boot_hart; /* the boot hart's, reached through tp from entry */

/* Set once before the hart starts; read by any hart (acquire). */
static _Atomic(struct hart *) harts[PLATFORM_MAX_HARTS];
static uint32_t hart_ids[PLATFORM_MAX_HARTS];
static unsigned int nr_harts;
static unsigned int boot_index;

unsigned int hart_count(void)
{
	return nr_harts;
}

struct hart *hart_by_index(unsigned int index)
{
	if (index >= nr_harts)
		return NULL;
	return atomic_load_explicit(&harts[index], memory_order_acquire);
}

unsigned int smp_boot_index(void)
{
	return boot_index;
}

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

unsigned int smp_online_count(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < nr_harts; i++) {
		struct hart *h = hart_by_index(i);

		if (h && atomic_load_explicit(&h->online, memory_order_acquire))
			n++;
	}
	return n;
}

unsigned int smp_other_online_hart(void)
{
	unsigned int i, self = this_hart()->index;

	for (i = 0; i < nr_harts; i++) {
		struct hart *h = hart_by_index(i);

		if (i != self && h &&
		    atomic_load_explicit(&h->online, memory_order_acquire))
			return i;
	}
	return self;
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

int smp_send_ipi(unsigned int index, unsigned long kinds)
{
	struct hart *h = hart_by_index(index);

	if (!h)
		return -EINVAL;
	atomic_fetch_or_explicit(&h->ipi_pending, kinds, memory_order_release);
	return sbi_send_ipi(1, h->hartid);
}

static void run_posted_work(struct hart *h)
{
	unsigned long posted =
		atomic_load_explicit(&h->work_posted, memory_order_acquire);

	if (posted == atomic_load_explicit(&h->work_done, memory_order_relaxed))
		return;
	irq_enable();
	h->work_fn(h->work_arg);
	atomic_store_explicit(&h->work_done, posted, memory_order_release);
}

void smp_handle_ipi(void)
{
	struct hart *h = this_hart();
	unsigned long kinds = atomic_exchange_explicit(&h->ipi_pending, 0,
						       memory_order_acquire);

	if (kinds & IPI_STOP)
		hart_halt();
	if (kinds & IPI_DRAIN)
		mm_drain_this_hart(true);
	/* IPI_WORK only wakes the idle loop, which runs the job. */
	atomic_fetch_add_explicit(&h->ipi_acks, 1, memory_order_release);
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
		run_posted_work(h);
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
static int map_hart_stack(struct hart *h)
{
	unsigned long slot =
		STACKS_BASE + h->index * (KSTACK_SIZE + 2 * PAGE_SIZE);
	unsigned long base = slot + PAGE_SIZE;
	void *pages = alloc_pages(KSTACK_SIZE / PAGE_SIZE, GFP_KERNEL);
	void *emergency = alloc_pages(1, GFP_KERNEL);
	int ret;

	if (!pages || !emergency)
		return -ENOMEM;
	ret = map_range(base, virt_to_phys(pages), KSTACK_SIZE, PROT_RW);
	if (ret)
		return ret;
	h->stack_base = base;
	h->stack_top = base + KSTACK_SIZE;
	h->emergency_sp = (unsigned long)emergency + PAGE_SIZE;
	return 0;
}

static int start_hart(unsigned int index, uint32_t hartid)
{
	struct hart_boot_info *info;
	struct hart *h;
	int ret;

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	info = kzalloc(sizeof(*info), GFP_KERNEL);
	if (!h || !info)
		return -ENOMEM;
	h->index = index;
	h->hartid = hartid;
	ret = map_hart_stack(h);
	if (ret)
		return ret;
	info->satp = kernel_satp();
	info->tp = (unsigned long)h;
	info->sp = h->stack_top;
	info->entry = (unsigned long)secondary_start;
	atomic_store_explicit(&harts[index], h, memory_order_release);
	ret = sbi_hart_start(hartid, virt_to_phys(secondary_entry),
			     virt_to_phys(info));
	/* info is read by the new hart with the MMU off: keep it. */
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

static bool hart_is_online(const struct hart *h)
{
	return h && atomic_load_explicit(&h->online, memory_order_acquire);
}

/* Send @kinds to every other online hart; wait for each to acknowledge. */
static unsigned int signal_others(unsigned long kinds, uint64_t timeout_us)
{
	unsigned long acks[PLATFORM_MAX_HARTS];
	unsigned int i, answered = 0, self = this_hart()->index;
	uint64_t end;

	for (i = 0; i < nr_harts; i++) {
		struct hart *h = hart_by_index(i);

		if (i == self || !hart_is_online(h))
			continue;
		acks[i] = atomic_load_explicit(&h->ipi_acks,
					       memory_order_acquire);
		if (smp_send_ipi(i, kinds))
			printk("smp: IPI to hart %u failed\n", h->hartid);
	}
	end = time_now() + time_us_to_ticks(timeout_us);
	for (i = 0; i < nr_harts; i++) {
		struct hart *h = hart_by_index(i);

		if (i == self || !hart_is_online(h))
			continue;
		while (atomic_load_explicit(&h->ipi_acks,
					    memory_order_acquire) == acks[i] &&
		       time_now() < end)
			cpu_relax();
		if (atomic_load(&h->ipi_acks) != acks[i])
			answered++;
	}
	return answered;
}

unsigned int smp_ping_others(uint64_t timeout_us)
{
	return signal_others(IPI_PING, timeout_us);
}

void smp_drain_others(uint64_t timeout_us)
{
	signal_others(IPI_DRAIN, timeout_us);
}

void smp_stop_others(void)
{
	unsigned int i, self = this_hart()->index;

	for (i = 0; i < nr_harts; i++)
		if (i != self && hart_is_online(hart_by_index(i)))
			smp_send_ipi(i, IPI_STOP);
}

int smp_run_on(unsigned int index, void (*fn)(void *), void *arg)
{
	struct hart *h = hart_by_index(index);
	unsigned long posted;

	if (!hart_is_online(h) || index == this_hart()->index)
		return -EINVAL;
	posted = atomic_load_explicit(&h->work_posted, memory_order_relaxed);
	if (posted != atomic_load_explicit(&h->work_done, memory_order_acquire))
		return -EBUSY;
	h->work_fn = fn;
	h->work_arg = arg;
	atomic_store_explicit(&h->work_posted, posted + 1,
			      memory_order_release);
	return smp_send_ipi(index, IPI_WORK);
}

void smp_wait(unsigned int index)
{
	struct hart *h = hart_by_index(index);

	if (!h)
		return;
	while (atomic_load_explicit(&h->work_done, memory_order_acquire) !=
	       atomic_load_explicit(&h->work_posted, memory_order_relaxed))
		cpu_relax();
}

void smp_run_on_all(void (*fn)(void *), void *arg)
{
	unsigned int i, self = this_hart()->index;
	bool started[PLATFORM_MAX_HARTS] = { false };

	for (i = 0; i < nr_harts; i++)
		if (i != self && hart_is_online(hart_by_index(i)))
			started[i] = smp_run_on(i, fn, arg) == 0;
	fn(arg);
	for (i = 0; i < nr_harts; i++)
		if (started[i])
			smp_wait(i);
}
