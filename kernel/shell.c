// SPDX-License-Identifier: MIT
/*
 * The serial console: a prompt on the boot hart, polled input, one command
 * per line.  Line editing as in a shell: Left/Right, Home/End (also Ctrl-A
 * and Ctrl-E), Backspace and Delete anywhere in the line, Up/Down through
 * the last HISTORY_LINES lines, Ctrl-U kills the line, Ctrl-C abandons it
 * or interrupts a running "stress".  The screen is kept in step with '\b'
 * and reprinting the rest of the line, which every terminal understands.
 * Commands run on the boot hart; "stress" borrows every other hart through
 * smp_run_on(), as the KTAP suite does.  Everything here runs on the boot
 * hart only, so its state needs no lock.
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
#include "kernel/hotplug.h"
#include "kernel/panic.h"
#include "kernel/power.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "kernel/stress.h"
#include "lib/errno.h"
#include "lib/kstrtox.h"
#include "mm/cache.h"
#include "mm/mm.h"
#include "sbi/sbi.h"

#define LINE_MAX	 80 /* with the NUL: 79 characters */
#define HISTORY_LINES	 16
#define TYPEAHEAD	 32
#define STRESS_DEFAULT_S 2
#define STRESS_MAX_S	 3600

#define CTRL(c) ((c)&0x1f)
#define KEY_ESC 0x1b
#define KEY_DEL 0x7f
/* Keys decoded from escape sequences: above any byte. */
enum {
	KEY_UP = 0x100,
	KEY_DOWN,
	KEY_RIGHT,
	KEY_LEFT,
	KEY_HOME,
	KEY_END,
	KEY_DELETE,
	KEY_UNKNOWN,
};

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
	kmem_cache_print_slabinfo(); /* named caches, by name */
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
		       h == this_hart()		  ? "console"
		       : !atomic_load(&h->online) ? "stopped"
		       : doing			  ? doing
						  : "idle");
	}
}

/* A hart by its hardware id (the "hart" column of `harts`). */
static int hart_index_of(const char *arg, unsigned int *index)
{
	unsigned long id;
	unsigned int i;

	if (kstrtoul(arg, 0, &id))
		return -EINVAL;
	for (i = 0; i < hart_count(); i++) {
		const struct hart *h = hart_by_index(i);

		if (h && h->hartid == id) {
			*index = i;
			return 0;
		}
	}
	return -ENOENT;
}

static void shell_loop(void);

/*
 * The console moves to another hart before its own hart stops: the loop
 * runs there as posted work (its state is static and one hart runs it at a
 * time: this one stops right after posting it).
 */
static void console_job(void *arg)
{
	const struct hart *from = arg;
	int ret = smp_hart_wait_stopped(from->index, 20000000);

	if (ret)
		printk("hart: hart %u did not stop: %s\n", from->hartid,
		       errno_name(ret));
	else
		printk("hart: hart %u stopped\n", from->hartid);
	shell_loop();
	machine_exit(0); /* "poweroff" */
}

static int move_console_and_stop(void)
{
	unsigned int i, self = this_hart()->index;
	int ret;

	for (i = 0; i < hart_count(); i++) {
		const struct hart *h = hart_by_index(i);

		if (i == self || !h || !atomic_load(&h->online))
			continue;
		/* Said first: the new console's prompt follows at once. */
		printk("hart: console moves to hart %u\n", h->hartid);
		if (smp_run_on(i, console_job, this_hart())) {
			printk("hart: hart %u is busy\n", h->hartid);
			continue;
		}
		ret = hotplug_stop_self();
		/*
		 * Not reached: the caller checked HSM and a second online
		 * hart.  Should it happen, the console has moved already:
		 * halt rather than run a second one here.
		 */
		printk("hart: hart %u cannot stop: %s\n", this_hart()->hartid,
		       errno_name(ret));
		hart_halt();
	}
	return -EBUSY;
}

static void cmd_hart(const char *args)
{
	bool stop = !strncmp(args, "stop ", 5);
	unsigned int index;
	int ret;

	if (!stop && strncmp(args, "start ", 6)) {
		printk("usage: hart stop|start <hart id>\n");
		return;
	}
	ret = hart_index_of(args + (stop ? 5 : 6), &index);
	if (ret) {
		printk("hart: %s: %s\n", args + (stop ? 5 : 6),
		       ret == -ENOENT ? "no such hart" : "not a number");
		return;
	}
	if (stop && index == this_hart()->index) {
		if (!sbi_get_info()->has_hsm)
			ret = -ENOSYS;
		else if (smp_online_count() < 2)
			ret = -EBUSY;
		else
			ret = move_console_and_stop();
	} else {
		ret = stop ? hotplug_stop(index) : hotplug_start(index);
	}
	if (ret)
		printk("hart: %s %u failed: %s%s\n", stop ? "stop" : "start",
		       hart_by_index(index)->hartid, errno_name(ret),
		       ret == -EBUSY && stop && smp_online_count() < 2
			       ? " (the last online hart)"
			       : "");
	else
		printk("hart: hart %u %s\n", hart_by_index(index)->hartid,
		       stop ? "stopped" : "online");
}

