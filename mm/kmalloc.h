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
 * kmalloc() with flags known to be GFP_KERNEL at the call site is
 * resolved there to kmalloc_kernel(), whose fast path has no flags test
 * and whose call needs no flags argument; __kmalloc() is the general one.
 */
void *__kmalloc(size_t size, unsigned int flags);
void *kmalloc_kernel(size_t size);

static inline void *kmalloc(size_t size, unsigned int flags)
{
	if (__builtin_constant_p(flags) && flags == GFP_KERNEL)
		return kmalloc_kernel(size);
	return __kmalloc(size, flags);
}
void *kzalloc(size_t size, unsigned int flags);
void *kmalloc_array(size_t n, size_t size, unsigned int flags);
void *kcalloc(size_t n, size_t size, unsigned int flags);
void *krealloc(const void *p, size_t new_size, unsigned int flags);
void kfree(const void *p);
size_t ksize(const void *p);

#endif
