// SPDX-License-Identifier: MIT
/*
 * The buddy page allocator, the per-hart order-0 page batches and the
 * per-hart run caches (whole blocks of 2, 4 and 8 pages).
 *
 * Owns: each section's free lists and free counts (section->lock, always
 * taken with interrupts masked), the page_meta of every page it hands out
 * or takes back, and each hart's page batch and run caches (touched only
 * by their own hart with interrupts masked, so no lock; other harts only
 * read their counts, for statistics).  A batch page or cached run comes
 * from any section and may have been allocated on any hart: pages have no
 * owner hart, only the list holding them has.  Batch pages and cached
 * runs count as free (mm_get_totals()) but are not on a section's free
 * lists (buddyinfo), and go back to those lists only under the section
 * lock: on overflow, on mm_drain_this_hart() and on the OOM path (all of
 * them).  A free block carries its list links
 * in its own first bytes.  Blocks are aligned on absolute physical page
 * numbers, so a block's buddy is found by flipping one bit of its pfn and
 * every block is aligned to its size.  Lock order: one section lock at a
 * time; never a section lock while waiting on another hart.
 *
 * page_meta rules: the first page of every free block, allocated run, slab
 * page, batch page or cached run is marked; all other pages are PM_TAIL.
 * A batch page or cached run is PM_PCP with the order and nr_pages it has
 * when allocated, so a buddy merger never takes it and moving it in or out
 * of a hart's list is a state write alone.  free_pages() and kfree() trust
 * only PM_ALLOC heads, so interior, repeated and foreign frees (a cached
 * run's too) are caught by one table lookup.
 */
#include "mm/buddy.h"

#include <string.h>

#include "mm/core.h"
#include "mm/kmalloc.h"
#include "mm/slab.h"

#define LOWMEM_LIMIT (1ULL << 32)

static inline uint64_t sec_pfn(const struct mm_section *s, uint64_t idx)
{
	return (s->base >> PAGE_SHIFT) + idx;
}

static void list_add_block(struct mm_section *s, uint64_t idx,
			   unsigned int order)
{
	struct free_block *b = section_page_addr(s, idx);
	struct free_block *head = s->free_list[order];

	b->prev = NULL;
	b->next = head;
	if (head)
		head->prev = b;
	s->free_list[order] = b;
	s->free_mask |= 1u << order;
	pm_set_state(&s->meta[idx], PM_FREE);
	s->meta[idx].order = order;
	s->meta[idx].nr_pages = 0;
	mm_stat_add(&s->nr_free[order], 1);
}

static void list_del_block(struct mm_section *s, uint64_t idx,
			   unsigned int order)
{
	struct free_block *b = section_page_addr(s, idx);

	if (b->prev)
		b->prev->next = b->next;
	else
		s->free_list[order] = b->next;
	if (b->next)
		b->next->prev = b->prev;
	if (!s->free_list[order])
		s->free_mask &= ~(1u << order);
	pm_set_state(&s->meta[idx], PM_TAIL);
	mm_stat_add(&s->nr_free[order], (unsigned long)-1);
}

static void add_free_pages(struct mm_section *s, int64_t n)
{
	mm_stat_add(&s->free_pages, (unsigned long)n);
}

void buddy_section_init(struct mm_section *s)
{
	unsigned int o;

	s->free_mask = 0;
	for (o = 0; o < MM_NR_ORDERS; o++) {
		s->free_list[o] = NULL;
		mm_stat_set(&s->nr_free[o], 0);
	}
	mm_stat_set(&s->free_pages, 0);
}

/* Free one aligned block, merging with its buddies: O(MM_MAX_ORDER). */
static void free_block(struct mm_section *s, uint64_t idx, unsigned int order)
{
	uint64_t pfn = sec_pfn(s, idx);

	add_free_pages(s, 1LL << order);
	pm_set_state(&s->meta[idx], PM_TAIL);
	while (order < MM_MAX_ORDER) {
		uint64_t bpfn = pfn ^ (1ULL << order);
		uint64_t bidx = idx + bpfn - pfn; /* wraps below 0: too big */
		struct page_meta *bm;

		if (bidx >= s->npages || s->npages - bidx < (1ULL << order))
			break;
		bm = &s->meta[bidx];
		if (pm_state(bm) != PM_FREE || bm->order != order)
			break;
		list_del_block(s, bidx, order);
		if (bpfn < pfn) {
			idx = bidx;
			pfn = bpfn;
		}
		order++;
	}
	list_add_block(s, idx, order);
}

