// SPDX-License-Identifier: MIT
/*
 * Host tests of kernel/memblock.c: merging of adjacent, touching and
 * overlapping ranges, both ends of the address space, full arrays,
 * remove splitting, and the allocator's alignment, limits and exhaustion.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "kernel/memblock.h"
#include "tests/host/ktap_host.h"

#define TOP ((phys_addr_t)-1)

static struct memblock mb;

/* Expect @t to hold exactly the @n (base, size) pairs in @want. */
static void expect_regions(const struct memblock_type *t, const char *what,
			   const phys_addr_t *want, unsigned int n, int line)
{
	unsigned int i;

	if (t->cnt != n) {
		ktap_fail(__FILE__, line, "%s: %u regions, want %u", what,
			  t->cnt, n);
		return;
	}
	for (i = 0; i < n; i++)
		if (t->regions[i].base != want[2 * i] ||
		    t->regions[i].size != want[2 * i + 1])
			ktap_fail(__FILE__, line,
				  "%s[%u] = 0x%llx+0x%llx, want 0x%llx+0x%llx",
				  what, i,
				  (unsigned long long)t->regions[i].base,
				  (unsigned long long)t->regions[i].size,
				  (unsigned long long)want[2 * i],
				  (unsigned long long)want[2 * i + 1]);
}

#define EXPECT_MEM(...)                                                      \
	do {                                                                 \
		static const phys_addr_t _w[] = { __VA_ARGS__ };             \
		expect_regions(&mb.memory, "memory", _w, ARRAY_SIZE(_w) / 2, \
			       __LINE__);                                    \
	} while (0)

#define EXPECT_RESV(...)                                         \
	do {                                                     \
		static const phys_addr_t _w[] = { __VA_ARGS__ }; \
		expect_regions(&mb.reserved, "reserved", _w,     \
			       ARRAY_SIZE(_w) / 2, __LINE__);    \
	} while (0)

static void test_add_sorted(void)
{
	memblock_init(&mb);
	KT_EXPECT_EQ(mb.memory.cnt, 0);
	KT_EXPECT_EQ(memblock_add(&mb, 0x3000, 0x1000), 0);
	KT_EXPECT_EQ(memblock_add(&mb, 0x1000, 0x800), 0);
	KT_EXPECT_EQ(memblock_add(&mb, 0x8000, 0x1000), 0);
	EXPECT_MEM(0x1000, 0x800, 0x3000, 0x1000, 0x8000, 0x1000);
	KT_EXPECT_EQ(mb.reserved.cnt, 0);
}

static void test_add_touching_merges(void)
{
	memblock_init(&mb);
	KT_EXPECT_EQ(memblock_add(&mb, 0x1000, 0x1000), 0);
	KT_EXPECT_EQ(memblock_add(&mb, 0x2000, 0x1000), 0); /* after */
	KT_EXPECT_EQ(memblock_add(&mb, 0x0, 0x1000), 0);    /* before */
	EXPECT_MEM(0x0, 0x3000);
	/* Fills the hole between two: three become one. */
	KT_EXPECT_EQ(memblock_add(&mb, 0x5000, 0x1000), 0);
	KT_EXPECT_EQ(memblock_add(&mb, 0x3000, 0x2000), 0);
	EXPECT_MEM(0x0, 0x6000);
	/* One byte apart: no merge. */
	KT_EXPECT_EQ(memblock_add(&mb, 0x6001, 0x1000), 0);
	EXPECT_MEM(0x0, 0x6000, 0x6001, 0x1000);
}

