// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: operation sequences over the memory manager's public
 * API (mm/kmalloc.h, mm/mm.h), with a shadow model.
 *
 * Each input is a byte stream decoded into up to MAX_OPS operations:
 * kmalloc (with and without __GFP_ZERO), kcalloc, kfree, krealloc, ksize,
 * named caches (kmem_cache_alloc/zalloc/free, their bulk calls, a destroy
 * that must be refused while objects are in use, and must succeed at the
 * end), kmalloc_bulk/kfree_bulk,
 * alloc_pages, alloc_pages_order, free_pages, a drain of the current hart,
 * hot-adding a region, switching the current hart (one thread plays
 * NR_HARTS harts through mm/host/port_host.h, so a free on another hart
 * than the allocating one is a remote free), hart hot-plug (a hart goes
 * offline with mm_hart_offline(), others free into its parked slabs,
 * mm_reap_offline() or its return takes them back), and deliberate bad
 * frees.
 * The shadow model knows every live object: its pattern, its size and its
 * place.  It checks
 *  - contents: each object carries a pattern from allocation to free,
 *    krealloc keeps the old bytes, __GFP_ZERO zeroes;
 *  - placement: 8-byte alignment, natural alignment of power-of-two sizes,
 *    page alignment of pages, inside a region mm was given, no overlap
 *    with any other live object, ksize() >= the size asked for;
 *  - bad use: every deliberate bad free (double free, interior pointer,
 *    foreign pointer) is counted by mm_bad_use_count(), exactly once;
 *  - accounting: after the sequence every object is freed, every hart
 *    drains, and free bytes are exactly what they were after set-up plus
 *    what hot-add brought.
 * A broken rule aborts with a message; ASan and UBSan catch the rest.
 * Only one thread runs and only the current hart is "online" for the
 * port, so out-of-memory kicks never wait for a hart nobody plays.
 *
 *	build/fuzz/fuzz_mm CORPUS_DIR...	fuzz (libFuzzer options apply)
 *	build/fuzz/fuzz_mm FILE...		replay inputs once each
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lib/errno.h"
#include "mm/cache.h"
#include "mm/host/port_host.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/page.h"

#define NR_HARTS    4
#define MAX_OPS	    400
#define MAX_LIVE    96
#define FREED_RING  16
#define ARENA_SIZE  (4UL << 20) /* the boot section */
#define NR_EXTRA    3		/* regions hot-add may add */
#define EXTRA_SIZE  (1UL << 20)
#define FILL_EDGE   256 /* larger objects: pattern at both ends only */
#define PAGE_BYTES  4096UL
#define MAX_KMALLOC (64UL << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum kind { K_KMALLOC, K_PAGES };

struct live {
	uint8_t *p;
	size_t size;   /* bytes asked for (pages * PAGE_BYTES for pages) */
	size_t usable; /* ksize() */
	uint8_t seed;
	uint8_t kind;
	int8_t cache; /* index in caches[], or -1 */
};

/* Named caches made by set-up: merged, aligned, unmerged geometries. */
static const struct {
	const char *name;
	size_t size, align;
	unsigned int flags;
} cache_spec[] = {
	{ "fuzz-24", 24, 0, 0 },
	{ "fuzz-200-hw", 200, 0, SLAB_HWCACHE_ALIGN },
	{ "fuzz-1000-nomerge", 1000, 128, SLAB_NO_MERGE },
};
#define NR_CACHES (sizeof(cache_spec) / sizeof(cache_spec[0]))
#define MAX_BULK  16
static struct kmem_cache *caches[NR_CACHES];

struct input {
	const uint8_t *data;
	size_t len, pos;
};

static struct {
	struct live live[MAX_LIVE];
	unsigned int nr_live;
	uintptr_t freed[FREED_RING]; /* recently freed addresses */
	unsigned int freed_next;
	unsigned int hart;
	unsigned long bad_expected;
	uint64_t base_free, base_managed;
	unsigned int nr_extra;
	unsigned int stopped; /* bit per hart: mm_hart_offline() called */
	uint8_t seed;
	unsigned long ops;
} st;

static uint8_t *arena, *extra[NR_EXTRA];
static uint64_t foreign_word;

static void __attribute__((noreturn, format(printf, 1, 2)))
broken(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr,
		"fuzz_mm: broken rule after %lu ops on hart %u: ", st.ops,
		st.hart);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

/* ---- input decoding: past the end everything reads as 0 ---- */

