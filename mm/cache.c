// SPDX-License-Identifier: MIT
/*
 * Named caches, bulk calls and node-aware allocation (mm/cache.h): the top
 * layer of mm/ beside the kmalloc API, built on slab.c's geometries.
 *
 * Owns: the list of caches.  A cache is a handle (struct kmem_cache: the
 * name and size its creator gave) on a core (struct cache_core: one
 * struct slab_geom and its per-hart classes).  Merged caches are several
 * handles on one core.  The list and the handle counts are under
 * cache_lock (taken with interrupts masked, never while allocating, never
 * around a drain).  A core's per-hart class i is touched only by hart i,
 * with interrupts masked, exactly as slab_hart->cls[] is: slab.c's rules
 * (mm/slab.c) hold unchanged, the remote-free path included, because a
 * cache's slab differs from a kmalloc class's only in ->geom and ->cls
 * (SLAB_CLS_CACHE), which slab.c follows to the core's per-hart class.
 *
 * kfree() needs nothing from here: a cache's current slab carries the same
 * tag as any current slab of its hart, so kfree's fast path serves it,
 * and its slow path finds the owner's class through ->geom.
 *
 * Life of a core: created and registered with slab.c (so that drains reach
 * its classes) before its first object exists; unregistered and freed by
 * the last kmem_cache_destroy() once every hart has drained and no slab of
 * it is left (slab.c walks registered geometries under its own lock, so an
 * unregistered core is never walked again).
 *
 * kmalloc_node(): one lazily created core per (node, kmalloc class) whose
 * slabs take their pages from that node (slab_geom->node); kfree() frees
 * its objects like any other.
 */
#include "mm/cache.h"

#include <string.h>

#include "lib/errno.h"
#include "mm/hart.h"
#include "mm/kmalloc.h"
#include "mm/slab_debug.h"
#include "mm/spinlock.h"

#define CACHE_MAX_ALIGN 4096
#define NODE_CACHES	16 /* nodes kmalloc_node() keeps caches for */

struct cache_core {
	struct slab_geom g;
	size_t align;
	unsigned int flags;
	unsigned int users;		/* handles on this core */
	char name[KMEM_CACHE_NAME_MAX]; /* its first creator's */
	uint16_t *seq;			/* random object order, or NULL */
	struct cache_core *next;
};

struct kmem_cache {
	struct cache_core *core;
	const struct slab_geom *g; /* &core->g, one load on the fast path */
	bool plain;		   /* no constructor, no slab_debug */
	size_t size;
	char name[KMEM_CACHE_NAME_MAX];
};

static struct mm_spinlock cache_lock = { 0 };
static struct cache_core *cores;

/* kmalloc_node()'s caches: set once (CAS), never destroyed. */
static struct kmem_cache *_Atomic node_caches[NODE_CACHES][MM_NR_CLASSES];

/*
 * mm_init() forgets every geometry (host tests run it again and again):
 * so do we, before the list is used.  Called with cache_lock held.
 */
static unsigned long cores_epoch;

static void forget_old_caches(void)
{
	if (cores_epoch == slab_epoch)
		return;
	cores = NULL;
	memset((void *)node_caches, 0, sizeof(node_caches));
	cores_epoch = slab_epoch;
}

