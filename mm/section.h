/* SPDX-License-Identifier: MIT */
/*
 * Buddy sections: one per RAM region, with its metadata at its prefix.
 *
 *   | struct mm_section | page_meta[npages] | hart slots | pad | pages ... |
 *
 * page_meta covers every page of [base, end), prefix and reserved pages
 * included, so the page index of an address is a subtraction and a shift.
 * The address -> section step is a table indexed by address bits
 * (MM_SEC_GRAN_SHIFT granules); each entry names the lowest section that
 * overlaps the granule, and sections are chained in address order for the
 * rare granule shared by several sections.  Empty entries point at an empty
 * dummy section, so the fast path has no NULL test.
 *
 * Sections know nothing of harts: a section's prefix may carry @extra
 * bytes for the layer above (mm.c puts hart slots there).
 *
 * Publishing (hot-add while other harts free): a new section is fully
 * built, then linked into the address chain and the table with release
 * stores; every reader loads table entries and chain links with acquire,
 * so a hart that finds the section also sees its header and page_meta.
 */
#ifndef HARTSLAB_MM_SECTION_H
#define HARTSLAB_MM_SECTION_H

#include <stdatomic.h>
#include <stddef.h>

#include "lib/types.h"
#include "mm/internal.h"
#include "mm/spinlock.h"

#define MM_MAX_ORDER	  18 /* 2^18 pages = 1 GiB */
#define MM_NR_ORDERS	  (MM_MAX_ORDER + 1)
#define MM_SEC_GRAN_SHIFT 30

#ifdef HARTSLAB_KERNEL
/* Linear-map addresses: bits 30..37 are physical bits 30..37 (256 GiB). */
#define MM_SEC_TABLE_BITS 8
#else
/* Host user addresses: 47 bits. */
#define MM_SEC_TABLE_BITS 17
#endif
#define MM_SEC_TABLE_SIZE  (1UL << MM_SEC_TABLE_BITS)
/* What the table covers; the port's limit (the linear map) may be lower. */
#define MM_SEC_TABLE_LIMIT (1ULL << (MM_SEC_GRAN_SHIFT + MM_SEC_TABLE_BITS))
#define LOWMEM_LIMIT	   (1ULL << 32)

/* page_meta.state */
enum {
	PM_TAIL = 0,	 /* not the first page of anything */
	PM_SLAB = 1,	 /* every page of a slab (so kfree masks to it) */
	PM_FREE = 2,	 /* head of a free buddy block of .order */
	PM_ALLOC = 3,	 /* head of an allocated run of .nr_pages */
	PM_PCP = 4,	 /* free outside the lists: a hart's block cache, or a
			    section's deferred block (buddy.c) */
	PM_RESERVED = 5, /* never handed out */
	PM_META = 6,	 /* the section's own prefix */
};

/*
 * page_meta.state is the one page_meta field read by a hart that does not
 * own the page: free_block() (section lock held) reads the state of a
 * neighbouring block's head to learn whether it may merge with it, while
 * that page may belong to someone else (an allocated run, a slab, a run in
 * a hart's block cache) whose owner rewrites the state without the lock
 * (cache pushes, free_pages' fast path: PM_ALLOC -> PM_PCP; cache pops,
 * alloc_pages' fast path: PM_PCP -> PM_ALLOC).  The kernel's free_pages
 * fast path reads the whole 8-byte page_meta of a run it frees in one
 * load (buddy_cacheable_run()): single-copy atomic, and only a read.
 *
 * The rule that makes this safe: a page enters or leaves PM_FREE only
 * under its section's lock.  Lock-free writers move a page they own
 * between states that are never PM_FREE, so a merger that reads the state
 * of such a page concurrently sees some non-FREE value, old or new, and
 * correctly refuses to merge.  A merger that reads PM_FREE read a value
 * written under the lock it holds, so it also sees (through that lock)
 * the ->order written with it; ->order and ->nr_pages are therefore plain
 * fields, read by the merger only after it has seen PM_FREE.
 *
 * What remains is that the read and the owner's write are concurrent, a
 * data race in C's model even though either value gives the right answer.
 * So every access to ->state goes through pm_state()/pm_set_state(): one
 * byte load/store with relaxed ordering (no ordering is needed, see
 * above).  On the kernel that is a volatile byte access, a single lbu/sb
 * (single-copy atomic on RISC-V; GCC 12 would turn a relaxed atomic byte
 * store into an LR/SC loop, an atomic instruction the page fast path must
 * not have); on the host a relaxed C11 atomic, so ThreadSanitizer knows
 * the race is intended.  The same pattern as mm_stat_t (mm/slab.h).
 */
