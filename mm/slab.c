// SPDX-License-Identifier: MIT
/*
 * Per-hart slabs with lock-free remote frees.
 *
 * Owns: the size-class table, every slab header, and the per-class lists
 * in each hart's slot (struct mm_class).
 *
 * Who touches what:
 *  - A slab's owner hart alone touches its ->free list, ->inuse, ->where,
 *    ->tag, ->next/->prev and the class lists: the slow paths with
 *    interrupts masked, the fast paths (kmalloc.c) with interrupts masked
 *    or as restartable sequences, with no atomic instruction and no lock.
 *    A hart's current slab of a class is frozen (slab.h): no ->inuse
 *    while current, recounted by unset_current().
 *  - Any other hart frees into a slab only through slab->remote: a CAS push
 *    (release) of the object, whose link was written before the CAS.  The
 *    owner takes the whole list with one atomic exchange (acquire), which
 *    makes every pushed link and the object contents visible to it.
 *  - The immutable header fields (magic, owner, cls, size, first, recip,
 *    key) are written before the slab's first object is handed out; any
 *    hart that holds an object got it through some hand-over that ordered
 *    it after that, so it may read them without synchronisation.
 *
 * No ABA: pushers only ever push, and the owner only takes the whole list
 * (exchange) or CASes from states it alone creates.  A pusher's CAS
 * compares the whole head word; if it matches, the node it linked to is the
 * current head whatever happened in between, so the push is correct.
 * Popping single nodes off a shared list (which would be ABA-prone) never
 * happens: single pops are on the owner's private ->free list.
 *
 * Nothing is stranded: the low bits of slab->remote hold a state.  When
 * the owner finds its current slab exhausted it detaches it with
 * CAS(0 -> FULL) (failing if a remote free slipped in, which it then takes).
 * The first remote free into a FULL slab moves it to QUEUED in the same CAS
 * and then pushes the slab onto the owner's revisit stack (slab_hart->revisit,
 * another push-only / take-all list).  A QUEUED slab is never released or
 * re-listed by anyone but the owner's revisit pass, and only one CAS can
 * see FULL, so a slab is queued at most once per detachment.  The owner
 * looks at its revisit stack on every refill and every drain.  After the
 * push CAS that did not see FULL, the freer never touches the slab again
 * (the owner may free it the moment the object arrives).
 *
 * Lists (owner-only): c->cur, c->partial (has free objects), c->full
 * (detached), c->spare (one empty slab).  Empty slabs go back to the buddy
 * allocator beyond the spare.
 *
 * Lock order: slab code holds no lock on its allocation and free paths; it
 * calls into buddy.c (section locks) with interrupts masked.  The one lock
 * of this file, geom_lock (the registry of named caches' geometries), is
 * taken by drains and by cache creation and destruction, before any
 * section lock.  Out of memory it returns NULL: what to do then
 * (drain, ask the other harts, retry) is mm.c's policy, not this layer's.
 */
#include "mm/slab.h"

#include <stddef.h>
#include <string.h>

#include "mm/buddy.h"
#include "mm/spinlock.h"

/*
 * About four classes per doubling above 64 bytes: average internal waste
 * over request sizes 1..2048 is about 9% (tests/host/test_slab.c measures
 * and prints it).  Powers of two alone would average about 27%.
 */
const uint16_t slab_class_size[MM_NR_CLASSES] = {
	8,   16,  24,  32,  48,	 64,  80,  96,	112,  128,  160,  192,	224,
	256, 320, 384, 448, 512, 640, 768, 896, 1024, 1280, 1536, 1792, 2048,
};

/*
 * Class index by request size, so one byte load maps a size to its
 * per-hart class (&h->cls[idx]); sizes 2049..4095 map to MM_NR_CLASSES,
 * the hart's cls_none, whose current slab never has an object, so kmalloc
 * needs only a "size < 4096" test before the load.
 */
uint8_t slab_class_idx[SLAB_IDX_SIZE];

_Static_assert(sizeof(struct mm_class) == 64, "kmalloc scales by 64");
_Static_assert(offsetof(struct slab_hart, cls_none) ==
		       MM_NR_CLASSES * sizeof(struct mm_class),
	       "cls_none follows cls[]");

/* Every hart's slabs, by index (remote frees find the owner here). */
static struct slab_hart *slab_harts[MM_MAX_HARTS];
uintptr_t slab_rc_tag[MM_MAX_HARTS];
static uint64_t slab_secret;

/* Current slab of every class on a fresh hart: never has a free object. */
struct slab slab_none;

static struct slab_geom geom[MM_NR_CLASSES];
/* The kmalloc classes' random orders: sum of nr_objs over the classes. */
#define SEQ_POOL 6144
static uint16_t seq_pool[SEQ_POOL];

/*
 * Named caches' geometries (mm/cache.c), so that drains reach their
 * classes.  The lock is taken with interrupts masked, before any section
 * lock (a drain releases slabs to buddy.c while holding it).
 */
static struct slab_geom *geom_list;
static struct mm_spinlock geom_lock;
/* Bumped by every mm_init(): geometries of an earlier one are gone. */
unsigned long slab_epoch;

void slab_geom_compute(struct slab_geom *g)
{
	uint32_t n;

	if (g->stride < g->size)
		g->stride = g->size;
	n = (SLAB_SIZE - sizeof(struct slab)) / g->stride;
	g->nr_objs = n;
	g->first_off = SLAB_SIZE - n * g->stride;
	g->recip = (uint32_t)(((1ULL << 32) + g->stride - 1) / g->stride);
}

void slab_geom_register(struct slab_geom *g)
{
	unsigned long irq = mm_spin_lock_irqsave(&geom_lock);

	g->next = geom_list;
	geom_list = g;
	mm_spin_unlock_irqrestore(&geom_lock, irq);
}

void slab_geom_unregister(struct slab_geom *g)
{
	unsigned long irq = mm_spin_lock_irqsave(&geom_lock);
	struct slab_geom **pp;

	for (pp = &geom_list; *pp; pp = &(*pp)->next)
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	mm_spin_unlock_irqrestore(&geom_lock, irq);
}

/* The owner @h's class of slab @s: a kmalloc class or a cache's. */
static struct mm_class *class_of_slab(struct slab_hart *h, const struct slab *s)
{
	if (likely(s->cls < MM_NR_CLASSES))
		return &h->cls[s->cls];
	return &s->geom->per_hart[h->index];
}

