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
#include "mm/spinlock.h"

struct mm_hart *mm_harts[MM_MAX_HARTS];
unsigned int mm_nr_harts;
static int mm_hart_node[MM_MAX_HARTS];
static uint64_t mm_secret;
static bool mm_seeded_late; /* a section exists: too late to reseed */

/*
 * Hart hot-plug (mm_hart_offline / mm_hart_init / mm_reap_offline, at the
 * end of this file).  parked[i] is written under park_lock[i] only; hart i
 * itself reads its own flag without the lock (only it ever sets or clears
 * it).  nr_parked counts the set flags, so that a drain with no hart
 * offline costs one load.
 */
static struct mm_spinlock park_lock[MM_MAX_HARTS];
static bool parked[MM_MAX_HARTS];
static _Atomic unsigned int nr_parked;

static void mm_hart_unpark(unsigned int me);

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
	slab_hart_init(&h->slab, &h->rc, index, mm_hart_node[index]);
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
	for (i = 0; i < MM_MAX_HARTS; i++) {
		mm_spin_init(&park_lock[i]);
		parked[i] = false;
	}
	atomic_store_explicit(&nr_parked, 0, memory_order_relaxed);
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
	mm_op_counts[me] = port_hart_counts();
	if (mm_harts[me]->ready) {
		if (parked[me])
			mm_hart_unpark(me);
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

	/* A parked slot belongs to its reapers until mm_hart_init(). */
	if (h->ready && !parked[h->index]) {
		slab_drain_hart(&h->slab, all);
		buddy_cache_drain(&h->pages, all);
	}
	if (all) {
		mm_reap_offline();
		buddy_flush_deferred();
	}
	port_irq_restore(irq);
}

/*
 * The bounded delay of batched remote frees (slab.c): post what this
 * hart gathered for others and take back what others posted to it.  Two
 * plain loads when there is nothing to do.
 */
static void remote_sync(void)
{
	unsigned long irq = port_irq_save();
	struct mm_hart *h = mm_this_hart();

	/* A parked slot belongs to its reapers until mm_hart_init(). */
	if (h->ready && !parked[h->index]) {
		if (h->rc.open)
			slab_rc_flush(&h->slab);
		slab_take_inbox(&h->slab);
	}
	port_irq_restore(irq);
}

unsigned long mm_debug_drop_pending(void)
{
	unsigned long irq = port_irq_save();
	struct mm_hart *h = mm_this_hart();
	unsigned long bytes = h->ready ? slab_rc_drop(&h->slab) : 0;

	port_irq_restore(irq);
	return bytes;
}

void mm_tick(void)
{
	remote_sync();
}

void mm_idle(void)
{
	remote_sync();
}

/*
 * Out of memory: drain this hart, then (unless atomic) ask the others,
 * whose drains post their pending batches (to us among others): take
 * those back before the retry.
 */
static void reclaim(unsigned int flags)
{
	mm_drain_this_hart(true);
	if (!(flags & __GFP_ATOMIC)) {
		port_kick_other_harts();
		mm_drain_this_hart(true);
	}
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

/*
 * ---- Hart hot-plug ----
 *
 * A hart going offline parks its slabs instead of handing them to an
 * adopter.  Adoption would rewrite slab->owner (and the current-slab tag)
 * while other harts read them without synchronisation on the remote-free
 * path: a freer that read the old owner would queue a FULL slab on the old
 * owner's revisit stack after the adopter had looked there, stranding it.
 * Parking keeps a slab's owner immutable for its whole life, which is what
 * the lock-free remote free relies on, and reuses the states that path
 * already has: every slab with objects in use becomes a detached FULL slab
 * (slab_park_hart), empty ones and the spares go back to the buddy
 * allocator, and the block cache is returned.  Other harts keep freeing
 * into parked slabs through slab->remote; the first such free queues the
 * slab on the parked hart's revisit stack, as for any FULL slab.
 *
 * Who takes those frees back while the owner is away: any hart's full
 * drain (mm_drain_this_hart(true): the out-of-memory path, the drain IPI,
 * the console's and the tests' drains) reaps every parked hart under its
 * park lock (slab_reap_parked: empty slabs back to the buddy allocator,
 * the others parked again).  When the hart comes back, mm_hart_init()
 * takes the lock, clears the flag and the hart owns its slot again: no
 * current slab, no partial slab, no spare, an empty block cache (fresh
 * per-hart state) and its parked slabs on ->full in the ordinary FULL or
 * QUEUED states, which its own refills and drains handle as usual.
 *
 * Ordering: the owner-only fields of the parked slot (class lists, slab
 * free lists and counts) pass from the parking hart to reapers and back to
 * the owner through park_lock (acquire on lock, release on unlock); the
 * flag is only read and written under it, except by the hart itself.
 */
void mm_reap_offline(void)
{
	unsigned int i;

	if (!atomic_load_explicit(&nr_parked, memory_order_acquire))
		return;
	for (i = 0; i < mm_nr_harts; i++) {
		unsigned long flags;

		/* Unlocked peek (relaxed): a stale answer costs one reap. */
		if (!__atomic_load_n(&parked[i], __ATOMIC_RELAXED))
			continue;
		flags = mm_spin_lock_irqsave(&park_lock[i]);
		if (parked[i])
			slab_reap_parked(&mm_harts[i]->slab);
		mm_spin_unlock_irqrestore(&park_lock[i], flags);
	}
}

void mm_hart_offline(void)
{
	unsigned long irq = port_irq_save(), flags;
	struct mm_hart *h = mm_this_hart();
	unsigned int me = port_this_hart();

	if (!h->ready || parked[me]) {
		port_irq_restore(irq);
		return;
	}
	/*
	 * Everything this hart could still give back, then the rest parked.
	 * slab_drain_hart() posts this hart's pending remote-free batches (a
	 * batch is this hart's to post and nobody else could) and takes back
	 * what was posted to it; batches posted to it while it is parked are
	 * taken by the reapers (slab_reap_parked()) or by itself once back.
	 */
	slab_drain_hart(&h->slab, true);
	slab_park_hart(&h->slab);
	buddy_cache_drain(&h->pages, true);
	flags = mm_spin_lock_irqsave(&park_lock[me]);
	__atomic_store_n(&parked[me], true, __ATOMIC_RELAXED);
	atomic_fetch_add_explicit(&nr_parked, 1, memory_order_release);
	mm_spin_unlock_irqrestore(&park_lock[me], flags);
	buddy_flush_deferred();
	port_irq_restore(irq);
}

static void mm_hart_unpark(unsigned int me)
{
	unsigned long flags = mm_spin_lock_irqsave(&park_lock[me]);

	__atomic_store_n(&parked[me], false, __ATOMIC_RELAXED);
	atomic_fetch_sub_explicit(&nr_parked, 1, memory_order_relaxed);
	mm_spin_unlock_irqrestore(&park_lock[me], flags);
}

bool mm_hart_is_parked(unsigned int index)
{
	return index < MM_MAX_HARTS &&
	       __atomic_load_n(&parked[index], __ATOMIC_RELAXED);
}
