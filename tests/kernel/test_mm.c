// SPDX-License-Identifier: MIT
/*
 * KTAP suite "mm": the allocator's API on the real kernel, and remote
 * frees between real harts.  Every case ends by checking the accounting
 * invariant: once every hart has drained, free bytes are exactly what they
 * were before the case.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "arch/riscv/memlayout.h"
#include "kernel/mm_port.h"
#include "kernel/boot.h"
#include "kernel/hart.h"
#include "kernel/ktest.h"
#include "kernel/mm_settle.h"
#include "kernel/smp.h"
#include "mm/kmalloc.h"
#include "mm/introspect.h"
#include "mm/mm.h"

#define NR_REMOTE 512

struct invariant {
	uint64_t free_before;
};

static void invariant_begin(struct invariant *inv)
{
	inv->free_before = mm_settled_free_bytes();
}

static void invariant_check(struct ktest *t, struct invariant *inv)
{
	uint64_t after = mm_settled_free_bytes();

	if (after != inv->free_before)
		ktest_fail(t, __FILE__, __LINE__,
			   "free bytes %llu after the case, %llu before",
			   (unsigned long long)after,
			   (unsigned long long)inv->free_before);
}

static void fill(void *p, size_t n, uint8_t seed)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(seed + i * 7);
}

static bool check_fill(const void *p, size_t n, uint8_t seed)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != (uint8_t)(seed + i * 7))
			return false;
	return true;
}

static void test_every_small_size(struct ktest *t)
{
	struct invariant inv;
	size_t size;

	invariant_begin(&inv);
	for (size = 1; size <= 2048; size++) {
		uint8_t *p = kmalloc(size, GFP_KERNEL);

		if (!p) {
			ktest_fail(t, __FILE__, __LINE__, "kmalloc(%zu) failed",
				   size);
			break;
		}
		if (ksize(p) < size)
			ktest_fail(t, __FILE__, __LINE__,
				   "ksize %zu < size %zu", ksize(p), size);
		if (is_power_of_2(size) && !is_aligned((uintptr_t)p, size))
			ktest_fail(t, __FILE__, __LINE__,
				   "kmalloc(%zu) = %p not naturally aligned",
				   size, p);
		fill(p, size, (uint8_t)size);
		KT_EXPECT(t, check_fill(p, size, (uint8_t)size));
		kfree(p);
	}
	invariant_check(t, &inv);
}

static void test_large_and_pages(struct ktest *t)
{
	struct invariant inv;
	void *a, *b, *c, *d;

	invariant_begin(&inv);
	a = kmalloc(3000, GFP_KERNEL);
	b = kmalloc(64 * 1024, GFP_KERNEL);
	c = alloc_pages(5, GFP_KERNEL);
	d = alloc_pages_order(9, GFP_KERNEL);
	KT_ASSERT(t, a && b && c && d);
	KT_EXPECT(t, ksize(a) >= 3000);
	KT_EXPECT(t, ksize(b) >= 64 * 1024);
	KT_EXPECT(t, is_aligned((uintptr_t)b, 64 * 1024));
	KT_EXPECT(t, is_aligned((uintptr_t)c, PAGE_SIZE));
	KT_EXPECT(t, is_aligned(virt_to_phys(d), 2UL << 20));
	fill(b, 64 * 1024, 3);
	fill(d, 2UL << 20, 5);
	KT_EXPECT(t, check_fill(b, 64 * 1024, 3));
	KT_EXPECT(t, check_fill(d, 2UL << 20, 5));
	kfree(a);
	kfree(b);
	free_pages(c);
	free_pages(d);
	invariant_check(t, &inv);
}

static void test_api_edges(struct ktest *t)
{
	struct invariant inv;
	uint8_t *p, *q;

	invariant_begin(&inv);
	kfree(NULL);
	KT_EXPECT(t, kmalloc(SIZE_MAX, GFP_KERNEL) == NULL);
	KT_EXPECT(t, kcalloc(SIZE_MAX / 2, 3, GFP_KERNEL) == NULL);
	KT_EXPECT(t, kmalloc_array(SIZE_MAX / 8, 16, GFP_KERNEL) == NULL);
	p = kzalloc(777, GFP_KERNEL);
	KT_ASSERT(t, p);
	KT_EXPECT(t, p[0] == 0 && p[776] == 0);
	fill(p, 777, 9);
	q = krealloc(p, 5000, GFP_KERNEL);
	KT_ASSERT(t, q);
	KT_EXPECT(t, check_fill(q, 777, 9));
	p = krealloc(q, 100, GFP_KERNEL);
	KT_ASSERT(t, p);
	KT_EXPECT(t, check_fill(p, 100, 9));
	kfree(p);
	invariant_check(t, &inv);
}

/*
 * Nothing beyond what the linear map covers is accepted: 128 GiB and up
 * used to pass (the limit was the section table's 256 GiB) and the
 * section header was then written into the ioremap window.
 */
