// SPDX-License-Identifier: MIT
/*
 * The watchdog (see watchdog.h).
 *
 * Why a neighbour: a hart stuck with interrupts off takes no tick and so
 * cannot notice itself; the previous online hart watches it too.  Each
 * hart keeps its own private view of the two harts it watches (written
 * only from its own tick, interrupts off), so no lock is needed.  What it
 * reads from the watched hart is its heartbeat (atomic, relaxed: only a
 * change matters, not what it orders) and its `doing` pointer (an aligned
 * word, never torn; a stale value at most delays the verdict by a tick).
 *
 * A change of `doing` counts as progress, so a hart that just set it is
 * never judged on the time it spent doing something else.
 *
 * Slow is not stuck.  Wall-clock time overstates what a hart could have
 * done when it did not run: under single-threaded TCG one host thread
 * runs every hart in turn, and on a loaded host vCPU threads wait for a
 * core.  So stalls are measured in run time, not wall time: on each of
 * its ticks a watcher adds the time since its previous tick, capped at
 * RUN_CAP_TICKS tick periods (a longer gap means it was not running), and
 * a stall grows only by that.  The watcher's run time stands in for the
 * watched hart's, which it cannot observe (the harts of one machine get
 * the same share of the host: QEMU's round robin, or the host scheduler).
 * And a hart that waits for another (a lock, a ring) makes no progress
 * while that other one works: as long as some other hart's heartbeat
 * moves, a stall must last STALL_FACTOR times longer before it is called
 * stuck.  A real hang is still caught: after watchdog_ms of run time when
 * the rest of the machine is still too, after STALL_FACTOR * watchdog_ms
 * whatever the others do.
 */
#include "kernel/watchdog.h"

#include <stdatomic.h>

#include "kernel/cmdline.h"
#include "kernel/hart.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "kernel/timer.h"

#define DEFAULT_STUCK_MS    5000
#define SUITE_GRACE_SECONDS 120
#define RUN_CAP_TICKS	    2 /* timer periods: a longer gap is not run time */
#define STALL_FACTOR	    3 /* while others progress */

struct watch {
	const struct hart *hart;
	unsigned long heartbeat;
	const char *doing;
	unsigned long others; /* sum of every other hart's heartbeat */
	uint64_t stalled;     /* run time since the hart's last progress */
	uint64_t alone;	      /* ... and since anybody's last progress */
};

/* [watching hart][0: itself, 1: its neighbour], each private to its row. */
static struct watch watches[PLATFORM_MAX_HARTS][2];
/* Time of each hart's previous tick, private to that hart. */
static uint64_t last_tick[PLATFORM_MAX_HARTS];
static uint64_t stuck_ticks, run_cap;
static unsigned int stuck_ms;

/* Written by the boot hart (name first, then deadline with release). */
static const char *suite_name;
static unsigned long suite_seconds;
static _Atomic uint64_t suite_deadline; /* 0: no suite running */

static const char *doing_of(const struct hart *h)
{
	return *(const char *const volatile *)&h->doing;
}

static void report_harts(void)
{
	unsigned int i;

	for (i = 0; i < hart_count(); i++) {
		const struct hart *h = hart_by_index(i);
		const char *doing;

		if (!h)
			continue;
		doing = doing_of(h);
		printk("watchdog:   hart %u index %u heartbeat %lu doing "
		       "'%s'\n",
		       h->hartid, h->index,
		       atomic_load_explicit(&h->heartbeat,
					    memory_order_relaxed),
		       doing ? doing : "idle");
	}
}

/* The first hart to get here owns the report; panic_begin() says who. */
static void __noreturn fire_end(void)
{
	report_harts();
	smp_stop_others();
	machine_exit(WATCHDOG_EXIT_CODE);
}

