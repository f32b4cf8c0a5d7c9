// SPDX-License-Identifier: MIT
/*
 * panic() and power-off.  The first hart to panic owns the console's last
 * words; a second one halts quietly.  Exit codes reach the host through
 * QEMU's test device: 0x5555 powers off with status 0, (code << 16) | 0x3333
 * exits with status code.
 */
#include "kernel/panic.h"

#include <stdatomic.h>
#include <stdarg.h>

#include "arch/riscv/csr.h"
#include "arch/riscv/memlayout.h"
#include "arch/riscv/pgtable.h"
#include "lib/errno.h"
#include "kernel/hart.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "sbi/sbi.h"

#define TEST_PASS 0x5555
#define TEST_FAIL 0x3333

static atomic_int panicking;
static volatile uint32_t *exit_reg;

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

int power_init(const struct platform_exit_dev *dev)
{
	if (!dev->present)
		return 0;
	exit_reg = ioremap(dev->base, dev->size ? dev->size : PAGE_SIZE);
	return exit_reg ? 0 : -ENOMEM;
}

void power_init_early(const struct platform_exit_dev *dev)
{
	exit_reg = phys_to_virt(dev->base);
}

void machine_exit(int code)
{
	irq_disable();
	if (exit_reg)
		*exit_reg =
			code ? ((uint32_t)code << 16) | TEST_FAIL : TEST_PASS;
	if (sbi_get_info()->has_srst)
		sbi_system_reset(SBI_SRST_SHUTDOWN,
				 code ? SBI_SRST_SYSTEM_FAILURE
				      : SBI_SRST_NO_REASON);
	hart_halt();
}
