// SPDX-License-Identifier: MIT
/*
 * KTAP suite "smp": harts online, IPIs reach every hart and are
 * acknowledged, every hart's timer ticks, work runs on every hart.
 */
#include <stdatomic.h>

#include "kernel/hart.h"
#include "kernel/ktest.h"
#include "kernel/smp.h"
#include "kernel/timer.h"

#define IPI_TIMEOUT_US 200000

static void test_boot_hart_registered(struct ktest *t)
{
	struct hart *h = this_hart();

	KT_EXPECT(t, hart_by_index(h->index) == h);
	KT_EXPECT_EQ(t, h->index, smp_boot_index());
	KT_EXPECT(t, atomic_load(&h->online));
}

static void test_all_usable_harts_online(struct ktest *t)
{
	KT_EXPECT_EQ(t, smp_online_count(), hart_count());
}

static void test_ipi_every_hart_acks(struct ktest *t)
{
	unsigned int others = smp_online_count() - 1;
	unsigned int round;

	for (round = 0; round < 20; round++) {
		unsigned int answered = smp_ping_others(IPI_TIMEOUT_US);

		if (answered != others) {
			ktest_fail(t, __FILE__, __LINE__,
				   "round %u: %u of %u harts acknowledged",
				   round, answered, others);
			return;
		}
	}
	ktest_diag("20 rounds of IPIs to %u harts, all acknowledged", others);
}

static atomic_uint work_ran;
static atomic_ulong work_mask;

static void mark_hart(void *arg)
{
	atomic_fetch_add(&work_ran, 1);
	atomic_fetch_or(&work_mask, 1UL << this_hart()->index);
}

static void test_run_on_all_harts(struct ktest *t)
{
	unsigned long want = 0;
	unsigned int i;

	atomic_store(&work_ran, 0);
	atomic_store(&work_mask, 0);
	smp_run_on_all(mark_hart, NULL);
	for (i = 0; i < hart_count(); i++)
		if (hart_by_index(i) && atomic_load(&hart_by_index(i)->online))
			want |= 1UL << i;
	KT_EXPECT_EQ(t, atomic_load(&work_ran), smp_online_count());
	KT_EXPECT_EQ(t, atomic_load(&work_mask), want);
}

/* Each hart waits until its own tick counter moves: timers are per hart. */
static void wait_for_own_tick(void *arg)
{
	struct hart *h = this_hart();
	unsigned long start = atomic_load(&h->timer_ticks);
	uint64_t end = time_now() + time_us_to_ticks(500000);
	atomic_uint *ok = arg;

	while (atomic_load(&h->timer_ticks) == start && time_now() < end)
		;
	if (atomic_load(&h->timer_ticks) != start)
		atomic_fetch_add(ok, 1);
}

static void test_timer_ticks_on_every_hart(struct ktest *t)
{
	atomic_uint ticking = 0;

	smp_run_on_all(wait_for_own_tick, &ticking);
	KT_EXPECT_EQ(t, atomic_load(&ticking), smp_online_count());
}

static void test_run_on_self_refused(struct ktest *t)
{
	KT_EXPECT(t, smp_run_on(this_hart()->index, mark_hart, NULL) < 0);
	KT_EXPECT(t, smp_run_on(hart_count() + 5, mark_hart, NULL) < 0);
}

static const struct ktest_case smp_cases[] = {
	KTEST_CASE(test_boot_hart_registered),
	KTEST_CASE(test_all_usable_harts_online),
	KTEST_CASE_SMP(test_ipi_every_hart_acks, 2),
	KTEST_CASE(test_run_on_all_harts),
	KTEST_CASE(test_timer_ticks_on_every_hart),
	KTEST_CASE(test_run_on_self_refused),
};
KTEST_SUITE(smp, smp_cases);