/* Largest order that starts aligned at @pfn and fits in @n pages. */
static unsigned int fit_order(uint64_t pfn, uint64_t n)
{
	unsigned int o = 63 - __builtin_clzll(n);

	if (pfn) {
		unsigned int a = __builtin_ctzll(pfn);

		if (a < o)
			o = a;
	}
	return o > MM_MAX_ORDER ? MM_MAX_ORDER : o;
}

void buddy_free_range(struct mm_section *s, uint64_t idx, uint64_t n)
{
	while (n) {
		unsigned int o = fit_order(sec_pfn(s, idx), n);

		free_block(s, idx, o);
		idx += 1ULL << o;
		n -= 1ULL << o;
	}
}

/* First free block of order >= @order lying wholly below 4 GiB. */
static bool find_low_block(struct mm_section *s, unsigned int order,
			   uint64_t *idx, unsigned int *found)
{
	unsigned int o;

	for (o = order; o < MM_NR_ORDERS; o++) {
		struct free_block *b;

		for (b = s->free_list[o]; b; b = b->next) {
			uint64_t i = section_page_index(s, (uintptr_t)b);
			phys_addr_t pa = s->base + (i << PAGE_SHIFT);

			if (pa + (PAGE_SIZE << o) <= LOWMEM_LIMIT) {
				*idx = i;
				*found = o;
				return true;
			}
		}
	}
	return false;
}

/* Take a block of 2^@order pages; its head is left PM_TAIL.  Lock held. */
static bool alloc_block(struct mm_section *s, unsigned int order, bool low,
			uint64_t *idxp)
{
	unsigned int o;
	uint64_t idx;

	if (low && s->end > LOWMEM_LIMIT) {
		if (s->base >= LOWMEM_LIMIT ||
		    !find_low_block(s, order, &idx, &o))
			return false;
	} else {
		uint32_t m = s->free_mask >> order;

		if (!m)
			return false;
		o = order + __builtin_ctz(m);
		idx = section_page_index(s, (uintptr_t)s->free_list[o]);
	}
	list_del_block(s, idx, o);
	while (o > order) {
		o--;
		list_add_block(s, idx + (1ULL << o), o);
	}
	add_free_pages(s, -(1LL << order));
	*idxp = idx;
	return true;
}

static unsigned int order_for(uint64_t n)
{
	return n <= 1 ? 0 : 64 - __builtin_clzll(n - 1);
}

static int this_node(void)
{
	unsigned int i = port_this_hart();

	return i < MM_MAX_HARTS ? mm_hart_node[i] : 0;
}

/*
 * A run of @n pages (n <= 2^MM_MAX_ORDER) from the sections, @node's
 * first; the unused tail of the power-of-two block goes straight back.
 * Returns the head's address with its page_meta set to @state.
 */
static void *alloc_run(uint64_t n, bool low, int node, uint8_t state)
{
	unsigned int order = order_for(n), pass, i;

	for (pass = 0; pass < 2; pass++) {
		unsigned int nr = section_count();

		for (i = 0; i < nr; i++) {
			struct mm_section *s = mm_sections[i];
			unsigned long flags;
			uint64_t idx;
			bool ok;

			if ((s->node == node) != (pass == 0))
				continue;
			if (low && s->base >= LOWMEM_LIMIT)
				continue;
			flags = mm_spin_lock_irqsave(&s->lock);
			ok = alloc_block(s, order, low, &idx);
			if (ok) {
				pm_set_state(&s->meta[idx], state);
				s->meta[idx].order = order;
				s->meta[idx].nr_pages = n;
				if (n < (1ULL << order))
					buddy_free_range(s, idx + n,
							 (1ULL << order) - n);
			}
			mm_spin_unlock_irqrestore(&s->lock, flags);
			if (ok)
				return section_page_addr(s, idx);
		}
	}
	return NULL;
}

void buddy_free_run(struct mm_section *s, struct page_meta *pm, uintptr_t va)
{
	uint64_t idx = section_page_index(s, va), n = pm->nr_pages;
	unsigned long flags;

	flags = mm_spin_lock_irqsave(&s->lock);
	pm->nr_pages = 0;
	buddy_free_range(s, idx, n);
	mm_spin_unlock_irqrestore(&s->lock, flags);
}

/* ---- slabs ---- */