static uint8_t in8(struct input *in)
{
	return in->pos < in->len ? in->data[in->pos++] : 0;
}

static unsigned int in16(struct input *in)
{
	return in8(in) | (unsigned int)in8(in) << 8;
}

/* Sizes spread over what matters: tiny, every slab class, pages. */
static size_t in_size(struct input *in)
{
	unsigned int sel = in8(in) % 8, v = in16(in);

	switch (sel) {
	case 0:
		return v % 64; /* 0 included: kmalloc(0) is an object */
	case 1:
		return v % 512;
	case 2:
	case 3:
		return v % 2049;
	case 4:
		return 1UL << (v % 12);
	case 5:
		return 2049 + v % 14000;
	case 6:
		return 1UL << (11 + v % 6);
	default:
		return 1 + v % MAX_KMALLOC;
	}
}

/* ---- the shadow ---- */

/* Loops over object bytes: no coverage feedback (it would only slow). */
#define NO_COV __attribute__((no_sanitize("coverage")))

/* Offset of the first non-zero byte of p[from, to), or -1. */
static NO_COV long first_nonzero(const uint8_t *p, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		if (p[i])
			return (long)i;
	return -1;
}

static uint8_t pat(uint8_t seed, size_t i)
{
	return (uint8_t)(seed + i * 31 + (i >> 8));
}

static NO_COV void fill(const struct live *l)
{
	size_t i, n = l->size;

	if (n <= 2 * FILL_EDGE) {
		for (i = 0; i < n; i++)
			l->p[i] = pat(l->seed, i);
		return;
	}
	for (i = 0; i < FILL_EDGE; i++)
		l->p[i] = pat(l->seed, i);
	for (i = n - FILL_EDGE; i < n; i++)
		l->p[i] = pat(l->seed, i);
}

/* Check the first @n bytes (of those fill() wrote) against @seed. */
static NO_COV void check_prefix(const uint8_t *p, size_t size, size_t n,
				uint8_t seed, const char *when)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (size > 2 * FILL_EDGE && i == FILL_EDGE)
			i = size - FILL_EDGE;
		if (i >= n)
			break;
		if (p[i] != pat(seed, i))
			broken("%s: object %p (size %zu) byte %zu is 0x%02x, "
			       "want 0x%02x",
			       when, (void *)p, size, i, p[i], pat(seed, i));
	}
}

static void check_live(const struct live *l, const char *when)
{
	check_prefix(l->p, l->size, l->size, l->seed, when);
}

static bool in_region(uintptr_t a, size_t n)
{
	unsigned int i;

	if (a >= (uintptr_t)arena && a + n <= (uintptr_t)arena + ARENA_SIZE)
		return true;
	for (i = 0; i < st.nr_extra; i++)
		if (a >= (uintptr_t)extra[i] &&
		    a + n <= (uintptr_t)extra[i] + EXTRA_SIZE)
			return true;
	return false;
}

/* Index of the live object whose [p, p + usable) holds @a, or -1. */
static int live_holding(uintptr_t a)
{
	unsigned int i;

	for (i = 0; i < st.nr_live; i++)
		if (a >= (uintptr_t)st.live[i].p &&
		    a < (uintptr_t)st.live[i].p + st.live[i].usable)
			return (int)i;
	return -1;
}

static bool is_pow2(size_t n)
{
	return n && !(n & (n - 1));
}

/* A fresh object from mm: where it is, how big, nothing else there. */
static void check_new(const uint8_t *p, size_t size, size_t usable,
		      size_t align, const char *what)
{
	unsigned int i;

	if ((uintptr_t)p % 8 || (uintptr_t)p % align)
		broken("%s(%zu) = %p: not aligned to %zu", what, size,
		       (const void *)p, align);
	if (usable < size || (size && !usable))
		broken("%s(%zu) = %p: ksize %zu", what, size, (const void *)p,
		       usable);
	if (!in_region((uintptr_t)p, usable))
		broken("%s(%zu) = %p+%zu: outside every region", what, size,
		       (const void *)p, usable);
	for (i = 0; i < st.nr_live; i++) {
		const struct live *l = &st.live[i];

		if ((uintptr_t)p < (uintptr_t)l->p + l->usable &&
		    (uintptr_t)l->p < (uintptr_t)p + usable)
			broken("%s(%zu) = %p+%zu overlaps live %p+%zu", what,
			       size, (const void *)p, usable, (void *)l->p,
			       l->usable);
	}
}