void slab_init_classes(uint64_t secret)
{
	unsigned int i, c = 0;

	slab_secret = secret;
	for (i = 0; i < SLAB_IDX_SIZE; i++) {
		if (i > SLAB_MAX_SIZE) {
			slab_class_idx[i] = MM_NR_CLASSES;
			continue;
		}
		while (slab_class_size[c] < i)
			c++;
		slab_class_idx[i] = c;
	}
	for (c = 0; c < MM_NR_CLASSES; c++) {
		memset(&geom[c], 0, sizeof(geom[c]));
		geom[c].size = geom[c].stride = slab_class_size[c];
		geom[c].cls = c;
		geom[c].node = -1;
		slab_geom_compute(&geom[c]);
	}
	{
		uint32_t used = 0;

		for (c = 0; c < MM_NR_CLASSES; c++) {
			if (used + geom[c].nr_objs > SEQ_POOL)
				break; /* (asserted by a host test) */
			slab_geom_shuffle(&geom[c], seq_pool + used, c);
			used += geom[c].nr_objs;
		}
	}
	geom_list = NULL;
	mm_spin_init(&geom_lock);
	slab_epoch++;
	memset(&slab_none, 0, sizeof(slab_none));
	slab_none.free = &slab_none;
}

unsigned int slab_class_of(size_t size)
{
	return slab_class_idx[size];
}

struct slab_hart *slab_this_hart(void)
{
	return slab_harts[port_this_hart()];
}

void slab_reset_harts(void)
{
	unsigned int i;

	for (i = 0; i < MM_MAX_HARTS; i++) {
		slab_harts[i] = NULL;
		slab_rc_tag[i] = 1;
	}
}

static uintptr_t fast_span_of(const struct slab_hart *h);

void slab_hart_init(struct slab_hart *h, struct slab_rcache *rc,
		    unsigned int index, int node)
{
	unsigned int c;

	memset(h, 0, sizeof(*h));
	memset(rc, 0, sizeof(*rc));
	h->rc = rc;
	h->index = index;
	h->node = node;
	for (c = 0; c < MM_NR_CLASSES; c++) {
		struct mm_class *k = &h->cls[c];

		k->cur = &slab_none;
		k->partial = k->full = k->spare = NULL;
		mm_stat_set(&k->local_frees, 0);
		mm_stat_set(&k->nr_slabs, 0);
		mm_stat_set(&k->remote_frees, 0);
		mm_stat_set(&k->taken_back, 0);
	}
	h->cls_none.cur = &slab_none;
	atomic_init(&h->revisit, NULL);
	atomic_init(&h->inbox, 0);
	mm_stat_set(&h->fast_span, fast_span_of(h));
	slab_harts[index] = h;
	slab_rc_tag[index] = (uintptr_t)h | SLAB_TAG_NOT_CUR;
}

/*
 * kfree's fast range.  The run of abutting sections holding the first
 * section; a hart's fast span covers the slab headers in [slot, fast_hi)
 * when its slot lies in the run (fast_hi is aligned down to SLAB_SIZE, so
 * a whole slab below it ends inside the run).  Written by whoever adds a
 * section, on one hart at a time (mm.c serialises adds).
 */
static uintptr_t run_lo, run_hi, fast_hi;

static uintptr_t fast_span_of(const struct slab_hart *h)
{
	uintptr_t a = (uintptr_t)h;

	return a >= run_lo && a < fast_hi ? fast_hi - a : 0;
}

/*
 * A section was published: widen kfree's fast range if it abuts the run.
 * The run only ever grows (a section elsewhere is left to the slow path),
 * so a hart that reads its span while we store it gets a range inside the
 * old or the new run: mapped section memory either way.
 */
void slab_fast_range_update(void)
{
	unsigned int i, n = section_count();
	bool grew = true;

	if (!n)
		run_lo = run_hi = fast_hi = 0;
	while (grew) {
		grew = false;
		for (i = 0; i < n; i++) {
			struct mm_section *s = section_get(i);

			if (run_lo == run_hi) {
				run_lo = s->vbase;
				run_hi = s->vend;
				grew = true;
			} else if (s->vend == run_lo) {
				run_lo = s->vbase;
				grew = true;
			} else if (s->vbase == run_hi) {
				run_hi = s->vend;
				grew = true;
			}
		}
	}
	fast_hi = align_down(run_hi, SLAB_SIZE);
	for (i = 0; i < MM_MAX_HARTS; i++)
		if (slab_harts[i])
			mm_stat_set(&slab_harts[i]->fast_span,
				    fast_span_of(slab_harts[i]));
}

/* ---- debug poisoning ---- */

#if MM_DEBUG
#define POISON_FREE 0x6b

/* Objects of a cache with a constructor keep their constructed state. */
void slab_debug_poison(struct slab *s, void *obj)
{
	if (s->geom->ctor || s->geom->debug)
		return;
	memset((char *)obj + sizeof(uintptr_t), POISON_FREE,
	       s->size - sizeof(uintptr_t));
}

void slab_debug_check_alloc(struct slab *s, void *obj)
{
	const unsigned char *p = obj;
	uint32_t i;

	if (s->geom->ctor || s->geom->debug) /* slab_debug=1 checks */
		return;
	for (i = sizeof(uintptr_t); i < s->size; i++)
		if (p[i] != POISON_FREE) {
			port_log("mm: hart %u: object %p (size %u) written "
				 "after free at offset %u\n",
				 port_this_hart_id(), obj, s->size, i);
			mm_bad_use(MM_BAD_DOUBLE_FREE, "use after free", obj);
			return;
		}
}
#endif

/* ---- owner-side list handling (interrupts masked) ---- */

static struct slab **class_list(struct mm_class *c, uint8_t where)
{
	return where == SLAB_PARTIAL ? &c->partial : &c->full;
}

static void list_add_slab(struct mm_class *c, struct slab *s, uint8_t where)
{
	struct slab **head = class_list(c, where);

	s->where = where;
	s->prev = NULL;
	s->next = *head;
	if (*head)
		(*head)->prev = s;
	*head = s;
}

static void list_del_slab(struct mm_class *c, struct slab *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		*class_list(c, s->where) = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
	s->where = 0;
}

