// SPDX-License-Identifier: MIT
/*
 * The stress workload (see stress.h).
 *
 * Who owns what:
 *  - struct stress_hart: written only by its own hart while the run is on;
 *    the boot hart reads it after smp_wait() (which acquires the worker's
 *    work_done store, so every write of the worker is visible).
 *  - struct stress_ring (from -> to): single producer (hart "from") and
 *    single consumer (hart "to").  Only the producer writes head, only the
 *    consumer writes tail; each slot belongs to the producer while
 *    head - tail < RING_SLOTS says it is free, to the consumer otherwise.
 *  - struct stress_run (run): set up by the boot hart before "go" is
 *    published (release), read-only afterwards except the atomics.
 *
 * Every object carries a pattern derived from its address and owner hart,
 * written by the allocating hart and checked by whichever hart frees it:
 * a mismatch names the hart, object, size, offset, expected and found byte.
 */
#include "kernel/stress.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>

#include "arch/riscv/csr.h"
#include "kernel/cmdline.h"
#include "kernel/hart.h"
#include "kernel/mm_settle.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "kernel/timer.h"
#include "mm/introspect.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"

#define RING_SLOTS	 128 /* power of two; rides out a descheduled vCPU */
#define POOL_SLOTS	 128 /* objects a hart keeps for itself */
#define MAX_SMALL_SHIFT	 11  /* 2048: the largest slab class */
#define MAX_LARGE_BYTES	 (64 * 1024)
#define MAX_PAGES	 16
#define BURST_TOP_ORDER	 9 /* 2 MiB blocks first, then smaller */
#define BURST_MAX_BLOCKS (1UL << 22)
#define RECOVER_ORDER	 4   /* 64 KiB must work again after a burst */
#define INJECT_AFTER	 300 /* allocations before an injection */
#define GOLDEN		 0x9e3779b97f4a7c15ULL

enum obj_kind { OBJ_KMALLOC, OBJ_PAGES };

struct obj {
	void *p;
	uint32_t size;	/* bytes (kmalloc) or pages * PAGE_SIZE */
	uint16_t owner; /* hart index of the allocator */
	uint8_t kind;
};

/*
 * head and tail are free-running 64-bit counters (no wrap in practice, so
 * no ABA: a value is never seen twice), each on its own cache line.
 */
struct stress_ring {
	_Atomic uint64_t head __attribute__((aligned(64)));
	_Atomic uint64_t tail __attribute__((aligned(64)));
	struct obj slot[RING_SLOTS] __attribute__((aligned(64)));
};

struct stress_hart {
	bool active;
	unsigned int index;
	uint32_t hartid;
	uint64_t rng;
	struct obj pool[POOL_SLOTS];
	unsigned int pool_len;
	unsigned int next_target, next_source;
	uint64_t pushed, kept; /* objects sent away, kept locally */
	uint64_t allocs, ops, frees, remote_frees, failed_allocs;
	uint32_t freed_from[PLATFORM_MAX_HARTS];
	uint64_t next_burst;
	unsigned int bursts, bursts_exhausted, bursts_recovered;
	uint64_t burst_peak_bytes, min_free_bytes, burst_ticks;
	bool injected;
	unsigned int nr_errors;
	char error[STRESS_ERROR_LEN];
} __attribute__((aligned(64)));

struct stress_run {
	struct stress_hart *harts; /* [hart_count()] */
	struct stress_ring *rings; /* [from * nr + to] */
	size_t harts_pages, rings_pages;
	unsigned int nr; /* hart_count() */
	unsigned int nr_active;
	unsigned int inject_index; /* the hart that injects */
	enum stress_inject inject;
	uint64_t deadline, burst_interval;
	/* Polled by the launching hart only; stop tells every hart. */
	bool (*interrupted)(void);
	unsigned int launcher;
	uint64_t next_poll;
	_Atomic int stop;
	_Atomic int go;
	_Atomic unsigned int producers_done;
	_Atomic int bursting;
};

static struct stress_run run;

static const char *const inject_names[] = {
	[STRESS_INJECT_NONE] = "none",
	[STRESS_INJECT_CORRUPT] = "corrupt",
	[STRESS_INJECT_LEAK] = "leak",
	[STRESS_INJECT_NODRAIN] = "nodrain",
	[STRESS_INJECT_DOUBLEFREE] = "doublefree",
	[STRESS_INJECT_HANG] = "hang",
	[STRESS_INJECT_NOPOST] = "nopost",
};