static void add_live(uint8_t *p, size_t size, size_t usable, enum kind kind)
{
	struct live *l = &st.live[st.nr_live++];

	l->p = p;
	l->size = size;
	l->usable = usable;
	l->kind = kind;
	l->cache = -1;
	l->seed = st.seed++;
	fill(l);
}

static void forget(unsigned int i)
{
	st.freed[st.freed_next++ % FREED_RING] = (uintptr_t)st.live[i].p;
	st.live[i] = st.live[--st.nr_live];
}

/* ---- harts ---- */

/*
 * Only the current hart is online for the port (see the top).  A hart
 * that went offline (op_hart_stop) comes back when it is switched to:
 * mm_hart_init() unparks it with fresh per-hart state, as a restarted
 * hart does.
 */
static void become(unsigned int hart)
{
	port_host_hart_offline();
	port_host_set_hart(hart);
	st.hart = hart;
	if (st.stopped & (1u << hart)) {
		mm_hart_init();
		st.stopped &= ~(1u << hart);
		if (mm_hart_is_parked(hart))
			broken("hart %u still parked after mm_hart_init", hart);
	}
}

/*
 * Hot-plug: the current hart gives back what it holds and parks its
 * slabs (mm_hart_offline), then another hart, still up, takes over.
 * Objects it allocated stay live in the shadow: other harts free them
 * into its parked slabs, and reaping or its return must take them back
 * (the final accounting says whether they did).
 */
static void op_hart_stop(struct input *in)
{
	unsigned int next = (st.hart + 1 + in8(in) % (NR_HARTS - 1)) % NR_HARTS;

	if (st.stopped & (1u << next))
		return; /* keep one hart up to act */
	mm_hart_offline();
	st.stopped |= 1u << st.hart;
	port_host_hart_offline();
	port_host_set_hart(next);
	st.hart = next;
}

/* ---- operations ---- */

static void op_kmalloc(struct input *in)
{
	size_t size = in_size(in), align = 8;
	bool zero = in8(in) & 1;
	size_t usable;
	uint8_t *p;
	long bad;

	if (st.nr_live == MAX_LIVE)
		return;
	p = kmalloc(size, zero ? __GFP_ZERO : GFP_KERNEL);
	if (!p)
		return; /* out of memory is allowed */
	usable = ksize(p);
	if (is_pow2(size))
		align = size;
	check_new(p, size ? size : 1, usable, align, "kmalloc");
	if (zero && (bad = first_nonzero(p, 0, size)) >= 0)
		broken("kmalloc(%zu, __GFP_ZERO) = %p: byte %ld not zero", size,
		       (void *)p, bad);
	add_live(p, size, usable, K_KMALLOC);
}

static void op_kcalloc(struct input *in)
{
	size_t n = in16(in), each = in16(in);
	uint8_t *p;
	long bad;

	if (in8(in) & 1) {
		/* n * each overflows: must be refused, not wrapped.  each
		 * >= 2, so n stays far below SIZE_MAX. */
		each = each % 4096 + 2;
		n = SIZE_MAX / each + 1 + n;
		p = kcalloc(n, each, GFP_KERNEL);
		if (p)
			broken("kcalloc(%zu, %zu) overflows but gave %p", n,
			       each, (void *)p);
		return;
	}
	n %= 64;
	each %= 1024;
	if (st.nr_live == MAX_LIVE)
		return;
	p = kcalloc(n, each, GFP_KERNEL);
	if (!p)
		return;
	check_new(p, n * each ? n * each : 1, ksize(p), 8, "kcalloc");
	bad = first_nonzero(p, 0, n * each);
	if (bad >= 0)
		broken("kcalloc(%zu, %zu) = %p: byte %ld not zero", n, each,
		       (void *)p, bad);
	add_live(p, n * each, ksize(p), K_KMALLOC);
}

static void op_pages(struct input *in, bool by_order)
{
	unsigned int v = in8(in), order = v % 6;
	size_t n = by_order ? 1UL << order : 1 + v % 24;
	uint8_t *p;

	if (st.nr_live == MAX_LIVE)
		return;
	p = by_order ? alloc_pages_order(order, GFP_KERNEL)
		     : alloc_pages(n, GFP_KERNEL);
	if (!p)
		return;
	check_new(p, n * PAGE_BYTES, n * PAGE_BYTES,
		  by_order ? PAGE_BYTES << order : PAGE_BYTES,
		  by_order ? "alloc_pages_order" : "alloc_pages");
	if (ksize(p) < n * PAGE_BYTES)
		broken("ksize of %zu pages at %p is %zu", n, (void *)p,
		       ksize(p));
	add_live(p, n * PAGE_BYTES, n * PAGE_BYTES, K_PAGES);
}

