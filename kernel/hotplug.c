// SPDX-License-Identifier: MIT
/*
 * Hart hot-plug (see hotplug.h): `hart stop N` / `hart start N` on the
 * console and the KTAP suite "hotplug" stand on this.
 *
 * Who does what.  A hart is stopped by itself: hotplug_stop() posts
 * leave_job() to it with smp_run_on() (so it is idle: a hart running a
 * job is -EBUSY) and waits until HSM reports it stopped; hotplug_stop_self()
 * runs the same steps on the caller.  The steps, in order, interrupts off:
 *   1. mm_hart_offline(): remote frees taken back, empty slabs, spares and
 *      the block cache returned, the slabs still in use parked (objects
 *      other harts free into them later are taken back by any hart's full
 *      drain, or by this hart when it is back);
 *   2. doing = NULL (the watchdog never judges it), online = 0
 *      (sequentially consistent).  Senders of IPIs and smp_wait() stop
 *      waiting for a hart they see offline, and smp_run_on() refuses it.
 *      While leave_job() runs, the stopper holds the hart's work claim,
 *      so nobody else can post to it; a hart stopping itself holds no
 *      claim, and smp_run_on() checks online again after claiming, so a
 *      racing poster either sees it offline or posted a job that never
 *      runs and that its smp_wait() stops waiting for (kernel/hart.c);
 *   3. SBI HSM hart_stop.  Nothing of this hart runs after it: its stack,
 *      struct hart and boot info stay allocated for the next start.
 * Starting is smp_restart_hart(): HSM hart_start at the secondary entry
 * with the hart's boot info; secondary_start() re-initialises traps, the
 * timer, its work and IPI state and calls mm_hart_init(), which unparks
 * the hart's mm slot.
 *
 * Serialisation: stops and starts go through hp_lock (a flag taken with a
 * compare-exchange), so two callers cannot stop the last two harts at
 * once or start a hart twice.  A hart stopping itself gives the lock back
 * before it leaves (it never goes offline holding it); between the two a
 * concurrent hotplug_stop() of the last other hart could leave none
 * online.  Only the console stops its own hart, and one console runs at a
 * time, so that window is not reachable today.
 */
#include "kernel/hotplug.h"

#include <stdatomic.h>

#include "arch/riscv/csr.h"
#include "kernel/hart.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "lib/errno.h"
#include "mm/mm.h"
#include "sbi/sbi.h"

/*
 * How long a stop or a start may take.  Generous: a stopping hart gives
 * back its caches under section locks that every other hart may be
 * hammering (an exhaustion burst of the stress workload), and on a loaded
 * host with 8 harts on 2 cores a hart can wait seconds for its turn.
 */
#define HOTPLUG_TIMEOUT_US 20000000

static atomic_int hp_lock;
static _Atomic unsigned long nr_stops, nr_starts;

static void hp_lock_take(void)
{
	int free = 0;

	while (!atomic_compare_exchange_weak_explicit(&hp_lock, &free, 1,
						      memory_order_acquire,
						      memory_order_relaxed)) {
		free = 0;
		cpu_relax();
	}
}

static void hp_lock_give(void)
{
	atomic_store_explicit(&hp_lock, 0, memory_order_release);
}

static bool is_online(const struct hart *h)
{
	return h && atomic_load_explicit(&h->online, memory_order_acquire);
}

/* Steps 1-3 above, on the hart that leaves. */
static void __noreturn leave(void)
{
	struct hart *h = this_hart();

	irq_disable();
	mm_hart_offline();
	h->doing = NULL;
	atomic_store(&h->online, 0); /* seq_cst: see kernel/hart.c */
	sbi_hart_stop();
	/* HSM refused: stay here, offline, as hart_halt() would. */
	hart_halt();
}

static void leave_job(void *arg)
{
	(void)arg;
	leave();
}

int hotplug_stop(unsigned int index)
{
	struct hart *h = hart_by_index(index);
	int ret;

	if (!sbi_get_info()->has_hsm)
		return -ENOSYS;
	if (!h || index == this_hart()->index)
		return -EINVAL;
	hp_lock_take();
	if (!is_online(h))
		ret = -EALREADY;
	else if (smp_online_count() < 2)
		ret = -EBUSY;
	else
		ret = smp_run_on(index, leave_job, NULL);
	if (ret) {
		hp_lock_give();
		return ret == -EINVAL ? -EALREADY : ret;
	}
	ret = smp_hart_wait_stopped(index, HOTPLUG_TIMEOUT_US);
	/*
	 * leave_job() never returns: give the claim back ourselves (smp_wait
	 * cannot); secondary_start() settles work_done when it comes back.
	 */
	atomic_store_explicit(&h->work_poster, 0, memory_order_release);
	if (!ret)
		atomic_fetch_add(&nr_stops, 1);
	hp_lock_give();
	return ret;
}

int hotplug_stop_self(void)
{
	if (!sbi_get_info()->has_hsm)
		return -ENOSYS;
	hp_lock_take();
	if (smp_online_count() < 2) {
		hp_lock_give();
		return -EBUSY;
	}
	/* Counted now: nobody is left on this hart to count it later. */
	atomic_fetch_add(&nr_stops, 1);
	hp_lock_give();
	leave();
}

int hotplug_start(unsigned int index)
{
	struct hart *h = hart_by_index(index);
	int ret;

	if (!h)
		return -EINVAL;
	hp_lock_take();
	if (is_online(h)) {
		hp_lock_give();
		return -EALREADY;
	}
	/* It may still be on its way out (hotplug_stop_self). */
	ret = smp_hart_wait_stopped(index, HOTPLUG_TIMEOUT_US);
	if (!ret)
		ret = smp_restart_hart(index, HOTPLUG_TIMEOUT_US);
	if (!ret)
		atomic_fetch_add(&nr_starts, 1);
	hp_lock_give();
	return ret;
}

unsigned long hotplug_stops(void)
{
	return atomic_load(&nr_stops);
}

unsigned long hotplug_starts(void)
{
	return atomic_load(&nr_starts);
}
