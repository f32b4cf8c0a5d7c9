// SPDX-License-Identifier: MIT
/*
 * Hart hot-plug on the mm side, built only with ThreadSanitizer.
 *
 * Threads 0..NR_FREERS-1 act as harts that free: they take objects from a
 * shared pool, check their pattern and kfree/free_pages them (remote frees),
 * allocate and free a little of their own, and every few rounds drain
 * fully, which reaps parked harts (mm_reap_offline).  Hart VICTIM goes
 * offline and comes back over and over: each round a new thread becomes
 * that hart (mm_hart_init: unparks it), allocates a batch into the pool,
 * frees some of it itself, and goes offline (mm_hart_offline: its slabs
 * parked) while the freers are still freeing what it allocated in this
 * and earlier rounds: into its slabs while it is online, while it is
 * parked, and while it is coming back.  At the end every object is freed,
 * every hart drains, and free memory must be exactly what it was before.
 * Some of the victim's objects come from a named cache, whose per-hart
 * class is parked and reaped like kmalloc's: the cache must be empty and
 * destroyable at the end.
 * Any data race TSan sees makes the case exit non-zero.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/types.h"
#include "mm/cache.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/page.h"
#include "mm/port.h"
#include "tests/host/mm_fixture.h"

#define NR_FREERS 3
#define VICTIM	  NR_FREERS
#define NR_HARTS  (NR_FREERS + 1)
#define ROUNDS	  40
#define PER_ROUND 600
#define POOL	  (ROUNDS * PER_ROUND)
#define CACHE_OBJ 72 /* not a kmalloc class size */

struct item {
	void *p;
	size_t size; /* 0: a page run */
	bool cached; /* from the named cache */
	uint64_t stamp;
};

static struct item pool[POOL];
/* pool[0 .. published) is filled (release by the victim). */
static atomic_ulong published, claimed;
static atomic_bool victims_done;
static atomic_ulong errors, freed, parked_seen, reaps;
static pthread_barrier_t end_barrier;
static struct kmem_cache *cache;

static uint64_t stamp_of(const void *p, size_t size)
{
	return (uintptr_t)p * 0x9e3779b97f4a7c15ULL ^ size;
}

static void free_item(struct item *it)
{
	if (*(uint64_t *)it->p != it->stamp)
		atomic_fetch_add(&errors, 1);
	if (it->cached)
		kmem_cache_free(cache, it->p);
	else if (it->size)
		kfree(it->p);
	else
		free_pages(it->p);
}

/* One round of the victim hart: online, allocate, park. */
static void *victim_main(void *arg)
{
	unsigned int round = (unsigned int)(uintptr_t)arg, seed = round + 1;
	unsigned long base = atomic_load(&published), i;
	void *mine[64];
	unsigned int nmine = 0;

	port_host_set_hart(VICTIM);
	mm_hart_init(); /* unparks it after the first round */
	if (mm_hart_is_parked(VICTIM))
		atomic_fetch_add(&errors, 1);
	for (i = 0; i < PER_ROUND; i++) {
		unsigned int r = rand_r(&seed);
		bool cached = r % 7 == 0;
		size_t size = cached	    ? CACHE_OBJ
			      : r % 23 == 0 ? 0
					    : 1 + (r >> 8) % 2048;
		void *p = cached ? kmem_cache_alloc(cache, GFP_KERNEL)
			  : size ? kmalloc(size, GFP_KERNEL)
				 : alloc_pages(1 + (r >> 8) % 8, GFP_KERNEL);

		if (!p) {
			atomic_fetch_add(&errors, 1);
			break;
		}
		pool[base + i].p = p;
		pool[base + i].size = size;
		pool[base + i].cached = cached;
		pool[base + i].stamp = stamp_of(p, size);
		*(uint64_t *)p = pool[base + i].stamp;
		/* Published in small steps: the freers start at once. */
		if (i % 16 == 15)
			atomic_store_explicit(&published, base + i + 1,
					      memory_order_release);
		/* Some objects of its own, freed locally before it leaves. */
		if (nmine < 64 && r % 5 == 0)
			mine[nmine++] = kmalloc(1 + r % 512, GFP_KERNEL);
	}
	atomic_store_explicit(&published, base + i, memory_order_release);
	while (nmine)
		kfree(mine[--nmine]);
	mm_hart_offline();
	if (!mm_hart_is_parked(VICTIM))
		atomic_fetch_add(&errors, 1);
	else
		atomic_fetch_add(&parked_seen, 1);
	port_host_hart_offline();
	return NULL;
}

