// SPDX-License-Identifier: MIT
/*
 * slab_debug=1: red zones, poison and allocation records, switched on at
 * boot (mm_set_slab_debug(), before the first section), in the spirit of
 * Linux's slub_debug.  A layer between slab.c and mm.c: mm.c's kmalloc
 * slow path, kmalloc.c's kfree/ksize slow paths and cache.c call it; it
 * calls slab.c (and below) only.
 *
 * Layout of a debug object (stride = dbg_off + RED_ZONE + record):
 *
 *   | object: size bytes | ctor word | red zone | struct dbg_record |
 *   0                   size        dbg_off     dbg_off + RED_ZONE
 *
 * While allocated: bytes [requested, size) and the red zone hold
 * RED_ACTIVE; the record says ALLOCATED, with the requested size.
 * While free: bytes [8, size) hold POISON_FREE (the first word is the
 * free link), the red zone RED_INACTIVE, the record says FREE.  A cache
 * with a constructor keeps its objects constructed, so they are not
 * poisoned (SLUB does the same); their red zones and records still are.
 *
 * Checks: on allocation, the record must say FREE and the poison and the
 * red zone must be intact (a write after free); on free, the record must
 * say ALLOCATED (otherwise a double free, or a corrupt record) and the red
 * zone must be intact (an overrun).  Each finding is one report (cache,
 * object, the bytes that changed, both call sites of the record and the
 * one that found it), kept for tests (mm_slab_debug_last()), then
 * mm_bad_use(): a panic, or a count in MM_BAD_USE_COUNT mode, after which
 * the damage is repaired and the operation goes on (a double free is not
 * done twice).
 *
 * Who touches what: an object's bytes and record belong to whoever holds
 * the object; between a free and the next allocation nobody may write it
 * (that is what the poison detects).  The record is written by the
 * allocating hart before the object is handed over and by the freeing hart
 * before the object is pushed (the push, local or remote, orders it before
 * the owner's next allocation, as for the object's contents, mm/slab.c).
 * The debug classes are per hart, like the ordinary ones; they are made
 * once, on the first debug allocation, published with a CAS (release;
 * readers acquire) and registered with slab.c so that drains reach them.
 * slab_debug_enabled is written only before any section exists.
 */
#include "mm/slab_debug.h"

#include <string.h>

#include "lib/errno.h"
#include "mm/buddy.h"
#include "mm/introspect.h"
#include "mm/page.h"

#define RED_ZONE     16
#define RED_ACTIVE   0xcc
#define RED_INACTIVE 0xbb
#define POISON_FREE  0x6b
#define REC_FREE     0xf4ee0b1eu
#define REC_ALLOC    0xa110c8edu
#define REC_FREEING  0xf4ee1a9du

struct dbg_site {
	uintptr_t ip;
	uint64_t us;
	uint32_t hart;
	uint32_t pad;
};

struct dbg_record {
	uint32_t state; /* REC_FREE, REC_ALLOC */
	uint32_t requested;
	struct dbg_site alloc, free;
};

bool slab_debug_enabled;

/* The debug twins of kmalloc's classes, per hart (made on first use). */
struct dbg_classes {
	struct slab_geom g[MM_NR_CLASSES];
	char names[MM_NR_CLASSES][16];
	struct mm_class cls[]; /* [class * nr_harts + hart] */
};
static struct dbg_classes *_Atomic dbg;

static struct mm_spinlock report_lock;
static struct mm_slab_debug_report last;

void slab_debug_reset(void)
{
	slab_debug_enabled = false;
	atomic_store(&dbg, NULL);
	mm_spin_init(&report_lock);
	memset(&last, 0, sizeof(last));
}

int slab_debug_enable(bool on, bool too_late)
{
	if (too_late)
		return -EBUSY;
	slab_debug_enabled = on;
	return 0;
}

static inline struct dbg_record *record_of(const struct slab_geom *g, void *obj)
{
	return (struct dbg_record *)((char *)obj + g->dbg_off + RED_ZONE);
}

/* slab_new() of a debug slab: a free, never used object. */
static void obj_init(const struct slab_geom *g, void *obj)
{
	struct dbg_record *r = record_of(g, obj);

	if (g->ctor) {
		g->ctor(obj);
		*(uintptr_t *)((char *)obj + g->ctor_word_off) =
			*(uintptr_t *)obj;
	} else {
		memset((char *)obj + sizeof(uintptr_t), POISON_FREE,
		       g->size - sizeof(uintptr_t));
	}
	memset((char *)obj + g->dbg_off, RED_INACTIVE, RED_ZONE);
	memset(r, 0, sizeof(*r));
	r->state = REC_FREE;
}

