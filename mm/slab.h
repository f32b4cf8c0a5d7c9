/* SPDX-License-Identifier: MIT */
/*
 * Per-hart slabs for objects of 8..2048 bytes (see slab.c for the rules).
 *
 * A slab is one 16 KiB buddy block aligned to its size; its header sits at
 * the start, the objects are packed against the end (so the last object
 * ends at the slab's end and power-of-two classes stay naturally aligned).
 * kfree() finds the header by masking the address, once page_meta has said
 * the page belongs to a slab.
 *
 * Free objects link through their first word, encoded as
 * (next ^ slab->key); the end of a list is the slab header itself.  So a
 * free object's decoded first word always points into its own slab, which
 * is the cheap double-free test (a hit is then verified exactly on the
 * slow path); kmalloc clears the word so that user data rarely matches.
 */
#ifndef HARTSLAB_MM_SLAB_H
#define HARTSLAB_MM_SLAB_H

#include <stdatomic.h>
#include <stddef.h>

#include "lib/types.h"
#include "mm/internal.h"

#define SLAB_SHIFT    14
#define SLAB_SIZE     (1UL << SLAB_SHIFT)
#define SLAB_ORDER    (SLAB_SHIFT - PAGE_SHIFT)
#define SLAB_MAX_SIZE 2048
#define SLAB_MAGIC    0x51ab0bedu
#define MM_NR_CLASSES 26

/*
 * A hart's current slab of a class is frozen, as SLUB freezes its per-CPU
 * slab: its ->inuse is not kept while it is current (the fast paths do not
 * count), and it is recomputed from the free list when it stops being
 * current.  ->tag is the owner's struct slab_hart address only while the
 * slab is current; otherwise it has SLAB_TAG_NOT_CUR flipped (0 once
 * released).  So kfree's one compare of the tag against its own slot
 * address checks "a slab header", "this hart's" and "current" at once, and
 * every other free takes the exact slow path.  User data does not hold an
 * mm-internal address by accident, and slots are 64-byte aligned, so
 * neither form is 0.
 */
#define SLAB_TAG_NOT_CUR 2UL
#define SLAB_TAG_DEBUG	 4UL /* a slab_debug slab: never a fast-path tag */

/* slab->where: which of the owner's lists holds the slab. */
enum { SLAB_CUR = 1, SLAB_PARTIAL, SLAB_FULL, SLAB_SPARE };

/* Low bits of slab->remote (objects are at least 8-byte aligned). */
#define REMOTE_FULL   1UL /* detached by its owner: next free queues it */
#define REMOTE_QUEUED 2UL /* on its owner's revisit list */
#define REMOTE_STATE  3UL

struct slab {
	/* Owner-only, hot: first cache line. */
	void *free;	 /* next object to hand out; == slab: none */
	uint64_t key;	 /* free-link encoding key */
	uintptr_t tag;	 /* owner's slab_hart address while current (above) */
	uintptr_t first; /* address of object 0 */
	uint32_t recip;	 /* ceil(2^32 / size), for the interior test */
	uint32_t inuse;	 /* objects not on ->free; stale while current */
	uint16_t owner;	 /* hart index */
	uint8_t cls;
	uint8_t where; /* SLAB_* */
	uint32_t magic;
	uint32_t size, nr_objs;
	/*
	 * (slab ^ key) >> SLAB_SHIFT: a word w of an object of this slab
	 * "looks free" (is an encoded link, next ^ key with next in this
	 * slab) exactly when w >> SLAB_SHIFT equals this.
	 */
	uint64_t link_hi;
	struct slab *next, *prev; /* the owner's list named by ->where */
	/* Written by other harts: second cache line. */
	_Atomic uintptr_t remote __attribute__((aligned(64)));
	struct slab *revisit_next; /* set by the freer that queues the slab */
	const struct slab_geom *geom; /* immutable: the class or cache */
};

/*
 * slab->cls of a named cache's slab (mm/cache.c): no kmalloc class.  A
 * remote free counts itself in the freer's h->cls[cls], which for this
 * value is cls_none (never reported), so the remote path needs no test.
 */
#define SLAB_CLS_CACHE MM_NR_CLASSES

struct mm_class;

/*
 * The shape of a class's objects: a kmalloc class's (slab.c's table) or a
 * named cache's (mm/cache.c).  Immutable while any slab uses it.
 */
