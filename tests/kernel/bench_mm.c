// SPDX-License-Identifier: MIT
/*
 * KTAP suite "bench": instruction counts of the memory manager's paths,
 * run only when named (test=bench), never with test=all.  Meant for
 * QEMU with -icount shift=0,sleep=off, where rdinstret counts guest
 * instructions and repeats exactly from run to run (scripts/bench.py).
 *
 * Method: each figure is (instret over a loop of N operations - instret
 * over the same loop with an empty body) / N, so the loop's own counter
 * and branch are subtracted; the call sequences and argument set-up of
 * the measured functions stay in.  Each loop is measured TRIALS times and
 * the smallest count kept: a timer interrupt that lands inside one trial
 * adds its handler to that trial only.  Under icount the counter is
 * QEMU's global instruction clock, shared by all harts, so every hart not
 * being measured waits in wfi (it executes nothing) rather than spinning.
 *
 * Output, one diagnostic line per figure, in hundredths:
 *	# bench: name=<what> size=<bytes> iters=<N> instret=<per op>
 */
#include <stdatomic.h>
#include <stdint.h>

#include "arch/riscv/csr.h"
#include "kernel/hart.h"
#include "kernel/ktest.h"
#include "kernel/smp.h"
#include "mm/cache.h"
#include "mm/introspect.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/slab.h"

#define TRIALS	    5
#define PAIR_ITERS  1024
#define PAGE_ITERS  256
#define BIG_ITERS   64
#define REMOTE_OBJS 1024 /* objects freed remotely per trial (a burst) */
#define REMOTE_SIZE 64

/* Keep the compiler from merging or deleting an allocation and its free. */
static inline void escape(void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

/* Instructions of the empty loop: the baseline every figure subtracts. */
static __attribute__((noinline)) unsigned long loop_empty(unsigned int n)
{
	unsigned long t0 = rdinstret();
	unsigned int i;

	for (i = 0; i < n; i++)
		escape((void *)(uintptr_t)i);
	return rdinstret() - t0;
}

static __attribute__((noinline)) unsigned long loop_kmalloc_pair(size_t size,
								 unsigned int n)
{
	unsigned long t0 = rdinstret();
	unsigned int i;

	for (i = 0; i < n; i++) {
		void *p = kmalloc(size, GFP_KERNEL);

		escape(p);
		kfree(p);
	}
	return rdinstret() - t0;
}

/*
 * The same loop with the size a constant at the call site, as most kernel
 * callers write kmalloc(sizeof(...), GFP_KERNEL): kmalloc() resolves the
 * class there (mm/kmalloc.h).  One loop per class size.
 */
#define CONST_PAIR_LOOP(sz)                                             \
	static __attribute__((noinline)) unsigned long loop_const_##sz( \
		unsigned int n)                                         \
	{                                                               \
		unsigned long t0 = rdinstret();                         \
		unsigned int i;                                         \
                                                                        \
		for (i = 0; i < n; i++) {                               \
			void *p = kmalloc(sz, GFP_KERNEL);              \
                                                                        \
			escape(p);                                      \
			kfree(p);                                       \
		}                                                       \
		return rdinstret() - t0;                                \
	}
CONST_PAIR_LOOP(8)
CONST_PAIR_LOOP(16)
CONST_PAIR_LOOP(24)
CONST_PAIR_LOOP(32)
CONST_PAIR_LOOP(48)
CONST_PAIR_LOOP(64)
CONST_PAIR_LOOP(80)
CONST_PAIR_LOOP(96)
CONST_PAIR_LOOP(112)
CONST_PAIR_LOOP(128)
CONST_PAIR_LOOP(160)
CONST_PAIR_LOOP(192)
CONST_PAIR_LOOP(224)
CONST_PAIR_LOOP(256)
CONST_PAIR_LOOP(320)
CONST_PAIR_LOOP(384)
CONST_PAIR_LOOP(448)
CONST_PAIR_LOOP(512)
CONST_PAIR_LOOP(640)
CONST_PAIR_LOOP(768)
CONST_PAIR_LOOP(896)
CONST_PAIR_LOOP(1024)
CONST_PAIR_LOOP(1280)
CONST_PAIR_LOOP(1536)
CONST_PAIR_LOOP(1792)
CONST_PAIR_LOOP(2048)

