// SPDX-License-Identifier: MIT
/*
 * mm's life cycle: mm_init, per-hart slots, draining, bad-use reports.
 *
 * Owns: mm_harts[] (set while sections are added or in mm_hart_init, on the
 * hart concerned or before other harts run), the hart -> node map, and the
 * bad-use mode and counter (atomic).  A hart's slot is touched only by that
 * hart, with interrupts masked, apart from its revisit stack (slab.c).
 */
#include "mm/core.h"

#include <stddef.h>
#include <string.h>

#include "lib/errno.h"
#include "mm/buddy.h"
#include "mm/kmalloc.h"
#include "mm/section.h"

struct mm_hart *mm_harts[MM_MAX_HARTS];
unsigned int mm_nr_harts;
int mm_hart_node[MM_MAX_HARTS];
bool mm_all_lowmem;
uint64_t mm_secret;
uintptr_t mm_fast_lo, mm_fast_hi;
static uintptr_t run_lo, run_hi; /* the run of abutting sections */

/* Stand-in slot for a hart not placed yet: every fast path misses on it. */
static struct mm_hart unplaced;

static atomic_int bad_use_mode;
static atomic_ulong bad_use_count;
static unsigned long init_generation;

size_t mm_hart_slot_size(void)
{
	return align_up(sizeof(struct mm_hart), 64);
}

_Static_assert(offsetof(struct mm_hart, cls_idx) < 2048,
	       "kmalloc reaches cls_idx with one lbu immediate");

/*
 * kfree's fast span of slot @h: the slab headers in [h, fast_hi) lie in
 * the run [run_lo, run_hi) when h does (fast_hi is aligned down to
 * SLAB_SIZE, so a whole slab below it ends inside the run).
 */
static uintptr_t fast_span_of(const struct mm_hart *h)
{
	uintptr_t a = (uintptr_t)h;

	return a >= run_lo && a < mm_fast_hi ? mm_fast_hi - a : 0;
}

void mm_hart_set_page_section(struct mm_hart *h, const struct mm_section *s)
{
	h->pg_vbase = s->vbase;
	h->pg_limit = s->npages << PAGE_SHIFT;
	/* vbase is page aligned: (va >> 9) - (vbase >> 9) == idx * 8. */
	h->pg_bias = (uintptr_t)s->meta - (s->vbase >> (PAGE_SHIFT - 3));
}

static void hart_slot_clear(struct mm_hart *h)
{
	memset(h, 0, sizeof(*h));
	slab_hart_init(h);
	memcpy(h->cls_idx, slab_class_idx, sizeof(h->cls_idx));
}

void mm_hart_slot_init(struct mm_hart *h, unsigned int index)
{
	hart_slot_clear(h);
	h->pcp_head = NULL;
	mm_stat_set(&h->pcp_count, 0);
	h->index = index;
	h->node = mm_hart_node[index];
	/* Odd, so that no slab's tag is 0 (a released slab's). */
	h->slab_tag =
		(mm_secret * (2 * index + 3)) ^ ((uint64_t)index << 32) ^ 1;
	h->slab_tag |= 1;
	mm_stat_set(&h->fast_span, fast_span_of(h));
	h->ready = true;
	mm_harts[index] = h;
}

/*
 * A section was published: widen kfree's fast range if it abuts the run.
 * The run only ever grows (a section elsewhere is left to the slow path),
 * so a hart that reads the two bounds while we store them gets a range
 * inside the old or the new run: mapped section memory either way.  The
 * bounds are rounded inward to SLAB_SIZE so that a slab header found by
 * masking an address inside the range is itself in the run.
 */
void mm_fast_range_update(void)
{
	unsigned int i, n = section_count();
	bool grew = true;

	while (grew) {
		grew = false;
		for (i = 0; i < n; i++) {
			struct mm_section *s = mm_sections[i];

			if (run_lo == run_hi) {
				run_lo = s->vbase;
				run_hi = s->vend;
				grew = true;
			} else if (s->vend == run_lo) {
				run_lo = s->vbase;
				grew = true;
			} else if (s->vbase == run_hi) {
				run_hi = s->vend;
				grew = true;
			}
		}
	}
	mm_fast_lo = align_up(run_lo, SLAB_SIZE);
	mm_fast_hi = align_down(run_hi, SLAB_SIZE);
	if (mm_fast_hi < mm_fast_lo)
		mm_fast_hi = mm_fast_lo;
	for (i = 0; i < MM_MAX_HARTS; i++) {
		struct mm_hart *h = mm_harts[i];

		if (h == &unplaced)
			continue;
		mm_stat_set(&h->fast_span, fast_span_of(h));
	}
}

