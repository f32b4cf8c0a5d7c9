// SPDX-License-Identifier: MIT
/* Host tests of the per-hart block cache, runs of 2..8 pages (orders 1..3). */
#include <stdlib.h>
#include <string.h>

#include "lib/types.h"
#include "mm/hart.h"
#include "mm/kmalloc.h"
#include "mm/introspect.h"
#include "mm/mm.h"
#include "mm/port.h"
#include "tests/host/mm_fixture.h"

/* Free pages on section 0's buddy lists (caches not counted). */
static uint64_t buddy_free(void)
{
	struct mm_section_info info;

	memset(&info, 0, sizeof(info));
	if (mm_get_section_info(0, &info))
		ktap_fail(__FILE__, __LINE__, "no section 0");
	return info.free_pages;
}

static void count_mode(void)
{
	mm_set_bad_use_mode(MM_BAD_USE_COUNT);
	port_host_set_quiet(true);
}

/* A freed 2/4/8-page run comes straight back, through kmalloc too. */
MM_TEST(test_run_roundtrip, 1, 64 << 20)
{
	unsigned int o;

	for (o = 1; o <= 3; o++) {
		size_t n = 1UL << o;
		char *p = alloc_pages(n, GFP_KERNEL), *q;
		uint64_t before;

		KT_ASSERT(p);
		KT_EXPECT(((uintptr_t)p & ((PAGE_SIZE << o) - 1)) == 0);
		memset(p, 0x5a, n * PAGE_SIZE);
		KT_EXPECT_EQ(ksize(p), n * PAGE_SIZE);
		before = fx_free_bytes();
		free_pages(p);
		/* Cached pages count as free. */
		KT_EXPECT_EQ(fx_free_bytes(), before + n * PAGE_SIZE);
		q = alloc_pages(n, GFP_KERNEL);
		KT_EXPECT(q == p);
		free_pages(q);
		q = kmalloc(n * PAGE_SIZE, GFP_KERNEL);
		KT_EXPECT(q == p);
		kfree(q);
		q = alloc_pages(n, __GFP_ZERO);
		KT_EXPECT(q == p);
		KT_EXPECT(q && q[0] == 0 && q[n * PAGE_SIZE - 1] == 0);
		free_pages(q);
	}
	/* An exact odd count and a shrunk run take the buddy path. */
	{
		char *p = alloc_pages(3, GFP_KERNEL);
		char *r = kmalloc(8 * PAGE_SIZE, GFP_KERNEL);

		KT_ASSERT(p && r);
		KT_EXPECT_EQ(ksize(p), 3 * PAGE_SIZE);
		free_pages(p);
		KT_EXPECT(krealloc(r, 5 * PAGE_SIZE, GFP_KERNEL) == r);
		KT_EXPECT_EQ(ksize(r), 5 * PAGE_SIZE);
		kfree(r);
	}
}

/* Many runs of each order, freed: the cache stays bounded and a full
 * drain puts every page back on the buddy lists, merged. */
MM_TEST(test_run_drain, 1, 64 << 20)
{
	static void *p[3 + 1][40];
	uint64_t start = buddy_free();
	unsigned int o, i;

	for (o = 1; o <= 3; o++)
		for (i = 0; i < 40; i++) {
			p[o][i] = alloc_pages(1UL << o, GFP_KERNEL);
			KT_ASSERT(p[o][i]);
		}
	for (o = 1; o <= 3; o++)
		for (i = 0; i < 40; i++)
			free_pages(p[o][i]);
	/* At most RUN_HIGH runs (and no order-0 pages) stay per order. */
	KT_EXPECT(start - buddy_free() <= 8 * (2 + 4 + 8));
	mm_drain_this_hart(false);
	KT_EXPECT(start - buddy_free() <= 4 * (2 + 4 + 8));
	mm_drain_this_hart(true);
	KT_EXPECT_EQ(buddy_free(), start);
	/* Merged: one block of half the arena again. */
	p[1][0] = alloc_pages(8192, GFP_KERNEL);
	KT_EXPECT(p[1][0] != NULL);
	free_pages(p[1][0]);
}

