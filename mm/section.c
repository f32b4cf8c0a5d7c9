// SPDX-License-Identifier: MIT
/*
 * Sections: turning RAM regions into buddy sections, and the address ->
 * page_meta table.  The bottom of mm/ after base.c: knows nothing of
 * harts, slabs or free lists.
 *
 * Owns: mm_sec_table[], mm_sections[], the address-ordered section chain,
 * and each section's prefix layout.  Sections are added on one hart at a
 * time (boot, or a hot-add with the caller serialising them: mm.c).
 *
 * Publishing while other harts look sections up (hot-add): a section is
 * fully built (header, page_meta, free lists, the caller's prefix bytes)
 * before section_publish().  That links it into the chain and the table
 * and appends it to mm_sections[] with release stores, the count last;
 * readers load each of those with acquire (section_of_granule(),
 * section_meta_slow(), section_get(), section_count()), so whatever a
 * reader reaches through them was written before the release: no hart can
 * see a new table entry with a stale header.  Entries only ever change
 * from the empty dummy, or from a higher section to a lower one that
 * starts inside the same granule; the lower one's chain link to the
 * higher one is stored (release) before the entry, so a reader that loads
 * either entry, old or new, can walk to the section that holds its page.
 */
#include "mm/section.h"

#include <string.h>

#include "lib/errno.h"

_Atomic(struct mm_section *) mm_sec_table[MM_SEC_TABLE_SIZE];
struct mm_section *_Atomic mm_sections[MM_MAX_SECTIONS];
_Atomic unsigned int mm_nr_sections;
static _Atomic(struct mm_section *) sec_lowest; /* head of the chain */
atomic_bool mm_all_lowmem;
atomic_bool mm_any_lowmem;

/* Target of empty table entries: holds no page, so every lookup misses. */
static struct mm_section no_section;

#define SEC_HDR_BYTES align_up(sizeof(struct mm_section), 64)

void section_reset_all(void)
{
	unsigned long i;

	memset(&no_section, 0, sizeof(no_section));
	for (i = 0; i < MM_SEC_TABLE_SIZE; i++)
		atomic_init(&mm_sec_table[i], &no_section);
	for (i = 0; i < MM_MAX_SECTIONS; i++)
		atomic_init(&mm_sections[i], NULL);
	atomic_store(&mm_nr_sections, 0);
	atomic_init(&sec_lowest, NULL);
	atomic_store(&mm_all_lowmem, true);
	atomic_store(&mm_any_lowmem, false);
}

static struct mm_section *chain_next(struct mm_section *s)
{
	return atomic_load_explicit(&s->next, memory_order_acquire);
}

struct page_meta *section_meta_slow(uintptr_t va, struct mm_section **sp)
{
	struct mm_section *s = section_of_granule(va);

	if (s == &no_section)
		return NULL;
	while (s && va >= s->vend)
		s = chain_next(s);
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

	for (i = 0; i < section_count(); i++) {
		struct mm_section *s = section_get(i);

		if (ranges_overlap(base, end, s->base, s->end))
			return true;
	}
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

bool section_place_prefix(phys_addr_t base, phys_addr_t end, uint64_t len,
			  const struct mm_range *r, unsigned int n,
			  phys_addr_t *out)
{
	bool found = false;
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
		if (!found || a < best) {
			best = a;
			found = true;
		}
	}
	*out = best;
	return found;
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

int section_create(phys_addr_t base, phys_addr_t size, int node,
		   const struct mm_range *reserved, unsigned int nr_reserved,
		   size_t extra, struct mm_section **out, void **extra_out)
{
	phys_addr_t end = base + size, pre, limit = port_phys_limit();
	uint64_t npages, meta_len, len;
	struct mm_section *s;
	unsigned int i;
	char *p;

	if (limit > MM_SEC_TABLE_LIMIT)
		limit = MM_SEC_TABLE_LIMIT;
	if (!size || end < base)
		return -EINVAL;
	base = align_up(base, PAGE_SIZE);
	end = align_down(end, PAGE_SIZE);
	if (end <= base || end > limit || overlaps_section(base, end))
		return -EINVAL;
	if (section_count() >= MM_MAX_SECTIONS)
		return -ENOSPC;
	if (nr_reserved && !reserved)
		return -EINVAL;
	npages = (end - base) >> PAGE_SHIFT;
	meta_len = align_up(npages * sizeof(struct page_meta), 64);
	len = align_up(SEC_HDR_BYTES + meta_len + extra, PAGE_SIZE);
	if (!section_place_prefix(base, end, len, reserved, nr_reserved, &pre))
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
	s->first_managed = (pre + len - base) >> PAGE_SHIFT;
	atomic_init(&s->next, NULL);
	mm_spin_init(&s->lock);
	memset(s->meta, 0, npages * sizeof(struct page_meta));
	for (i = 0; i < nr_reserved; i++)
		mark_pages(s, reserved[i].base,
			   reserved[i].base + reserved[i].size, PM_RESERVED);
	mark_pages(s, pre, pre + len, PM_META);
	*out = s;
	*extra_out = p + SEC_HDR_BYTES + meta_len;
	return 0;
}

void section_publish(struct mm_section *s)
{
	uint64_t g, g0 = s->vbase >> MM_SEC_GRAN_SHIFT;
	uint64_t g1 = (s->vend - 1) >> MM_SEC_GRAN_SHIFT;
	_Atomic(struct mm_section *) *pp = &sec_lowest;
	struct mm_section *n;
	unsigned int nr = section_count();

	/* Only the adding hart writes the chain: relaxed reads suffice. */
	while ((n = atomic_load_explicit(pp, memory_order_relaxed)) &&
	       n->vbase < s->vbase)
		pp = &n->next;
	atomic_store_explicit(&s->next, n, memory_order_relaxed);
	/* Release: the whole section before anyone can reach it. */
	atomic_store_explicit(pp, s, memory_order_release);
	for (g = g0; g <= g1; g++) {
		_Atomic(struct mm_section *) *e =
			&mm_sec_table[g & (MM_SEC_TABLE_SIZE - 1)];
		struct mm_section *old =
			atomic_load_explicit(e, memory_order_relaxed);

		if (old == &no_section || old->vbase > s->vbase)
			atomic_store_explicit(e, s, memory_order_release);
	}
	if (s->end > LOWMEM_LIMIT)
		atomic_store_explicit(&mm_all_lowmem, false,
				      memory_order_relaxed);
	if (s->base < LOWMEM_LIMIT)
		atomic_store_explicit(&mm_any_lowmem, true,
				      memory_order_relaxed);
	atomic_store_explicit(&mm_sections[nr], s, memory_order_release);
	atomic_store_explicit(&mm_nr_sections, nr + 1, memory_order_release);
}
