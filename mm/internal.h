/* SPDX-License-Identifier: MIT */
/*
 * What every layer of mm/ shares, and nothing else (private to mm/).
 *
 * The layers, bottom up; a file may use the files below it, never one
 * above (tests/host/test_mm_layers.sh checks it from the objects' symbols):
 *
 *   base.c      bad-use reports and their mode (panic or count), the
 *               bit-scan table
 *   section.c   RAM regions as sections, page_meta, address -> page_meta
 *   buddy.c     free lists per section, the per-hart block cache (orders
 *               0..3), runs of pages; never waits, never reclaims
 *   slab.c      per-hart slabs, remote frees; returns NULL when the buddy
 *               allocator does, no reclaim policy
 *   slab_debug.c  slab_debug=1: red zones, poison, allocation records
 *   mm.c        set-up (mm_init, sections with their hart slots, per-hart
 *   stats.c     slots), the out-of-memory drain-and-retry policy, reports
 *   kmalloc.c   the public API (mm/kmalloc.h, mm/page.h): fast paths, and
 *               mm.c's slow paths behind them
 *   cache.c     named caches, bulk and node-aware calls (mm/cache.h)
 *
 * The API is the top layer rather than mm.c because the API must reach
 * the policy (a failed allocation drains and retries) while the policy
 * never needs the API.
 */
#ifndef HARTSLAB_MM_INTERNAL_H
#define HARTSLAB_MM_INTERNAL_H

#include <stdatomic.h>

#include "lib/types.h"
#include "mm/mm.h"
#include "mm/port.h"

/*
 * Counters written by one hart (or under one lock) and read by anyone.
 * On the kernel a plain volatile load/store (GCC 12 turns a relaxed atomic
 * store into amoswap on RV64, an atomic instruction the fast paths must not
 * have); on the host relaxed atomics, so that ThreadSanitizer knows the
 * race is intended.
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

/*
 * Operation counts per hart, for the scaling figures (docs/benchmarks.md):
 * atomic instructions (every AMO or LR/SC sequence mm issues, counted at
 * its site: one per attempt of a CAS loop; a lock acquisition's first
 * exchange is counted as a lock only) and section-lock acquisitions.
 * Each hart writes its own counters only; anyone reads (stats.c).
 */
enum { MM_COUNT_ATOMICS, MM_COUNT_LOCKS };
/* Each hart's counters (port_hart_counts()), registered by mm_hart_init(). */
extern mm_stat_t *mm_op_counts[MM_MAX_HARTS];

static inline void mm_count_atomic(void)
{
	mm_stat_add(&port_hart_counts()[MM_COUNT_ATOMICS], 1);
}

static inline void mm_count_lock(void)
{
	mm_stat_add(&port_hart_counts()[MM_COUNT_LOCKS], 1);
}

/* Functions on the fast paths: leaves without a frame, tail calls out. */
#ifdef HARTSLAB_KERNEL
#define __mm_fast __attribute__((optimize("omit-frame-pointer")))
#else
#define __mm_fast
#endif

/*
 * Checked preconditions (MM_DEBUG builds): Linux's VM_BUG_ON.  What a
 * comment says a caller must hold ("interrupts masked", "section lock
 * held", "owner hart only") is asserted at the top of the function.
 */
#if MM_DEBUG
#define MM_BUG_ON(cond)                                               \
	do {                                                          \
		if (unlikely(cond))                                   \
			port_panic("mm: %s:%d: BUG_ON(%s)", __FILE__, \
				   __LINE__, #cond);                  \
	} while (0)
#else
#define MM_BUG_ON(cond) ((void)sizeof(!(cond)))
#endif
#define mm_assert_irqs_off() MM_BUG_ON(!port_irqs_disabled())

/*
 * Bit scans without libgcc: rv64imac has no Zbb, and GCC turns
 * __builtin_ctz/clz into calls of about 45 instructions each.  A de Bruijn
 * multiply and a 64-byte table instead (both builds, so the host tests run
 * the code the kernel runs).  @x must not be 0.
 */
extern const uint8_t mm_debruijn_ctz[64];

static inline unsigned int mm_ctz(uint64_t x)
{
	return mm_debruijn_ctz[((x & -x) * 0x022fdd63cc95386dULL) >> 58];
}

/* Index of the highest set bit (floor(log2 x)). */
static inline unsigned int mm_fls(uint64_t x)
{
	x |= x >> 1;
	x |= x >> 2;
	x |= x >> 4;
	x |= x >> 8;
	x |= x >> 16;
	x |= x >> 32;
	return mm_ctz(x - (x >> 1));
}

enum mm_bad_kind {
	MM_BAD_UNKNOWN,	    /* not an address mm handed out */
	MM_BAD_INTERIOR,    /* inside an object or a run, not its start */
	MM_BAD_DOUBLE_FREE, /* already free */
	MM_BAD_NOT_HEAD,    /* free_pages of a page that heads nothing */
	MM_BAD_CORRUPT,	    /* slab_debug: an object's red zone or poison */
};

/* base.c: report (and panic, or count: mm_set_bad_use_mode()). */
void mm_bad_use(enum mm_bad_kind kind, const char *what, const void *addr);
void mm_bad_use_reset(void);

#endif
