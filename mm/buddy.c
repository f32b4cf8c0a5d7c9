// SPDX-License-Identifier: MIT
/*
 * The buddy page allocator and the per-hart block cache.
 *
 * Owns: each section's free lists and free counts (section->lock, always
 * taken with interrupts masked), the page_meta of every page it hands out
 * or takes back, and each hart's block cache (struct buddy_cache: touched
 * only by its own hart with interrupts masked, so no lock; other harts
 * only read its counts, for statistics).  A cached block comes from any
 * section and may have been allocated on any hart: pages have no owner
 * hart, only the cache holding them has.  Cached blocks count as free
 * (mm_get_totals()) but are not on a section's free lists (buddyinfo), and
 * go back to those lists only under the section lock: on overflow, on a
 * drain, and on the out-of-memory path (all of them).
 *
 * A free block carries its list links in its own first bytes.  Blocks are
 * aligned on absolute physical page numbers, so a block's buddy is found
 * by flipping one bit of its pfn and every block is aligned to its size.
 * Lock order: one section lock at a time; never a section lock while
 * waiting on another hart.  This layer never waits and never reclaims: a
 * request that does not fit returns NULL (the policy is mm.c's).
 *
 * page_meta rules: the first page of every free block, allocated run, slab
 * page or cached block is marked; all other pages are PM_TAIL.  A cached
 * block is PM_PCP with the order and nr_pages it has when allocated, so a
 * buddy merger never takes it and moving it in or out of a cache is a
 * state write alone.  Frees trust only PM_ALLOC heads, so interior,
 * repeated and foreign frees (a cached block's too) are caught by one
 * table lookup.
 *
 * The cache holds runs of exactly 1..8 pages (mm/buddy.h): an allocation
 * of n <= 8 pages is one pop, its free one push.
 */
#include "mm/buddy.h"

#include <string.h>

static inline uint64_t sec_pfn(const struct mm_section *s, uint64_t idx)
{
	return (s->base >> PAGE_SHIFT) + idx;
}

static void assert_locked(struct mm_section *s)
{
	MM_BUG_ON(!atomic_load_explicit(&s->lock.locked, memory_order_relaxed));
	mm_assert_irqs_off();
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
	pm_set_free(&s->meta[idx], order);
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
}

static void add_free_pages(struct mm_section *s, int64_t n)
{
	mm_stat_add(&s->free_pages, (unsigned long)n);
}