static void op_free(struct input *in)
{
	unsigned int i, how = in8(in);
	struct live *l;

	if (!st.nr_live)
		return;
	i = in8(in) % st.nr_live;
	l = &st.live[i];
	check_live(l, "before free");
	/* Pages and cache objects may go back through either call. */
	if (l->kind == K_PAGES && how & 1)
		free_pages(l->p);
	else if (l->cache >= 0 && how & 1)
		kmem_cache_free(caches[l->cache], l->p);
	else
		kfree(l->p);
	forget(i);
}

static void op_krealloc(struct input *in)
{
	size_t ns = in_size(in), old_size, old_usable, keep;
	bool zero = in8(in) & 1;
	struct live *l;
	uint8_t *n;
	uint8_t seed;
	long bad;

	if (!st.nr_live)
		return;
	l = &st.live[in8(in) % st.nr_live];
	if (l->kind != K_KMALLOC || l->cache >= 0)
		return;
	check_live(l, "before krealloc");
	old_size = l->size;
	old_usable = l->usable;
	seed = l->seed;
	n = krealloc(l->p, ns, zero ? __GFP_ZERO : GFP_KERNEL);
	if (!ns) {
		if (n)
			broken("krealloc(%p, 0) = %p, want NULL", (void *)l->p,
			       (void *)n);
		forget(l - st.live);
		return;
	}
	if (!n) {
		/* Failure leaves the old object alone. */
		check_live(l, "after a failed krealloc");
		return;
	}
	keep = old_size < ns ? old_size : ns;
	check_prefix(n, old_size, keep, seed, "krealloc kept");
	if (zero && (bad = first_nonzero(n, old_usable, ns)) >= 0)
		broken("krealloc(%zu -> %zu, __GFP_ZERO) = %p: byte %ld not "
		       "zero",
		       old_size, ns, (void *)n, bad);
	if (n != l->p) {
		/* Moved: the old object is gone, the new one is fresh. */
		uintptr_t old = (uintptr_t)l->p;

		l->p = NULL;
		l->usable = 0;
		check_new(n, ns, ksize(n), 8, "krealloc");
		st.freed[st.freed_next++ % FREED_RING] = old;
	} else if (ksize(n) < ns) {
		broken("krealloc in place to %zu but ksize %zu", ns, ksize(n));
	}
	l->p = n;
	l->size = ns;
	l->usable = ksize(n);
	l->seed = st.seed++;
	fill(l);
}

static void op_ksize(struct input *in)
{
	struct live *l;

	if (!st.nr_live)
		return;
	l = &st.live[in8(in) % st.nr_live];
	if (ksize(l->p) != l->usable)
		broken("ksize(%p) = %zu, was %zu", (void *)l->p, ksize(l->p),
		       l->usable);
}

/* One object, or a bulk batch, from a named cache or from kmalloc. */
static void op_cache(struct input *in)
{
	unsigned int v = in8(in), c = v % NR_CACHES, i;
	size_t n = 1 + in8(in) % MAX_BULK, size, align, got;
	struct kmem_cache *k = caches[c];
	void *objs[MAX_BULK];
	bool zero = v & 8;

	if (st.nr_live + n > MAX_LIVE)
		return;
	size = cache_spec[c].size;
	align = cache_spec[c].align ? cache_spec[c].align : 8;
	if (cache_spec[c].flags & SLAB_HWCACHE_ALIGN && align < 64)
		align = 64;
	if (v & 16) { /* kmalloc_bulk: kmalloc-sized objects */
		size = 1 + in16(in) % 2048;
		align = 8;
		got = kmalloc_bulk(size, GFP_KERNEL, n, objs);
		c = NR_CACHES;
		zero = false;
	} else if (v & 32) {
		got = kmem_cache_alloc_bulk(k, GFP_KERNEL, n, objs);
		zero = false; /* not asked for */
	} else {
		objs[0] = zero ? kmem_cache_zalloc(k, GFP_KERNEL)
			       : kmem_cache_alloc(k, GFP_KERNEL);
		n = 1;
		got = objs[0] != NULL;
	}
	if (got != n && got != 0)
		broken("bulk allocation of %zu gave %zu (all or none)", n, got);
	for (i = 0; i < got; i++) {
		uint8_t *p = objs[i];
		long bad;

		check_new(p, size, ksize(p), align, "cache alloc");
		if (zero && c < NR_CACHES &&
		    (bad = first_nonzero(p, 0, size)) >= 0)
			broken("kmem_cache_zalloc(%s) = %p: byte %ld not zero",
			       cache_spec[c].name, (void *)p, bad);
		add_live(p, size, ksize(p), K_KMALLOC);
		st.live[st.nr_live - 1].cache = c < NR_CACHES ? (int)c : -1;
	}
}

