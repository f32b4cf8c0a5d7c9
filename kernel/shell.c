// SPDX-License-Identifier: MIT
/*
 * The serial console: a prompt on the boot hart, polled input, line editing
 * with backspace, one command per line.  Commands run on the boot hart;
 * "stress" borrows every other hart through smp_run_on(), as the KTAP suite
 * does.
 */
#include "kernel/shell.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "arch/riscv/csr.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/hart.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "mm/mm.h"
#include "kernel/stress.h"

#define LINE_MAX	 80
#define STRESS_DEFAULT_S 2
#define STRESS_MAX_S	 3600

struct command {
	const char *name;
	const char *help;
	void (*run)(const char *args);
};

static void cmd_help(const char *args);

static void cmd_meminfo(const char *args)
{
	mm_report();
}

static void cmd_buddyinfo(const char *args)
{
	mm_print_buddyinfo();
}

static void cmd_slabinfo(const char *args)
{
	bool per_hart = !strcmp(args, "harts");

	if (*args && !per_hart) {
		printk("usage: slabinfo [harts]\n");
		return;
	}
	mm_print_slabinfo(per_hart);
}

static void cmd_harts(const char *args)
{
	unsigned int i;

	printk("%-6s %-6s %-7s %-10s %-12s %s\n", "hart", "index", "online",
	       "ticks", "heartbeat", "doing");
	for (i = 0; i < hart_count(); i++) {
		const struct hart *h = hart_by_index(i);
		const char *doing;

		if (!h) {
			printk("%-6s %-6u %-7s\n", "-", i, "no");
			continue;
		}
		doing = *(const char *const volatile *)&h->doing;
		printk("%-6u %-6u %-7s %-10lu %-12lu %s\n", h->hartid, h->index,
		       atomic_load(&h->online) ? "yes" : "no",
		       atomic_load(&h->timer_ticks), atomic_load(&h->heartbeat),
		       h == this_hart() ? "console"
		       : doing		? doing
					: "idle");
	}
}

static void __printf(1, 2) shell_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk("\n");
}

static void run_stress(unsigned int seconds, bool bursts)
{
	struct stress_opts o = { .seconds = seconds,
				 .say = shell_say,
				 .no_bursts = !bursts };
	struct stress_result r;
	unsigned int i;

	printk("stress: %u s on %u harts...\n", o.seconds, smp_online_count());
	if (stress_run(&o, &r)) {
		printk("stress: PASS, free memory back to %llu bytes\n",
		       (unsigned long long)r.free_after);
		return;
	}
	for (i = 0; i < r.nr_errors && i < STRESS_MAX_ERRORS; i++)
		printk("stress: FAIL: %s\n", r.errors[i]);
	if (r.free_after != r.free_before)
		printk("stress: FAIL: free bytes %llu after, %llu before\n",
		       (unsigned long long)r.free_after,
		       (unsigned long long)r.free_before);
	if (r.bad_frees)
		printk("stress: FAIL: %lu bad frees\n", r.bad_frees);
}

static void cmd_stress(const char *args)
{
	unsigned long s = STRESS_DEFAULT_S;

	if (*args) {
		char *end;

		s = strtoul(args, &end, 10);
		if (*end || !s || s > STRESS_MAX_S) {
			printk("usage: stress [seconds: 1..%u]\n",
			       STRESS_MAX_S);
			return;
		}
	}
	run_stress(s, true);
}

static const struct command commands[] = {
	{ "help", "list the commands", cmd_help },
	{ "meminfo", "sections, managed/free/metadata bytes", cmd_meminfo },
	{ "buddyinfo", "free blocks per order per section", cmd_buddyinfo },
	{ "slabinfo", "per class: objects, slabs, frees ('harts': per hart)",
	  cmd_slabinfo },
	{ "harts", "state of each hart", cmd_harts },
	{ "stress", "[seconds] run the stress workload on every hart",
	  cmd_stress },
	{ "poweroff", "power the machine off", NULL },
};

static void cmd_help(const char *args)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		printk("  %-10s %s\n", commands[i].name, commands[i].help);
}

static int read_char(void)
{
	int c;

	while ((c = console_getc()) < 0)
		wait_for_interrupt();
	return c;
}

/* Read one line with backspace editing; returns its length. */
static size_t read_line(char *buf, size_t len)
{
	size_t n = 0;

	for (;;) {
		int c = read_char();

		if (c == '\r' || c == '\n') {
			printk("\n");
			buf[n] = '\0';
			return n;
		}
		if ((c == 0x7f || c == '\b') && n) {
			n--;
			printk("\b \b");
		} else if (c >= ' ' && c < 0x7f && n + 1 < len) {
			buf[n++] = (char)c;
			printk("%c", c);
		}
	}
}

/*
 * What `make run` shows before the prompt: one second of the stress
 * workload on every hart, with remote frees between all of them.
 * "demo=0" on the command line skips it.
 */
static void smp_demo(void)
{
	if (!cmdline_get_ulong("demo", 1))
		return;
	printk("demo: every hart allocates, hands 3 of 4 objects to the "
	       "others, and frees what it receives\n");
	run_stress(1, false);
}

void shell_run(void)
{
	char line[LINE_MAX];

	smp_demo();
	printk("hartslab console: type 'help'\n");
	for (;;) {
		const struct command *cmd = NULL;
		const char *args;
		unsigned int i;
		size_t n;

		printk("hartslab> ");
		read_line(line, sizeof(line));
		args = strchr(line, ' ');
		n = args ? (size_t)(args - line) : strlen(line);
		if (!n)
			continue;
		for (i = 0; i < ARRAY_SIZE(commands); i++)
			if (strlen(commands[i].name) == n &&
			    !strncmp(commands[i].name, line, n))
				cmd = &commands[i];
		if (!cmd) {
			printk("unknown command '%.*s': type 'help' for the "
			       "list\n",
			       (int)n, line);
			continue;
		}
		if (!cmd->run)
			return;
		cmd->run(args ? args + 1 : "");
	}
}
