// SPDX-License-Identifier: MIT
/*
 * printk: format into a buffer on the caller's stack, then write it out
 * under console_lock so lines from different harts never interleave.
 * A panicking hart waits a bounded time for the lock and then writes
 * anyway: a garbled line beats a silent hang.
 */
#include "kernel/printk.h"

#include "arch/riscv/csr.h"
#include "kernel/console.h"
#include "kernel/panic.h"
#include "kernel/spinlock.h"

#define PRINTK_LINE	 256
#define PANIC_LOCK_SPINS 2000000

static struct spinlock console_lock;

static bool lock_console(unsigned long *flags)
{
	long spins = PANIC_LOCK_SPINS;

	*flags = irq_save();
	if (!in_panic()) {
		spin_lock(&console_lock);
		return true;
	}
	while (spins-- > 0)
		if (spin_trylock(&console_lock))
			return true;
	return false;
}

int vprintk(const char *fmt, va_list ap)
{
	char line[PRINTK_LINE];
	unsigned long flags;
	bool locked;
	int n;

	n = vsnprintf(line, sizeof(line), fmt, ap);
	locked = lock_console(&flags);
	console_write(line,
		      n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1);
	if (locked)
		spin_unlock(&console_lock);
	irq_restore(flags);
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}
