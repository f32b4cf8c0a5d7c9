// SPDX-License-Identifier: MIT
/*
 * KTAP suite "hart": the rules of kernel/hart.c that the "smp" suite does
 * not reach.  One poster per target: the claim smp_run_on() takes is held
 * until the poster's smp_wait(), even after the job itself has returned,
 * so a second poster cannot slip in between and have the first poster's
 * wait end on its job.
 */
#include <stdatomic.h>

#include "arch/riscv/csr.h"
#include "kernel/hart.h"
#include "kernel/ktest.h"
#include "kernel/smp.h"
#include "lib/errno.h"

struct second_poster {
	unsigned int target;
	int ret_while_claimed; /* smp_run_on() while the first claim holds */
	int ret_after_wait;    /* ... after the first poster's smp_wait() */
	_Atomic int phase;     /* 0: try now, 1: first waited, 2: done */
};

static void nothing(void *arg)
{
}

/* Runs on a third hart: the second poster. */
static void try_to_post(void *arg)
{
	struct second_poster *sp = arg;

	sp->ret_while_claimed = smp_run_on(sp->target, nothing, NULL);
	atomic_store_explicit(&sp->phase, 1, memory_order_release);
	while (atomic_load_explicit(&sp->phase, memory_order_acquire) != 2)
		cpu_relax();
	sp->ret_after_wait = smp_run_on(sp->target, nothing, NULL);
	if (!sp->ret_after_wait)
		smp_wait(sp->target);
}

/* Two online harts other than the caller's, or false. */
static bool two_others(unsigned int *a, unsigned int *b)
{
	unsigned int i, self = this_hart()->index, n = 0;

	for (i = 0; i < hart_count() && n < 2; i++) {
		const struct hart *h = hart_by_index(i);

		if (i == self || !h || !atomic_load(&h->online))
			continue;
		if (n++)
			*b = i;
		else
			*a = i;
	}
	return n == 2;
}

static void test_run_on_one_poster(struct ktest *t)
{
	struct second_poster sp = { 0 };
	unsigned int target = 0, other = 0;
	struct hart *h;

	KT_ASSERT(t, two_others(&target, &other));
	h = hart_by_index(target);
	sp.target = target;
	KT_ASSERT(t, smp_run_on(target, nothing, NULL) == 0);
	/* The job has returned: only the claim still stands. */
	while (atomic_load_explicit(&h->work_done, memory_order_acquire) !=
	       atomic_load_explicit(&h->work_posted, memory_order_relaxed))
		cpu_relax();
	KT_ASSERT(t, smp_run_on(other, try_to_post, &sp) == 0);
	while (atomic_load_explicit(&sp.phase, memory_order_acquire) != 1)
		cpu_relax();
	smp_wait(target);
	atomic_store_explicit(&sp.phase, 2, memory_order_release);
	smp_wait(other);
	KT_EXPECT_EQ(t, sp.ret_while_claimed, -EBUSY);
	KT_EXPECT_EQ(t, sp.ret_after_wait, 0);
	KT_EXPECT_EQ(t, atomic_load(&h->work_poster), 0);
}

static const struct ktest_case hart_cases[] = {
	KTEST_CASE_SMP(test_run_on_one_poster, 3),
};

KTEST_SUITE(hart, hart_cases);