struct slab_geom {
	uint32_t size;	    /* what ksize() reports */
	uint32_t stride;    /* distance between objects (>= size) */
	uint32_t nr_objs;   /* per slab */
	uint32_t first_off; /* object 0's offset in the slab */
	uint32_t recip;	    /* ceil(2^32 / stride) */
	uint8_t cls;	    /* kmalloc class, or SLAB_CLS_CACHE */
	/*
	 * Constructor, run on every object of a new slab.  The free link
	 * overwrites an object's first word, so the constructed value of
	 * that word is kept at ctor_word_off and put back by the cache's
	 * allocation (mm/cache.c).
	 */
	void (*ctor)(void *obj);
	uint32_t ctor_word_off;
	int node; /* slabs from this node's memory; -1: the owner hart's */
	const char *name; /* for reports: "kmalloc-64", a cache's name */
	/*
	 * slab_debug=1 (mm/slab_debug.c): the red zone starts at dbg_off
	 * (after the object and a constructor's word), the object's record
	 * follows it; obj_init prepares each object of a new slab.  Debug
	 * slabs' tags carry SLAB_TAG_DEBUG, so kfree's fast path never
	 * takes their objects.
	 */
	bool debug;
	uint32_t dbg_off;
	void (*obj_init)(const struct slab_geom *g, void *obj);
	/*
	 * Random object order of new slabs (slab_geom_shuffle()): a
	 * permutation of 0..nr_objs-1; NULL: address order.
	 */
	const uint16_t *random_seq;
	/* SLAB_CLS_CACHE: one class per hart, indexed by hart index. */
	struct mm_class *per_hart;
	struct slab_geom *next; /* registered geometries (slab.c's lock) */
};

/* One size class on one hart: only that hart touches the lists. */
struct mm_class {
	struct slab *cur;     /* allocations come from here */
	struct slab *partial; /* slabs with free objects */
	struct slab *full;    /* detached: no free objects when last seen */
	struct slab *spare;   /* one empty slab kept back */
	/* Written by the owner only; read by stats (relaxed). */
	mm_stat_t local_frees; /* counted on the slow path only */
	mm_stat_t nr_slabs;
	mm_stat_t remote_frees; /* this hart freed others' objects */
	mm_stat_t taken_back;	/* remote frees taken back */
};

#define SLAB_IDX_SIZE 4096

/*
 * Batched remote frees (slab.c, "Remote frees in batches"): the objects a
 * hart frees into other harts' slabs gather here, one open batch per way,
 * the way chosen by the slab's address bits (direct mapped), with no
 * atomic.  A batch is a list of objects of one slab linked as the slab's
 * own free list is (slab_link()), newest first; ->tail[] is its oldest
 * object, whose words become the link to the next batch when it is
 * posted.  A batch of slab s holds at most
 *	objs(s) = SLAB_RC_WAY_BYTES / s->size
 * objects: ->room[] counts the objects its way may still take, so that
 *	objects in way w == objs(s) - room[w]	(while head[w] != 0)
 * and a hart holds at most SLAB_RC_WAYS * SLAB_RC_WAY_BYTES = 256 KiB of
 * other harts' objects at any time.  Owner hart only, interrupts masked.
 */
#define SLAB_RC_WAYS	  32
#define SLAB_RC_WAY_BYTES 8192
struct slab_rcache {
	uintptr_t head[SLAB_RC_WAYS]; /* newest object; 0: way empty */
	uintptr_t tail[SLAB_RC_WAYS]; /* oldest object */
	long room[SLAB_RC_WAYS];      /* objects the batch may still take */
	unsigned long open;	      /* bit per way with a batch */
	mm_stat_t posts;	      /* atomic posts (CAS attempts) */
	mm_stat_t takes;	      /* inbox exchanges (the owner's) */
};

/*
 * One hart's slabs: touched by that hart only, with interrupts masked,
 * apart from the revisit stack (any hart pushes) and fast_span (widened by
 * whoever adds a section).
 */
struct slab_hart {
	struct mm_class cls[MM_NR_CLASSES];
	/* kmalloc of 2049..4095 bytes lands here: never has an object. */
	struct mm_class cls_none;
	/*
	 * kfree's fast range: a slab header in [this slot, this slot +
	 * fast_span) lies in mapped section memory (0: no fast frees).
	 * Written by whoever adds a section (any hart), only ever widened
	 * over sections that abut the run holding the slot, so any value
	 * the owner reads, old or new, still covers mapped memory only.
	 */
	mm_stat_t fast_span;
	unsigned int index;
	int node;
	/*
	 * Remote frees this hart gathered for other harts (slab.c); the
	 * cache itself sits outside the fast paths' 2 KiB (mm/hart.h).
	 */
	struct slab_rcache *rc;
	/* shared: slabs other harts queued for this one (Treiber stack). */
	_Atomic(struct slab *) revisit __attribute__((aligned(64)));
	/*
	 * shared: batches of this hart's objects that other harts posted
	 * (push-many / take-all stack of batch heads, slab.c).
	 */
	_Atomic(uintptr_t) inbox;
} __attribute__((aligned(64)));