void *buddy_alloc_slab(int node)
{
	void *p = alloc_run(1UL << SLAB_ORDER, false, node, PM_SLAB);
	struct mm_section *s;
	struct page_meta *pm;
	unsigned int i;

	if (!p)
		return NULL;
	pm = section_meta((uintptr_t)p, &s);
	for (i = 1; i < (1u << SLAB_ORDER); i++)
		pm_set_state(&pm[i], PM_SLAB);
	return p;
}

void buddy_free_slab(void *addr)
{
	struct mm_section *s;
	struct page_meta *pm = section_meta((uintptr_t)addr, &s);
	unsigned long flags;
	unsigned int i;

	for (i = 1; i < (1u << SLAB_ORDER); i++)
		pm_set_state(&pm[i], PM_TAIL);
	flags = mm_spin_lock_irqsave(&s->lock);
	buddy_free_range(s, section_page_index(s, (uintptr_t)addr),
			 1UL << SLAB_ORDER);
	mm_spin_unlock_irqrestore(&s->lock, flags);
}

/* ---- the per-hart order-0 batch ---- */

/*
 * A page in a batch holds the link to the next one in its first word and
 * its own page_meta pointer in the second, so taking it out needs no
 * table lookup.  Its page_meta is PM_PCP with order 0 and nr_pages 1, so
 * that taking it out only has to write the state (alloc_pages' fast path).
 */
struct pcp_page {
	struct pcp_page *next;
	struct page_meta *pm;
};

static void pcp_push(struct mm_hart *h, struct pcp_page *pg,
		     struct page_meta *pm)
{
	/* Plain fields: a merger reads them only after seeing PM_FREE. */
	pm->order = 0;
	pm->nr_pages = 1;
	pm_set_state(pm, PM_PCP);
	pg->pm = pm;
	pg->next = h->pcp_head;
	h->pcp_head = pg;
	mm_stat_add(&h->pcp_count, 1);
}

static struct pcp_page *pcp_pop(struct mm_hart *h)
{
	struct pcp_page *pg = h->pcp_head;

	if (!pg)
		return NULL;
	h->pcp_head = pg->next;
	mm_stat_add(&h->pcp_count, (unsigned long)-1);
	pm_set_state(pg->pm, PM_ALLOC); /* order 0, nr_pages 1 already */
	return pg;
}

/* Interrupts masked.  Give back pages until @keep remain. */
static void pcp_trim(struct mm_hart *h, unsigned long keep)
{
	struct mm_section *locked = NULL;
	unsigned long flags = 0;

	while (mm_stat_read(&h->pcp_count) > keep) {
		struct pcp_page *pg = h->pcp_head;
		struct mm_section *s;

		section_meta((uintptr_t)pg, &s);
		h->pcp_head = pg->next;
		mm_stat_add(&h->pcp_count, (unsigned long)-1);
		if (s != locked) {
			if (locked)
				mm_spin_unlock_irqrestore(&locked->lock, flags);
			flags = mm_spin_lock_irqsave(&s->lock);
			locked = s;
		}
		free_block(s, section_page_index(s, (uintptr_t)pg), 0);
	}
	if (locked)
		mm_spin_unlock_irqrestore(&locked->lock, flags);
}

/* ---- the per-hart run caches, orders 1..MM_RUN_MAX_ORDER ---- */

/*
 * The order-0 batch's rules one order up.  A cached run is an aligned
 * block of 2^o pages (alloc_block() hands out nothing else, and a run is
 * cached only while its page_meta says PM_ALLOC, order o, nr_pages 2^o:
 * never a shrunk run nor an exact odd count).  Its head page_meta is
 * PM_PCP with that order and nr_pages, its other pages PM_TAIL, exactly
 * as while it was allocated; it is linked through its first two words
 * like a batch page.  PM_ALLOC <-> PM_PCP never passes PM_FREE, so the
 * owner moves it without the section lock (mm/section.h), and a merger
 * never takes a cached run, nor any part of it, as a free buddy.
 */
static void run_push(struct mm_hart *h, unsigned int o, struct pcp_page *pg,
		     struct page_meta *pm)
{
	/* Plain fields: a merger reads them only after seeing PM_FREE. */
	pm->order = o;
	pm->nr_pages = 1u << o;
	pm_set_state(pm, PM_PCP);
	pg->pm = pm;
	pg->next = h->run_head[o - 1];
	h->run_head[o - 1] = pg;
	mm_stat_add(&h->run_count[o - 1], 1);
}

