// SPDX-License-Identifier: MIT
/*
 * The top of mm/'s layers: set-up, hot-add, per-hart slots and the
 * out-of-memory policy.
 *
 * Owns: mm_harts[] (set while sections are added or in mm_hart_init, on
 * the hart concerned or before other harts run), the hart -> node map,
 * and the secret keying the slabs' free lists.  A hart's slot is touched
 * only by that hart, with interrupts masked, apart from the parts its
 * layers declare shared (slab.c's revisit stack, the statistics).
 *
 * Sections are added one at a time (the kernel adds them on the boot hart
 * and hot-adds afterwards from one place); other harts may allocate and
 * free meanwhile: section.c publishes a finished section with release.
 *
 * Out of memory (mm_kmalloc_slow, mm_alloc_pages_slow): drain this hart
 * (remote frees taken back, spare slabs and the block cache returned),
 * ask the other harts to do the same and wait for them a bounded time
 * (port_kick_other_harts), retry once, then NULL.  __GFP_ATOMIC never asks
 * the others (it would wait), and a request that can never succeed
 * (__GFP_LOWMEM with no section below 4 GiB, more than the largest order)
 * fails at once without draining anything.
 */
#include <stddef.h>
#include <string.h>

#include "lib/errno.h"
#include "mm/hart.h"
#include "mm/introspect.h"
#include "mm/page.h"
#include "mm/slab_debug.h"

struct mm_hart *mm_harts[MM_MAX_HARTS];
unsigned int mm_nr_harts;
static int mm_hart_node[MM_MAX_HARTS];
static uint64_t mm_secret;
static bool mm_seeded_late; /* a section exists: too late to reseed */

/* Stand-in slot for a hart not placed yet: every fast path misses on it. */
static struct mm_hart unplaced;

size_t mm_hart_slot_size(void)
{
	return align_up(sizeof(struct mm_hart), 64);
}

_Static_assert(offsetof(struct mm_hart, cls_idx) < 2048,
	       "kmalloc reaches cls_idx with one lbu immediate");
_Static_assert(offsetof(struct mm_hart, pages) + sizeof(struct buddy_cache) <
		       2048,
	       "the page fast paths reach the cache with immediates");

static void hart_slot_init(struct mm_hart *h, unsigned int index)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->cls_idx, slab_class_idx, sizeof(h->cls_idx));
	slab_hart_init(&h->slab, index, mm_hart_node[index]);
	buddy_cache_init(&h->pages, mm_hart_node[index]);
	h->index = index;
	h->node = mm_hart_node[index];
	h->ready = true;
	mm_harts[index] = h;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void init_secret(uint64_t entropy)
{
	mm_secret = mix64(entropy ^ 0x9e3779b97f4a7c15ULL);
	slab_init_classes(mm_secret);
}

int mm_init(unsigned int nr_harts, const int *hart_node)
{
	unsigned int i;

	if (!nr_harts || nr_harts > MM_MAX_HARTS)
		return -EINVAL;
	section_reset_all();
	slab_reset_harts();
	init_secret(port_entropy());
	/*
	 * Every class's current slab is slab_none, the cache is empty and
	 * fast_span and pg_limit are 0: each fast path misses on it and its
	 * slow path finds !ready.  Nothing writes it after this (it is not
	 * registered with slab.c), so any number of harts may read it.
	 */
	memset(&unplaced, 0, sizeof(unplaced));
	for (i = 0; i < MM_NR_CLASSES; i++)
		unplaced.slab.cls[i].cur = &slab_none;
	unplaced.slab.cls_none.cur = &slab_none;
	memcpy(unplaced.cls_idx, slab_class_idx, sizeof(unplaced.cls_idx));
	mm_nr_harts = nr_harts;
	for (i = 0; i < MM_MAX_HARTS; i++) {
		mm_harts[i] = &unplaced;
		mm_hart_node[i] = hart_node && i < nr_harts ? hart_node[i] : 0;
	}
	slab_fast_range_update();
	port_reset_hart_mm(&unplaced);
	mm_bad_use_reset();
	slab_debug_reset();
	mm_seeded_late = false;
	return 0;
}

