// SPDX-License-Identifier: MIT
/*
 * Host allocator benchmark: one workload driver, compiled once per allocator
 * (bench/host/shim.h picks it), so every allocator runs byte-for-byte the
 * same loops.  scripts/bench.py runs the binaries interleaved and repeatedly.
 *
 *	bench-<alloc> pair SIZE ITERS
 *		one thread: p = alloc(SIZE); free(p); ITERS times (hot)
 *	bench-<alloc> prodcons PAIRS SIZE ITERS
 *		PAIRS producer threads allocate ITERS objects each and pass
 *		them through a private SPSC ring to their consumer thread,
 *		which frees them: every free is remote
 *	bench-<alloc> mix THREADS ITERS
 *		each thread replaces a random object of its 4096-slot live set
 *		ITERS times with one of a random size (16 B .. 8 KiB, skewed
 *		small); one allocation in four is handed to the next thread,
 *		which frees it
 *
 * Output: one line of key=value pairs on stdout (see report()).  The timed
 * region is bracketed by callgrind client requests, so that
 * `valgrind --tool=callgrind --instr-atstart=no` counts exactly that
 * region (scripts/bench.py divides by the operation count).  Memory: the
 * peak RSS (VmHWM, reset through /proc/self/clear_refs just before the
 * timed region) minus the RSS at that moment, against the peak of the
 * bytes the workload itself held live.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <valgrind/callgrind.h>

#include "bench/host/shim.h"

#define CACHELINE   64
#define RING_SIZE   256 /* objects in flight per SPSC ring, power of two */
#define MIX_SLOTS   4096
#define MAX_THREADS 16

/* ---------------------------------------------------------------- misc -- */

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *msg)
{
	fprintf(stderr, "bench: %s\n", msg);
	exit(2);
}

static unsigned long parse_ul(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || end == s)
		die("bad number on the command line");
	return v;
}

/* A field of /proc/self/status in KiB ("VmRSS", "VmHWM"), or 0. */
static long status_kb(const char *field)
{
	char line[256];
	size_t n = strlen(field);
	long kb = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':') {
			kb = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

/* Reset VmHWM to the current RSS (Linux >= 4.0: "5" > clear_refs). */
static void reset_peak_rss(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);

	if (fd >= 0) {
		if (write(fd, "5", 1) != 1)
			fprintf(stderr, "bench: cannot reset VmHWM\n");
		close(fd);
	}
}

static inline uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* Keep the compiler from pairing up and deleting malloc/free. */
static inline void escape(void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

static inline void spin_or_yield(unsigned int *spins)
{
	if (++*spins < 64) {
		__builtin_ia32_pause();
	} else {
		*spins = 0;
		sched_yield();
	}
}

/* ---------------------------------------------------- SPSC ring buffer -- */

struct ring {
	_Alignas(CACHELINE) _Atomic size_t head; /* consumer's */
	_Alignas(CACHELINE) _Atomic size_t tail; /* producer's */
	_Alignas(CACHELINE) void *slot[RING_SIZE];
};

/* Producer side.  Release: the object's contents before the index. */
static bool ring_push(struct ring *r, void *p)
{
	size_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);

	if (t - atomic_load_explicit(&r->head, memory_order_acquire) ==
	    RING_SIZE)
		return false;
	r->slot[t & (RING_SIZE - 1)] = p;
	atomic_store_explicit(&r->tail, t + 1, memory_order_release);
	return true;
}

/* Consumer side.  Acquire pairs with the producer's release. */
static void *ring_pop(struct ring *r)
{
	size_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
	void *p;

	if (h == atomic_load_explicit(&r->tail, memory_order_acquire))
		return NULL;
	p = r->slot[h & (RING_SIZE - 1)];
	atomic_store_explicit(&r->head, h + 1, memory_order_release);
	return p;
}

/* ---------------------------------------------- a start/stop barrier ----- */

static pthread_barrier_t barrier;

/* ----------------------------------------------------------- reporting -- */

struct result {
	const char *workload;
	unsigned long size; /* 0: mixed sizes */
	unsigned int threads;
	unsigned long ops;
	double seconds;
	long rss_before_kb;
	long peak_kb;
	long requested_peak_bytes;
};

static void report(const struct result *r)
{
	long held = r->peak_kb - r->rss_before_kb;

	printf("alloc=%s workload=%s size=%lu threads=%u ops=%lu seconds=%.6f "
	       "ns_per_op=%.3f mops=%.3f held_kb=%ld requested_kb=%ld\n",
	       BENCH_ALLOC_NAME, r->workload, r->size, r->threads, r->ops,
	       r->seconds, r->seconds * 1e9 / (double)r->ops,
	       (double)r->ops / r->seconds / 1e6, held < 0 ? 0 : held,
	       (r->requested_peak_bytes + 1023) / 1024);
}

