/* SPDX-License-Identifier: MIT */
/*
 * The host's side of mm/port.h: pthreads stand in for harts.
 *
 * A thread becomes "hart i" with port_host_set_hart(i); the index lives in a
 * thread-local variable.  There are no interrupts on the host, so masking
 * is a compiler barrier.  What an IPI does on the kernel (make another hart
 * run mm_drain_this_hart() soon) is a per-hart request flag here, which each
 * test thread services at points of its choosing with port_host_service():
 * the host equivalent of taking the interrupt.  Physical == virtual.
 */
#ifndef HARTSLAB_MM_HOST_PORT_HOST_H
#define HARTSLAB_MM_HOST_PORT_HOST_H

#include <stdbool.h>

#include "lib/types.h"

extern __thread unsigned int port_host_hart_index;

static inline unsigned int port_this_hart(void)
{
	return port_host_hart_index;
}

/*
 * Indexed by hart index; cleared by port_host_reset().  The calling
 * thread's entry is mirrored in a thread-local pointer (one load on the
 * fast paths, like tp->mm on the kernel), refreshed when a thread becomes
 * a hart (port_host_set_hart()) and whenever the entry is set.
 */
extern void *port_host_hart_mm[];
extern _Atomic unsigned long port_host_counts[][2];

static inline _Atomic unsigned long *port_hart_counts(void)
{
	return port_host_counts[port_this_hart()];
}

extern __thread void *port_host_this_mm
	__attribute__((tls_model("local-exec")));

static inline void *port_hart_mm(void)
{
	return port_host_this_mm;
}

static inline void port_set_hart_mm(void *mm)
{
	port_host_hart_mm[port_host_hart_index] = mm;
	port_host_this_mm = mm;
}

/* mm_init() time: every hart's pointer (threads may become harts later). */
void port_reset_hart_mm(void *mm);

static inline unsigned int port_this_hart_id(void)
{
	return port_host_hart_index;
}

/*
 * No interrupts on the host.  MM_DEBUG builds keep a per-thread "masked"
 * flag so that mm's precondition checks (port_irqs_disabled()) see what a
 * hart would; other builds only have the compiler barrier.
 */
#if MM_DEBUG
extern __thread bool port_host_irqs_off;

static inline unsigned long port_irq_save(void)
{
	unsigned long old = port_host_irqs_off;

	__asm__ volatile("" ::: "memory");
	port_host_irqs_off = true;
	return old;
}

static inline void port_irq_restore(unsigned long flags)
{
	__asm__ volatile("" ::: "memory");
	port_host_irqs_off = flags;
}

static inline bool port_irqs_disabled(void)
{
	return port_host_irqs_off;
}
#else
static inline unsigned long port_irq_save(void)
{
	__asm__ volatile("" ::: "memory");
	return 1;
}

static inline void port_irq_restore(unsigned long flags)
{
	(void)flags;
	__asm__ volatile("" ::: "memory");
}

static inline bool port_irqs_disabled(void)
{
	return true;
}
#endif

/*
 * Physical = virtual - port_host_phys_offset (0 unless a test moves it, to
 * put "physical 0" somewhere it can map).
 */
extern uintptr_t port_host_phys_offset;

static inline void *port_phys_to_virt(phys_addr_t pa)
{
	return (void *)(uintptr_t)(pa + port_host_phys_offset);
}

static inline phys_addr_t port_virt_to_phys(const void *va)
{
	return (phys_addr_t)((uintptr_t)va - port_host_phys_offset);
}

/* User addresses of x86-64: 47 bits. */
static inline phys_addr_t port_phys_limit(void)
{
	return 1ULL << 47;
}

uint64_t port_entropy(void);
/* Microseconds of CLOCK_MONOTONIC; no symbols on the host (NULL). */
uint64_t port_time_us(void);
const char *port_symbol(uintptr_t ip, unsigned long *off);

static inline void port_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__asm__ volatile("" ::: "memory");
#endif
}

void port_log(const char *fmt, ...) __printf(1, 2);
void port_panic(const char *fmt, ...) __printf(1, 2) __noreturn;
void port_kick_other_harts(void);

/* Host only. */
/* Make the calling thread hart @index (and mark that hart online). */
void port_host_set_hart(unsigned int index);
/* The calling thread stops being a hart (it no longer answers kicks). */
void port_host_hart_offline(void);
/* Forget every online hart (mm_init-time reset for tests). */
void port_host_reset(void);
/* If another hart asked this one to drain, do it now; true if it did. */
bool port_host_service(void);
/* Silence port_log (tests that provoke many reports). */
void port_host_set_quiet(bool quiet);
/* How many kicks were sent, and how many were answered in time. */
unsigned long port_host_kicks(void);

#endif