/* Free one aligned block, merging with its buddies: O(MM_MAX_ORDER). */
static void free_block(struct mm_section *s, uint64_t idx, unsigned int order)
{
	uint64_t pfn = sec_pfn(s, idx);

	assert_locked(s);
	add_free_pages(s, 1LL << order);
	pm_set_state(&s->meta[idx], PM_TAIL);
	while (order < MM_MAX_ORDER) {
		uint64_t bpfn = pfn ^ (1ULL << order);
		uint64_t bidx = idx + bpfn - pfn; /* wraps below 0: too big */
		struct page_meta *bm;

		if (bidx >= s->npages || s->npages - bidx < (1ULL << order))
			break;
		bm = &s->meta[bidx];
		if (!pm_is_free_block(bm, order))
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

/*
 * Deferred merging, orders DEFER_MIN..MM_MAX_ORDER-1: a whole block freed
 * by buddy_free_run() into an empty slot of its order is kept there, PM_PCP
 * (so no merger takes it), counted free, off the lists; the next
 * alloc_block() of that order takes it back without a split, so a loop of
 * 2 MiB allocations and frees does not split a large block down and merge
 * it up again every time.  A slot holds one block; any allocation the
 * lists cannot satisfy first merges every deferred block of the section
 * (flush_deferred), so deferral never makes an allocation fail.  Lock
 * held throughout.
 */
#define DEFER_MIN 4

static void flush_deferred(struct mm_section *s)
{
	unsigned int o;

	for (o = DEFER_MIN; o < MM_MAX_ORDER; o++) {
		uint64_t d = s->deferred[o];

		if (!d)
			continue;
		s->deferred[o] = 0;
		add_free_pages(s, -(1LL << o));
		free_block(s, d - 1, o);
	}
}

static bool take_deferred(struct mm_section *s, unsigned int order,
			  uint64_t *idxp)
{
	uint64_t d;

	if (order < DEFER_MIN || order >= MM_MAX_ORDER)
		return false;
	d = s->deferred[order];
	if (!d)
		return false;
	s->deferred[order] = 0;
	pm_set_state(&s->meta[d - 1], PM_TAIL);
	add_free_pages(s, -(1LL << order));
	*idxp = d - 1;
	return true;
}

/* Free a whole aligned block: deferred if its slot is empty, else merged. */
static void free_block_defer(struct mm_section *s, uint64_t idx,
			     unsigned int order)
{
	if (order < DEFER_MIN || order >= MM_MAX_ORDER || s->deferred[order]) {
		free_block(s, idx, order);
		return;
	}
	assert_locked(s);
	s->meta[idx].order = order;
	s->meta[idx].nr_pages = 0;
	pm_set_state(&s->meta[idx], PM_PCP);
	s->deferred[order] = idx + 1;
	add_free_pages(s, 1LL << order);
}

/* Largest order <= @max that starts aligned at @pfn and fits in @n pages. */
static unsigned int fit_order(uint64_t pfn, uint64_t n, unsigned int max)
{
	unsigned int o = mm_fls(n);

	if (pfn) {
		unsigned int a = mm_ctz(pfn);

		if (a < o)
			o = a;
	}
	return o > max ? max : o;
}

/* Free [idx, idx+n) of @s into its free lists, merging.  Lock held. */
static void free_range(struct mm_section *s, uint64_t idx, uint64_t n)
{
	while (n) {
		unsigned int o = fit_order(sec_pfn(s, idx), n, MM_MAX_ORDER);

		free_block(s, idx, o);
		idx += 1ULL << o;
		n -= 1ULL << o;
	}
}

void buddy_section_init(struct mm_section *s)
{
	unsigned long flags;
	uint64_t i = 0, start;
	unsigned int o;

	s->free_mask = 0;
	for (o = 0; o < MM_NR_ORDERS; o++) {
		s->free_list[o] = NULL;
		s->deferred[o] = 0;
	}
	mm_stat_set(&s->free_pages, 0);
	/* Not published yet: the lock only satisfies free_block's check. */
	flags = mm_spin_lock_irqsave(&s->lock);
	while (i < s->npages) {
		if (pm_state(&s->meta[i]) != PM_TAIL) {
			i++;
			continue;
		}
		start = i;
		while (i < s->npages && pm_state(&s->meta[i]) == PM_TAIL)
			i++;
		s->managed_pages += i - start;
		free_range(s, start, i - start);
	}
	mm_spin_unlock_irqrestore(&s->lock, flags);
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

	assert_locked(s);
	if (low && s->end > LOWMEM_LIMIT) {
		if (s->base >= LOWMEM_LIMIT)
			return false;
		flush_deferred(s);
		if (!find_low_block(s, order, &idx, &o))
			return false;
	} else {
		uint32_t m = s->free_mask >> order;

		if (take_deferred(s, order, idxp))
			return true;
		if (!m) {
			flush_deferred(s);
			m = s->free_mask >> order;
			if (!m)
				return false;
		}
		o = order + mm_ctz(m);
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
	if (!(n & (n - 1)))
		return n ? mm_ctz(n) : 0;
	return mm_fls(n - 1) + 1;
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
			struct mm_section *s = section_get(i);
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
				s->meta[idx].order = order;
				s->meta[idx].nr_pages = n;
				pm_set_state(&s->meta[idx], state);
				if (n < (1ULL << order))
					free_range(s, idx + n,
						   (1ULL << order) - n);
			}
			mm_spin_unlock_irqrestore(&s->lock, flags);
			if (ok)
				return section_page_addr(s, idx);
		}
	}
	return NULL;
}

/* ---- slabs ---- */

void *buddy_alloc_slab(unsigned int order, int node)
{
	void *p = alloc_run(1UL << order, false, node, PM_SLAB);
	struct mm_section *s;
	struct page_meta *pm;
	unsigned int i;

	if (!p)
		return NULL;
	pm = section_meta((uintptr_t)p, &s);
	for (i = 1; i < (1u << order); i++)
		pm_set_state(&pm[i], PM_SLAB);
	return p;
}

void buddy_free_slab(void *addr, unsigned int order)
{
	struct mm_section *s;
	struct page_meta *pm = section_meta((uintptr_t)addr, &s);
	unsigned long flags;
	unsigned int i;

	for (i = 1; i < (1u << order); i++)
		pm_set_state(&pm[i], PM_TAIL);
	flags = mm_spin_lock_irqsave(&s->lock);
	free_range(s, section_page_index(s, (uintptr_t)addr), 1UL << order);
	mm_spin_unlock_irqrestore(&s->lock, flags);
}

