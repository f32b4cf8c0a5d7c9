// SPDX-License-Identifier: MIT
/*
 * Statistics and reports: meminfo totals, buddyinfo, slabinfo.
 *
 * Owns no state: it reads section counters (relaxed atomics, written under
 * the section locks) and hart counters (relaxed atomics written by their
 * owners).  Walking another hart's slab lists (slabinfo's in-use figure) is
 * only exact while that hart is quiet; it is meant for reports and tests.
 */
#include "mm/hart.h"
#include "mm/introspect.h"

static uint64_t rd(const mm_stat_t *v)
{
	return mm_stat_read(v);
}

static unsigned long rdl(const mm_stat_t *v)
{
	return mm_stat_read(v);
}

void mm_get_totals(struct mm_totals *t)
{
	unsigned int i;

	t->managed_bytes = t->free_bytes = t->meta_bytes = 0;
	for (i = 0; i < section_count(); i++) {
		struct mm_section *s = section_get(i);

		t->managed_bytes += s->managed_pages << PAGE_SHIFT;
		t->free_bytes += rd(&s->free_pages) << PAGE_SHIFT;
		t->meta_bytes += s->meta_bytes;
	}
	/* Pages in the harts' block caches are free too. */
	for (i = 0; i < mm_nr_harts; i++) {
		struct mm_hart *h = mm_harts[i];

		if (h->ready)
			t->free_bytes += buddy_cache_pages(&h->pages)
					 << PAGE_SHIFT;
	}
}

unsigned int mm_nr_sections_added(void)
{
	return section_count();
}

int mm_get_section_info(unsigned int index, struct mm_section_info *info)
{
	struct mm_section *s;
	unsigned int o;

	if (index >= section_count())
		return -1;
	s = section_get(index);
	info->base = s->base;
	info->size = s->end - s->base;
	info->meta_bytes = s->meta_bytes;
	info->managed_pages = s->managed_pages;
	info->free_pages = rd(&s->free_pages);
	{
		uint64_t nf[MM_NR_ORDERS];

		buddy_count_free(s, nf);
		for (o = 0; o < MM_NR_PAGE_ORDERS; o++)
			info->nr_free[o] = o < MM_NR_ORDERS ? nf[o] : 0;
	}
	info->node = s->node;
	info->nr_hart_slots = s->nr_slots;
	return 0;
}

/*
 * The hart slots placed in @s's prefix: [prefix start, + meta_bytes) holds
 * the header, page_meta[] and the slots (mm_add_section()); the header is
 * the prefix start.
 */
static void report_slots(const struct mm_section *s)
{
	uintptr_t lo = (uintptr_t)s, hi = lo + s->meta_bytes;
	size_t sz = mm_hart_slot_size();
	unsigned int i;

	for (i = 0; i < mm_nr_harts; i++) {
		uintptr_t h = (uintptr_t)mm_harts[i];

		if (!mm_harts[i]->ready || h < lo || h + sz > hi)
			continue;
		port_log("mm: hart_slot hart=%u base=0x%llx size=0x%llx "
			 "section=%u\n",
			 i, (unsigned long long)port_virt_to_phys((void *)h),
			 (unsigned long long)sz, s->index);
	}
}

void mm_report(void)
{
	struct mm_totals t;
	unsigned int i;

	for (i = 0; i < section_count(); i++) {
		struct mm_section *s = section_get(i);

		port_log("mm: section base=0x%llx size=0x%llx meta=0x%llx "
			 "managed_pages=%llu node=%d\n",
			 (unsigned long long)s->base,
			 (unsigned long long)(s->end - s->base),
			 (unsigned long long)s->meta_bytes,
			 (unsigned long long)s->managed_pages, s->node);
		report_slots(s);
	}
	mm_get_totals(&t);
	port_log("mm: managed_bytes=%llu free_bytes=%llu meta_bytes=%llu\n",
		 (unsigned long long)t.managed_bytes,
		 (unsigned long long)t.free_bytes,
		 (unsigned long long)t.meta_bytes);
}

void mm_print_buddyinfo(void)
{
	unsigned int i, o;

	for (i = 0; i < section_count(); i++) {
		struct mm_section *s = section_get(i);
		uint64_t nf[MM_NR_ORDERS];

		buddy_count_free(s, nf);
		port_log("mm: buddyinfo section %u node %d base=0x%llx "
			 "free_pages=%llu:",
			 i, s->node, (unsigned long long)s->base,
			 (unsigned long long)rd(&s->free_pages));
		for (o = 0; o < MM_NR_ORDERS; o++)
			port_log(" %llu", (unsigned long long)nf[o]);
		port_log("\n");
	}
}