/* ---- random object order (CONFIG_SLAB_FREELIST_RANDOM's idea) ---- */

bool slab_freelist_random = true;

/* splitmix64: the boot secret stretched into a stream. */
static uint64_t rand_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * A random permutation of 0..@g->nr_objs-1 into @seq (Fisher-Yates over
 * the stream seeded by the boot secret and @salt), kept by @g: every new
 * slab of @g links its objects in this order from a random start.
 */
void slab_geom_shuffle(struct slab_geom *g, uint16_t *seq, uint64_t salt)
{
	uint64_t st = slab_secret ^ (salt * 0xd6e8feb86659fd93ULL);
	uint32_t i;

	for (i = 0; i < g->nr_objs; i++)
		seq[i] = (uint16_t)i;
	for (i = g->nr_objs - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(rand_next(&st) % (i + 1));
		uint16_t t = seq[i];

		seq[i] = seq[j];
		seq[j] = t;
	}
	g->random_seq = seq;
}

static void init_obj(const struct slab_geom *g, struct slab *s, char *obj)
{
	if (g->obj_init) {
		g->obj_init(g, obj);
	} else if (g->ctor) {
		g->ctor(obj);
		*(uintptr_t *)(obj + g->ctor_word_off) = *(uintptr_t *)obj;
	} else {
		slab_debug_poison(s, obj);
	}
}

/*
 * Link @s's objects in @g's random order, starting at a position drawn
 * from the slab's key (different for every slab and boot), ending at the
 * header.  About six instructions an object more than address order, on
 * the slab-creation path only.
 */
static void link_random(const struct slab_geom *g, struct slab *s)
{
	const uint16_t *seq = g->random_seq;
	uint32_t n = g->nr_objs, pos, k;
	uint64_t st = s->key;
	char *base = (char *)s->first;
	char *prev;

	pos = (uint32_t)(rand_next(&st) % n);
	prev = base + (size_t)seq[pos] * g->stride;
	s->free = prev;
	for (k = 1; k < n; k++) {
		char *obj;

		if (++pos == n)
			pos = 0;
		obj = base + (size_t)seq[pos] * g->stride;
		*(uintptr_t *)prev = slab_link(s, obj);
		prev = obj;
	}
	*(uintptr_t *)prev = slab_link(s, s);
}

static struct slab *slab_new(struct slab_hart *h, struct mm_class *c,
			     const struct slab_geom *g)
{
	uint32_t size = g->stride, i;
	struct slab *s =
		buddy_alloc_slab(SLAB_ORDER, g->node < 0 ? h->node : g->node);
	char *obj;

	if (!s)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->magic = SLAB_MAGIC;
	s->owner = h->index;
	s->cls = g->cls;
	s->geom = g;
	s->size = g->size;
	s->nr_objs = g->nr_objs;
	s->recip = g->recip;
	s->first = (uintptr_t)s + g->first_off;
	s->key = slab_secret ^ ((uintptr_t)s * 0x9e3779b97f4a7c15ULL);
	s->link_hi = ((uintptr_t)s ^ s->key) >> SLAB_SHIFT;
	s->tag = (uintptr_t)h ^ SLAB_TAG_NOT_CUR ^
		 (g->debug ? SLAB_TAG_DEBUG : 0);
	atomic_init(&s->remote, 0);
	obj = (char *)s->first;
	if (g->random_seq && slab_freelist_random) {
		/* Constructed first: the links overwrite first words. */
		for (i = 0; i < g->nr_objs; i++, obj += size)
			init_obj(g, s, obj);
		link_random(g, s);
		mm_stat_add(&c->nr_slabs, 1);
		return s;
	}
	/* Free list in address order, ending at the header. */
	s->free = obj;
	for (i = 0; i < g->nr_objs; i++, obj += size) {
		void *next = i + 1 < g->nr_objs ? obj + size : (void *)s;

		if (g->obj_init) {
			g->obj_init(g, obj); /* slab_debug: also the ctor */
		} else if (g->ctor) {
			g->ctor(obj);
			*(uintptr_t *)(obj + g->ctor_word_off) =
				*(uintptr_t *)obj;
		} else {
			slab_debug_poison(s, obj);
		}
		*(uintptr_t *)obj = slab_link(s, next);
	}
	mm_stat_add(&c->nr_slabs, 1);
	return s;
}

static void slab_release(struct mm_class *c, struct slab *s)
{
	s->magic = 0;
	s->tag = 0;
	mm_stat_add(&c->nr_slabs, (unsigned long)-1);
	buddy_free_slab(s, SLAB_ORDER);
}

/* An empty slab leaves the lists: kept as the spare or released. */
static void slab_retire(struct mm_class *c, struct slab *s)
{
	if (!c->spare) {
		s->where = SLAB_SPARE;
		c->spare = s;
	} else {
		slab_release(c, s);
	}
}

/*
 * Put a taken remote list (ending at the slab header) in front of ->free.
 * About five instructions per object: the walk counts and finds the tail.
 */
static unsigned int slab_splice(struct mm_class *c, struct slab *s,
				uintptr_t *list)
{
	uintptr_t *p, *last = NULL;
	unsigned int n = 0;

	for (p = list; p && (void *)p != (void *)s; p = slab_unlink(s, *p)) {
		last = p;
		n++;
	}
	if (!n)
		return 0;
	*last = slab_link(s, s->free);
	s->free = list;
	if (s->where != SLAB_CUR)
		s->inuse -= n;
	mm_stat_add(&c->taken_back, n);
	return n;
}

/*
 * Take back the remote frees of an attached slab (state bits 0, so the
 * exchange to 0 loses no state).  Acquire: pairs with the pushers' release
 * CAS, so their link words and object contents are visible.
 */
static unsigned int slab_take_remote(struct mm_class *c, struct slab *s)
{
	uintptr_t head;

	if (!atomic_load_explicit(&s->remote, memory_order_relaxed))
		return 0;
	mm_count_atomic();
	head = atomic_exchange_explicit(&s->remote, 0, memory_order_acquire);
	return slab_splice(c, s, (uintptr_t *)(head & ~REMOTE_STATE));
}