static void test_add_overlapping_merges(void)
{
	memblock_init(&mb);
	KT_EXPECT_EQ(memblock_add(&mb, 0x1000, 0x1000), 0);
	KT_EXPECT_EQ(memblock_add(&mb, 0x4000, 0x1000), 0);
	KT_EXPECT_EQ(memblock_add(&mb, 0x7000, 0x1000), 0);
	KT_EXPECT_EQ(memblock_add(&mb, 0x1800, 0x1000), 0); /* tail */
	EXPECT_MEM(0x1000, 0x1800, 0x4000, 0x1000, 0x7000, 0x1000);
	KT_EXPECT_EQ(memblock_add(&mb, 0x4100, 0x100), 0); /* inside */
	EXPECT_MEM(0x1000, 0x1800, 0x4000, 0x1000, 0x7000, 0x1000);
	KT_EXPECT_EQ(memblock_add(&mb, 0x3000, 0x4800), 0); /* spans */
	EXPECT_MEM(0x1000, 0x1800, 0x3000, 0x5000);
	KT_EXPECT_EQ(memblock_add(&mb, 0x0, 0x10000), 0); /* covers all */
	EXPECT_MEM(0x0, 0x10000);
}

static void test_add_invalid(void)
{
	memblock_init(&mb);
	KT_EXPECT_EQ(memblock_add(&mb, 0x1000, 0), -EINVAL);
	KT_EXPECT_EQ(memblock_add(&mb, TOP - 0xfff, 0x1001), -EINVAL);
	KT_EXPECT_EQ(memblock_add(&mb, TOP, 2), -EINVAL);
	KT_EXPECT_EQ(memblock_reserve(&mb, 0x1000, 0), -EINVAL);
	KT_EXPECT_EQ(memblock_reserve(&mb, 2, TOP), -EINVAL);
	KT_EXPECT_EQ(memblock_remove(&mb, 0x1000, 0), -EINVAL);
	KT_EXPECT_EQ(mb.memory.cnt, 0);
	KT_EXPECT_EQ(mb.reserved.cnt, 0);
}

/* Both ends of the 64-bit address space. */
static void test_address_space_ends(void)
{
	memblock_init(&mb);
	KT_EXPECT_EQ(memblock_add(&mb, 0, 0x1000), 0);
	KT_EXPECT_EQ(memblock_add(&mb, TOP - 0xfff, 0x1000), 0); /* to 2^64 */
	EXPECT_MEM(0x0, 0x1000, TOP - 0xfff, 0x1000);
	KT_EXPECT_EQ(memblock_add(&mb, TOP, 1), 0); /* last byte */
	EXPECT_MEM(0x0, 0x1000, TOP - 0xfff, 0x1000);
	KT_EXPECT_EQ(memblock_add(&mb, TOP - 0x1fff, 0x1000), 0); /* touch */
	EXPECT_MEM(0x0, 0x1000, TOP - 0x1fff, 0x2000);
	KT_EXPECT(memblock_is_reserved(&mb, TOP, 1) == false);
	KT_EXPECT_EQ(memblock_reserve(&mb, TOP, 1), 0);
	KT_EXPECT(memblock_is_reserved(&mb, TOP, 1));
	KT_EXPECT(memblock_is_reserved(&mb, TOP - 4, 100)); /* wrapping query */
	KT_EXPECT_EQ(memblock_free_bytes(&mb), 0x1000 + 0x2000 - 1);
	/* Remove the very top: the region's tail goes. */
	KT_EXPECT_EQ(memblock_remove(&mb, TOP - 0xfff, 0x1000), 0);
	EXPECT_MEM(0x0, 0x1000, TOP - 0x1fff, 0x1000);
	/* 2^64 bytes in one region cannot be represented. */
	memblock_init(&mb);
	KT_EXPECT_EQ(memblock_add(&mb, 0, 1ULL << 63), 0);
	KT_EXPECT_EQ(memblock_add(&mb, 1ULL << 63, 1ULL << 63), -EINVAL);
	EXPECT_MEM(0x0, 1ULL << 63);
}

static void fill(struct memblock_type *t, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		t->regions[i].base = 0x10000 * (i + 1);
		t->regions[i].size = 0x1000;
	}
	t->cnt = n;
}

