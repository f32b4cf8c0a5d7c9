// SPDX-License-Identifier: MIT
/*
 * The serial console: a prompt on the boot hart, polled input, line editing
 * with backspace, one command per line.
 */
#include "kernel/shell.h"

#include <string.h>

#include "arch/riscv/csr.h"
#include "kernel/console.h"
#include "kernel/printk.h"
#include "mm/mm.h"

#define LINE_MAX 80

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

static const struct command commands[] = {
	{ "help", "list the commands", cmd_help },
	{ "meminfo", "sections, managed/free/metadata bytes", cmd_meminfo },
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

void shell_run(void)
{
	char line[LINE_MAX];

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
			printk("unknown command '%.*s': try 'help'\n", (int)n,
			       line);
			continue;
		}
		if (!cmd->run)
			return;
		cmd->run(args ? args + 1 : "");
	}
}
