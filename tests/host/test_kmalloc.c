// SPDX-License-Identifier: MIT
/* Host tests of the kmalloc API (mm/kmalloc.c): edge cases. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/types.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/port.h"
#include "mm/slab.h"
#include "tests/host/mm_fixture.h"

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i])
			return false;
	return true;
}

/* kmalloc(0): a unique minimal object (documented in kmalloc.h). */
MM_TEST(test_kmalloc_zero, 1, 16 << 20)
{
	void *a = kmalloc(0, GFP_KERNEL), *b = kmalloc(0, GFP_KERNEL);

	KT_ASSERT(a && b);
	KT_EXPECT(a != b);
	KT_EXPECT_EQ(ksize(a), 8);
	kfree(a);
	kfree(b);
	a = kzalloc(0, GFP_KERNEL);
	KT_ASSERT(a);
	kfree(a);
}

/* Impossible sizes fail cleanly (NULL, no panic, nothing leaked). */
MM_TEST(test_kmalloc_huge, 1, 16 << 20)
{
	mm_set_bad_use_mode(MM_BAD_USE_COUNT);
	KT_EXPECT(kmalloc(SIZE_MAX, GFP_KERNEL) == NULL);
	KT_EXPECT(kmalloc(SIZE_MAX - 4095, GFP_KERNEL) == NULL);
	KT_EXPECT(kmalloc((size_t)1 << 40, GFP_KERNEL) == NULL);
	KT_EXPECT(kmalloc(32 << 20, GFP_KERNEL) == NULL); /* > arena */
	KT_EXPECT(kzalloc(SIZE_MAX, GFP_KERNEL) == NULL);
	KT_EXPECT(alloc_pages(SIZE_MAX, GFP_KERNEL) == NULL);
	KT_EXPECT_EQ(mm_bad_use_count(), 0);
}

MM_TEST(test_kcalloc_overflow, 1, 16 << 20)
{
	uint32_t *p;
	size_t i;

	KT_EXPECT(kcalloc(SIZE_MAX / 2, 3, GFP_KERNEL) == NULL);
	KT_EXPECT(kcalloc(3, SIZE_MAX / 2, GFP_KERNEL) == NULL);
	KT_EXPECT(kmalloc_array((size_t)1 << 33, (size_t)1 << 33, 0) == NULL);
	KT_EXPECT(kmalloc_array(SIZE_MAX, 2, GFP_KERNEL) == NULL);
	/* Dirty a slab, then kcalloc must still hand out zeroes. */
	p = kmalloc(400, GFP_KERNEL);
	KT_ASSERT(p);
	memset(p, 0xff, 400);
	kfree(p);
	p = kcalloc(100, sizeof(*p), GFP_KERNEL);
	KT_ASSERT(p);
	for (i = 0; i < 100; i++)
		KT_EXPECT_EQ(p[i], 0);
	kfree(p);
	p = kmalloc_array(1000, 8, GFP_KERNEL);
	KT_ASSERT(p);
	KT_EXPECT(ksize(p) >= 8000);
	kfree(p);
}

MM_TEST(test_kzalloc_zeroes, 1, 16 << 20)
{
	size_t sizes[] = { 8, 100, 2048, 3000, 70000 }, i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		void *p = kmalloc(sizes[i], GFP_KERNEL);

		KT_ASSERT(p);
		memset(p, 0xee, sizes[i]);
		kfree(p);
		p = kzalloc(sizes[i], GFP_KERNEL);
		KT_ASSERT(p);
		KT_EXPECT(all_zero(p, sizes[i]));
		kfree(p);
	}
}

