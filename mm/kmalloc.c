// SPDX-License-Identifier: MIT
/*
 * The public API (mm/kmalloc.h, mm/page.h), the top layer of mm/: routes
 * each request to the hart's slabs (1..2048 bytes) or to buddy pages, and
 * kfree() back by looking the address up.
 *
 * Owns no state.  The fast paths (kmalloc of a slab class, kfree of an
 * object of this hart's current slab, alloc_pages/free_pages of 1..8 pages
 * through the block cache) are leaf functions without a stack frame: the
 * hart's slot through the port's per-hart pointer, a pop or a push, and a
 * tail call to mm.c's slow paths for everything else.  No atomic
 * instruction and no lock on them.
 *
 * Why the slab fast paths are correct without counting and, on the
 * kernel, without masking interrupts:
 *  - Only the owner hart touches a slab's ->free list (slab.c), and kfree
 *    pushes only onto a slab whose tag is this hart's slot address, which
 *    only this hart's *current* slabs carry (slab.h: frozen current slab).
 *    A current slab needs no in-use count and no list move whatever its
 *    fill: it never leaves the hart's class while current, and its count
 *    is recomputed from its free list when it stops being current, which
 *    happens only on this hart, on a slow path or in an interrupt handler
 *    (a drain).
 *  - What can change under a fast path on its own hart is exactly what an
 *    interrupt handler does: a drain (remote lists spliced into ->free, a
 *    current slab retired), an allocation or a free.  With masking (host,
 *    MM_DEBUG) none can run inside.  With restartable sequences (kernel)
 *    one can, but then the sequence starts over (mm_port.h): the pop
 *    rereads c->cur, the slab's ->free and the next link, the push rereads
 *    the tag and ->free, and the single store that commits each comes
 *    last, so a handler either ran entirely before the commit (and the
 *    sequence sees its effects) or entirely after it (and sees a finished
 *    pop or push).
 *  - The other kfree checks depend only on the slab's immutable fields
 *    (first, recip, key, link_hi) and on the object's own first word,
 *    which a handler does not touch unless the caller frees an object it
 *    does not own; they are made before the sequence.
 *  - Remote frees never take the fast path (the tag is another hart's), so
 *    the owner-only rule holds; a free into a slab that is not current
 *    takes the exact slow path (interior, double free by walking the
 *    lists, in-use count, list moves).
 */
#include "mm/kmalloc.h"

#include <stddef.h>
#include <string.h>

#include "mm/hart.h"
#include "mm/slab_debug.h"

static void *__attribute__((noinline))
kmalloc_miss(size_t size, unsigned int flags)
{
	if (size > SLAB_MAX_SIZE && size <= BUDDY_CACHE_RUNS * PAGE_SIZE)
		return alloc_pages((size + PAGE_SIZE - 1) >> PAGE_SHIFT, flags);
	return mm_kmalloc_slow(size, flags);
}

/*
 * The slab fast path: the class by one byte load relative to the slot
 * (2049..4095 map to h->cls_none, which always misses; so does every class
 * of the stand-in slot a hart has before mm_hart_init()), then a pop from
 * the frozen current slab with interrupts masked.
 */
static inline void *kmalloc_fast(struct mm_hart *h, size_t size)
{
	return slab_pop_current(&h->slab.cls[h->cls_idx[size]]);
}

_Static_assert(sizeof(struct mm_class) == KMALLOC_CLASS_STRIDE &&
		       offsetof(struct mm_hart, slab.cls) == 0,
	       "kmalloc_class(): class offset from the slot");

/* A constant size's class, resolved at the call site (mm/kmalloc.h). */
void *__mm_fast kmalloc_class(unsigned long cls_off)
{
	struct mm_hart *h = mm_hart_fast();
	struct mm_class *c = (struct mm_class *)((char *)h + cls_off);
	void *p;

#ifdef SLAB_RSEQ
	p = slab_pop_rseq(c);
#else
	unsigned long irq = port_irq_save();

	p = slab_alloc_fast(c);
	port_irq_restore(irq);
#endif
	if (likely(p))
		return p;
	/* The offset again from c and the slot: no register kept for it. */
	return kmalloc_miss(
		slab_class_size[((char *)c - (char *)mm_hart_fast()) /
				KMALLOC_CLASS_STRIDE],
		GFP_KERNEL);
}

void *__mm_fast kmalloc_kernel(size_t size)
{
	struct mm_hart *h = mm_hart_fast();

	if (likely(size < SLAB_IDX_SIZE)) {
		void *p = kmalloc_fast(h, size);

		if (likely(p))
			return p;
	}
	return kmalloc_miss(size, GFP_KERNEL);
}

