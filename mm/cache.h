/* SPDX-License-Identifier: MIT */
/*
 * Named object caches (Linux's kmem_cache API), bulk calls and node-aware
 * allocation.
 *
 * kmem_cache_create(name, size, align, flags, ctor): objects of @size
 * bytes (1..KMEM_CACHE_MAX_SIZE), aligned to @align (0 or a power of two
 * up to 4096; SLAB_HWCACHE_ALIGN asks for at least 64), served from
 * per-hart slabs exactly as kmalloc's classes are (the same frozen
 * current slab, the same lock-free remote frees).  @ctor runs once on
 * every object when its slab is made; objects must be freed in their
 * constructed state, and they come back out of the cache in it.  Caches
 * of the same geometry (object spacing, alignment) without constructors
 * share their slabs (Linux's merging) unless SLAB_NO_MERGE is given.
 * NULL on a bad argument or out of memory.
 *
 * kmem_cache_free(cache, p) is kfree(p) (kfree of a cache's object is
 * fine too); freeing into the wrong cache is reported as bad use.
 *
 * kmem_cache_destroy(cache): refuses (-EBUSY, with a message naming the
 * cache and the number of objects) while objects are in use; the cache
 * stays usable then.  A merged cache checks when its last user goes.
 *
 * Bulk calls: kmem_cache_alloc_bulk() returns @nr (all were allocated)
 * or 0 (none is left allocated), as Linux's does; one interrupt mask and
 * one hart lookup serve the whole batch.  kmalloc_bulk()/kfree_bulk() are
 * the kmalloc-sized equivalents.
 *
 * Node-aware: kmalloc_node() and alloc_pages_node() take memory from
 * @node when it has some free (NUMA_NO_NODE or this hart's node: the
 * ordinary paths), and from the other nodes otherwise.
 */
#ifndef HARTSLAB_MM_CACHE_H
#define HARTSLAB_MM_CACHE_H

#include <stddef.h>

#include "mm/page.h"

#define SLAB_HWCACHE_ALIGN 0x1u /* align objects to 64 bytes at least */
#define SLAB_NO_MERGE	   0x2u /* never share slabs with another cache */

#define KMEM_CACHE_MAX_SIZE 4096
#define KMEM_CACHE_NAME_MAX 32
#define NUMA_NO_NODE	    (-1)

struct kmem_cache;

struct kmem_cache *kmem_cache_create(const char *name, size_t size,
				     size_t align, unsigned int flags,
				     void (*ctor)(void *));
int kmem_cache_destroy(struct kmem_cache *cache);
void *kmem_cache_alloc(struct kmem_cache *cache, unsigned int flags);
void *kmem_cache_zalloc(struct kmem_cache *cache, unsigned int flags);
void *kmem_cache_alloc_node(struct kmem_cache *cache, unsigned int flags,
			    int node);
void kmem_cache_free(struct kmem_cache *cache, void *obj);
size_t kmem_cache_alloc_bulk(struct kmem_cache *cache, unsigned int flags,
			     size_t nr, void **objs);
void kmem_cache_free_bulk(struct kmem_cache *cache, size_t nr, void **objs);

size_t kmalloc_bulk(size_t size, unsigned int flags, size_t nr, void **objs);
void kfree_bulk(size_t nr, void **objs);

void *kmalloc_node(size_t size, unsigned int flags, int node);
void *alloc_pages_node(int node, size_t nr_pages, unsigned int flags);

/* The object size the cache was created with, and its name. */
size_t kmem_cache_size(const struct kmem_cache *cache);
const char *kmem_cache_name(const struct kmem_cache *cache);

struct kmem_cache_stats {
	size_t object_size, stride, align;
	unsigned long in_use; /* objects allocated, not freed */
	unsigned long slabs;
	unsigned int objs_per_slab;
	unsigned int users; /* caches sharing these slabs (merging) */
};
/* Exact only while the harts are quiet (stats of a merged cache are the
 * shared slabs'). */
void kmem_cache_get_stats(const struct kmem_cache *cache,
			  struct kmem_cache_stats *st);
/* Number of distinct slab sets (merged caches count once). */
unsigned int kmem_cache_count(void);

/* slabinfo's lines for the named caches (after mm_print_slabinfo()). */
void kmem_cache_print_slabinfo(void);

#endif
