/* SPDX-License-Identifier: MIT */
/*
 * Per-hart data.  Each hart's `tp` register points at its own struct hart
 * for its whole life; only that hart writes the fields marked "own", other
 * harts may read the atomics.
 */
#ifndef HARTSLAB_KERNEL_HART_H
#define HARTSLAB_KERNEL_HART_H

#ifndef __ASSEMBLY__
#include "lib/types.h"
#include <stdatomic.h>

struct trap_fixup;

struct hart {
	/* Read by the trap entry code: keep these first (see HART_* below). */
	unsigned long stack_base;   /* lowest usable stack address */
	unsigned long emergency_sp; /* stack for reporting an overflow */
	/* own */
	unsigned int index; /* dense: 0 .. nr_harts-1 */
	uint32_t hartid;    /* hardware id */
	unsigned long stack_top;
	struct trap_fixup *fixup;   /* an expected fault (tests) */
	const char *doing;	    /* what the hart is doing (watchdog) */
	void *mm;		    /* mm's per-hart slot (port_hart_mm) */
	unsigned long mm_counts[2]; /* mm's op counts (port_hart_counts) */
	/* shared */
	_Atomic unsigned long ipi_pending; /* bits of enum ipi_kind */
	_Atomic unsigned long ipi_acks;	   /* counts handled IPIs */
	_Atomic unsigned long heartbeat;   /* bumped as work progresses */
	_Atomic unsigned long timer_ticks;
	_Atomic int online;
	/* Work posted to this hart by smp_run_on() (see kernel/hart.c). */
	_Atomic int work_poster; /* poster's index + 1, 0: free */
	void (*work_fn)(void *arg);
	void *work_arg;
	_Atomic unsigned long work_posted;
	_Atomic unsigned long work_done;
};

static inline struct hart *this_hart(void)
{
	struct hart *h;

	__asm__("mv %0, tp" : "=r"(h));
	return h;
}

unsigned int hart_count(void); /* online + starting harts, after smp */
struct hart *hart_by_index(unsigned int index);

#endif /* __ASSEMBLY__ */

/* Offsets for assembly. */
#define HART_STACK_BASE	  0
#define HART_EMERGENCY_SP 8

#endif