static unsigned long (*const const_loops[MM_NR_CLASSES])(unsigned int) = {
	loop_const_8,	 loop_const_16,	  loop_const_24,   loop_const_32,
	loop_const_48,	 loop_const_64,	  loop_const_80,   loop_const_96,
	loop_const_112,	 loop_const_128,  loop_const_160,  loop_const_192,
	loop_const_224,	 loop_const_256,  loop_const_320,  loop_const_384,
	loop_const_448,	 loop_const_512,  loop_const_640,  loop_const_768,
	loop_const_896,	 loop_const_1024, loop_const_1280, loop_const_1536,
	loop_const_1792, loop_const_2048,
};

static __attribute__((noinline)) unsigned long loop_pages_pair(size_t pages,
							       unsigned int n)
{
	unsigned long t0 = rdinstret();
	unsigned int i;

	for (i = 0; i < n; i++) {
		void *p = alloc_pages(pages, GFP_KERNEL);

		escape(p);
		free_pages(p);
	}
	return rdinstret() - t0;
}

static __attribute__((noinline)) unsigned long
loop_order_pair(unsigned int order, unsigned int n)
{
	unsigned long t0 = rdinstret();
	unsigned int i;

	for (i = 0; i < n; i++) {
		void *p = alloc_pages_order(order, GFP_KERNEL);

		escape(p);
		free_pages(p);
	}
	return rdinstret() - t0;
}

static __attribute__((noinline)) unsigned long
loop_kfree(void **objs, unsigned int n, unsigned int stride)
{
	unsigned long t0 = rdinstret();
	unsigned int i;

	for (i = 0; i < n; i++)
		kfree(objs[i * stride]);
	return rdinstret() - t0;
}

static __attribute__((noinline)) unsigned long
loop_empty_array(void **objs, unsigned int n, unsigned int stride)
{
	unsigned long t0 = rdinstret();
	unsigned int i;

	for (i = 0; i < n; i++)
		escape(objs[i * stride]);
	return rdinstret() - t0;
}

static __attribute__((noinline)) unsigned long time_drain(void)
{
	unsigned long t0 = rdinstret();

	mm_drain_this_hart(false);
	return rdinstret() - t0;
}

static unsigned long min_ul(unsigned long a, unsigned long b)
{
	return a < b ? a : b;
}

/* One result line; @net is instructions over @n operations. */
static void report(const char *name, unsigned long size, unsigned int n,
		   unsigned long net)
{
	unsigned long x100 = (net * 100 + n / 2) / n;

	ktest_diag("bench: name=%s size=%lu iters=%u instret=%lu.%02lu", name,
		   size, n, x100 / 100, x100 % 100);
}

static unsigned long empty_baseline(unsigned int n)
{
	unsigned long best = ~0UL;
	unsigned int k;

	for (k = 0; k < TRIALS; k++)
		best = min_ul(best, loop_empty(n));
	return best;
}

static unsigned long net(unsigned long total, unsigned long empty)
{
	return total > empty ? total - empty : 0;
}

/* ---------------------------------------------------------------- cases -- */

static void bench_loop_overhead(struct ktest *t)
{
	report("empty_loop", 0, PAIR_ITERS, empty_baseline(PAIR_ITERS));
}

/*
 * Three figures per class.  kmalloc_pair: the loop alone, so each kfree
 * gives back the only object in use of its slab (what an idle class sees).
 * kmalloc_pair_resident: the same loop while one other object of the class
 * stays allocated, so the slab never empties (the steady state of a class
 * in use).  The allocator may treat "slab becomes empty" differently.
 * kmalloc_pair_const: the first loop with the size a constant at the call
 * site (the class resolved there).
 */