void slab_debug_geom(struct slab_geom *g, size_t align)
{
	uint32_t end = g->ctor ? g->ctor_word_off + sizeof(uintptr_t) : g->size;

	g->debug = true;
	g->dbg_off = end;
	g->obj_init = obj_init;
	g->stride = align_up(end + RED_ZONE + sizeof(struct dbg_record), align);
	slab_geom_compute(g);
}

/* ---- reports ---- */

static void print_site(const char *what, const struct dbg_site *s)
{
	unsigned long off;
	const char *sym;

	if (!s->ip) {
		port_log("mm: slab_debug:   %s: never\n", what);
		return;
	}
	sym = port_symbol(s->ip, &off);
	if (sym)
		port_log("mm: slab_debug:   %s by hart %u at %s+0x%lx "
			 "(0x%lx) time %llu us\n",
			 what, s->hart, sym, off, (unsigned long)s->ip,
			 (unsigned long long)s->us);
	else
		port_log("mm: slab_debug:   %s by hart %u at 0x%lx (addr2line) "
			 "time %llu us\n",
			 what, s->hart, (unsigned long)s->ip,
			 (unsigned long long)s->us);
}

static const char *const kind_name[] = {
	[MM_SLAB_DEBUG_NONE] = "",
	[MM_SLAB_DEBUG_RED_ZONE] = "red zone overwritten",
	[MM_SLAB_DEBUG_USE_AFTER_FREE] = "written after free (poison changed)",
	[MM_SLAB_DEBUG_DOUBLE_FREE] = "double free",
	[MM_SLAB_DEBUG_TRACK] = "object record corrupt",
};

/*
 * One report, SLUB-like: the cache, the object, the changed bytes (first
 * and last offset, and the first few values), the record's call sites and
 * the caller that found it.  Then mm_bad_use(): panic or count.
 */
static void report(enum mm_slab_debug_kind kind, const struct slab_geom *g,
		   void *obj, unsigned int first, unsigned int last_off,
		   unsigned char expect, uintptr_t found_ip)
{
	struct dbg_record *r = record_of(g, obj);
	const unsigned char *b = obj;
	struct dbg_site found = { found_ip, port_time_us(), port_this_hart_id(),
				  0 };
	unsigned long irq = mm_spin_lock_irqsave(&report_lock);
	unsigned int i;

	last.count++;
	last.kind = kind;
	last.object = obj;
	last.cache = g->name;
	last.size = g->size;
	last.requested = r->requested;
	last.first_bad = first;
	last.last_bad = last_off;
	last.alloc_ip = r->alloc.ip;
	last.free_ip = r->free.ip;
	last.found_ip = found_ip;
	last.alloc_hart = r->alloc.hart;
	last.free_hart = r->free.hart;
	mm_spin_unlock_irqrestore(&report_lock, irq);

	port_log("mm: slab_debug: BUG %s: %s\n", g->name, kind_name[kind]);
	port_log("mm: slab_debug:   object %p size %u requested %u\n", obj,
		 g->size, r->requested);
	if (kind == MM_SLAB_DEBUG_RED_ZONE ||
	    kind == MM_SLAB_DEBUG_USE_AFTER_FREE) {
		port_log("mm: slab_debug:   bytes %u..%u changed (expected "
			 "0x%02x):",
			 first, last_off, expect);
		for (i = first; i <= last_off && i < first + 8; i++)
			port_log(" %02x", b[i]);
		port_log("\n");
	}
	print_site("allocated", &r->alloc);
	print_site("freed", &r->free);
	print_site("found", &found);
	mm_bad_use(kind == MM_SLAB_DEBUG_DOUBLE_FREE ? MM_BAD_DOUBLE_FREE
						     : MM_BAD_CORRUPT,
		   "slab_debug", obj);
}

/*
 * Bytes [from, to) of @obj should all be @v: report the first and last
 * that are not (as @kind) and put @v back.  true if all were intact.
 */
