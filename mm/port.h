/* SPDX-License-Identifier: MIT */
/*
 * The port layer: everything mm/ needs from the machine, and nothing more.
 *
 * mm/ is built twice from the same sources: for the kernel (HARTSLAB_KERNEL
 * defined, the header below is kernel/mm_port.h) and for the host
 * (pthreads stand in for harts, the header is mm/host/port_host.h).  Each
 * implementation provides exactly this contract:
 *
 *   unsigned int port_this_hart(void)
 *	Dense index (0 .. nr_harts-1) of the hart running the caller.  Stable
 *	while interrupts are masked; on the kernel a thread never migrates.
 *   void *port_hart_mm(void) / void port_set_hart_mm(void *mm)
 *	One pointer per hart that mm keeps for itself (its struct mm_hart),
 *	read by the fast paths with one load (tp->mm on the kernel).  Only
 *	that hart sets it (mm_hart_init()).  The host keeps it per hart
 *	index and port_host_reset() clears it.
 *   mm_stat_t *port_hart_counts(void)
 *	Two counters per hart that mm counts its atomic instructions and
 *	lock acquisitions in (mm/internal.h), written by that hart only and
 *	reached without forming the hart's index (tp-relative on the
 *	kernel, so that counting costs three instructions).  The storage
 *	lives as long as the hart.
 *   void port_reset_hart_mm(void *mm)
 *	mm_init(): point the per-hart pointer at mm's stand-in slot, so that
 *	the fast paths need no NULL test.  The host does it for every hart
 *	index; the kernel for the calling (boot) hart, the others being
 *	started later and calling mm_hart_init() before they allocate.
 *   unsigned int port_this_hart_id(void)
 *	The hart's hardware id (mhartid), for messages only.
 *   bool port_irqs_disabled(void)
 *	Are interrupts masked on this hart (MM_DEBUG precondition checks)?
 *   uint64_t port_time_us(void)
 *	Microseconds since some fixed point (slab_debug's records).
 *   const char *port_symbol(uintptr_t ip, unsigned long *off)
 *	The name of the function holding @ip and @ip's offset in it, or
 *	NULL (then reports print the address for addr2line).
 *   phys_addr_t port_phys_limit(void)
 *	RAM must end at or below this physical address (what the kernel's
 *	linear map covers).
 *   uint64_t port_entropy(void)
 *	A value that differs from boot to boot (time and instret).
 *   unsigned long port_irq_save(void) / void port_irq_restore(unsigned long)
 *	Mask interrupts on this hart and restore the previous state.  Both
 *	are compiler barriers.  No atomic instruction.  The saved value is
 *	opaque (the kernel's is the whole old sstatus).
 *   void *port_phys_to_virt(phys_addr_t pa)
 *   phys_addr_t port_virt_to_phys(const void *va)
 *	Linear-map conversion (the host: an offset, 0 unless a test moves
 *	it).
 *   void port_cpu_relax(void)
 *	Spin-wait hint.
 *   void port_log(const char *fmt, ...)
 *	One formatted message to the console (printk on the kernel).
 *   void port_panic(const char *fmt, ...)
 *	Does not return.
 *   void port_kick_other_harts(void)
 *	Ask every other online hart to call mm_drain_this_hart() soon (an
 *	IPI on the kernel), and wait a bounded time for them to do it.
 *   PORT_RSEQ, PORT_RSEQ_ENTRY(start, end) (optional, the kernel only)
 *	Restartable sequences instead of interrupt masking on the slab fast
 *	paths: kernel/mm_port.h says how they are restarted.
 *
 * Atomics are C11 <stdatomic.h> on both sides (GCC provides it freestanding;
 * on RV64 with the A extension every 8-byte operation is a single AMO or an
 * LR/SC loop, no libatomic).
 */
#ifndef HARTSLAB_MM_PORT_H
#define HARTSLAB_MM_PORT_H

#include "lib/types.h"

#ifdef HARTSLAB_KERNEL
#include "kernel/mm_port.h"
#else
#include "mm/host/port_host.h"
#endif

#endif