int mm_set_slab_debug(bool on)
{
	return slab_debug_enable(on, mm_seeded_late);
}

int mm_set_seed(const void *seed, size_t len)
{
	const uint8_t *p = seed;
	uint64_t x = mm_secret;
	size_t i;

	if (mm_seeded_late)
		return -EBUSY;
	for (i = 0; i < len; i++)
		x = mix64(x ^ ((uint64_t)p[i] << (8 * (i & 7))));
	init_secret(x);
	return 0;
}

uint64_t mm_get_secret(void)
{
	return mm_secret;
}

static unsigned int unplaced_harts_on(int node)
{
	unsigned int i, n = 0;

	for (i = 0; i < mm_nr_harts; i++)
		if (!mm_harts[i]->ready && mm_hart_node[i] == node)
			n++;
	return n;
}

int mm_add_section(phys_addr_t base, phys_addr_t size, int node,
		   const struct mm_range *reserved, unsigned int nr_reserved)
{
	size_t slot_sz = mm_hart_slot_size();
	unsigned int nslots, i, placed = 0;
	struct mm_section *s;
	char *p;
	int ret;

	if (!mm_nr_harts)
		return -EINVAL;
	nslots = unplaced_harts_on(node);
	ret = section_create(base, size, node, reserved, nr_reserved,
			     nslots * slot_sz, &s, (void **)&p);
	if (ret)
		return ret;
	buddy_section_init(s);
	if (!s->managed_pages)
		return -EINVAL; /* nothing left once reserved ranges are out */
	s->nr_slots = nslots;
	for (i = 0; i < mm_nr_harts && placed < nslots; i++) {
		struct mm_hart *h = (struct mm_hart *)p;

		if (mm_harts[i]->ready || mm_hart_node[i] != node)
			continue;
		hart_slot_init(h, i);
		buddy_cache_set_section(&h->pages, s);
		p += slot_sz;
		placed++;
	}
	mm_seeded_late = true;
	section_publish(s);
	slab_fast_range_update();
	slab_debug_prepare(mm_nr_harts); /* slab_debug=1 only */
	return 0;
}

int mm_add_region(phys_addr_t base, phys_addr_t size)
{
	return mm_add_section(base, size, 0, NULL, 0);
}

void mm_hart_init(void)
{
	unsigned int me = port_this_hart();
	struct mm_section *s;
	struct mm_hart *h;

	if (me >= mm_nr_harts) {
		port_log("mm: hart index %u beyond the %u harts of mm_init\n",
			 me, mm_nr_harts);
		return;
	}
	if (mm_harts[me]->ready) {
		port_set_hart_mm(mm_harts[me]);
		return;
	}
	/* No section on this hart's node: the slot comes from pages. */
	h = buddy_alloc_pages(
		NULL, (mm_hart_slot_size() + PAGE_SIZE - 1) >> PAGE_SHIFT,
		false, mm_hart_node[me]);
	if (!h) {
		port_log("mm: no memory for hart %u's slot\n", me);
		return;
	}
	hart_slot_init(h, me);
	if (section_meta((uintptr_t)h, &s))
		buddy_cache_set_section(&h->pages, s);
	slab_fast_range_update();
	port_set_hart_mm(h);
}

void mm_drain_this_hart(bool all)
{
	unsigned long irq = port_irq_save();
	struct mm_hart *h = mm_this_hart();

	if (h->ready) {
		slab_drain_hart(&h->slab, all);
		buddy_cache_drain(&h->pages, all);
	}
	if (all)
		buddy_flush_deferred();
	port_irq_restore(irq);
}

/* Out of memory: drain this hart, then (unless atomic) ask the others. */
static void reclaim(unsigned int flags)
{
	mm_drain_this_hart(true);
	if (!(flags & __GFP_ATOMIC))
		port_kick_other_harts();
}