/* Free up to MAX_BULK live objects at once: kfree_bulk, or the bulk free
 * of one cache for that cache's objects. */
static void op_free_bulk(struct input *in)
{
	unsigned int v = in8(in), c = v % NR_CACHES, i = 0;
	bool by_cache = v & 8;
	void *objs[MAX_BULK];
	size_t n = 0;

	while (i < st.nr_live && n < MAX_BULK) {
		struct live *l = &st.live[i];

		if (l->kind != K_KMALLOC || (by_cache && l->cache != (int)c) ||
		    (in8(in) & 3) == 0) {
			i++;
			continue;
		}
		check_live(l, "before a bulk free");
		objs[n++] = l->p;
		forget(i); /* the last one moved to i: look at i again */
	}
	if (by_cache)
		kmem_cache_free_bulk(caches[c], n, objs);
	else
		kfree_bulk(n, objs);
}

/* A cache with objects in use refuses to go, and stays usable. */
static void op_destroy_busy(struct input *in)
{
	unsigned int c = in8(in) % NR_CACHES, i;
	int ret;

	for (i = 0; i < st.nr_live; i++)
		if (st.live[i].cache == (int)c)
			break;
	if (i == st.nr_live)
		return;
	ret = kmem_cache_destroy(caches[c]);
	if (ret != -EBUSY)
		broken("kmem_cache_destroy(%s) with objects in use = %d",
		       cache_spec[c].name, ret);
}

static void op_hotadd(void)
{
	struct mm_totals a, b;
	int ret;

	if (st.nr_extra == NR_EXTRA)
		return;
	mm_get_totals(&a);
	ret = mm_add_region((uintptr_t)extra[st.nr_extra], EXTRA_SIZE);
	if (ret)
		broken("mm_add_region(%p, %lu) = %d",
		       (void *)extra[st.nr_extra], EXTRA_SIZE, ret);
	mm_get_totals(&b);
	if (b.managed_bytes <= a.managed_bytes ||
	    b.free_bytes - a.free_bytes != b.managed_bytes - a.managed_bytes)
		broken("hot-add: managed %llu -> %llu but free %llu -> %llu",
		       (unsigned long long)a.managed_bytes,
		       (unsigned long long)b.managed_bytes,
		       (unsigned long long)a.free_bytes,
		       (unsigned long long)b.free_bytes);
	st.base_free += b.free_bytes - a.free_bytes;
	st.base_managed += b.managed_bytes - a.managed_bytes;
	st.nr_extra++;
}

/* A free that mm must report (and count) instead of obeying. */
static void bad_free(uintptr_t a, const char *what)
{
	unsigned long before = mm_bad_use_count();

	kfree((void *)a);
	st.bad_expected++;
	if (mm_bad_use_count() != before + 1)
		broken("%s %p: bad-use count %lu -> %lu (want +1)", what,
		       (void *)a, before, mm_bad_use_count());
}

static void op_bad_free(struct input *in)
{
	unsigned int how = in8(in) % 4, v = in16(in);
	struct live *l;
	uintptr_t a;

	switch (how) {
	case 0: /* double free of a recently freed address */
		a = st.freed[v % FREED_RING];
		/* Handed out again (or inside something live): not bad. */
		if (!a || live_holding(a) >= 0)
			return;
		bad_free(a, "double free");
		return;
	case 1: /* interior pointer */
		if (!st.nr_live)
			return;
		l = &st.live[v % st.nr_live];
		if (l->usable < 2)
			return;
		bad_free((uintptr_t)l->p + 1 + in16(in) % (l->usable - 1),
			 "interior free");
		return;
	case 2: /* never from mm */
		bad_free((uintptr_t)&foreign_word, "foreign free");
		return;
	default: /* mm's own metadata at the start of the arena */
		bad_free((uintptr_t)arena + (v % 64) * 8, "metadata free");
		return;
	}
}

