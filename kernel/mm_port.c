// SPDX-License-Identifier: MIT
/* The kernel's out-of-line half of mm/port.h. */
#include "kernel/mm_port.h"

#include <stdarg.h>

#include "kernel/ksyms.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "kernel/timer.h"

#define DRAIN_WAIT_US 20000

uint64_t port_time_us(void)
{
	return time_us();
}

const char *port_symbol(uintptr_t ip, unsigned long *off)
{
	return ksyms_lookup(ip, off);
}

void port_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

void port_panic(const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	panic("%s", msg);
}

/*
 * Out of memory on this hart: ask the others to give back what they hold.
 * The wait is bounded, so two harts that run out at once with interrupts
 * off cannot wait for each other forever.
 */
void port_kick_other_harts(void)
{
	smp_drain_others(DRAIN_WAIT_US);
}

/* The mm_rseq section: (start, end) pairs, from PORT_RSEQ_ENTRY(). */
struct rseq_range {
	unsigned long start, end;
};
/* Weak: an MM_DEBUG build masks interrupts and has no sequence at all. */
extern const struct rseq_range __start_mm_rseq[] __attribute__((weak));
extern const struct rseq_range __stop_mm_rseq[] __attribute__((weak));

void port_rseq_restart(unsigned long *pc)
{
	const struct rseq_range *r;

	for (r = __start_mm_rseq; r < __stop_mm_rseq; r++)
		if (*pc - r->start < r->end - r->start) {
			*pc = r->start;
			return;
		}
}