enum stress_inject stress_inject_from_cmdline(void)
{
	char buf[16];
	unsigned int i;

	if (!cmdline_get("inject", buf, sizeof(buf)))
		return STRESS_INJECT_NONE;
	for (i = 0; i < ARRAY_SIZE(inject_names); i++)
		if (!strcmp(buf, inject_names[i]))
			return i;
	printk("stress: unknown inject=%s, ignored\n", buf);
	return STRESS_INJECT_NONE;
}

const char *stress_inject_name(enum stress_inject inject)
{
	return inject < ARRAY_SIZE(inject_names) ? inject_names[inject] : "?";
}

static uint64_t rnd(struct stress_hart *sh)
{
	uint64_t x = sh->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	sh->rng = x;
	return x;
}

static void progress(void)
{
	atomic_fetch_add_explicit(&this_hart()->heartbeat, 1,
				  memory_order_relaxed);
}

static void set_doing(const char *what)
{
	*(const char *volatile *)&this_hart()->doing = what;
}

static void __printf(2, 3)
	record_error(struct stress_hart *sh, const char *fmt, ...)
{
	va_list ap;

	if (sh->nr_errors++)
		return;
	va_start(ap, fmt);
	vsnprintf(sh->error, sizeof(sh->error), fmt, ap);
	va_end(ap);
}

/* ---- patterns ---- */