/* Re-list the slabs other harts queued for us (state QUEUED, list FULL). */
static void slab_process_revisit(struct slab_hart *h)
{
	struct slab *s, *next;

	if (!atomic_load_explicit(&h->revisit, memory_order_relaxed))
		return;
	/* Acquire: pairs with the queuer's release, for ->revisit_next. */
	mm_count_atomic();
	s = atomic_exchange_explicit(&h->revisit, NULL, memory_order_acquire);
	for (; s; s = next) {
		struct mm_class *c = class_of_slab(h, s);
		uintptr_t head;

		next = s->revisit_next;
		/* QUEUED -> 0 (attached) and take what was pushed. */
		mm_count_atomic();
		head = atomic_exchange_explicit(&s->remote, 0,
						memory_order_acquire);
		slab_splice(c, s, (uintptr_t *)(head & ~REMOTE_STATE));
		list_del_slab(c, s);
		if (s->inuse == 0)
			slab_retire(c, s);
		else
			list_add_slab(c, s, SLAB_PARTIAL);
	}
}

/* Objects on @s's own free list (bounded: a corrupt list cannot loop). */
uint32_t slab_free_count(const struct slab *s)
{
	const uintptr_t *p = s->free;
	uint32_t n = 0;

	while ((const void *)p != (const void *)s && n < s->nr_objs) {
		n++;
		p = slab_unlink(s, *p);
	}
	return n;
}

/* @s becomes @c's current slab: frozen, its tag matches (see slab.h). */
static void set_current(struct mm_class *c, struct slab *s)
{
	s->where = SLAB_CUR;
	s->tag ^= SLAB_TAG_NOT_CUR;
	c->cur = s;
}

/* @s stops being current: its tag stops matching, ->inuse is recounted. */
static void unset_current(struct mm_class *c, struct slab *s)
{
	c->cur = &slab_none;
	s->tag ^= SLAB_TAG_NOT_CUR;
	s->inuse = s->nr_objs - slab_free_count(s);
	s->where = 0;
}

/*
 * The current slab is exhausted: detach it as FULL, unless remote frees
 * are waiting in it (then they are taken and it stays current).  The CAS
 * is a release so that our earlier reads of ->revisit_next (a previous
 * revisit pass) happen before a remote freer that sees FULL rewrites it.
 */
static bool slab_detach_cur(struct mm_class *c, struct slab *s)
{
	for (;;) {
		uintptr_t expect = 0;

		if (slab_take_remote(c, s))
			return false;
		mm_count_atomic();
		if (atomic_compare_exchange_strong_explicit(
			    &s->remote, &expect, REMOTE_FULL,
			    memory_order_release, memory_order_relaxed))
			break;
	}
	unset_current(c, s);
	list_add_slab(c, s, SLAB_FULL);
	return true;
}

/*
 * Interrupts masked, on hart @h.  Find an object for class @cls: the
 * current slab, remote frees into it, a partial slab, the spare, a new
 * slab; NULL when the buddy allocator has no block either.
 */
void *slab_alloc_refill(struct slab_hart *h, unsigned int cls)
{
	return slab_alloc_refill_geom(h, &h->cls[cls], &geom[cls]);
}

void *slab_alloc_refill_geom(struct slab_hart *h, struct mm_class *c,
			     const struct slab_geom *g)
{
	struct slab *s;
	void *p;

	mm_assert_irqs_off();
	MM_BUG_ON(h != slab_harts[port_this_hart()]);
	p = slab_alloc_fast(c);
	if (p)
		return p;

	slab_take_inbox(h);
	slab_process_revisit(h);
	p = slab_alloc_fast(c);
	if (p)
		return p;
	s = c->cur;
	if (s != &slab_none && !slab_detach_cur(c, s))
		return slab_alloc_fast(c);
	if (c->cur == &slab_none) {
		s = c->partial;
		if (s) {
			list_del_slab(c, s);
		} else if (c->spare) {
			s = c->spare;
			c->spare = NULL;
		} else {
			s = slab_new(h, c, g);
			if (!s)
				return NULL;
		}
		set_current(c, s);
	}
	return slab_alloc_fast(c);
}

/* ---- frees that left the fast path ---- */

/* Exact: is @va on the slab's own free list or its remote list? */
static bool slab_obj_is_free(const struct slab *s, uintptr_t va)
{
	uintptr_t *p;
	uintptr_t head;

	for (p = s->free; (void *)p != (void *)s; p = slab_unlink(s, *p))
		if ((uintptr_t)p == va)
			return true;
	/* Pushed nodes never change: a snapshot of the head can be walked. */
	head = atomic_load_explicit(&s->remote, memory_order_acquire) &
	       ~REMOTE_STATE;
	for (p = (uintptr_t *)head; p && (void *)p != (void *)s;
	     p = slab_unlink(s, *p))
		if ((uintptr_t)p == va)
			return true;
	/*
	 * Not on a list the owner sees: it may wait in a batch of remote
	 * frees, gathered on another hart or posted to our inbox, whose links
	 * are this slab's own.  Its word decodes to an object of this slab or
	 * to the header (the end of a batch): that is a double free.  User
	 * data passes this only by an accident of 2^-50 or less (the word
	 * must decode into this slab and hit an object start).
	 */
	head = (uintptr_t)slab_unlink(s, *(const uintptr_t *)va);
	return (head & ~1UL) == (uintptr_t)s || slab_obj_valid(s, head);
}

/*
 * A FULL slab rejoins the partial list only once a quarter of it is free:
 *	nr_objs - inuse >= max(nr_objs / 4, 1)
 * Attached at its first free, it would be made current with one free
 * object and detached again at the next allocation (a CAS each way): the
 * host mix workload refilled once every 6.5 allocations that way.  Until
 * then its free objects wait on its own list, nothing lost: when the last
 * object comes back the slab is attached and retired as before.
 */
static inline bool slab_worth_attaching(const struct slab *s)
{
	uint32_t quarter = s->nr_objs >> 2;

	return s->nr_objs - s->inuse >= (quarter ? quarter : 1);
}

/* A FULL slab got frees: attach it, unless a remote freer queued it
 * (then the revisit pass attaches it). */
static void slab_try_attach(struct mm_class *c, struct slab *s)
{
	uintptr_t old = atomic_load_explicit(&s->remote, memory_order_relaxed);

	do {
		if ((old & REMOTE_STATE) != REMOTE_FULL)
			return;
		mm_count_atomic();
	} while (!atomic_compare_exchange_weak_explicit(
		&s->remote, &old, old & ~REMOTE_STATE, memory_order_relaxed,
		memory_order_relaxed));
	list_del_slab(c, s);
	list_add_slab(c, s, SLAB_PARTIAL);
}