static bool claim(unsigned long *idx)
{
	unsigned long c = atomic_load_explicit(&claimed, memory_order_relaxed);

	do {
		if (c >= atomic_load_explicit(&published, memory_order_acquire))
			return false;
	} while (!atomic_compare_exchange_weak_explicit(&claimed, &c, c + 1,
							memory_order_relaxed,
							memory_order_relaxed));
	*idx = c;
	return true;
}

static void *freer_main(void *arg)
{
	unsigned int me = (unsigned int)(uintptr_t)arg, seed = me * 131 + 7;
	unsigned long n = 0, idx;

	port_host_set_hart(me);
	mm_hart_init();
	for (;;) {
		bool done = atomic_load(&victims_done);

		if (claim(&idx)) {
			void *own =
				kmalloc(1 + rand_r(&seed) % 1024, GFP_KERNEL);

			free_item(&pool[idx]);
			kfree(own);
			atomic_fetch_add(&freed, 1);
			if (++n % 500 == 0) {
				mm_drain_this_hart(true); /* reaps */
				atomic_fetch_add(&reaps, 1);
			}
			port_host_service();
			continue;
		}
		/* Published is final once the last victim is joined. */
		if (done && atomic_load(&claimed) >= atomic_load(&published))
			break;
		port_host_service();
	}
	/* Every free is done after this barrier. */
	pthread_barrier_wait(&end_barrier);
	mm_drain_this_hart(true);
	port_host_hart_offline();
	return NULL;
}

static void test_hotplug_remote_frees_while_parked(void)
{
	pthread_t th[NR_FREERS], v;
	struct mm_totals before, after;
	size_t arena_size = 256UL << 20;
	unsigned int i, round;
	char *arena;

	port_host_reset();
	port_host_set_hart(0);
	KT_ASSERT(mm_init(NR_HARTS, NULL) == 0);
	arena = fx_map(arena_size, 1UL << 21, false);
	KT_ASSERT(arena);
	KT_ASSERT(mm_add_region((uintptr_t)arena, arena_size) == 0);
	cache = kmem_cache_create("hotplug_obj", CACHE_OBJ, 8, SLAB_NO_MERGE,
				  NULL);
	KT_ASSERT(cache);
	port_host_hart_offline();
	mm_get_totals(&before);
	pthread_barrier_init(&end_barrier, NULL, NR_FREERS);
	for (i = 0; i < NR_FREERS; i++)
		KT_ASSERT(pthread_create(&th[i], NULL, freer_main,
					 (void *)(uintptr_t)i) == 0);
	for (round = 0; round < ROUNDS; round++) {
		KT_ASSERT(pthread_create(&v, NULL, victim_main,
					 (void *)(uintptr_t)round) == 0);
		pthread_join(v, NULL);
	}
	atomic_store(&victims_done, true);
	for (i = 0; i < NR_FREERS; i++)
		pthread_join(th[i], NULL);
	/* The victim is parked; the freers' last drains reaped it. */
	KT_EXPECT(mm_hart_is_parked(VICTIM));
	/* Nothing of the cache may be left with the parked hart. */
	port_host_set_hart(0);
	KT_EXPECT_EQ(kmem_cache_destroy(cache), 0);
	port_host_hart_offline();
	mm_get_totals(&after);
	ktap_diag("%d offline/online rounds of hart %d, %lu objects freed by "
		  "%d other harts (%lu reaping drains), %lu errors, free bytes "
		  "%llu -> %llu",
		  ROUNDS, VICTIM, atomic_load(&freed), NR_FREERS,
		  atomic_load(&reaps), atomic_load(&errors),
		  (unsigned long long)before.free_bytes,
		  (unsigned long long)after.free_bytes);
	KT_EXPECT_EQ(atomic_load(&errors), 0);
	KT_EXPECT_EQ(atomic_load(&parked_seen), ROUNDS);
	KT_EXPECT_EQ(atomic_load(&freed), atomic_load(&published));
	KT_EXPECT_EQ(atomic_load(&published), (unsigned long)POOL);
	KT_EXPECT_EQ(after.free_bytes, before.free_bytes);
	KT_EXPECT_EQ(mm_bad_use_count(), 0);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(test_hotplug_remote_frees_while_parked),
};

int main(void)
{
	return ktap_main("tsan_hotplug", cases, ARRAY_SIZE(cases));
}