static uint64_t pattern_seed(const void *p, unsigned int owner)
{
	uint64_t x = (uintptr_t)p ^ ((uint64_t)(owner + 1) << 52);

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static uint8_t pattern_byte(uint64_t seed, size_t i)
{
	return (uint8_t)((seed + (i / 8) * GOLDEN) >> ((i % 8) * 8));
}

static void pattern_fill(void *p, size_t size, unsigned int owner)
{
	uint64_t seed = pattern_seed(p, owner);
	uint64_t *w = p;
	size_t i, words = (uintptr_t)p % 8 ? 0 : size / 8;

	for (i = 0; i < words; i++)
		w[i] = seed + i * GOLDEN; /* little endian: = pattern_byte */
	for (i = words * 8; i < size; i++)
		((uint8_t *)p)[i] = pattern_byte(seed, i);
}

/* Offset of the first wrong byte, or -1 when the whole object is right. */
static long pattern_check(const void *p, size_t size, unsigned int owner)
{
	uint64_t seed = pattern_seed(p, owner);
	const uint64_t *w = p;
	const uint8_t *b = p;
	size_t i, words = (uintptr_t)p % 8 ? 0 : size / 8;

	for (i = 0; i < words; i++)
		if (w[i] != seed + i * GOLDEN)
			break;
	for (i *= 8; i < size; i++)
		if (b[i] != pattern_byte(seed, i))
			return (long)i;
	return -1;
}

/* The checker itself must catch a flipped byte at either end. */
bool stress_pattern_selftest(char *why, size_t len)
{
	static uint64_t buf[40];
	size_t sizes[] = { 1, 7, 8, 13, 64, 317 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		uint8_t *p = (uint8_t *)buf + (i & 1);
		size_t n = sizes[i];
		long bad;

		pattern_fill(p, n, i);
		bad = pattern_check(p, n, i);
		if (bad >= 0) {
			snprintf(why, len, "size %zu: clean fill fails at %ld",
				 n, bad);
			return false;
		}
		if (pattern_check(p, n, i + 1) < 0) {
			snprintf(why, len, "size %zu: other owner not seen", n);
			return false;
		}
		p[n - 1] ^= 0x10;
		if (pattern_check(p, n, i) != (long)(n - 1)) {
			snprintf(why, len, "size %zu: last byte flip missed",
				 n);
			return false;
		}
	}
	return true;
}

/* ---- objects ---- */

/* Sizes spread evenly over every doubling 1..2048, 1 in 32 large. */
static bool alloc_object(struct stress_hart *sh, struct obj *o)
{
	uint64_t r = rnd(sh);

	o->owner = sh->index;
	if (r % 32 == 0 && (r >> 5) & 1) {
		unsigned int pages = 1 + (r >> 8) % MAX_PAGES;

		o->kind = OBJ_PAGES;
		o->size = pages * PAGE_SIZE;
		o->p = alloc_pages(pages, GFP_KERNEL);
	} else {
		unsigned int shift = 1 + (r >> 8) % MAX_SMALL_SHIFT;
		uint64_t span = 1UL << (shift - 1);

		if (r % 32 == 0)
			o->size = 2049 + (r >> 16) % (MAX_LARGE_BYTES - 2048);
		else
			o->size = span + 1 + (r >> 16) % span;
		o->kind = OBJ_KMALLOC;
		o->p = kmalloc(o->size, GFP_KERNEL);
		if (o->p && ksize(o->p) < o->size)
			record_error(sh, "hart %u: ksize(%p) = %zu < %u",
				     sh->hartid, o->p, ksize(o->p), o->size);
	}
	if (!o->p) {
		sh->failed_allocs++;
		return false;
	}
	pattern_fill(o->p, o->size, o->owner);
	sh->allocs++;
	sh->ops++;
	return true;
}

static void release(const struct obj *o)
{
	if (o->kind == OBJ_PAGES)
		free_pages(o->p);
	else
		kfree(o->p);
}

static void free_object(struct stress_hart *sh, const struct obj *o)
{
	long bad = pattern_check(o->p, o->size, o->owner);

	if (bad >= 0) {
		const uint8_t *b = o->p;

		record_error(sh,
			     "hart %u: object %p (size %u, allocated by "
			     "hart %u) byte %ld: expected 0x%02x found 0x%02x",
			     sh->hartid, o->p, o->size,
			     run.harts[o->owner].hartid, bad,
			     pattern_byte(pattern_seed(o->p, o->owner), bad),
			     b[bad]);
	}
	release(o);
	sh->ops++;
	sh->frees++;
	if (o->owner != sh->index) {
		sh->remote_frees++;
		sh->freed_from[o->owner]++;
		if (run.inject == STRESS_INJECT_NOPOST && !sh->injected &&
		    sh->index == run.inject_index &&
		    sh->allocs >= INJECT_AFTER && o->kind != OBJ_PAGES) {
			/*
			 * The batches gathered so far are never posted: lost.
			 * Nothing may be pending yet (a tick just posted it,
			 * or this object took the per-object path): then try
			 * again at the next remote free.
			 */
			unsigned long lost = mm_debug_drop_pending();

			if (lost) {
				sh->injected = true;
				printk("stress: injected nopost: %lu bytes of "
				       "remote frees dropped on hart %u\n",
				       lost, sh->hartid);
			}
		}
	}
}

/* ---- rings ---- */

static struct stress_ring *ring(unsigned int from, unsigned int to)
{
	return &run.rings[from * run.nr + to];
}

/*
 * Producer.  The acquire load of tail pairs with the consumer's release
 * store of tail: the consumer's reads of a slot happen before we overwrite
 * it.  The release store of head publishes the slot's contents (and the
 * object's pattern, written before) to the consumer's acquire load.
 */
static bool ring_push(struct stress_ring *r, const struct obj *o)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	if (head - tail == RING_SLOTS)
		return false;
	r->slot[head % RING_SLOTS] = *o;
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
	return true;
}

/* Consumer: the mirror image of ring_push(). */
static bool ring_pop(struct stress_ring *r, struct obj *o)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);

	if (head == tail)
		return false;
	*o = r->slot[tail % RING_SLOTS];
	atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
	return true;
}

/* The next active hart after @i, cyclically (never @i itself if n > 1). */
static unsigned int next_active(unsigned int i)
{
	unsigned int j;

	for (j = 1; j <= run.nr; j++) {
		unsigned int k = (i + j) % run.nr;

		if (run.harts[k].active)
			return k;
	}
	return i;
}

/* What waits from @from, at most one ringful (the producer goes on). */
static void consume_from(struct stress_hart *sh, unsigned int from)
{
	unsigned int n;
	struct obj o;

	for (n = 0; n < RING_SLOTS && ring_pop(ring(from, sh->index), &o); n++)
		free_object(sh, &o);
}

