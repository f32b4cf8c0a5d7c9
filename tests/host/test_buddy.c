// SPDX-License-Identifier: MIT
/* Host tests of mm/buddy.c and mm/section.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/errno.h"
#include "lib/types.h"
#include "mm/hart.h"
#include "mm/kmalloc.h"
#include "mm/introspect.h"
#include "mm/mm.h"
#include "mm/port.h"
#include "tests/host/mm_fixture.h"

#define MiB (1UL << 20)
#define GiB (1UL << 30)

static struct mm_section_info sec_info(unsigned int i)
{
	struct mm_section_info info;

	memset(&info, 0, sizeof(info));
	if (mm_get_section_info(i, &info))
		ktap_fail(__FILE__, __LINE__, "no section %u", i);
	return info;
}

/* Every order from 4 KiB to 1 GiB, aligned to its size, usable. */
MM_TEST(test_every_order, 1, 0)
{
	void *arena = fx_map(2 * GiB, GiB, false);
	unsigned int o;

	KT_ASSERT(arena);
	KT_ASSERT(mm_add_region((uintptr_t)arena, 2 * GiB) == 0);
	fx_baseline();
	for (o = 0; o < MM_NR_PAGE_ORDERS; o++) {
		size_t bytes = PAGE_SIZE << o;
		char *p = alloc_pages_order(o, GFP_KERNEL);

		KT_ASSERT(p);
		KT_EXPECT(((uintptr_t)p & (bytes - 1)) == 0);
		p[0] = 1;
		p[bytes - 1] = 2;
		KT_EXPECT_EQ(ksize(p), bytes);
		free_pages(p);
	}
	KT_EXPECT(alloc_pages_order(MM_NR_PAGE_ORDERS, GFP_KERNEL) == NULL);
}

/*
 * One 1 GiB block split down to 8 MiB: one free block per order 11..17
 * appears; freeing defers the merge (the next allocation of that order
 * takes the block back as it is), and a full drain merges them back into
 * the single 1 GiB block.
 */
MM_TEST(test_split_merge, 1, 0)
{
	char *arena = fx_map(2 * GiB, GiB, false);
	struct mm_range resv = { (uintptr_t)arena + 8 * MiB, GiB - 8 * MiB };
	struct mm_section_info a, b, c;
	unsigned int o;
	void *p;

	KT_ASSERT(arena);
	KT_ASSERT(mm_add_section((uintptr_t)arena, 2 * GiB, 0, &resv, 1) == 0);
	fx_baseline();
	a = sec_info(0);
	KT_EXPECT_EQ(a.nr_free[18], 1);
	p = alloc_pages_order(11, GFP_KERNEL);
	KT_ASSERT(p);
	KT_EXPECT((uintptr_t)p >= (uintptr_t)arena + GiB);
	b = sec_info(0);
	KT_EXPECT_EQ(b.nr_free[18], 0);
	for (o = 11; o < 18; o++)
		KT_EXPECT_EQ(b.nr_free[o], a.nr_free[o] + 1);
	KT_EXPECT_EQ(b.free_pages, a.free_pages - 2048);
	free_pages(p);
	/* Merging is deferred (mm/buddy.c): free, and counted, at once. */
	c = sec_info(0);
	KT_EXPECT_EQ(c.free_pages, a.free_pages);
	KT_EXPECT_EQ(c.nr_free[11], b.nr_free[11] + 1);
	/* The next allocation of that order takes it without a split. */
	p = alloc_pages_order(11, GFP_KERNEL);
	KT_ASSERT(p);
	c = sec_info(0);
	for (o = 0; o < MM_NR_PAGE_ORDERS; o++)
		KT_EXPECT_EQ(c.nr_free[o], b.nr_free[o]);
	free_pages(p);
	/* A full drain merges it back into the single 1 GiB block. */
	mm_drain_this_hart(true);
	c = sec_info(0);
	for (o = 0; o < MM_NR_PAGE_ORDERS; o++)
		KT_EXPECT_EQ(c.nr_free[o], a.nr_free[o]);
}

