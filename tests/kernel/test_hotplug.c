// SPDX-License-Identifier: MIT
/*
 * KTAP suite "hotplug": harts stopped with SBI HSM and started again
 * (kernel/hotplug.c), with mm's side (mm_hart_offline: a stopping hart's
 * slabs parked, reaped by any hart's full drain, unparked when it is back).
 *
 * Every case ends with every hart online again and checks, where memory
 * moved, that free memory after a drain of every hart is exactly what it
 * was before.  The last case stops and restarts harts over and over from
 * one hart while the stress workload (kernel/stress.c) runs on the others,
 * the stopped harts' objects being freed by another hart while they are
 * away.  Named explicitly (test=hotplug): `make test` boots it on 4 and 8
 * harts.  "seconds=N" sets the stress run (default 3).
 */
#include <stdatomic.h>
#include <string.h>

#include "arch/riscv/csr.h"
#include "kernel/cmdline.h"
#include "kernel/hart.h"
#include "kernel/hotplug.h"
#include "kernel/ktest.h"
#include "kernel/mm_settle.h"
#include "kernel/smp.h"
#include "kernel/stress.h"
#include "kernel/timer.h"
#include "lib/errno.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/page.h"
#include "sbi/sbi.h"

#define DEFAULT_SECONDS 3
#define NR_OBJS		384 /* per hart and round */
#define PING_US		200000

static bool online(unsigned int i)
{
	const struct hart *h = hart_by_index(i);

	return h && atomic_load(&h->online);
}

/* Another online hart, starting the search after @after (wrapping). */
static int other_hart(unsigned int after)
{
	unsigned int n = hart_count(), self = this_hart()->index, k;

	for (k = 1; k <= n; k++) {
		unsigned int i = (after + k) % n;

		if (i != self && online(i))
			return (int)i;
	}
	return -1;
}

/* Start every stopped hart of the table; the number that failed. */
static unsigned int start_all(void)
{
	unsigned int i, failed = 0;

	for (i = 0; i < hart_count(); i++)
		if (hart_by_index(i) && !online(i) && hotplug_start(i))
			failed++;
	return failed;
}

/* ---- objects a hart allocates before it goes away ---- */

struct batch {
	void *obj[NR_OBJS];
	uint32_t size[NR_OBJS]; /* 0: a page run (free_pages) */
	unsigned int owner, nr;
};

static uint64_t stamp(const struct batch *b, unsigned int i)
{
	return (uintptr_t)b->obj[i] ^ 0x5a5aa5a5c3c3ULL ^ b->owner;
}

/* Runs on the hart that will stop: kmalloc of 8..2048 bytes, page runs. */
static void alloc_batch(void *arg)
{
	struct batch *b = arg;
	unsigned int i;

	b->owner = this_hart()->index;
	b->nr = 0;
	for (i = 0; i < NR_OBJS; i++) {
		uint32_t size = i % 16 == 15 ? 0 : 8 + (i * 173) % 2041;
		void *p = size ? kmalloc(size, GFP_KERNEL)
			       : alloc_pages(1 + i % 8, GFP_KERNEL);

		if (!p)
			continue; /* memory may be exhausted (stress bursts) */
		b->obj[b->nr] = p;
		b->size[b->nr] = size;
		*(uint64_t *)p = stamp(b, b->nr);
		b->nr++;
	}
}

/* Free objects [from, to) of @b; the number whose stamp was wrong. */
static unsigned int free_batch(struct batch *b, unsigned int from,
			       unsigned int to)
{
	unsigned int i, bad = 0;

	for (i = from; i < to && i < b->nr; i++) {
		if (*(uint64_t *)b->obj[i] != stamp(b, i))
			bad++;
		if (b->size[i])
			kfree(b->obj[i]);
		else
			free_pages(b->obj[i]);
		b->obj[i] = NULL;
	}
	return bad;
}

static int run_batch_on(unsigned int index, struct batch *b)
{
	int ret = smp_run_on(index, alloc_batch, b);

	if (!ret)
		smp_wait(index);
	return ret;
}

/*
 * -EBUSY: another hart's job runs there (the stress run's drains post to
 * every online hart, a victim included): try again, for a while.
 */
