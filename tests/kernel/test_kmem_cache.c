// SPDX-License-Identifier: MIT
/*
 * KTAP suite "kmem_cache": named caches on the real kernel (mm/cache.h):
 * the API, constructors, alignment, destroy with objects in use, bulk
 * calls, remote frees into a named cache between every pair of harts,
 * and the node-aware calls.  Cases end with the accounting invariant
 * (after every hart drained, free bytes are what they were), except the
 * node case, whose per-node caches stay.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "arch/riscv/memlayout.h"
#include "kernel/hart.h"
#include "kernel/ktest.h"
#include "kernel/mm_settle.h"
#include "kernel/smp.h"
#include "lib/errno.h"
#include "mm/cache.h"
#include "mm/introspect.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"

#define NOBJS 400

static void expect_settled(struct ktest *t, uint64_t before)
{
	uint64_t after = mm_settled_free_bytes();

	if (after != before)
		ktest_fail(t, __FILE__, __LINE__,
			   "free bytes %llu after the case, %llu before",
			   (unsigned long long)after,
			   (unsigned long long)before);
}

static void *objs[NOBJS];

static void test_api(struct ktest *t)
{
	uint64_t before = mm_settled_free_bytes();
	struct kmem_cache *c = kmem_cache_create("ktest_obj", 136, 0, 0, NULL);
	struct kmem_cache_stats st;
	unsigned int i, bad = 0;

	KT_ASSERT(t, c);
	KT_EXPECT(t, !strcmp(kmem_cache_name(c), "ktest_obj"));
	for (i = 0; i < NOBJS; i++) {
		objs[i] = i % 2 ? kmem_cache_alloc(c, GFP_KERNEL)
				: kmem_cache_zalloc(c, GFP_KERNEL);
		KT_ASSERT(t, objs[i]);
		if (i % 2 == 0) {
			unsigned int j;

			for (j = 0; j < 136; j++)
				bad += ((uint8_t *)objs[i])[j] != 0;
		}
		memset(objs[i], 0xa5, 136);
	}
	KT_EXPECT_EQ(t, bad, 0);
	kmem_cache_get_stats(c, &st);
	KT_EXPECT_EQ(t, st.in_use, NOBJS);
	ktest_diag("%s: %zu bytes, stride %zu, %u per slab, %lu slabs",
		   kmem_cache_name(c), st.object_size, st.stride,
		   st.objs_per_slab, st.slabs);
	mm_print_slabinfo(false);
	kmem_cache_print_slabinfo();
	for (i = 0; i < NOBJS; i++)
		kmem_cache_free(c, objs[i]);
	kmem_cache_get_stats(c, &st);
	KT_EXPECT_EQ(t, st.in_use, 0);
	KT_EXPECT_EQ(t, kmem_cache_destroy(c), 0);
	expect_settled(t, before);
}

static unsigned long ctor_runs;

struct ctor_obj {
	uint64_t cookie;
	uint32_t refs;
	char name[20];
};

static void ctor_obj_init(void *p)
{
	struct ctor_obj *o = p;

	o->cookie = 0xfeedface12345678ULL;
	o->refs = 1;
	memcpy(o->name, "constructed", sizeof("constructed"));
	ctor_runs++;
}

static void test_constructor(struct ktest *t)
{
	uint64_t before = mm_settled_free_bytes();
	struct kmem_cache *c = kmem_cache_create(
		"ktest_ctor", sizeof(struct ctor_obj), 0, 0, ctor_obj_init);
	struct kmem_cache_stats st;
	unsigned int i, round, bad = 0;

	KT_ASSERT(t, c);
	ctor_runs = 0;
	for (round = 0; round < 3; round++) {
		for (i = 0; i < NOBJS; i++) {
			struct ctor_obj *o = kmem_cache_alloc(c, GFP_KERNEL);

			KT_ASSERT(t, o);
			bad += o->cookie != 0xfeedface12345678ULL ||
			       o->refs != 1 || strcmp(o->name, "constructed");
			objs[i] = o;
		}
		for (i = 0; i < NOBJS; i++)
			kmem_cache_free(c, objs[i]);
	}
	KT_EXPECT_EQ(t, bad, 0);
	kmem_cache_get_stats(c, &st);
	/* Run once per object of each slab made, not once per allocation. */
	KT_EXPECT(t, ctor_runs % st.objs_per_slab == 0);
	KT_EXPECT(t, ctor_runs < 3 * NOBJS);
	KT_EXPECT_EQ(t, kmem_cache_destroy(c), 0);
	expect_settled(t, before);
}