void *__mm_fast __kmalloc(size_t size, unsigned int flags)
{
	struct mm_hart *h = mm_hart_fast();

	if (likely(size < SLAB_IDX_SIZE && !flags)) {
		void *p = kmalloc_fast(h, size);

		if (likely(p))
			return p;
	}
	return kmalloc_miss(size, flags);
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

/*
 * Everything kfree() does, for addresses its fast path did not take: the
 * full validation through the section table and page_meta, then the slab
 * (magic, interior, exact double-free walk, remote push) or page paths.
 */
/*
 * kfree_generic() with slab_debug=1: out of line, so that the ordinary
 * one keeps its shape; @ip is kfree's caller.
 */
static void __attribute__((noinline)) kfree_debug(const void *p, uintptr_t ip)
{
	uintptr_t va = (uintptr_t)p;
	struct page_meta *pm;

	if (!p)
		return;
	pm = section_meta_only(va);
	if (pm && pm_state(pm) == PM_SLAB) {
		if (!slab_debug_free(slab_of(va), va, ip))
			slab_free_slow(slab_of(va), va);
		return;
	}
	free_pages((void *)p);
}

static void __attribute__((noinline)) kfree_generic(const void *p)
{
	uintptr_t va = (uintptr_t)p;
	struct page_meta *pm;

	/* First, while ra is kfree's caller's (kfree tail-calls us). */
	if (unlikely(slab_debug_enabled)) {
		kfree_debug(p, (uintptr_t)__builtin_return_address(0));
		return;
	}
	if (!p)
		return;
	pm = section_meta_only(va);
	if (pm && pm_state(pm) == PM_SLAB) {
		slab_free_slow(slab_of(va), va);
		return;
	}
	free_pages((void *)p);
}

/*
 * The fast path trusts an address only when every test below holds, and
 * sends anything doubtful to kfree_generic():
 *  1. the slab header found by masking (slabs are aligned to their size)
 *     lies in [h, h + fast_span), inside the run of sections holding
 *     this hart's slot, so reading it cannot fault (NULL, and anything
 *     below the slot, fails here; the stand-in slot's span is 0);
 *  2. its tag is this hart's slot address, which only this hart's
 *     current slabs carry (mm/slab.h): user data does not hold an mm
 *     internal address by accident, a released slab has tag 0,
 *     a slab that is not current or another hart's slab (a remote free)
 *     fails, so this is the magic, the owner and the "current" test in one
 *     compare;
 *  3. the address is the start of an object (exact, one multiply);
 *  4. its first word is not an encoded free link (a double free always
 *     fails this and the slow path then walks the lists exactly; user
 *     data fails it only by a 2^-50 accident, costing time, not safety).
 * The current slab is frozen: no count to keep, whatever its fill.
 */
#ifdef SLAB_RSEQ
#define KFREE_CHECKED true /* kfree() made the object tests */
#else
#define KFREE_CHECKED false
#endif

/*
 * Not an open batch's slab (slab.h: slab_rc_add_fast()): this hart's own
 * slab takes the exact local free, another hart's object opens a batch in
 * this hart's remote cache, anything else takes the generic path.  Out of
 * line, so that kfree() stays a leaf.
 */
static void __attribute__((noinline))
kfree_remote_slow(struct mm_hart *h, struct slab *s, uintptr_t va)
{
	/* slab_debug=1: every free goes through its checks. */
	if (likely(!slab_debug_enabled &&
		   slab_free_not_current(&h->slab, s, va, KFREE_CHECKED)))
		return;
	kfree_generic((const void *)va);
}

/*
 * Not this hart's current slab: the common remote free, another hart's
 * object into the open batch of its slab, stays inside kfree().
 */
static inline __attribute__((always_inline)) void
kfree_remote(struct mm_hart *h, struct slab *s, uintptr_t va)
{
	if (likely(slab_free_remote_fast(&h->slab, s, va, KFREE_CHECKED)))
		return;
	kfree_remote_slow(h, s, va);
}

#ifdef SLAB_RSEQ
/*
 * The same tests in another order: the range first (so that the header
 * can be read), then the object tests on the header's immutable fields,
 * then the tag inside the restartable push (slab_push_rseq()), so that an
 * interrupt that makes the slab stop being current is seen.  If the
 * header is not a slab's at all the object tests read meaningless values
 * and the tag test fails: the verdict is the tag's.
 */
void __mm_fast kfree(const void *p)
{
	uintptr_t va = (uintptr_t)p;
	struct slab *s = slab_of(va);
	struct mm_hart *h = mm_hart_fast();

	if (likely((uintptr_t)s - (uintptr_t)h <
		   mm_stat_read(&h->slab.fast_span))) {
		uint64_t key = s->key;

		if (likely(slab_obj_valid(s, va) &&
			   !slab_obj_looks_free(s, va))) {
			if (likely(slab_push_rseq(s, va, (uintptr_t)&h->slab,
						  key)))
				return;
			kfree_remote(h, s, va);
			return;
		}
	}
	kfree_generic(p);
}
#else
void __mm_fast kfree(const void *p)
{
	uintptr_t va = (uintptr_t)p;
	struct slab *s = slab_of(va);
	struct mm_hart *h = mm_hart_fast();

	if (likely((uintptr_t)s - (uintptr_t)h <
		   mm_stat_read(&h->slab.fast_span))) {
		if (likely(slab_peek_tag(s) == (uintptr_t)&h->slab &&
			   slab_free_fast(s, va)))
			return;
		kfree_remote(h, s, va);
		return;
	}
	kfree_generic(p);
}

#endif

size_t ksize(const void *p)
{
	uintptr_t va = (uintptr_t)p;
	struct mm_section *s;
	struct page_meta *pm;

	if (!p)
		return 0;
	pm = section_meta_only(va);
	if (pm && pm_state(pm) == PM_SLAB) {
		if (unlikely(slab_debug_enabled))
			slab_debug_widen(slab_of(va), va);
		return slab_ksize(slab_of(va), va);
	}
	pm = buddy_check_run(p, "ksize", &s);
	return pm ? (size_t)pm->nr_pages << PAGE_SHIFT : 0;
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
		return NULL; /* bad pointer, already reported */
	if (new_size <= old) {
		if (old > SLAB_MAX_SIZE)
			buddy_shrink_run((void *)p, (new_size + PAGE_SIZE -
						     1) >> PAGE_SHIFT);
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

/* ---- pages ---- */

void *alloc_pages_order(unsigned int order, unsigned int flags)
{
	if (order > MM_MAX_ORDER)
		return NULL;
	return alloc_pages(1UL << order, flags);
}

/*
 * 1..8 pages with no flags pop the hart's block cache: a cached run is
 * PM_PCP with its order and nr_pages already set, so it becomes an
 * allocated run by its state alone (PM_PCP -> PM_ALLOC never passes
 * PM_FREE: no section lock, mm/section.h).  On the stand-in slot a hart
 * has before mm_hart_init() the cache is empty, so it misses.
 */
void *__mm_fast alloc_pages(size_t nr_pages, unsigned int flags)
{
	struct mm_hart *h = mm_hart_fast();

	if (likely(!flags && nr_pages - 1 < BUDDY_CACHE_RUNS)) {
		unsigned long irq = port_irq_save();
		void *p = buddy_cache_pop(&h->pages, nr_pages);

		port_irq_restore(irq);
		if (likely(p))
			return p;
	}
	return mm_alloc_pages_slow(nr_pages, flags);
}

/*
 * free_pages() of a run of 1..8 pages of the section holding this hart's
 * slot, while that list of the cache is below its high mark, pushes it on
 * the cache.  The run is accepted only when it is page aligned, inside
 * that section, and its page_meta says PM_ALLOC with 1..8 pages
 * (buddy_cacheable_run): exactly what the slow path would also push.  Anything
 * else (a non-head page, a tail of a run, a slab page, a page already free or
 * cached, the section prefix, an address in no section or in another one, NULL)
 * goes to the slow path, which checks and reports.  Pages have no owner hart:
 * any hart may cache any block.  PM_ALLOC -> PM_PCP never passes PM_FREE: no
 * lock.
 */
void __mm_fast free_pages(void *addr)
{
	struct mm_hart *h = mm_hart_fast();

	if (likely(buddy_cache_covers(&h->pages, (uintptr_t)addr))) {
		struct page_meta *pm =
			buddy_cache_meta(&h->pages, (uintptr_t)addr);
		uint64_t n = buddy_cacheable_run(pm);

		if (likely(n)) {
			unsigned long irq = port_irq_save();
			bool done =
				buddy_cache_push_fast(&h->pages, pm, addr, n);

			port_irq_restore(irq);
			if (likely(done))
				return;
		} else if (pm_state(pm) == PM_ALLOC) {
			/*
			 * A longer run of the slot's section, checked as the
			 * slow path would (an allocated head, page aligned):
			 * straight to the section, no second lookup.
			 */
			buddy_free_run(&h->pages, h->pages.pg_section, pm,
				       addr);
			return;
		}
	}
	mm_free_pages_slow(addr, "free_pages");
}