int mm_init(unsigned int nr_harts, const int *hart_node)
{
	unsigned int i;
	uintptr_t stack_probe = (uintptr_t)&i;

	if (!nr_harts || nr_harts > MM_MAX_HARTS)
		return -EINVAL;
	section_reset_all();
	slab_init_classes();
	/*
	 * Every class's current slab is slab_none, the batch is empty and
	 * fast_span and pg_limit are 0: each fast path misses on it and its
	 * slow path finds !ready.  Nothing ever writes it after this, so
	 * any number of harts may read it at once.
	 */
	hart_slot_clear(&unplaced);
	mm_nr_harts = nr_harts;
	for (i = 0; i < MM_MAX_HARTS; i++) {
		mm_harts[i] = &unplaced;
		mm_hart_node[i] = hart_node && i < nr_harts ? hart_node[i] : 0;
	}
	mm_all_lowmem = true;
	mm_fast_lo = mm_fast_hi = run_lo = run_hi = 0;
	port_reset_hart_mm(&unplaced);
	init_generation++;
	mm_secret = 0x9e3779b97f4a7c15ULL ^ (stack_probe << 17) ^
		    (init_generation * 0xbf58476d1ce4e5b9ULL);
	atomic_store(&bad_use_mode, MM_BAD_USE_PANIC);
	atomic_store(&bad_use_count, 0);
	return 0;
}

void mm_hart_init(void)
{
	unsigned int me = port_this_hart();
	struct mm_hart *h;

	if (me >= mm_nr_harts) {
		port_log("mm: hart index %u beyond the %u harts of mm_init\n",
			 me, mm_nr_harts);
		return;
	}
	if (mm_harts[me]->ready) {
		port_set_hart_mm(mm_harts[me]);
		return;
	}
	/* No section on this hart's node: the slot comes from pages. */
	h = alloc_pages((mm_hart_slot_size() + PAGE_SIZE - 1) >> PAGE_SHIFT,
			GFP_KERNEL);
	if (!h) {
		port_log("mm: no memory for hart %u's slot\n", me);
		return;
	}
	mm_hart_slot_init(h, me);
	{
		struct mm_section *s;

		if (section_meta((uintptr_t)h, &s))
			mm_hart_set_page_section(h, s);
	}
	port_set_hart_mm(h);
}

void mm_drain_this_hart(bool all)
{
	unsigned long irq = port_irq_save();
	struct mm_hart *h = mm_this_hart();

	if (h->ready) {
		slab_drain_hart(h, all);
		buddy_drain_pcp(h, all);
	}
	port_irq_restore(irq);
}

void mm_reclaim(void)
{
	mm_drain_this_hart(true);
	port_kick_other_harts();
}

void mm_set_bad_use_mode(enum mm_bad_use_mode mode)
{
	atomic_store(&bad_use_mode, mode);
}

unsigned long mm_bad_use_count(void)
{
	return atomic_load(&bad_use_count);
}

static const char *const bad_kind_name[] = {
	[MM_BAD_UNKNOWN] = "free of an address mm never handed out",
	[MM_BAD_INTERIOR] = "free of an interior pointer",
	[MM_BAD_DOUBLE_FREE] = "double free",
	[MM_BAD_NOT_HEAD] = "free of a page that heads no allocation",
};

void mm_bad_use(enum mm_bad_kind kind, const char *what, const void *addr)
{
	port_log("mm: %s: %s %p on hart %u\n", what, bad_kind_name[kind], addr,
		 port_this_hart_id());
	if (atomic_load(&bad_use_mode) == MM_BAD_USE_PANIC)
		port_panic("mm: %s: %s %p on hart %u", what,
			   bad_kind_name[kind], addr, port_this_hart_id());
	atomic_fetch_add(&bad_use_count, 1);
}
