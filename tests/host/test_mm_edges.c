// SPDX-License-Identifier: MIT
/*
 * Host tests of mm's correctness edges (issue 9): memory at physical 0,
 * the physical limit, impossible lowmem requests, GFP_ATOMIC, the secret's
 * seed.  Each fails on the code before its fix.  The hot-add publication
 * is covered by tests/host/tsan_remote_stress.c (hot-adds while harts free).
 */
#include <string.h>

#include "lib/errno.h"
#include "lib/types.h"
#include "mm/introspect.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/port.h"
#include "tests/host/mm_fixture.h"

#define MiB (1UL << 20)

/*
 * A region at physical 0: the prefix goes at physical 0 (place_prefix()
 * used to return 0 for "nothing fits" and refused it).  The host port
 * maps physical 0 to an arena through port_host_phys_offset.
 */
MM_TEST(test_region_at_phys_0, 1, 0)
{
	char *arena = fx_map(16 * MiB, 2 * MiB, false);
	struct mm_section_info info;
	phys_addr_t pa;
	void *p;

	KT_ASSERT(arena);
	port_host_phys_offset = (uintptr_t)arena;
	KT_EXPECT_EQ(mm_add_region(0, 16 * MiB), 0);
	KT_ASSERT(mm_nr_sections_added() == 1);
	KT_ASSERT(mm_get_section_info(0, &info) == 0);
	KT_EXPECT_EQ(info.base, 0);
	mm_hart_init();
	fx_baseline();
	p = alloc_pages(3, GFP_KERNEL);
	KT_EXPECT(p != NULL);
	if (p) {
		pa = port_virt_to_phys(p);
		KT_EXPECT(pa > 0 && pa < 16 * MiB);
		memset(p, 0x11, 3 * PAGE_SIZE);
		free_pages(p);
	}
	p = kmalloc(100, GFP_KERNEL);
	KT_EXPECT(p != NULL);
	kfree(p);
	fx_end();
	port_host_phys_offset = 0;
	fx_begin(1, 0); /* the macro's own fx_end() finds a fresh state */
}

/* Nothing beyond what the port can map (the kernel: its linear map). */
MM_TEST(test_phys_limit, 1, 0)
{
	phys_addr_t lim = port_phys_limit();

	KT_EXPECT_EQ(mm_add_region(lim, 64 * MiB), -EINVAL);
	KT_EXPECT_EQ(mm_add_region(lim - PAGE_SIZE, 64 * MiB), -EINVAL);
	KT_EXPECT_EQ(mm_nr_sections_added(), 0);
}

/*
 * __GFP_LOWMEM with no section below 4 GiB can never succeed: NULL at
 * once, no other hart kicked, this hart's cache left alone.
 */
MM_TEST(test_impossible_lowmem, 2, 16 << 20)
{
	unsigned long kicks = port_host_kicks();
	uint64_t before;
	void *p;

	if ((uintptr_t)fx_arena < (1ULL << 32)) {
		ktap_skip("arena below 4 GiB on this host");
		return;
	}
	p = alloc_pages(1, GFP_KERNEL); /* fill the cache */
	KT_ASSERT(p);
	free_pages(p);
	before = fx_free_bytes();
	KT_EXPECT(alloc_pages(1, __GFP_LOWMEM) == NULL);
	KT_EXPECT(kmalloc(64, __GFP_LOWMEM) == NULL);
	KT_EXPECT(kmalloc(10000, __GFP_LOWMEM) == NULL);
	KT_EXPECT_EQ(port_host_kicks(), kicks);
	KT_EXPECT_EQ(fx_free_bytes(), before);
}

/* GFP_ATOMIC out of memory: drains this hart only, never kicks (waits). */
MM_TEST(test_atomic_never_waits, 2, 8 << 20)
{
	unsigned long kicks = port_host_kicks();

	KT_EXPECT(alloc_pages(4096, GFP_ATOMIC) == NULL);
	KT_EXPECT_EQ(port_host_kicks(), kicks);
	/* The same request without it asks the other hart. */
	KT_EXPECT(alloc_pages(4096, GFP_KERNEL) == NULL);
	KT_EXPECT(port_host_kicks() > kicks);
	/* And GFP_ATOMIC still allocates when memory is there. */
	{
		void *p = kmalloc(64, GFP_ATOMIC);
		void *q = alloc_pages(2, GFP_ATOMIC);

		KT_EXPECT(p && q);
		kfree(p);
		free_pages(q);
	}
}

/* The secret follows the seed, and is refused once sections exist. */
MM_TEST(test_seed, 1, 0)
{
	static const char a[] = "seed one", b[] = "seed two";
	uint64_t sa, sa2, sb;

	KT_EXPECT_EQ(mm_set_seed(a, sizeof(a)), 0);
	sa = mm_get_secret();
	mm_init(1, NULL);
	KT_EXPECT_EQ(mm_set_seed(b, sizeof(b)), 0);
	sb = mm_get_secret();
	mm_init(1, NULL);
	KT_EXPECT_EQ(mm_set_seed(a, sizeof(a)), 0);
	sa2 = mm_get_secret();
	KT_EXPECT(sa != sb);
	/* Boot entropy is mixed in: the same seed differs between boots. */
	KT_EXPECT(sa != sa2);
	fx_begin(1, 16 << 20);
	KT_EXPECT_EQ(mm_set_seed(a, sizeof(a)), -EBUSY);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(test_region_at_phys_0),
	KTAP_CASE(test_phys_limit),
	KTAP_CASE(test_impossible_lowmem),
	KTAP_CASE(test_atomic_never_waits),
	KTAP_CASE(test_seed),
};

int main(void)
{
	return ktap_main("mm_edges", cases, ARRAY_SIZE(cases));
}
