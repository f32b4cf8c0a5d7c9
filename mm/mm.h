/* SPDX-License-Identifier: MIT */
/*
 * mm: set-up and reports of the memory manager (the allocation API itself
 * is mm/kmalloc.h and mm/page.h; what tests look at is mm/introspect.h).
 *
 * Life cycle on the kernel: mm_init() once on the boot hart, then one
 * mm_add_section() per RAM region (RAM minus no-map ranges, reserved ranges
 * inside passed along), then every hart calls mm_hart_init() before it
 * allocates.  The host tests do the same over mmap'd arenas.
 */
#ifndef HARTSLAB_MM_MM_H
#define HARTSLAB_MM_MM_H

#include <stddef.h>

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
 * small for its own metadata or beyond what the port can map
 * (port_phys_limit()), -ENOSPC when the section table is full.
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

/*
 * The bounds on batched remote frees (docs/design.md): post the remote
 * frees this hart gathered for other harts and take back what they posted
 * to it.  The kernel calls mm_tick() on every timer tick and mm_idle()
 * before a hart waits for an interrupt; a host thread calls mm_idle()
 * before it stops using mm.  Interrupt context allowed.
 */
void mm_tick(void);
void mm_idle(void);

/*
 * Hart hot-plug.  mm_hart_offline(), on the hart about to stop: give back
 * everything it holds (remote frees taken back, empty slabs and spares,
 * the block cache) and park its slabs that still have objects in use;
 * it must not allocate or free again until it comes back.  Objects other
 * harts free into a parked hart's slabs are taken back by any hart's full
 * drain (mm_drain_this_hart(true), which calls mm_reap_offline()), and
 * by the hart itself once it is back: mm_hart_init() on a parked hart
 * unparks it with fresh per-hart state.  The rules are at the end of
 * mm/mm.c.
 */
void mm_hart_offline(void);
void mm_reap_offline(void);
bool mm_hart_is_parked(unsigned int index);

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

/* What kfree/free_pages do on bad use: report + panic (default) or count. */
enum mm_bad_use_mode { MM_BAD_USE_PANIC, MM_BAD_USE_COUNT };
void mm_set_bad_use_mode(enum mm_bad_use_mode mode);
unsigned long mm_bad_use_count(void);

/*
 * Mix @len bytes of boot entropy (the device tree's /chosen/rng-seed) into
 * the secret that keys the slabs' free lists.  Call after mm_init() and
 * before the first mm_add_section(); -EBUSY afterwards.  Without it the
 * secret comes from the port's entropy (time and instret on the kernel).
 */
int mm_set_seed(const void *seed, size_t len);

/*
 * slab_debug=1 (mm/slab_debug.h): red zones, poison and allocation
 * records for every slab object.  Call after mm_init() and before the
 * first mm_add_section(); -EBUSY afterwards.
 */
int mm_set_slab_debug(bool on);

#endif
