// SPDX-License-Identifier: MIT
/*
 * Named caches under ThreadSanitizer: NR_HARTS threads allocate from three
 * caches (one with a constructor, one aligned to 128 bytes, one merged
 * pair), singly and in bulk, and hand most objects to other threads through
 * single-producer single-consumer rings, so most frees are remote frees
 * into a cache's slabs.  Meanwhile the main thread, as one more hart,
 * creates, uses and destroys a scratch cache again and again, so that the
 * registry of geometries changes while the harts' drains walk it.  At the
 * end every thread drains, every cache is destroyed (which must succeed)
 * and the accounting invariant is checked.  A race makes TSan fail it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/types.h"
#include "mm/cache.h"
#include "mm/introspect.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/port.h"
#include "tests/host/mm_fixture.h"

#define NR_HARTS  4
#define RING	  1024
#define RUN_NS	  (1 * 1000000000L)
#define NR_CACHES 4
#define BULK	  16

struct msg {
	void *p;
	unsigned int cache;
};

struct ring {
	_Atomic unsigned long head, tail;
	struct msg slot[RING];
};

static struct ring rings[NR_HARTS][NR_HARTS];
static struct kmem_cache *caches[NR_CACHES];
static const size_t sizes[NR_CACHES] = { 48, 200, 96, 90 };
static atomic_bool stop;
static pthread_barrier_t barrier;
static atomic_ulong errors, sent, scratch_rounds;

#define CTOR_MAGIC 0x5ca1ab1e0ddf00dULL

static void ctor(void *p)
{
	memset(p, 0, sizes[0]);
	*(uint64_t *)p = CTOR_MAGIC;
}

static unsigned char pattern(const void *p, size_t i)
{
	return (unsigned char)(((uintptr_t)p >> 3) ^ (i * 13));
}

/* Cache 0 keeps its constructed first word; the others are scribbled. */
static void fill(void *p, unsigned int c)
{
	size_t i;

	if (*(uint64_t *)p != CTOR_MAGIC && c == 0)
		atomic_fetch_add(&errors, 1);
	for (i = c == 0 ? 8 : 0; i < sizes[c]; i++)
		((unsigned char *)p)[i] = pattern(p, i);
}

static void check(void *p, unsigned int c)
{
	size_t i;

	for (i = c == 0 ? 8 : 0; i < sizes[c]; i++)
		if (((unsigned char *)p)[i] != pattern(p, i)) {
			atomic_fetch_add(&errors, 1);
			break;
		}
	if (c == 0) /* back to its constructed state before the free */
		memset((char *)p + 8, 0, sizes[0] - 8);
}

static bool ring_push(struct ring *r, struct msg m)
{
	unsigned long t = atomic_load_explicit(&r->tail, memory_order_relaxed);

	if (t - atomic_load_explicit(&r->head, memory_order_acquire) == RING)
		return false;
	r->slot[t % RING] = m;
	atomic_store_explicit(&r->tail, t + 1, memory_order_release);
	return true;
}

static bool ring_pop(struct ring *r, struct msg *m)
{
	unsigned long h = atomic_load_explicit(&r->head, memory_order_relaxed);

	if (h == atomic_load_explicit(&r->tail, memory_order_acquire))
		return false;
	*m = r->slot[h % RING];
	atomic_store_explicit(&r->head, h + 1, memory_order_release);
	return true;
}

static void drain_incoming(unsigned int me)
{
	struct msg m;
	unsigned int from;

	for (from = 0; from < NR_HARTS; from++)
		while (ring_pop(&rings[from][me], &m)) {
			check(m.p, m.cache);
			kmem_cache_free(caches[m.cache], m.p);
		}
}