/* Bad frees of cached runs are reported exactly. */
MM_TEST(test_run_bad_free, 1, 64 << 20)
{
	unsigned int o;

	count_mode();
	for (o = 1; o <= 3; o++) {
		char *p = alloc_pages(1UL << o, GFP_KERNEL), *q;
		unsigned long c = mm_bad_use_count();

		KT_ASSERT(p);
		free_pages(p + PAGE_SIZE); /* not a head */
		KT_EXPECT_EQ(mm_bad_use_count(), c + 1);
		kfree(p + 64); /* interior */
		KT_EXPECT_EQ(mm_bad_use_count(), c + 2);
		free_pages(p);
		free_pages(p); /* double free, now cached */
		KT_EXPECT_EQ(mm_bad_use_count(), c + 3);
		kfree(p);
		KT_EXPECT_EQ(mm_bad_use_count(), c + 4);
		free_pages(p + PAGE_SIZE); /* inside a cached run */
		KT_EXPECT_EQ(mm_bad_use_count(), c + 5);
		/* The cache was not corrupted: p comes back once. */
		KT_EXPECT(alloc_pages(1UL << o, GFP_KERNEL) == p);
		q = alloc_pages(1UL << o, GFP_KERNEL);
		KT_EXPECT(q && q != p);
		free_pages(q);
		free_pages(p);
		KT_EXPECT_EQ(mm_bad_use_count(), c + 5);
	}
	mm_set_bad_use_mode(MM_BAD_USE_PANIC);
	port_host_set_quiet(false);
}

struct remote {
	void **runs;
	unsigned int n;
};

static void free_runs(void *arg)
{
	struct remote *r = arg;
	unsigned int i;

	for (i = 0; i < r->n; i++)
		if (i & 1)
			free_pages(r->runs[i]);
		else
			kfree(r->runs[i]);
}

static void alloc_free_runs(void *arg)
{
	struct remote *r = arg;
	unsigned int i;

	/* Hart 1 reuses what it cached from hart 0's runs. */
	for (i = 0; i < r->n; i++) {
		void *p = alloc_pages(2UL << (i % 3), GFP_KERNEL);

		KT_ASSERT(p);
		free_pages(p);
	}
}

/* Runs allocated on hart 0 and freed on hart 1 land in hart 1's cache. */
MM_TEST(test_run_remote_free, 2, 64 << 20)
{
	void *runs[60];
	struct remote r = { runs, 60 };
	uint64_t before;
	unsigned int i;

	for (i = 0; i < 60; i++) {
		runs[i] = alloc_pages(2UL << (i % 3), GFP_KERNEL);
		KT_ASSERT(runs[i]);
	}
	before = fx_free_bytes();
	fx_run_as_hart(1, free_runs, &r);
	KT_EXPECT_EQ(fx_free_bytes(), before + 20 * (2 + 4 + 8) * PAGE_SIZE);
	fx_run_as_hart(1, alloc_free_runs, &r);
}

static void hog_and_cache(void *arg)
{
	struct remote *r = arg;
	unsigned int i;

	r->n = 0;
	while ((r->runs[r->n] = alloc_pages(4, GFP_KERNEL)))
		r->n++;
	/* Free them all: RUN_HIGH stay cached on this hart. */
	for (i = 0; i < r->n; i++)
		free_pages(r->runs[i]);
}

static void drain_hart(void *arg)
{
	(void)arg;
	mm_drain_this_hart(true);
}

/* Exhaustion while another hart caches runs recovers after its drain. */
MM_TEST(test_run_exhaustion, 2, 8 << 20)
{
	void **runs = calloc(8 << 20 >> PAGE_SHIFT, sizeof(void *));
	struct remote r = { runs, 0 };
	unsigned int n = 0, i;
	void *p;

	KT_ASSERT(runs);
	fx_run_as_hart(1, hog_and_cache, &r);
	KT_EXPECT(r.n > 100);
	/* Take everything hart 0 can get (hart 1 is offline: no kicks). */
	while ((p = alloc_pages(8, GFP_KERNEL)))
		runs[n++] = p;
	while ((p = alloc_pages(1, GFP_KERNEL)))
		runs[n++] = p;
	KT_EXPECT(alloc_pages(4, GFP_KERNEL) == NULL);
	KT_EXPECT(alloc_pages(2, GFP_KERNEL) == NULL);
	fx_run_as_hart(1, drain_hart, NULL);
	p = alloc_pages(4, GFP_KERNEL);
	KT_EXPECT(p != NULL);
	free_pages(p);
	for (i = 0; i < n; i++)
		free_pages(runs[i]);
	free(runs);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(test_run_roundtrip),	KTAP_CASE(test_run_drain),
	KTAP_CASE(test_run_bad_free),	KTAP_CASE(test_run_remote_free),
	KTAP_CASE(test_run_exhaustion),
};

int main(void)
{
	return ktap_main("pcp", cases, ARRAY_SIZE(cases));
}
