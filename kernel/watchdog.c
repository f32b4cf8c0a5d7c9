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

struct watch {
	const struct hart *hart;
	unsigned long heartbeat;
	const char *doing;
	uint64_t since; /* time of the last progress seen */
};

/* [watching hart][0: itself, 1: its neighbour], each private to its row. */
static struct watch watches[PLATFORM_MAX_HARTS][2];
static uint64_t stuck_ticks;
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

static void check_hart(struct watch *w, const struct hart *h, uint64_t now)
{
	unsigned long beat =
		atomic_load_explicit(&h->heartbeat, memory_order_relaxed);
	const char *doing = doing_of(h);

	if (w->hart != h || !doing || beat != w->heartbeat ||
	    doing != w->doing) {
		w->hart = h;
		w->heartbeat = beat;
		w->doing = doing;
		w->since = now;
		return;
	}
	if (now - w->since < stuck_ticks || !panic_begin())
		return;
	printk("\nwatchdog: hart %u stuck for %llu ms doing '%s'\n", h->hartid,
	       (unsigned long long)((now - w->since) * 1000 /
				    timer_frequency()),
	       doing);
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
	uint64_t now = time_now();

	if (in_panic() || me->index >= PLATFORM_MAX_HARTS)
		return;
	check_suite(now);
	check_hart(&watches[me->index][0], me, now);
	next = next_online(me);
	if (next)
		check_hart(&watches[me->index][1], next, now);
}

void watchdog_init(void)
{
	stuck_ms = cmdline_get_ulong("watchdog_ms", DEFAULT_STUCK_MS);
	stuck_ticks = time_us_to_ticks(stuck_ms * 1000ULL);
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