static int retry_busy(int (*fn)(unsigned int, struct batch *),
		      unsigned int index, struct batch *b)
{
	uint64_t end = time_us() + 10000000;
	int ret;

	while ((ret = fn(index, b)) == -EBUSY && time_us() < end)
		cpu_relax();
	return ret;
}

static int stop_hart(unsigned int index, struct batch *b)
{
	(void)b;
	return hotplug_stop(index);
}

/* ---- cases ---- */

static void test_refusals(struct ktest *t)
{
	unsigned int self = this_hart()->index;

	KT_EXPECT_EQ(t, hotplug_stop(self), -EINVAL);
	KT_EXPECT_EQ(t, hotplug_start(self), -EALREADY);
	KT_EXPECT_EQ(t, hotplug_stop(hart_count()), -EINVAL);
	KT_EXPECT_EQ(t, hotplug_start(hart_count()), -EINVAL);
	KT_EXPECT_EQ(t, smp_online_count(), hart_count() - smp_failed_count());
}

static void nothing(void *arg)
{
	atomic_fetch_add((atomic_uint *)arg, 1);
}

/* Offline means offline: HSM, IPIs, work, mm; back means back. */
static void test_stop_start_one(struct ktest *t)
{
	unsigned int n = smp_online_count(), ran = 0;
	int x = other_hart(this_hart()->index);
	const struct hart *h;
	uint64_t t0;

	KT_ASSERT(t, x >= 0);
	h = hart_by_index(x);
	KT_ASSERT(t, hotplug_stop(x) == 0);
	KT_EXPECT(t, !atomic_load(&h->online));
	KT_EXPECT_EQ(t, sbi_hart_get_status(h->hartid), SBI_HSM_STOPPED);
	KT_EXPECT(t, mm_hart_is_parked(x));
	KT_EXPECT_EQ(t, smp_online_count(), n - 1);
	KT_EXPECT_EQ(t, hotplug_stop(x), -EALREADY);
	KT_EXPECT_EQ(t, smp_run_on(x, nothing, &ran), -EINVAL);
	/* Nobody waits for it: a ping round answers at once. */
	t0 = time_us();
	KT_EXPECT_EQ(t, smp_ping_others(PING_US), n - 2);
	smp_drain_others(PING_US);
	ktest_diag("hart %u stopped; ping + drain of the %u others took %llu "
		   "us",
		   h->hartid, n - 2, (unsigned long long)(time_us() - t0));
	KT_ASSERT(t, hotplug_start(x) == 0);
	KT_EXPECT(t, atomic_load(&h->online));
	KT_EXPECT(t, !mm_hart_is_parked(x));
	KT_EXPECT_EQ(t, smp_online_count(), n);
	KT_EXPECT_EQ(t, hotplug_start(x), -EALREADY);
	KT_ASSERT(t, smp_run_on(x, nothing, &ran) == 0);
	smp_wait(x);
	KT_EXPECT_EQ(t, ran, 1);
	KT_EXPECT_EQ(t, smp_ping_others(PING_US), n - 1);
}

/*
 * A stopped hart's objects, freed by this hart while it is away, come
 * back through the reaping drain (@reap) or through the hart itself once
 * it is back (!@reap): free memory is exact either way.
 */
static void objects_freed_while_away(struct ktest *t, bool reap)
{
	struct batch *b = alloc_pages((sizeof(*b) + PAGE_SIZE - 1) / PAGE_SIZE,
				      __GFP_ZERO);
	int x = other_hart(this_hart()->index);
	uint64_t before, held, mid;
	unsigned int bad;

	KT_ASSERT(t, b && x >= 0);
	before = mm_settled_free_bytes();
	KT_ASSERT(t, run_batch_on(x, b) == 0);
	KT_ASSERT(t, b->nr == NR_OBJS);
	KT_ASSERT(t, hotplug_stop(x) == 0);
	held = mm_settled_free_bytes();
	KT_EXPECT(t, held < before);
	bad = free_batch(b, 0, b->nr / 2);
	mid = mm_settled_free_bytes();
	if (reap)
		KT_EXPECT(t, mid > held); /* reaped while it is away */
	if (!reap)
		KT_ASSERT(t, hotplug_start(x) == 0);
	bad += free_batch(b, b->nr / 2, b->nr);
	KT_EXPECT_EQ(t, bad, 0);
	if (reap) {
		/* Every object back while the hart is still away. */
		KT_EXPECT_EQ(t, mm_settled_free_bytes(), before);
		KT_EXPECT(t, mm_hart_is_parked(x));
		KT_ASSERT(t, hotplug_start(x) == 0);
	}
	KT_EXPECT_EQ(t, mm_settled_free_bytes(), before);
	ktest_diag("hart %u: %u objects freed by hart %u, %s: held %llu KiB, "
		   "free memory exact",
		   hart_by_index(x)->hartid, b->nr, this_hart()->hartid,
		   reap ? "all while it was away" : "half after it came back",
		   (unsigned long long)((before - held) >> 10));
	free_pages(b);
}