extern struct slab slab_none;
/* Class index by request size 0..4095; MM_NR_CLASSES above 2048. */
extern uint8_t slab_class_idx[SLAB_IDX_SIZE];
extern const uint16_t slab_class_size[MM_NR_CLASSES];

static inline struct slab *slab_of(uintptr_t va)
{
	return (struct slab *)(va & ~(SLAB_SIZE - 1));
}

static inline uintptr_t slab_link(const struct slab *s, const void *next)
{
	return (uintptr_t)next ^ s->key;
}

static inline void *slab_unlink(const struct slab *s, uintptr_t word)
{
	return (void *)(word ^ s->key);
}

/* Is @va the start of an object of @s?  Exact: no division. */
static inline bool slab_obj_valid(const struct slab *s, uintptr_t va)
{
	uint64_t off = va - s->first;

	return va >= s->first && (uint32_t)(off * s->recip) < s->recip;
}

/* Does @va look free already (its first word is an encoded link)? */
static inline bool slab_obj_looks_free(const struct slab *s, uintptr_t va)
{
	uintptr_t w = *(const uintptr_t *)va;

	(void)va;
	return (w >> SLAB_SHIFT) == s->link_hi;
}

#if MM_DEBUG
void slab_debug_check_alloc(struct slab *s, void *obj);
void slab_debug_poison(struct slab *s, void *obj);
#else
static inline void slab_debug_check_alloc(struct slab *s, void *obj)
{
}

static inline void slab_debug_poison(struct slab *s, void *obj)
{
}
#endif

/* Pop from the current slab; interrupts masked by the caller. */
static inline void *slab_alloc_fast(struct mm_class *c)
{
	struct slab *s = c->cur;
	uintptr_t *obj = s->free;

	if (unlikely((void *)obj == (void *)s))
		return NULL;
	s->free = slab_unlink(s, *obj);
	slab_debug_check_alloc(s, obj);
	*obj = 0;
	return obj;
}

/*
 * Push onto this hart's current slab @s (the caller checked the tag).
 * false: take the slow path (not an object start, or it looks free).
 * The slab stays current whatever its fill: no count, no list move.
 */
static inline bool slab_free_fast(struct slab *s, uintptr_t va)
{
	uint64_t key = s->key; /* immutable: loaded once */
	unsigned long flags;

	if (unlikely(!slab_obj_valid(s, va) || slab_obj_looks_free(s, va)))
		return false;
	flags = port_irq_save();
	slab_debug_poison(s, (void *)va);
	*(uintptr_t *)va = (uintptr_t)s->free ^ key; /* slab_link() */
	s->free = (void *)va;
	port_irq_restore(flags);
	return true;
}

/*
 * The fast paths without interrupt masking, on ports with restartable
 * sequences (the kernel; mm_port.h says how a sequence is restarted).  The
 * pop's sequence starts at the load of c->cur and commits with the store
 * of the new list head: an interrupt anywhere before that store makes it
 * start over, rereading the current slab and its list, which the
 * interrupt's handler may have changed (a drain, an allocation).  The
 * push's sequence rechecks the tag first (the handler may have made the
 * slab stop being current), writes the link into the object being freed
 * (the caller's, so writing it again is harmless) and commits with the
 * store of the list head.  The checks before the push (object start, not
 * yet free) depend only on the slab's immutable fields and the object's
 * own first word, which no handler changes.  MM_DEBUG builds keep the
 * masked versions (they poison and check objects).
 */
#if defined(PORT_RSEQ) && !MM_DEBUG
#define SLAB_RSEQ 1
_Static_assert(offsetof(struct mm_class, cur) == 0, "asm: c->cur");
_Static_assert(offsetof(struct slab, free) == 0, "asm: s->free");
_Static_assert(offsetof(struct slab, key) == 8, "asm: s->key");
_Static_assert(offsetof(struct slab, tag) == 16, "asm: s->tag");

