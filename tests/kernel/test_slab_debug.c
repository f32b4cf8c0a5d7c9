// SPDX-License-Identifier: MIT
/*
 * KTAP suite "slab_debug": with slab_debug=1 on the command line, damage
 * objects on purpose (a red-zone overrun, a write after free, a double
 * free, on kmalloc and on a named cache, locally and across harts) and
 * check that each is reported once, as the right kind, on the right
 * object and bytes, with the call sites of the object's allocation and
 * free and of the call that found it, named by the kernel's symbol table.
 * Bad use is counted, not fatal, while a case runs.  Without slab_debug=1
 * every case is skipped.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "kernel/hart.h"
#include "kernel/ksyms.h"
#include "kernel/ktest.h"
#include "kernel/smp.h"
#include "mm/cache.h"
#include "mm/introspect.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"

static bool debug_on(struct ktest *t)
{
	if (mm_slab_debug_on()) {
		mm_set_bad_use_mode(MM_BAD_USE_COUNT);
		return true;
	}
	ktest_skip(t, "needs slab_debug=1 on the command line");
	return false;
}

static void debug_done(void)
{
	mm_set_bad_use_mode(MM_BAD_USE_PANIC);
}

/* Is @ip inside the function named @name (by the symbol table)? */
static bool site_is(uintptr_t ip, const char *name)
{
	unsigned long off;
	const char *sym = ksyms_lookup(ip, &off);

	if (!sym || strcmp(sym, name)) {
		ktest_diag("call site 0x%lx is %s, expected %s",
			   (unsigned long)ip, sym ? sym : "(no symbol)", name);
		return false;
	}
	return true;
}

/* The call sites, each its own function so that its name is checked. */
static void *__attribute__((noinline, noipa)) site_alloc(size_t size)
{
	void *p = kmalloc(size, GFP_KERNEL);

	__asm__ volatile("" ::: "memory"); /* no tail call: ra is here */
	return p;
}

static void __attribute__((noinline, noipa)) site_free(void *p)
{
	kfree(p);
	__asm__ volatile("" ::: "memory");
}

static void __attribute__((noinline, noipa)) site_free_again(void *p)
{
	kfree(p);
	__asm__ volatile("" ::: "memory");
}

static void *__attribute__((noinline, noipa)) site_realloc(size_t size)
{
	void *p = kmalloc(size, GFP_KERNEL);

	__asm__ volatile("" ::: "memory");
	return p;
}

/* A new report since @before, of @kind, on @obj: fetched into @r. */
static bool got_report(struct ktest *t, unsigned long before,
		       enum mm_slab_debug_kind kind, const void *obj,
		       struct mm_slab_debug_report *r)
{
	mm_slab_debug_last(r);
	KT_EXPECT_EQ(t, r->count, before + 1);
	KT_EXPECT_EQ(t, r->kind, kind);
	KT_EXPECT(t, r->object == obj);
	return r->count == before + 1 && r->kind == kind && r->object == obj;
}

static void test_red_zone_overrun(struct ktest *t)
{
	struct mm_slab_debug_report r;
	unsigned long bad;
	char *p;

	if (!debug_on(t))
		return;
	mm_slab_debug_last(&r);
	bad = mm_bad_use_count();
	p = site_alloc(50);
	KT_ASSERT(t, p);
	memset(p, 1, 50);
	p[50] = 'A'; /* two bytes past the request, inside the class */
	p[51] = 'B';
	site_free(p);
	if (got_report(t, r.count, MM_SLAB_DEBUG_RED_ZONE, p, &r)) {
		KT_EXPECT_EQ(t, r.first_bad, 50);
		KT_EXPECT_EQ(t, r.last_bad, 51);
		KT_EXPECT_EQ(t, r.requested, 50);
		KT_EXPECT(t, !strcmp(r.cache, "kmalloc-64"));
		KT_EXPECT(t, site_is(r.alloc_ip, "site_alloc"));
		KT_EXPECT(t, site_is(r.found_ip, "site_free"));
	}
	KT_EXPECT_EQ(t, mm_bad_use_count(), bad + 1);

	/* Past the whole class: the red zone after the object. */
	mm_slab_debug_last(&r);
	p = site_alloc(64);
	KT_ASSERT(t, p);
	p[64 + 3] = 0;
	site_free(p);
	if (got_report(t, r.count, MM_SLAB_DEBUG_RED_ZONE, p, &r)) {
		KT_EXPECT_EQ(t, r.first_bad, 67);
		KT_EXPECT(t, site_is(r.alloc_ip, "site_alloc"));
		KT_EXPECT(t, site_is(r.found_ip, "site_free"));
	}
	/* Repaired: the next life of the object is clean. */
	bad = mm_bad_use_count();
	p = site_alloc(64);
	site_free(p);
	KT_EXPECT_EQ(t, mm_bad_use_count(), bad);
	debug_done();
}

static void test_use_after_free(struct ktest *t)
{
	struct mm_slab_debug_report r;
	unsigned long bad;
	char *p, *q;

	if (!debug_on(t))
		return;
	mm_slab_debug_last(&r);
	bad = mm_bad_use_count();
	p = site_alloc(100);
	KT_ASSERT(t, p);
	site_free(p);
	p[20] = 0x42; /* after the free */
	p[23] = 0x43;
	/* The freed object is the next one handed out (LIFO free list). */
	q = site_realloc(100);
	KT_EXPECT(t, q == p);
	if (got_report(t, r.count, MM_SLAB_DEBUG_USE_AFTER_FREE, p, &r)) {
		KT_EXPECT_EQ(t, r.first_bad, 20);
		KT_EXPECT_EQ(t, r.last_bad, 23);
		KT_EXPECT(t, !strcmp(r.cache, "kmalloc-112"));
		KT_EXPECT(t, site_is(r.alloc_ip, "site_alloc"));
		KT_EXPECT(t, site_is(r.free_ip, "site_free"));
		KT_EXPECT(t, site_is(r.found_ip, "site_realloc"));
	}
	KT_EXPECT_EQ(t, mm_bad_use_count(), bad + 1);
	kfree(q);
	debug_done();
}