static void test_full_arrays(void)
{
	unsigned int i;

	memblock_init(&mb);
	for (i = 0; i < MEMBLOCK_MAX_REGIONS; i++)
		KT_ASSERT(memblock_add(&mb, 0x10000 * (i + 1), 0x1000) == 0);
	KT_EXPECT_EQ(mb.memory.cnt, MEMBLOCK_MAX_REGIONS);
	/* A new separate region: refused, nothing changed. */
	KT_EXPECT_EQ(memblock_add(&mb, 0x8000000, 0x1000), -ENOSPC);
	KT_EXPECT_EQ(memblock_add(&mb, 0x0, 0x1000), -ENOSPC);
	KT_EXPECT_EQ(mb.memory.cnt, MEMBLOCK_MAX_REGIONS);
	KT_EXPECT_EQ(mb.memory.regions[0].base, 0x10000);
	/* Merging still works when full. */
	KT_EXPECT_EQ(memblock_add(&mb, 0x11000, 0x1000), 0);
	KT_EXPECT_EQ(mb.memory.regions[0].size, 0x2000);
	KT_EXPECT_EQ(memblock_add(&mb, 0x10000, 0x18000), 0); /* 2 -> 1 */
	KT_EXPECT_EQ(mb.memory.cnt, MEMBLOCK_MAX_REGIONS - 1);
	/* Reserved array: same rule. */
	fill(&mb.reserved, MEMBLOCK_MAX_REGIONS);
	KT_EXPECT_EQ(memblock_reserve(&mb, 0x5000, 0x10), -ENOSPC);
	KT_EXPECT_EQ(mb.reserved.cnt, MEMBLOCK_MAX_REGIONS);
	KT_EXPECT_EQ(memblock_reserve(&mb, 0x10800, 0x1000), 0); /* merge */
	KT_EXPECT_EQ(mb.reserved.cnt, MEMBLOCK_MAX_REGIONS);
}

static void test_remove_split(void)
{
	memblock_init(&mb);
	KT_EXPECT_EQ(memblock_add(&mb, 0x10000, 0x10000), 0);
	KT_EXPECT_EQ(memblock_remove(&mb, 0x14000, 0x1000), 0); /* middle */
	EXPECT_MEM(0x10000, 0x4000, 0x15000, 0xb000);
	KT_EXPECT_EQ(memblock_remove(&mb, 0x10000, 0x1000), 0); /* head */
	EXPECT_MEM(0x11000, 0x3000, 0x15000, 0xb000);
	KT_EXPECT_EQ(memblock_remove(&mb, 0x1f000, 0x8000), 0); /* tail+ */
	EXPECT_MEM(0x11000, 0x3000, 0x15000, 0xa000);
	KT_EXPECT_EQ(memblock_remove(&mb, 0x13000, 0x3000), 0); /* spans */
	EXPECT_MEM(0x11000, 0x2000, 0x16000, 0x9000);
	KT_EXPECT_EQ(memblock_remove(&mb, 0x0, 0x100000), 0); /* all */
	KT_EXPECT_EQ(mb.memory.cnt, 0);
	KT_EXPECT_EQ(memblock_remove(&mb, 0x0, 0x1000), 0); /* nothing */
}

static void test_remove_split_full(void)
{
	memblock_init(&mb);
	fill(&mb.memory, MEMBLOCK_MAX_REGIONS);
	/* A split needs a slot: refused, array untouched. */
	KT_EXPECT_EQ(memblock_remove(&mb, 0x10400, 0x100), -ENOSPC);
	KT_EXPECT_EQ(mb.memory.regions[0].size, 0x1000);
	KT_EXPECT_EQ(mb.memory.cnt, MEMBLOCK_MAX_REGIONS);
	/* Cutting a head needs none. */
	KT_EXPECT_EQ(memblock_remove(&mb, 0x10000, 0x100), 0);
	KT_EXPECT_EQ(mb.memory.regions[0].base, 0x10100);
	/* Whole regions go; then a split fits. */
	KT_EXPECT_EQ(memblock_remove(&mb, 0x20000, 0x1000), 0);
	KT_EXPECT_EQ(mb.memory.cnt, MEMBLOCK_MAX_REGIONS - 1);
	KT_EXPECT_EQ(memblock_remove(&mb, 0x30400, 0x100), 0);
	KT_EXPECT_EQ(mb.memory.cnt, MEMBLOCK_MAX_REGIONS);
}

