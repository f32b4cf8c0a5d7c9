// SPDX-License-Identifier: MIT
/*
 * Sections: turning RAM regions into buddy sections, and the address ->
 * page_meta table.
 *
 * Owns: mm_sec_table[], mm_sections[], the address-ordered section chain,
 * and each section's prefix layout.  Sections are added on one hart at a
 * time (boot, or a hot-add with the caller serialising them); an added
 * section is fully built before it is published in the table and array,
 * so other harts only ever see finished sections.  A section's free lists
 * belong to buddy.c and its lock.
 */
#include "mm/section.h"

#include <string.h>

#include "lib/errno.h"
#include "mm/buddy.h"
#include "mm/core.h"

struct mm_section *mm_sec_table[MM_SEC_TABLE_SIZE];
struct mm_section *mm_sections[MM_MAX_SECTIONS];
_Atomic unsigned int mm_nr_sections;
struct mm_section *mm_sec_lowest;

/* Target of empty table entries: holds no page, so every lookup misses. */
static struct mm_section no_section;

#define SEC_HDR_BYTES align_up(sizeof(struct mm_section), 64)

void section_reset_all(void)
{
	unsigned long i;

	memset(&no_section, 0, sizeof(no_section));
	for (i = 0; i < MM_SEC_TABLE_SIZE; i++)
		mm_sec_table[i] = &no_section;
	for (i = 0; i < MM_MAX_SECTIONS; i++)
		mm_sections[i] = NULL;
	atomic_store(&mm_nr_sections, 0);
	mm_sec_lowest = NULL;
}

struct page_meta *section_meta_slow(uintptr_t va, struct mm_section **sp)
{
	struct mm_section *s = mm_sec_table[(va >> MM_SEC_GRAN_SHIFT) &
					    (MM_SEC_TABLE_SIZE - 1)];

	if (s == &no_section)
		return NULL;
	while (s && va >= s->vend)
		s = s->next;
	if (!s || va < s->vbase)
		return NULL;
	*sp = s;
	return &s->meta[(va - s->vbase) >> PAGE_SHIFT];
}

static bool ranges_overlap(phys_addr_t a, phys_addr_t ae, phys_addr_t b,
			   phys_addr_t be)
{
	return a < be && b < ae;
}

static bool overlaps_section(phys_addr_t base, phys_addr_t end)
{
	unsigned int i;

	for (i = 0; i < section_count(); i++)
		if (ranges_overlap(base, end, mm_sections[i]->base,
				   mm_sections[i]->end))
			return true;
	return false;
}

static bool overlaps_reserved(phys_addr_t a, phys_addr_t ae,
			      const struct mm_range *r, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (r[i].size &&
		    ranges_overlap(a, ae, r[i].base, r[i].base + r[i].size))
			return true;
	return false;
}

/*
 * Lowest page-aligned start in [base, end) for @len bytes of prefix that
 * touches no reserved range: the candidates are the region start and the
 * end of each reserved range.  0 when nothing fits.
 */
static phys_addr_t place_prefix(phys_addr_t base, phys_addr_t end, uint64_t len,
				const struct mm_range *r, unsigned int n)
{
	phys_addr_t best = 0;
	unsigned int i;

	for (i = 0; i <= n; i++) {
		phys_addr_t a =
			i == n ? base
			       : align_up(r[i].base + r[i].size, PAGE_SIZE);

		if (i < n && !r[i].size)
			continue;
		if (a < base || a >= end || end - a < len + PAGE_SIZE)
			continue;
		if (overlaps_reserved(a, a + len, r, n))
			continue;
		if (!best || a < best)
			best = a;
	}
	return best;
}

static unsigned int unplaced_harts_on(int node)
{
	unsigned int i, n = 0;

	for (i = 0; i < mm_nr_harts; i++)
		if (!mm_harts[i]->ready && mm_hart_node[i] == node)
			n++;
	return n;
}

static void mark_pages(struct mm_section *s, phys_addr_t a, phys_addr_t ae,
		       uint8_t state)
{
	uint64_t i, from, to;

	if (ae <= s->base || a >= s->end)
		return;
	a = a < s->base ? s->base : a;
	ae = ae > s->end ? s->end : ae;
	from = (align_down(a, PAGE_SIZE) - s->base) >> PAGE_SHIFT;
	to = (align_up(ae, PAGE_SIZE) - s->base) >> PAGE_SHIFT;
	for (i = from; i < to; i++)
		pm_set_state(&s->meta[i], state);
}

