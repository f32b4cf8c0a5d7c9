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

#include "lib/types.h"
#include "mm/port.h"

#define SLAB_SHIFT    14
#define SLAB_SIZE     (1UL << SLAB_SHIFT)
#define SLAB_ORDER    (SLAB_SHIFT - PAGE_SHIFT)
#define SLAB_MAX_SIZE 2048
#define SLAB_MAGIC    0x51ab0bedu
#define MM_NR_CLASSES 26

/*
 * While a slab is its class's current slab, ->inuse carries this bias, so
 * the free fast path's "about to become empty" test never fires for it
 * (a hot kmalloc/kfree pair stays on the fast path).
 */
#define SLAB_CUR_BIAS (1u << 20)

/* slab->where: which of the owner's lists holds the slab. */
enum { SLAB_CUR = 1, SLAB_PARTIAL, SLAB_FULL, SLAB_SPARE };

/* Low bits of slab->remote (objects are at least 8-byte aligned). */
#define REMOTE_FULL   1UL /* detached by its owner: next free queues it */
#define REMOTE_QUEUED 2UL /* on its owner's revisit list */
#define REMOTE_STATE  3UL

/*
 * Counters written by one hart and read by anyone.  On the kernel a plain
 * volatile load/store (GCC 12 turns a relaxed atomic store into amoswap on
 * RV64, an atomic instruction the fast paths must not have); on the host
 * relaxed atomics, so that ThreadSanitizer knows the race is intended.
 */
#ifdef HARTSLAB_KERNEL
typedef unsigned long mm_stat_t;

static inline void mm_stat_add(mm_stat_t *c, unsigned long n)
{
	*(volatile unsigned long *)c = *(volatile unsigned long *)c + n;
}

static inline unsigned long mm_stat_read(const mm_stat_t *c)
{
	return *(const volatile unsigned long *)c;
}

static inline void mm_stat_set(mm_stat_t *c, unsigned long v)
{
	*(volatile unsigned long *)c = v;
}
#else
typedef _Atomic unsigned long mm_stat_t;

static inline void mm_stat_add(mm_stat_t *c, unsigned long n)
{
	atomic_store_explicit(c,
			      atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static inline unsigned long mm_stat_read(const mm_stat_t *c)
{
	return atomic_load_explicit((mm_stat_t *)c, memory_order_relaxed);
}

static inline void mm_stat_set(mm_stat_t *c, unsigned long v)
{
	atomic_store_explicit(c, v, memory_order_relaxed);
}
#endif

struct slab {
	/* Owner-only, hot: first cache line. */
	void *free;	 /* next object to hand out; == slab: none */
	uint64_t key;	 /* free-link encoding key */
	uintptr_t tag;	 /* slab ^ owner's mm_hart->slab_tag */
	uintptr_t first; /* address of object 0 */
	uint32_t recip;	 /* ceil(2^32 / size), for the interior test */
	uint32_t inuse;	 /* objects not on ->free */
	uint16_t owner;	 /* hart index */
	uint8_t cls;
	uint8_t where; /* SLAB_* */
	uint32_t magic;
	uint32_t size, nr_objs;
	struct slab *next, *prev; /* the owner's list named by ->where */
	/* Written by other harts: second cache line. */
	_Atomic uintptr_t remote __attribute__((aligned(64)));
	struct slab *revisit_next; /* set by the freer that queues the slab */
};

/* One size class on one hart: only that hart touches the lists. */
struct mm_class {
	struct slab *cur;     /* allocations come from here */
	struct slab *partial; /* slabs with free objects */
	struct slab *full;    /* detached: no free objects when last seen */
	struct slab *spare;   /* one empty slab kept back */
	/* Written by the owner only; read by stats (relaxed). */
	mm_stat_t nr_alloc;
	mm_stat_t nr_slabs;
	mm_stat_t remote_frees; /* this hart freed others' objects */
	mm_stat_t taken_back;	/* remote frees taken back */
};

extern struct slab slab_none;
/* Class index by request size 0..4095; MM_NR_CLASSES above 2048. */
#define SLAB_IDX_SIZE 4096
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

	return ((w ^ s->key ^ va) >> SLAB_SHIFT) == 0;
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
	s->inuse++;
	mm_stat_add(&c->nr_alloc, 1);
	return obj;
}

/*
 * Push onto the owner's own slab.  false: take the slow path (a test
 * failed, or the slab was full or is about to become empty).
 */
static inline bool slab_free_fast(struct slab *s, uintptr_t va)
{
	uint64_t key = s->key; /* immutable: loaded once */
	unsigned long flags;
	uint32_t n;
	void *old;

	if (unlikely(!slab_obj_valid(s, va) ||
		     !((*(const uintptr_t *)va ^ key ^ va) >> SLAB_SHIFT)))
		return false;
	flags = port_irq_save();
	old = s->free;
	n = s->inuse - 1;
	if (unlikely(old == (void *)s || !n)) {
		port_irq_restore(flags);
		return false;
	}
	slab_debug_poison(s, (void *)va);
	*(uintptr_t *)va = (uintptr_t)old ^ key; /* slab_link() */
	s->free = (void *)va;
	s->inuse = n;
	port_irq_restore(flags);
	return true;
}

struct mm_hart;

void slab_init_classes(void);
void slab_hart_init(struct mm_hart *h);
/* Slow paths (slab.c). */
void *slab_alloc_slow(size_t size, unsigned int flags);
void slab_free_slow(struct slab *s, uintptr_t va);
size_t slab_ksize(const struct slab *s, uintptr_t va);
void slab_drain_hart(struct mm_hart *h, bool all);
unsigned int slab_class_of(size_t size);

#endif
