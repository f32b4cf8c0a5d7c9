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

void ktest_fail(struct ktest *t, const char *file, int line, const char *fmt,
		...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk("    # %s: %s:%d: %s\n", t->case_name, file, line, msg);
	t->failed = true;
}

void ktest_skip(struct ktest *t, const char *reason)
{
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

static bool run_case(const struct ktest_case *c, unsigned int nr)
{
	struct ktest t = { .case_name = c->name };
	static char reason[64];

	if (smp_online_count() < c->min_harts) {
		snprintf(reason, sizeof(reason), "needs %u harts, %u online",
			 c->min_harts, smp_online_count());
		t.skip_reason = reason;
	} else {
		c->run(&t);
	}
	if (t.failed)
		printk("    not ok %u %s\n", nr, c->name);
	else if (t.skip_reason)
		printk("    ok %u %s # SKIP %s\n", nr, c->name, t.skip_reason);
	else
		printk("    ok %u %s\n", nr, c->name);
	return !t.failed;
}

static int run_suite(const struct ktest_suite *s, unsigned int nr)
{
	unsigned int i;
	int failed = 0;

	printk("    KTAP version 1\n    # Subtest: %s\n    1..%u\n", s->name,
	       s->nr_cases);
	watchdog_suite_begin(s->name);
	for (i = 0; i < s->nr_cases; i++)
		if (!run_case(&s->cases[i], i + 1))
			failed++;
	watchdog_suite_end();
	printk("%s %u %s\n", failed ? "not ok" : "ok", nr, s->name);
	return failed;
}

/* Names in the selection that match no suite. */
static int unknown_suites(const char *sel)
{
	const struct ktest_suite *s;
	char name[32];
	int unknown = 0;

	while (*sel && strcmp(sel, "all")) {
		const char *end = strchr(sel, ',');
		size_t len = end ? (size_t)(end - sel) : strlen(sel);
		bool found = false;

		if (len >= sizeof(name))
			len = sizeof(name) - 1;
		memcpy(name, sel, len);
		name[len] = '\0';
		for (s = __ktest_suites_start; s < __ktest_suites_end; s++)
			found |= !strcmp(s->name, name);
		if (!found) {
			printk("ktest: no suite named '%s'\n", name);
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
	failed = unknown_suites(sel);
	for (s = __ktest_suites_start; s < __ktest_suites_end; s++)
		planned += suite_selected(s, sel);
	printk("KTAP version 1\n1..%u\n", planned);
	for (s = __ktest_suites_start; s < __ktest_suites_end; s++)
		if (suite_selected(s, sel))
			failed += run_suite(s, ++nr) ? 1 : 0;
	return failed;
}