static void __printf(1, 2) shell_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk("\n");
}

/* ---- input ---- */

/*
 * Bytes read while a command ran (the stress run polls for Ctrl-C) wait
 * here for the line editor, so typing ahead loses nothing.
 */
static char typeahead[TYPEAHEAD];
static unsigned int ta_head, ta_tail;

static void typeahead_put(char c)
{
	if (ta_tail - ta_head < TYPEAHEAD)
		typeahead[ta_tail++ % TYPEAHEAD] = c;
}

static int read_byte(void)
{
	int c;

	if (ta_head != ta_tail)
		return (unsigned char)typeahead[ta_head++ % TYPEAHEAD];
	while ((c = console_getc()) < 0)
		wait_for_interrupt();
	return c;
}

/*
 * One key: a byte, or an escape sequence decoded.  xterm and VT100 send
 * ESC [ A..D for the arrows, ESC [ H / F or ESC O H / F for Home and End,
 * ESC [ n ~ for Home (1, 7), Delete (3) and End (4, 8).
 */
static int read_key(void)
{
	int c = read_byte(), n = 0;

	if (c != KEY_ESC)
		return c;
	c = read_byte();
	if (c != '[' && c != 'O')
		return KEY_UNKNOWN;
	c = read_byte();
	while (c >= '0' && c <= '9') {
		n = n * 10 + (c - '0');
		c = read_byte();
	}
	switch (c) {
	case 'A':
		return KEY_UP;
	case 'B':
		return KEY_DOWN;
	case 'C':
		return KEY_RIGHT;
	case 'D':
		return KEY_LEFT;
	case 'H':
		return KEY_HOME;
	case 'F':
		return KEY_END;
	case '~':
		if (n == 1 || n == 7)
			return KEY_HOME;
		if (n == 4 || n == 8)
			return KEY_END;
		if (n == 3)
			return KEY_DELETE;
		return KEY_UNKNOWN;
	default:
		return KEY_UNKNOWN;
	}
}

/* ---- the line editor ---- */

struct line {
	char buf[LINE_MAX];
	size_t len, cur; /* length; cursor, 0..len */
	bool too_long;	 /* a character was refused: the line is not whole */
};

static char history[HISTORY_LINES][LINE_MAX];
static unsigned int history_count; /* lines ever stored */

static void move_left(size_t n)
{
	while (n--)
		printk("\b");
}

/* Reprint from the cursor to the end, blank @erase cells, come back. */
static void redraw_tail(const struct line *l, size_t erase)
{
	size_t i;

	printk("%.*s", (int)(l->len - l->cur), l->buf + l->cur);
	for (i = 0; i < erase; i++)
		printk(" ");
	move_left(l->len - l->cur + erase);
}

static void insert_char(struct line *l, char c)
{
	if (l->len + 1 >= LINE_MAX) {
		l->too_long = true;
		return;
	}
	memmove(l->buf + l->cur + 1, l->buf + l->cur, l->len - l->cur);
	l->buf[l->cur] = c;
	l->len++;
	printk("%c", c);
	l->cur++;
	redraw_tail(l, 0);
}

/* Remove the character under the cursor. */
static void delete_char(struct line *l)
{
	if (l->cur == l->len)
		return;
	memmove(l->buf + l->cur, l->buf + l->cur + 1, l->len - l->cur - 1);
	l->len--;
	redraw_tail(l, 1);
}

static void backspace(struct line *l)
{
	if (!l->cur)
		return;
	l->cur--;
	printk("\b");
	delete_char(l);
}

/* Show @text instead of the whole line, cursor at its end. */
static void replace_line(struct line *l, const char *text)
{
	size_t old = l->len, n = strlen(text);

	move_left(l->cur);
	memcpy(l->buf, text, n);
	l->len = n;
	l->cur = 0;
	l->too_long = false;
	redraw_tail(l, old > n ? old - n : 0);
	printk("%.*s", (int)n, l->buf);
	l->cur = n;
}

static void history_add(const char *text)
{
	const char *last = history[(history_count - 1) % HISTORY_LINES];

	if (!*text || (history_count && !strcmp(last, text)))
		return;
	memcpy(history[history_count++ % HISTORY_LINES], text,
	       strlen(text) + 1);
}

/* @back lines before the newest (1: the newest one). */
static const char *history_get(unsigned int back)
{
	return history[(history_count - back) % HISTORY_LINES];
}

enum read_result { LINE_OK, LINE_ABANDONED, LINE_TOO_LONG };