static void bench_kmalloc_pair(struct ktest *t)
{
	unsigned long empty = empty_baseline(PAIR_ITERS);
	unsigned int c, k;

	for (c = 0; c < MM_NR_CLASSES; c++) {
		size_t size = slab_class_size[c];
		unsigned long best = ~0UL;
		void *p = kmalloc(size, GFP_KERNEL); /* warm: slab exists */

		KT_ASSERT(t, p);
		kfree(p);
		for (k = 0; k < TRIALS; k++)
			best = min_ul(best,
				      loop_kmalloc_pair(size, PAIR_ITERS));
		report("kmalloc_pair", size, PAIR_ITERS, net(best, empty));

		p = kmalloc(size, GFP_KERNEL); /* the resident object */
		KT_ASSERT(t, p);
		best = ~0UL;
		for (k = 0; k < TRIALS; k++)
			best = min_ul(best,
				      loop_kmalloc_pair(size, PAIR_ITERS));
		kfree(p);
		report("kmalloc_pair_resident", size, PAIR_ITERS,
		       net(best, empty));

		best = ~0UL;
		for (k = 0; k < TRIALS; k++)
			best = min_ul(best, const_loops[c](PAIR_ITERS));
		report("kmalloc_pair_const", size, PAIR_ITERS,
		       net(best, empty));
	}
}

static void bench_large(struct ktest *t)
{
	static const size_t sizes[] = { 3000, 8192, 16384, 32768, 64 * 1024 };
	unsigned long empty = empty_baseline(BIG_ITERS);
	unsigned int i, k;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned long best = ~0UL;
		void *p = kmalloc(sizes[i], GFP_KERNEL);

		KT_ASSERT(t, p);
		kfree(p);
		for (k = 0; k < TRIALS; k++)
			best = min_ul(best,
				      loop_kmalloc_pair(sizes[i], BIG_ITERS));
		report("kmalloc_large_pair", sizes[i], BIG_ITERS,
		       net(best, empty));
	}
}

static void bench_pages(struct ktest *t)
{
	unsigned long empty = empty_baseline(PAGE_ITERS);
	unsigned long best = ~0UL;
	unsigned int k, o;
	void *p;

	/* One page: through the per-hart batch. */
	p = alloc_pages(1, GFP_KERNEL);
	KT_ASSERT(t, p);
	free_pages(p);
	for (k = 0; k < TRIALS; k++)
		best = min_ul(best, loop_pages_pair(1, PAGE_ITERS));
	report("pages_pair", 4096, PAGE_ITERS, net(best, empty));

	/* Orders 1..3: through the per-hart run caches. */
	for (o = 1; o <= 3; o++) {
		p = alloc_pages(1UL << o, GFP_KERNEL);
		KT_ASSERT(t, p);
		free_pages(p);
		best = ~0UL;
		for (k = 0; k < TRIALS; k++)
			best = min_ul(best,
				      loop_pages_pair(1UL << o, PAGE_ITERS));
		report("pages_pair", 4096UL << o, PAGE_ITERS, net(best, empty));
	}

	/* An exact odd count: the tail of an order-3 block goes back. */
	best = ~0UL;
	for (k = 0; k < TRIALS; k++)
		best = min_ul(best, loop_pages_pair(5, PAGE_ITERS));
	report("pages_pair", 5 * 4096, PAGE_ITERS, net(best, empty));

	/* 2 MiB: order 9. */
	empty = empty_baseline(BIG_ITERS);
	best = ~0UL;
	for (k = 0; k < TRIALS; k++)
		best = min_ul(best, loop_order_pair(9, BIG_ITERS));
	report("pages_pair", 2UL << 20, BIG_ITERS, net(best, empty));
}

/* ----------------------------------------------------------- remote free -- */

struct remote_job {
	void **objs;
	unsigned int n, stride;
	unsigned int waker;  /* index of the hart to wake when done */
	unsigned long freed; /* instret of the kfree loop and the flush */
	unsigned long empty; /* instret of the same loop, no kfree */
	unsigned long posts; /* atomic posts during the burst and flush */
	_Atomic int done;
};

static void remote_free_job(void *arg)
{
	struct remote_job *j = arg;
	unsigned long e = ~0UL, p0, p1, t0, i0;
	unsigned int k;

	for (k = 0; k < TRIALS; k++)
		e = min_ul(e, loop_empty_array(j->objs, j->n, j->stride));
	j->empty = e;
	mm_remote_atomics(this_hart()->index, &p0, &t0);
	j->freed = loop_kfree(j->objs, j->n, j->stride);
	/* What the burst left gathered is part of its cost: post it. */
	i0 = rdinstret();
	mm_idle();
	j->freed += rdinstret() - i0;
	mm_remote_atomics(this_hart()->index, &p1, &t0);
	j->posts = p1 - p0;
	atomic_store_explicit(&j->done, 1, memory_order_release);
	smp_send_ipi(j->waker, IPI_PING);
}