/* Free every page still PM_TAIL (neither prefix nor reserved). */
static void free_unmarked(struct mm_section *s)
{
	uint64_t i = 0, start;

	while (i < s->npages) {
		if (pm_state(&s->meta[i]) != PM_TAIL) {
			i++;
			continue;
		}
		start = i;
		while (i < s->npages && pm_state(&s->meta[i]) == PM_TAIL)
			i++;
		s->managed_pages += i - start;
		buddy_free_range(s, start, i - start);
	}
}

static void publish(struct mm_section *s)
{
	uint64_t g, g0 = s->vbase >> MM_SEC_GRAN_SHIFT;
	uint64_t g1 = (s->vend - 1) >> MM_SEC_GRAN_SHIFT;
	struct mm_section **pp = &mm_sec_lowest;

	while (*pp && (*pp)->vbase < s->vbase)
		pp = &(*pp)->next;
	s->next = *pp;
	*pp = s;
	for (g = g0; g <= g1; g++) {
		struct mm_section **e =
			&mm_sec_table[g & (MM_SEC_TABLE_SIZE - 1)];

		if (*e == &no_section || (*e)->vbase > s->vbase)
			*e = s;
	}
	if (s->end > (1ULL << 32))
		mm_all_lowmem = false;
	mm_sections[section_count()] = s;
	atomic_store_explicit(&mm_nr_sections, section_count() + 1,
			      memory_order_release);
	mm_fast_range_update();
}

int mm_add_section(phys_addr_t base, phys_addr_t size, int node,
		   const struct mm_range *reserved, unsigned int nr_reserved)
{
	phys_addr_t end = base + size, pre;
	uint64_t npages, meta_len, len, slot_sz = mm_hart_slot_size();
	unsigned int nslots, i, placed = 0;
	struct mm_section *s;
	char *p;

	if (!size || end < base || !mm_nr_harts)
		return -EINVAL;
	base = align_up(base, PAGE_SIZE);
	end = align_down(end, PAGE_SIZE);
	if (end <= base || end > MM_PHYS_LIMIT || overlaps_section(base, end))
		return -EINVAL;
	if (section_count() >= MM_MAX_SECTIONS)
		return -ENOSPC;
	if (nr_reserved && !reserved)
		return -EINVAL;
	npages = (end - base) >> PAGE_SHIFT;
	nslots = unplaced_harts_on(node);
	meta_len = align_up(npages * sizeof(struct page_meta), 64);
	len = align_up(SEC_HDR_BYTES + meta_len + nslots * slot_sz, PAGE_SIZE);
	pre = place_prefix(base, end, len, reserved, nr_reserved);
	if (!pre)
		return -EINVAL;

	p = port_phys_to_virt(pre);
	s = (struct mm_section *)p;
	memset(s, 0, sizeof(*s));
	s->base = base;
	s->end = end;
	s->vbase = (uintptr_t)port_phys_to_virt(base);
	s->vend = s->vbase + (end - base);
	s->npages = npages;
	s->meta = (struct page_meta *)(p + SEC_HDR_BYTES);
	s->node = node;
	s->index = section_count();
	s->meta_bytes = len;
	s->nr_slots = nslots;
	s->first_managed = (pre + len - base) >> PAGE_SHIFT;
	mm_spin_init(&s->lock);
	buddy_section_init(s);
	memset(s->meta, 0, npages * sizeof(struct page_meta));
	for (i = 0; i < nr_reserved; i++)
		mark_pages(s, reserved[i].base,
			   reserved[i].base + reserved[i].size, PM_RESERVED);
	mark_pages(s, pre, pre + len, PM_META);
	free_unmarked(s);
	if (!s->managed_pages)
		return -EINVAL; /* nothing left once reserved ranges are out */

	p += SEC_HDR_BYTES + meta_len;
	for (i = 0; i < mm_nr_harts && placed < nslots; i++) {
		if (mm_harts[i]->ready || mm_hart_node[i] != node)
			continue;
		mm_hart_slot_init((struct mm_hart *)p, i);
		mm_hart_set_page_section((struct mm_hart *)p, s);
		p += slot_sz;
		placed++;
	}
	publish(s);
	return 0;
}

int mm_add_region(phys_addr_t base, phys_addr_t size)
{
	return mm_add_section(base, size, 0, NULL, 0);
}