/* Read one edited line into @l (NUL-terminated). */
static enum read_result read_line(struct line *l)
{
	char edited[LINE_MAX]; /* the new line, kept while browsing history */
	unsigned int back = 0, stored;
	size_t kill;

	l->len = l->cur = 0;
	l->too_long = false;
	for (;;) {
		int c = read_key();

		l->buf[l->len] = '\0';
		stored = history_count < HISTORY_LINES ? history_count
						       : HISTORY_LINES;
		switch (c) {
		case '\r':
		case '\n':
			printk("\n");
			if (l->too_long) {
				printk("console: line longer than %d "
				       "characters, "
				       "ignored\n",
				       LINE_MAX - 1);
				return LINE_TOO_LONG;
			}
			return LINE_OK;
		case CTRL('C'):
			printk("^C\n");
			l->len = l->cur = 0;
			l->buf[0] = '\0';
			return LINE_ABANDONED;
		case CTRL('U'):
			move_left(l->cur);
			kill = l->len;
			l->cur = l->len = 0;
			l->too_long = false;
			redraw_tail(l, kill); /* blanks what was there */
			break;
		case KEY_DEL:
		case '\b':
			backspace(l);
			break;
		case KEY_DELETE:
		case CTRL('D'):
			delete_char(l);
			break;
		case KEY_LEFT:
		case CTRL('B'):
			if (l->cur) {
				l->cur--;
				printk("\b");
			}
			break;
		case KEY_RIGHT:
		case CTRL('F'):
			if (l->cur < l->len)
				printk("%c", l->buf[l->cur++]);
			break;
		case KEY_HOME:
		case CTRL('A'):
			move_left(l->cur);
			l->cur = 0;
			break;
		case KEY_END:
		case CTRL('E'):
			printk("%.*s", (int)(l->len - l->cur), l->buf + l->cur);
			l->cur = l->len;
			break;
		case KEY_UP:
			if (back >= stored)
				break;
			if (!back)
				memcpy(edited, l->buf, l->len + 1);
			replace_line(l, history_get(++back));
			break;
		case KEY_DOWN:
			if (!back)
				break;
			back--;
			replace_line(l, back ? history_get(back) : edited);
			break;
		default:
			if (c >= ' ' && c < KEY_DEL)
				insert_char(l, (char)c);
			break;
		}
	}
}

/* ---- commands ---- */

/* Ctrl-C typed while stress runs; other bytes are kept for the editor. */
static bool stress_interrupted(void)
{
	int c;

	while ((c = console_getc()) >= 0) {
		if (c == CTRL('C'))
			return true;
		typeahead_put((char)c);
	}
	return false;
}

static void run_stress(unsigned int seconds, bool bursts)
{
	struct stress_opts o = { .seconds = seconds,
				 .say = shell_say,
				 .no_bursts = !bursts,
				 .interrupted = stress_interrupted };
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

	if (*args && (kstrtoul(args, 10, &s) || !s || s > STRESS_MAX_S)) {
		printk("usage: stress [seconds: 1..%u]\n", STRESS_MAX_S);
		return;
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
	{ "hart", "'stop N' / 'start N': take hart id N offline or back",
	  cmd_hart },
	{ "stress",
	  "[seconds] run the stress workload on every hart "
	  "(Ctrl-C stops it)",
	  cmd_stress },
	{ "poweroff", "power the machine off", NULL },
};

static void cmd_help(const char *args)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		printk("  %-10s %s\n", commands[i].name, commands[i].help);
	printk("keys: Left/Right Home/End Backspace/Delete, Up/Down history, "
	       "Ctrl-U kills the line, Ctrl-C abandons it\n");
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

/* Drop the spaces around @s in place; returns the first non-space. */
static char *trim(char *s)
{
	size_t n = strlen(s);

	while (n && s[n - 1] == ' ')
		s[--n] = '\0';
	while (*s == ' ')
		s++;
	return s;
}

void shell_run(void)
{
	smp_demo();
	printk("hartslab console: type 'help'\n");
	shell_loop();
}

/* Returns on "poweroff". */
static void shell_loop(void)
{
	struct line l;

	for (;;) {
		const struct command *cmd = NULL;
		char *text, *args;
		unsigned int i;
		size_t n;

		printk("hartslab> ");
		if (read_line(&l) != LINE_OK)
			continue;
		text = trim(l.buf);
		history_add(text);
		for (n = 0; text[n] && text[n] != ' '; n++)
			;
		args = trim(text + n);
		if (!n)
			continue;
		for (i = 0; i < ARRAY_SIZE(commands); i++)
			if (strlen(commands[i].name) == n &&
			    !strncmp(commands[i].name, text, n))
				cmd = &commands[i];
		if (!cmd) {
			printk("unknown command '%.*s': type 'help' for the "
			       "list\n",
			       (int)n, text);
			continue;
		}
		if (!cmd->run)
			return;
		cmd->run(args);
	}
}
