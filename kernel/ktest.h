/* SPDX-License-Identifier: MIT */
/*
 * In-kernel tests, reported in KTAP version 1 over the serial line.
 *
 * A suite is a named array of cases, registered at build time with
 * KTEST_SUITE() into the .ktest_suites section.  The command line selects
 * what runs: "test=all", "test=mm,smp" or one case, "test=mm.test_lowmem"
 * (docs/cmdline.md).  A name that selects nothing, an empty selection or
 * a command-line warning fails the run.  Output, as KUnit prints it:
 *
 *	KTAP version 1
 *	1..2
 *	    KTAP version 1
 *	    # Subtest: mm
 *	    1..3
 *	    ok 1 kmalloc_basic
 *	    not ok 2 remote_free
 *	    ok 3 two_harts # SKIP needs 2 harts
 *	not ok 1 mm
 *
 * A case runs on the boot hart; it may use smp_run_on() to involve others.
 */
#ifndef HARTSLAB_KERNEL_KTEST_H
#define HARTSLAB_KERNEL_KTEST_H

#include "lib/types.h"

struct ktest {
	const char *case_name;
	bool failed;
	const char *skip_reason;
};

struct ktest_case {
	const char *name;
	void (*run)(struct ktest *t);
	unsigned int min_harts; /* skipped with a reason on fewer harts */
};

struct ktest_suite {
	const char *name;
	const struct ktest_case *cases;
	unsigned int nr_cases;
	bool explicit_only; /* not part of test=all: name it to run it */
};

#define KTEST_CASE(fn)     \
	{                  \
#fn, fn, 1 \
	}
#define KTEST_CASE_SMP(fn, harts) \
	{                         \
#fn, fn, harts    \
	}

#define KTEST_SUITE_FLAGS(ident, cases_array, explicit)                     \
	static const struct ktest_suite ktest_suite_##ident __attribute__(( \
		used, aligned(8), section(".ktest_suites." #ident))) = {    \
		#ident, cases_array, ARRAY_SIZE(cases_array), explicit      \
	}
#define KTEST_SUITE(ident, cases_array) \
	KTEST_SUITE_FLAGS(ident, cases_array, false)
/* A suite that runs only when named (test=bench), never with test=all. */
#define KTEST_SUITE_EXPLICIT(ident, cases_array) \
	KTEST_SUITE_FLAGS(ident, cases_array, true)

/*
 * KT_EXPECT(t, cond), KT_EXPECT_EQ(t, a, b), KT_ASSERT(t, cond) (the
 * context may be left out), ktest_fail(), ktest_skip(), ktest_diag(): the
 * API the host tests share (lib/ktap_expect.h).
 */
#include "lib/ktap_expect.h"

/* Does the command line ask for tests? */
bool ktest_requested(void);
/* Run the suites the command line names; returns the number of failures. */
int ktest_run_selected(void);

#endif