/*
 * The timed region of a multi-threaded workload, run by the main thread:
 * the workers wait at the barrier once when ready, once to start together,
 * and once when done.  Memory and instructions are counted in between.
 */
static void time_workers(struct result *r)
{
	double t0;

	pthread_barrier_wait(&barrier);
	reset_peak_rss();
	r->rss_before_kb = status_kb("VmRSS");
	CALLGRIND_START_INSTRUMENTATION;
	t0 = now_sec();
	pthread_barrier_wait(&barrier);
	pthread_barrier_wait(&barrier);
	r->seconds = now_sec() - t0;
	CALLGRIND_STOP_INSTRUMENTATION;
	r->peak_kb = status_kb("VmHWM");
}

/* ---------------------------------------------------------------- pair -- */

static void run_pair(unsigned long size, unsigned long iters)
{
	struct result r = { "pair", size, 1, iters, 0, 0, 0, (long)size };
	unsigned long i, warm = iters / 10 + 1000;
	double t0;

	bench_global_init(1);
	bench_thread_init(0);
	for (i = 0; i < warm; i++) {
		void *p = bench_alloc(size);

		escape(p);
		bench_free(p);
	}
	reset_peak_rss();
	r.rss_before_kb = status_kb("VmRSS");
	t0 = now_sec();
	CALLGRIND_START_INSTRUMENTATION;
	for (i = 0; i < iters; i++) {
		void *p = bench_alloc(size);

		escape(p);
		bench_free(p);
	}
	CALLGRIND_STOP_INSTRUMENTATION;
	r.seconds = now_sec() - t0;
	r.peak_kb = status_kb("VmHWM");
	bench_thread_exit();
	report(&r);
}

/* ------------------------------------------------- producer / consumer -- */

struct pc_arg {
	unsigned int index;
	struct ring *ring;
	unsigned long size;
	unsigned long iters;
	bool producer;
};

static void *pc_thread(void *argp)
{
	struct pc_arg *a = argp;
	unsigned long i;
	unsigned int spins = 0;

	bench_thread_init(a->index);
	pthread_barrier_wait(&barrier);
	pthread_barrier_wait(&barrier);
	if (a->producer) {
		for (i = 0; i < a->iters; i++) {
			uint64_t *p = bench_alloc(a->size);

			if (!p)
				die("allocation failed");
			p[0] = i;
			while (!ring_push(a->ring, p))
				spin_or_yield(&spins);
		}
	} else {
		for (i = 0; i < a->iters; i++) {
			uint64_t *p;

			while (!(p = ring_pop(a->ring)))
				spin_or_yield(&spins);
			if (p[0] != i)
				die("producer/consumer: object out of order");
			bench_free(p);
		}
	}
	pthread_barrier_wait(&barrier);
	bench_thread_exit();
	return NULL;
}