static inline __attribute__((always_inline)) void
slab_free_local_slow(struct slab_hart *h, struct slab *s, uintptr_t va)
{
	struct mm_class *c = class_of_slab(h, s);
	unsigned long irq = port_irq_save();

	MM_BUG_ON(s->owner != port_this_hart());
	if (slab_obj_looks_free(s, va) && slab_obj_is_free(s, va)) {
		port_irq_restore(irq);
		mm_bad_use(MM_BAD_DOUBLE_FREE, "kfree", (void *)va);
		return;
	}
	slab_debug_poison(s, (void *)va);
	*(uintptr_t *)va = slab_link(s, s->free);
	s->free = (void *)va;
	mm_stat_add(&c->local_frees, 1);
	if (s->where == SLAB_CUR) { /* frozen: no count, stays current */
		port_irq_restore(irq);
		return;
	}
	s->inuse--;
	if (s->where == SLAB_FULL && slab_worth_attaching(s))
		slab_try_attach(c, s);
	if (s->inuse == 0 && s->where == SLAB_PARTIAL) {
		list_del_slab(c, s);
		slab_retire(c, s);
	}
	port_irq_restore(irq);
}

static void slab_queue_revisit(struct slab *s)
{
	struct slab_hart *owner = slab_harts[s->owner];
	struct slab *top =
		atomic_load_explicit(&owner->revisit, memory_order_relaxed);

	/* Release: ->revisit_next is visible to the owner's exchange. */
	do {
		s->revisit_next = top;
		mm_count_atomic();
	} while (!atomic_compare_exchange_weak_explicit(&owner->revisit, &top,
							s, memory_order_release,
							memory_order_relaxed));
}

/*
 * ---- remote frees in batches ----
 *
 * A hart frees an object of another hart's slab into its own cache
 * (slab.h: struct slab_rcache, slab_rc_add_fast()), with no atomic: the
 * object's first word links it to the previous object of the same slab in
 * the slab's own encoding, the oldest one pointing at the slab header,
 * exactly what the owner's ->free list looks like.  A way holds one
 * slab's open batch, of at most SLAB_RC_WAY_BYTES; freeing into another
 * slab that maps to the same way, or past that size, posts that way's
 * batch (slab_rc_add()).  So what a hart holds pending is at most
 * SLAB_RC_WAYS * SLAB_RC_WAY_BYTES whenever it is not inside
 * slab_rc_add().  Only the free that opens a batch makes the whole test
 * (slab_free_not_current(): another registered hart's live slab, objects
 * that may wait); the frees that follow into the same open batch only
 * compare slab addresses, which is safe because a slab with an object in
 * a batch cannot go away (see "Nothing stranded").
 *
 * Posting is ONE compare-and-swap (release) of the batch's newest object
 * onto the owner's inbox (slab_hart->inbox), after the oldest object's
 * SECOND word was set to the old inbox head and its first word to the end
 * marker slab_link(s, s | 1): bit 0 can never be set in a link between
 * objects (8-byte aligned), so the owner's walk knows where a batch ends,
 * and every pending object's first word still decodes into its own slab,
 * so it still "looks free" to kfree's cheap double-free test and a second
 * free of it is caught (rc_link_next()).  Objects without a second word
 * (the 8-byte class) and objects of caches with a constructor (whose
 * second word is constructed state) and slab_debug=1's objects (poisoned
 * from their second word on) are never batched: they take the per-object
 * CAS on slab->remote (rc_batchable()).
 * slab_rc_flush() chains all batches for one owner first and posts them
 * with one CAS.  The release orders every link word and the objects'
 * contents (the user's last writes) before the post; the owner takes the
 * whole inbox with one exchange (acquire) after a plain load saw it
 * non-empty, and walks it with plain loads.
 *
 * No ABA: the inbox is push-many / take-all, as the revisit stack is.  A
 * pusher's CAS succeeds only if the head is still the value its link
 * encodes, whatever happened in between.
 *
 * Nothing stranded: a pending object still counts as in use in its slab,
 * so its slab is never released while a batch holds it; the owner walks
 * every posted batch itself and moves the slab between its lists (a FULL
 * slab becomes PARTIAL, an empty one is retired), so no FULL/QUEUED dance
 * is needed for batched frees.  The bounded delay is the kernel's part:
 * mm_tick() on every timer tick, mm_idle() before a hart waits for an
 * interrupt and every drain (the out-of-memory request included) flush
 * this hart's cache and take its inbox (docs/design.md states the bound).
 *
 * A hart without registered slabs (before mm_hart_init()) still frees
 * remotely with the per-object CAS on slab->remote, below.
 */

/* May @s's objects wait in batches?  See "Posting" above. */
static inline bool rc_batchable(const struct slab *s)
{
	return s->size >= 2 * sizeof(uintptr_t) && !s->geom->ctor &&
	       !s->geom->debug;
}

/*
 * @last, the oldest object of a batch, links to the next batch @next (0:
 * none): its first word becomes the in-slab end marker, its second word
 * the raw pointer (read only by the owner's walk, rc_take_batch()).
 */
static inline void rc_link_next(uintptr_t last, uintptr_t next)
{
	struct slab *ls = slab_of(last);

	((uintptr_t *)last)[1] = next;
	*(uintptr_t *)last = slab_link(ls, (void *)((uintptr_t)ls | 1));
}

/* Post the chain @first .. @last (batches linked through their oldest
 * objects; @last is the oldest object of the last batch) to @owner. */
static void rc_push(struct slab_rcache *rc, unsigned int owner, uintptr_t first,
		    uintptr_t last)
{
	struct slab_hart *o = slab_harts[owner];
	uintptr_t old = atomic_load_explicit(&o->inbox, memory_order_relaxed);

	do {
		rc_link_next(last, old);
		mm_stat_add(&rc->posts, 1);
		mm_count_atomic();
		/* Release: the links and the objects before the post. */
	} while (!atomic_compare_exchange_weak_explicit(&o->inbox, &old, first,
							memory_order_release,
							memory_order_relaxed));
}

static void slab_push_remote(struct slab *s, uintptr_t va);