/*
 * Wait for the job with this hart in wfi, so that it adds nothing to the
 * shared instruction clock while the other hart measures.
 */
static void wait_quietly(struct remote_job *j, unsigned int other)
{
	while (!atomic_load_explicit(&j->done, memory_order_acquire)) {
		irq_disable();
		if (!atomic_load_explicit(&j->done, memory_order_acquire))
			wait_for_interrupt();
		irq_enable();
	}
	smp_wait(other);
}

static void bench_remote_free(struct ktest *t)
{
	static void *objs[2 * REMOTE_OBJS];
	static struct remote_job job;
	unsigned int self = this_hart()->index, other, i, k;
	unsigned long best_free = ~0UL, best_take = ~0UL, idle = ~0UL;
	unsigned long posts = 0, takes = 0, tk0, tk1, p;

	other = self == 0 ? 1 : 0;
	for (k = 0; k < TRIALS; k++) {
		unsigned long take;

		/*
		 * Allocate 2N here, let the other hart free every second one:
		 * no slab empties, so the take-back figure is the splice of
		 * the remote lists alone, not slabs going back to the buddy.
		 */
		for (i = 0; i < 2 * REMOTE_OBJS; i++) {
			objs[i] = kmalloc(REMOTE_SIZE, GFP_KERNEL);
			KT_ASSERT(t, objs[i]);
		}
		idle = min_ul(idle, time_drain());
		job = (struct remote_job){ .objs = objs + 1,
					   .n = REMOTE_OBJS,
					   .stride = 2,
					   .waker = self };
		KT_ASSERT(t, smp_run_on(other, remote_free_job, &job) == 0);
		wait_quietly(&job, other);
		best_free = min_ul(best_free, net(job.freed, job.empty));
		posts = job.posts;
		mm_remote_atomics(self, &p, &tk0);
		take = time_drain();
		mm_remote_atomics(self, &p, &tk1);
		takes = tk1 - tk0;
		best_take = min_ul(best_take, net(take, idle));
		for (i = 0; i < 2 * REMOTE_OBJS; i += 2)
			kfree(objs[i]);
		mm_drain_this_hart(false);
	}
	report("remote_free", REMOTE_SIZE, REMOTE_OBJS, best_free);
	report("remote_takeback", REMOTE_SIZE, REMOTE_OBJS, best_take);
	report("drain_idle", 0, 1, idle);
	/* Atomic instructions per remote free in the burst: the freeing
	 * hart's posts (CAS) and the owner's inbox exchanges. */
	ktest_diag("bench: remote_atomics size=%u burst=%u posts=%lu "
		   "takes=%lu per_free=1/%lu",
		   REMOTE_SIZE, REMOTE_OBJS, posts, takes,
		   posts + takes ? REMOTE_OBJS / (posts + takes) : 0UL);
}

/* ------------------------------------------------- scaling (issue 10) -- */

/*
 * Per-operation counts on every online hart, for three patterns: "pair"
 * (kmalloc+kfree of 64 bytes on each hart), "prodcons" (hart i allocates
 * 64-byte objects, hart i^1 frees them: every free remote; on one hart the
 * same hart frees them) and "mix" (random sizes 16..1024; each hart frees
 * half of what it allocated itself and hands the other half to the next
 * hart).  Each pattern runs in rounds of two phases (allocate everywhere,
 * then free everywhere, each phase ending with mm_idle() so that the
 * batches are posted inside the measurement), so the counts are exact and
 * repeat under -icount.  An operation is one allocation or one free.
 * Printed as "# scale: workload=W harts=N ops=O instret=I atomics=A
 * locks=L" per operation; scripts/bench.py boots -smp 1, 2, 4 and 8.
 */
#define SCALE_OBJS   512
#define SCALE_ROUNDS 4

struct scale_hart {
	void *objs[SCALE_OBJS];
	unsigned int n;
	unsigned long instret, atomics, locks, ops;
	uint64_t rng;
} __attribute__((aligned(64)));

static struct scale_hart scale[PLATFORM_MAX_HARTS];
static unsigned int scale_workload, scale_harts;

enum { SCALE_PAIR, SCALE_PRODCONS, SCALE_MIX };

