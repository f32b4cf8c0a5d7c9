// SPDX-License-Identifier: MIT
/* The kernel's out-of-line half of mm/port.h. */
#include "kernel/mm_port.h"

#include <stdarg.h>

#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/smp.h"

#define DRAIN_WAIT_US 20000

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
