// SPDX-License-Identifier: MIT
/*
 * Host tests of slab_debug=1 (mm/slab_debug.c): the switch itself, every
 * kmalloc size with red zones (alignment kept), reports of a red-zone
 * overrun, a write after free and a double free with the right object,
 * bytes and call sites (compared with the sites' addresses: the host has
 * no symbol table), repair after a report, named caches with constructors
 * and alignment, remote frees, bulk calls, and the accounting invariant.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "lib/types.h"
#include "mm/cache.h"
#include "mm/introspect.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/port.h"
#include "tests/host/mm_fixture.h"

#define ARENA	      (32UL << 20)
#define KT_FAIL(...)  ktest_fail(NULL, __FILE__, __LINE__, __VA_ARGS__)
#define KT_FAIL_NOW() KT_ASSERT(0)

/* fx_begin without a section, slab_debug on, then the section. */
static void debug_begin(unsigned int harts)
{
	fx_begin(harts, 0);
	KT_EXPECT_EQ(mm_set_slab_debug(true), 0);
	fx_arena = fx_map(ARENA, 1UL << 21, false);
	fx_arena_size = ARENA;
	if (!fx_arena || mm_add_section((uintptr_t)fx_arena, ARENA, 0, NULL, 0))
		KT_FAIL_NOW();
	mm_hart_init();
	mm_set_bad_use_mode(MM_BAD_USE_COUNT);
	fx_baseline();
	KT_EXPECT(mm_slab_debug_on());
	KT_EXPECT_EQ(mm_set_slab_debug(false), -EBUSY);
}

#define DEBUG_TEST(name, harts)        \
	static void name##_body(void); \
	static void name(void)         \
	{                              \
		debug_begin(harts);    \
		name##_body();         \
		fx_end();              \
	}                              \
	static void name##_body(void)

/* Within the first bytes of function @fn (the call returns there). */
static bool ip_in(uintptr_t ip, const void *fn)
{
	return ip > (uintptr_t)fn && ip - (uintptr_t)fn < 1024;
}

static void *__attribute__((noinline, noipa)) site_alloc(size_t n)
{
	void *p = kmalloc(n, GFP_KERNEL);

	__asm__ volatile("" ::: "memory");
	return p;
}

static void *__attribute__((noinline, noipa)) site_alloc2(size_t n)
{
	void *p = kmalloc(n, GFP_KERNEL);

	__asm__ volatile("" ::: "memory");
	return p;
}

static void __attribute__((noinline, noipa)) site_free(void *p)
{
	kfree(p);
	__asm__ volatile("" ::: "memory");
}

static void __attribute__((noinline, noipa)) site_free2(void *p)
{
	kfree(p);
	__asm__ volatile("" ::: "memory");
}

static unsigned long reports(void)
{
	struct mm_slab_debug_report r;

	mm_slab_debug_last(&r);
	return r.count;
}

MM_TEST(test_off_by_default, 1, 16 << 20)
{
	void *p = kmalloc(50, GFP_KERNEL);

	KT_EXPECT(!mm_slab_debug_on());
	KT_EXPECT_EQ(mm_set_slab_debug(true), -EBUSY);
	((char *)p)[50] = 1; /* no red zone: nothing reported */
	kfree(p);
	KT_EXPECT_EQ(reports(), 0);
}

DEBUG_TEST(test_every_size, 1)
{
	size_t n;

	for (n = 1; n <= 2048; n++) {
		unsigned char *p = kmalloc(n, GFP_KERNEL);

		KT_ASSERT(p);
		if (!(n & (n - 1)) && ((uintptr_t)p & (n - 1)))
			KT_FAIL("kmalloc(%zu) = %p not naturally aligned", n,
				(void *)p);
		memset(p, 0x5a, n);
		kfree(p);
	}
	KT_EXPECT_EQ(reports(), 0);
	KT_EXPECT_EQ(mm_bad_use_count(), 0);
}

DEBUG_TEST(test_red_zone, 1)
{
	struct mm_slab_debug_report r;
	char *p = site_alloc(50);

	KT_ASSERT(p);
	p[50] = 'x';
	p[55] = 'y';
	site_free(p);
	mm_slab_debug_last(&r);
	KT_EXPECT_EQ(r.count, 1);
	KT_EXPECT_EQ(r.kind, MM_SLAB_DEBUG_RED_ZONE);
	KT_EXPECT(r.object == p);
	KT_EXPECT_EQ(r.first_bad, 50);
	KT_EXPECT_EQ(r.last_bad, 55);
	KT_EXPECT_EQ(r.requested, 50);
	KT_EXPECT(r.cache && !strcmp(r.cache, "kmalloc-64"));
	KT_EXPECT(ip_in(r.alloc_ip, site_alloc));
	KT_EXPECT(ip_in(r.found_ip, site_free));
	KT_EXPECT_EQ(mm_bad_use_count(), 1);
	/* ksize() (and krealloc in place) hand over the whole class. */
	p = kmalloc(50, GFP_KERNEL);
	KT_EXPECT_EQ(ksize(p), 64);
	KT_EXPECT(krealloc(p, 60, GFP_KERNEL) == p);
	memset(p, 1, 60);
	kfree(p);
	KT_EXPECT_EQ(reports(), 1);
}