static void test_double_free(struct ktest *t)
{
	struct mm_slab_debug_report r;
	unsigned long bad;
	void *p, *a, *b;

	if (!debug_on(t))
		return;
	mm_slab_debug_last(&r);
	bad = mm_bad_use_count();
	p = site_alloc(200);
	KT_ASSERT(t, p);
	site_free(p);
	site_free_again(p);
	if (got_report(t, r.count, MM_SLAB_DEBUG_DOUBLE_FREE, p, &r)) {
		KT_EXPECT(t, site_is(r.alloc_ip, "site_alloc"));
		KT_EXPECT(t, site_is(r.free_ip, "site_free"));
		KT_EXPECT(t, site_is(r.found_ip, "site_free_again"));
	}
	KT_EXPECT_EQ(t, mm_bad_use_count(), bad + 1);
	/* Not freed twice: two allocations get two objects. */
	a = kmalloc(200, GFP_KERNEL);
	b = kmalloc(200, GFP_KERNEL);
	KT_EXPECT(t, a && b && a != b);
	kfree(a);
	kfree(b);
	debug_done();
}

static struct kmem_cache *__attribute__((noinline, noipa))
site_cache_create(void)
{
	struct kmem_cache *c = kmem_cache_create("ktest_dbg", 40, 0, 0, NULL);

	__asm__ volatile("" ::: "memory");
	return c;
}

static void *__attribute__((noinline, noipa))
site_cache_alloc(struct kmem_cache *c)
{
	void *p = kmem_cache_alloc(c, GFP_KERNEL);

	__asm__ volatile("" ::: "memory");
	return p;
}

static void __attribute__((noinline, noipa))
site_cache_free(struct kmem_cache *c, void *p)
{
	kmem_cache_free(c, p);
	__asm__ volatile("" ::: "memory");
}

static void test_named_cache(struct ktest *t)
{
	struct kmem_cache *c = site_cache_create();
	struct mm_slab_debug_report r;
	char *p;

	if (!debug_on(t)) {
		kmem_cache_destroy(c);
		return;
	}
	KT_ASSERT(t, c);
	mm_slab_debug_last(&r);
	p = site_cache_alloc(c);
	KT_ASSERT(t, p);
	p[40] = 1; /* one byte past the object */
	site_cache_free(c, p);
	if (got_report(t, r.count, MM_SLAB_DEBUG_RED_ZONE, p, &r)) {
		KT_EXPECT(t, !strcmp(r.cache, "ktest_dbg"));
		KT_EXPECT_EQ(t, r.first_bad, 40);
		KT_EXPECT(t, site_is(r.alloc_ip, "site_cache_alloc"));
		KT_EXPECT(t, site_is(r.found_ip, "site_cache_free"));
	}
	mm_slab_debug_last(&r);
	site_cache_free(c, p);
	if (got_report(t, r.count, MM_SLAB_DEBUG_DOUBLE_FREE, p, &r)) {
		KT_EXPECT(t, site_is(r.free_ip, "site_cache_free"));
	}
	KT_EXPECT_EQ(t, kmem_cache_destroy(c), 0);
	debug_done();
}

/* Allocated on another hart, freed here, freed again on the other. */
static void *remote_obj;

static void remote_alloc(void *arg)
{
	remote_obj = site_alloc(24);
}

static void remote_free_again(void *arg)
{
	site_free_again(remote_obj);
}

static void test_across_harts(struct ktest *t)
{
	unsigned int other = smp_other_online_hart();
	struct mm_slab_debug_report r;

	if (!debug_on(t))
		return;
	mm_slab_debug_last(&r);
	KT_ASSERT(t, smp_run_on(other, remote_alloc, NULL) == 0);
	smp_wait(other);
	KT_ASSERT(t, remote_obj);
	site_free(remote_obj); /* a remote free into the other's slab */
	KT_ASSERT(t, smp_run_on(other, remote_free_again, NULL) == 0);
	smp_wait(other);
	if (got_report(t, r.count, MM_SLAB_DEBUG_DOUBLE_FREE, remote_obj, &r)) {
		KT_EXPECT_EQ(t, r.alloc_hart, hart_by_index(other)->hartid);
		KT_EXPECT_EQ(t, r.free_hart, this_hart()->hartid);
		KT_EXPECT(t, site_is(r.alloc_ip, "site_alloc"));
		KT_EXPECT(t, site_is(r.free_ip, "site_free"));
		KT_EXPECT(t, site_is(r.found_ip, "site_free_again"));
	}
	debug_done();
}

static const struct ktest_case slab_debug_cases[] = {
	KTEST_CASE(test_red_zone_overrun),    KTEST_CASE(test_use_after_free),
	KTEST_CASE(test_double_free),	      KTEST_CASE(test_named_cache),
	KTEST_CASE_SMP(test_across_harts, 2),
};
KTEST_SUITE(slab_debug, slab_debug_cases);
