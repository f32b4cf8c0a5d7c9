/* SPDX-License-Identifier: MIT */
/*
 * mm's global state and the per-hart slot (struct mm_hart).
 *
 * A hart's slot lives in the prefix of the first section on its NUMA node
 * (or, for a hart whose node has no memory, in pages from the buddy
 * allocator).  Everything in it is touched by its own hart only, with
 * interrupts masked, except the fields marked "shared".
 */
#ifndef HARTSLAB_MM_CORE_H
#define HARTSLAB_MM_CORE_H

#include <stdatomic.h>

#include "lib/types.h"
#include "mm/mm.h"
#include "mm/port.h"
#include "mm/slab.h"

/* Orders 1..MM_RUN_MAX_ORDER have per-hart run caches (mm/buddy.c). */
#define MM_RUN_MAX_ORDER 3

struct mm_hart {
	struct mm_class cls[MM_NR_CLASSES];
	/* kmalloc of 2049..4095 bytes lands here: never has an object. */
	struct mm_class cls_none;
	/* Header tag of this hart's slabs: slab->tag == slab ^ slab_tag. */
	uintptr_t slab_tag;
	/*
	 * kfree's fast range: a slab header in [this slot, this slot +
	 * fast_span) lies in mapped section memory (0: no fast frees).
	 * Written by whoever adds a section (any hart), only ever widened
	 * over sections that abut the run holding the slot, so any value
	 * the owner reads, old or new, still covers mapped memory only.
	 */
	mm_stat_t fast_span;
	/* The order-0 page batch: pages linked through their first word. */
	void *pcp_head;
	mm_stat_t pcp_count; /* owner writes, stats read */
	/*
	 * The run caches: free runs of 2^o pages, o = 1..MM_RUN_MAX_ORDER,
	 * in run_head[o - 1], linked like the batch; run_count[o - 1] counts
	 * runs, not pages (owner writes, stats read).
	 */
	void *run_head[MM_RUN_MAX_ORDER];
	mm_stat_t run_count[MM_RUN_MAX_ORDER];
	/*
	 * free_pages' fast lookup, one section (the one holding the slot):
	 * a page-aligned va with va - pg_vbase < pg_limit has its page_meta
	 * at pg_bias + (va >> 9).  Set before the slot is used, then fixed.
	 */
	uintptr_t pg_vbase, pg_limit, pg_bias;
	unsigned int index;
	int node;
	bool ready;
	/* shared: slabs other harts queued for this one (Treiber stack). */
	_Atomic(struct slab *) revisit __attribute__((aligned(64)));
	/*
	 * A copy of slab_class_idx[] (size -> class), owner-read only:
	 * kmalloc finds its class relative to the slot pointer it already
	 * has, without forming the table's address.  Within 2 KiB of the
	 * slot start so that one lbu with an immediate offset reaches it.
	 */
	uint8_t cls_idx[SLAB_IDX_SIZE];
} __attribute__((aligned(64)));

extern struct mm_hart *mm_harts[MM_MAX_HARTS];
extern unsigned int mm_nr_harts;
extern int mm_hart_node[MM_MAX_HARTS];
extern bool mm_all_lowmem; /* every section lies below 4 GiB */
extern uint64_t mm_secret; /* free-link key material */

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

/* The widest run of abutting sections (kfree's fast range). */
extern uintptr_t mm_fast_lo, mm_fast_hi;
void mm_fast_range_update(void);

struct mm_section;
/* Point @h's page fast path at section @s. */
void mm_hart_set_page_section(struct mm_hart *h, const struct mm_section *s);

/* Functions on the fast paths: leaves without a frame, tail calls out. */
#ifdef HARTSLAB_KERNEL
#define __mm_fast __attribute__((optimize("omit-frame-pointer")))
#else
#define __mm_fast
#endif

enum mm_bad_kind {
	MM_BAD_UNKNOWN,	    /* not an address mm handed out */
	MM_BAD_INTERIOR,    /* inside an object or a run, not its start */
	MM_BAD_DOUBLE_FREE, /* already free */
	MM_BAD_NOT_HEAD,    /* free_pages of a page that heads nothing */
};

void mm_bad_use(enum mm_bad_kind kind, const char *what, const void *addr);

/* Place a hart slot at @mem (already zeroed or not). */
void mm_hart_slot_init(struct mm_hart *h, unsigned int index);
size_t mm_hart_slot_size(void);

/* Out of memory: drain this hart, then ask the others to (bounded). */
void mm_reclaim(void);

#endif
