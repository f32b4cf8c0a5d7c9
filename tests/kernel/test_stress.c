// SPDX-License-Identifier: MIT
/*
 * KTAP suite "stress": the workload of stress.c on every online hart for
 * "seconds=N" (default 2), then one case per check so that a failure
 * names what broke.  "inject=corrupt|leak|nodrain|doublefree|hang" breaks
 * one thing on purpose; the harness checks that the right case fails.
 *
 * The run happens in stress_all_harts; the later cases judge its result
 * (cases run one after the other on the boot hart, so a static is fine).
 */
#include "kernel/cmdline.h"
#include "kernel/ktest.h"
#include "kernel/smp.h"
#include "kernel/stress.h"

#define DEFAULT_SECONDS 2

static struct stress_result result;
static bool have_result;

static void test_stress_pattern_checker(struct ktest *t)
{
	char why[96];

	if (!stress_pattern_selftest(why, sizeof(why)))
		ktest_fail(t, __FILE__, __LINE__, "pattern checker: %s", why);
}

static void test_stress_all_harts(struct ktest *t)
{
	struct stress_opts o = {
		.seconds = cmdline_get_ulong("seconds", DEFAULT_SECONDS),
		.inject = stress_inject_from_cmdline(),
		.say = ktest_diag,
	};
	unsigned int i;

	if (o.inject != STRESS_INJECT_NONE)
		ktest_diag("stress: inject=%s", stress_inject_name(o.inject));
	stress_run(&o, &result);
	have_result = result.ran;
	for (i = 0; i < result.nr_errors && i < STRESS_MAX_ERRORS; i++)
		ktest_fail(t, __FILE__, __LINE__, "%s", result.errors[i]);
	if (result.nr_errors > STRESS_MAX_ERRORS)
		ktest_fail(t, __FILE__, __LINE__, "%u errors in all",
			   result.nr_errors);
	if (result.bad_frees)
		ktest_fail(t, __FILE__, __LINE__,
			   "mm detected %lu bad frees (double or invalid)",
			   result.bad_frees);
	if (have_result && !result.ops)
		ktest_fail(t, __FILE__, __LINE__, "no operation at all");
}

static bool need_result(struct ktest *t)
{
	if (!have_result)
		ktest_skip(t, "the workload did not run");
	return have_result;
}

/* Most frees remote, and every hart freed what every other allocated. */
static void test_stress_remote_every_pair(struct ktest *t)
{
	if (!need_result(t))
		return;
	if (result.pairs_missing)
		ktest_fail(t, __FILE__, __LINE__,
			   "%u pairs without a remote free, e.g. hart %u "
			   "never freed an object of hart %u",
			   result.pairs_missing, result.missing_to,
			   result.missing_from);
	if (result.remote_frees * 2 < result.frees)
		ktest_fail(t, __FILE__, __LINE__,
			   "only %llu of %llu frees were remote",
			   (unsigned long long)result.remote_frees,
			   (unsigned long long)result.frees);
}

/* Each burst ended in a clean NULL, and allocation worked again. */
static void test_stress_exhaustion_recovers(struct ktest *t)
{
	if (!need_result(t))
		return;
	if (!result.bursts) {
		ktest_skip(t, "run too short for an exhaustion burst");
		return;
	}
	if (result.bursts_exhausted != result.bursts)
		ktest_fail(t, __FILE__, __LINE__,
			   "%u of %u bursts never saw allocation fail",
			   result.bursts - result.bursts_exhausted,
			   result.bursts);
	if (result.bursts_recovered != result.bursts)
		ktest_fail(t, __FILE__, __LINE__,
			   "allocation did not recover after %u of %u bursts",
			   result.bursts - result.bursts_recovered,
			   result.bursts);
}

/* After every hart drained, free memory is exactly where it started. */
static void test_stress_free_memory_exact(struct ktest *t)
{
	long long diff;

	if (!need_result(t))
		return;
	diff = (long long)(result.free_before - result.free_after);
	ktest_diag("stress: free_bytes before=%llu after=%llu",
		   (unsigned long long)result.free_before,
		   (unsigned long long)result.free_after);
	if (diff)
		ktest_fail(t, __FILE__, __LINE__,
			   "free bytes %llu after the run, %llu before: %lld "
			   "bytes %s (%s)",
			   (unsigned long long)result.free_after,
			   (unsigned long long)result.free_before,
			   diff < 0 ? -diff : diff,
			   diff > 0 ? "missing" : "too many",
			   result.drained ? "leaked, or stranded in a cache"
					  : "final drain skipped: remote "
					    "frees stranded");
}

static const struct ktest_case stress_cases[] = {
	KTEST_CASE(test_stress_pattern_checker),
	KTEST_CASE(test_stress_all_harts),
	KTEST_CASE_SMP(test_stress_remote_every_pair, 2),
	KTEST_CASE(test_stress_exhaustion_recovers),
	KTEST_CASE(test_stress_free_memory_exact),
};
KTEST_SUITE(stress, stress_cases);
