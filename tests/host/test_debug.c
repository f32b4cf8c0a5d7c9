// SPDX-License-Identifier: MIT
/*
 * Host tests of the debug build (make DEBUG=1, the host-debug variant):
 * freed objects are poisoned, and a write after free is caught when the
 * object is handed out again.  In a normal build there is no poisoning, so
 * these cases say SKIP there rather than pass.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/types.h"
#include "mm/hart.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/port.h"
#include "tests/host/mm_fixture.h"

#define POISON_BYTE 0x6b

#if MM_DEBUG
static void count_mode(void)
{
	mm_set_bad_use_mode(MM_BAD_USE_COUNT);
	port_host_set_quiet(true);
}

/* Every byte after the free-list link reads as poison once freed. */
static bool poisoned(const unsigned char *p, size_t size)
{
	size_t i;

	for (i = sizeof(void *); i < size; i++)
		if (p[i] != POISON_BYTE)
			return false;
	return true;
}
#endif

MM_TEST(test_freed_object_is_poisoned, 1, 16 << 20)
{
#if !MM_DEBUG
	ktap_skip("poisoning is built only with MM_DEBUG=1 (make DEBUG=1)");
#else
	static const size_t sizes[] = { 16, 64, 200, 2048 };
	unsigned char *keep[ARRAY_SIZE(sizes)];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		/* A second object keeps the slab from going back to buddy. */
		unsigned char *p = kmalloc(sizes[i], GFP_KERNEL);

		keep[i] = kmalloc(sizes[i], GFP_KERNEL);
		KT_ASSERT(p && keep[i]);
		memset(p, 0x11, sizes[i]);
		kfree(p);
		KT_EXPECT(poisoned(p, sizes[i]));
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		kfree(keep[i]);
#endif
}

MM_TEST(test_write_after_free_caught_on_reuse, 1, 16 << 20)
{
#if !MM_DEBUG
	ktap_skip("the check on reuse is built only with MM_DEBUG=1");
#else
	unsigned char *keep, *p, *q;
	unsigned long before;

	count_mode();
	keep = kmalloc(64, GFP_KERNEL);
	p = kmalloc(64, GFP_KERNEL);
	KT_ASSERT(keep && p);
	kfree(p);
	p[40] = 0x42; /* the bug under test: a write after free */
	before = mm_bad_use_count();
	q = kmalloc(64, GFP_KERNEL); /* LIFO: the same object comes back */
	KT_EXPECT(q == p);
	KT_EXPECT_EQ(mm_bad_use_count(), before + 1);
	kfree(q);
	/* A clean free and reuse is not reported. */
	before = mm_bad_use_count();
	q = kmalloc(64, GFP_KERNEL);
	KT_ASSERT(q);
	kfree(q);
	KT_EXPECT_EQ(mm_bad_use_count(), before);
	kfree(keep);
#endif
}

#if MM_DEBUG
/* Run @fn in a child; true when it died of port_panic()'s abort(). */
static bool panics(void (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		/* The expected report goes to the child's stderr: hide it. */
		if (!freopen("/dev/null", "w", stderr))
			_exit(2);
		fn();
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return false;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void drain_with_irqs_on(void)
{
	slab_drain_hart(&mm_this_hart()->slab, false);
}

static void drain_with_irqs_off(void)
{
	unsigned long irq = port_irq_save();

	slab_drain_hart(&mm_this_hart()->slab, false);
	buddy_cache_drain(&mm_this_hart()->pages, false);
	port_irq_restore(irq);
}

static void cache_drain_with_irqs_on(void)
{
	buddy_cache_drain(&mm_this_hart()->pages, true);
}

static void refill_of_another_hart(void)
{
	unsigned long irq = port_irq_save();

	slab_alloc_refill(&mm_harts[1]->slab, 3);
	port_irq_restore(irq);
}
#endif

/*
 * MM_DEBUG checks the preconditions its comments state: interrupts masked
 * (slab and cache drains), the owner hart (a refill of another hart's
 * slabs).  Each broken precondition panics; the same calls kept right do
 * not.
 */
MM_TEST(test_preconditions_checked, 2, 16 << 20)
{
#if !MM_DEBUG
	ktap_skip("precondition checks are built only with MM_DEBUG=1");
#else
	KT_EXPECT(!panics(drain_with_irqs_off));
	KT_EXPECT(panics(drain_with_irqs_on));
	KT_EXPECT(panics(cache_drain_with_irqs_on));
	KT_EXPECT(mm_harts[1]->ready);
	KT_EXPECT(panics(refill_of_another_hart));
#endif
}

static const struct ktap_case cases[] = {
	KTAP_CASE(test_freed_object_is_poisoned),
	KTAP_CASE(test_preconditions_checked),
	KTAP_CASE(test_write_after_free_caught_on_reuse),
};

int main(void)
{
	return ktap_main("mm_debug", cases, ARRAY_SIZE(cases));
}