static bool check_bytes(enum mm_slab_debug_kind kind, const struct slab_geom *g,
			void *obj, unsigned int from, unsigned int to,
			unsigned char v, uintptr_t ip)
{
	uint64_t pat = 0x0101010101010101ULL * v;
	unsigned char *b = obj;
	unsigned int i = from, first = to, last_off = 0;

	/* Fast scan, a word at a time where aligned (objects are 8-aligned). */
	while (i < to && (i & 7))
		if (b[i++] != v)
			goto exact;
	for (; i + 8 <= to; i += 8)
		if (*(const uint64_t *)(b + i) != pat)
			goto exact;
	for (; i < to; i++)
		if (b[i] != v)
			goto exact;
	return true;
exact:
	for (i = from; i < to; i++)
		if (b[i] != v) {
			if (first == to)
				first = i;
			last_off = i;
		}
	report(kind, g, obj, first, last_off, v, ip);
	memset(b + first, v, last_off + 1 - first);
	return false;
}

/* ---- allocation ---- */

static void set_site(struct dbg_site *s, uintptr_t ip)
{
	s->ip = ip;
	s->us = port_time_us();
	s->hart = port_this_hart_id();
}

/* Checks and records an object just taken off a free list. */
static void *debug_alloc_obj(const struct slab_geom *g, void *obj, size_t size,
			     unsigned int flags, uintptr_t ip)
{
	struct dbg_record *r = record_of(g, obj);
	char *b = obj;

	if (__atomic_load_n(&r->state, __ATOMIC_RELAXED) != REC_FREE)
		report(MM_SLAB_DEBUG_TRACK, g, obj, 0, 0, 0, ip);
	if (!g->ctor)
		check_bytes(MM_SLAB_DEBUG_USE_AFTER_FREE, g, obj,
			    sizeof(uintptr_t), g->size, POISON_FREE, ip);
	check_bytes(MM_SLAB_DEBUG_USE_AFTER_FREE, g, obj, g->dbg_off,
		    g->dbg_off + RED_ZONE, RED_INACTIVE, ip);
	if (g->ctor)
		*(uintptr_t *)b = *(uintptr_t *)(b + g->ctor_word_off);
	__atomic_store_n(&r->state, REC_ALLOC, __ATOMIC_RELAXED);
	r->requested = (uint32_t)size;
	set_site(&r->alloc, ip);
	/* The slack after the request is red zone too (kmalloc's). */
	if (!g->ctor && size < g->size)
		memset(b + size, RED_ACTIVE, g->size - size);
	memset(b + g->dbg_off, RED_ACTIVE, RED_ZONE);
	if (flags & __GFP_ZERO)
		memset(b, 0, size);
	return obj;
}

static void *debug_alloc(struct mm_class *c, const struct slab_geom *g,
			 size_t size, unsigned int flags, uintptr_t ip)
{
	unsigned long irq = port_irq_save();
	struct slab_hart *h = slab_this_hart();
	void *obj = h ? slab_alloc_refill_geom(h, c, g) : NULL;

	port_irq_restore(irq);
	return obj ? debug_alloc_obj(g, obj, size, flags, ip) : NULL;
}

/*
 * Made by mm_add_section() (set-up, before any allocation); the lazy path
 * is for an allocation before any section (none succeeds then anyway).
 */
static struct dbg_classes *debug_classes(void)
{
	struct dbg_classes *d =
		atomic_load_explicit(&dbg, memory_order_acquire);

	return likely(d) ? d : slab_debug_prepare(MM_MAX_HARTS);
}

struct dbg_classes *slab_debug_prepare(unsigned int n)
{
	struct dbg_classes *d =
		atomic_load_explicit(&dbg, memory_order_acquire);
	struct dbg_classes *expect = NULL;
	size_t bytes, pages;
	unsigned int c, i;

	if (d || !slab_debug_enabled)
		return d;
	bytes = sizeof(*d) + (size_t)MM_NR_CLASSES * n * sizeof(d->cls[0]);
	pages = (bytes + PAGE_SIZE - 1) >> PAGE_SHIFT;
	d = buddy_alloc_pages(NULL, pages, false, 0);
	if (!d)
		return NULL;
	memset(d, 0, bytes);
	for (c = 0; c < MM_NR_CLASSES; c++) {
		struct slab_geom *g = &d->g[c];
		char *name = d->names[c];
		unsigned int sz = slab_class_size[c], k = 0, div;

		memcpy(name, "kmalloc-", 8);
		k = 8;
		for (div = 1000; div; div /= 10)
			if (sz >= div || div == 1)
				name[k++] = (char)('0' + sz / div % 10);
		name[k] = '\0';
		g->name = name;
		g->size = g->stride = sz;
		g->cls = SLAB_CLS_CACHE;
		g->node = -1;
		g->per_hart = &d->cls[c * n];
		for (i = 0; i < n; i++)
			g->per_hart[i].cur = &slab_none;
		/* Power-of-two sizes stay naturally aligned (kmalloc.h). */
		slab_debug_geom(g, (sz & (sz - 1)) ? sizeof(uintptr_t) : sz);
	}
	if (!atomic_compare_exchange_strong_explicit(&dbg, &expect, d,
						     memory_order_acq_rel,
						     memory_order_acquire)) {
		struct mm_section *sec;
		struct page_meta *pm = buddy_check_run(d, "slab_debug", &sec);

		if (pm)
			buddy_free_run(NULL, sec, pm, d);
		return expect;
	}
	for (c = 0; c < MM_NR_CLASSES; c++)
		slab_geom_register(&d->g[c]);
	return d;
}