static void test_objects_freed_while_away_reaped(struct ktest *t)
{
	objects_freed_while_away(t, true);
}

static void test_objects_freed_after_return(struct ktest *t)
{
	objects_freed_while_away(t, false);
}

/* Every hart but this one away; allocation and drains still work. */
static void test_stop_all_others(struct ktest *t)
{
	unsigned int i, n = hart_count(), stopped = 0;
	uint64_t before = mm_settled_free_bytes();
	void *p;

	for (i = 0; i < n; i++)
		if (i != this_hart()->index && online(i) && !hotplug_stop(i))
			stopped++;
	KT_EXPECT_EQ(t, smp_online_count(), 1);
	p = kmalloc(100, GFP_KERNEL);
	KT_EXPECT(t, p != NULL);
	kfree(p);
	KT_EXPECT_EQ(t, smp_ping_others(PING_US), 0);
	KT_EXPECT_EQ(t, start_all(), 0);
	KT_EXPECT_EQ(t, smp_online_count(), n - smp_failed_count());
	KT_EXPECT_EQ(t, mm_settled_free_bytes(), before);
	ktest_diag("%u harts stopped and started again", stopped);
}

/* ---- stop and start under the stress workload ---- */

static struct {
	struct batch *batch; /* [hart_count()] */
	bool victim[PLATFORM_MAX_HARTS];
	atomic_int launched, stop;
	unsigned long cycles, freed, bad, errors, reaps;
	int last_error;
	const char *last_step, *err_step;
	unsigned int err_hart;
} cyc;

/* The stress run's poll (every ~10 ms on this hart): it has launched. */
static bool stress_polled(void)
{
	atomic_store(&cyc.launched, 1);
	return false;
}

/*
 * On the controlling hart, for each victim in turn: free the batch of the
 * previous victim (stopped at the end of its cycle, so every free lands
 * in a parked slab or page run of a hart that is away), every third time
 * drain with a reap (otherwise the owner takes them back when it returns),
 * then start the victim, let it allocate a batch and stop it again.  Until
 * told to stop, and at least two rounds over the victims.
 */
static void free_prev(unsigned int prev)
{
	cyc.bad += free_batch(&cyc.batch[prev], 0, cyc.batch[prev].nr);
	cyc.freed += cyc.batch[prev].nr;
	cyc.batch[prev].nr = 0;
}

static void controller(void *arg)
{
	unsigned int n = hart_count(), i, prev = n, round = 0;

	(void)arg;
	while (!atomic_load(&cyc.launched))
		cpu_relax();
	while (!atomic_load(&cyc.stop) || round < 2) {
		for (i = 0; i < n; i++) {
			int ret;

			if (!cyc.victim[i])
				continue;
			if (prev < n)
				free_prev(prev);
			if (cyc.cycles % 3 == 0) {
				mm_drain_this_hart(true);
				cyc.reaps++;
			}
			cyc.last_step = "start";
			ret = hotplug_start(i);
			if (!ret) {
				cyc.last_step = "run a job on";
				ret = retry_busy(run_batch_on, i,
						 &cyc.batch[i]);
			}
			if (!ret) {
				cyc.last_step = "stop";
				ret = retry_busy(stop_hart, i, NULL);
			}
			if (ret) {
				const struct hart *h = hart_by_index(i);

				ktest_diag(
					"hotplug: %s hart %u: %s (HSM status "
					"%d, online %d)",
					cyc.last_step, h->hartid,
					errno_name(ret),
					sbi_hart_get_status(h->hartid),
					atomic_load(&h->online));
				cyc.errors++;
				cyc.last_error = ret;
				cyc.err_step = cyc.last_step;
				cyc.err_hart = i;
			}
			cyc.cycles++;
			prev = i;
		}
		round++;
	}
	if (prev < n)
		free_prev(prev);
}