/* Exact page counts: n pages cost n pages, for every n up to 40. */
MM_TEST(test_exact_counts, 1, 64 << 20)
{
	unsigned int n;

	for (n = 2; n <= 40; n++) {
		uint64_t before = fx_free_bytes();
		char *p = alloc_pages(n, GFP_KERNEL);

		KT_ASSERT(p);
		memset(p, 0xa5, n * PAGE_SIZE);
		KT_EXPECT_EQ(before - fx_free_bytes(), n * PAGE_SIZE);
		KT_EXPECT_EQ(ksize(p), n * PAGE_SIZE);
		free_pages(p);
		KT_EXPECT_EQ(fx_free_bytes(), before);
	}
	KT_EXPECT(alloc_pages(0, GFP_KERNEL) == NULL);
	KT_EXPECT(alloc_pages((1UL << 18) + 1, GFP_KERNEL) == NULL);
}

/* Pages through the per-hart batch: zeroing, reuse, all come back. */
MM_TEST(test_page_batch, 1, 64 << 20)
{
	void *pages[200];
	unsigned int i;

	for (i = 0; i < 200; i++) {
		pages[i] = alloc_pages(1, i & 1 ? __GFP_ZERO : GFP_KERNEL);
		KT_ASSERT(pages[i]);
		KT_EXPECT(((uintptr_t)pages[i] & (PAGE_SIZE - 1)) == 0);
		if (i & 1) {
			char *c = pages[i];
			size_t j;

			for (j = 0; j < PAGE_SIZE; j++)
				if (c[j])
					break;
			KT_EXPECT_EQ(j, PAGE_SIZE);
		}
		memset(pages[i], 0x5a, PAGE_SIZE);
	}
	for (i = 0; i < 200; i++)
		free_pages(pages[i]);
}

/* __GFP_LOWMEM picks memory below 4 GiB even when a high section is
 * preferred (added first). */
MM_TEST(test_lowmem, 1, 0)
{
	char *high = fx_map(64 * MiB, 2 * MiB, false);
	char *low = fx_map(64 * MiB, 2 * MiB, true);
	void *p, *q, *r, *s;

	if (!low || (uintptr_t)low + 64 * MiB > (1ULL << 32) ||
	    (uintptr_t)high < (1ULL << 32)) {
		ktap_skip("no MAP_32BIT arena on this host");
		return;
	}
	KT_ASSERT(mm_add_region((uintptr_t)high, 64 * MiB) == 0);
	KT_ASSERT(mm_add_region((uintptr_t)low, 64 * MiB) == 0);
	fx_baseline();
	p = alloc_pages(3, __GFP_LOWMEM);
	q = alloc_pages(1, __GFP_LOWMEM | __GFP_ZERO);
	r = kmalloc(100, __GFP_LOWMEM);
	s = alloc_pages(3, GFP_KERNEL);
	KT_ASSERT(p && q && r && s);
	KT_EXPECT((uintptr_t)p + 3 * PAGE_SIZE <= (1ULL << 32));
	KT_EXPECT((uintptr_t)q + PAGE_SIZE <= (1ULL << 32));
	KT_EXPECT((uintptr_t)r + 100 <= (1ULL << 32));
	KT_EXPECT((uintptr_t)s >= (1ULL << 32)); /* first section first */
	kfree(r);
	free_pages(q);
	free_pages(p);
	kfree(s);
}

/* Exhaust pages and objects, get NULL (no panic), free all: recovered. */
MM_TEST(test_exhaustion_recovery, 1, 8 << 20)
{
	size_t cap = 8 << 20 >> PAGE_SHIFT, n = 0, m = 0, i;
	void **pages = calloc(cap, sizeof(void *));
	void **objs = calloc(cap * 64, sizeof(void *));
	void *p;

	KT_ASSERT(pages && objs);
	while (n < cap && (p = alloc_pages(1 + (n % 3), GFP_KERNEL)))
		pages[n++] = p;
	/* Exact counts leave single pages behind: take those too. */
	while (n < cap && (p = alloc_pages(1, GFP_KERNEL)))
		pages[n++] = p;
	KT_EXPECT(n > 0 && n < cap);
	KT_EXPECT(alloc_pages(1, GFP_KERNEL) == NULL);
	KT_EXPECT(kmalloc(64, GFP_KERNEL) == NULL);
	for (i = 0; i < n; i++)
		free_pages(pages[i]);
	while (m < cap * 64 && (p = kmalloc(200, GFP_KERNEL)))
		objs[m++] = p;
	KT_EXPECT(m > 1000);
	for (i = 0; i < m; i++)
		kfree(objs[i]);
	mm_drain_this_hart(true);
	/* Everything is back: a block of nearly the arena's size again. */
	p = alloc_pages(n / 2, GFP_KERNEL);
	KT_EXPECT(p != NULL);
	free_pages(p);
	free(pages);
	free(objs);
}