static void test_alignment(struct ktest *t)
{
	static const size_t aligns[] = { 8, 32, 64, 256, 1024, 4096 };
	uint64_t before = mm_settled_free_bytes();
	unsigned int a, i, bad = 0;

	for (a = 0; a < ARRAY_SIZE(aligns); a++) {
		struct kmem_cache *c = kmem_cache_create("ktest_align", 72,
							 aligns[a], 0, NULL);

		KT_ASSERT(t, c);
		for (i = 0; i < 64; i++) {
			objs[i] = kmem_cache_alloc(c, GFP_KERNEL);
			KT_ASSERT(t, objs[i]);
			bad += ((uintptr_t)objs[i] & (aligns[a] - 1)) != 0;
		}
		for (i = 0; i < 64; i++)
			kmem_cache_free(c, objs[i]);
		KT_EXPECT_EQ(t, kmem_cache_destroy(c), 0);
	}
	KT_EXPECT_EQ(t, bad, 0);
	expect_settled(t, before);
}

static void test_destroy_in_use(struct ktest *t)
{
	uint64_t before = mm_settled_free_bytes();
	struct kmem_cache *c =
		kmem_cache_create("ktest_busy", 24, 0, SLAB_NO_MERGE, NULL);
	void *a, *b;

	KT_ASSERT(t, c);
	a = kmem_cache_alloc(c, GFP_KERNEL);
	b = kmem_cache_alloc(c, GFP_KERNEL);
	KT_ASSERT(t, a && b);
	KT_EXPECT_EQ(t, kmem_cache_destroy(c), -EBUSY);
	kmem_cache_free(c, a);
	KT_EXPECT_EQ(t, kmem_cache_destroy(c), -EBUSY);
	/* Still usable after a refusal. */
	a = kmem_cache_alloc(c, GFP_KERNEL);
	KT_EXPECT(t, a != NULL);
	kmem_cache_free(c, a);
	kmem_cache_free(c, b);
	KT_EXPECT_EQ(t, kmem_cache_destroy(c), 0);
	expect_settled(t, before);
}

static void test_merging(struct ktest *t)
{
	uint64_t before = mm_settled_free_bytes();
	unsigned int n = kmem_cache_count();
	struct kmem_cache *a = kmem_cache_create("ktest_m1", 100, 0, 0, NULL);
	struct kmem_cache *b = kmem_cache_create("ktest_m2", 98, 0, 0, NULL);
	struct kmem_cache_stats st;

	KT_ASSERT(t, a && b);
	/* slab_debug=1 merges nothing (each cache's records stay its own). */
	KT_EXPECT_EQ(t, kmem_cache_count(), n + (mm_slab_debug_on() ? 2 : 1));
	kmem_cache_get_stats(b, &st);
	KT_EXPECT_EQ(t, st.users, mm_slab_debug_on() ? 1 : 2);
	KT_EXPECT_EQ(t, kmem_cache_destroy(a), 0);
	KT_EXPECT_EQ(t, kmem_cache_destroy(b), 0);
	KT_EXPECT_EQ(t, kmem_cache_count(), n);
	expect_settled(t, before);
}

static void test_bulk(struct ktest *t)
{
	uint64_t before = mm_settled_free_bytes();
	struct kmem_cache *c = kmem_cache_create("ktest_bulk", 64, 0, 0, NULL);
	struct kmem_cache_stats st;
	unsigned int i, j, dup = 0;

	KT_ASSERT(t, c);
	KT_EXPECT_EQ(t, kmem_cache_alloc_bulk(c, GFP_KERNEL, NOBJS, objs),
		     NOBJS);
	for (i = 0; i < NOBJS; i++) {
		KT_ASSERT(t, objs[i]);
		memset(objs[i], (int)i, 64);
	}
	for (i = 0; i < NOBJS; i++)
		for (j = i + 1; j < NOBJS; j++)
			dup += objs[i] == objs[j];
	KT_EXPECT_EQ(t, dup, 0);
	kmem_cache_get_stats(c, &st);
	KT_EXPECT_EQ(t, st.in_use, NOBJS);
	kmem_cache_free_bulk(c, NOBJS, objs);
	kmem_cache_get_stats(c, &st);
	KT_EXPECT_EQ(t, st.in_use, 0);
	KT_EXPECT_EQ(t, kmem_cache_destroy(c), 0);
	KT_EXPECT_EQ(t, kmalloc_bulk(300, GFP_KERNEL, NOBJS, objs), NOBJS);
	for (i = 0; i < NOBJS; i++)
		KT_EXPECT(t, objs[i] && ksize(objs[i]) >= 300);
	kfree_bulk(NOBJS, objs);
	expect_settled(t, before);
}

