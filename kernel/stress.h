/* SPDX-License-Identifier: MIT */
/*
 * The stress workload: every online hart allocates objects of random
 * sizes, fills them with a pattern derived from address and owner, passes
 * most of them to other harts through single-producer/single-consumer
 * rings, and checks each pattern before freeing.  Bursts drive memory to
 * exhaustion and back.  Product code: the console's "stress" command and
 * the boot demo run it, and so does the KTAP suite "stress"
 * (tests/kernel/test_stress.c).
 */
#ifndef HARTSLAB_TESTS_KERNEL_STRESS_H
#define HARTSLAB_TESTS_KERNEL_STRESS_H

#include "lib/types.h"

/* Deliberate faults that each check must catch (inject=<name>). */
enum stress_inject {
	STRESS_INJECT_NONE,
	STRESS_INJECT_CORRUPT,	  /* flip one pattern byte */
	STRESS_INJECT_LEAK,	  /* drop one object without freeing it */
	STRESS_INJECT_NODRAIN,	  /* skip the final drain of every hart */
	STRESS_INJECT_DOUBLEFREE, /* free one object twice */
	STRESS_INJECT_HANG,	  /* one hart stops making progress */
	STRESS_INJECT_NOPOST,	  /* drop a batch of remote frees unposted */
};

struct stress_opts {
	unsigned int seconds;
	enum stress_inject inject;
	bool no_bursts; /* skip the exhaustion bursts (the boot demo) */
	/* Prints one report line (no newline in @fmt). */
	void (*say)(const char *fmt, ...) __printf(1, 2);
	/*
	 * Optional: polled by the calling hart about every 10 ms while the
	 * workload runs; true stops the run early (the console's Ctrl-C).
	 * The run then ends as at its deadline: every hart sweeps its rings,
	 * frees what it holds, and the result is checked and reported.
	 */
	bool (*interrupted)(void);
};

#define STRESS_MAX_ERRORS 4
#define STRESS_ERROR_LEN  160

struct stress_result {
	bool ran;
	bool interrupted;      /* stopped early by o->interrupted() */
	unsigned int nr_harts; /* harts that took part */
	uint64_t ops;	       /* allocations + frees */
	uint64_t remote_frees; /* freed by a hart other than the allocator */
	uint64_t frees;
	uint64_t failed_allocs;
	uint64_t elapsed_us;
	unsigned int bursts;	       /* exhaustion bursts run */
	unsigned int bursts_exhausted; /* ... that ended in a clean NULL */
	unsigned int bursts_recovered; /* ... after which allocation worked */
	uint64_t burst_us;	       /* time spent in bursts, all harts */
	uint64_t burst_peak_bytes;     /* most memory held by one burst */
	uint64_t min_free_bytes;       /* lowest free count seen in a burst */
	/* First ordered pair (from, to) with no remote free, if any. */
	unsigned int pairs_missing;
	uint32_t missing_from, missing_to;
	bool drained;
	uint64_t free_before, free_after;
	unsigned long bad_frees; /* bad frees mm detected (counting mode) */
	unsigned int nr_errors;	 /* pattern mismatches and the like */
	char errors[STRESS_MAX_ERRORS][STRESS_ERROR_LEN];
};

/* "inject=" from the command line. */
enum stress_inject stress_inject_from_cmdline(void);
const char *stress_inject_name(enum stress_inject inject);

/* The pattern checker must catch what it is there for; false + why if not. */
bool stress_pattern_selftest(char *why, size_t len);

/*
 * Run the workload on every online hart for @o->seconds and fill @r.
 * Returns true when nothing went wrong (no error, exact free memory, no
 * bad free).  Runs on the boot hart; one run at a time.
 */
bool stress_run(const struct stress_opts *o, struct stress_result *r);

#endif