/* One source per round, in turn. */
static void consume_one_source(struct stress_hart *sh)
{
	unsigned int from = next_active(sh->next_source);

	sh->next_source = from;
	if (from != sh->index)
		consume_from(sh, from);
}

static void consume_all(struct stress_hart *sh)
{
	unsigned int i;

	for (i = 0; i < run.nr; i++)
		if (i != sh->index && run.harts[i].active)
			consume_from(sh, i);
}

/* ---- the local pool ---- */

static void pool_free_random(struct stress_hart *sh)
{
	unsigned int i;

	if (!sh->pool_len)
		return;
	i = rnd(sh) % sh->pool_len;
	free_object(sh, &sh->pool[i]);
	sh->pool[i] = sh->pool[--sh->pool_len];
}

static void pool_put(struct stress_hart *sh, const struct obj *o)
{
	if (sh->pool_len == POOL_SLOTS)
		pool_free_random(sh);
	sh->pool[sh->pool_len++] = *o;
}

/* ---- exhaustion bursts ---- */

/*
 * Take blocks from the largest order down until even one page fails: a
 * clean NULL.  Blocks are chained through their first word and tagged (not
 * filled: filling gigabytes would take the whole run) with a seed at both
 * ends, checked when they go back.
 */
static void *burst_take(struct stress_hart *sh, uint64_t *held)
{
	unsigned int order = BURST_TOP_ORDER;
	unsigned long n = 0;
	void *chain = NULL;

	while (n < BURST_MAX_BLOCKS) {
		uint64_t *p = alloc_pages_order(order, GFP_KERNEL);
		size_t words = (PAGE_SIZE << order) / 8;

		progress();
		if (!p) {
			if (!order--)
				break;
			continue;
		}
		p[0] = (uintptr_t)chain;
		p[1] = order;
		p[2] = pattern_seed(p, sh->index);
		p[words - 1] = ~p[2];
		chain = p;
		*held += PAGE_SIZE << order;
		n++;
	}
	if (n < BURST_MAX_BLOCKS)
		sh->bursts_exhausted++;
	return chain;
}

static void burst_give_back(struct stress_hart *sh, void *chain)
{
	while (chain) {
		uint64_t *p = chain;
		size_t words = (PAGE_SIZE << (p[1] & 63)) / 8;

		chain = (void *)(uintptr_t)p[0];
		if (p[1] > BURST_TOP_ORDER ||
		    p[2] != pattern_seed(p, sh->index) ||
		    p[words - 1] != ~p[2]) {
			record_error(sh, "hart %u: burst block %p tag damaged",
				     sh->hartid, p);
			return; /* the chain is not trustworthy any more */
		}
		free_pages(p);
		progress();
	}
}

static void burst(struct stress_hart *sh)
{
	const char *was = this_hart()->doing;
	struct mm_totals t;
	uint64_t held = 0;
	unsigned int tries;
	uint64_t t0 = time_now();
	void *chain, *p = NULL;

	set_doing("stress: exhaustion burst");
	sh->bursts++;
	chain = burst_take(sh, &held);
	mm_get_totals(&t);
	if (t.free_bytes < sh->min_free_bytes)
		sh->min_free_bytes = t.free_bytes;
	if (held > sh->burst_peak_bytes)
		sh->burst_peak_bytes = held;
	burst_give_back(sh, chain);
	/* Other harts may race for what came back: a few tries. */
	for (tries = 0; tries < 4 && !p; tries++)
		p = alloc_pages_order(RECOVER_ORDER, GFP_KERNEL);
	if (p) {
		sh->bursts_recovered++;
		free_pages(p);
	} else {
		record_error(sh,
			     "hart %u: no 64 KiB block after a burst gave "
			     "back %llu bytes",
			     sh->hartid, (unsigned long long)held);
	}
	sh->burst_ticks += time_now() - t0;
	set_doing(was);
}

/*
 * One burst at a time: two harts exhausting memory together would each
 * see the other's hoard as a failed recovery.  Late bursts simply wait
 * for the next round.
 */
static bool burst_claim(void)
{
	int idle = 0;

	return atomic_compare_exchange_strong_explicit(&run.bursting, &idle, 1,
						       memory_order_acquire,
						       memory_order_relaxed);
}

/* ---- injections ---- */

