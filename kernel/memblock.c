// SPDX-License-Identifier: MIT
/*
 * memblock: the boot-time physical memory map (kernel/memblock.h).
 *
 * Owns two fixed arrays of ranges, memory and reserved, each kept sorted by
 * base, never overlapping and never touching (touching or overlapping
 * additions merge).  Rules:
 *  - Single-threaded: the boot hart alone uses it, before SMP.  No locks.
 *  - Ranges are handled as [base, last] with last = base + size - 1, so a
 *    range may end exactly at the top of the 64-bit address space; a range
 *    whose end wraps past it is -EINVAL.  A merged range covering the
 *    whole 2^64 space cannot be represented and is refused too.
 *  - Every operation checks capacity before changing anything: a full
 *    array gives -ENOSPC and leaves the arrays as they were.
 */
#include "kernel/memblock.h"

#include <string.h>

#include "lib/errno.h"

static inline phys_addr_t region_last(const struct memblock_region *r)
{
	return r->base + r->size - 1;
}

/* Check a caller's range; on success *last is its last byte. */
static int range_check(phys_addr_t base, phys_addr_t size, phys_addr_t *last)
{
	if (!size)
		return -EINVAL;
	*last = base + size - 1;
	if (*last < base)
		return -EINVAL; /* wraps around the address space */
	return 0;
}

static void type_delete(struct memblock_type *t, unsigned int i, unsigned int n)
{
	memmove(&t->regions[i], &t->regions[i + n],
		(t->cnt - i - n) * sizeof(t->regions[0]));
	t->cnt -= n;
}

static void type_insert(struct memblock_type *t, unsigned int i,
			phys_addr_t base, phys_addr_t last)
{
	memmove(&t->regions[i + 1], &t->regions[i],
		(t->cnt - i) * sizeof(t->regions[0]));
	t->regions[i].base = base;
	t->regions[i].size = last - base + 1;
	t->cnt++;
}

/*
 * Add [base, last], merging every region it overlaps or touches.  Regions
 * i .. j-1 are the ones that merge; they are replaced by one.
 */
static int type_add(struct memblock_type *t, phys_addr_t base, phys_addr_t last)
{
	unsigned int i, j;

	/* First region that ends at or after base - 1 (touching counts). */
	for (i = 0; i < t->cnt; i++) {
		phys_addr_t rl = region_last(&t->regions[i]);

		if (rl >= base || rl + 1 == base)
			break;
	}
	/* Regions from i that start at or before last + 1 merge. */
	for (j = i; j < t->cnt; j++) {
		const struct memblock_region *r = &t->regions[j];

		if (r->base > last && r->base - 1 != last)
			break;
	}
	if (j > i) {
		phys_addr_t nb =
			t->regions[i].base < base ? t->regions[i].base : base;
		phys_addr_t nl = region_last(&t->regions[j - 1]);

		if (nl < last)
			nl = last;
		if (nb == 0 && nl == (phys_addr_t)-1)
			return -EINVAL; /* size 2^64: not representable */
		t->regions[i].base = nb;
		t->regions[i].size = nl - nb + 1;
		type_delete(t, i + 1, j - i - 1);
		return 0;
	}
	if (t->cnt == MEMBLOCK_MAX_REGIONS)
		return -ENOSPC;
	type_insert(t, i, base, last);
	return 0;
}

/* Take [base, last] out of @t; a region strictly containing it splits. */
static int type_remove(struct memblock_type *t, phys_addr_t base,
		       phys_addr_t last)
{
	unsigned int i;

	for (i = 0; i < t->cnt; i++) {
		struct memblock_region *r = &t->regions[i];
		phys_addr_t rl = region_last(r);

		if (rl < base)
			continue;
		if (r->base > last)
			break;
		if (r->base < base && rl > last) {
			/* Split: needs one more slot, checked first. */
			if (t->cnt == MEMBLOCK_MAX_REGIONS)
				return -ENOSPC;
			r->size = base - r->base;
			type_insert(t, i + 1, last + 1, rl);
			return 0;
		}
		if (r->base < base) { /* cut the tail */
			r->size = base - r->base;
		} else if (rl > last) { /* cut the head */
			r->size = rl - last;
			r->base = last + 1;
		} else { /* swallowed whole */
			type_delete(t, i, 1);
			i--;
		}
	}
	return 0;
}

void memblock_init(struct memblock *mb)
{
	memset(mb, 0, sizeof(*mb));
}

int memblock_add(struct memblock *mb, phys_addr_t base, phys_addr_t size)
{
	phys_addr_t last;
	int err = range_check(base, size, &last);

	return err ? err : type_add(&mb->memory, base, last);
}