static inline void *slab_pop_rseq(struct mm_class *c)
{
	uintptr_t s, obj, next, key;

	__asm__ volatile goto("1:	ld	%[s], 0(%[c])\n"
			      "	ld	%[obj], 0(%[s])\n"
			      "	beq	%[obj], %[s], %l[miss]\n"
			      "	ld	%[next], 0(%[obj])\n"
			      "	ld	%[key], 8(%[s])\n"
			      "	xor	%[next], %[next], %[key]\n"
			      "	sd	%[next], 0(%[s])\n"
			      "2:\n" PORT_RSEQ_ENTRY("1b", "2b")
			      : [s] "=&r"(s), [obj] "=&r"(obj),
				[next] "=&r"(next), [key] "=&r"(key)
			      : [c] "r"(c)
			      : "memory"
			      : miss);
	*(uintptr_t *)obj = 0;
	return (void *)obj;
miss:
	return NULL;
}

/* Push @va on @s if @s->tag is still @expect; false: slow path. */
static inline bool slab_push_rseq(struct slab *s, uintptr_t va,
				  uintptr_t expect, uint64_t key)
{
	uintptr_t tag, old;

	__asm__ volatile goto(
		"1:	ld	%[tag], 16(%[s])\n"
		"	bne	%[tag], %[expect], %l[slow]\n"
		"	ld	%[old], 0(%[s])\n"
		"	xor	%[old], %[old], %[key]\n"
		"	sd	%[old], 0(%[va])\n"
		"	sd	%[va], 0(%[s])\n"
		"2:\n" PORT_RSEQ_ENTRY("1b", "2b")
		: [tag] "=&r"(tag), [old] "=&r"(old)
		: [s] "r"(s), [va] "r"(va), [expect] "r"(expect), [key] "r"(key)
		: "memory"
		: slow);
	return true;
slow:
	return false;
}
#endif

/*
 * Pop from class @c's current slab on a fast path: the restartable
 * sequence on the kernel, interrupts masked elsewhere (host, MM_DEBUG
 * builds, which check objects).  NULL: the current slab is empty.
 */
static inline void *slab_pop_current(struct mm_class *c)
{
#ifdef SLAB_RSEQ
	return slab_pop_rseq(c);
#else
	unsigned long irq = port_irq_save();
	void *p = slab_alloc_fast(c);

	port_irq_restore(irq);
	return p;
#endif
}

/*
 * Read the tag word of what may or may not be a slab header.  The word is
 * mapped (kfree's range test) but may be anything: page_meta, another hart's
 * page, user data being written concurrently.  Its value is trusted only when
 * it equals our own current-slab tag, which only this hart ever writes
 * (slab_new() runs on the owner), so a concurrent writer can never make it
 * match.  The read is deliberately racy: hide it from ThreadSanitizer.
 */
#ifdef __SANITIZE_THREAD__
static __attribute__((noinline, no_sanitize_thread, unused)) uintptr_t
slab_peek_tag(const struct slab *s)
{
	return s->tag;
}
#else
static inline uintptr_t slab_peek_tag(const struct slab *s)
{
	return s->tag;
}
#endif

/*
 * slab_rc_tag[i]: hart i's slab_hart address | SLAB_TAG_NOT_CUR, or 1 (no
 * tag ever equals it) for a hart without slabs.  Any live slab of hart i
 * has tag | SLAB_TAG_NOT_CUR equal to it (current or not), a released one
 * (tag 0) never.
 */
extern uintptr_t slab_rc_tag[MM_MAX_HARTS];

void slab_rc_flush(struct slab_hart *me);
/* inject=nopost: forget the pending batches (their bytes). */
unsigned long slab_rc_drop(struct slab_hart *me);
/* Bytes in the open batches (interrupts masked). */
unsigned long slab_rc_pending(const struct slab_hart *me);

static inline unsigned int slab_rc_way(uintptr_t va)
{
	return (va >> SLAB_SHIFT) & (SLAB_RC_WAYS - 1);
}

/*
 * The common case of a remote free: @va's way holds an open batch of
 * @va's own slab @s with room for @va.  That batch was opened by
 * slab_free_not_current() after the whole test (a live slab of another
 * registered hart, whose objects may wait in batches), and the slab can
 * neither be released nor change hands while a batch holds one of its
 * objects (they count as in use), so the slab address compare is all the
 * test this needs, and after it @s's fields are a live slab's, which do
 * not change.  @checked: the caller made the object tests (object start,
 * not free yet); else they are made here.  The object's link is the
 * slab's own encoding, so the owner splices a batch onto ->free as it is.
 * Interrupts masked; false: take slab_free_not_current().
 */