/* ---- the per-hart block cache ---- */

/* Per run length 1..8: runs moved per refill, kept by a trim, high mark. */
static const uint8_t cache_batch[BUDDY_CACHE_RUNS] = {
	16, 2, 2, 2, 2, 2, 2, 2
};
static const uint8_t cache_keep[BUDDY_CACHE_RUNS] = { 16, 4, 4, 4, 4, 4, 4, 4 };
static const uint8_t cache_high[BUDDY_CACHE_RUNS] = { 64, 8, 8, 8, 8, 8, 8, 8 };

/* Runs of @n pages held (any hart may read it: statistics). */
static long cache_count(const struct buddy_cache *pc, uint64_t n)
{
	return (long)pc->high[n - 1] - (long)mm_stat_read(&pc->room[n - 1]);
}

void buddy_cache_init(struct buddy_cache *pc, int node)
{
	unsigned int i;

	memset(pc, 0, sizeof(*pc));
	for (i = 0; i < BUDDY_CACHE_RUNS; i++) {
		pc->head[i] = NULL;
		mm_stat_set(&pc->room[i], cache_high[i]);
		pc->high[i] = cache_high[i];
	}
	pc->node = node;
}

void buddy_cache_set_section(struct buddy_cache *pc, struct mm_section *s)
{
	pc->pg_section = s;
	pc->pg_vbase = s->vbase;
	pc->pg_limit = s->npages << PAGE_SHIFT;
	/* vbase is page aligned: (va >> 9) - (vbase >> 9) == idx * 8. */
	pc->pg_bias = (uintptr_t)s->meta - (s->vbase >> (PAGE_SHIFT - 3));
}

uint64_t buddy_cache_pages(const struct buddy_cache *pc)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < BUDDY_CACHE_RUNS; i++)
		n += (uint64_t)cache_count(pc, i + 1) * (i + 1);
	return n;
}

/* Push a run of @n pages headed by @pm (its order and nr_pages set). */
static void cache_push(struct buddy_cache *pc, uint64_t n, void *addr,
		       struct page_meta *pm)
{
	struct cache_block *b = addr;

	mm_assert_irqs_off();
	pm_set_state(pm, PM_PCP);
	b->pm = pm;
	b->next = pc->head[n - 1];
	pc->head[n - 1] = b;
	mm_stat_add(&pc->room[n - 1], (unsigned long)-1);
}

/* Interrupts masked.  Give back runs of @n pages until @keep remain. */
static void cache_trim(struct buddy_cache *pc, uint64_t n, unsigned long keep)
{
	struct mm_section *locked = NULL;
	unsigned long flags = 0;

	mm_assert_irqs_off();
	while (cache_count(pc, n) > (long)keep) {
		struct cache_block *b = pc->head[n - 1];
		struct mm_section *s;

		section_meta((uintptr_t)b, &s);
		pc->head[n - 1] = b->next;
		mm_stat_add(&pc->room[n - 1], 1);
		if (s != locked) {
			if (locked)
				mm_spin_unlock_irqrestore(&locked->lock, flags);
			flags = mm_spin_lock_irqsave(&s->lock);
			locked = s;
		}
		/* PM_PCP -> PM_TAIL -> PM_FREE (merged), under the lock. */
		b->pm->nr_pages = 0;
		free_range(s, section_page_index(s, (uintptr_t)b), n);
	}
	if (locked)
		mm_spin_unlock_irqrestore(&locked->lock, flags);
}

/*
 * Interrupts masked.  Cut up to a batch of runs of @n pages, this hart's
 * node first, under one section lock at a time: a block of order_for(n)
 * each, its unused tail back to the free lists at once.
 */