int memblock_remove(struct memblock *mb, phys_addr_t base, phys_addr_t size)
{
	phys_addr_t last;
	int err = range_check(base, size, &last);

	return err ? err : type_remove(&mb->memory, base, last);
}

int memblock_reserve(struct memblock *mb, phys_addr_t base, phys_addr_t size)
{
	phys_addr_t last;
	int err = range_check(base, size, &last);

	return err ? err : type_add(&mb->reserved, base, last);
}

struct fit {
	phys_addr_t size, align, lo, hi; /* hi: last usable byte */
};

/* Lowest aligned @f->size bytes inside the free gap [lo, hi], or 0. */
static phys_addr_t fit_gap(const struct fit *f, phys_addr_t lo, phys_addr_t hi)
{
	phys_addr_t cand;

	if (lo < f->lo)
		lo = f->lo;
	if (hi > f->hi)
		hi = f->hi;
	if (lo > hi)
		return 0;
	cand = align_up(lo, f->align);
	if (cand < lo || cand > hi || f->size - 1 > hi - cand)
		return 0;
	return cand;
}

/* Lowest fit in memory region @m minus the reserved ranges, or 0. */
static phys_addr_t fit_region(const struct memblock *mb,
			      const struct memblock_region *m,
			      const struct fit *f)
{
	const struct memblock_type *rt = &mb->reserved;
	phys_addr_t cur = m->base, last = region_last(m), got;
	unsigned int i;

	for (i = 0; i < rt->cnt; i++) {
		const struct memblock_region *r = &rt->regions[i];
		phys_addr_t rl = region_last(r);

		if (rl < cur)
			continue;
		if (r->base > last)
			break;
		if (r->base > cur) {
			got = fit_gap(f, cur, r->base - 1);
			if (got)
				return got;
		}
		if (rl >= last)
			return 0; /* reserved to the region's end */
		cur = rl + 1;
	}
	return fit_gap(f, cur, last);
}

phys_addr_t memblock_alloc_range(struct memblock *mb, phys_addr_t size,
				 phys_addr_t align, phys_addr_t min_addr,
				 phys_addr_t max_addr)
{
	struct fit f = { size, align ? align : 1, min_addr, max_addr - 1 };
	unsigned int i;

	if (!size || !is_power_of_2(f.align))
		return 0;
	if (!max_addr)
		f.hi = (phys_addr_t)-1; /* 0: no upper limit */
	if (!f.lo)
		f.lo = 1; /* 0 is the failure value */
	for (i = 0; i < mb->memory.cnt; i++) {
		const struct memblock_region *m = &mb->memory.regions[i];
		phys_addr_t got;

		if (m->base > f.hi)
			break;
		got = fit_region(mb, m, &f);
		if (got)
			return memblock_reserve(mb, got, size) ? 0 : got;
	}
	return 0;
}

phys_addr_t memblock_alloc(struct memblock *mb, phys_addr_t size,
			   phys_addr_t align)
{
	return memblock_alloc_range(mb, size, align, 0, 0);
}

bool memblock_is_reserved(const struct memblock *mb, phys_addr_t base,
			  phys_addr_t size)
{
	const struct memblock_type *rt = &mb->reserved;
	phys_addr_t last;
	unsigned int i;

	if (!size)
		return false;
	last = base + size - 1;
	if (last < base)
		last = (phys_addr_t)-1; /* clip a wrapping query */
	for (i = 0; i < rt->cnt; i++) {
		const struct memblock_region *r = &rt->regions[i];

		if (r->base > last)
			break;
		if (region_last(r) >= base)
			return true;
	}
	return false;
}

/* Bytes of @m covered by reserved ranges (they never overlap each other). */
static phys_addr_t reserved_in(const struct memblock *mb,
			       const struct memblock_region *m)
{
	const struct memblock_type *rt = &mb->reserved;
	phys_addr_t last = region_last(m), sum = 0;
	unsigned int i;

	for (i = 0; i < rt->cnt; i++) {
		const struct memblock_region *r = &rt->regions[i];
		phys_addr_t lo = r->base, hi = region_last(r);

		if (hi < m->base)
			continue;
		if (lo > last)
			break;
		if (lo < m->base)
			lo = m->base;
		if (hi > last)
			hi = last;
		sum += hi - lo + 1;
	}
	return sum;
}

phys_addr_t memblock_free_bytes(const struct memblock *mb)
{
	phys_addr_t sum = 0;
	unsigned int i;

	for (i = 0; i < mb->memory.cnt; i++)
		sum += mb->memory.regions[i].size -
		       reserved_in(mb, &mb->memory.regions[i]);
	return sum;
}