static void *hart_main(void *arg)
{
	unsigned int me = (unsigned int)(uintptr_t)arg, seed = me * 31 + 7;
	unsigned long iter = 0;
	void *batch[BULK];

	port_host_set_hart(me);
	mm_hart_init();
	pthread_barrier_wait(&barrier);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		unsigned int c = rand_r(&seed) % NR_CACHES, i;
		unsigned int to =
			(me + 1 + rand_r(&seed) % (NR_HARTS - 1)) % NR_HARTS;

		if (rand_r(&seed) % 8 == 0) {
			/* A local bulk round trip. */
			if (kmem_cache_alloc_bulk(caches[c], GFP_KERNEL, BULK,
						  batch) != BULK) {
				atomic_fetch_add(&errors, 1);
				break;
			}
			for (i = 0; i < BULK; i++)
				fill(batch[i], c);
			for (i = 0; i < BULK; i++)
				check(batch[i], c);
			kmem_cache_free_bulk(caches[c], BULK, batch);
		} else {
			void *p = kmem_cache_alloc(caches[c], GFP_KERNEL);

			if (!p) {
				atomic_fetch_add(&errors, 1);
				break;
			}
			fill(p, c);
			if (ring_push(&rings[me][to], (struct msg){ p, c })) {
				atomic_fetch_add(&sent, 1);
			} else {
				check(p, c);
				kmem_cache_free(caches[c], p);
			}
		}
		drain_incoming(me);
		if (++iter % 256 == 0)
			port_host_service();
	}
	pthread_barrier_wait(&barrier);
	drain_incoming(me);
	/* Post the batched remote frees before anyone's final drain. */
	mm_idle();
	pthread_barrier_wait(&barrier);
	mm_drain_this_hart(true);
	port_host_hart_offline();
	return NULL;
}

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* The main thread (hart NR_HARTS): a scratch cache's whole life. */
static void scratch_round(void)
{
	struct kmem_cache *k =
		kmem_cache_create("scratch", 64, 0, SLAB_NO_MERGE, NULL);
	void *p[40];
	unsigned int i;

	if (!k) {
		atomic_fetch_add(&errors, 1);
		return;
	}
	for (i = 0; i < 40; i++)
		p[i] = kmem_cache_alloc(k, GFP_KERNEL);
	for (i = 0; i < 40; i++)
		kmem_cache_free(k, p[i]);
	if (kmem_cache_destroy(k))
		atomic_fetch_add(&errors, 1);
	atomic_fetch_add(&scratch_rounds, 1);
}

static void remote_stress(bool debug)
{
	pthread_t th[NR_HARTS];
	struct mm_totals before, after;
	size_t arena_size = 128UL << 20;
	unsigned int i;
	char *arena;
	long t0;

	port_host_reset();
	port_host_set_hart(NR_HARTS);
	KT_ASSERT(mm_init(NR_HARTS + 1, NULL) == 0);
	KT_ASSERT(mm_set_slab_debug(debug) == 0);
	atomic_store(&stop, false);
	atomic_store(&errors, 0);
	atomic_store(&sent, 0);
	atomic_store(&scratch_rounds, 0);
	memset(rings, 0, sizeof(rings));
	arena = fx_map(arena_size, 1UL << 21, false);
	KT_ASSERT(arena);
	KT_ASSERT(mm_add_region((uintptr_t)arena, arena_size) == 0);
	mm_hart_init();
	mm_get_totals(&before);
	caches[0] = kmem_cache_create("ctor48", sizes[0], 0, 0, ctor);
	caches[1] = kmem_cache_create("al128", sizes[1], 128, 0, NULL);
	caches[2] = kmem_cache_create("m96", sizes[2], 0, 0, NULL);
	caches[3] = kmem_cache_create("m90", sizes[3], 0, 0, NULL);
	for (i = 0; i < NR_CACHES; i++)
		KT_ASSERT(caches[i]);
	pthread_barrier_init(&barrier, NULL, NR_HARTS + 1);
	for (i = 0; i < NR_HARTS; i++)
		KT_ASSERT(pthread_create(&th[i], NULL, hart_main,
					 (void *)(uintptr_t)i) == 0);
	t0 = now_ns();
	pthread_barrier_wait(&barrier);
	while (now_ns() - t0 < RUN_NS)
		scratch_round();
	atomic_store(&stop, true);
	pthread_barrier_wait(&barrier);
	pthread_barrier_wait(&barrier);
	for (i = 0; i < NR_HARTS; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < NR_CACHES; i++)
		KT_EXPECT_EQ(kmem_cache_destroy(caches[i]), 0);
	mm_drain_this_hart(true);
	mm_get_totals(&after);
	ktap_diag("%lu objects handed between harts, %lu scratch caches, "
		  "%lu errors, free bytes %llu -> %llu",
		  atomic_load(&sent), atomic_load(&scratch_rounds),
		  atomic_load(&errors), (unsigned long long)before.free_bytes,
		  (unsigned long long)after.free_bytes);
	KT_EXPECT_EQ(atomic_load(&errors), 0);
	KT_EXPECT(atomic_load(&sent) >= 1000);
	KT_EXPECT(atomic_load(&scratch_rounds) >= 5);
	KT_EXPECT_EQ(after.free_bytes, before.free_bytes);
	KT_EXPECT_EQ(mm_bad_use_count(), 0);
}