static void copy_name(char *dst, const char *src)
{
	size_t n = src ? strnlen(src, KMEM_CACHE_NAME_MAX - 1) : 0;

	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

static bool mergeable(const struct cache_core *c, size_t stride, size_t align,
		      unsigned int flags, void (*ctor)(void *))
{
	return !slab_debug_enabled && !ctor && !(flags & SLAB_NO_MERGE) &&
	       !c->g.ctor && !(c->flags & SLAB_NO_MERGE) && c->g.node < 0 &&
	       c->g.stride == stride && c->align == align;
}

static void core_free(struct cache_core *c)
{
	kfree(c->seq);
	kfree(c->g.per_hart);
	kfree(c);
}

static struct cache_core *core_new(const char *name, size_t size, size_t stride,
				   size_t align, unsigned int flags,
				   void (*ctor)(void *), int node)
{
	struct cache_core *c = kzalloc(sizeof(*c), GFP_KERNEL);
	unsigned int i;

	if (!c)
		return NULL;
	c->g.per_hart =
		kzalloc(mm_nr_harts * sizeof(struct mm_class), GFP_KERNEL);
	if (!c->g.per_hart) {
		kfree(c);
		return NULL;
	}
	for (i = 0; i < mm_nr_harts; i++)
		c->g.per_hart[i].cur = &slab_none;
	c->g.size = align_up(size, sizeof(uintptr_t)); /* ksize() */
	c->g.stride = stride;
	c->g.cls = SLAB_CLS_CACHE;
	c->g.node = node;
	c->g.ctor = ctor;
	c->g.ctor_word_off = align_up(size, sizeof(uintptr_t));
	slab_geom_compute(&c->g);
	c->align = align;
	c->flags = flags;
	copy_name(c->name, name);
	c->g.name = c->name;
	if (slab_debug_enabled) {
		slab_debug_geom(&c->g, align);
		return c;
	}
	/* Random object order (hardening), its permutation kept here. */
	c->seq = kmalloc(c->g.nr_objs * sizeof(uint16_t), GFP_KERNEL);
	if (!c->seq) {
		core_free(c);
		return NULL;
	}
	slab_geom_shuffle(&c->g, c->seq, (uintptr_t)c);
	return c;
}

struct kmem_cache *kmem_cache_create(const char *name, size_t size,
				     size_t align, unsigned int flags,
				     void (*ctor)(void *))
{
	struct cache_core *c, *fresh;
	struct kmem_cache *k;
	unsigned long irq;
	size_t stride;

	if (!name || !size || size > KMEM_CACHE_MAX_SIZE ||
	    (align & (align - 1)) || align > CACHE_MAX_ALIGN)
		return NULL;
	if (align < sizeof(uintptr_t))
		align = sizeof(uintptr_t);
	if ((flags & SLAB_HWCACHE_ALIGN) && align < 64)
		align = 64;
	/* A constructor's first word is kept after the object. */
	stride = align_up(size, sizeof(uintptr_t));
	if (ctor)
		stride += sizeof(uintptr_t);
	stride = align_up(stride, align);
	if ((SLAB_SIZE - sizeof(struct slab)) / stride < 2)
		return NULL;

	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return NULL;
	k->size = size;
	copy_name(k->name, name);
	/* Made before the lock is taken (no allocation under it). */
	fresh = core_new(name, size, stride, align, flags, ctor, -1);
	if (!fresh) {
		kfree(k);
		return NULL;
	}
	irq = mm_spin_lock_irqsave(&cache_lock);
	forget_old_caches();
	for (c = cores; c; c = c->next)
		if (mergeable(c, stride, align, flags, ctor))
			break;
	if (!c) {
		c = fresh;
		fresh = NULL;
		c->next = cores;
		cores = c;
		slab_geom_register(&c->g);
	}
	c->users++;
	k->core = c;
	k->g = &c->g;
	k->plain = !c->g.ctor && !c->g.debug;
	mm_spin_unlock_irqrestore(&cache_lock, irq);
	if (fresh)
		core_free(fresh);
	return k;
}

size_t kmem_cache_size(const struct kmem_cache *k)
{
	return k->size;
}

const char *kmem_cache_name(const struct kmem_cache *k)
{
	return k->name;
}

/* ---- statistics ---- */

static void core_stats(const struct cache_core *c, struct kmem_cache_stats *st)
{
	unsigned long in_use = 0, slabs = 0;
	unsigned int i;

	for (i = 0; i < mm_nr_harts; i++) {
		const struct mm_class *k = &c->g.per_hart[i];
		unsigned long n, s;

		slabs += mm_stat_read(&k->nr_slabs);
		if (!mm_harts[i]->ready)
			continue;
		/* Objects on remote lists are counted off in there; objects
		 * in batches count until their owner takes them back. */
		slab_class_usage(k, &n, &s);
		in_use += n;
	}
	st->in_use = in_use;
	st->slabs = slabs;
	st->object_size = c->g.size;
	st->stride = c->g.stride;
	st->align = c->align;
	st->objs_per_slab = c->g.nr_objs;
	st->users = c->users;
}

void kmem_cache_get_stats(const struct kmem_cache *k,
			  struct kmem_cache_stats *st)
{
	core_stats(k->core, st);
	st->object_size = k->size;
}

unsigned int kmem_cache_count(void)
{
	unsigned long irq = mm_spin_lock_irqsave(&cache_lock);
	struct cache_core *c;
	unsigned int n = 0;

	forget_old_caches();
	for (c = cores; c; c = c->next)
		n++;
	mm_spin_unlock_irqrestore(&cache_lock, irq);
	return n;
}

/*
 * One line per core, after mm_print_slabinfo()'s table: the name its
 * first creator gave, object size, spacing, alignment, the in-use objects
 * and slabs, and how many caches share it (merging).  Printed outside the lock
 * (port_log may be slow), so it is for quiet harts and a stable list, like the
 * rest of slabinfo.
 */
void kmem_cache_print_slabinfo(void)
{
	unsigned long irq = mm_spin_lock_irqsave(&cache_lock);
	struct cache_core *c;

	forget_old_caches();
	mm_spin_unlock_irqrestore(&cache_lock, irq);
	for (c = cores; c; c = c->next) {
		struct kmem_cache_stats st;

		core_stats(c, &st);
		port_log("mm: slabinfo cache %s size=%zu stride=%zu align=%zu "
			 "in_use=%lu slabs=%lu users=%u\n",
			 c->name, st.object_size, st.stride, st.align,
			 st.in_use, st.slabs, c->users);
	}
}

/* ---- destroy ---- */

int kmem_cache_destroy(struct kmem_cache *k)
{
	struct kmem_cache_stats st;
	struct cache_core *c, **pp;
	unsigned long irq;

	if (!k)
		return 0;
	c = k->core;
	irq = mm_spin_lock_irqsave(&cache_lock);
	if (c->users > 1) {
		c->users--;
		mm_spin_unlock_irqrestore(&cache_lock, irq);
		kfree(k);
		return 0;
	}
	mm_spin_unlock_irqrestore(&cache_lock, irq);

	/*
	 * Every hart gives back its empty slabs, this cache's included.  Two
	 * rounds, and this hart again: a drain posts the hart's batched
	 * remote frees, and only the owner's next drain takes them back.
	 */
	mm_drain_this_hart(true);
	port_kick_other_harts();
	port_kick_other_harts();
	mm_drain_this_hart(true);
	core_stats(c, &st);
	if (st.in_use) {
		port_log("mm: kmem_cache_destroy: cache %s has %lu objects in "
			 "use: not destroyed\n",
			 k->name, st.in_use);
		return -EBUSY;
	}
	if (st.slabs) {
		port_log("mm: kmem_cache_destroy: cache %s: %lu slabs still "
			 "held by harts that did not drain: not destroyed\n",
			 k->name, st.slabs);
		return -EBUSY;
	}
	irq = mm_spin_lock_irqsave(&cache_lock);
	for (pp = &cores; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	mm_spin_unlock_irqrestore(&cache_lock, irq);
	slab_geom_unregister(&c->g);
	core_free(c);
	kfree(k);
	return 0;
}

/* Read an immutable header field of what may not be a slab header. */
#ifdef __SANITIZE_THREAD__
static __attribute__((noinline, no_sanitize_thread)) const struct slab_geom *
peek_geom(const struct slab *s)
{
	return s->geom;
}
#else
static inline const struct slab_geom *peek_geom(const struct slab *s)
{
	return s->geom;
}
#endif

/*
 * The push of kmalloc.c's fast path, for this file's callers (the pop is
 * slab_pop_current()): the restartable sequence on the kernel, the tag
 * test elsewhere.  push_current() takes @va only
 * when it passes kfree's fast-path tests (mm/kmalloc.c: range, object
 * start, not an encoded link, this hart's current slab by its tag).
 */
static inline bool push_current(struct mm_hart *h, uintptr_t span,
				struct slab *s, uintptr_t va)
{
	if ((uintptr_t)s - (uintptr_t)h >= span)
		return false;
#ifdef SLAB_RSEQ
	return slab_obj_valid(s, va) && !slab_obj_looks_free(s, va) &&
	       slab_push_rseq(s, va, (uintptr_t)&h->slab, s->key);
#else
	return slab_peek_tag(s) == (uintptr_t)&h->slab && slab_free_fast(s, va);
#endif
}

/*
 * Pop up to @n objects off @c's current slab into @objs, interrupts masked
 * by the caller: the list head kept in a register, written back once.
 */
static size_t pop_many(struct mm_class *c, void **objs, size_t n)
{
	struct slab *s = c->cur;
	void *head = s->free;
	size_t i = 0;

	while (i < n && head != (void *)s) {
		uintptr_t *obj = head;

		head = slab_unlink(s, *obj);
		slab_debug_check_alloc(s, obj);
		*obj = 0;
		objs[i++] = obj;
	}
	if (i) /* never a write to slab_none, which every hart shares */
		s->free = head;
	return i;
}

/* ---- allocation ---- */

/* A constructed object's first word, put back over the free link. */
static inline void *restore_ctor_word(const struct slab_geom *g, void *p)
{
	if (g->ctor && p)
		*(uintptr_t *)p = *(uintptr_t *)((char *)p + g->ctor_word_off);
	return p;
}

/*
 * The refill, with mm.c's policy: a hart that has not set up yet does it
 * now; out of memory, this hart drains, the others are asked to (unless
 * __GFP_ATOMIC), and the refill is tried once more.
 */
static void *cache_alloc_slow(const struct slab_geom *g, unsigned int flags)
{
	unsigned int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		unsigned long irq = port_irq_save();
		struct mm_hart *h = mm_this_hart();
		void *p;

		if (unlikely(!h->ready)) {
			port_irq_restore(irq);
			mm_hart_init();
			irq = port_irq_save();
			h = mm_this_hart();
			if (!h->ready) {
				port_irq_restore(irq);
				return NULL;
			}
		}
		p = slab_alloc_refill_geom(&h->slab, &g->per_hart[h->index], g);
		port_irq_restore(irq);
		if (p)
			return p;
		if (attempt)
			break;
		mm_drain_this_hart(true);
		if (!(flags & __GFP_ATOMIC))
			port_kick_other_harts();
	}
	return NULL;
}

/*
 * The fast path: this hart's class of the cache (by index: a cache has no
 * place in the hart's slot), a pop from its frozen current slab with
 * interrupts masked.  A hart that is not set up has slab_none current in
 * every cache (nothing refilled it), so it misses into the slow path.
 */
static bool mm_this_hart_ready(void)
{
	unsigned long irq = port_irq_save();
	bool ready = mm_this_hart()->ready;

	port_irq_restore(irq);
	return ready;
}

static void *__attribute__((noinline))
cache_alloc_debug(const struct slab_geom *g, size_t size, unsigned int flags,
		  uintptr_t ip)
{
	unsigned int attempt;
	void *p = NULL;

	for (attempt = 0; attempt < 2 && !p; attempt++) {
		if (attempt) {
			mm_drain_this_hart(true);
			if (!(flags & __GFP_ATOMIC))
				port_kick_other_harts();
		}
		if (!mm_this_hart_ready())
			mm_hart_init();
		p = slab_debug_cache_alloc(g, size, flags, ip);
	}
	return p;
}

static inline void *cache_alloc(const struct slab_geom *g, unsigned int flags)
{
	void *p = slab_pop_current(&g->per_hart[port_this_hart()]);

	if (unlikely(!p))
		p = cache_alloc_slow(g, flags);
	return restore_ctor_word(g, p);
}

/* Tail-called by kmem_cache_alloc(): the return address is its caller's. */
static void *__attribute__((noinline))
kmem_cache_alloc_slow(struct kmem_cache *k, unsigned int flags)
{
	uintptr_t ip = (uintptr_t)__builtin_return_address(0);
	void *p;

	if (unlikely(k->g->debug))
		return cache_alloc_debug(k->g, k->size, flags, ip);
	p = cache_alloc(k->g, flags);
	if (p && (flags & __GFP_ZERO))
		memset(p, 0, k->size);
	return p;
}

/*
 * The fast path, a leaf as kmalloc's: a plain cache (no constructor, no
 * slab_debug) with no flags pops from this hart's current slab; anything
 * else, or a miss, tail-calls the slow path with the caller's address.
 */
void *__mm_fast kmem_cache_alloc(struct kmem_cache *k, unsigned int flags)
{
	if (likely(k->plain && !flags)) {
		void *p = slab_pop_current(&k->g->per_hart[port_this_hart()]);

		if (likely(p))
			return p;
	}
	return kmem_cache_alloc_slow(k, flags);
}

void *kmem_cache_zalloc(struct kmem_cache *k, unsigned int flags)
{
	return kmem_cache_alloc(k, flags | __GFP_ZERO);
}

/*
 * The same slow-path validation kfree() does (section table, page_meta,
 * slab magic), then the cache test: an object of another cache is bad use.
 */
static bool from_cache(const struct slab_geom *g, const void *obj)
{
	uintptr_t va = (uintptr_t)obj;
	struct page_meta *pm = section_meta_only(va);

	if (!pm || pm_state(pm) != PM_SLAB)
		return true; /* not a slab object: kfree() reports it */
	return slab_of(va)->geom == g;
}

/*
 * The fast path: an object of this hart's current slab of this cache
 * (kfree's tests, and the header's geometry, immutable while the slab
 * lives, is the cache's: a header that is no slab's fails the tag test
 * inside the push whatever it read).  Anything else: the cache test
 * through page_meta, then kfree().
 */
static void __attribute__((noinline))
kmem_cache_free_slow(struct kmem_cache *k, void *obj);

void __mm_fast kmem_cache_free(struct kmem_cache *k, void *obj)
{
	uintptr_t va = (uintptr_t)obj;
	struct slab *s = slab_of(va);
	struct mm_hart *h = mm_hart_fast();
	uintptr_t span = mm_stat_read(&h->slab.fast_span);

	if (likely((uintptr_t)s - (uintptr_t)h < span && peek_geom(s) == k->g &&
		   push_current(h, span, s, va)))
		return;
	kmem_cache_free_slow(k, obj);
}

static void __attribute__((noinline))
kmem_cache_free_slow(struct kmem_cache *k, void *obj)
{
	if (!obj)
		return;
	if (unlikely(!from_cache(k->g, obj))) {
		port_log("mm: kmem_cache_free: %p is not an object of cache "
			 "%s\n",
			 obj, k->name);
		mm_bad_use(MM_BAD_UNKNOWN, "kmem_cache_free", obj);
		return;
	}
	kfree(obj);
}

void *kmem_cache_alloc_node(struct kmem_cache *k, unsigned int flags, int node)
{
	/* A cache's slabs follow their hart's node (Linux's SLUB also falls
	 * back to any node for a cache object when the local slab serves). */
	return kmem_cache_alloc(k, flags);
}

/* ---- bulk ---- */

/*
 * Pop @nr objects for @g with interrupts masked once: the current slab's
 * free list, refilled in place when it runs out.  All or nothing.
 */
static size_t geom_alloc_bulk(const struct slab_geom *g, unsigned int flags,
			      size_t nr, void **objs)
{
	size_t i = 0, j;

	while (i < nr) {
		unsigned long irq = port_irq_save();
		void *p;

		i += pop_many(&g->per_hart[port_this_hart()], objs + i, nr - i);
		port_irq_restore(irq);
		if (i == nr)
			break;
		p = cache_alloc_slow(g, flags); /* refills */
		if (!p) {
			kfree_bulk(i, objs);
			return 0;
		}
		objs[i++] = p;
	}
	if (g->ctor)
		for (j = 0; j < nr; j++)
			restore_ctor_word(g, objs[j]);
	return nr;
}

size_t kmem_cache_alloc_bulk(struct kmem_cache *k, unsigned int flags,
			     size_t nr, void **objs)
{
	size_t i;

	if (unlikely(k->g->debug)) { /* one by one, each checked */
		for (i = 0; i < nr; i++) {
			objs[i] = cache_alloc_debug(
				k->g, k->size, flags,
				(uintptr_t)__builtin_return_address(0));
			if (!objs[i]) {
				kfree_bulk(i, objs);
				return 0;
			}
		}
		return nr;
	}
	if (!geom_alloc_bulk(k->g, flags, nr, objs))
		return 0;
	if (flags & __GFP_ZERO)
		for (i = 0; i < nr; i++)
			memset(objs[i], 0, k->size);
	return nr;
}

/*
 * kmalloc() @nr times: pops from this hart's current slab of the class with
 * interrupts masked once; a miss (and anything but plain or zeroed slab
 * sizes) takes kmalloc() itself, which refills.
 */
size_t kmalloc_bulk(size_t size, unsigned int flags, size_t nr, void **objs)
{
	bool fast = size <= SLAB_MAX_SIZE && !(flags & ~__GFP_ZERO);
	size_t i = 0;

	while (i < nr) {
		void *p;

		if (fast) {
			/* The class from the slot (a stand-in one at first). */
			struct mm_class *c =
				&mm_hart_fast()->slab.cls[slab_class_of(size)];
			unsigned long irq = port_irq_save();

			i += pop_many(c, objs + i, nr - i);
			port_irq_restore(irq);
			if (i == nr)
				break;
		}
		p = kmalloc(size, flags & ~__GFP_ZERO); /* refills */
		if (!p) {
			kfree_bulk(i, objs);
			return 0;
		}
		objs[i++] = p;
	}
	if (flags & __GFP_ZERO)
		for (i = 0; i < nr; i++)
			memset(objs[i], 0, size);
	return nr;
}

/*
 * kfree() (@k: kmem_cache_free()) of each, with interrupts masked once for
 * the batch: an object of
 * one of this hart's current slabs (kfree's fast-path tests, the range and
 * the tag checked once per run of objects of the same slab: with
 * interrupts masked it stays current) is pushed in place; anything else
 * goes through kfree() with interrupts restored.
 */
static void __attribute__((noinline))
kmem_cache_free_slow(struct kmem_cache *k, void *obj);

static void free_many(struct kmem_cache *k, size_t nr, void **objs)
{
	struct mm_hart *h = mm_hart_fast();
	uintptr_t span = mm_stat_read(&h->slab.fast_span);
	struct slab *ok = NULL; /* passed range and tag; head cached below */
	uintptr_t first = 0, link_hi = 0, key = 0;
	void *head = NULL;
	uint32_t recip = 0;
	unsigned long irq = port_irq_save();
	size_t i;

	for (i = 0; i < nr; i++) {
		uintptr_t va = (uintptr_t)objs[i];
		struct slab *s = slab_of(va);

		if (s != ok) {
			if (ok)
				ok->free = head;
			ok = NULL;
			if ((uintptr_t)s - (uintptr_t)h >= span ||
			    slab_peek_tag(s) != (uintptr_t)&h->slab ||
			    (k && peek_geom(s) != k->g))
				goto slow;
			ok = s;
			first = s->first;
			recip = s->recip;
			link_hi = s->link_hi;
			key = s->key;
			head = s->free;
		}
		/* slab_obj_valid() and slab_obj_looks_free() on the copies. */
		if (unlikely(va < first ||
			     (uint32_t)((va - first) * recip) >= recip ||
			     *(uintptr_t *)va >> SLAB_SHIFT == link_hi))
			goto slow;
		slab_debug_poison(s, (void *)va);
		*(uintptr_t *)va = (uintptr_t)head ^ key; /* slab_link() */
		head = (void *)va;
		continue;
	slow:
		/* kfree() may change which slabs are current: forget ok. */
		if (ok)
			ok->free = head;
		ok = NULL;
		port_irq_restore(irq);
		if (k)
			kmem_cache_free_slow(k, (void *)va);
		else
			kfree((void *)va);
		irq = port_irq_save();
	}
	if (ok)
		ok->free = head;
	port_irq_restore(irq);
}

void kfree_bulk(size_t nr, void **objs)
{
	free_many(NULL, nr, objs);
}

void kmem_cache_free_bulk(struct kmem_cache *k, size_t nr, void **objs)
{
	free_many(k, nr, objs);
}

/* ---- node-aware ---- */

static int this_node(void)
{
	unsigned long irq = port_irq_save();
	int node = mm_this_hart()->node;

	port_irq_restore(irq);
	return node;
}

/* kmalloc_node()'s cache of class @cls on @node, made on first use. */
static struct kmem_cache *node_cache(int node, unsigned int cls)
{
	struct kmem_cache *expect = NULL, *k;
	struct cache_core *c;
	unsigned long irq;

	irq = mm_spin_lock_irqsave(&cache_lock);
	forget_old_caches();
	mm_spin_unlock_irqrestore(&cache_lock, irq);
	k = atomic_load_explicit(&node_caches[node][cls], memory_order_acquire);
	if (likely(k))
		return k;
	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return NULL;
	c = core_new("kmalloc-node", slab_class_size[cls], slab_class_size[cls],
		     sizeof(uintptr_t), SLAB_NO_MERGE, NULL, node);
	if (!c) {
		kfree(k);
		return NULL;
	}
	c->users = 1;
	k->core = c;
	k->g = &c->g;
	k->plain = !c->g.debug;
	k->size = slab_class_size[cls];
	copy_name(k->name, c->name);
	slab_geom_register(&c->g);
	/* Release: the core is complete before another hart can use it. */
	if (atomic_compare_exchange_strong_explicit(
		    &node_caches[node][cls], &expect, k, memory_order_acq_rel,
		    memory_order_acquire)) {
		irq = mm_spin_lock_irqsave(&cache_lock);
		c->next = cores;
		cores = c;
		mm_spin_unlock_irqrestore(&cache_lock, irq);
		return k;
	}
	/* Another hart made it first: ours never held an object. */
	slab_geom_unregister(&c->g);
	core_free(c);
	kfree(k);
	return expect;
}

void *kmalloc_node(size_t size, unsigned int flags, int node)
{
	struct kmem_cache *k;

	if (node == NUMA_NO_NODE || node < 0 || node >= NODE_CACHES ||
	    node == this_node() || !size || size > SLAB_MAX_SIZE ||
	    (flags & __GFP_LOWMEM))
		return size > SLAB_MAX_SIZE
			       ? alloc_pages_node(node,
						  (size + PAGE_SIZE - 1) >>
							  PAGE_SHIFT,
						  flags)
			       : kmalloc(size, flags);
	k = node_cache(node, slab_class_of(size));
	return k ? kmem_cache_alloc(k, flags) : NULL;
}

void *alloc_pages_node(int node, size_t nr_pages, unsigned int flags)
{
	unsigned int attempt;
	void *p = NULL;

	if (node < 0 || node == this_node() || (flags & __GFP_LOWMEM) ||
	    !nr_pages || nr_pages > (1UL << MM_MAX_ORDER))
		return alloc_pages(nr_pages, flags);
	for (attempt = 0; attempt < 2 && !p; attempt++) {
		if (attempt) {
			mm_drain_this_hart(true);
			if (!(flags & __GFP_ATOMIC))
				port_kick_other_harts();
		}
		p = buddy_alloc_pages(NULL, nr_pages, false, node);
	}
	if (p && (flags & __GFP_ZERO))
		memset(p, 0, nr_pages << PAGE_SHIFT);
	return p;
}