unsigned int mm_nr_size_classes(void)
{
	return MM_NR_CLASSES;
}

static unsigned long list_inuse(struct slab *s)
{
	unsigned long n = 0;

	for (; s; s = s->next)
		n += s->inuse;
	return n;
}

int mm_get_class_stats(unsigned int cls, int hart, struct mm_class_stats *st)
{
	unsigned long inuse = 0, taken = 0, local = 0;
	unsigned int i;

	if (cls >= MM_NR_CLASSES || hart >= (int)mm_nr_harts)
		return -1;
	st->size = slab_class_size[cls];
	st->slabs = st->allocs = st->remote_frees = 0;
	for (i = 0; i < mm_nr_harts; i++) {
		struct mm_hart *h = mm_harts[i];
		struct mm_class *c = &h->slab.cls[cls];

		if (!h->ready || (hart >= 0 && (int)i != hart))
			continue;
		st->slabs += rdl(&c->nr_slabs);
		local += rdl(&c->local_frees);
		st->remote_frees += rdl(&c->remote_frees);
		taken += rdl(&c->taken_back);
		if (c->cur != &slab_none) /* frozen: count its free list */
			inuse += c->cur->nr_objs - slab_free_count(c->cur);
		inuse += list_inuse(c->partial) + list_inuse(c->full);
	}
	/*
	 * The fast paths count nothing (mm/slab.h: frozen current slabs), so
	 * what is exact is derived here: in_use from the slabs (remote frees
	 * not yet taken back still count in their slab), remote_frees from
	 * the remote path.  local_frees counts the local frees that took
	 * the slow path, and allocs = in_use + local_frees + remote_frees:
	 * an object allocated and freed within one current slab's term is
	 * in neither.
	 */
	st->in_slabs = inuse;
	if (hart < 0) {
		inuse -= st->remote_frees - taken;
		st->in_use = inuse;
		st->local_frees = local;
		st->allocs = inuse + local + st->remote_frees;
	} else {
		/* One hart's view: what its slabs handed out. */
		st->in_use = 0;
		st->local_frees = 0;
		st->allocs = inuse + local + taken;
	}
	return 0;
}

int mm_remote_atomics(unsigned int hart, unsigned long *posts,
		      unsigned long *takes)
{
	struct mm_hart *h;

	if (hart >= mm_nr_harts || !mm_harts[hart]->ready)
		return -1;
	h = mm_harts[hart];
	*posts = rdl(&h->rc.posts);
	*takes = rdl(&h->rc.takes);
	return 0;
}

unsigned long mm_remote_pending(unsigned long *max)
{
	unsigned long irq = port_irq_save();
	struct mm_hart *h = mm_this_hart();
	unsigned long bytes = h->ready ? slab_rc_pending(&h->slab) : 0;

	port_irq_restore(irq);
	*max = SLAB_RC_WAYS * SLAB_RC_WAY_BYTES;
	return bytes;
}

int mm_get_op_counts(unsigned int hart, unsigned long *atomics,
		     unsigned long *locks)
{
	const mm_stat_t *n;

	if (hart >= MM_MAX_HARTS)
		return -1;
	n = mm_op_counts[hart];
	if (!n) { /* this hart never ran mm_hart_init() */
		*atomics = *locks = 0;
		return 0;
	}
	/* Each acquisition's first exchange is counted as the lock. */
	*atomics = rdl(&n[MM_COUNT_ATOMICS]) + rdl(&n[MM_COUNT_LOCKS]);
	*locks = rdl(&n[MM_COUNT_LOCKS]);
	return 0;
}

void mm_print_slabinfo(bool per_hart)
{
	unsigned int c;
	int h;

	port_log("mm: slabinfo  size   in_use    slabs     allocs  local_frees "
		 "remote_frees\n");
	for (c = 0; c < MM_NR_CLASSES; c++) {
		struct mm_class_stats st;

		mm_get_class_stats(c, -1, &st);
		if (!st.allocs && !st.slabs)
			continue;
		port_log("mm: slabinfo %5zu %8lu %8lu %10lu %12lu %12lu\n",
			 st.size, st.in_use, st.slabs, st.allocs,
			 st.local_frees, st.remote_frees);
		if (!per_hart)
			continue;
		for (h = 0; h < (int)mm_nr_harts; h++) {
			mm_get_class_stats(c, h, &st);
			if (!st.allocs && !st.slabs && !st.remote_frees)
				continue;
			port_log("mm: slabinfo   hart %d: slabs=%lu allocs=%lu "
				 "remote_frees=%lu\n",
				 h, st.slabs, st.allocs, st.remote_frees);
		}
	}
}