/* Close way @way: its batch is counted and leaves the cache. */
static void rc_close(struct slab_hart *me, unsigned int way)
{
	struct slab_rcache *rc = me->rc;
	struct slab *s = slab_of(rc->head[way]);

	mm_stat_add(&class_of_slab(me, s)->remote_frees,
		    SLAB_RC_WAY_BYTES / s->size - rc->room[way]);
	rc->head[way] = 0;
	rc->room[way] = 0;
	rc->open &= ~(1UL << way);
}

/* One batch out: the way's slab moved on, or the batch is full. */
static void rc_post(struct slab_hart *me, unsigned int way)
{
	struct slab_rcache *rc = me->rc;
	uintptr_t head = rc->head[way], tail = rc->tail[way];
	unsigned int owner = slab_of(head)->owner;

	mm_assert_irqs_off();
	rc_close(me, way);
	rc_push(rc, owner, head, tail);
}

/*
 * Gather @va (an object of another hart's slab @s, batchable) in this
 * hart's cache: into its way's open batch, or a new batch after the way's
 * old one is posted.  Interrupts masked, @me registered.
 */
static void slab_rc_add(struct slab_hart *me, struct slab *s, uintptr_t va)
{
	struct slab_rcache *rc = me->rc;
	unsigned int way = slab_rc_way(va);

	if (slab_rc_add_fast(rc, s, va, true))
		return;
	if (rc->head[way])
		rc_post(me, way);
	slab_debug_poison(s, (void *)va);
	*(uintptr_t *)va = slab_link(s, s); /* the end of the batch */
	rc->head[way] = va;
	rc->tail[way] = va;
	rc->room[way] = SLAB_RC_WAY_BYTES / s->size - 1; /* objs(s) - 1 */
	rc->open |= 1UL << way;
}

/*
 * The owner's index if @s is a live slab of a registered hart (this one
 * included), else -1.  @s may be anything mapped (user data of a page run
 * being written meanwhile): its tag must equal a registered hart's, which
 * user data never holds by accident (mm's slot addresses), and a live
 * slab's owner and tag do not change but for the tag's "current" bit.
 * The reads are deliberately racy: hidden from ThreadSanitizer.
 */
#ifdef __SANITIZE_THREAD__
__attribute__((no_sanitize_thread))
#endif
static int
live_slab_owner(const struct slab *s)
{
	uintptr_t tag = s->tag | SLAB_TAG_NOT_CUR;
	/* A real slab's owner is below MM_MAX_HARTS; masking keeps any
	 * other header's value inside the table (its tag then fails). */
	unsigned int owner = s->owner & (MM_MAX_HARTS - 1);

	return slab_rc_tag[owner] == tag ? (int)owner : -1;
}

bool slab_free_not_current(struct slab_hart *me, struct slab *s, uintptr_t va,
			   bool checked)
{
	int owner = live_slab_owner(s);
	unsigned long irq;

	if (owner < 0)
		return false;
	if (!checked && (!slab_obj_valid(s, va) || slab_obj_looks_free(s, va)))
		return false;
	if ((unsigned int)owner == me->index) {
		/* Ours, not current: the exact local path, no lookup. */
		slab_free_local_slow(me, s, va);
		return true;
	}
	if (!rc_batchable(s)) {
		slab_push_remote(s, va);
		return true;
	}
	irq = port_irq_save();
	slab_rc_add(me, s, va);
	port_irq_restore(irq);
	return true;
}

/* Everything pending out, one post per owner (interrupts masked). */
void slab_rc_flush(struct slab_hart *me)
{
	struct slab_rcache *rc = me->rc;

	mm_assert_irqs_off();
	while (rc->open) {
		unsigned int way = mm_ctz(rc->open), w;
		uintptr_t first = rc->head[way], last = rc->tail[way];
		unsigned int owner = slab_of(first)->owner;

		rc_close(me, way);
		for (w = way + 1; w < SLAB_RC_WAYS; w++) {
			uintptr_t h = rc->head[w];

			if (!h || slab_of(h)->owner != owner)
				continue;
			/* Chain: the last batch's oldest object -> this one. */
			rc_link_next(last, h);
			last = rc->tail[w];
			rc_close(me, w);
		}
		rc_push(rc, owner, first, last);
	}
}

unsigned long slab_rc_pending(const struct slab_hart *me)
{
	const struct slab_rcache *rc = me->rc;
	unsigned long bytes = 0;
	unsigned int w;

	for (w = 0; w < SLAB_RC_WAYS; w++) {
		if (rc->head[w]) {
			const struct slab *s = slab_of(rc->head[w]);

			bytes += (SLAB_RC_WAY_BYTES / s->size - rc->room[w]) *
				 s->size;
		}
	}
	return bytes;
}

unsigned long slab_rc_drop(struct slab_hart *me)
{
	struct slab_rcache *rc = me->rc;
	unsigned long bytes = slab_rc_pending(me);

	mm_assert_irqs_off();
	memset(rc->head, 0, sizeof(rc->head));
	memset(rc->room, 0, sizeof(rc->room));
	rc->open = 0;
	return bytes;
}

/*
 * The owner takes back one posted batch of @s starting at @p: walk it
 * (plain loads: the exchange that took the inbox was an acquire), splice
 * it in front of ->free, count it, and move @s between the lists as a
 * local free would.  Returns the next batch (0: none).
 */
static uintptr_t rc_take_batch(struct slab_hart *h, uintptr_t first,
			       unsigned int *released)
{
	struct slab *s = slab_of(first);
	struct mm_class *c = class_of_slab(h, s);
	uintptr_t *p = (uintptr_t *)first, next;
	unsigned int n = 1;

	for (;;) {
		next = slab_link(s, (void *)*p); /* decode: same xor */
		if (next & 1)
			break;
		p = (uintptr_t *)next;
		n++;
	}
	next = p[1]; /* the next batch (rc_link_next()) */
#if MM_DEBUG
	memset(&p[1], POISON_FREE, sizeof(p[1])); /* as slab_debug_poison() */
#endif
	*p = slab_link(s, s->free);
	s->free = (void *)first;
	mm_stat_add(&c->taken_back, n);
	if (s->where != SLAB_CUR) {
		s->inuse -= n;
		if (released) {
			/*
			 * A reaper of a parked hart (slab_reap_parked): the
			 * slab stays parked (FULL) unless this emptied it.
			 * Released only from plain FULL: a QUEUED one is on
			 * the revisit stack, which the reaper walks next.  No
			 * object of an empty slab is live, so no remote free
			 * can race with the release.
			 */
			uintptr_t full = REMOTE_FULL;

			if (s->inuse == 0 &&
			    atomic_compare_exchange_strong_explicit(
				    &s->remote, &full, 0, memory_order_relaxed,
				    memory_order_relaxed)) {
				mm_count_atomic();
				list_del_slab(c, s);
				slab_release(c, s);
				(*released)++;
			}
			return next;
		}
		if (s->where == SLAB_FULL && slab_worth_attaching(s))
			slab_try_attach(c, s);
		if (s->inuse == 0 && s->where == SLAB_PARTIAL) {
			list_del_slab(c, s);
			slab_retire(c, s);
		}
	}
	return next;
}