static bool in_range(uintptr_t p, size_t len, uintptr_t b, size_t blen)
{
	return p < b + blen && b < p + len;
}

/*
 * Three sections with holes between them; reserved ranges inside (one at
 * the very start, like OpenSBI, one splitting the region): never handed
 * out, and the split costs no second prefix.
 */
MM_TEST(test_sections_with_holes, 1, 0)
{
	char *big = fx_map(96 * MiB, 2 * MiB, false);
	struct mm_range resv[2];
	struct mm_section_info i0, i1;
	uintptr_t a0, a1, a2;
	size_t n = 0, k;
	void **got;
	void *p;

	KT_ASSERT(big);
	a0 = (uintptr_t)big;
	a1 = a0 + 40 * MiB; /* hole of 8 MiB before */
	a2 = a1 + 40 * MiB; /* hole of 8 MiB before */
	resv[0].base = a0;
	resv[0].size = 512 * 1024;
	resv[1].base = a0 + 16 * MiB;
	resv[1].size = 4 * MiB;
	KT_ASSERT(mm_add_section(a0, 32 * MiB, 0, resv, 2) == 0);
	KT_ASSERT(mm_add_section(a1, 32 * MiB, 0, NULL, 0) == 0);
	KT_ASSERT(mm_add_section(a2, 16 * MiB, 1, NULL, 0) == 0);
	fx_baseline();
	i0 = sec_info(0);
	i1 = sec_info(1);
	/*
	 * Same size, same prefix, whatever the reserved ranges: section 0
	 * only adds hart 0's slot (rounded up to pages) to section 1's.
	 */
	KT_EXPECT(i0.meta_bytes >= i1.meta_bytes);
	KT_EXPECT(i0.meta_bytes <=
		  i1.meta_bytes + align_up(mm_hart_slot_size(), PAGE_SIZE));
	KT_EXPECT_EQ(i0.managed_pages * PAGE_SIZE + i0.meta_bytes + 512 * 1024 +
			     4 * MiB,
		     32 * MiB);
	got = calloc(100 * MiB / PAGE_SIZE, sizeof(void *));
	KT_ASSERT(got);
	while ((p = alloc_pages(1 + n % 5, GFP_KERNEL))) {
		size_t len = (1 + n % 5) * PAGE_SIZE;

		KT_EXPECT(!in_range((uintptr_t)p, len, resv[0].base,
				    resv[0].size));
		KT_EXPECT(!in_range((uintptr_t)p, len, resv[1].base,
				    resv[1].size));
		KT_EXPECT(!in_range((uintptr_t)p, len, a0 + 32 * MiB, 8 * MiB));
		KT_EXPECT(!in_range((uintptr_t)p, len, a1 + 32 * MiB, 8 * MiB));
		KT_EXPECT(!in_range((uintptr_t)p, len, a0 + 512 * 1024,
				    i0.meta_bytes));
		memset(p, 0x11, len);
		got[n++] = p;
	}
	KT_EXPECT(n > 0);
	for (k = 0; k < n; k++)
		free_pages(got[k]);
	free(got);
	/* Addresses in the holes and reserved ranges are not mm's. */
	mm_set_bad_use_mode(MM_BAD_USE_COUNT);
	port_host_set_quiet(true);
	kfree((void *)(a0 + 33 * MiB));
	kfree((void *)(resv[1].base + PAGE_SIZE));
	kfree((void *)(a0 + PAGE_SIZE));
	port_host_set_quiet(false);
	KT_EXPECT_EQ(mm_bad_use_count(), 3);
}

