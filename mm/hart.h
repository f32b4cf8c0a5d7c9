/* SPDX-License-Identifier: MIT */
/*
 * The per-hart slot (private to mm.c, stats.c and kmalloc.c, the layers
 * that see both slabs and pages).
 *
 * A hart's slot lives in the prefix of the first section on its NUMA node
 * (or, for a hart whose node has no memory, in pages from the buddy
 * allocator).  Each part belongs to its layer: slab.c's struct slab_hart
 * and buddy.c's struct buddy_cache; the slot only puts them side by side
 * so that the fast paths reach both from the one per-hart pointer the port
 * keeps (port_hart_mm()).
 */
#ifndef HARTSLAB_MM_HART_H
#define HARTSLAB_MM_HART_H

#include "mm/buddy.h"
#include "mm/internal.h"
#include "mm/slab.h"

/*
 * The fast paths reach every field they use with one load at an immediate
 * offset (-2048..2047) from the slot pointer: slab and pages first, then
 * kmalloc's table.
 */
struct mm_hart {
	struct slab_hart slab;
	struct buddy_cache pages;
	/*
	 * A copy of slab_class_idx[] (size -> class), owner-read only:
	 * kmalloc finds its class relative to the slot pointer it already
	 * has, without forming the table's address; the table's start is
	 * within 2 KiB of the slot so that one lbu with an immediate offset
	 * reaches entry [size] once size is added to the slot pointer.
	 */
	uint8_t cls_idx[SLAB_IDX_SIZE];
	/* slab.c's remote-free cache (slab.rc points here). */
	struct slab_rcache rc __attribute__((aligned(64)));
	unsigned int index;
	int node;
	bool ready;
} __attribute__((aligned(64)));

extern struct mm_hart *mm_harts[MM_MAX_HARTS];
extern unsigned int mm_nr_harts;

/* Only stable with interrupts masked (or on a hart that never migrates). */
static inline struct mm_hart *mm_this_hart(void)
{
	return mm_harts[port_this_hart()];
}

/*
 * The same through the port's per-hart pointer.  Before mm_hart_init() it
 * is a stand-in slot on which every fast path misses (never NULL once
 * mm_init() has run, see port_reset_hart_mm()).
 */
static inline struct mm_hart *mm_hart_fast(void)
{
	return port_hart_mm();
}

size_t mm_hart_slot_size(void);

/*
 * mm.c's slow paths behind the API's fast paths: lazy per-hart set-up,
 * then the allocation, then on failure the out-of-memory policy (drain
 * this hart, ask the others unless __GFP_ATOMIC, retry once).
 */
void *mm_kmalloc_slow(size_t size, unsigned int flags);
void *mm_alloc_pages_slow(size_t nr_pages, unsigned int flags);
/* A page run free that missed the fast path: checks, then frees. */
void mm_free_pages_slow(void *addr, const char *what);

#endif