/* The batches posted to @h; @released: reaping a parked @h (see above). */
static void take_inbox(struct slab_hart *h, unsigned int *released)
{
	uintptr_t m;

	mm_assert_irqs_off();
	/* A plain (relaxed) look first: the common case is empty. */
	if (!atomic_load_explicit(&h->inbox, memory_order_relaxed))
		return;
	/* Acquire: pairs with the posters' release CAS. */
	mm_count_atomic();
	m = atomic_exchange_explicit(&h->inbox, 0, memory_order_acquire);
	mm_stat_add(&h->rc->takes, 1);
	while (m)
		m = rc_take_batch(h, m, released);
}

void slab_take_inbox(struct slab_hart *h)
{
	take_inbox(h, NULL);
}

/*
 * One object pushed on @s's own remote list with one CAS: a hart without
 * registered slabs, and objects rc_batchable() refuses.  After the CAS
 * the freer never touches the slab again (the owner may free it).
 */
static void slab_push_remote(struct slab *s, uintptr_t va)
{
	uintptr_t old, new;

	slab_debug_poison(s, (void *)va);
	old = atomic_load_explicit(&s->remote, memory_order_relaxed);
	do {
		uintptr_t next = old & ~REMOTE_STATE;
		uintptr_t state = old & REMOTE_STATE;

		*(uintptr_t *)va =
			slab_link(s, next ? (void *)next : (void *)s);
		new = va | (state == REMOTE_FULL ? REMOTE_QUEUED : state);
		mm_count_atomic();
		/* Release: the link (and the object) before the push.
		 * Acquire: when we see FULL, the owner's reads of
		 * ->revisit_next from an earlier pass happened before. */
	} while (!atomic_compare_exchange_weak_explicit(&s->remote, &old, new,
							memory_order_acq_rel,
							memory_order_relaxed));
	if ((old & REMOTE_STATE) == REMOTE_FULL)
		slab_queue_revisit(s);
}

static void slab_free_remote(struct slab *s, uintptr_t va)
{
	struct slab_hart *me = slab_harts[port_this_hart()];

	if (slab_obj_looks_free(s, va)) {
		/* Only the owner can walk its lists; the encoded link with a
		 * secret key makes a false alarm practically impossible. */
		mm_bad_use(MM_BAD_DOUBLE_FREE, "kfree (remote)", (void *)va);
		return;
	}
	if (me && rc_batchable(s)) {
		unsigned long irq = port_irq_save();

		slab_rc_add(me, s, va);
		port_irq_restore(irq);
		return;
	}
	slab_push_remote(s, va);
}

void slab_free_slow(struct slab *s, uintptr_t va)
{
	if (unlikely(s->magic != SLAB_MAGIC)) {
		mm_bad_use(MM_BAD_UNKNOWN, "kfree", (void *)va);
		return;
	}
	if (unlikely(!slab_obj_valid(s, va))) {
		mm_bad_use(MM_BAD_INTERIOR, "kfree", (void *)va);
		return;
	}
	if (s->owner == port_this_hart())
		slab_free_local_slow(slab_harts[s->owner], s, va);
	else
		slab_free_remote(s, va);
}

size_t slab_ksize(const struct slab *s, uintptr_t va)
{
	if (s->magic != SLAB_MAGIC || !slab_obj_valid(s, va)) {
		mm_bad_use(s->magic != SLAB_MAGIC ? MM_BAD_UNKNOWN
						  : MM_BAD_INTERIOR,
			   "ksize", (void *)va);
		return 0;
	}
	return s->size;
}

/* ---- drain ---- */

static inline __attribute__((always_inline)) void
drain_class(struct mm_class *c, bool all)
{
	struct slab *s, *next;

	s = c->cur;
	if (s != &slab_none) {
		slab_take_remote(c, s);
		if (all && slab_free_count(s) == s->nr_objs) {
			unset_current(c, s);
			slab_retire(c, s);
		}
	}
	/*
	 * FULL slabs with free objects not yet worth attaching (see
	 * slab_worth_attaching()): a drain is memory pressure, where every
	 * free object counts, so they join the partial list (and the loop
	 * below retires those that are empty).
	 */
	for (s = c->full; s; s = next) {
		next = s->next;
		if (s->inuse < s->nr_objs)
			slab_try_attach(c, s);
	}
	for (s = c->partial; s; s = next) {
		next = s->next;
		slab_take_remote(c, s);
		if (s->inuse == 0) {
			list_del_slab(c, s);
			slab_retire(c, s);
		}
	}
	if (all && c->spare) {
		slab_release(c, c->spare);
		c->spare = NULL;
	}
}

/* Interrupts masked by the caller, on hart @h. */
void slab_drain_hart(struct slab_hart *h, bool all)
{
	struct slab_geom *g;
	unsigned long irq;
	unsigned int c;

	mm_assert_irqs_off();
	MM_BUG_ON(h != slab_harts[port_this_hart()]);
	slab_rc_flush(h);
	slab_take_inbox(h);
	slab_process_revisit(h);
	for (c = 0; c < MM_NR_CLASSES; c++)
		drain_class(&h->cls[c], all);
	irq = mm_spin_lock_irqsave(&geom_lock);
	for (g = geom_list; g; g = g->next)
		drain_class(&g->per_hart[h->index], all);
	mm_spin_unlock_irqrestore(&geom_lock, irq);
}

