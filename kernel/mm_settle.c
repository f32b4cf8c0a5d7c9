// SPDX-License-Identifier: MIT
/*
 * A settled count of free memory, for the suites that check that memory
 * comes back exactly (stress, mm, kmem_cache, hotplug).  Above both mm
 * and smp: mm calls smp (its drain requests), this calls both.
 */
#include "kernel/mm_settle.h"
#include "kernel/smp.h"
#include "mm/mm.h"

static void post_remote_frees(void *arg)
{
	(void)arg;
	mm_idle();
}

static void drain_everything(void *arg)
{
	(void)arg;
	mm_drain_this_hart(true);
}

/*
 * Two rounds, because a drain takes back only what was posted to its hart
 * before it: first every hart posts its batched remote frees, then every
 * hart drains (its caches, its inbox, and the parked harts' slabs).
 */
uint64_t mm_settled_free_bytes(void)
{
	struct mm_totals t;

	smp_run_on_all(post_remote_frees, NULL);
	smp_run_on_all(drain_everything, NULL);
	mm_get_totals(&t);
	return t.free_bytes;
}
