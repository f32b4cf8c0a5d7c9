// SPDX-License-Identifier: MIT
/*
 * "crash=<what>" on the command line provokes a real fatal fault, so the
 * harness can check the panic report and the exit status end to end:
 *   crash=wx     store to kernel text (W^X: a store page fault)
 *   crash=stack  unbounded recursion into the stack's guard page
 */
#include "kernel/crash.h"

#include <string.h>

#include "kernel/cmdline.h"
#include "kernel/printk.h"

static void __attribute__((noinline)) crash_write_text(void)
{
	*(volatile unsigned int *)crash_write_text = 0;
}

/* Recurses until the guard page stops it (depth is never reached). */
static unsigned long __attribute__((noinline))
crash_recurse(unsigned long n, unsigned long depth)
{
	volatile char pad[256];

	pad[0] = (char)n;
	if (n == depth)
		return pad[0];
	return crash_recurse(n + 1, depth) + pad[0];
}

void crash_if_requested(void)
{
	char what[16];

	if (!cmdline_get("crash", what, sizeof(what)))
		return;
	printk("crash: provoking '%s'\n", what);
	if (!strcmp(what, "wx"))
		crash_write_text();
	else if (!strcmp(what, "stack"))
		crash_recurse(0, ~0UL);
	printk("crash: unknown or survived '%s'\n", what);
}