static void test_reserve_and_query(void)
{
	memblock_init(&mb);
	KT_EXPECT_EQ(memblock_add(&mb, 0x80000000, 0x100000), 0);
	KT_EXPECT_EQ(memblock_reserve(&mb, 0x80000000, 0x2000), 0);
	KT_EXPECT_EQ(memblock_reserve(&mb, 0x80002000, 0x1000), 0); /* touch */
	KT_EXPECT_EQ(memblock_reserve(&mb, 0x80010000, 0x1000), 0);
	KT_EXPECT_EQ(memblock_reserve(&mb, 0x80010800, 0x1000),
		     0); /* overlap */
	EXPECT_RESV(0x80000000, 0x3000, 0x80010000, 0x1800);
	KT_EXPECT(memblock_is_reserved(&mb, 0x80002fff, 1));
	KT_EXPECT(!memblock_is_reserved(&mb, 0x80003000, 0x1000));
	KT_EXPECT(memblock_is_reserved(&mb, 0x80003000, 0xd001));
	KT_EXPECT(!memblock_is_reserved(&mb, 0x80003000, 0xd000));
	KT_EXPECT(!memblock_is_reserved(&mb, 0x80000000, 0));
	KT_EXPECT_EQ(memblock_free_bytes(&mb), 0x100000 - 0x3000 - 0x1800);
	/* Reserved outside memory does not change the free count. */
	KT_EXPECT_EQ(memblock_reserve(&mb, 0x7ffff000, 0x2000), 0);
	KT_EXPECT_EQ(memblock_free_bytes(&mb), 0x100000 - 0x3000 - 0x1800);
	KT_EXPECT_EQ(memblock_reserve(&mb, 0x800ff000, 0x2000), 0);
	KT_EXPECT_EQ(memblock_free_bytes(&mb),
		     0x100000 - 0x3000 - 0x1800 - 0x1000);
}

static void test_alloc_lowest_fit(void)
{
	phys_addr_t a, b, c;

	memblock_init(&mb);
	KT_EXPECT_EQ(memblock_add(&mb, 0x80000000, 0x10000), 0);
	KT_EXPECT_EQ(memblock_add(&mb, 0x90000000, 0x100000), 0);
	KT_EXPECT_EQ(memblock_reserve(&mb, 0x80000000, 0x1000), 0);
	a = memblock_alloc(&mb, 0x1000, 0x1000);
	KT_EXPECT_EQ(a, 0x80001000);
	b = memblock_alloc(&mb, 0x1000, 0x1000);
	KT_EXPECT_EQ(b, 0x80002000);
	EXPECT_RESV(0x80000000, 0x3000); /* merged with neighbours */
	/* Too big for the first region: the second one. */
	c = memblock_alloc(&mb, 0x20000, 0x1000);
	KT_EXPECT_EQ(c, 0x90000000);
	/* A gap left between reservations is found first. */
	KT_EXPECT_EQ(memblock_reserve(&mb, 0x80008000, 0x1000), 0);
	KT_EXPECT_EQ(memblock_alloc(&mb, 0x5000, 0x1000), 0x80003000);
	KT_EXPECT_EQ(memblock_alloc(&mb, 0x1000, 0x1000), 0x80009000);
	KT_EXPECT(memblock_is_reserved(&mb, 0x80009000, 1));
}

static void test_alloc_alignment(void)
{
	memblock_init(&mb);
	KT_EXPECT_EQ(memblock_add(&mb, 0x80001000, 0x400000), 0);
	KT_EXPECT_EQ(memblock_alloc(&mb, 0x10, 0x10), 0x80001000);
	KT_EXPECT_EQ(memblock_alloc(&mb, 0x10, 0x1000), 0x80002000);
	KT_EXPECT_EQ(memblock_alloc(&mb, 0x1000, 0x200000), 0x80200000);
	KT_EXPECT_EQ(memblock_alloc(&mb, 0x1, 0), 0x80001010); /* 0 -> 1 */
	KT_EXPECT_EQ(memblock_alloc(&mb, 0x1, 1), 0x80001011);
	/* Not a power of two: refused. */
	KT_EXPECT_EQ(memblock_alloc(&mb, 0x1000, 0x3000), 0);
	KT_EXPECT_EQ(memblock_alloc(&mb, 0, 0x1000), 0);
	/* No 4 MiB-aligned 2 MiB block lies inside: nothing fits. */
	KT_EXPECT_EQ(memblock_alloc(&mb, 0x200000, 0x400000), 0);
	/* An alignment so large that no aligned address is inside. */
	KT_EXPECT_EQ(memblock_alloc(&mb, 0x1000, 1ULL << 63), 0);
}