void *slab_debug_kmalloc(unsigned int cls, size_t size, unsigned int flags,
			 uintptr_t ip)
{
	struct dbg_classes *d = debug_classes();
	const struct slab_geom *g;

	if (!d)
		return NULL;
	g = &d->g[cls];
	return debug_alloc(&g->per_hart[port_this_hart()], g, size, flags, ip);
}

void *slab_debug_cache_alloc(const struct slab_geom *g, size_t size,
			     unsigned int flags, uintptr_t ip)
{
	return debug_alloc(&g->per_hart[port_this_hart()], g, size, flags, ip);
}

/* ---- free ---- */

bool slab_debug_free(struct slab *s, uintptr_t va, uintptr_t ip)
{
	const struct slab_geom *g;
	struct dbg_record *r;
	char *b = (char *)va;

	if (s->magic != SLAB_MAGIC || !s->geom->debug || !slab_obj_valid(s, va))
		return false; /* slab_free_slow() reports what is wrong */
	g = s->geom;
	r = record_of(g, b);
	/*
	 * ALLOC -> FREEING by one CAS: of two harts freeing the object at
	 * once, exactly one goes on, the other reports a double free (the
	 * object is pushed once).  FREEING -> FREE below, before the push.
	 */
	{
		uint32_t old = REC_ALLOC;

		if (!__atomic_compare_exchange_n(&r->state, &old, REC_FREEING,
						 false, __ATOMIC_ACQUIRE,
						 __ATOMIC_ACQUIRE)) {
			/* A free in progress elsewhere: let it finish its
			 * record (a few stores), then report against it. */
			while (old == REC_FREEING)
				old = __atomic_load_n(&r->state,
						      __ATOMIC_ACQUIRE);
			report(old == REC_FREE || old == REC_FREEING
				       ? MM_SLAB_DEBUG_DOUBLE_FREE
				       : MM_SLAB_DEBUG_TRACK,
			       g, b, 0, 0, 0, ip);
			return true; /* not put on a list (again) */
		}
	}
	if (!g->ctor && r->requested < g->size)
		check_bytes(MM_SLAB_DEBUG_RED_ZONE, g, b, r->requested, g->size,
			    RED_ACTIVE, ip);
	check_bytes(MM_SLAB_DEBUG_RED_ZONE, g, b, g->dbg_off,
		    g->dbg_off + RED_ZONE, RED_ACTIVE, ip);
	set_site(&r->free, ip);
	/* Release: a racing double free reads the free site after this. */
	__atomic_store_n(&r->state, REC_FREE, __ATOMIC_RELEASE);
	if (!g->ctor)
		memset(b + sizeof(uintptr_t), POISON_FREE,
		       g->size - sizeof(uintptr_t));
	memset(b + g->dbg_off, RED_INACTIVE, RED_ZONE);
	/*
	 * The first word is still the caller's: slab.c's cheap "looks
	 * free" test cannot fire on poison, and the exact walk behind it
	 * would not find the object (the record said allocated).
	 */
	slab_free_slow(s, va);
	return true;
}

void slab_debug_widen(struct slab *s, uintptr_t va)
{
	const struct slab_geom *g = s->geom;
	struct dbg_record *r;

	if (s->magic != SLAB_MAGIC || !g->debug || !slab_obj_valid(s, va))
		return;
	r = record_of(g, (void *)va);
	if (r->state == REC_ALLOC && r->requested < g->size)
		r->requested = g->size;
}

bool mm_slab_debug_on(void)
{
	return slab_debug_enabled;
}

void mm_slab_debug_last(struct mm_slab_debug_report *out)
{
	unsigned long irq = mm_spin_lock_irqsave(&report_lock);

	*out = last;
	mm_spin_unlock_irqrestore(&report_lock, irq);
}
