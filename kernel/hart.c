// SPDX-License-Identifier: MIT
/*
 * The hart table and inter-hart calls: IPIs, draining and stopping the
 * other harts, running work on another hart (smp_run_on).  Bringing harts
 * up is kernel/smp.c's.
 *
 * Ownership: the hart table (harts[], nr_harts) is written only by the boot
 * hart before any other hart starts, then read-only.  Each struct hart is
 * written by its own hart, except the atomics:
 *   ipi_pending  any hart sets bits (fetch_or, release), the owner takes them
 *                all (exchange, acquire) in its IPI handler;
 *   ipi_acks     the owner increments (release) after handling, senders
 *                read it (acquire) to wait;
 *   work_poster  who may post work to the hart: 0 when nobody, else the
 *                poster's index + 1.  smp_run_on() claims it with a
 *                compare-exchange (acquire), so two posters cannot both
 *                write work_fn/work_arg; smp_wait() by that poster gives it
 *                back (release) once the job is done.
 *   work_*       the claiming poster writes work_fn/work_arg, then
 *                work_posted (release); the owner reads work_posted
 *                (acquire), runs the job, stores work_done (release); the
 *                poster waits for work_done (acquire).  The claim is held
 *                from the post to the end of the wait, so the owner never
 *                sees work_fn change under a job, and a second poster gets
 *                -EBUSY instead of overwriting the first one's job.
 *   online       written by the hart itself: 1 (release) when it comes up,
 *                0 when it stops (hot-plug, kernel/hotplug.c).  Nobody
 *                waits on an offline hart: IPI senders and smp_wait()
 *                stop waiting when they see it go, smp_run_on() refuses.
 * IPIs are sent with the SBI IPI extension to one hart id at a time.
 */
#include "kernel/hart_table.h"

#include "arch/riscv/csr.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "kernel/timer.h"
#include "lib/errno.h"
#include "sbi/sbi.h"

_Atomic(struct hart *) harts[PLATFORM_MAX_HARTS];
unsigned int nr_harts;
unsigned int boot_index;

/* Set before the other harts start (smp_set_drain_handler), then read-only. */
static void (*drain_handler)(void);

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

int smp_send_ipi(unsigned int index, unsigned long kinds)
{
	struct hart *h = hart_by_index(index);

	if (!h)
		return -EINVAL;
	atomic_fetch_or_explicit(&h->ipi_pending, kinds, memory_order_release);
	return sbi_send_ipi(1, h->hartid);
}

void smp_run_posted_work(struct hart *h)
{
	unsigned long posted =
		atomic_load_explicit(&h->work_posted, memory_order_acquire);

	if (posted == atomic_load_explicit(&h->work_done, memory_order_relaxed))
		return;
	irq_enable();
	h->work_fn(h->work_arg);
	atomic_store_explicit(&h->work_done, posted, memory_order_release);
}

void smp_set_drain_handler(void (*fn)(void))
{
	drain_handler = fn;
}

void smp_handle_ipi(void)
{
	struct hart *h = this_hart();
	unsigned long kinds = atomic_exchange_explicit(&h->ipi_pending, 0,
						       memory_order_acquire);

	if (kinds & IPI_STOP)
		hart_halt();
	if ((kinds & IPI_DRAIN) && drain_handler)
		drain_handler();
	/* IPI_WORK only wakes the idle loop, which runs the job. */
	atomic_fetch_add_explicit(&h->ipi_acks, 1, memory_order_release);
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
		/* A hart that goes offline meanwhile will never answer. */
		while (atomic_load_explicit(&h->ipi_acks,
					    memory_order_acquire) == acks[i] &&
		       time_now() < end && hart_is_online(h))
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
	unsigned int self = this_hart()->index;
	unsigned long posted;
	int free = 0;

	if (!hart_is_online(h) || index == self)
		return -EINVAL;
	/* One poster at a time: the claim is ours until our smp_wait(). */
	if (!atomic_compare_exchange_strong_explicit(
		    &h->work_poster, &free, (int)self + 1, memory_order_acquire,
		    memory_order_relaxed))
		return -EBUSY;
	/*
	 * A hart that stops itself (hot-plug, kernel/hotplug.c) looks at no
	 * claim on its way out, so the claim alone does not keep it here.
	 * Looking again after the claim narrows the window; a poster that
	 * still sees it online posts a job that never runs, and its
	 * smp_wait() stops waiting once it sees the hart offline (the hart
	 * settles work_done and the claim when it comes back).  Harts
	 * stopped by hotplug_stop() cannot race so: the stopper holds their
	 * claim while they leave.
	 */
	if (!atomic_load(&h->online)) {
		atomic_store_explicit(&h->work_poster, 0, memory_order_release);
		return -EINVAL;
	}
	posted = atomic_load_explicit(&h->work_posted, memory_order_relaxed);
	if (posted !=
	    atomic_load_explicit(&h->work_done, memory_order_acquire)) {
		/* A job whose poster gave up waiting is still running. */
		atomic_store_explicit(&h->work_poster, 0, memory_order_release);
		return -EBUSY;
	}
	h->work_fn = fn;
	h->work_arg = arg;
	atomic_store_explicit(&h->work_posted, posted + 1,
			      memory_order_release);
	/*
	 * The job is posted: even if this IPI is lost, the hart's idle loop
	 * runs it after its next interrupt (a timer tick), so the caller
	 * still waits for it with smp_wait().
	 */
	if (smp_send_ipi(index, IPI_WORK))
		printk("smp: IPI to hart %u failed\n", h->hartid);
	return 0;
}

void smp_wait(unsigned int index)
{
	struct hart *h = hart_by_index(index);
	int mine = (int)this_hart()->index + 1;

	if (!h)
		return;
	/* A hart that went offline (hot-plug) never finishes its job. */
	while (atomic_load_explicit(&h->work_done, memory_order_acquire) !=
		       atomic_load_explicit(&h->work_posted,
					    memory_order_relaxed) &&
	       hart_is_online(h))
		cpu_relax();
	/* Only the poster gives the claim back; anyone else just waited. */
	atomic_compare_exchange_strong_explicit(&h->work_poster, &mine, 0,
						memory_order_release,
						memory_order_relaxed);
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