static struct pcp_page *run_pop(struct mm_hart *h, unsigned int o)
{
	struct pcp_page *pg = h->run_head[o - 1];

	if (!pg)
		return NULL;
	h->run_head[o - 1] = pg->next;
	mm_stat_add(&h->run_count[o - 1], (unsigned long)-1);
	pm_set_state(pg->pm, PM_ALLOC); /* order, nr_pages already */
	return pg;
}

/*
 * Interrupts masked.  Fill this hart's cache of order @o (the order-0
 * batch, or the run list of that order) with up to a batch of blocks, this
 * hart's node first, under one section lock at a time.
 */
static void cache_refill(struct mm_hart *h, unsigned int o)
{
	unsigned int want = o ? RUN_BATCH : PCP_BATCH;
	unsigned int pass, i, got = 0;

	for (pass = 0; pass < 2 && got < want; pass++) {
		unsigned int nr = section_count();

		for (i = 0; i < nr && got < want; i++) {
			struct mm_section *s = mm_sections[i];
			unsigned long flags;
			uint64_t idx;

			if ((s->node == h->node) != (pass == 0))
				continue;
			flags = mm_spin_lock_irqsave(&s->lock);
			while (got < want && alloc_block(s, o, false, &idx)) {
				void *addr = section_page_addr(s, idx);

				if (o)
					run_push(h, o, addr, &s->meta[idx]);
				else
					pcp_push(h, addr, &s->meta[idx]);
				got++;
			}
			mm_spin_unlock_irqrestore(&s->lock, flags);
		}
	}
}

/* Interrupts masked.  Give back runs of order @o until @keep remain. */
static void run_trim(struct mm_hart *h, unsigned int o, unsigned long keep)
{
	struct mm_section *locked = NULL;
	unsigned long flags = 0;

	while (mm_stat_read(&h->run_count[o - 1]) > keep) {
		struct pcp_page *pg = h->run_head[o - 1];
		struct mm_section *s;

		section_meta((uintptr_t)pg, &s);
		h->run_head[o - 1] = pg->next;
		mm_stat_add(&h->run_count[o - 1], (unsigned long)-1);
		if (s != locked) {
			if (locked)
				mm_spin_unlock_irqrestore(&locked->lock, flags);
			flags = mm_spin_lock_irqsave(&s->lock);
			locked = s;
		}
		/* PM_PCP -> PM_TAIL -> PM_FREE (merged), under the lock. */
		free_block(s, section_page_index(s, (uintptr_t)pg), o);
	}
	if (locked)
		mm_spin_unlock_irqrestore(&locked->lock, flags);
}

static void *alloc_cached_run(unsigned int o)
{
	unsigned long flags = port_irq_save();
	struct mm_hart *h = mm_this_hart();
	struct pcp_page *pg = run_pop(h, o);

	if (unlikely(!pg) && h->ready) {
		cache_refill(h, o);
		pg = run_pop(h, o);
	}
	port_irq_restore(flags);
	if (unlikely(!pg) && !h->ready)
		return alloc_run(1UL << o, false, this_node(), PM_ALLOC);
	return pg;
}

void buddy_drain_pcp(struct mm_hart *h, bool all)
{
	unsigned int o;

	pcp_trim(h, all ? 0 : PCP_BATCH);
	for (o = 1; o <= MM_RUN_MAX_ORDER; o++)
		run_trim(h, o, all ? 0 : RUN_KEEP);
}

static void *alloc_one_page(void)
{
	unsigned long flags = port_irq_save();
	struct mm_hart *h = mm_this_hart();
	struct pcp_page *pg = pcp_pop(h);

	if (unlikely(!pg) && h->ready) {
		cache_refill(h, 0);
		pg = pcp_pop(h);
	}
	port_irq_restore(flags);
	if (unlikely(!pg) && !h->ready)
		return alloc_run(1, false, this_node(), PM_ALLOC);
	return pg;
}

/* ---- the page API ---- */

static void *alloc_pages_try(uint64_t n, unsigned int flags)
{
	bool low = (flags & __GFP_LOWMEM) && !mm_all_lowmem;

	if (n == 1 && !low)
		return alloc_one_page();
	if (n <= (1u << MM_RUN_MAX_ORDER) && !(n & (n - 1)) && !low)
		return alloc_cached_run(__builtin_ctzll(n));
	return alloc_run(n, low, this_node(), PM_ALLOC);
}

