// SPDX-License-Identifier: MIT
/* Host tests of mm/slab.c: classes, alignment, local and remote frees. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/types.h"
#include "mm/kmalloc.h"
#include "mm/introspect.h"
#include "mm/mm.h"
#include "mm/port.h"
#include "tests/host/mm_fixture.h"

#define SLAB_BYTES 16384

static size_t class_size(unsigned int c)
{
	struct mm_class_stats st;

	mm_get_class_stats(c, -1, &st);
	return st.size;
}

static unsigned int class_index(size_t size)
{
	unsigned int c;

	for (c = 0; c < mm_nr_size_classes(); c++)
		if (class_size(c) >= size)
			return c;
	return ~0u;
}

static struct mm_class_stats stats_of(size_t size)
{
	struct mm_class_stats st;

	mm_get_class_stats(class_index(size), -1, &st);
	return st;
}

static size_t natural_align(size_t size)
{
	return size & -size;
}

static void fill(void *p, size_t n, uintptr_t tag)
{
	unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		c[i] = (unsigned char)(tag * 31 + i);
}

static bool check(const void *p, size_t n, uintptr_t tag)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i] != (unsigned char)(tag * 31 + i))
			return false;
	return true;
}

/* Every class: three slabs' worth, aligned, disjoint, ksize right. */
MM_TEST(test_every_class, 1, 64 << 20)
{
	unsigned int c;

	for (c = 0; c < mm_nr_size_classes(); c++) {
		size_t size = class_size(c);
		size_t n = 3 * SLAB_BYTES / size, i;
		void **objs = calloc(n, sizeof(void *));
		struct mm_class_stats st;

		KT_ASSERT(objs);
		for (i = 0; i < n; i++) {
			objs[i] = kmalloc(size, GFP_KERNEL);
			KT_ASSERT(objs[i]);
			KT_EXPECT(((uintptr_t)objs[i] &
				   (natural_align(size) - 1)) == 0);
			KT_EXPECT_EQ(ksize(objs[i]), size);
			fill(objs[i], size, i);
		}
		for (i = 0; i < n; i++)
			KT_EXPECT(check(objs[i], size, i));
		mm_get_class_stats(c, -1, &st);
		KT_EXPECT_EQ(st.in_use, n);
		KT_EXPECT(st.slabs >= 3);
		for (i = 0; i < n; i++)
			kfree(objs[i]);
		mm_get_class_stats(c, -1, &st);
		KT_EXPECT_EQ(st.in_use, 0);
		/* Frees into the current slab are not counted (frozen). */
		KT_EXPECT(st.local_frees <= n);
		KT_EXPECT_EQ(st.allocs, st.local_frees + st.remote_frees);
		free(objs);
	}
}

/* Requests map to the smallest class that fits, with O(1) lookup. */
MM_TEST(test_size_to_class, 1, 16 << 20)
{
	size_t s;

	for (s = 1; s <= 2048; s++) {
		void *p = kmalloc(s, GFP_KERNEL);
		size_t k = ksize(p);
		unsigned int c = class_index(s);

		KT_ASSERT(p);
		KT_EXPECT(k >= s);
		KT_EXPECT_EQ(k, class_size(c));
		kfree(p);
	}
}

/*
 * The size-class table against internal waste, over every request size
 * 1..2048: (class - size) / class, averaged.  Must stay under 15%.
 */
MM_TEST(test_size_class_waste, 1, 16 << 20)
{
	double sum = 0, worst = 0, worst16 = 0;
	size_t s, worst_at = 0, worst16_at = 0;
	unsigned int c;

	ktap_diag("class  requests   avg waste  worst waste");
	for (c = 0; c < mm_nr_size_classes(); c++) {
		size_t lo = c ? class_size(c - 1) + 1 : 1, hi = class_size(c);
		double cs = 0, cw = 0;

		for (s = lo; s <= hi; s++) {
			double w = (double)(hi - s) / hi;

			cs += w;
			cw = w > cw ? w : cw;
		}
		ktap_diag("%5zu  %4zu..%-4zu  %8.2f%%  %10.2f%%", hi, lo, hi,
			  100 * cs / (hi - lo + 1), 100 * cw);
	}
	for (s = 1; s <= 2048; s++) {
		void *p = kmalloc(s, GFP_KERNEL);
		double w;

		KT_ASSERT(p);
		w = (double)(ksize(p) - s) / ksize(p);
		kfree(p);
		sum += w;
		if (w > worst) {
			worst = w;
			worst_at = s;
		}
		if (s > 16 && w > worst16) {
			worst16 = w;
			worst16_at = s;
		}
	}
	ktap_diag(
		"average waste over 1..2048: %.2f%%; worst %.2f%% (size %zu); "
		"worst above 16 bytes %.2f%% (size %zu)",
		100 * sum / 2048, 100 * worst, worst_at, 100 * worst16,
		worst16_at);
	KT_EXPECT(sum / 2048 < 0.15);
	KT_EXPECT(worst16 < 0.34);
}

