/* SPDX-License-Identifier: MIT */
/*
 * Harts: the table of usable harts, bringing the others up with SBI HSM
 * (kernel/smp.c), inter-hart interrupts and running work on other harts
 * (kernel/hart.c).
 */
#ifndef HARTSLAB_KERNEL_SMP_H
#define HARTSLAB_KERNEL_SMP_H

#include "kernel/hart.h"
#include "kernel/platform.h"

enum ipi_kind {
	IPI_PING = 1UL << 0,  /* acknowledge, nothing else (tests) */
	IPI_DRAIN = 1UL << 1, /* the drain handler (mm's drain) */
	IPI_STOP = 1UL << 2,  /* halt for good (panic) */
	IPI_WORK = 1UL << 3,  /* wake up: work was posted */
};

/* What a starting hart reads with the MMU off (physical address in a1). */
struct hart_boot_info {
	unsigned long satp;
	unsigned long tp;
	unsigned long sp;
	unsigned long entry;
};

/* tp's struct hart for the boot hart, before anything else runs. */
void boot_hart_early(unsigned long hartid);
/* Number the usable harts of @p and adopt the boot hart as one of them. */
int smp_init(const struct platform *p, uint32_t boot_hartid);
/* Start every other usable hart and wait for each to come online. */
int smp_boot_secondaries(void);
unsigned int smp_online_count(void);
/* Harts of the table that the firmware did not start (named at boot). */
unsigned int smp_failed_count(void);
/* Index of an online hart other than the caller's, or the caller's own. */
unsigned int smp_other_online_hart(void);
unsigned int smp_boot_index(void);
/* "smp: online=<N> boot=<id> ids=<id>,<id>,..." */
void smp_report(void);
void smp_report_parked(void);

/*
 * For the boot-entry test: stop hart @index with HSM while it is idle
 * (it goes offline), then start it at the kernel's boot entry with @arg in
 * a1, as OpenSBI 1.1's race does; it must lose the lottery and join again.
 * 0 or -errno.  smp_boot_reentries() counts the joins through the entry.
 */
int smp_park_hart(unsigned int index);
int smp_start_at_boot_entry(unsigned int index, unsigned long arg);
uint32_t smp_boot_reentries(unsigned int index);
int smp_start_unasked_then_join(unsigned int index, unsigned long arg);
uint32_t smp_parked_count(void); /* harts parked in the boot entry */

/*
 * Hart hot-plug (kernel/hotplug.c): wait up to @timeout_us until HSM
 * calls hart @index stopped (0, -ETIMEDOUT or -errno); start the stopped
 * hart @index again through the secondary entry and wait up to
 * @timeout_us until it is online.
 */
int smp_hart_wait_stopped(unsigned int index, uint64_t timeout_us);
int smp_restart_hart(unsigned int index, uint64_t timeout_us);

int smp_send_ipi(unsigned int index, unsigned long kinds);
/* IPI_PING every other online hart; the number that answered in time. */
unsigned int smp_ping_others(uint64_t timeout_us);
/* Ask the others to drain mm, wait (bounded) for their answers. */
void smp_drain_others(uint64_t timeout_us);
/*
 * What a hart does on IPI_DRAIN (mm's drain, registered by the boot code so
 * that this layer does not call into mm).  Set before the other harts start.
 */
void smp_set_drain_handler(void (*fn)(void));
/* The IPI handler (the trap code calls it through struct trap_ops). */
void smp_handle_ipi(void);
void smp_stop_others(void);

/*
 * Run @fn(@arg) on hart @index (not the caller) from its idle loop, with
 * interrupts on.  One poster per target at a time: the caller claims the
 * target and must call smp_wait(), which waits for the job to return and
 * gives the claim back.  -EBUSY while another poster holds the target or
 * a job is still running, -EINVAL for the caller itself or an offline hart.
 */
int smp_run_on(unsigned int index, void (*fn)(void *), void *arg);
void smp_wait(unsigned int index);
/* Run @fn on every online hart, the caller included; wait for all. */
void smp_run_on_all(void (*fn)(void *), void *arg);

#endif