static void *__attribute__((noinline))
alloc_pages_slow(size_t nr_pages, unsigned int flags)
{
	void *p;

	if (!nr_pages || nr_pages > (1UL << MM_MAX_ORDER))
		return NULL;
	p = alloc_pages_try(nr_pages, flags);
	if (unlikely(!p)) {
		mm_reclaim();
		p = alloc_pages_try(nr_pages, flags);
		if (!p)
			return NULL;
	}
	if (flags & __GFP_ZERO)
		memset(p, 0, nr_pages << PAGE_SHIFT);
	return p;
}

void *alloc_pages_order(unsigned int order, unsigned int flags)
{
	if (order > MM_MAX_ORDER)
		return NULL;
	return alloc_pages(1UL << order, flags);
}

void buddy_report_bad_free(const char *what, const void *va,
			   const struct page_meta *pm)
{
	enum mm_bad_kind kind = MM_BAD_UNKNOWN;

	if (pm) {
		switch (pm_state(pm)) {
		case PM_ALLOC:
			kind = MM_BAD_INTERIOR;
			break;
		case PM_TAIL:
		case PM_SLAB:
			kind = MM_BAD_NOT_HEAD;
			break;
		case PM_FREE:
		case PM_PCP:
			kind = MM_BAD_DOUBLE_FREE;
			break;
		default:
			break;
		}
	}
	mm_bad_use(kind, what, va);
}

/* Every free_pages() its fast path did not take: the full checks. */
static void __attribute__((noinline)) free_pages_slow(void *addr)
{
	uintptr_t va = (uintptr_t)addr;
	struct mm_section *s;
	struct page_meta *pm;

	if (!addr)
		return;
	pm = section_meta(va, &s);
	if (unlikely(!pm || pm_state(pm) != PM_ALLOC ||
		     (va & (PAGE_SIZE - 1)))) {
		buddy_report_bad_free("free_pages", addr, pm);
		return;
	}
	buddy_free_checked(pm, addr);
}

void buddy_free_checked(struct page_meta *pm, void *addr)
{
	struct mm_section *s;
	uint64_t n = pm->nr_pages;
	unsigned int o = pm->order;
	unsigned long flags;
	struct mm_hart *h;

	/* A shrunk run keeps its order: only nr_pages == 2^order is whole. */
	if (n == 1 || (o <= MM_RUN_MAX_ORDER && n == 1ULL << o)) {
		flags = port_irq_save();
		h = mm_this_hart();
		if (likely(h->ready)) {
			if (n == 1) {
				pcp_push(h, addr, pm);
				if (unlikely(mm_stat_read(&h->pcp_count) >
					     PCP_HIGH))
					pcp_trim(h, PCP_BATCH);
			} else {
				run_push(h, o, addr, pm);
				if (unlikely(
					    mm_stat_read(&h->run_count[o - 1]) >
					    RUN_HIGH))
					run_trim(h, o, RUN_KEEP);
			}
			port_irq_restore(flags);
			return;
		}
		port_irq_restore(flags);
	}
	section_meta((uintptr_t)addr, &s);
	buddy_free_run(s, pm, (uintptr_t)addr);
}

/*
 * alloc_pages' second leaf, for a miss of the one-page path: 2, 4 or 8
 * pages with GFP_KERNEL pop this hart's run cache for that order, under
 * the same rules as the batch pop below (a cached run is PM_PCP with its
 * order and nr_pages already set; PM_PCP -> PM_ALLOC needs no lock).
 * Everything else, and an empty cache, goes to alloc_pages_slow().
 */
static void *__attribute__((noinline)) __mm_fast
alloc_pages_run(size_t nr_pages, unsigned int flags)
{
	struct mm_hart *h = mm_hart_fast();

	if (likely(!flags && nr_pages - 2 <= (1UL << MM_RUN_MAX_ORDER) - 2 &&
		   !(nr_pages & (nr_pages - 1)))) {
		unsigned int i = __builtin_ctzl(nr_pages) - 1;
		unsigned long irq = port_irq_save();
		struct pcp_page *pg = h->run_head[i];

		if (likely(pg)) {
			h->run_head[i] = pg->next;
			mm_stat_set(&h->run_count[i],
				    mm_stat_read(&h->run_count[i]) - 1);
			pm_set_state(pg->pm, PM_ALLOC);
			port_irq_restore(irq);
			return pg;
		}
		port_irq_restore(irq);
	}
	return alloc_pages_slow(nr_pages, flags);
}