struct batch {
	void **objs;
	size_t n, size;
};

static void free_batch(void *arg)
{
	struct batch *b = arg;
	size_t i;

	for (i = 0; i < b->n; i++) {
		KT_EXPECT(check(b->objs[i], b->size, i));
		kfree(b->objs[i]);
	}
}

/* Objects of hart 0 freed by hart 1 come back to hart 0 on its drain. */
MM_TEST(test_remote_free_and_drain, 2, 64 << 20)
{
	struct batch b = { calloc(5000, sizeof(void *)), 5000, 96 };
	struct mm_class_stats st;
	uint64_t before = fx_free_bytes();
	size_t i;

	KT_ASSERT(b.objs);
	for (i = 0; i < b.n; i++) {
		b.objs[i] = kmalloc(b.size, GFP_KERNEL);
		KT_ASSERT(b.objs[i]);
		fill(b.objs[i], b.size, i);
	}
	KT_EXPECT(fx_free_bytes() < before);
	fx_run_as_hart(1, free_batch, &b);
	st = stats_of(96);
	KT_EXPECT_EQ(st.remote_frees, b.n);
	KT_EXPECT_EQ(st.in_use, 0);
	mm_drain_this_hart(false);
	/* Only the current slab and one spare may stay. */
	st = stats_of(96);
	KT_EXPECT(st.slabs <= 2);
	mm_drain_this_hart(true);
	st = stats_of(96);
	KT_EXPECT_EQ(st.slabs, 0);
	KT_EXPECT_EQ(fx_free_bytes(), before);
	/* The objects are reusable after the take-back. */
	for (i = 0; i < b.n; i++) {
		b.objs[i] = kmalloc(b.size, GFP_KERNEL);
		KT_ASSERT(b.objs[i]);
	}
	for (i = 0; i < b.n; i++)
		kfree(b.objs[i]);
	free(b.objs);
}

/* Empty slabs go back to buddy right away, keeping one spare. */
MM_TEST(test_empty_slab_return, 1, 64 << 20)
{
	size_t n = 20 * SLAB_BYTES / 512, i;
	void **objs = calloc(n, sizeof(void *));
	struct mm_class_stats st;
	uint64_t before = fx_free_bytes();

	KT_ASSERT(objs);
	for (i = 0; i < n; i++)
		objs[i] = kmalloc(512, GFP_KERNEL);
	st = stats_of(512);
	KT_EXPECT(st.slabs >= 20);
	for (i = 0; i < n; i++)
		kfree(objs[i]);
	st = stats_of(512);
	KT_EXPECT(st.slabs <= 2); /* current + spare */
	KT_EXPECT(before - fx_free_bytes() <= 2 * SLAB_BYTES);
	free(objs);
}

/*
 * The stranded full slab: hart 0 fills a slab and moves on, hart 1 frees
 * every object of it.  Nothing is left behind: hart 0 learns about it
 * (revisit list) and the slab goes back to buddy.
 */
MM_TEST(test_stranded_full_slab, 2, 64 << 20)
{
	size_t per_slab;
	struct batch b;
	struct mm_class_stats st;
	void *probe[600], *extra;
	uint64_t before;

	/* How many 1024-byte objects one slab holds. */
	probe[0] = kmalloc(1024, GFP_KERNEL);
	for (per_slab = 1; per_slab < 600; per_slab++) {
		probe[per_slab] = kmalloc(1024, GFP_KERNEL);
		if (((uintptr_t)probe[per_slab] ^ (uintptr_t)probe[0]) >=
		    SLAB_BYTES)
			break;
	}
	extra = probe[per_slab]; /* first object of the next slab */
	KT_ASSERT(per_slab > 4 && per_slab < 600);
	before = fx_free_bytes();
	b.objs = probe;
	b.n = per_slab;
	b.size = 0;
	fx_run_as_hart(1, free_batch, &b);
	st = stats_of(1024);
	KT_EXPECT_EQ(st.in_use, 1);
	KT_EXPECT_EQ(st.slabs, 2);
	/* Hart 0 revisits: the full slab is empty, so it becomes the spare. */
	mm_drain_this_hart(false);
	st = stats_of(1024);
	KT_EXPECT_EQ(st.in_use, 1);
	mm_drain_this_hart(true);
	st = stats_of(1024);
	KT_EXPECT_EQ(st.slabs, 1);
	KT_EXPECT(fx_free_bytes() >= before + SLAB_BYTES);
	kfree(extra);
}