/* ---- one input ---- */

static void setup(void)
{
	struct mm_totals t;
	unsigned int i;

	port_host_reset();
	port_host_set_hart(0);
	if (mm_init(NR_HARTS, NULL))
		broken("mm_init");
	if (mm_add_section((uintptr_t)arena, ARENA_SIZE, 0, NULL, 0))
		broken("mm_add_section");
	for (i = NR_HARTS; i-- > 0;) {
		become(i);
		mm_hart_init();
	}
	mm_set_bad_use_mode(MM_BAD_USE_COUNT);
	memset(&st, 0, sizeof(st));
	for (i = 0; i < NR_CACHES; i++) {
		caches[i] = kmem_cache_create(
			cache_spec[i].name, cache_spec[i].size,
			cache_spec[i].align, cache_spec[i].flags, NULL);
		if (!caches[i])
			broken("kmem_cache_create(%s)", cache_spec[i].name);
	}
	mm_get_totals(&t);
	st.base_free = t.free_bytes;
	st.base_managed = t.managed_bytes;
}

static void teardown(void)
{
	struct mm_totals t;
	unsigned int i;

	for (i = 0; i < st.nr_live; i++)
		check_live(&st.live[i], "at the end");
	/* Free from every hart in turn: many frees are remote. */
	for (i = 0; st.nr_live; i++) {
		become(i % NR_HARTS);
		kfree(st.live[st.nr_live - 1].p);
		st.nr_live--;
	}
	kfree(NULL);
	/* Every hart posts its batched remote frees, then every one drains. */
	for (i = 0; i < NR_HARTS; i++) {
		become(i);
		mm_idle();
	}
	for (i = 0; i < NR_HARTS; i++) {
		become(i);
		mm_drain_this_hart(true);
	}
	mm_get_totals(&t);
	if (t.free_bytes != st.base_free || t.managed_bytes != st.base_managed)
		broken("after a full drain: free %llu (want %llu), managed "
		       "%llu (want %llu)",
		       (unsigned long long)t.free_bytes,
		       (unsigned long long)st.base_free,
		       (unsigned long long)t.managed_bytes,
		       (unsigned long long)st.base_managed);
	if (mm_bad_use_count() != st.bad_expected)
		broken("bad-use count %lu, want %lu", mm_bad_use_count(),
		       st.bad_expected);
	for (i = 0; i < NR_CACHES; i++)
		if (kmem_cache_destroy(caches[i]))
			broken("kmem_cache_destroy(%s) with nothing in use",
			       cache_spec[i].name);
}

static void *map_region(size_t size)
{
	size_t align = 2UL << 20;
	uint8_t *m = mmap(NULL, size + align, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (m == MAP_FAILED)
		broken("mmap");
	return (void *)(((uintptr_t)m + align - 1) & ~(align - 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size, 0 };
	unsigned int i, v;

	if (!arena) {
		port_host_set_quiet(!getenv("FUZZ_MM_VERBOSE"));
		arena = map_region(ARENA_SIZE);
		for (i = 0; i < NR_EXTRA; i++)
			extra[i] = map_region(EXTRA_SIZE);
	}
	setup();
	while (in.pos < in.len && st.ops < MAX_OPS) {
		st.ops++;
		switch (in8(&in) % 16) {
		case 0:
		case 1:
			become(in8(&in) % NR_HARTS);
			break;
		case 2:
		case 3:
		case 4:
			op_kmalloc(&in);
			break;
		case 5:
		case 6:
		case 7:
			op_free(&in);
			break;
		case 8:
			op_krealloc(&in);
			break;
		case 9:
			op_pages(&in, false);
			break;
		case 10:
			op_pages(&in, true);
			break;
		case 11:
			v = in8(&in);
			if (v & 2)
				op_hart_stop(&in);
			else if (v & 4)
				mm_reap_offline();
			else
				mm_drain_this_hart(v & 1);
			break;
		case 12:
			op_hotadd();
			break;
		case 13:
			op_bad_free(&in);
			break;
		case 14:
			v = in8(&in);
			if (v & 1)
				op_kcalloc(&in);
			else if (v & 2)
				op_free_bulk(&in);
			else if (v & 4)
				op_destroy_busy(&in);
			else
				op_cache(&in);
			break;
		default:
			if (in8(&in) & 1)
				op_ksize(&in);
			else
				op_cache(&in);
			break;
		}
	}
	teardown();
	return 0;
}
