// SPDX-License-Identifier: MIT
/*
 * The KTAP runner (see kernel/ktest.h).  Runs on the boot hart only, one
 * case at a time, so its state needs no lock.  Unknown suite names in the
 * selection are reported and count as a failure, so a typo cannot pass.
 */
#include "kernel/ktest.h"

#include <stdarg.h>
#include <string.h>

#include "kernel/cmdline.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "kernel/watchdog.h"
#include "lib/scnprintf.h"

extern const struct ktest_suite __ktest_suites_start[], __ktest_suites_end[];

#define SELECTION_LEN 128

static const char *selection(char *buf, size_t len)
{
	if (!cmdline_get("test", buf, len))
		return NULL;
	return buf;
}

bool ktest_requested(void)
{
	char buf[SELECTION_LEN];

	return selection(buf, sizeof(buf)) != NULL;
}

/* The case running now (one at a time, on the boot hart). */
static struct ktest *current;

void ktest_fail(struct ktest *t, const char *file, int line, const char *fmt,
		...)
{
	char msg[160];
	va_list ap;

	if (!t)
		t = current;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk("    # %s: %s:%d: %s\n", t->case_name, file, line, msg);
	t->failed = true;
}

void ktest_skip(struct ktest *t, const char *reason)
{
	if (!t)
		t = current;
	t->skip_reason = reason;
}

void ktest_diag(const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk("    # %s\n", msg);
}

static bool suite_selected(const struct ktest_suite *s, const char *sel)
{
	if (list_contains(sel, s->name))
		return true;
	return !s->explicit_only && list_contains(sel, "all");
}

/* "suite.case" names exactly this case. */
static bool item_names_case(const char *item, size_t len,
			    const struct ktest_suite *s,
			    const struct ktest_case *c)
{
	size_t sl = strlen(s->name), cl = strlen(c->name);

	return len == sl + 1 + cl && !strncmp(item, s->name, sl) &&
	       item[sl] == '.' && !strncmp(item + sl + 1, c->name, cl);
}

/* Is case @c of @s selected, by its suite or by its own name? */
static bool case_selected(const struct ktest_suite *s,
			  const struct ktest_case *c, const char *sel)
{
	if (suite_selected(s, sel))
		return true;
	while (*sel) {
		const char *end = strchr(sel, ',');
		size_t len = end ? (size_t)(end - sel) : strlen(sel);

		if (item_names_case(sel, len, s, c))
			return true;
		if (!end)
			break;
		sel = end + 1;
	}
	return false;
}

static unsigned int cases_selected(const struct ktest_suite *s, const char *sel)
{
	unsigned int i, n = 0;

	for (i = 0; i < s->nr_cases; i++)
		n += case_selected(s, &s->cases[i], sel);
	return n;
}

static bool run_case(const struct ktest_case *c, unsigned int nr)
{
	struct ktest t = { .case_name = c->name };
	static char reason[64];

	if (smp_online_count() < c->min_harts) {
		snprintf(reason, sizeof(reason), "needs %u harts, %u online",
			 c->min_harts, smp_online_count());
		t.skip_reason = reason;
	} else {
		current = &t;
		c->run(&t);
		current = NULL;
	}
	if (t.failed)
		printk("    not ok %u %s\n", nr, c->name);
	else if (t.skip_reason)
		printk("    ok %u %s # SKIP %s\n", nr, c->name, t.skip_reason);
	else
		printk("    ok %u %s\n", nr, c->name);
	return !t.failed;
}

static int run_suite(const struct ktest_suite *s, unsigned int nr,
		     const char *sel)
{
	unsigned int i, n = 0;
	int failed = 0;

	printk("    KTAP version 1\n    # Subtest: %s\n    1..%u\n", s->name,
	       cases_selected(s, sel));
	watchdog_suite_begin(s->name);
	for (i = 0; i < s->nr_cases; i++)
		if (case_selected(s, &s->cases[i], sel) &&
		    !run_case(&s->cases[i], ++n))
			failed++;
	watchdog_suite_end();
	printk("%s %u %s\n", failed ? "not ok" : "ok", nr, s->name);
	return failed;
}

static const struct ktest_suite *find_suite(const char *name, size_t len)
{
	const struct ktest_suite *s;

	for (s = __ktest_suites_start; s < __ktest_suites_end; s++)
		if (strlen(s->name) == len && !strncmp(s->name, name, len))
			return s;
	return NULL;
}

static void list_suites(void)
{
	const struct ktest_suite *s;
	char line[160];
	int n = 0;

	line[0] = '\0';
	for (s = __ktest_suites_start;
	     s < __ktest_suites_end && n < (int)sizeof(line); s++)
		n += scnprintf(line + n, sizeof(line) - n, " %s%s", s->name,
			       s->explicit_only ? " (only when named)" : "");
	printk("ktest: the suites:%s; 'all' runs all but those only run "
	       "when named; 'suite.case' runs one case\n",
	       line);
}

/*
 * Items of the selection that name nothing: each is reported, with the
 * suites (or the suite's cases) that exist, and counts as a failure.
 */
static int unknown_items(const char *sel)
{
	int unknown = 0;

	while (*sel) {
		const char *end = strchr(sel, ',');
		size_t len = end ? (size_t)(end - sel) : strlen(sel);
		const char *dot = memchr(sel, '.', len);
		size_t slen = dot ? (size_t)(dot - sel) : len;
		const struct ktest_suite *s = find_suite(sel, slen);
		unsigned int i;
		bool found = len == 3 && !strncmp(sel, "all", 3);

		if (!found && s && !dot)
			found = true;
		for (i = 0; !found && s && i < s->nr_cases; i++)
			found = item_names_case(sel, len, s, &s->cases[i]);
		if (!found && s) {
			printk("ktest: suite '%s' has no case '%.*s'; its "
			       "cases:\n",
			       s->name, (int)(len - slen - 1), dot + 1);
			for (i = 0; i < s->nr_cases; i++)
				printk("ktest:   %s.%s\n", s->name,
				       s->cases[i].name);
			unknown++;
		} else if (!found) {
			printk("ktest: no suite named '%.*s'\n", (int)slen,
			       sel);
			list_suites();
			unknown++;
		}
		if (!end)
			break;
		sel = end + 1;
	}
	return unknown;
}

int ktest_run_selected(void)
{
	const struct ktest_suite *s;
	char buf[SELECTION_LEN];
	const char *sel = selection(buf, sizeof(buf));
	unsigned int nr = 0, planned = 0;
	int failed;

	if (!sel)
		return 0;
	failed = unknown_items(sel);
	if (cmdline_problems()) {
		printk("ktest: the command line has %u problem(s), see the "
		       "warnings above: failing\n",
		       cmdline_problems());
		failed++;
	}
	for (s = __ktest_suites_start; s < __ktest_suites_end; s++)
		planned += cases_selected(s, sel) > 0;
	if (!planned && !failed) {
		printk("ktest: test=%s selects nothing\n", sel);
		list_suites();
		failed++;
	}
	printk("KTAP version 1\n1..%u\n", planned);
	for (s = __ktest_suites_start; s < __ktest_suites_end; s++)
		if (cases_selected(s, sel))
			failed += run_suite(s, ++nr, sel) ? 1 : 0;
	return failed;
}