/* The same without a drain: the revisit list is read on the next refill. */
MM_TEST(test_revisit_on_refill, 2, 64 << 20)
{
	void *objs[64];
	struct batch b = { objs, 0, 0 };
	void *again[64];
	size_t i, n = 0;

	/* Fill one 2048 slab (7 objects) and start a second. */
	for (i = 0; i < 8; i++)
		objs[i] = kmalloc(2048, GFP_KERNEL);
	b.n = 7;
	fx_run_as_hart(1, free_batch, &b);
	/* Exhaust the second slab: the refill then finds the first slab
	 * on the revisit list and reuses its objects. */
	for (i = 0; i < 13; i++) {
		again[n] = kmalloc(2048, GFP_KERNEL);
		KT_ASSERT(again[n]);
		n++;
	}
	KT_EXPECT(stats_of(2048).slabs == 2);
	for (i = 0; i < n; i++)
		kfree(again[i]);
	kfree(objs[7]);
}

/*
 * A FULL slab rejoins the partial list once a quarter of it is free, not
 * at its first free: with one object freed, the next refill takes a fresh
 * slab (attached at once, the slab would come back as current with that
 * single object); with a quarter freed, the next refill takes it back.
 */
static bool in_slab(const void *p, const void *first)
{
	return ((uintptr_t)p & ~(uintptr_t)(SLAB_BYTES - 1)) ==
	       ((uintptr_t)first & ~(uintptr_t)(SLAB_BYTES - 1));
}

/* Allocate 256-byte objects into @objs until one lands outside @cur's
 * slab; returns how many (the last one is that outsider; NULL if mm ran
 * out, which the caller's slab tests then fail on). */
static size_t alloc_past(void **objs, size_t max, const void *cur)
{
	size_t n = 0;

	while (n < max) {
		objs[n] = kmalloc(256, GFP_KERNEL);
		if (!objs[n] || !in_slab(objs[n++], cur))
			break;
	}
	return n;
}

MM_TEST(test_full_slab_attaches_at_a_quarter, 1, 64 << 20)
{
	static void *a[128], *b[128], *c[128], *d[128];
	size_t na, nb, nc, nd, i, quarter;
	uint64_t before = fx_free_bytes();
	bool reused = false;

	a[0] = kmalloc(256, GFP_KERNEL);
	KT_ASSERT(a[0]);
	na = 1 + alloc_past(a + 1, 127, a[0]); /* slab A full, B current */
	KT_ASSERT(na > 8 && na < 128);
	b[0] = a[--na];
	quarter = na / 4;
	kfree(a[0]); /* A: one free object, below a quarter */
	nb = 1 + alloc_past(b + 1, 127, b[0]); /* B full: a refill */
	KT_EXPECT(!in_slab(b[nb - 1], a[0]));  /* A stayed FULL */
	c[0] = b[--nb];
	for (i = 1; i < quarter; i++)
		kfree(a[i]); /* now a quarter of A is free */
	nc = 1 + alloc_past(c + 1, 127, c[0]);
	d[0] = c[--nc];
	KT_EXPECT(in_slab(d[0], a[0])); /* the refill took A back */
	nd = 1;
	while (nd < 128 && in_slab(d[nd - 1], a[0])) {
		d[nd] = kmalloc(256, GFP_KERNEL);
		KT_ASSERT(d[nd]);
		reused |= d[nd - 1] == a[0];
		nd++;
	}
	reused |= d[nd - 1] == a[0];
	KT_EXPECT(reused);	       /* A's first free object came back */
	KT_EXPECT_EQ(nd - 1, quarter); /* A held exactly the quarter freed */
	for (i = quarter; i < na; i++)
		kfree(a[i]);
	for (i = 0; i < nb; i++)
		kfree(b[i]);
	for (i = 0; i < nc; i++)
		kfree(c[i]);
	for (i = 0; i < nd; i++)
		kfree(d[i]);
	mm_drain_this_hart(true);
	KT_EXPECT_EQ(fx_free_bytes(), before);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(test_every_class),
	KTAP_CASE(test_size_to_class),
	KTAP_CASE(test_size_class_waste),
	KTAP_CASE(test_remote_free_and_drain),
	KTAP_CASE(test_empty_slab_return),
	KTAP_CASE(test_stranded_full_slab),
	KTAP_CASE(test_revisit_on_refill),
	KTAP_CASE(test_full_slab_attaches_at_a_quarter),
};

int main(void)
{
	return ktap_main("slab", cases, ARRAY_SIZE(cases));
}