/* mm_add_region refuses overlaps and ranges too small for their metadata. */
MM_TEST(test_add_region_refusals, 1, 32 << 20)
{
	uintptr_t a = (uintptr_t)fx_arena;
	char *more = fx_map(64 * MiB, 2 * MiB, false);
	uint64_t managed;
	struct mm_totals t;
	unsigned int i;

	KT_ASSERT(more);
	KT_EXPECT_EQ(mm_add_region(a, 32 << 20), -EINVAL);
	KT_EXPECT_EQ(mm_add_region(a + MiB, MiB), -EINVAL);
	KT_EXPECT_EQ(mm_add_region(a - MiB, 2 * MiB), -EINVAL);
	KT_EXPECT_EQ(mm_add_region((uintptr_t)more, PAGE_SIZE), -EINVAL);
	KT_EXPECT_EQ(mm_add_region((uintptr_t)more, 0), -EINVAL);
	KT_EXPECT_EQ(mm_add_region((uintptr_t)more + 100, 100), -EINVAL);
	mm_get_totals(&t);
	managed = t.managed_bytes;
	/* Hot add: grows, and the new memory is used. */
	KT_EXPECT_EQ(mm_add_region((uintptr_t)more, 8 * MiB), 0);
	mm_get_totals(&t);
	KT_EXPECT(t.managed_bytes > managed);
	KT_EXPECT(t.managed_bytes - managed < 8 * MiB);
	fx_baseline();
	/* The table fills up: 30 more small sections then -ENOSPC. */
	for (i = 0; i < MM_MAX_SECTIONS - 2; i++)
		KT_EXPECT_EQ(
			mm_add_region((uintptr_t)more + 8 * MiB + i * MiB, MiB),
			0);
	KT_EXPECT_EQ(mm_add_region((uintptr_t)more + 40 * MiB, MiB), -ENOSPC);
	fx_baseline();
}

/* The report lines have exactly the agreed format. */
MM_TEST(test_report_format, 2, 16 << 20)
{
	char path[] = "/tmp/mmreportXXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	char line[512];
	unsigned long long base, size, meta, managed, mb, fb, xb;
	int node, sections = 0, totals = 0;
	struct mm_totals t;
	FILE *f;

	KT_ASSERT(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, 2);
	mm_report();
	mm_print_buddyinfo();
	mm_print_slabinfo(true);
	fflush(stderr);
	dup2(saved, 2);
	f = fdopen(fd, "r");
	KT_ASSERT(f);
	rewind(f);
	mm_get_totals(&t);
	while (fgets(line, sizeof(line), f)) {
		char check[512];

		if (sscanf(line,
			   "mm: section base=0x%llx size=0x%llx meta=0x%llx "
			   "managed_pages=%llu node=%d",
			   &base, &size, &meta, &managed, &node) == 5) {
			snprintf(check, sizeof(check),
				 "mm: section base=0x%llx size=0x%llx "
				 "meta=0x%llx "
				 "managed_pages=%llu node=%d\n",
				 base, size, meta, managed, node);
			KT_EXPECT(strcmp(check, line) == 0);
			KT_EXPECT_EQ(base, (uintptr_t)fx_arena);
			KT_EXPECT_EQ(size, 16 << 20);
			KT_EXPECT_EQ(meta + managed * PAGE_SIZE, 16 << 20);
			sections++;
		}
		if (sscanf(line,
			   "mm: managed_bytes=%llu free_bytes=%llu "
			   "meta_bytes=%llu",
			   &mb, &fb, &xb) == 3) {
			KT_EXPECT_EQ(mb, t.managed_bytes);
			KT_EXPECT_EQ(fb, t.free_bytes);
			KT_EXPECT_EQ(xb, t.meta_bytes);
			totals++;
		}
	}
	KT_EXPECT_EQ(sections, 1);
	KT_EXPECT_EQ(totals, 1);
	fclose(f);
	unlink(path);
}

/* Metadata stays a small fraction: under 0.5% of a 1 GiB region. */
MM_TEST(test_meta_fraction, 4, 0)
{
	void *arena = fx_map(GiB, 2 * MiB, false);
	struct mm_section_info i;

	KT_ASSERT(arena);
	KT_ASSERT(mm_add_region((uintptr_t)arena, GiB) == 0);
	fx_baseline();
	i = sec_info(0);
	ktap_diag("1 GiB section with 4 hart slots: meta %llu bytes (%.3f%%)",
		  (unsigned long long)i.meta_bytes, 100.0 * i.meta_bytes / GiB);
	KT_EXPECT(i.meta_bytes * 200 < GiB);
	KT_EXPECT_EQ(i.nr_hart_slots, 4);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(test_every_order),
	KTAP_CASE(test_split_merge),
	KTAP_CASE(test_exact_counts),
	KTAP_CASE(test_page_batch),
	KTAP_CASE(test_lowmem),
	KTAP_CASE(test_exhaustion_recovery),
	KTAP_CASE(test_sections_with_holes),
	KTAP_CASE(test_add_region_refusals),
	KTAP_CASE(test_report_format),
	KTAP_CASE(test_meta_fraction),
};

int main(void)
{
	return ktap_main("buddy", cases, ARRAY_SIZE(cases));
}
