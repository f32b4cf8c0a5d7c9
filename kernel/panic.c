// SPDX-License-Identifier: MIT
/*
 * panic().  The first hart to panic owns the console's last words; a
 * second one halts quietly.  Power-off, with the exit status where there is
 * a way to carry it, is kernel/power.c.
 */
#include "kernel/panic.h"

#include <stdatomic.h>
#include <stdarg.h>

#include "arch/riscv/csr.h"
#include "arch/riscv/memlayout.h"
#include "arch/riscv/pgtable.h"
#include "lib/errno.h"
#include "kernel/hart.h"
#include "kernel/power.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "sbi/sbi.h"

static atomic_int panicking;

bool in_panic(void)
{
	return atomic_load_explicit(&panicking, memory_order_relaxed);
}

bool panic_begin(void)
{
	int expected = 0;

	return atomic_compare_exchange_strong(&panicking, &expected, 1);
}

void hart_halt(void)
{
	irq_disable();
	for (;;)
		wait_for_interrupt();
}

void panic(const char *fmt, ...)
{
	va_list ap;

	irq_disable();
	if (!panic_begin())
		hart_halt();
	printk("panic: hart %u: ", this_hart()->hartid);
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk("\n");
	smp_stop_others();
	machine_exit(1);
}

void machine_exit(int code)
{
	power_off(code);
}