static void test_phys_limit(struct ktest *t)
{
	unsigned int n = mm_nr_sections_added();

	KT_EXPECT(t, mm_add_region(LINEAR_MAP_SIZE, 2UL << 20) < 0);
	KT_EXPECT(t, mm_add_region(LINEAR_MAP_SIZE - 4096, 2UL << 20) < 0);
	KT_EXPECT(t, mm_nr_sections_added() == n);
}

/*
 * The restartable sequences of kmalloc and kfree (kernel/mm_port.h):
 * every fast path has its range, each range lies inside its function, and
 * an interrupt anywhere inside a range (not at its end, where the commit
 * store has been done) rewinds to its start.
 */
struct rseq_range {
	unsigned long start, end;
};
/* Weak: an MM_DEBUG build masks interrupts and has no sequence at all. */
extern const struct rseq_range __start_mm_rseq[] __attribute__((weak));
extern const struct rseq_range __stop_mm_rseq[] __attribute__((weak));

static bool range_in(const struct rseq_range *r, const void *fn)
{
	unsigned long f = (unsigned long)fn;

	return r->start >= f && r->end <= f + 128;
}

static void test_rseq_ranges(struct ktest *t)
{
	const struct rseq_range *r;
	unsigned int in_kfree = 0, in_kmalloc = 0;

#if MM_DEBUG
	/* The masked fast paths (they poison and check objects). */
	ktest_skip(t, "MM_DEBUG builds mask interrupts instead");
	return;
#endif
	KT_EXPECT(t, __stop_mm_rseq - __start_mm_rseq >= 3);
	for (r = __start_mm_rseq; r < __stop_mm_rseq; r++) {
		unsigned long pc;

		KT_EXPECT(t, r->start < r->end && r->end - r->start <= 40);
		in_kfree += range_in(r, kfree);
		in_kmalloc +=
			range_in(r, kmalloc_kernel) || range_in(r, __kmalloc);
		for (pc = r->start; pc < r->end; pc += 2) {
			unsigned long x = pc;

			port_rseq_restart(&x);
			KT_EXPECT(t, x == r->start);
		}
		pc = r->end;
		port_rseq_restart(&pc);
		KT_EXPECT(t, pc == r->end);
		pc = r->start - 2;
		port_rseq_restart(&pc);
		KT_EXPECT(t, pc == r->start - 2);
	}
	KT_EXPECT(t, in_kfree == 1);
	KT_EXPECT(t, in_kmalloc == 2);
}

/*
 * The restartable sequences at work: this hart runs kmalloc+kfree pairs
 * (each kfree empties the current slab, so a drain retires it) while the
 * other hart floods it with drain IPIs, whose handler changes exactly
 * what the pop and the push are in the middle of.  Every object must come
 * back intact and distinct, no bad free may be reported, and free memory
 * must be exact afterwards.  With the restart disabled
 * (port_rseq_restart() a no-op) this fails.
 */
#define FLOOD_PAIRS 200000

struct flood {
	unsigned int target;
	_Atomic int stop;
	unsigned long sent;
};

static void flood_job(void *arg)
{
	struct flood *f = arg;

	while (!atomic_load_explicit(&f->stop, memory_order_acquire)) {
		smp_send_ipi(f->target, IPI_DRAIN);
		f->sent++;
	}
}

static void test_rseq_under_drain_ipis(struct ktest *t)
{
	static struct flood f;
	unsigned int other = smp_other_online_hart(), i;
	unsigned long bad = mm_bad_use_count();
	struct invariant inv;
	void *keep[4];

	invariant_begin(&inv);
	f = (struct flood){ .target = this_hart()->index };
	KT_ASSERT(t, smp_run_on(other, flood_job, &f) == 0);
	for (i = 0; i < FLOOD_PAIRS; i++) {
		size_t size = 8 + (i % 4) * 56; /* 8, 64, 120, 176 B */
		uint8_t *p = kmalloc(size, GFP_KERNEL);
		uint8_t *q = kmalloc(64, GFP_KERNEL);

		if (!p || !q || p == q) {
			KT_EXPECT(t, p && q && p != q);
			break;
		}
		fill(p, size, (uint8_t)i);
		fill(q, 64, (uint8_t)~i);
		keep[i % 4] = q;
		if (!check_fill(p, size, (uint8_t)i) ||
		    !check_fill(q, 64, (uint8_t)~i)) {
			KT_EXPECT(t, false);
			break;
		}
		kfree(p);
		kfree(keep[i % 4]);
	}
	atomic_store_explicit(&f.stop, 1, memory_order_release);
	smp_wait(other);
	ktest_diag("rseq: %u pairs under %lu drain IPIs", i, f.sent);
	KT_EXPECT(t, f.sent > 1000);
	KT_EXPECT(t, mm_bad_use_count() == bad);
	invariant_check(t, &inv);
}

