/* SPDX-License-Identifier: MIT */
/* The kernel's side of mm/port.h: see that file for the contract. */
#ifndef HARTSLAB_ARCH_RISCV_MM_PORT_H
#define HARTSLAB_ARCH_RISCV_MM_PORT_H

#include "arch/riscv/csr.h"
#include "arch/riscv/memlayout.h"
#include "kernel/hart.h"

static inline unsigned int port_this_hart(void)
{
	return this_hart()->index;
}

/*
 * tp is fixed by the ABI to this hart's struct hart; naming it as a global
 * register variable lets the compiler read tp->mm with one load.
 */
register struct hart *port_tp __asm__("tp");

static inline void *port_hart_mm(void)
{
	return port_tp->mm;
}

static inline void port_set_hart_mm(void *mm)
{
	port_tp->mm = mm;
}

/* tp-relative: counting costs a load, an add and a store. */
static inline unsigned long *port_hart_counts(void)
{
	return port_tp->mm_counts;
}

/*
 * mm_init() time: the calling hart's pointer (the boot hart's).  The other
 * harts' struct hart do not exist yet; their pointer is set by their own
 * mm_hart_init(), which runs before their first allocation.
 */
static inline void port_reset_hart_mm(void *mm)
{
	port_tp->mm = mm;
}

static inline unsigned int port_this_hart_id(void)
{
	return this_hart()->hartid;
}

/*
 * mm's own masking, one instruction each way: save returns the whole old
 * sstatus (csrrc), restore sets its bits again (csrs).  Bits other than
 * SIE are set in the old value only if they were set in sstatus, and no
 * mm code between save and restore clears any sstatus bit (a trap taken
 * in between returns with sstatus as it found it), so setting them again
 * writes the value they already have: only SIE changes, back to what it
 * was.  Nesting works as with irq_save(): an inner restore of a value
 * saved with SIE clear leaves SIE clear.  The values are opaque to mm.
 */
static inline unsigned long port_irq_save(void)
{
	unsigned long old;

	__asm__ volatile("csrrc %0, sstatus, %1"
			 : "=r"(old)
			 : "i"(SSTATUS_SIE)
			 : "memory");
	return old;
}

static inline void port_irq_restore(unsigned long flags)
{
	__asm__ volatile("csrs sstatus, %0" : : "r"(flags) : "memory");
}

static inline bool port_irqs_disabled(void)
{
	return !(csr_read(sstatus) & SSTATUS_SIE);
}

/* The linear map covers physical 0 .. LINEAR_MAP_SIZE. */
static inline phys_addr_t port_phys_limit(void)
{
	return LINEAR_MAP_SIZE;
}

/* Boot entropy when the device tree has no rng-seed: time and instret. */
static inline uint64_t port_entropy(void)
{
	return (rdtime() * 0x9e3779b97f4a7c15ULL) ^ rdinstret();
}

/*
 * Restartable sequences (PORT_RSEQ): mm's kmalloc/kfree fast paths do not
 * mask interrupts.  Each is a short instruction sequence [start, end) that
 * ends with the one store that commits it; PORT_RSEQ_ENTRY() records the
 * pair in the mm_rseq section.  When an interrupt arrives with sepc inside
 * such a range, the trap code calls port_rseq_restart() before handling
 * it, which moves sepc back to the range's start: the handler may then
 * use mm freely (the drain IPI, GFP_ATOMIC allocations), and the sequence
 * runs again from the start with its input registers, which the trap
 * frame preserves, and rereads whatever the handler changed.  An
 * interrupt after the commit store returns past the range as usual.
 * Rules for a sequence: no store but the last has an effect visible to
 * anyone else (kfree's write of the link into the object being freed is
 * its own), inputs are never written, no call, no fault possible.
 */
#define PORT_RSEQ 1
#define PORT_RSEQ_ENTRY(start, end)                                          \
	".pushsection mm_rseq, \"a\"\n\t.balign 8\n\t.dword " start ", " end \
	"\n\t.popsection\n"

/* Trap code, interrupts only: rewind *@pc if it lies in a sequence. */
void port_rseq_restart(unsigned long *pc);

static inline void *port_phys_to_virt(phys_addr_t pa)
{
	return phys_to_virt(pa);
}

static inline phys_addr_t port_virt_to_phys(const void *va)
{
	return virt_to_phys(va);
}

static inline void port_cpu_relax(void)
{
	cpu_relax();
}

/* Microseconds since reset (slab_debug's records). */
uint64_t port_time_us(void);
/* The kernel symbol holding @ip and the offset into it; NULL if none. */
const char *port_symbol(uintptr_t ip, unsigned long *off);
void port_log(const char *fmt, ...) __printf(1, 2);
void port_panic(const char *fmt, ...) __printf(1, 2) __noreturn;
void port_kick_other_harts(void);

#endif
