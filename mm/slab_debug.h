/* SPDX-License-Identifier: MIT */
/*
 * slab_debug=1: SLUB-style object debugging switched on at boot, no
 * rebuild (see slab_debug.c for the layout, the checks and the rules).
 *
 * With it on, every slab object of kmalloc and of the named caches is
 * served from separate debug geometries (their own per-hart classes, so
 * the kmalloc fast paths, which only ever see the ordinary classes, always
 * miss and take the slow path here), with a red zone after the object,
 * poison in free objects, and a record of the last allocation and free:
 * hart, call site and time.  Debug slabs never carry a current-slab tag
 * that kfree's fast path accepts (SLAB_TAG_DEBUG), so every free comes
 * here too.  With it off nothing of this runs: the only hooks are on slow
 * paths (mm_kmalloc_slow, kfree_generic, ksize, cache creation).
 */
#ifndef HARTSLAB_MM_SLAB_DEBUG_H
#define HARTSLAB_MM_SLAB_DEBUG_H

#include "mm/slab.h"

/* Set by mm_set_slab_debug() before the first section; read-only after. */
extern bool slab_debug_enabled;

/* mm_init(): off, and forget the debug classes of an earlier mm_init. */
void slab_debug_reset(void);
int slab_debug_enable(bool on, bool too_late);
/*
 * With slab_debug on, make the debug twins of the kmalloc classes for
 * @nr_harts harts now (mm_add_section(): part of the set-up, not of the
 * first allocation); a no-op when made already or off.  NULL: no memory.
 */
struct dbg_classes;
struct dbg_classes *slab_debug_prepare(unsigned int nr_harts);

/* Turn @g (size and ctor set) into a debug geometry, objects aligned to
 * @align. */
void slab_debug_geom(struct slab_geom *g, size_t align);

/*
 * kmalloc of a slab size: an object of class @cls for a request of @size
 * bytes, from this hart's debug class (interrupts enabled, hart ready).
 * NULL when out of memory (the caller's policy retries).  @ip: caller.
 */
void *slab_debug_kmalloc(unsigned int cls, size_t size, unsigned int flags,
			 uintptr_t ip);
/* The same from a named cache's debug geometry @g (@size: its size). */
void *slab_debug_cache_alloc(const struct slab_geom *g, size_t size,
			     unsigned int flags, uintptr_t ip);
/*
 * kfree() of @va in slab @s (page_meta says slab): when @s is a debug
 * slab, check, record, poison and free it (true); false: not a debug
 * slab, the ordinary slow path goes on.
 */
bool slab_debug_free(struct slab *s, uintptr_t va, uintptr_t ip);
/* ksize() of a debug object: the caller may use all of it from now on. */
void slab_debug_widen(struct slab *s, uintptr_t va);

#endif