MM_TEST(test_krealloc, 1, 32 << 20)
{
	char *p, *q;
	uint64_t before;
	size_t i;

	/* NULL: like kmalloc. */
	p = krealloc(NULL, 40, GFP_KERNEL);
	KT_ASSERT(p);
	KT_EXPECT_EQ(ksize(p), 48);
	memset(p, 'a', 40);
	/* Within the class: in place. */
	q = krealloc(p, 48, GFP_KERNEL);
	KT_EXPECT(q == p);
	/* Down: in place. */
	q = krealloc(p, 10, GFP_KERNEL);
	KT_EXPECT(q == p);
	/* Up, across classes and into pages: contents kept. */
	q = krealloc(p, 1000, __GFP_ZERO);
	KT_ASSERT(q);
	KT_EXPECT(q != p);
	for (i = 0; i < 40; i++)
		KT_EXPECT_EQ(q[i], 'a');
	KT_EXPECT(all_zero(q + 48, 1000 - 48));
	p = krealloc(q, 50000, GFP_KERNEL);
	KT_ASSERT(p);
	for (i = 0; i < 40; i++)
		KT_EXPECT_EQ(p[i], 'a');
	KT_EXPECT_EQ(ksize(p), 13 * 4096);
	/* A page run shrinks in place and gives its tail back. */
	before = fx_free_bytes();
	q = krealloc(p, 9000, GFP_KERNEL);
	KT_EXPECT(q == p);
	KT_EXPECT_EQ(ksize(q), 3 * 4096);
	KT_EXPECT_EQ(fx_free_bytes() - before, 10 * 4096);
	/* Size 0: freed, NULL. */
	KT_EXPECT(krealloc(q, 0, GFP_KERNEL) == NULL);
	/* Failure leaves the old object alone. */
	p = kmalloc(100, GFP_KERNEL);
	KT_ASSERT(p);
	strcpy(p, "keep");
	KT_EXPECT(krealloc(p, SIZE_MAX, GFP_KERNEL) == NULL);
	KT_EXPECT(strcmp(p, "keep") == 0);
	kfree(p);
}

/* Large sizes: pages, exact counts, power-of-two sizes aligned. */
MM_TEST(test_large_and_alignment, 1, 64 << 20)
{
	size_t s;
	void *p;

	p = kmalloc(3000, GFP_KERNEL);
	KT_ASSERT(p);
	KT_EXPECT_EQ(ksize(p), 4096);
	kfree(p);
	p = kmalloc(5 * 4096 - 1, GFP_KERNEL);
	KT_ASSERT(p);
	KT_EXPECT_EQ(ksize(p), 5 * 4096);
	kfree(p);
	for (s = 8; s <= (8 << 20); s <<= 1) {
		p = kmalloc(s, GFP_KERNEL);
		KT_ASSERT(p);
		KT_EXPECT(((uintptr_t)p & (s - 1)) == 0);
		memset(p, 1, s);
		kfree(p);
	}
	for (s = 1; s < 5000; s += 7) {
		p = kmalloc(s, GFP_KERNEL);
		KT_ASSERT(p);
		KT_EXPECT(((uintptr_t)p & 7) == 0);
		kfree(p);
	}
}

/*
 * kmalloc.h's constant-expression class table agrees with slab.c's for
 * every size, and a constant-size kmalloc (resolved at the call site)
 * hands out an object of its class.
 */
MM_TEST(test_constant_size_classes, 1, 16 << 20)
{
	size_t s;
	void *p;

	for (s = 1; s <= 2048; s++)
		KT_EXPECT_EQ(KMALLOC_CLASS_IDX(s), slab_class_of(s));
	p = kmalloc(100, GFP_KERNEL);
	KT_ASSERT(p);
	KT_EXPECT_EQ(ksize(p), 112);
	kfree(p);
	p = kmalloc(2048, GFP_KERNEL);
	KT_ASSERT(p);
	KT_EXPECT_EQ(ksize(p), 2048);
	KT_EXPECT(((uintptr_t)p & 2047) == 0);
	kfree(p);
}

MM_TEST(test_null_frees, 1, 16 << 20)
{
	mm_set_bad_use_mode(MM_BAD_USE_COUNT);
	kfree(NULL);
	free_pages(NULL);
	KT_EXPECT_EQ(ksize(NULL), 0);
	KT_EXPECT_EQ(mm_bad_use_count(), 0);
}

/* Out of memory asks the other harts to drain (kick) before giving up. */
MM_TEST(test_oom_kicks_others, 2, 8 << 20)
{
	unsigned long kicks = port_host_kicks();
	void *p;

	p = alloc_pages(1UL << 12, GFP_KERNEL); /* 16 MiB: cannot fit */
	KT_EXPECT(p == NULL);
	KT_EXPECT(port_host_kicks() > kicks);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(test_kmalloc_zero),
	KTAP_CASE(test_kmalloc_huge),
	KTAP_CASE(test_kcalloc_overflow),
	KTAP_CASE(test_kzalloc_zeroes),
	KTAP_CASE(test_krealloc),
	KTAP_CASE(test_large_and_alignment),
	KTAP_CASE(test_constant_size_classes),
	KTAP_CASE(test_null_frees),
	KTAP_CASE(test_oom_kicks_others),
};

int main(void)
{
	return ktap_main("kmalloc", cases, ARRAY_SIZE(cases));
}