static void test_alloc_limits(void)
{
	memblock_init(&mb);
	KT_EXPECT_EQ(memblock_add(&mb, 0x80000000, 0x100000), 0);
	KT_EXPECT_EQ(memblock_add(&mb, 0x100000000, 0x100000), 0);
	/* min_addr skips the low region. */
	KT_EXPECT_EQ(memblock_alloc_range(&mb, 0x1000, 0x1000, 0x80100000, 0),
		     0x100000000);
	/* min_addr inside a region, rounded up to the alignment. */
	KT_EXPECT_EQ(memblock_alloc_range(&mb, 0x1000, 0x1000, 0x80000001, 0),
		     0x80001000);
	/* max_addr: the block must end at or below it. */
	KT_EXPECT_EQ(memblock_alloc_range(&mb, 0x1000, 0x1000, 0, 0x80002000),
		     0x80000000);
	KT_EXPECT_EQ(memblock_alloc_range(&mb, 0x1000, 0x1000, 0, 0x80002000),
		     0);
	KT_EXPECT_EQ(memblock_alloc_range(&mb, 0x1000, 0x1000, 0, 0x80002fff),
		     0);
	KT_EXPECT_EQ(memblock_alloc_range(&mb, 0x1000, 0x1000, 0, 0x80003000),
		     0x80002000);
	/* Below 4 GiB, larger than what is left there: nothing. */
	KT_EXPECT_EQ(
		memblock_alloc_range(&mb, 0x100000, 0x1000, 0, 0x100000000), 0);
	/* min above max: nothing. */
	KT_EXPECT_EQ(memblock_alloc_range(&mb, 0x1000, 0x1000, 0x90000000,
					  0x80100000),
		     0);
}

static void test_alloc_exhaustion(void)
{
	phys_addr_t got, expect = 0x80000000;
	unsigned int n = 0;

	memblock_init(&mb);
	KT_EXPECT_EQ(memblock_add(&mb, 0x80000000, 0x10000), 0);
	KT_EXPECT_EQ(memblock_add(&mb, 0x80020000, 0x8000), 0);
	while ((got = memblock_alloc(&mb, 0x1000, 0x1000)) != 0) {
		if (got != expect)
			ktap_fail(__FILE__, __LINE__, "got 0x%llx want 0x%llx",
				  (unsigned long long)got,
				  (unsigned long long)expect);
		expect = got + 0x1000 == 0x80010000 ? 0x80020000 : got + 0x1000;
		if (++n > 100)
			break;
	}
	KT_EXPECT_EQ(n, 24);
	KT_EXPECT_EQ(memblock_free_bytes(&mb), 0);
	EXPECT_RESV(0x80000000, 0x10000, 0x80020000, 0x8000);
	KT_EXPECT_EQ(memblock_alloc(&mb, 1, 1), 0);
}

/* Region at address 0: 0 is the failure value, so it is never returned. */
static void test_alloc_never_zero(void)
{
	memblock_init(&mb);
	KT_EXPECT_EQ(memblock_add(&mb, 0, 0x2000), 0);
	KT_EXPECT_EQ(memblock_alloc(&mb, 0x1000, 0x1000), 0x1000);
	KT_EXPECT_EQ(memblock_alloc(&mb, 0x1000, 0x1000), 0);
	KT_EXPECT_EQ(memblock_alloc(&mb, 0x10, 0x10), 0x10);
}

