/* SPDX-License-Identifier: MIT */
/*
 * The buddy page allocator over sections, and the per-hart block cache
 * (see buddy.c for the rules).  The page API proper (alloc_pages,
 * free_pages) is mm/page.h, implemented in kmalloc.c over this.
 */
#ifndef HARTSLAB_MM_BUDDY_H
#define HARTSLAB_MM_BUDDY_H

#include "lib/types.h"
#include "mm/section.h"

/* Runs of 1..BUDDY_CACHE_RUNS pages (orders 0..3) have a per-hart cache. */
#define BUDDY_CACHE_RUNS 8

/*
 * One hart's block cache: free runs of exactly n pages, n = 1..8, in
 * head[n - 1], linked through their first words (struct cache_block).  A
 * run of n pages starts aligned to the power-of-two block it was cut from
 * (order_for(n)), exactly as alloc_pages(n) hands it out, so popping a run
 * is the whole allocation and pushing one is the whole free: no split, no
 * merge, no section lock until a count passes its high mark (trim: the
 * runs go back to the free lists, merging) or runs dry (refill: a batch
 * of runs cut under one lock).  Touched only by its hart with interrupts
 * masked; room[] is read by statistics.  A cached run's head page_meta
 * is PM_PCP with the order and nr_pages it has while allocated, so taking
 * it out is one state write (PM_PCP -> PM_ALLOC, which never passes
 * PM_FREE and so needs no section lock: mm/section.h).
 */
struct buddy_cache {
	void *head[BUDDY_CACHE_RUNS];
	/*
	 * high - runs held, as a signed value: the push fast path only
	 * tests it against 0; it goes negative when a slow-path push passes
	 * the high mark (then a trim follows at once).
	 */
	mm_stat_t room[BUDDY_CACHE_RUNS];
	uint8_t high[BUDDY_CACHE_RUNS]; /* trim above this many runs */
	/*
	 * free_pages' fast lookup, one section (the one holding the
	 * hart's slot): a page-aligned va with va - pg_vbase < pg_limit has
	 * its page_meta at pg_bias + (va >> 9).  0: every free misses.
	 */
	uintptr_t pg_vbase, pg_limit, pg_bias;
	struct mm_section *pg_section;
	int node;
};

struct cache_block {
	struct cache_block *next;
	struct page_meta *pm;
};

/*
 * Section set-up: empty free lists, then every PM_TAIL page freed and
 * counted in ->managed_pages.
 */
void buddy_section_init(struct mm_section *s);

void buddy_cache_init(struct buddy_cache *pc, int node);
/* Point @pc's free_pages fast lookup at section @s. */
void buddy_cache_set_section(struct buddy_cache *pc, struct mm_section *s);
/*
 * Give the cache back (@all) or trim each order to its keep level.
 * Interrupts masked.
 */
void buddy_cache_drain(struct buddy_cache *pc, bool all);
/* Pages held by @pc (statistics, any hart). */
uint64_t buddy_cache_pages(const struct buddy_cache *pc);

/*
 * One attempt at @n pages (1 <= n <= 2^MM_MAX_ORDER), @pc's cache first
 * (NULL: no cache), then @node's sections, then the others.  Never waits,
 * never reclaims: NULL when nothing fits.  @lowmem: below 4 GiB.
 */
void *buddy_alloc_pages(struct buddy_cache *pc, uint64_t n, bool lowmem,
			int node);

/*
 * The page_meta of an allocated run headed by @addr (and its section in
 * *@sp), or NULL after reporting a bad free (@what names the caller).
 */
struct page_meta *buddy_check_run(const void *addr, const char *what,
				  struct mm_section **sp);
/* Free the run @addr of @s whose head @pm buddy_check_run() accepted. */
void buddy_free_run(struct buddy_cache *pc, struct mm_section *s,
		    struct page_meta *pm, void *addr);

/* A slab block (order @order), every page marked PM_SLAB; NULL if none. */
void *buddy_alloc_slab(unsigned int order, int node);
void buddy_free_slab(void *addr, unsigned int order);

/* Merge every section's deferred blocks (a full drain). */
void buddy_flush_deferred(void);

/* Free blocks per order of @s (reports: walks the lists under the lock). */
void buddy_count_free(struct mm_section *s, uint64_t *nr_free);

/* Shrink an allocated run in place to @nr_pages (krealloc). */
void buddy_shrink_run(void *addr, uint64_t nr_pages);

/* ---- for the API's fast paths (interrupts masked by the caller) ---- */

/* A run of @n pages (1 <= n <= 8) from the cache, or NULL. */
static inline void *buddy_cache_pop(struct buddy_cache *pc, uint64_t n)
{
	struct cache_block *b = pc->head[n - 1];

	if (unlikely(!b))
		return NULL;
	pc->head[n - 1] = b->next;
	mm_stat_set(&pc->room[n - 1], mm_stat_read(&pc->room[n - 1]) + 1);
	pm_set_state(b->pm, PM_ALLOC); /* order, nr_pages already */
	return b;
}

/*
 * @pm heads an allocated run of @n pages (1 <= n <= 8): push it.  false
 * when that list is at its high mark.
 */
static inline bool buddy_cache_push_fast(struct buddy_cache *pc,
					 struct page_meta *pm, void *addr,
					 uint64_t n)
{
	long room = (long)mm_stat_read(&pc->room[n - 1]);
	struct cache_block *b = addr;

	if (unlikely(room <= 0))
		return false;
	pm_set_state(pm, PM_PCP);
	b->pm = pm;
	b->next = pc->head[n - 1];
	pc->head[n - 1] = b;
	mm_stat_set(&pc->room[n - 1], room - 1);
	return true;
}

/*
 * The page count of the allocated run @pm heads when the cache takes it
 * (PM_ALLOC, 1..8 pages), else 0.  On the kernel one aligned 8-byte load
 * of the whole page_meta (single-copy atomic; the state is one byte of it,
 * see pm_state()); on the host the state first (relaxed atomic), the count
 * only once the state says the caller holds the run.
 */
static inline uint64_t buddy_cacheable_run(const struct page_meta *pm)
{
#ifdef HARTSLAB_KERNEL
	uint64_t w = *(const volatile uint64_t *)pm;
	uint64_t n = w >> 32;

	_Static_assert(sizeof(struct page_meta) == 8, "one word");
	_Static_assert(offsetof(struct page_meta, nr_pages) == 4, "high half");
	if ((uint8_t)w == PM_ALLOC && n - 1 < BUDDY_CACHE_RUNS)
		return n;
	return 0;
#else
	uint64_t n;

	if (pm_state(pm) != PM_ALLOC)
		return 0;
	n = pm->nr_pages;
	return n - 1 < BUDDY_CACHE_RUNS ? n : 0;
#endif
}

/* Is @va page aligned and in the cache's section (free_pages' test)? */
static inline bool buddy_cache_covers(const struct buddy_cache *pc,
				      uintptr_t va)
{
	return va - pc->pg_vbase < pc->pg_limit && !(va & (PAGE_SIZE - 1));
}

/* The page_meta of @va, which buddy_cache_covers() accepted: O(1). */
static inline struct page_meta *buddy_cache_meta(const struct buddy_cache *pc,
						 uintptr_t va)
{
	return (struct page_meta *)(pc->pg_bias + (va >> (PAGE_SHIFT - 3)));
}

#endif