static void run_prodcons(unsigned int pairs, unsigned long size,
			 unsigned long iters)
{
	unsigned int n = 2 * pairs, i;
	struct result r = {
		"prodcons", size, n, iters * pairs,
		0,	    0,	  0, (long)(pairs * (RING_SIZE + 1) * size)
	};
	pthread_t tid[MAX_THREADS];
	struct pc_arg args[MAX_THREADS];
	struct ring *rings;

	if (!pairs || n > MAX_THREADS)
		die("prodcons: 1 .. 8 pairs");
	if (posix_memalign((void **)&rings, CACHELINE, pairs * sizeof(*rings)))
		die("out of memory");
	memset(rings, 0, pairs * sizeof(*rings));
	bench_global_init(n);
	pthread_barrier_init(&barrier, NULL, n + 1);
	for (i = 0; i < n; i++) {
		args[i] = (struct pc_arg){ i, &rings[i % pairs], size, iters,
					   i < pairs };
		if (pthread_create(&tid[i], NULL, pc_thread, &args[i]))
			die("pthread_create");
	}
	time_workers(&r);
	for (i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	report(&r);
	free(rings);
}

/* ----------------------------------------------------------------- mix -- */

struct mix_thread {
	_Alignas(CACHELINE) _Atomic long live_bytes; /* written by owner only */
	unsigned int index, nthreads;
	unsigned long iters;
	struct ring *out, *in;
	long peak_live; /* thread 0's samples of the sum over threads */
};

static struct mix_thread mix_threads[MAX_THREADS];

/* 60% 16..128 B, 30% 129..1024, 9% 1025..2048, 1% 2049..8192. */
static size_t mix_size(uint64_t *rng)
{
	uint64_t r = xorshift64(rng);
	unsigned int pick = (unsigned int)(r % 100);

	r >>= 8;
	if (pick < 60)
		return 16 + (r % 113);
	if (pick < 90)
		return 129 + (r % 896);
	if (pick < 99)
		return 1025 + (r % 1024);
	return 2049 + (r % 6144);
}

static inline void mix_live_add(struct mix_thread *m, long delta)
{
	atomic_store_explicit(
		&m->live_bytes,
		atomic_load_explicit(&m->live_bytes, memory_order_relaxed) +
			delta,
		memory_order_relaxed);
}

static void mix_sample(struct mix_thread *m)
{
	long sum = 0;
	unsigned int t;

	for (t = 0; t < m->nthreads; t++)
		sum += atomic_load_explicit(&mix_threads[t].live_bytes,
					    memory_order_relaxed);
	if (sum > m->peak_live)
		m->peak_live = sum;
}

/* Objects carry their size in the first word, so any thread can account. */
static void mix_release(struct mix_thread *m, uint64_t *p)
{
	mix_live_add(m, -(long)p[0]);
	bench_free(p);
}

static void *mix_thread_fn(void *argp)
{
	struct mix_thread *m = argp;
	uint64_t *slot[MIX_SLOTS] = { NULL };
	uint64_t rng = 0x9e3779b97f4a7c15ull * (m->index + 1);
	unsigned long i;
	unsigned int k;
	void *q;

	bench_thread_init(m->index);
	pthread_barrier_wait(&barrier);
	pthread_barrier_wait(&barrier);
	for (i = 0; i < m->iters; i++) {
		unsigned int s = (unsigned int)(xorshift64(&rng) % MIX_SLOTS);
		size_t size = mix_size(&rng);
		uint64_t *p;

		if (slot[s])
			mix_release(m, slot[s]);
		p = bench_alloc(size);
		if (!p)
			die("allocation failed");
		p[0] = size;
		mix_live_add(m, (long)size);
		slot[s] = p;
		/* One in four goes to the next thread, which frees it. */
		if (m->out && (xorshift64(&rng) & 3) == 0 &&
		    ring_push(m->out, p))
			slot[s] = NULL;
		for (k = 0; k < 2 && m->in && (q = ring_pop(m->in)); k++)
			mix_release(m, q);
		if (m->index == 0 && (i & 63) == 0)
			mix_sample(m);
	}
	/* Nothing is pushed after this barrier: the rings can be emptied. */
	pthread_barrier_wait(&barrier);
	if (m->index == 0)
		mix_sample(m);
	for (k = 0; k < MIX_SLOTS; k++)
		if (slot[k])
			mix_release(m, slot[k]);
	while (m->in && (q = ring_pop(m->in)))
		mix_release(m, q);
	pthread_barrier_wait(&barrier);
	bench_thread_exit();
	return NULL;
}

static void run_mix(unsigned int nthreads, unsigned long iters)
{
	struct result r = { "mix", 0, nthreads, iters * nthreads, 0, 0, 0, 0 };
	pthread_t tid[MAX_THREADS];
	struct ring *rings;
	unsigned int i;

	if (!nthreads || nthreads > MAX_THREADS)
		die("mix: 1 .. 16 threads");
	if (posix_memalign((void **)&rings, CACHELINE,
			   nthreads * sizeof(*rings)))
		die("out of memory");
	memset(rings, 0, nthreads * sizeof(*rings));
	bench_global_init(nthreads);
	pthread_barrier_init(&barrier, NULL, nthreads + 1);
	for (i = 0; i < nthreads; i++) {
		struct mix_thread *m = &mix_threads[i];

		m->index = i;
		m->nthreads = nthreads;
		m->iters = iters;
		/* Ring i carries thread i's objects to thread i+1. */
		m->out = nthreads > 1 ? &rings[i] : NULL;
		m->in = nthreads > 1 ? &rings[(i + nthreads - 1) % nthreads]
				     : NULL;
		if (pthread_create(&tid[i], NULL, mix_thread_fn, m))
			die("pthread_create");
	}
	time_workers(&r);
	pthread_barrier_wait(&barrier);
	for (i = 0; i < nthreads; i++)
		pthread_join(tid[i], NULL);
	r.requested_peak_bytes = mix_threads[0].peak_live;
	report(&r);
	free(rings);
}

/* ---------------------------------------------------------------- main -- */

static void usage(void)
{
	fprintf(stderr,
		"usage: %s\n"
		"  pair SIZE ITERS\n"
		"  prodcons PAIRS SIZE ITERS\n"
		"  mix THREADS ITERS\n",
		"bench-" BENCH_ALLOC_NAME);
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "pair") && argc == 4)
		run_pair(parse_ul(argv[2]), parse_ul(argv[3]));
	else if (!strcmp(argv[1], "prodcons") && argc == 5)
		run_prodcons((unsigned int)parse_ul(argv[2]), parse_ul(argv[3]),
			     parse_ul(argv[4]));
	else if (!strcmp(argv[1], "mix") && argc == 4)
		run_mix((unsigned int)parse_ul(argv[2]), parse_ul(argv[3]));
	else
		usage();
	return 0;
}
