/* SPDX-License-Identifier: MIT */
/*
 * What tests and reports look at inside mm: sections and size classes.
 * Not an allocation API; exact only while the harts are quiet.
 */
#ifndef HARTSLAB_MM_INTROSPECT_H
#define HARTSLAB_MM_INTROSPECT_H

#include <stddef.h>

#include "lib/types.h"

#define MM_NR_PAGE_ORDERS 19 /* orders 0 (4 KiB) .. 18 (1 GiB) */

struct mm_section_info {
	phys_addr_t base, size;
	uint64_t meta_bytes;
	uint64_t managed_pages;
	uint64_t free_pages;		     /* in the buddy lists */
	uint64_t nr_free[MM_NR_PAGE_ORDERS]; /* free blocks per order */
	int node;
	unsigned int nr_hart_slots;
};
unsigned int mm_nr_sections_added(void);
int mm_get_section_info(unsigned int index, struct mm_section_info *info);

struct mm_class_stats {
	size_t size;
	unsigned long in_use; /* objects allocated, not freed */
	unsigned long slabs;
	unsigned long allocs;
	unsigned long local_frees;
	unsigned long remote_frees;
	/*
	 * Objects not on their slab's free list (allocated, or freed by
	 * another hart and not back with the owner yet: gathered in that
	 * hart's cache or posted to the owner's inbox).
	 */
	unsigned long in_slabs;
};
unsigned int mm_nr_size_classes(void);
/*
 * Totals over harts (@hart < 0) or one hart's view (allocs and slabs it
 * owns, frees it performed).  Exact only while the harts are quiet.
 */
int mm_get_class_stats(unsigned int cls, int hart, struct mm_class_stats *st);

/*
 * Atomic operations of batched remote frees on hart @hart so far: @posts
 * (CAS attempts posting batches to other harts) and @takes (exchanges
 * taking this hart's inbox).  -1 for a hart without slabs.
 */
int mm_remote_atomics(unsigned int hart, unsigned long *posts,
		      unsigned long *takes);

/*
 * Hart @hart's operation counts so far: atomic instructions mm issued and
 * section-lock acquisitions (mm/internal.h).  -1 beyond MM_MAX_HARTS.
 */
int mm_get_op_counts(unsigned int hart, unsigned long *atomics,
		     unsigned long *locks);

/*
 * Bytes of other harts' objects this hart holds in open batches, not yet
 * posted; *@max: the bound it never exceeds (SLAB_RC_WAYS *
 * SLAB_RC_WAY_BYTES, mm/slab.h).  0 for a hart without slabs.
 */
unsigned long mm_remote_pending(unsigned long *max);

/*
 * Fault injection (the stress suite's inject=nopost): forget this hart's
 * pending batches of remote frees instead of posting them, so that the
 * objects are lost; returns their bytes.  Never call it otherwise.
 */
unsigned long mm_debug_drop_pending(void);

/*
 * slab_debug=1's last report (mm/slab_debug.c), for the slab_debug suite:
 * what was found, on which object of which cache, which bytes, and the
 * call sites of the object's last allocation and free and of the call
 * that found it.  @count counts every report since mm_init().
 */
enum mm_slab_debug_kind {
	MM_SLAB_DEBUG_NONE,
	MM_SLAB_DEBUG_RED_ZONE,	      /* bytes after the object changed */
	MM_SLAB_DEBUG_USE_AFTER_FREE, /* poison of a free object changed */
	MM_SLAB_DEBUG_DOUBLE_FREE,
	MM_SLAB_DEBUG_TRACK, /* the object's record itself is corrupt */
};

struct mm_slab_debug_report {
	unsigned long count;
	enum mm_slab_debug_kind kind;
	const void *object;
	const char *cache;
	unsigned int size, requested;
	unsigned int first_bad, last_bad; /* offsets from the object */
	uintptr_t alloc_ip, free_ip, found_ip;
	unsigned int alloc_hart, free_hart;
};
void mm_slab_debug_last(struct mm_slab_debug_report *r);
bool mm_slab_debug_on(void);

/* The secret keying the free lists (tests of mm_set_seed()). */
uint64_t mm_get_secret(void);

#endif