static void __noreturn inject_hang(void)
{
	set_doing("stress: injected hang");
	/* With interrupts off only another hart's watchdog can see it. */
	if (run.nr_active > 1)
		irq_disable();
	for (;;)
		cpu_relax();
}

/* Returns true when @o was consumed by the injection. */
static bool maybe_inject(struct stress_hart *sh, struct obj *o)
{
	if (sh->injected || sh->index != run.inject_index ||
	    sh->allocs < INJECT_AFTER)
		return false;
	switch (run.inject) {
	case STRESS_INJECT_CORRUPT:
		((uint8_t *)o->p)[o->size / 2] ^= 0x5a;
		break;
	case STRESS_INJECT_LEAK:
		sh->injected = true;
		return true; /* dropped: nobody frees it */
	case STRESS_INJECT_DOUBLEFREE:
		sh->injected = true;
		free_object(sh, o);
		release(o);
		return true;
	case STRESS_INJECT_HANG:
		inject_hang();
	default:
		return false;
	}
	sh->injected = true;
	return false;
}

/* ---- one hart's run ---- */

/*
 * The next peer whose ring from us has room, or NULL when every ring is
 * full (their consumers are behind: let them catch up rather than free
 * locally, which would dilute the share of remote frees).
 */
static struct stress_ring *next_ring_with_room(struct stress_hart *sh)
{
	unsigned int i;

	for (i = 1; i < run.nr_active; i++) {
		unsigned int to = next_active(sh->next_target);
		struct stress_ring *r;

		if (to == sh->index)
			to = next_active(to);
		sh->next_target = to;
		r = ring(sh->index, to);
		/* A stale tail only underestimates the room: harmless. */
		if (atomic_load_explicit(&r->head, memory_order_relaxed) -
			    atomic_load_explicit(&r->tail,
						 memory_order_relaxed) <
		    RING_SLOTS)
			return r;
	}
	return NULL;
}

/*
 * For every three objects sent to other harts one stays in the local pool
 * (where it replaces a random older one once the pool is full): so three
 * frees in four are remote, however the host schedules the harts.  When
 * every ring is full the hart only consumes, letting its peers catch up.
 */
static void one_round(struct stress_hart *sh)
{
	bool keep = run.nr_active == 1 || sh->kept * 3 < sh->pushed;
	struct stress_ring *r = keep ? NULL : next_ring_with_room(sh);
	struct obj o;

	if ((keep || r) && alloc_object(sh, &o) && !maybe_inject(sh, &o)) {
		if (!keep && ring_push(r, &o)) {
			sh->pushed++;
		} else {
			pool_put(sh, &o);
			sh->kept++;
		}
	}
	consume_one_source(sh);
	if (time_now() >= sh->next_burst && burst_claim()) {
		sh->next_burst += run.burst_interval * run.nr_active;
		burst(sh);
		atomic_store_explicit(&run.bursting, 0, memory_order_release);
	}
}

/*
 * After its deadline a hart stops producing and says so (release).  Once
 * it has seen every producer done (acquire), everything they pushed is
 * visible, so one more sweep empties its incoming rings for good.
 */
static void final_sweep(struct stress_hart *sh)
{
	bool all_done;

	atomic_fetch_add_explicit(&run.producers_done, 1, memory_order_release);
	do {
		all_done = atomic_load_explicit(&run.producers_done,
						memory_order_acquire) ==
			   run.nr_active;
		consume_all(sh);
		progress();
	} while (!all_done);
	while (sh->pool_len)
		pool_free_random(sh);
}

static void stress_worker(void *arg)
{
	struct stress_hart *sh = &run.harts[this_hart()->index];

	while (!atomic_load_explicit(&run.go, memory_order_acquire))
		cpu_relax();
	if (!sh->active)
		return;
	set_doing("stress: workload");
	/*
	 * stop is a flag and nothing else (relaxed): what the harts hand each
	 * other is ordered by the producers_done handshake of final_sweep(),
	 * which follows the same way as at the deadline.
	 */
	while (time_now() < run.deadline &&
	       !atomic_load_explicit(&run.stop, memory_order_relaxed)) {
		one_round(sh);
		progress();
		if (sh->index == run.launcher && run.interrupted &&
		    time_now() >= run.next_poll) {
			run.next_poll = time_now() + time_us_to_ticks(10000);
			if (run.interrupted())
				atomic_store_explicit(&run.stop, 1,
						      memory_order_relaxed);
		}
	}
	set_doing("stress: final sweep");
	final_sweep(sh);
	set_doing(NULL);
}