static unsigned long list_inuse(const struct slab *s, unsigned long *slabs)
{
	unsigned long n = 0;

	for (; s; s = s->next, ++*slabs)
		n += s->inuse;
	return n;
}

/*
 * Objects pushed one by one on @s's remote list, not taken back yet.  The
 * owner may take the list meanwhile and hand its objects out again, so the
 * walk may read user data: it stops at anything that is not an object of
 * @s and after nr_objs steps, and so never leaves the slab (a count, not
 * a proof).  Objects in batches are not walked at all: a batch posted to
 * the owner's inbox belongs to the owner, who may splice it at any time
 * (walking one from another hart is what crashed the kmem_cache suite);
 * they count as in use until the owner takes them back.
 */
static unsigned long remote_count(const struct slab *s)
{
	uintptr_t *p = (uintptr_t *)(atomic_load_explicit(
					     &s->remote, memory_order_acquire) &
				     ~REMOTE_STATE);
	unsigned long n = 0;

	while (p && n < s->nr_objs && slab_obj_valid(s, (uintptr_t)p)) {
		n++;
		p = slab_unlink(s, *p);
	}
	return n;
}

static unsigned long list_remote(const struct slab *s)
{
	unsigned long n = 0;

	for (; s; s = s->next)
		n += remote_count(s);
	return n;
}

/*
 * A named cache's remote frees are not counted per cache (the freer adds
 * them to its cls_none, which no report reads: the remote path stays as
 * short as for kmalloc), so the objects waiting on remote lists are
 * counted here, from the lists.
 */
void slab_class_usage(const struct mm_class *c, unsigned long *in_use,
		      unsigned long *slabs)
{
	unsigned long n = 0, k = 0;

	if (c->cur != &slab_none) {
		n += c->cur->nr_objs - slab_free_count(c->cur);
		n -= remote_count(c->cur);
		k++;
	}
	n += list_inuse(c->partial, &k) + list_inuse(c->full, &k);
	n -= list_remote(c->partial) + list_remote(c->full);
	if (c->spare)
		k++;
	*in_use = n;
	*slabs = k;
}

/* ---- hart hot-plug: parking a hart's slabs (mm.c's mm_hart_offline) ---- */

/*
 * @s (not current, on no list) leaves its owner's attention: take what
 * was pushed to it, release it if that emptied it, else detach it as FULL
 * on the full list, exactly as slab_detach_cur() does for an exhausted
 * current slab.  From then on the first remote free queues it on the
 * owner's revisit stack, so every object freed into it is reachable.
 */
static bool park_slab(struct mm_class *c, struct slab *s)
{
	for (;;) {
		uintptr_t expect = 0;

		slab_take_remote(c, s);
		if (s->inuse == 0) {
			slab_release(c, s);
			return true;
		}
		/* Release: as in slab_detach_cur() (->revisit_next reads). */
		if (atomic_compare_exchange_strong_explicit(
			    &s->remote, &expect, REMOTE_FULL,
			    memory_order_release, memory_order_relaxed))
			break;
	}
	list_add_slab(c, s, SLAB_FULL);
	return false;
}

/* Park every slab of class @c (slab_park_hart() below). */
static void park_class(struct mm_class *c)
{
	struct slab *s = c->cur;

	if (s != &slab_none) {
		unset_current(c, s);
		park_slab(c, s);
	}
	while ((s = c->partial)) {
		list_del_slab(c, s);
		park_slab(c, s);
	}
	if (c->spare) {
		slab_release(c, c->spare);
		c->spare = NULL;
	}
}

/*
 * On hart @h going offline, interrupts masked: every slab with objects
 * in use is parked as FULL (above), every empty one (the spares too) goes
 * back to the buddy allocator, in the kmalloc classes and in every
 * registered geometry's class of @h (named caches, slab_debug twins), the
 * same set slab_drain_hart() walks.  Slabs already FULL stay as they are
 * (FULL or QUEUED: a queued one is on @h's revisit stack, taken below or
 * by a reaper).  Afterwards no slab is current, no list but ->full is
 * non-empty, and @h may be reaped by another hart (slab_reap_parked).
 */
void slab_park_hart(struct slab_hart *h)
{
	struct slab_geom *g;
	unsigned long irq;
	unsigned int cls;

	mm_assert_irqs_off();
	MM_BUG_ON(h != slab_harts[port_this_hart()]);
	slab_process_revisit(h);
	for (cls = 0; cls < MM_NR_CLASSES; cls++)
		park_class(&h->cls[cls]);
	irq = mm_spin_lock_irqsave(&geom_lock);
	for (g = geom_list; g; g = g->next)
		park_class(&g->per_hart[h->index]);
	mm_spin_unlock_irqrestore(&geom_lock, irq);
}

/*
 * Reap the parked hart @h from another hart, interrupts masked: the
 * caller (mm.c) holds @h's park lock and has seen @h parked under it, so
 * @h runs no mm code and this hart stands in for the owner; the lock's
 * acquire/release carries the owner-only fields between the parking hart,
 * successive reapers and the owner when it comes back.  Every slab a
 * remote free queued is taken off the revisit stack (acquire, as in
 * slab_process_revisit()); its remote list is taken (QUEUED -> 0,
 * acquire) and spliced; an empty slab goes back to the buddy allocator,
 * any other is parked again (0 -> FULL), so the next remote free queues
 * it again.  Slabs nobody freed into stay on ->full untouched.  Returns
 * the number of slabs released.
 */
unsigned int slab_reap_parked(struct slab_hart *h)
{
	struct slab *s, *next;
	unsigned int released = 0;

	mm_assert_irqs_off();
	/* Batches other harts posted to the parked hart: first, so that a
	 * slab they empty while it is QUEUED is released by the pass below. */
	take_inbox(h, &released);
	if (!atomic_load_explicit(&h->revisit, memory_order_relaxed))
		return released;
	s = atomic_exchange_explicit(&h->revisit, NULL, memory_order_acquire);
	for (; s; s = next) {
		struct mm_class *c = class_of_slab(h, s);
		uintptr_t head;

		next = s->revisit_next;
		head = atomic_exchange_explicit(&s->remote, 0,
						memory_order_acquire);
		slab_splice(c, s, (uintptr_t *)(head & ~REMOTE_STATE));
		list_del_slab(c, s);
		released += park_slab(c, s);
	}
	return released;
}