static void scale_begin(struct scale_hart *sh, unsigned long *i0,
			unsigned long *a0, unsigned long *l0)
{
	mm_get_op_counts(this_hart()->index, a0, l0);
	*i0 = rdinstret();
}

static void scale_end(struct scale_hart *sh, unsigned long i0, unsigned long a0,
		      unsigned long l0)
{
	unsigned long a1, l1;

	mm_idle(); /* what the phase gathered is posted inside it */
	sh->instret += rdinstret() - i0;
	mm_get_op_counts(this_hart()->index, &a1, &l1);
	sh->atomics += a1 - a0;
	sh->locks += l1 - l0;
}

static unsigned int scale_rand(struct scale_hart *sh)
{
	sh->rng ^= sh->rng << 13;
	sh->rng ^= sh->rng >> 7;
	sh->rng ^= sh->rng << 17;
	return (unsigned int)sh->rng;
}

static void scale_alloc_phase(void *arg)
{
	unsigned int me = this_hart()->index, i;
	struct scale_hart *sh = &scale[me];
	unsigned long i0, a0, l0;

	if (scale_workload == SCALE_PRODCONS && (me & 1) && scale_harts > 1)
		return; /* consumers only free */
	scale_begin(sh, &i0, &a0, &l0);
	for (i = 0; i < SCALE_OBJS; i++) {
		size_t size = scale_workload == SCALE_MIX
				      ? 16 + scale_rand(sh) % 1009
				      : 64;

		sh->objs[i] = kmalloc(size, GFP_KERNEL);
		escape(sh->objs[i]);
		if (scale_workload == SCALE_PAIR) {
			kfree(sh->objs[i]);
			sh->ops++;
		}
	}
	sh->n = scale_workload == SCALE_PAIR ? 0 : SCALE_OBJS;
	sh->ops += SCALE_OBJS;
	scale_end(sh, i0, a0, l0);
}

/* Free @from's objects @first, @first + @step, ... */
static void scale_free_some(struct scale_hart *sh, struct scale_hart *from,
			    unsigned int first, unsigned int step)
{
	unsigned int i;

	for (i = first; i < from->n; i += step) {
		kfree(from->objs[i]);
		sh->ops++;
	}
}

static void scale_free_phase(void *arg)
{
	unsigned int me = this_hart()->index, n = scale_harts;
	unsigned int prev = scale_workload == SCALE_PRODCONS && n > 1
				    ? me ^ 1
				    : (me + n - 1) % n;
	struct scale_hart *sh = &scale[me];
	unsigned long i0, a0, l0;

	scale_begin(sh, &i0, &a0, &l0);
	if (scale_workload == SCALE_MIX) {
		/* odd objects stay with their allocator, even ones move on */
		scale_free_some(sh, sh, 1, 2);
		scale_free_some(sh, &scale[prev], 0, 2);
	} else if (scale_workload == SCALE_PRODCONS) {
		scale_free_some(sh, &scale[prev], 0, 1);
	}
	scale_end(sh, i0, a0, l0);
}

static void scale_clear(void *arg)
{
	scale[this_hart()->index].n = 0;
}

/*
 * Each hart's phase in turn, without spinning: under -icount a spinning
 * hart eats the shared instruction clock (and with 4 or more harts
 * starves the others); the caller waits in wfi until the job wakes it.
 */
static _Atomic unsigned int scale_done;
static unsigned int scale_waker;
static void (*scale_fn)(void *);

static void scale_job(void *arg)
{
	scale_fn(arg);
	atomic_fetch_add_explicit(&scale_done, 1, memory_order_release);
	smp_send_ipi(scale_waker, IPI_PING);
}

static void scale_run_all(void (*fn)(void *))
{
	unsigned int self = this_hart()->index, h;

	scale_fn = fn;
	scale_waker = self;
	/*
	 * One hart at a time: under -icount QEMU's instret is the one shared
	 * instruction clock, not the hart's own count, so two harts whose
	 * windows overlapped counted each other's instructions (the pair
	 * read 30 per operation on some harts and 80 on others at 8 harts).
	 * The data flow is the same (what a phase frees on another hart's
	 * slabs goes to that hart's inbox); only the timing is serial.
	 */
	for (h = 0; h < scale_harts; h++) {
		if (h == self) {
			fn(NULL);
			continue;
		}
		atomic_store(&scale_done, 0);
		if (smp_run_on(h, scale_job, NULL))
			continue;
		while (!atomic_load_explicit(&scale_done,
					     memory_order_acquire)) {
			irq_disable();
			if (!atomic_load_explicit(&scale_done,
						  memory_order_acquire))
				wait_for_interrupt();
			irq_enable();
		}
		smp_wait(h);
	}
}

