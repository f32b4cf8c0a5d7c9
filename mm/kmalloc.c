// SPDX-License-Identifier: MIT
/*
 * The kmalloc family: routes each request to the hart's slabs (1..2048
 * bytes) or to buddy pages, and kfree() back by looking the address up.
 *
 * Owns no state.  The fast paths (kmalloc of a slab class, kfree of an
 * object of this hart's slab) are written so that they inline into one
 * function: a table load for the class, the hart's slot, a pop or push
 * with interrupts masked.  Everything else is out of line.
 */
#include "mm/kmalloc.h"

#include <string.h>

#include "mm/buddy.h"
#include "mm/core.h"
#include "mm/section.h"
#include "mm/slab.h"

static void *kmalloc_slow(size_t size, unsigned int flags)
{
	if (size <= SLAB_MAX_SIZE &&
	    (!(flags & __GFP_LOWMEM) || mm_all_lowmem))
		return slab_alloc_slow(size, flags);
	if (size > ((size_t)PAGE_SIZE << MM_MAX_ORDER))
		return NULL;
	return alloc_pages((size + PAGE_SIZE - 1) >> PAGE_SHIFT, flags);
}

void *kmalloc(size_t size, unsigned int flags)
{
	if (likely(size <= SLAB_MAX_SIZE && !flags)) {
		unsigned int off = slab_class_off[(size + 7) >> 3];
		unsigned long irq = port_irq_save();
		struct mm_class *c =
			(struct mm_class *)((char *)mm_this_hart() + off);
		void *p = slab_alloc_fast(c);

		port_irq_restore(irq);
		if (likely(p))
			return p;
	}
	return kmalloc_slow(size, flags);
}

void *kzalloc(size_t size, unsigned int flags)
{
	return kmalloc(size, flags | __GFP_ZERO);
}

void *kmalloc_array(size_t n, size_t size, unsigned int flags)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return kmalloc(bytes, flags);
}

void *kcalloc(size_t n, size_t size, unsigned int flags)
{
	return kmalloc_array(n, size, flags | __GFP_ZERO);
}

static void kfree_pages(const void *p, struct page_meta *pm)
{
	uintptr_t va = (uintptr_t)p;

	if (unlikely(!pm || pm->state != PM_ALLOC ||
		     (va & (PAGE_SIZE - 1)))) {
		buddy_report_bad_free("kfree", p, pm);
		return;
	}
	free_pages((void *)p);
}

/* Everything kfree() does, for addresses its inline lookup missed. */
static void __attribute__((noinline)) kfree_generic(const void *p)
{
	uintptr_t va = (uintptr_t)p;
	struct page_meta *pm = section_meta_only(va);

	if (pm && pm->state == PM_SLAB) {
		slab_free_slow(slab_of(va), va);
		return;
	}
	kfree_pages(p, pm);
}

void kfree(const void *p)
{
	uintptr_t va = (uintptr_t)p;
	const struct mm_section *sec =
		mm_sec_table[(va >> MM_SEC_GRAN_SHIFT) &
			     (MM_SEC_TABLE_SIZE - 1)];
	uint64_t idx = (va - sec->vbase) >> PAGE_SHIFT;
	struct slab *s;

	if (unlikely(!p))
		return;
	/* Every call below is a tail call: no stack frame on this path. */
	if (unlikely(idx >= sec->npages || sec->meta[idx].state != PM_SLAB)) {
		kfree_generic(p);
		return;
	}
	s = slab_of(va);
	if (likely(s->owner == port_this_hart() && slab_free_fast(s, va)))
		return;
	slab_free_slow(s, va);
}

size_t ksize(const void *p)
{
	uintptr_t va = (uintptr_t)p;
	struct mm_section *sec;
	struct page_meta *pm;

	if (!p)
		return 0;
	pm = section_meta(va, &sec);
	if (pm && pm->state == PM_SLAB)
		return slab_ksize(slab_of(va), va);
	return buddy_run_pages(p) << PAGE_SHIFT;
}

void *krealloc(const void *p, size_t new_size, unsigned int flags)
{
	size_t old;
	void *n;

	if (!p)
		return kmalloc(new_size, flags);
	if (!new_size) {
		kfree(p);
		return NULL;
	}
	old = ksize(p);
	if (!old)
		return NULL;	/* bad pointer, already reported */
	if (new_size <= old) {
		if (old > SLAB_MAX_SIZE)
			buddy_shrink_run((void *)p, (new_size + PAGE_SIZE - 1) >>
							    PAGE_SHIFT);
		return (void *)p;
	}
	n = kmalloc(new_size, flags & ~__GFP_ZERO);
	if (!n)
		return NULL;
	memcpy(n, p, old);
	if (flags & __GFP_ZERO)
		memset((char *)n + old, 0, new_size - old);
	kfree(p);
	return n;
}
