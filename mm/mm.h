/* SPDX-License-Identifier: MIT */
/*
 * mm: set-up and introspection of the memory manager (the allocation API
 * itself is mm/kmalloc.h).
 *
 * Life cycle on the kernel: mm_init() once on the boot hart, then one
 * mm_add_section() per RAM region (RAM minus no-map ranges, reserved ranges
 * inside passed along), then every hart calls mm_hart_init() before it
 * allocates.  The host tests do the same over mmap'd arenas.
 */
#ifndef HARTSLAB_MM_MM_H
#define HARTSLAB_MM_MM_H

#include "lib/types.h"

#define MM_MAX_HARTS	64
#define MM_MAX_SECTIONS 32

struct mm_range {
	phys_addr_t base;
	phys_addr_t size;
};

/*
 * @nr_harts harts will use mm; @hart_node[i] is hart i's NUMA node (NULL:
 * all node 0).  Resets every global state of mm (tests call it again).
 */
int mm_init(unsigned int nr_harts, const int *hart_node);

/*
 * Turn [base, base+size) into a buddy section on @node.  Its metadata
 * (header, page_meta[], and the per-hart slab slots when this is the first
 * section, or the first on a hart's node) goes into the lowest part of the
 * range that is free of @reserved; reserved pages are marked and never
 * handed out.  -EINVAL for overlap with an existing section or a range too
 * small for its own metadata, -ENOSPC when the section table is full.
 */
int mm_add_section(phys_addr_t base, phys_addr_t size, int node,
		   const struct mm_range *reserved, unsigned int nr_reserved);

/* Hot-add RAM after boot: a section with nothing reserved, node 0. */
int mm_add_region(phys_addr_t base, phys_addr_t size);

/* Per-hart set-up; call on each hart before its first allocation. */
void mm_hart_init(void);

/*
 * Give back what this hart holds: take remote-free lists back, revisit the
 * slabs queued for it, return empty slabs beyond the spare and (with
 * @all) the spares and the per-hart page batch too.
 */
void mm_drain_this_hart(bool all);

struct mm_totals {
	uint64_t managed_bytes; /* pages handed to the buddy allocator */
	uint64_t free_bytes;	/* free in buddy (including per-hart batches) */
	uint64_t meta_bytes;	/* headers, page_meta, slab slots, padding */
};
void mm_get_totals(struct mm_totals *t);

/* Report lines (mm: section ..., mm: managed_bytes=...), via port_log. */
void mm_report(void);
void mm_print_buddyinfo(void);
void mm_print_slabinfo(bool per_hart);

/* ---- Added by the mm implementation (introspection for tests, stats) ---- */

/* What kfree/free_pages do on bad use: report + panic (default) or count. */
enum mm_bad_use_mode { MM_BAD_USE_PANIC, MM_BAD_USE_COUNT };
void mm_set_bad_use_mode(enum mm_bad_use_mode mode);
unsigned long mm_bad_use_count(void);

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
};
unsigned int mm_nr_size_classes(void);
/*
 * Totals over harts (@hart < 0) or one hart's view (allocs and slabs it
 * owns, frees it performed).  Exact only while the harts are quiet.
 */
int mm_get_class_stats(unsigned int cls, int hart, struct mm_class_stats *st);

#endif