static void check_suite(uint64_t now)
{
	uint64_t deadline =
		atomic_load_explicit(&suite_deadline, memory_order_acquire);

	if (!deadline || now < deadline || !panic_begin())
		return;
	printk("\nwatchdog: suite '%s' past its deadline of %lu s\n",
	       suite_name, suite_seconds);
	fire_end();
}

/* Sum of the heartbeats of every hart but @h (wraps harmlessly). */
static unsigned long others_progress(const struct hart *h)
{
	unsigned long sum = 0;
	unsigned int i;

	for (i = 0; i < hart_count(); i++) {
		const struct hart *o = hart_by_index(i);

		if (o && o != h)
			sum += atomic_load_explicit(&o->heartbeat,
						    memory_order_relaxed);
	}
	return sum;
}

static uint64_t ticks_to_ms(uint64_t t)
{
	return t * 1000 / timer_frequency();
}

/* @ran: the watcher's run time since its previous tick. */
static void check_hart(struct watch *w, const struct hart *h, uint64_t ran)
{
	unsigned long beat =
		atomic_load_explicit(&h->heartbeat, memory_order_relaxed);
	unsigned long others = others_progress(h);
	const char *doing = doing_of(h);

	if (w->hart != h || !doing || beat != w->heartbeat ||
	    doing != w->doing) {
		w->hart = h;
		w->heartbeat = beat;
		w->doing = doing;
		w->others = others;
		w->stalled = 0;
		w->alone = 0;
		return;
	}
	w->stalled += ran;
	w->alone += ran;
	if (others != w->others) {
		w->others = others;
		w->alone = 0;
	}
	if ((w->alone < stuck_ticks &&
	     w->stalled < STALL_FACTOR * stuck_ticks) ||
	    !panic_begin())
		return;
	printk("\nwatchdog: hart %u stuck for %llu ms doing '%s'\n", h->hartid,
	       (unsigned long long)ticks_to_ms(w->stalled), doing);
	printk("watchdog:   run time without progress: %llu ms, %llu ms of it "
	       "with no other hart progressing either\n",
	       (unsigned long long)ticks_to_ms(w->stalled),
	       (unsigned long long)ticks_to_ms(w->alone));
	fire_end();
}

static const struct hart *next_online(const struct hart *me)
{
	unsigned int n = hart_count(), i;

	for (i = 1; i < n; i++) {
		const struct hart *h = hart_by_index((me->index + i) % n);

		if (h && atomic_load_explicit(&h->online, memory_order_acquire))
			return h;
	}
	return NULL;
}

static void watchdog_tick(void)
{
	const struct hart *me = this_hart();
	const struct hart *next;
	uint64_t now = time_now(), ran;

	if (in_panic() || me->index >= PLATFORM_MAX_HARTS)
		return;
	check_suite(now);
	ran = last_tick[me->index] ? now - last_tick[me->index] : 0;
	if (ran > run_cap)
		ran = run_cap;
	last_tick[me->index] = now;
	check_hart(&watches[me->index][0], me, ran);
	next = next_online(me);
	if (next)
		check_hart(&watches[me->index][1], next, ran);
}

void watchdog_init(void)
{
	stuck_ms = cmdline_get_ulong("watchdog_ms", DEFAULT_STUCK_MS);
	stuck_ticks = time_us_to_ticks(stuck_ms * 1000ULL);
	run_cap = RUN_CAP_TICKS * (timer_frequency() / TIMER_HZ);
	timer_set_tick_hook(watchdog_tick);
}

void watchdog_suite_begin(const char *name)
{
	unsigned long secs =
		cmdline_get_ulong("seconds", 2) + SUITE_GRACE_SECONDS;

	suite_seconds = cmdline_get_ulong("suite_timeout", secs);
	suite_name = name;
	atomic_store_explicit(
		&suite_deadline,
		time_now() + time_us_to_ticks(suite_seconds * 1000000ULL),
		memory_order_release);
}

void watchdog_suite_end(void)
{
	atomic_store_explicit(&suite_deadline, 0, memory_order_release);
}
