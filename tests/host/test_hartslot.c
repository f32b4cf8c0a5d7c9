// SPDX-License-Identifier: MIT
/*
 * Host test of the per-hart slot placement: with 4 harts on one node, the
 * first section's prefix holds the header, page_meta[] and the 4 slots,
 * in that order, all inside [base, base + meta).
 */
#include <string.h>

#include "lib/types.h"
#include "mm/hart.h"
#include "mm/kmalloc.h"
#include "mm/introspect.h"
#include "mm/mm.h"
#include "mm/section.h"
#include "tests/host/mm_fixture.h"

#define NR_HARTS 4

MM_TEST(test_slots_in_first_prefix, NR_HARTS, 64 << 20)
{
	struct mm_section_info info;
	const struct mm_section *s = mm_sections[0];
	uintptr_t base, meta_lo, meta_hi, end;
	size_t sz = mm_hart_slot_size();
	unsigned int i, j;

	KT_ASSERT(mm_get_section_info(0, &info) == 0);
	KT_EXPECT_EQ(info.nr_hart_slots, NR_HARTS);
	base = (uintptr_t)port_phys_to_virt(info.base);
	end = base + info.meta_bytes;
	meta_lo = (uintptr_t)s->meta;
	meta_hi = meta_lo + s->npages * sizeof(struct page_meta);
	KT_EXPECT_EQ((uintptr_t)s, base); /* no reserved range: at base */
	KT_EXPECT(meta_lo >= base && meta_hi <= end);
	for (i = 0; i < NR_HARTS; i++) {
		uintptr_t h = (uintptr_t)mm_harts[i];

		KT_EXPECT(mm_harts[i]->ready);
		KT_EXPECT_EQ(mm_harts[i]->index, i);
		/* Inside the prefix, within meta bytes. */
		KT_EXPECT(h >= base && h + sz <= end);
		KT_EXPECT(sz >= sizeof(struct mm_hart));
		/* Not over the header nor page_meta[]. */
		KT_EXPECT(h >= meta_hi || h + sz <= meta_lo);
		KT_EXPECT(h >= (uintptr_t)s + sizeof(*s));
		KT_EXPECT(h % 64 == 0);
		/* Not over each other. */
		for (j = 0; j < i; j++) {
			uintptr_t o = (uintptr_t)mm_harts[j];

			KT_EXPECT(h + sz <= o || o + sz <= h);
		}
		/* The prefix is never handed out: its pages are PM_META. */
		KT_EXPECT_EQ(pm_state(&s->meta[(h - base) >> PAGE_SHIFT]),
			     PM_META);
	}
	/* The managed pages start after the prefix. */
	KT_EXPECT(s->first_managed << PAGE_SHIFT >= info.meta_bytes);
}

/* A page from the batch and back, on a fresh hart: the fast paths. */
static void page_round_trip(void *arg)
{
	void *p, *q;

	(void)arg;
	mm_hart_init();
	p = alloc_pages(1, GFP_KERNEL);
	KT_EXPECT(p != NULL);
	free_pages(p);
	q = alloc_pages(1, GFP_KERNEL);
	KT_EXPECT_EQ(q, p); /* LIFO batch */
	memset(q, 0x5a, PAGE_SIZE);
	free_pages(q);
	mm_drain_this_hart(true);
}

MM_TEST(test_slots_page_batch, NR_HARTS, 64 << 20)
{
	unsigned int i;

	for (i = 1; i < NR_HARTS; i++)
		fx_run_as_hart(i, page_round_trip, NULL);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(test_slots_in_first_prefix),
	KTAP_CASE(test_slots_page_batch),
};

int main(void)
{
	return ktap_main("hartslot", cases, ARRAY_SIZE(cases));
}