/* A hart allocating before its mm_hart_init(): set it up now. */
static struct mm_hart *ready_hart(void)
{
	struct mm_hart *h = mm_this_hart();

	if (likely(h->ready))
		return h;
	mm_hart_init();
	h = mm_this_hart();
	return h->ready ? h : NULL;
}

/* Can a lowmem request ever succeed?  Normalised: false means "any". */
static bool want_lowmem(unsigned int flags)
{
	return (flags & __GFP_LOWMEM) && !section_all_lowmem();
}

static void *pages_try(uint64_t n, unsigned int flags)
{
	struct mm_hart *h = ready_hart();

	return buddy_alloc_pages(h ? &h->pages : NULL, n, want_lowmem(flags),
				 h ? h->node : mm_hart_node[port_this_hart()]);
}

void *mm_alloc_pages_slow(size_t nr_pages, unsigned int flags)
{
	void *p;

	if (!nr_pages || nr_pages > (1UL << MM_MAX_ORDER))
		return NULL;
	if ((flags & __GFP_LOWMEM) && !section_any_lowmem())
		return NULL; /* impossible: do not drain anyone for it */
	p = pages_try(nr_pages, flags);
	if (unlikely(!p)) {
		reclaim(flags);
		p = pages_try(nr_pages, flags);
		if (!p)
			return NULL;
	}
	if (flags & __GFP_ZERO)
		memset(p, 0, nr_pages << PAGE_SHIFT);
	return p;
}

static void *slab_try(unsigned int cls)
{
	unsigned long irq = port_irq_save();
	struct mm_hart *h = mm_this_hart();
	void *p = NULL;

	if (unlikely(!h->ready)) {
		port_irq_restore(irq);
		if (!ready_hart())
			return NULL;
		irq = port_irq_save();
		h = mm_this_hart();
	}
	p = slab_alloc_refill(&h->slab, cls);
	port_irq_restore(irq);
	return p;
}

/* slab_debug=1: every slab object comes from the debug classes. */
static void *__attribute__((noinline))
debug_kmalloc(unsigned int cls, size_t size, unsigned int flags, uintptr_t ip)
{
	void *p = NULL;

	if (ready_hart())
		p = slab_debug_kmalloc(cls, size, flags, ip);
	if (unlikely(!p)) {
		reclaim(flags);
		if (ready_hart())
			p = slab_debug_kmalloc(cls, size, flags, ip);
	}
	return p;
}

void *mm_kmalloc_slow(size_t size, unsigned int flags)
{
	unsigned int cls;
	void *p;

	if (size > SLAB_MAX_SIZE ||
	    ((flags & __GFP_LOWMEM) && !section_all_lowmem())) {
		if (size > ((size_t)PAGE_SIZE << MM_MAX_ORDER))
			return NULL;
		return mm_alloc_pages_slow((size + PAGE_SIZE - 1) >> PAGE_SHIFT,
					   flags);
	}
	cls = slab_class_of(size);
	if (unlikely(slab_debug_enabled)) /* kmalloc's caller: tail calls */
		return debug_kmalloc(cls, size, flags,
				     (uintptr_t)__builtin_return_address(0));
	p = slab_try(cls);
	if (unlikely(!p)) {
		reclaim(flags);
		p = slab_try(cls);
		if (!p)
			return NULL;
	}
	if (flags & __GFP_ZERO)
		memset(p, 0, slab_class_size[cls]);
	return p;
}

void mm_free_pages_slow(void *addr, const char *what)
{
	struct mm_section *s;
	struct page_meta *pm;
	unsigned long irq;
	struct mm_hart *h;

	if (!addr)
		return;
	pm = buddy_check_run(addr, what, &s);
	if (!pm)
		return;
	irq = port_irq_save();
	h = mm_this_hart();
	port_irq_restore(irq);
	/* The cache masks interrupts itself; h is this hart's for good. */
	buddy_free_run(h->ready ? &h->pages : NULL, s, pm, addr);
}