/* When the reserved array is full and the block can't merge: 0, no leak. */
static void test_alloc_reserved_full(void)
{
	unsigned int i;

	memblock_init(&mb);
	KT_EXPECT_EQ(memblock_add(&mb, 0x0, 0x10000000), 0);
	for (i = 0; i < MEMBLOCK_MAX_REGIONS; i++)
		KT_ASSERT(memblock_reserve(&mb, 0x100000 * (i + 1), 0x1000) ==
			  0);
	/* Lowest fit is 0x1000..: isolated, needs a new slot. */
	KT_EXPECT_EQ(memblock_alloc(&mb, 0x1000, 0x1000), 0);
	KT_EXPECT_EQ(mb.reserved.cnt, MEMBLOCK_MAX_REGIONS);
	/* Right after a reserved range it merges and succeeds. */
	KT_EXPECT_EQ(memblock_alloc_range(&mb, 0x1000, 0x1000, 0x101000, 0),
		     0x101000);
}

/* Random operations checked against a byte map of a small space. */
static void test_random_against_bitmap(void)
{
	enum { SPACE = 4096 };
	static unsigned char mem[SPACE], res[SPACE];
	uint64_t seed = 12345;
	unsigned int iter, i, j;

	memblock_init(&mb);
	memset(mem, 0, sizeof(mem));
	memset(res, 0, sizeof(res));
	for (iter = 0; iter < 20000; iter++) {
		unsigned int base, size, op;
		int ret;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		base = (seed >> 20) % SPACE;
		size = 1 + (seed >> 40) % 64;
		if (base + size > SPACE)
			size = SPACE - base;
		op = (seed >> 60) % 3;
		if (op == 0)
			ret = memblock_add(&mb, base, size);
		else if (op == 1)
			ret = memblock_remove(&mb, base, size);
		else
			ret = memblock_reserve(&mb, base, size);
		if (ret == -ENOSPC)
			continue; /* refused whole: maps unchanged */
		KT_ASSERT(ret == 0);
		for (i = base; i < base + size; i++) {
			if (op == 0)
				mem[i] = 1;
			else if (op == 1)
				mem[i] = 0;
			else
				res[i] = 1;
		}
		if (op == 1 && iter % 7 == 0) { /* keep reserved sparse */
			memblock_init(&mb);
			memset(mem, 0, sizeof(mem));
			memset(res, 0, sizeof(res));
		}
	}
	/* Compare the final arrays with the maps, byte by byte. */
	for (j = 0; j < 2; j++) {
		const struct memblock_type *t = j ? &mb.reserved : &mb.memory;
		unsigned char *map = j ? res : mem, seen[SPACE];

		memset(seen, 0, sizeof(seen));
		for (i = 0; i < t->cnt; i++) {
			const struct memblock_region *r = &t->regions[i];
			phys_addr_t a;

			if (i)
				KT_EXPECT(t->regions[i - 1].base +
						  t->regions[i - 1].size <
					  r->base);
			for (a = r->base; a < r->base + r->size && a < SPACE;
			     a++)
				seen[a] = 1;
		}
		KT_EXPECT(memcmp(seen, map, SPACE) == 0);
	}
}

static const struct ktap_case cases[] = {
	KTAP_CASE(test_add_sorted),
	KTAP_CASE(test_add_touching_merges),
	KTAP_CASE(test_add_overlapping_merges),
	KTAP_CASE(test_add_invalid),
	KTAP_CASE(test_address_space_ends),
	KTAP_CASE(test_full_arrays),
	KTAP_CASE(test_remove_split),
	KTAP_CASE(test_remove_split_full),
	KTAP_CASE(test_reserve_and_query),
	KTAP_CASE(test_alloc_lowest_fit),
	KTAP_CASE(test_alloc_alignment),
	KTAP_CASE(test_alloc_limits),
	KTAP_CASE(test_alloc_exhaustion),
	KTAP_CASE(test_alloc_never_zero),
	KTAP_CASE(test_alloc_reserved_full),
	KTAP_CASE(test_random_against_bitmap),
};

int main(void)
{
	return ktap_main("memblock", cases, ARRAY_SIZE(cases));
}
