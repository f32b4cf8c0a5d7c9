/* SPDX-License-Identifier: MIT */
/*
 * The buddy page allocator over sections (see buddy.c for the rules).
 * The page API proper (alloc_pages, free_pages, ...) is in mm/kmalloc.h.
 */
#ifndef HARTSLAB_MM_BUDDY_H
#define HARTSLAB_MM_BUDDY_H

#include "lib/types.h"
#include "mm/section.h"

#define PCP_BATCH 16 /* pages moved per refill / drain step */
#define PCP_HIGH  64 /* above this many, a hart gives pages back */
#define RUN_BATCH 2  /* runs moved per run-cache refill */
#define RUN_HIGH  8  /* above this many runs of an order, give some back */
#define RUN_KEEP  4  /* what a trim (or a partial drain) leaves */

struct mm_hart;

/* Section set-up: empty free lists. */
void buddy_section_init(struct mm_section *s);
/* Free [idx, idx+n) of @s into its free lists, merging.  Lock held. */
void buddy_free_range(struct mm_section *s, uint64_t idx, uint64_t n);

/* A slab block (SLAB_ORDER), every page marked PM_SLAB; NULL if none. */
void *buddy_alloc_slab(int node);
void buddy_free_slab(void *addr);

/*
 * Give the hart's order-0 batch and run caches back (@all) or trim them
 * to PCP_BATCH pages / RUN_KEEP runs.  Interrupts masked.
 */
void buddy_drain_pcp(struct mm_hart *h, bool all);

/* Shrink an allocated run in place to @nr_pages (krealloc). */
void buddy_shrink_run(void *addr, uint64_t nr_pages);

/* Pages in the run headed by @addr, or 0 (after a bad-use report). */
uint64_t buddy_run_pages(const void *addr);

/* Free an allocated run; @pm is its (checked) head page_meta. */
void buddy_free_run(struct mm_section *s, struct page_meta *pm, uintptr_t va);

/*
 * Free the allocated run at page-aligned @addr whose head page_meta @pm
 * the caller has checked is PM_ALLOC: onto this hart's batch
 * or run cache when it is a whole 2^o-page block (o <= MM_RUN_MAX_ORDER),
 * else back to the buddy lists.
 */
void buddy_free_checked(struct page_meta *pm, void *addr);

/* Report a bad free of @va whose page_meta is @pm (may be NULL). */
void buddy_report_bad_free(const char *what, const void *va,
			   const struct page_meta *pm);

#endif
