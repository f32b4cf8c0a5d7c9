// SPDX-License-Identifier: MIT
/*
 * KTAP suite "smp": harts online, IPIs reach every hart and are
 * acknowledged, every hart's timer ticks, work runs on every hart.
 */
#include <stdatomic.h>

#include "kernel/boot.h"
#include "kernel/hart.h"
#include "kernel/ktest.h"
#include "kernel/smp.h"
#include "kernel/timer.h"
#include "sbi/sbi.h"

extern _Atomic uint32_t boot_lottery; /* arch/riscv/entry.S */

#define IPI_TIMEOUT_US 200000

static void test_boot_hart_registered(struct ktest *t)
{
	struct hart *h = this_hart();

	KT_EXPECT(t, hart_by_index(h->index) == h);
	KT_EXPECT_EQ(t, h->index, smp_boot_index());
	KT_EXPECT(t, atomic_load(&h->online));
}

/* Every usable hart, less those the firmware did not start (reported). */
static void test_all_usable_harts_online(struct ktest *t)
{
	if (smp_failed_count())
		ktest_diag("%u harts named by the tree never started",
			   smp_failed_count());
	KT_EXPECT_EQ(t, smp_online_count(), hart_count() - smp_failed_count());
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

/*
 * OpenSBI 1.1's race, on purpose: stop a hart with HSM, then start it at
 * the kernel's boot entry with the FDT in a1 (where the firmware's stale
 * next_addr/next_arg1 send a hart that wakes too early).  It must lose the
 * lottery, leave BSS and the boot hart alone, find its join slot and come
 * back online as the same hart, able to run work.  The BSS canary below
 * would read 0 if the boot entry cleared BSS again.
 */
static unsigned long bss_canary;

static void test_boot_entry_reentered(struct ktest *t)
{
	unsigned int other = smp_other_online_hart();
	struct hart *h = hart_by_index(other);
	struct hart *me = this_hart();
	uint32_t before;
	int ret;

	if (!sbi_get_info()->has_hsm) {
		ktest_skip(t, "no SBI HSM");
		return;
	}
	KT_ASSERT(t, h && other != me->index);
	bss_canary = 0x5ca1ab1e;
	before = smp_boot_reentries(other);
	ret = smp_park_hart(other);
	KT_ASSERT(t, ret == 0);
	KT_EXPECT(t, !atomic_load(&h->online));
	KT_EXPECT_EQ(t, smp_online_count(),
		     hart_count() - smp_failed_count() - 1);
	ret = smp_start_at_boot_entry(other, boot_fdt_pa());
	KT_ASSERT(t, ret == 0);
	KT_EXPECT_EQ(t, smp_boot_reentries(other), before + 1);
	KT_EXPECT_EQ(t, bss_canary, 0x5ca1ab1eUL);
	KT_EXPECT_EQ(t, atomic_load(&boot_lottery), 1U);
	KT_EXPECT(t, hart_by_index(other) == h);
	KT_EXPECT(t, hart_by_index(me->index) == me);
	KT_EXPECT_EQ(t, smp_online_count(), hart_count() - smp_failed_count());
	/* It works again: a job runs there, IPIs are answered. */
	atomic_store(&work_mask, 0);
	KT_ASSERT(t, smp_run_on(other, mark_hart, NULL) == 0);
	smp_wait(other);
	KT_EXPECT_EQ(t, atomic_load(&work_mask), 1UL << other);
	KT_EXPECT_EQ(t, smp_ping_others(IPI_TIMEOUT_US),
		     smp_online_count() - 1);
	ktest_diag("hart %u stopped, started at the boot entry with fdt "
		   "0x%lx, joined again",
		   h->hartid, (unsigned long)boot_fdt_pa());
}

/*
 * Spin-wait firmware's case: a hart enters the boot entry that the kernel
 * has not asked for (its join slot is withdrawn).  It must park itself
 * with HSM stop and be counted, and a proper start afterwards must bring
 * it back.
 */
static void test_boot_entry_unasked_parks(struct ktest *t)
{
	unsigned int other = smp_other_online_hart();
	struct hart *h = hart_by_index(other);
	uint32_t parked, joins;

	if (!sbi_get_info()->has_hsm) {
		ktest_skip(t, "no SBI HSM");
		return;
	}
	KT_ASSERT(t, h && other != this_hart()->index);
	parked = smp_parked_count();
	joins = smp_boot_reentries(other);
	KT_ASSERT(t, smp_park_hart(other) == 0);
	KT_ASSERT(t, smp_start_unasked_then_join(other, boot_fdt_pa()) == 0);
	KT_EXPECT_EQ(t, smp_parked_count(), parked + 1);
	KT_EXPECT_EQ(t, smp_boot_reentries(other), joins); /* not a join */
	KT_EXPECT(t, atomic_load(&h->online));
	KT_EXPECT_EQ(t, smp_online_count(), hart_count() - smp_failed_count());
	KT_EXPECT_EQ(t, atomic_load(&boot_lottery), 1U);
	atomic_store(&work_mask, 0);
	KT_ASSERT(t, smp_run_on(other, mark_hart, NULL) == 0);
	smp_wait(other);
	KT_EXPECT_EQ(t, atomic_load(&work_mask), 1UL << other);
}

static const struct ktest_case smp_cases[] = {
	KTEST_CASE(test_boot_hart_registered),
	KTEST_CASE(test_all_usable_harts_online),
	KTEST_CASE_SMP(test_ipi_every_hart_acks, 2),
	KTEST_CASE(test_run_on_all_harts),
	KTEST_CASE(test_timer_ticks_on_every_hart),
	KTEST_CASE(test_run_on_self_refused),
	KTEST_CASE_SMP(test_boot_entry_reentered, 2),
	KTEST_CASE_SMP(test_boot_entry_unasked_parks, 2),
};
KTEST_SUITE(smp, smp_cases);