DEBUG_TEST(test_use_after_free, 1)
{
	struct mm_slab_debug_report r;
	char *p = site_alloc(300), *q;

	KT_ASSERT(p);
	site_free(p);
	p[100] = 0;
	q = site_alloc2(300);
	KT_EXPECT(q == p);
	mm_slab_debug_last(&r);
	KT_EXPECT_EQ(r.count, 1);
	KT_EXPECT_EQ(r.kind, MM_SLAB_DEBUG_USE_AFTER_FREE);
	KT_EXPECT(r.object == p);
	KT_EXPECT_EQ(r.first_bad, 100);
	KT_EXPECT_EQ(r.last_bad, 100);
	KT_EXPECT(ip_in(r.alloc_ip, site_alloc));
	KT_EXPECT(ip_in(r.free_ip, site_free));
	KT_EXPECT(ip_in(r.found_ip, site_alloc2));
	kfree(q);
	/* Repaired: its next life reports nothing. */
	q = kmalloc(300, GFP_KERNEL);
	kfree(q);
	KT_EXPECT_EQ(reports(), 1);
}

DEBUG_TEST(test_double_free, 1)
{
	struct mm_slab_debug_report r;
	char *p = site_alloc(8), *a, *b;

	KT_ASSERT(p);
	site_free(p);
	site_free2(p);
	mm_slab_debug_last(&r);
	KT_EXPECT_EQ(r.count, 1);
	KT_EXPECT_EQ(r.kind, MM_SLAB_DEBUG_DOUBLE_FREE);
	KT_EXPECT(r.object == p);
	KT_EXPECT(ip_in(r.alloc_ip, site_alloc));
	KT_EXPECT(ip_in(r.free_ip, site_free));
	KT_EXPECT(ip_in(r.found_ip, site_free2));
	KT_EXPECT_EQ(mm_bad_use_count(), 1);
	a = kmalloc(8, GFP_KERNEL);
	b = kmalloc(8, GFP_KERNEL);
	KT_EXPECT(a != b);
	kfree(a);
	kfree(b);
	/* Interior and foreign frees are still the ordinary reports. */
	a = kmalloc(64, GFP_KERNEL);
	kfree(a + 8);
	KT_EXPECT_EQ(mm_bad_use_count(), 2);
	kfree(a);
	KT_EXPECT_EQ(reports(), 1);
}

static void ctor(void *p)
{
	memset(p, 0x77, 30);
}

DEBUG_TEST(test_named_caches, 1)
{
	struct kmem_cache *a = kmem_cache_create("dbg_a", 30, 0, 0, ctor);
	struct kmem_cache *b = kmem_cache_create("dbg_b", 100, 256, 0, NULL);
	struct kmem_cache *m1 = kmem_cache_create("dbg_m1", 64, 0, 0, NULL);
	struct kmem_cache *m2 = kmem_cache_create("dbg_m2", 64, 0, 0, NULL);
	struct kmem_cache_stats st;
	struct mm_slab_debug_report r;
	unsigned char *p[50];
	unsigned int i, bad = 0;

	KT_ASSERT(a && b && m1 && m2);
	kmem_cache_get_stats(m1, &st);
	KT_EXPECT_EQ(st.users, 1); /* no merging while debugging */
	for (i = 0; i < 50; i++) {
		p[i] = kmem_cache_alloc(a, GFP_KERNEL);
		bad += p[i][0] != 0x77 || p[i][29] != 0x77;
	}
	KT_EXPECT_EQ(bad, 0);
	for (i = 0; i < 50; i++)
		kmem_cache_free(a, p[i]);
	for (i = 0; i < 50; i++) {
		p[i] = kmem_cache_alloc(b, GFP_KERNEL);
		bad += ((uintptr_t)p[i] & 255) != 0;
		memset(p[i], 3, 100);
	}
	KT_EXPECT_EQ(bad, 0);
	p[7][100] = 9;
	kmem_cache_free_bulk(b, 50, (void **)p);
	mm_slab_debug_last(&r);
	KT_EXPECT_EQ(r.count, 1);
	KT_EXPECT(r.object == p[7]);
	KT_EXPECT(r.cache && !strcmp(r.cache, "dbg_b"));
	KT_EXPECT_EQ(kmem_cache_alloc_bulk(m1, GFP_KERNEL, 50, (void **)p), 50);
	kmem_cache_free_bulk(m1, 50, (void **)p);
	KT_EXPECT_EQ(kmem_cache_destroy(a), 0);
	KT_EXPECT_EQ(kmem_cache_destroy(b), 0);
	KT_EXPECT_EQ(kmem_cache_destroy(m1), 0);
	KT_EXPECT_EQ(kmem_cache_destroy(m2), 0);
	KT_EXPECT_EQ(reports(), 1);
}

static void *remote[200];

static void alloc_remote(void *arg)
{
	unsigned int i;

	for (i = 0; i < 200; i++)
		remote[i] = kmalloc(40 + i, GFP_KERNEL);
}

static void drain(void *arg)
{
	mm_drain_this_hart(true);
}

DEBUG_TEST(test_remote_frees, 2)
{
	struct mm_slab_debug_report r;
	unsigned int i;

	fx_run_as_hart(1, alloc_remote, NULL);
	for (i = 0; i < 200; i++) {
		KT_ASSERT(remote[i]);
		memset(remote[i], 1, 40 + i);
	}
	for (i = 0; i < 200; i++)
		kfree(remote[i]);
	kfree(remote[5]); /* double free of another hart's object */
	mm_slab_debug_last(&r);
	KT_EXPECT_EQ(r.count, 1);
	KT_EXPECT_EQ(r.kind, MM_SLAB_DEBUG_DOUBLE_FREE);
	KT_EXPECT_EQ(r.alloc_hart, 1);
	KT_EXPECT_EQ(r.free_hart, 0);
	fx_run_as_hart(1, drain, NULL);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(test_off_by_default), KTAP_CASE(test_every_size),
	KTAP_CASE(test_red_zone),	KTAP_CASE(test_use_after_free),
	KTAP_CASE(test_double_free),	KTAP_CASE(test_named_caches),
	KTAP_CASE(test_remote_frees),
};

int main(void)
{
	return ktap_main("slab_debug", cases, ARRAY_SIZE(cases));
}