static void bench_scale(struct ktest *t)
{
	static const char *const names[] = { "pair", "prodcons", "mix" };
	unsigned int w, r, h;

	scale_harts = smp_online_count();
	for (h = 0; h < scale_harts; h++)
		KT_ASSERT(t, hart_by_index(h) &&
				     atomic_load(&hart_by_index(h)->online));
	for (w = 0; w < 3; w++) {
		unsigned long ins = 0, at = 0, lk = 0, ops = 0;

		scale_workload = w;
		for (h = 0; h < scale_harts; h++)
			scale[h] =
				(struct scale_hart){ .rng = 0x9e3779b9u + h };
		for (r = 0; r < SCALE_ROUNDS; r++) {
			scale_run_all(scale_alloc_phase);
			scale_run_all(scale_free_phase);
			scale_run_all(scale_clear);
		}
		for (h = 0; h < scale_harts; h++) {
			ins += scale[h].instret;
			at += scale[h].atomics;
			lk += scale[h].locks;
			ops += scale[h].ops;
		}
		KT_EXPECT(t, ops > 0);
		if (!ops)
			continue;
		ktest_diag(
			"scale: workload=%s harts=%u ops=%lu instret=%lu.%02lu "
			"atomics=%lu.%04lu locks=%lu.%04lu",
			names[w], scale_harts, ops, ins / ops,
			ins % ops * 100 / ops, at / ops, at % ops * 10000 / ops,
			lk / ops, lk % ops * 10000 / ops);
	}
}

/* ---------------------------------- named caches and bulk (mm/cache.h) -- */

#define BULK_N	   16
#define BULK_ITERS 64 /* batches per loop: BULK_N * BULK_ITERS objects */

static __attribute__((noinline)) unsigned long
loop_cache_pair(struct kmem_cache *c, unsigned int n)
{
	unsigned long t0 = rdinstret();
	unsigned int i;

	for (i = 0; i < n; i++) {
		void *p = kmem_cache_alloc(c, GFP_KERNEL);

		escape(p);
		kmem_cache_free(c, p);
	}
	return rdinstret() - t0;
}

static __attribute__((noinline)) unsigned long
loop_cache_singles(struct kmem_cache *c, unsigned int n)
{
	void *objs[BULK_N];
	unsigned long t0 = rdinstret();
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < BULK_N; j++)
			objs[j] = kmem_cache_alloc(c, GFP_KERNEL);
		escape(objs);
		for (j = 0; j < BULK_N; j++)
			kmem_cache_free(c, objs[j]);
	}
	return rdinstret() - t0;
}

static __attribute__((noinline)) unsigned long
loop_cache_bulk(struct kmem_cache *c, unsigned int n)
{
	void *objs[BULK_N];
	unsigned long t0 = rdinstret();
	unsigned int i;

	for (i = 0; i < n; i++) {
		kmem_cache_alloc_bulk(c, GFP_KERNEL, BULK_N, objs);
		escape(objs);
		kmem_cache_free_bulk(c, BULK_N, objs);
	}
	return rdinstret() - t0;
}

static __attribute__((noinline)) unsigned long
loop_kmalloc_singles(size_t sz, unsigned int n)
{
	void *objs[BULK_N];
	unsigned long t0 = rdinstret();
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < BULK_N; j++)
			objs[j] = kmalloc(sz, GFP_KERNEL);
		escape(objs);
		for (j = 0; j < BULK_N; j++)
			kfree(objs[j]);
	}
	return rdinstret() - t0;
}

static __attribute__((noinline)) unsigned long loop_kmalloc_bulk(size_t sz,
								 unsigned int n)
{
	void *objs[BULK_N];
	unsigned long t0 = rdinstret();
	unsigned int i;

	for (i = 0; i < n; i++) {
		kmalloc_bulk(sz, GFP_KERNEL, BULK_N, objs);
		escape(objs);
		kfree_bulk(BULK_N, objs);
	}
	return rdinstret() - t0;
}