static void test_lowmem(struct ktest *t)
{
	struct invariant inv;
	void *p;

	invariant_begin(&inv);
	p = alloc_pages(3, __GFP_LOWMEM);
	KT_ASSERT(t, p);
	KT_EXPECT(t, virt_to_phys(p) + 3 * PAGE_SIZE <= (1ULL << 32));
	free_pages(p);
	invariant_check(t, &inv);
}

/* Allocated on one hart, freed on another: the remote path. */
struct remote_batch {
	void *objs[NR_REMOTE];
	size_t sizes[NR_REMOTE];
	atomic_int bad;
};

static void alloc_batch(void *arg)
{
	struct remote_batch *rb = arg;
	unsigned int i;

	for (i = 0; i < NR_REMOTE; i++) {
		rb->sizes[i] = 8 + (i * 37) % 2041;
		rb->objs[i] = kmalloc(rb->sizes[i], GFP_KERNEL);
		if (!rb->objs[i]) {
			atomic_fetch_add(&rb->bad, 1);
			continue;
		}
		fill(rb->objs[i], rb->sizes[i], (uint8_t)i);
	}
}

static void free_batch(void *arg)
{
	struct remote_batch *rb = arg;
	unsigned int i;

	for (i = 0; i < NR_REMOTE; i++) {
		if (!rb->objs[i])
			continue;
		if (!check_fill(rb->objs[i], rb->sizes[i], (uint8_t)i))
			atomic_fetch_add(&rb->bad, 1);
		kfree(rb->objs[i]);
		rb->objs[i] = NULL;
	}
}

static void test_remote_free_to_boot_hart(struct ktest *t)
{
	static struct remote_batch rb;
	struct invariant inv;
	unsigned int other = smp_other_online_hart();

	invariant_begin(&inv);
	atomic_store(&rb.bad, 0);
	alloc_batch(&rb);
	KT_ASSERT(t, smp_run_on(other, free_batch, &rb) == 0);
	smp_wait(other);
	KT_EXPECT_EQ(t, atomic_load(&rb.bad), 0);
	invariant_check(t, &inv);
}

static void test_remote_free_from_boot_hart(struct ktest *t)
{
	static struct remote_batch rb;
	struct invariant inv;
	unsigned int other = smp_other_online_hart();

	invariant_begin(&inv);
	atomic_store(&rb.bad, 0);
	KT_ASSERT(t, smp_run_on(other, alloc_batch, &rb) == 0);
	smp_wait(other);
	free_batch(&rb);
	KT_EXPECT_EQ(t, atomic_load(&rb.bad), 0);
	invariant_check(t, &inv);
}

/* Each hart frees the batch the previous hart allocated. */
static struct remote_batch ring_batches[PLATFORM_MAX_HARTS];

static void ring_alloc(void *arg)
{
	alloc_batch(&ring_batches[this_hart()->index]);
}

static void ring_free(void *arg)
{
	unsigned int n = hart_count();
	unsigned int me = this_hart()->index;
	unsigned int prev = (me + n - 1) % n;

	while (!hart_by_index(prev) ||
	       !atomic_load(&hart_by_index(prev)->online))
		prev = (prev + n - 1) % n;
	free_batch(&ring_batches[prev]);
}

static void test_remote_free_ring_all_harts(struct ktest *t)
{
	struct invariant inv;
	unsigned int i;
	int bad = 0;

	invariant_begin(&inv);
	for (i = 0; i < hart_count(); i++)
		atomic_store(&ring_batches[i].bad, 0);
	smp_run_on_all(ring_alloc, NULL);
	smp_run_on_all(ring_free, NULL);
	for (i = 0; i < hart_count(); i++)
		bad += atomic_load(&ring_batches[i].bad);
	KT_EXPECT_EQ(t, bad, 0);
	invariant_check(t, &inv);
}

/*
 * The bound on batched remote frees: a burst of remote frees, then one
 * timer tick on the freeing hart (which posts what it gathered) and one on
 * the owner (which takes it back), with neither going idle nor draining:
 * every object is back on its owner's slabs.
 */