static void cache_refill(struct buddy_cache *pc, uint64_t n)
{
	unsigned int want = cache_batch[n - 1], pass, i, got = 0;
	unsigned int o = order_for(n);

	mm_assert_irqs_off();
	for (pass = 0; pass < 2 && got < want; pass++) {
		unsigned int nr = section_count();

		for (i = 0; i < nr && got < want; i++) {
			struct mm_section *s = section_get(i);
			unsigned long flags;
			uint64_t idx;

			if ((s->node == pc->node) != (pass == 0))
				continue;
			flags = mm_spin_lock_irqsave(&s->lock);
			while (got < want && alloc_block(s, o, false, &idx)) {
				s->meta[idx].order = o;
				s->meta[idx].nr_pages = n;
				if (n < (1ULL << o))
					free_range(s, idx + n, (1ULL << o) - n);
				cache_push(pc, n, section_page_addr(s, idx),
					   &s->meta[idx]);
				got++;
			}
			mm_spin_unlock_irqrestore(&s->lock, flags);
		}
	}
}

void buddy_cache_drain(struct buddy_cache *pc, bool all)
{
	unsigned int i;

	mm_assert_irqs_off();
	for (i = 0; i < BUDDY_CACHE_RUNS; i++)
		cache_trim(pc, i + 1, all ? 0 : cache_keep[i]);
}

static void *cache_alloc(struct buddy_cache *pc, uint64_t n)
{
	unsigned long irq = port_irq_save();
	void *p = buddy_cache_pop(pc, n);

	if (unlikely(!p)) {
		cache_refill(pc, n);
		p = buddy_cache_pop(pc, n);
	}
	port_irq_restore(irq);
	return p;
}

/* ---- runs ---- */

void *buddy_alloc_pages(struct buddy_cache *pc, uint64_t n, bool lowmem,
			int node)
{
	void *p;

	if (pc && !lowmem && n <= BUDDY_CACHE_RUNS) {
		p = cache_alloc(pc, n);
		if (p)
			return p;
	}
	return alloc_run(n, lowmem, node, PM_ALLOC);
}

static void report_bad_free(const char *what, const void *va,
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

struct page_meta *buddy_check_run(const void *addr, const char *what,
				  struct mm_section **sp)
{
	uintptr_t va = (uintptr_t)addr;
	struct page_meta *pm = section_meta(va, sp);

	if (unlikely(!pm || pm_state(pm) != PM_ALLOC ||
		     (va & (PAGE_SIZE - 1)))) {
		report_bad_free(what, addr, pm);
		return NULL;
	}
	return pm;
}

void buddy_flush_deferred(void)
{
	unsigned int i, nr = section_count();

	for (i = 0; i < nr; i++) {
		struct mm_section *s = section_get(i);
		unsigned long flags = mm_spin_lock_irqsave(&s->lock);

		flush_deferred(s);
		mm_spin_unlock_irqrestore(&s->lock, flags);
	}
}

void buddy_count_free(struct mm_section *s, uint64_t *nr_free)
{
	unsigned long flags = mm_spin_lock_irqsave(&s->lock);
	unsigned int o;

	for (o = 0; o < MM_NR_ORDERS; o++) {
		struct free_block *b;
		uint64_t n = 0;

		for (b = s->free_list[o]; b; b = b->next)
			n++;
		nr_free[o] = n + !!s->deferred[o];
	}
	mm_spin_unlock_irqrestore(&s->lock, flags);
}

void buddy_free_run(struct buddy_cache *pc, struct mm_section *s,
		    struct page_meta *pm, void *addr)
{
	uint64_t n = pm->nr_pages, idx;
	unsigned long flags;

	/*
	 * Only runs of the cache's own node are cached: a run of another
	 * node freed here would be handed out by this hart's next local
	 * allocation, which asked for its own node (test_node_aware failed
	 * whenever the test ran on a node-1 hart).
	 */
	if (pc && n <= BUDDY_CACHE_RUNS && s->node == pc->node) {
		flags = port_irq_save();
		cache_push(pc, n, addr, pm);
		if (unlikely(cache_count(pc, n) > pc->high[n - 1]))
			cache_trim(pc, n, cache_keep[n - 1]);
		port_irq_restore(flags);
		return;
	}
	idx = section_page_index(s, (uintptr_t)addr);
	flags = mm_spin_lock_irqsave(&s->lock);
	pm->nr_pages = 0;
	if (!(n & (n - 1)) && !(sec_pfn(s, idx) & (n - 1)))
		free_block_defer(s, idx, mm_ctz(n));
	else
		free_range(s, idx, n);
	mm_spin_unlock_irqrestore(&s->lock, flags);
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
	free_range(s, idx + nr_pages, pm->nr_pages - nr_pages);
	pm->nr_pages = nr_pages;
	mm_spin_unlock_irqrestore(&s->lock, flags);
}