/* Every hart allocates a batch; the next online hart frees it. */
static struct kmem_cache *ring_cache;
static void *ring_objs[PLATFORM_MAX_HARTS][NOBJS];
static atomic_uint ring_bad;

static void ring_alloc(void *arg)
{
	unsigned int me = this_hart()->index, i;

	for (i = 0; i < NOBJS; i++) {
		uint32_t *p = kmem_cache_alloc(ring_cache, GFP_KERNEL);

		if (!p) {
			atomic_fetch_add(&ring_bad, 1);
			continue;
		}
		p[0] = me;
		p[1] = i;
		ring_objs[me][i] = p;
	}
}

static void ring_free(void *arg)
{
	unsigned int n = hart_count(), me = this_hart()->index, i;
	unsigned int prev = (me + n - 1) % n;

	while (!hart_by_index(prev) ||
	       !atomic_load(&hart_by_index(prev)->online))
		prev = (prev + n - 1) % n;
	for (i = 0; i < NOBJS; i++) {
		uint32_t *p = ring_objs[prev][i];

		if (!p)
			continue;
		if (p[0] != prev || p[1] != i)
			atomic_fetch_add(&ring_bad, 1);
		kmem_cache_free(ring_cache, p);
		ring_objs[prev][i] = NULL;
	}
	mm_idle(); /* post the batched remote frees before returning */
}

static void test_remote_frees_all_harts(struct ktest *t)
{
	uint64_t before = mm_settled_free_bytes();
	struct kmem_cache_stats st;

	ring_cache = kmem_cache_create("ktest_ring", 40, 0, 0, NULL);
	KT_ASSERT(t, ring_cache);
	atomic_store(&ring_bad, 0);
	smp_run_on_all(ring_alloc, NULL);
	kmem_cache_get_stats(ring_cache, &st);
	KT_EXPECT_EQ(t, st.in_use, (unsigned long)smp_online_count() * NOBJS);
	smp_run_on_all(ring_free, NULL);
	KT_EXPECT_EQ(t, atomic_load(&ring_bad), 0);
	/* Remote frees count as in use until their owner takes them. */
	mm_settled_free_bytes();
	kmem_cache_get_stats(ring_cache, &st);
	KT_EXPECT_EQ(t, st.in_use, 0);
	KT_EXPECT_EQ(t, kmem_cache_destroy(ring_cache), 0);
	expect_settled(t, before);
}

/* The node of the section holding @p, or -1. */
static int node_of(const void *p)
{
	phys_addr_t pa = virt_to_phys(p);
	struct mm_section_info info;
	unsigned int i;

	for (i = 0; i < mm_nr_sections_added(); i++)
		if (!mm_get_section_info(i, &info) && pa >= info.base &&
		    pa < info.base + info.size)
			return info.node;
	return -1;
}

static void test_node_aware(struct ktest *t)
{
	struct mm_section_info info;
	int node, max_node = 0;
	unsigned int i;

	for (i = 0; i < mm_nr_sections_added(); i++)
		if (!mm_get_section_info(i, &info) && info.node > max_node)
			max_node = info.node;
	for (node = 0; node <= max_node; node++) {
		void *p = kmalloc_node(200, GFP_KERNEL, node);
		void *q = alloc_pages_node(node, 2, GFP_KERNEL);

		KT_ASSERT(t, p && q);
		KT_EXPECT_EQ(t, node_of(p), node);
		KT_EXPECT_EQ(t, node_of(q), node);
		kfree(p);
		free_pages(q);
	}
	if (!max_node)
		ktest_diag("one memory node: only node 0 checked");
	{
		void *p = kmalloc_node(10, GFP_KERNEL, NUMA_NO_NODE);

		KT_EXPECT(t, p != NULL);
		kfree(p);
	}
}

static const struct ktest_case kmem_cache_cases[] = {
	KTEST_CASE(test_api),
	KTEST_CASE(test_constructor),
	KTEST_CASE(test_alignment),
	KTEST_CASE(test_destroy_in_use),
	KTEST_CASE(test_merging),
	KTEST_CASE(test_bulk),
	KTEST_CASE_SMP(test_remote_frees_all_harts, 2),
	KTEST_CASE(test_node_aware),
};
KTEST_SUITE(kmem_cache, kmem_cache_cases);