static void test_hotplug_under_stress(struct ktest *t)
{
	unsigned int n = hart_count(), self = this_hart()->index, i, k = 0;
	size_t pages = (n * sizeof(struct batch) + PAGE_SIZE - 1) / PAGE_SIZE;
	struct stress_opts o = {
		.seconds = cmdline_get_ulong("seconds", DEFAULT_SECONDS),
		.say = ktest_diag,
		.interrupted = stress_polled,
	};
	unsigned int nr_victims = 0, nr_stress = 1;
	struct stress_result r;
	uint64_t before, after;
	int ctl;

	memset(&cyc, 0, sizeof(cyc));
	cyc.batch = alloc_pages(pages, __GFP_ZERO);
	KT_ASSERT(t, cyc.batch);
	ctl = other_hart(self);
	KT_ASSERT(t, ctl >= 0);
	/* Of the others: every second one is stopped and started. */
	for (i = 0; i < n; i++) {
		if (i == self || (int)i == ctl || !online(i))
			continue;
		if (k++ % 2 == 0) {
			cyc.victim[i] = true;
			nr_victims++;
		} else {
			nr_stress++;
		}
	}
	KT_ASSERT(t, nr_victims > 0);
	before = mm_settled_free_bytes();
	/* Away before the stress run starts: it takes the online harts. */
	for (i = 0; i < n; i++)
		if (cyc.victim[i])
			KT_ASSERT(t, hotplug_stop(i) == 0);
	KT_ASSERT(t, smp_run_on(ctl, controller, NULL) == 0);
	stress_run(&o, &r);
	atomic_store(&cyc.stop, 1);
	smp_wait(ctl);
	KT_EXPECT_EQ(t, start_all(), 0);
	after = mm_settled_free_bytes();
	ktest_diag("hotplug: %lu stop/start cycles of %u harts driven by hart "
		   "%u while %u harts ran the workload (%llu ops); %lu objects "
		   "freed by another hart while their owner was away or back; "
		   "%lu reaping drains",
		   cyc.cycles, nr_victims, hart_by_index(ctl)->hartid,
		   r.nr_harts, (unsigned long long)r.ops, cyc.freed, cyc.reaps);
	ktest_diag("hotplug: free bytes before %llu after %llu",
		   (unsigned long long)before, (unsigned long long)after);
	KT_EXPECT_EQ(t, cyc.errors, 0);
	if (cyc.errors)
		ktest_diag("last hot-plug error: %s hart %u: %s", cyc.err_step,
			   hart_by_index(cyc.err_hart)->hartid,
			   errno_name(cyc.last_error));
	KT_EXPECT_EQ(t, cyc.bad, 0);
	KT_EXPECT(t, cyc.cycles >= 2 * nr_victims);
	KT_EXPECT_EQ(t, r.nr_harts, nr_stress);
	KT_EXPECT(t, r.ops > 0);
	KT_EXPECT_EQ(t, r.nr_errors, 0);
	KT_EXPECT_EQ(t, r.bad_frees, 0);
	KT_EXPECT_EQ(t, after, before);
	free_pages(cyc.batch);
}

static const struct ktest_case hotplug_cases[] = {
	KTEST_CASE(test_refusals),
	KTEST_CASE_SMP(test_stop_start_one, 2),
	KTEST_CASE_SMP(test_objects_freed_while_away_reaped, 2),
	KTEST_CASE_SMP(test_objects_freed_after_return, 2),
	KTEST_CASE_SMP(test_stop_all_others, 2),
	KTEST_CASE_SMP(test_hotplug_under_stress, 3),
};
KTEST_SUITE_EXPLICIT(hotplug, hotplug_cases);
