// SPDX-License-Identifier: MIT
/*
 * Power-off.  Three ways, tried in this order because the first two carry
 * the exit status to the host and SRST does not (OpenSBI powers off QEMU
 * with status 0 whatever the reason):
 *
 *  - QEMU's test device, "sifive,test1"/"sifive,test0" (virt): 0x5555
 *    powers off with status 0, (code << 16) | 0x3333 exits with code;
 *  - HTIF, "ucb,htif0" (spike): tohost = (code << 1) | 1 exits with code;
 *  - SBI SRST, called even when the probe said no (before sbi_init, or on
 *    firmware that does not list it): an unsupported call only returns an
 *    error.  On sifive_u OpenSBI 1.1 has a reboot device but no shutdown
 *    device, so SRST shutdown is refused.
 *
 * Then there is nothing left: say so in one "power: " line and halt every
 * hart, so the machine is visibly dead rather than silently hung.
 * The pointers are set by the boot hart before any other hart runs and
 * never change afterwards.
 */
#include "kernel/power.h"

#include "arch/riscv/csr.h"
#include "arch/riscv/memlayout.h"
#include "arch/riscv/pgtable.h"
#include "lib/errno.h"
#include "kernel/hart.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "sbi/sbi.h"

#define TEST_PASS 0x5555
#define TEST_FAIL 0x3333

/*
 * HTIF: device 0 (syscall proxy), command 0, payload (code << 1) | 1.
 * Where the tree gives HTIF a reg, fromhost is its first word and tohost
 * the second (QEMU's htif_mm_init with a fixed base).  The host acts on
 * the write of tohost's upper half, so the lower half goes first.
 */
#define HTIF_TOHOST_LO 2 /* in 32-bit words */
#define HTIF_TOHOST_HI 3

/* How long a device that should have ended the machine is given. */
#define POWER_GRACE_LOOPS 1000000

static volatile uint32_t *exit_reg;
static volatile uint32_t *htif_reg;

int power_init(const struct platform *p)
{
	if (p->exit_dev.present) {
		exit_reg = ioremap(p->exit_dev.base,
				   p->exit_dev.size ?: PAGE_SIZE);
		if (!exit_reg)
			return -ENOMEM;
	}
	if (p->htif.present) {
		htif_reg = ioremap(p->htif.base, p->htif.size ?: PAGE_SIZE);
		if (!htif_reg)
			return -ENOMEM;
	}
	return 0;
}

void power_init_early(const struct platform *p)
{
	if (p->exit_dev.present)
		exit_reg = phys_to_virt(p->exit_dev.base);
	if (p->htif.present)
		htif_reg = phys_to_virt(p->htif.base);
}

static void grace(void)
{
	unsigned long i;

	for (i = 0; i < POWER_GRACE_LOOPS; i++)
		cpu_relax();
}

void power_off(int code)
{
	int ret;

	irq_disable();
	if (exit_reg) {
		*exit_reg =
			code ? ((uint32_t)code << 16) | TEST_FAIL : TEST_PASS;
		grace();
	}
	if (htif_reg) {
		htif_reg[HTIF_TOHOST_LO] = ((uint32_t)code << 1) | 1;
		htif_reg[HTIF_TOHOST_HI] = 0;
		grace();
	}
	ret = sbi_system_reset(SBI_SRST_SHUTDOWN, code ? SBI_SRST_SYSTEM_FAILURE
						       : SBI_SRST_NO_REASON);
	printk("power: cannot power off (no test device, no HTIF, SBI SRST "
	       "%s): exit status %d, halting every hart\n",
	       ret == -ENOSYS ? "refused" : errno_name(ret), code);
	smp_stop_others();
	hart_halt();
}