static inline bool slab_rc_add_fast(struct slab_rcache *rc,
				    const struct slab *s, uintptr_t va,
				    bool checked)
{
	unsigned int way = slab_rc_way(va);
	uintptr_t head = rc->head[way];
	long room;

	/* An empty way's head 0 is in no slab: this fails. */
	if (unlikely((head ^ va) >> SLAB_SHIFT))
		return false;
	if (!checked && (!slab_obj_valid(s, va) || slab_obj_looks_free(s, va)))
		return false;
	room = rc->room[way] - 1;
	if (unlikely(room < 0))
		return false;
	slab_debug_poison((struct slab *)s, (void *)va);
	*(uintptr_t *)va = slab_link(s, (void *)head);
	rc->head[way] = va;
	rc->room[way] = room;
	return true;
}

/*
 * kfree()'s remote path, for an object of a slab that is not this hart's
 * current one: gathered into an open batch, or false (then
 * slab_free_not_current()).
 */
static inline bool slab_free_remote_fast(struct slab_hart *me, struct slab *s,
					 uintptr_t va, bool checked)
{
	unsigned long irq = port_irq_save();
	bool done = slab_rc_add_fast(me->rc, s, va, checked);

	port_irq_restore(irq);
	return done;
}

/*
 * The rest of kfree()'s path for a slab that is not this hart's current
 * one: is @s a live slab of a registered hart (and, unless @checked, @va
 * one of its objects, not free yet)?  Then true: this hart's own slab
 * takes the exact local free at once (no section lookup), another hart's
 * object is gathered (a new batch, posting the way's old one) or pushed
 * on its own (slab.c: rc_batchable()).  false: anything else (not a slab,
 * not an object), for the generic path.
 */
bool slab_free_not_current(struct slab_hart *me, struct slab *s, uintptr_t va,
			   bool checked);

/* mm_init() time: class tables, and the secret keying the free lists. */
void slab_init_classes(uint64_t secret);
/* Set up @sh as hart @index's slabs (on @node), its remote-free cache
 * @rc; registers it. */
void slab_hart_init(struct slab_hart *sh, struct slab_rcache *rc,
		    unsigned int index, int node);
/* This hart's slabs (NULL before slab_hart_init); interrupts masked. */
struct slab_hart *slab_this_hart(void);
/* Forget every hart (mm_init). */
void slab_reset_harts(void);
/* Sections changed: recompute every hart's kfree fast range. */
void slab_fast_range_update(void);
/* Slow paths (slab.c).  Interrupts masked; NULL when out of memory. */
void *slab_alloc_refill(struct slab_hart *sh, unsigned int cls);
/* The same for a named cache's class @c on this hart (@g->per_hart). */
void *slab_alloc_refill_geom(struct slab_hart *sh, struct mm_class *c,
			     const struct slab_geom *g);
/*
 * Named caches' geometries: slab_drain_hart() drains their classes too.
 * Register before the first allocation; unregister only when no slab of
 * @g is left on any hart (mm/cache.c's destroy checks it).
 */
void slab_geom_register(struct slab_geom *g);
/* Changes with every slab_init_classes() (mm_init: host tests rerun it). */
extern unsigned long slab_epoch;
void slab_geom_unregister(struct slab_geom *g);
/*
 * Hardening: new slabs hand their objects out in a random order (seeded
 * by the boot secret), on unless a test turns it off.  @seq holds
 * @g->nr_objs entries and must live as long as @g.
 */
extern bool slab_freelist_random;
void slab_geom_shuffle(struct slab_geom *g, uint16_t *seq, uint64_t salt);
/* Fill in stride, nr_objs, first_off, recip from size and stride. */
void slab_geom_compute(struct slab_geom *g);
/* Objects of @g in use on @sh's slabs (exact only while @sh is quiet). */
void slab_class_usage(const struct mm_class *c, unsigned long *in_use,
		      unsigned long *slabs);
void slab_free_slow(struct slab *s, uintptr_t va);
size_t slab_ksize(const struct slab *s, uintptr_t va);
void slab_drain_hart(struct slab_hart *sh, bool all);
/* Take back the batches other harts posted to @sh (interrupts masked). */
void slab_take_inbox(struct slab_hart *sh);
unsigned int slab_class_of(size_t size);
/*
 * Hart hot-plug (mm.c): park the slabs of the hart going offline (on it,
 * interrupts masked); reap a parked hart's queued slabs from another hart
 * (interrupts masked, the parked hart's lock held): slabs released.
 */
void slab_park_hart(struct slab_hart *h);
unsigned int slab_reap_parked(struct slab_hart *h);
/* Objects on @s's own free list (statistics of a current slab). */
uint32_t slab_free_count(const struct slab *s);

#endif