#define TICK_BURST 1000
static void *tick_objs[TICK_BURST];

static void wait_ticks(unsigned long n)
{
	struct hart *h = this_hart();
	unsigned long t0 = atomic_load(&h->timer_ticks);

	/* Interrupts on, no mm call: only the tick can post or take. */
	while (atomic_load(&h->timer_ticks) - t0 < n)
		cpu_relax();
}

static void tick_free_burst(void *arg)
{
	unsigned int i;

	for (i = 0; i < TICK_BURST; i++)
		kfree(tick_objs[i]);
	wait_ticks(2);
}

static void test_remote_free_back_after_tick(struct ktest *t)
{
	unsigned int self = this_hart()->index, other = self ? 0 : 1, i;
	unsigned int cls = 5; /* 64 bytes */
	struct mm_class_stats st;
	unsigned long base;
	struct invariant inv;

	if (mm_slab_debug_on()) {
		/* kmalloc then uses the debug twins, not class 5's slabs. */
		ktest_skip(t, "slab_debug=1: kmalloc's objects are elsewhere");
		return;
	}
	invariant_begin(&inv);
	KT_ASSERT(t, mm_get_class_stats(cls, self, &st) == 0 && st.size == 64);
	base = st.in_slabs;
	for (i = 0; i < TICK_BURST; i++) {
		tick_objs[i] = kmalloc(64, GFP_KERNEL);
		KT_ASSERT(t, tick_objs[i]);
	}
	mm_get_class_stats(cls, self, &st);
	KT_EXPECT_EQ(t, st.in_slabs, base + TICK_BURST);
	KT_ASSERT(t, smp_run_on(other, tick_free_burst, NULL) == 0);
	smp_wait(other);
	/* The freeing hart's ticks posted everything; now ours takes it. */
	wait_ticks(2);
	mm_get_class_stats(cls, self, &st);
	KT_EXPECT_EQ(t, st.in_slabs, base);
	invariant_check(t, &inv);
}

/* Exhaust memory with pages: NULL, never a panic; then all comes back. */
static void test_exhaustion_and_recovery(struct ktest *t)
{
	struct invariant inv;
	void **chain = NULL;
	unsigned long n = 0;
	void *p;

	invariant_begin(&inv);
	while ((p = alloc_pages(16, GFP_KERNEL))) {
		*(void **)p = chain;
		chain = p;
		n++;
	}
	KT_EXPECT(t, n > 0);
	KT_EXPECT(t, kmalloc(64 * 1024, GFP_KERNEL) == NULL);
	while (chain) {
		p = chain;
		chain = *(void **)p;
		free_pages(p);
	}
	ktest_diag("exhausted after %lu blocks of 64 KiB", n);
	p = kmalloc(64, GFP_KERNEL);
	KT_EXPECT(t, p != NULL);
	kfree(p);
	invariant_check(t, &inv);
}

/* The FDT's window, kept out while booting, is a section of its own now. */
static void test_boot_window_handed_back(struct ktest *t)
{
	const struct mm_range *w = boot_only_range();
	struct mm_section_info info;
	unsigned int i;
	bool found = false;

	if (!w->size) {
		ktest_skip(
			t,
			"the FDT shared its window with other reserved memory");
		return;
	}
	for (i = 0; i < mm_nr_sections_added(); i++) {
		if (mm_get_section_info(i, &info))
			continue;
		if (info.base == w->base && info.size == w->size) {
			found = true;
			KT_EXPECT(t, info.managed_pages > 0);
			KT_EXPECT(t, info.managed_pages * PAGE_SIZE +
						     info.meta_bytes <=
					     w->size);
		}
	}
	KT_EXPECT(t, found);
}

static const struct ktest_case mm_cases[] = {
	KTEST_CASE(test_boot_window_handed_back),
	KTEST_CASE(test_every_small_size),
	KTEST_CASE(test_large_and_pages),
	KTEST_CASE(test_api_edges),
	KTEST_CASE(test_phys_limit),
	KTEST_CASE(test_rseq_ranges),
	KTEST_CASE_SMP(test_rseq_under_drain_ipis, 2),
	KTEST_CASE(test_lowmem),
	KTEST_CASE_SMP(test_remote_free_to_boot_hart, 2),
	KTEST_CASE_SMP(test_remote_free_from_boot_hart, 2),
	KTEST_CASE_SMP(test_remote_free_ring_all_harts, 2),
	KTEST_CASE_SMP(test_remote_free_back_after_tick, 2),
	KTEST_CASE(test_exhaustion_and_recovery),
};
KTEST_SUITE(mm, mm_cases);