#ifdef HARTSLAB_KERNEL
typedef uint8_t pm_state_t;
#else
typedef _Atomic uint8_t pm_state_t;
#endif

/* 8 bytes per 4 KiB page: 0.2% of RAM. */
struct page_meta {
	pm_state_t state; /* only through pm_state()/pm_set_state() */
	uint8_t order;	  /* PM_FREE: block order; PM_ALLOC: block order */
	uint16_t reserved;
	uint32_t nr_pages; /* PM_ALLOC: pages in the run */
};

struct free_block {
	struct free_block *next, *prev;
};

struct mm_section {
	/* Read-only after mm_add_section(). */
	uintptr_t vbase; /* virtual address of page 0 */
	uint64_t npages; /* pages in [base, end) */
	struct page_meta *meta;
	_Atomic(struct mm_section *) next; /* address order (release) */
	phys_addr_t base, end;
	uintptr_t vend;
	int node;
	unsigned int index;
	uint64_t meta_bytes;	/* prefix incl. slots and padding */
	uint64_t managed_pages; /* neither prefix nor reserved */
	uint64_t first_managed; /* page index after the prefix */
	unsigned int nr_slots;	/* hart slots in the prefix (mm.c) */

	struct mm_spinlock lock;
	/* Protected by lock. */
	uint32_t free_mask; /* bit o: free_list[o] not empty */
	struct free_block *free_list[MM_NR_ORDERS];
	uint64_t deferred[MM_NR_ORDERS]; /* buddy.c: page index + 1, or 0 */
	mm_stat_t free_pages;		 /* stats read without the lock */
};

#ifdef HARTSLAB_KERNEL
static inline unsigned int pm_state(const struct page_meta *pm)
{
	return *(const volatile uint8_t *)&pm->state;
}

static inline void pm_set_state(struct page_meta *pm, unsigned int st)
{
	*(volatile uint8_t *)&pm->state = st;
}
#else
static inline unsigned int pm_state(const struct page_meta *pm)
{
	return atomic_load_explicit((pm_state_t *)&pm->state,
				    memory_order_relaxed);
}

static inline void pm_set_state(struct page_meta *pm, unsigned int st)
{
	atomic_store_explicit(&pm->state, st, memory_order_relaxed);
}
#endif

/*
 * The head of a free block of @order (lock held): state and order, on the
 * kernel with one halfword load.  Written under the lock only, whole:
 * pm_set_free() on the kernel is one 8-byte store (state PM_FREE, the
 * order, nr_pages 0), so a racing lock-free reader of the state byte (a
 * free of a page it holds never sees PM_FREE) reads one value or the
 * other, as with pm_set_state().
 */
#ifdef HARTSLAB_KERNEL
static inline bool pm_is_free_block(const struct page_meta *pm,
				    unsigned int order)
{
	_Static_assert(offsetof(struct page_meta, order) == 1, "state|order");
	return *(const volatile uint16_t *)pm == (PM_FREE | (order << 8));
}

static inline void pm_set_free(struct page_meta *pm, unsigned int order)
{
	*(volatile uint64_t *)pm = PM_FREE | ((uint64_t)order << 8);
}
#else
static inline bool pm_is_free_block(const struct page_meta *pm,
				    unsigned int order)
{
	return pm_state(pm) == PM_FREE && pm->order == order;
}