/* ---- set-up, the run, the verdict ---- */

/*
 * mm panics on a bad free by default; in counting mode it reports and
 * counts instead, so the run finishes and the suite says what it saw.
 */
static void bad_use_counting(bool on)
{
	mm_set_bad_use_mode(on ? MM_BAD_USE_COUNT : MM_BAD_USE_PANIC);
}

static size_t pages_for(size_t bytes)
{
	return (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
}

/* The run's own state, allocated before the "before" count is taken. */
static bool setup(void)
{
	run.nr = hart_count();
	run.harts_pages = pages_for(run.nr * sizeof(*run.harts));
	run.rings_pages = pages_for(run.nr * run.nr * sizeof(*run.rings));
	run.harts = alloc_pages(run.harts_pages, __GFP_ZERO);
	run.rings = alloc_pages(run.rings_pages, __GFP_ZERO);
	return run.harts && run.rings;
}

static void teardown(void)
{
	if (run.harts)
		free_pages(run.harts);
	if (run.rings)
		free_pages(run.rings);
	run.harts = NULL;
	run.rings = NULL;
}

static uint64_t free_bytes(bool drain)
{
	struct mm_totals t;

	if (drain)
		return mm_settled_free_bytes();
	mm_get_totals(&t);
	return t.free_bytes;
}

static void prepare_hart(struct stress_hart *sh, unsigned int i, uint64_t start,
			 unsigned int pos)
{
	sh->active = true;
	sh->index = i;
	sh->hartid = hart_by_index(i)->hartid;
	sh->rng = pattern_seed(sh, i) | 1;
	sh->next_target = i;
	sh->next_source = i;
	sh->min_free_bytes = UINT64_MAX;
	sh->next_burst = start + run.burst_interval * (pos + 1);
}

/* Post the worker to every online hart, then start them all at once. */
static void launch(unsigned int seconds, bool bursts, bool *started)
{
	unsigned int i, self = this_hart()->index, pos = 0;
	uint64_t start, ms = seconds * 1000ULL;

	run.burst_interval =
		time_us_to_ticks(1000 * (ms / 4 < 100	 ? 100
					 : ms / 4 > 8000 ? 8000
							 : ms / 4));
	/* Never due: start + interval * (pos + 1) stays far from overflow. */
	if (!bursts)
		run.burst_interval = UINT64_MAX / (4 * PLATFORM_MAX_HARTS);
	atomic_store(&run.go, 0);
	atomic_store(&run.stop, 0);
	run.launcher = self;
	run.next_poll = 0;
	atomic_store(&run.producers_done, 0);
	atomic_store(&run.bursting, 0);
	for (i = 0; i < run.nr; i++)
		started[i] =
			i != self && smp_run_on(i, stress_worker, NULL) == 0;
	started[self] = true;
	start = time_now();
	run.deadline = start + time_us_to_ticks(ms * 1000);
	for (i = 0; i < run.nr; i++) {
		if (!started[i])
			continue;
		prepare_hart(&run.harts[i], i, start, pos++);
		run.inject_index = i; /* the last one: not the boot hart */
	}
	run.nr_active = pos;
	atomic_store_explicit(&run.go, 1, memory_order_release);
	stress_worker(NULL);
	for (i = 0; i < run.nr; i++)
		if (started[i] && i != self)
			smp_wait(i);
}

static void add_hart(struct stress_result *r, const struct stress_hart *sh,
		     const struct stress_opts *o)
{
	o->say("stress: hart=%u ops=%llu remote_frees=%llu failed_allocs=%llu",
	       sh->hartid, (unsigned long long)sh->ops,
	       (unsigned long long)sh->remote_frees,
	       (unsigned long long)sh->failed_allocs);
	r->ops += sh->ops;
	r->remote_frees += sh->remote_frees;
	r->frees += sh->frees;
	r->failed_allocs += sh->failed_allocs;
	r->bursts += sh->bursts;
	r->bursts_exhausted += sh->bursts_exhausted;
	r->bursts_recovered += sh->bursts_recovered;
	if (sh->burst_peak_bytes > r->burst_peak_bytes)
		r->burst_peak_bytes = sh->burst_peak_bytes;
	r->burst_us += sh->burst_ticks * 1000000 / timer_frequency();
	if (sh->min_free_bytes < r->min_free_bytes)
		r->min_free_bytes = sh->min_free_bytes;
	if (sh->nr_errors && r->nr_errors < STRESS_MAX_ERRORS)
		memcpy(r->errors[r->nr_errors], sh->error, STRESS_ERROR_LEN);
	r->nr_errors += sh->nr_errors;
}

/* Every hart must have freed something from every other hart. */
static void check_pairs(struct stress_result *r)
{
	unsigned int from, to;

	for (to = 0; to < run.nr; to++) {
		const struct stress_hart *sh = &run.harts[to];

		for (from = 0; from < run.nr && sh->active; from++) {
			if (from == to || !run.harts[from].active ||
			    sh->freed_from[from])
				continue;
			if (!r->pairs_missing++) {
				r->missing_from = run.harts[from].hartid;
				r->missing_to = sh->hartid;
			}
		}
	}
}

static void summarize(struct stress_result *r, const struct stress_opts *o)
{
	uint64_t cs = r->elapsed_us / 10000;
	unsigned int i;

	r->min_free_bytes = UINT64_MAX;
	for (i = 0; i < run.nr; i++)
		if (run.harts[i].active)
			add_hart(r, &run.harts[i], o);
	if (r->min_free_bytes == UINT64_MAX)
		r->min_free_bytes = 0;
	check_pairs(r);
	o->say("stress: total ops=%llu remote_frees=%llu failed_allocs=%llu "
	       "seconds=%llu.%02llu ops_per_sec=%llu",
	       (unsigned long long)r->ops, (unsigned long long)r->remote_frees,
	       (unsigned long long)r->failed_allocs,
	       (unsigned long long)(cs / 100), (unsigned long long)(cs % 100),
	       r->elapsed_us
		       ? (unsigned long long)(r->ops * 1000000 / r->elapsed_us)
		       : 0ULL);
	o->say("stress: harts=%u frees=%llu remote_share=%llu%% bursts=%u "
	       "exhausted=%u recovered=%u burst_ms=%llu burst_peak_kib=%llu "
	       "min_free_kib=%llu",
	       r->nr_harts, (unsigned long long)r->frees,
	       r->frees ? (unsigned long long)(r->remote_frees * 100 / r->frees)
			: 0ULL,
	       r->bursts, r->bursts_exhausted, r->bursts_recovered,
	       (unsigned long long)(r->burst_us / 1000),
	       (unsigned long long)(r->burst_peak_bytes >> 10),
	       (unsigned long long)(r->min_free_bytes >> 10));
}

bool stress_run(const struct stress_opts *o, struct stress_result *r)
{
	bool started[PLATFORM_MAX_HARTS];
	unsigned long bad_before;
	uint64_t t0;

	memset(r, 0, sizeof(*r));
	if (!setup()) {
		teardown();
		snprintf(r->errors[0], STRESS_ERROR_LEN,
			 "no memory for the run's own state");
		r->nr_errors = 1;
		return false;
	}
	run.inject = o->inject;
	run.interrupted = o->interrupted;
	bad_use_counting(true);
	bad_before = mm_bad_use_count();
	r->free_before = free_bytes(true);
	t0 = time_us();
	launch(o->seconds, !o->no_bursts, started);
	r->elapsed_us = time_us() - t0;
	r->ran = true;
	r->interrupted = atomic_load(&run.stop);
	if (r->interrupted)
		o->say("stress: interrupted after %llu ms of %u s; every hart "
		       "stopped and gave back what it held",
		       (unsigned long long)(r->elapsed_us / 1000), o->seconds);
	r->nr_harts = run.nr_active;
	r->drained = o->inject != STRESS_INJECT_NODRAIN;
	r->free_after = free_bytes(r->drained);
	r->bad_frees = mm_bad_use_count() - bad_before;
	bad_use_counting(false);
	summarize(r, o);
	teardown();
	return !r->nr_errors && !r->bad_frees &&
	       r->free_after == r->free_before;
}