static void test_kmem_cache_remote_stress(void)
{
	remote_stress(false);
}

/* The same with slab_debug=1: records written by allocating and freeing
 * harts, reports none (every object is used within its bounds). */
static void test_kmem_cache_remote_stress_slab_debug(void)
{
	struct mm_slab_debug_report r;

	remote_stress(true);
	mm_slab_debug_last(&r);
	KT_EXPECT_EQ(r.count, 0);
}

/*
 * slab_debug=1, two harts double-free the same objects at the same time
 * (remote frees into hart 0's slabs): each object is reported once and
 * pushed once (later allocations are all distinct).
 */
#define RACE_OBJS 256
static void *race_objs[RACE_OBJS];

static void *race_free(void *arg)
{
	unsigned int i;

	port_host_set_hart((unsigned int)(uintptr_t)arg);
	mm_hart_init();
	pthread_barrier_wait(&barrier);
	for (i = 0; i < RACE_OBJS; i++)
		kfree(race_objs[i]);
	mm_drain_this_hart(true);
	port_host_hart_offline();
	return NULL;
}

static void test_racing_double_frees_slab_debug(void)
{
	static void *again[2 * RACE_OBJS];
	struct mm_slab_debug_report r;
	size_t arena_size = 64UL << 20;
	unsigned int i, j, dup = 0;
	pthread_t th[2];
	char *arena;

	port_host_reset();
	port_host_set_hart(0);
	KT_ASSERT(mm_init(3, NULL) == 0);
	KT_ASSERT(mm_set_slab_debug(true) == 0);
	arena = fx_map(arena_size, 1UL << 21, false);
	KT_ASSERT(arena && !mm_add_region((uintptr_t)arena, arena_size));
	mm_hart_init();
	mm_set_bad_use_mode(MM_BAD_USE_COUNT);
	for (i = 0; i < RACE_OBJS; i++)
		race_objs[i] = kmalloc(48, GFP_KERNEL);
	pthread_barrier_init(&barrier, NULL, 2);
	for (i = 0; i < 2; i++)
		KT_ASSERT(pthread_create(&th[i], NULL, race_free,
					 (void *)(uintptr_t)(i + 1)) == 0);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&barrier);
	mm_slab_debug_last(&r);
	KT_EXPECT_EQ(r.count, RACE_OBJS);
	KT_EXPECT_EQ(mm_bad_use_count(), RACE_OBJS);
	for (i = 0; i < 2 * RACE_OBJS; i++)
		again[i] = kmalloc(48, GFP_KERNEL);
	for (i = 0; i < 2 * RACE_OBJS; i++)
		for (j = i + 1; j < 2 * RACE_OBJS; j++)
			dup += again[i] == again[j];
	KT_EXPECT_EQ(dup, 0);
	for (i = 0; i < 2 * RACE_OBJS; i++)
		kfree(again[i]);
	mm_slab_debug_last(&r);
	KT_EXPECT_EQ(r.count, RACE_OBJS);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(test_kmem_cache_remote_stress),
	KTAP_CASE(test_kmem_cache_remote_stress_slab_debug),
	KTAP_CASE(test_racing_double_frees_slab_debug),
};

int main(void)
{
	return ktap_main("tsan_kmem_cache", cases, ARRAY_SIZE(cases));
}
