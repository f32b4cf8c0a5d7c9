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

/* Indexed by hart index; cleared by port_host_reset(). */
extern void *port_host_hart_mm[];

static inline void *port_hart_mm(void)
{
	return port_host_hart_mm[port_host_hart_index];
}

static inline void port_set_hart_mm(void *mm)
{
	port_host_hart_mm[port_host_hart_index] = mm;
}

/* mm_init() time: every hart's pointer (threads may become harts later). */
void port_reset_hart_mm(void *mm);

static inline unsigned int port_this_hart_id(void)
{
	return port_host_hart_index;
}

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

static inline void *port_phys_to_virt(phys_addr_t pa)
{
	return (void *)(uintptr_t)pa;
}

static inline phys_addr_t port_virt_to_phys(const void *va)
{
	return (phys_addr_t)(uintptr_t)va;
}

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
