/* SPDX-License-Identifier: MIT */
/*
 * memblock: the boot-time view of physical memory, before the buddy
 * allocator exists.  Two sorted arrays of non-overlapping ranges: memory
 * (RAM the kernel may map) and reserved (taken: firmware, kernel image, FDT,
 * and everything memblock_alloc() has handed out).  Adjacent or overlapping
 * additions are merged.  Capacity is fixed; a full array is an error, never
 * a silent drop.  Single-threaded: only the boot hart uses it, before SMP.
 */
#ifndef HARTSLAB_KERNEL_MEMBLOCK_H
#define HARTSLAB_KERNEL_MEMBLOCK_H

#include "lib/types.h"

#define MEMBLOCK_MAX_REGIONS 64

struct memblock_region {
	phys_addr_t base;
	phys_addr_t size;
};

struct memblock_type {
	unsigned int cnt;
	struct memblock_region regions[MEMBLOCK_MAX_REGIONS];
};

struct memblock {
	struct memblock_type memory;
	struct memblock_type reserved;
};

void memblock_init(struct memblock *mb);
/* 0, -EINVAL (size 0 or wrap-around), -ENOSPC (array full). */
int memblock_add(struct memblock *mb, phys_addr_t base, phys_addr_t size);
/* Take a range out of memory (no-map ranges): may split a region. */
int memblock_remove(struct memblock *mb, phys_addr_t base, phys_addr_t size);
int memblock_reserve(struct memblock *mb, phys_addr_t base, phys_addr_t size);
/*
 * Allocate @size bytes aligned to @align (a power of two) from memory minus
 * reserved, the lowest fitting address at or above @min_addr, below @max_addr
 * (the block ends at or below @max_addr; 0 means no limit).  Reserves it and
 * returns its base, or 0 when nothing fits (so address 0 is never handed
 * out).  @align 0 counts as 1; an @align that is not a power of two fails.
 */
phys_addr_t memblock_alloc_range(struct memblock *mb, phys_addr_t size,
				 phys_addr_t align, phys_addr_t min_addr,
				 phys_addr_t max_addr);
phys_addr_t memblock_alloc(struct memblock *mb, phys_addr_t size,
			   phys_addr_t align);
bool memblock_is_reserved(const struct memblock *mb, phys_addr_t base,
			  phys_addr_t size); /* any overlap */
phys_addr_t memblock_free_bytes(const struct memblock *mb);

#endif
