/* SPDX-License-Identifier: MIT */
/*
 * The allocation API.
 *
 * kmalloc(size, flags): objects of 1..2048 bytes come from per-hart slabs
 * (size classes of about four per doubling), larger ones from buddy pages
 * (exact page counts).  Power-of-two sizes are naturally aligned; every
 * object is at least 8-byte aligned.  kmalloc(0) returns a unique minimal
 * (8-byte) object, like any other size: it must be kfree()d; ksize() of it
 * is 8.  Allocation never panics: out of memory returns NULL after this
 * hart and then the others have given back what they cache.
 *
 * kfree(p): any hart, no size, NULL allowed.  Freeing something mm did not
 * hand out, an interior pointer, or freeing twice is reported (with the
 * address and hart) and panics, unless mm_set_bad_use_mode() says count.
 *
 * krealloc(p, n, flags), Linux semantics: p == NULL is kmalloc(n, flags);
 * n == 0 frees p and returns NULL; n <= ksize(p) returns p unchanged (a
 * page run is shrunk in place, its tail pages go back); otherwise a new
 * object gets the old contents and p is freed.  On failure NULL is returned
 * and p is left alone.  With __GFP_ZERO, bytes past the old ksize(p) up to
 * n are zeroed.
 *
 * Pages and the GFP flags: mm/page.h.
 */
#ifndef HARTSLAB_MM_KMALLOC_H
#define HARTSLAB_MM_KMALLOC_H

#include <stddef.h>

#include "mm/page.h"

/*
 * kmalloc() is resolved at the call site as far as its arguments are
 * known there: a constant size of at most 2048 bytes with GFP_KERNEL goes
 * straight to its size class (kmalloc_class(): no size test, no table
 * lookup), GFP_KERNEL alone to kmalloc_kernel() (no flags test, no flags
 * argument), anything else to __kmalloc().  All three are the same
 * allocator.
 */
void *__kmalloc(size_t size, unsigned int flags);
void *kmalloc_kernel(size_t size);
/* @cls_off: KMALLOC_CLASS_OFF(size) of a constant size. */
void *kmalloc_class(unsigned long cls_off);

/*
 * The size classes (mm/slab.c's slab_class_size[], which a host test
 * checks against this) as a constant expression, and the class's offset
 * in the hart's class array (64 bytes a class; mm/kmalloc.c asserts it).
 */
#define KMALLOC_CLASS_IDX(n) \
	((n) <= 8      ? 0   \
	 : (n) <= 16   ? 1   \
	 : (n) <= 24   ? 2   \
	 : (n) <= 32   ? 3   \
	 : (n) <= 48   ? 4   \
	 : (n) <= 64   ? 5   \
	 : (n) <= 80   ? 6   \
	 : (n) <= 96   ? 7   \
	 : (n) <= 112  ? 8   \
	 : (n) <= 128  ? 9   \
	 : (n) <= 160  ? 10  \
	 : (n) <= 192  ? 11  \
	 : (n) <= 224  ? 12  \
	 : (n) <= 256  ? 13  \
	 : (n) <= 320  ? 14  \
	 : (n) <= 384  ? 15  \
	 : (n) <= 448  ? 16  \
	 : (n) <= 512  ? 17  \
	 : (n) <= 640  ? 18  \
	 : (n) <= 768  ? 19  \
	 : (n) <= 896  ? 20  \
	 : (n) <= 1024 ? 21  \
	 : (n) <= 1280 ? 22  \
	 : (n) <= 1536 ? 23  \
	 : (n) <= 1792 ? 24  \
		       : 25)
#define KMALLOC_CLASS_STRIDE 64
#define KMALLOC_CLASS_OFF(n) (KMALLOC_CLASS_IDX(n) * KMALLOC_CLASS_STRIDE)

static inline void *kmalloc(size_t size, unsigned int flags)
{
	if (__builtin_constant_p(flags) && flags == 0) {
		if (__builtin_constant_p(size) && size <= 2048)
			return kmalloc_class(KMALLOC_CLASS_OFF(size));
		return kmalloc_kernel(size);
	}
	return __kmalloc(size, flags);
}
void *kzalloc(size_t size, unsigned int flags);
void *kmalloc_array(size_t n, size_t size, unsigned int flags);
void *kcalloc(size_t n, size_t size, unsigned int flags);
void *krealloc(const void *p, size_t new_size, unsigned int flags);
void kfree(const void *p);
size_t ksize(const void *p);

#endif