/*
 * The page fast paths: leaves without a frame, one load of the hart's slot
 * from tp, interrupts masked around the batch update only (the batch is
 * this hart's alone, so no atomic and no lock), tail calls to the slow
 * paths for anything else.  On the stand-in slot a hart has before
 * mm_hart_init() the batch is empty and pg_limit is 0, so both miss.
 *
 * alloc_pages(1, GFP_KERNEL) pops the batch.  A batch page is PM_PCP with
 * order 0 and nr_pages 1 (pcp_push), so it becomes an allocated single
 * page by its state alone.  PM_PCP -> PM_ALLOC never passes PM_FREE, so it
 * needs no section lock (see mm/section.h); the owner-only count is a
 * plain volatile store on the kernel, a relaxed atomic on the host.
 */
void *__mm_fast alloc_pages(size_t nr_pages, unsigned int flags)
{
	struct mm_hart *h = mm_hart_fast();

	if (likely(nr_pages == 1 && !flags)) {
		unsigned long irq = port_irq_save();
		struct pcp_page *pg = h->pcp_head;

		if (likely(pg)) {
			h->pcp_head = pg->next;
			mm_stat_set(&h->pcp_count,
				    mm_stat_read(&h->pcp_count) - 1);
			pm_set_state(pg->pm, PM_ALLOC);
			port_irq_restore(irq);
			return pg;
		}
		port_irq_restore(irq);
	}
	return alloc_pages_run(nr_pages, flags);
}

/*
 * free_pages() of an allocated single page of the section holding this
 * hart's slot, while the batch is below PCP_HIGH, pushes it on the batch.
 * The page is accepted only when it is page aligned, inside that section,
 * and its page_meta says PM_ALLOC with order 0: exactly an allocated run
 * of one page, which free_pages_slow() would also push.  Anything else (a
 * non-head page, a tail of a run, a slab page, a page already free or in
 * some batch, the section prefix, an address in no section or in another
 * one, NULL) goes to free_pages_slow(), which checks and reports exactly
 * as before.  Pages have no owner hart: any hart may batch any page.
 * PM_ALLOC -> PM_PCP never passes PM_FREE: no lock (mm/section.h).
 */
void __mm_fast free_pages(void *addr)
{
	uintptr_t va = (uintptr_t)addr;
	struct mm_hart *h = mm_hart_fast();

	if (likely(va - h->pg_vbase < h->pg_limit && !(va & (PAGE_SIZE - 1)))) {
		struct page_meta *pm =
			(struct page_meta *)(h->pg_bias +
					     (va >> (PAGE_SHIFT - 3)));

		if (likely(pm_is_alloc_page(pm))) {
			unsigned long irq = port_irq_save();
			unsigned long n = mm_stat_read(&h->pcp_count);
			struct pcp_page *pg = addr;

			if (likely(n < PCP_HIGH)) {
				pm_set_state(pm, PM_PCP);
				pg->pm = pm;
				pg->next = h->pcp_head;
				h->pcp_head = pg;
				mm_stat_set(&h->pcp_count, n + 1);
				port_irq_restore(irq);
				return;
			}
			port_irq_restore(irq);
		}
	}
	free_pages_slow(addr);
}

uint64_t buddy_run_pages(const void *addr)
{
	struct mm_section *s;
	struct page_meta *pm = section_meta((uintptr_t)addr, &s);

	if (!pm || pm_state(pm) != PM_ALLOC ||
	    ((uintptr_t)addr & (PAGE_SIZE - 1))) {
		buddy_report_bad_free("ksize", addr, pm);
		return 0;
	}
	return pm->nr_pages;
}

void buddy_shrink_run(void *addr, uint64_t nr_pages)
{
	struct mm_section *s;
	struct page_meta *pm = section_meta((uintptr_t)addr, &s);
	uint64_t idx = section_page_index(s, (uintptr_t)addr);
	unsigned long flags;

	if (nr_pages >= pm->nr_pages || !nr_pages)
		return;
	flags = mm_spin_lock_irqsave(&s->lock);
	buddy_free_range(s, idx + nr_pages, pm->nr_pages - nr_pages);
	pm->nr_pages = nr_pages;
	mm_spin_unlock_irqrestore(&s->lock, flags);
}