static inline void pm_set_free(struct page_meta *pm, unsigned int order)
{
	pm->order = order;
	pm->nr_pages = 0;
	pm_set_state(pm, PM_FREE);
}
#endif

extern _Atomic(struct mm_section *) mm_sec_table[MM_SEC_TABLE_SIZE];
extern struct mm_section *_Atomic mm_sections[MM_MAX_SECTIONS];
extern _Atomic unsigned int mm_nr_sections; /* release on publish */
extern atomic_bool mm_all_lowmem;	    /* every section lies below 4 GiB */
extern atomic_bool mm_any_lowmem; /* some section starts below 4 GiB */

static inline bool section_all_lowmem(void)
{
	return atomic_load_explicit(&mm_all_lowmem, memory_order_relaxed);
}

static inline bool section_any_lowmem(void)
{
	return atomic_load_explicit(&mm_any_lowmem, memory_order_relaxed);
}

struct page_meta *section_meta_slow(uintptr_t va, struct mm_section **sp);

/*
 * Acquire: pairs with section_publish()'s release store of the entry, so
 * the header and page_meta of a section found here are the finished ones.
 */
static inline struct mm_section *section_of_granule(uintptr_t va)
{
	return atomic_load_explicit(&mm_sec_table[(va >> MM_SEC_GRAN_SHIFT) &
						  (MM_SEC_TABLE_SIZE - 1)],
				    memory_order_acquire);
}

/* The page_meta of @va, or NULL when no section holds it.  O(1). */
static inline struct page_meta *section_meta(uintptr_t va,
					     struct mm_section **sp)
{
	struct mm_section *s = section_of_granule(va);
	uint64_t idx = (va - s->vbase) >> PAGE_SHIFT;

	if (unlikely(idx >= s->npages))
		return section_meta_slow(va, sp);
	*sp = s;
	return &s->meta[idx];
}

/* The same, when the caller does not need the section (kfree). */
static inline struct page_meta *section_meta_only(uintptr_t va)
{
	struct mm_section *ignored;

	return section_meta(va, &ignored);
}

/* Section @i < section_count(); acquire pairs with publish. */
static inline struct mm_section *section_get(unsigned int i)
{
	return atomic_load_explicit(&mm_sections[i], memory_order_acquire);
}

static inline uint64_t section_page_index(const struct mm_section *s,
					  uintptr_t va)
{
	return (va - s->vbase) >> PAGE_SHIFT;
}

static inline void *section_page_addr(const struct mm_section *s, uint64_t idx)
{
	return (void *)(s->vbase + (idx << PAGE_SHIFT));
}

void section_reset_all(void);

/*
 * Build a section over [base, base+size) on @node with @extra bytes of
 * prefix for the caller (*@extra_out), reserved pages marked, free pages
 * left PM_TAIL for the buddy allocator to take (buddy_section_init(),
 * which also counts ->managed_pages), not yet visible to anyone.  -EINVAL /
 * -ENOSPC as mm_add_section().
 */
int section_create(phys_addr_t base, phys_addr_t size, int node,
		   const struct mm_range *reserved, unsigned int nr_reserved,
		   size_t extra, struct mm_section **out, void **extra_out);
/* Make a created section visible to every hart (release). */
void section_publish(struct mm_section *s);

/*
 * Lowest page-aligned start in [base, end) for @len bytes of prefix that
 * touches no reserved range (candidates: the region start and the end of
 * each reserved range).  false when nothing fits.  Physical 0 is an
 * ordinary address here.
 */
bool section_place_prefix(phys_addr_t base, phys_addr_t end, uint64_t len,
			  const struct mm_range *r, unsigned int n,
			  phys_addr_t *out);

/* Sections published so far; acquire pairs with publish()'s release. */
static inline unsigned int section_count(void)
{
	return atomic_load_explicit(&mm_nr_sections, memory_order_acquire);
}

#endif
