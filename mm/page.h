/* SPDX-License-Identifier: MIT */
/*
 * The page API and the allocation flags.
 *
 * alloc_pages(n) gives exactly n pages (the unused tail of the power-of-two
 * block is given back; 1, 2, 4 or 8 pages come from the hart's block
 * cache); alloc_pages_order(o) gives 2^o pages aligned to their size;
 * free_pages() needs no size.  Both are free-able with either free_pages()
 * or kfree().  Out of memory returns NULL, never panics.
 */
#ifndef HARTSLAB_MM_PAGE_H
#define HARTSLAB_MM_PAGE_H

#include <stddef.h>

#define GFP_KERNEL   0u
#define __GFP_ZERO   0x1u
#define __GFP_LOWMEM 0x2u /* physical address below 4 GiB */
/*
 * Never wait for other harts, never sleep: out of memory drains this
 * hart's own caches, retries once and fails.  Interrupt handlers use it.
 */
#define __GFP_ATOMIC 0x4u
#define GFP_ATOMIC   __GFP_ATOMIC

void *alloc_pages(size_t nr_pages, unsigned int flags);
void *alloc_pages_order(unsigned int order, unsigned int flags);
void free_pages(void *addr);

#endif