/*
 * Per object: a named cache's alloc+free pair; 16 single allocations then
 * 16 single frees (cache_singles16, kmalloc_singles16) against one bulk
 * allocation and one bulk free of 16 (cache_bulk16, kmalloc_bulk16).  All
 * of 64-byte objects, the batch's slab warm.
 */
static void bench_cache_bulk(struct ktest *t)
{
	struct kmem_cache *c =
		kmem_cache_create("bench64", 64, 0, SLAB_NO_MERGE, NULL);
	unsigned long empty = empty_baseline(PAIR_ITERS);
	unsigned long empty_b = empty_baseline(BULK_ITERS);
	unsigned long best;
	unsigned int k, objs = BULK_N * BULK_ITERS;

	KT_ASSERT(t, c);
	loop_cache_singles(c, 1); /* warm */
	loop_kmalloc_singles(64, 1);
	best = ~0UL;
	for (k = 0; k < TRIALS; k++)
		best = min_ul(best, loop_cache_pair(c, PAIR_ITERS));
	report("cache_pair", 64, PAIR_ITERS, net(best, empty));
	best = ~0UL;
	for (k = 0; k < TRIALS; k++)
		best = min_ul(best, loop_cache_singles(c, BULK_ITERS));
	report("cache_singles16", 64, objs, net(best, empty_b));
	best = ~0UL;
	for (k = 0; k < TRIALS; k++)
		best = min_ul(best, loop_cache_bulk(c, BULK_ITERS));
	report("cache_bulk16", 64, objs, net(best, empty_b));
	best = ~0UL;
	for (k = 0; k < TRIALS; k++)
		best = min_ul(best, loop_kmalloc_singles(64, BULK_ITERS));
	report("kmalloc_singles16", 64, objs, net(best, empty_b));
	best = ~0UL;
	for (k = 0; k < TRIALS; k++)
		best = min_ul(best, loop_kmalloc_bulk(64, BULK_ITERS));
	report("kmalloc_bulk16", 64, objs, net(best, empty_b));
	KT_EXPECT_EQ(t, kmem_cache_destroy(c), 0);
}

/*
 * Hardening's cost (mm/slab.c: random object order of new slabs): per
 * object, allocating 4 fresh slabs' worth of 64-byte objects and freeing
 * them (the slabs made, then given back by a drain), with the random
 * order and with address order.  The fast paths do not change.
 */
#define FRESH_OBJS (4 * 251) /* 251 objects of 64 bytes per slab */

static __attribute__((noinline)) unsigned long loop_fresh(void **objs)
{
	unsigned long t0 = rdinstret();
	unsigned int i;

	for (i = 0; i < FRESH_OBJS; i++)
		objs[i] = kmalloc(64, GFP_KERNEL);
	for (i = 0; i < FRESH_OBJS; i++)
		kfree(objs[i]);
	mm_drain_this_hart(false);
	return rdinstret() - t0;
}

static void bench_fresh_slabs(struct ktest *t)
{
	static void *objs[FRESH_OBJS];
	unsigned long best[2] = { ~0UL, ~0UL };
	unsigned int k, r;

	for (r = 0; r < 2; r++) {
		slab_freelist_random = !r;
		loop_fresh(objs); /* warm */
		for (k = 0; k < TRIALS; k++)
			best[r] = min_ul(best[r], loop_fresh(objs));
	}
	slab_freelist_random = true;
	report("fresh_slab_random", 64, FRESH_OBJS, best[0]);
	report("fresh_slab_ordered", 64, FRESH_OBJS, best[1]);
}

static const struct ktest_case bench_cases[] = {
	KTEST_CASE(bench_loop_overhead),
	KTEST_CASE(bench_kmalloc_pair),
	KTEST_CASE(bench_large),
	KTEST_CASE(bench_pages),
	KTEST_CASE_SMP(bench_remote_free, 2),
	KTEST_CASE(bench_cache_bulk),
	KTEST_CASE(bench_fresh_slabs),
	KTEST_CASE(bench_scale),
};
KTEST_SUITE_EXPLICIT(bench, bench_cases);
