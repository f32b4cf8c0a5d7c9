/* SPDX-License-Identifier: MIT */
/*
 * The buddy page allocator over sections, and the per-hart block cache
 * (see buddy.c for the rules).  The page API proper (alloc_pages,
 * free_pages) is mm/page.h, implemented in kmalloc.c over this.
 */
#ifndef HARTSLAB_MM_BUDDY_H
#define HARTSLAB_MM_BUDDY_H

#include "kernel/types.h"
#include "mm/section.h"

/* Orders 0..BUDDY_CACHE_ORDERS-1 (4..32 KiB) have a per-hart cache. */
#define BUDDY_CACHE_ORDERS 4

/*
 * One hart's block cache: free aligned blocks of 2^o pages, o = 0..3, in
 * head[o], linked through their first word (struct cache_block).  Touched
 * only by its hart with interrupts masked; count[] is read by statistics.
 * A cached block's head page_meta is PM_PCP with its order and nr_pages
 * 2^o, so taking it out is one state write (PM_PCP -> PM_ALLOC, which
 * never passes PM_FREE and so needs no section lock: mm/section.h).
 */
struct buddy_cache {
	void *head[BUDDY_CACHE_ORDERS];
	mm_stat_t count[BUDDY_CACHE_ORDERS]; /* blocks, not pages */
	uint64_t high[BUDDY_CACHE_ORDERS];   /* trim above this many */
	/*
	 * free_pages' fast lookup, one section (the one holding the
	 * hart's slot): a page-aligned va with va - pg_vbase < pg_limit has
	 * its page_meta at pg_bias + (va >> 9).  0: every free misses.
	 */
	uintptr_t pg_vbase, pg_limit, pg_bias;
	int node;
};

struct cache_block {
	struct cache_block *next;
	struct page_meta *pm;
};

/* Section set-up: empty free lists, then every PM_TAIL page freed. */
void buddy_section_init(struct mm_section *s);

void buddy_cache_init(struct buddy_cache *pc, int node);
/* Point @pc's free_pages fast lookup at section @s. */
void buddy_cache_set_section(struct buddy_cache *pc,
			     const struct mm_section *s);
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
 * The page_meta of an allocated run headed by @addr, or NULL after
 * reporting a bad free (@what names the caller).
 */
struct page_meta *buddy_check_run(const void *addr, const char *what);
/* Free the run @addr whose head @pm buddy_check_run() accepted. */
void buddy_free_run(struct buddy_cache *pc, struct page_meta *pm, void *addr);

/* A slab block (order @order), every page marked PM_SLAB; NULL if none. */
void *buddy_alloc_slab(unsigned int order, int node);
void buddy_free_slab(void *addr, unsigned int order);

/* Shrink an allocated run in place to @nr_pages (krealloc). */
void buddy_shrink_run(void *addr, uint64_t nr_pages);

/* ---- for the API's fast paths (interrupts masked by the caller) ---- */

static inline void *buddy_cache_pop(struct buddy_cache *pc, unsigned int o)
{
	struct cache_block *b = pc->head[o];

	if (unlikely(!b))
		return NULL;
	pc->head[o] = b->next;
	mm_stat_set(&pc->count[o], mm_stat_read(&pc->count[o]) - 1);
	pm_set_state(b->pm, PM_ALLOC); /* order, nr_pages already */
	return b;
}

/*
 * @pm heads an allocated whole block of order @o <= 3 (PM_ALLOC, ->order
 * o, ->nr_pages 2^o): push it.  false when the cache is at its high mark.
 */
static inline bool buddy_cache_push_fast(struct buddy_cache *pc,
					 struct page_meta *pm, void *addr,
					 unsigned int o)
{
	unsigned long n = mm_stat_read(&pc->count[o]);
	struct cache_block *b = addr;

	if (unlikely(n >= pc->high[o]))
		return false;
	pm_set_state(pm, PM_PCP);
	b->pm = pm;
	b->next = pc->head[o];
	pc->head[o] = b;
	mm_stat_set(&pc->count[o], n + 1);
	return true;
}

/*
 * The order of the whole cacheable block @pm heads, or -1: PM_ALLOC, order
 * o <= 3, nr_pages == 2^o (a shrunk run keeps its order, an exact odd
 * count is not whole).  On the kernel one aligned 8-byte load of the whole
 * page_meta (single-copy atomic; the state is one byte of it, see
 * pm_state()); on the host the state first (relaxed atomic), the rest only
 * once the state says the caller holds the run.
 */
static inline int buddy_whole_block(const struct page_meta *pm)
{
#ifdef HARTSLAB_KERNEL
	uint64_t w = *(const volatile uint64_t *)pm;
	unsigned int o = (w >> 8) & 0xff;

	_Static_assert(sizeof(struct page_meta) == 8, "one word");
	if (o < BUDDY_CACHE_ORDERS &&
	    w == (PM_ALLOC | ((uint64_t)o << 8) | ((uint64_t)1 << (32 + o))))
		return o;
	return -1;
#else
	unsigned int o;

	if (pm_state(pm) != PM_ALLOC)
		return -1;
	o = pm->order;
	if (o < BUDDY_CACHE_ORDERS && pm->nr_pages == 1u << o)
		return o;
	return -1;
#endif
}

/* free_pages' O(1) page_meta of @va, or NULL outside the cache's section. */
static inline struct page_meta *buddy_cache_meta(const struct buddy_cache *pc,
						 uintptr_t va)
{
	if (likely(va - pc->pg_vbase < pc->pg_limit && !(va & (PAGE_SIZE - 1))))
		return (struct page_meta *)(pc->pg_bias +
					    (va >> (PAGE_SHIFT - 3)));
	return NULL;
}

#endif
