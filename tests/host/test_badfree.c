// SPDX-License-Identifier: MIT
/* Host tests of bad-use detection: each kind caught, counted, panics. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/types.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/port.h"
#include "tests/host/mm_fixture.h"

static void count_mode(void)
{
	mm_set_bad_use_mode(MM_BAD_USE_COUNT);
	port_host_set_quiet(true);
}

MM_TEST(test_free_foreign, 1, 16 << 20)
{
	static char global_buf[64];
	char stack_buf[64] = { 0 };
	void *heap = malloc(64);

	count_mode();
	kfree(stack_buf);
	KT_EXPECT_EQ(mm_bad_use_count(), 1);
	kfree(global_buf);
	KT_EXPECT_EQ(mm_bad_use_count(), 2);
	kfree(heap);
	KT_EXPECT_EQ(mm_bad_use_count(), 3);
	free_pages(stack_buf);
	KT_EXPECT_EQ(mm_bad_use_count(), 4);
	/* The section's own metadata is not an allocation either. */
	kfree((char *)fx_arena + 64);
	KT_EXPECT_EQ(mm_bad_use_count(), 5);
	free(heap);
}

MM_TEST(test_free_interior, 1, 16 << 20)
{
	size_t sizes[] = { 8, 24, 64, 96, 1536, 2048 }, i;
	char *big;

	count_mode();
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		char *p = kmalloc(sizes[i], GFP_KERNEL);
		unsigned long n = mm_bad_use_count();

		KT_ASSERT(p);
		kfree(p + 1);
		kfree(p + 8);
		kfree(p + sizes[i] / 2);
		kfree(p - 8); /* previous object's tail or the slab header */
		KT_EXPECT_EQ(mm_bad_use_count(), n + 4);
		kfree(p);
		KT_EXPECT_EQ(mm_bad_use_count(), n + 4);
	}
	big = kmalloc(5 * 4096, GFP_KERNEL);
	KT_ASSERT(big);
	i = mm_bad_use_count();
	kfree(big + 100);
	kfree(big + 4096);
	free_pages(big + 2 * 4096); /* a non-head page */
	KT_EXPECT_EQ(mm_bad_use_count(), i + 3);
	kfree(big);
	KT_EXPECT_EQ(mm_bad_use_count(), i + 3);
}

MM_TEST(test_double_free_local, 1, 16 << 20)
{
	void *a = kmalloc(64, GFP_KERNEL), *b = kmalloc(64, GFP_KERNEL);
	void *c = kmalloc(8, GFP_KERNEL), *pg;

	count_mode();
	KT_ASSERT(a && b && c);
	kfree(a);
	kfree(b);
	kfree(a); /* not the latest free: found by the exact check */
	KT_EXPECT_EQ(mm_bad_use_count(), 1);
	kfree(c);
	kfree(c);
	KT_EXPECT_EQ(mm_bad_use_count(), 2);
	/* Pages: through the batch, and a multi-page run. */
	pg = alloc_pages(1, GFP_KERNEL);
	free_pages(pg);
	free_pages(pg);
	KT_EXPECT_EQ(mm_bad_use_count(), 3);
	pg = alloc_pages(4, GFP_KERNEL);
	kfree(pg);
	kfree(pg);
	KT_EXPECT_EQ(mm_bad_use_count(), 4);
	/* After all that, the allocator still works and nothing leaked. */
	a = kmalloc(64, GFP_KERNEL);
	b = kmalloc(64, GFP_KERNEL);
	KT_EXPECT(a && b && a != b);
	kfree(a);
	kfree(b);
}

static void free_twice_remote(void *arg)
{
	kfree(arg);
	kfree(arg);
}

MM_TEST(test_double_free_remote, 2, 16 << 20)
{
	void *a = kmalloc(200, GFP_KERNEL);

	count_mode();
	KT_ASSERT(a);
	fx_run_as_hart(1, free_twice_remote, a);
	KT_EXPECT_EQ(mm_bad_use_count(), 1);
}

/* The default mode: report, then panic (abort on the host). */
static void expect_panic(void (*bad)(void *), void *arg, const char *what)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		int devnull = open("/dev/null", 1);

		dup2(devnull, 2);
		bad(arg);
		_exit(0); /* not reached if detected */
	}
	KT_ASSERT(pid > 0);
	waitpid(pid, &status, 0);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
		ktap_fail(__FILE__, __LINE__, "%s: no panic (status 0x%x)",
			  what, status);
}

static void bad_foreign(void *arg)
{
	char x[16] = { 0 };

	(void)arg;
	kfree(x);
}

static void bad_interior(void *arg)
{
	kfree((char *)arg + 8);
}

static void bad_double(void *arg)
{
	kfree(arg);
	kfree(arg);
}

static void bad_not_head(void *arg)
{
	free_pages((char *)arg + 4096);
}

MM_TEST(test_panics_by_default, 1, 16 << 20)
{
	void *obj = kmalloc(64, GFP_KERNEL), *run = alloc_pages(3, 0);

	KT_ASSERT(obj && run);
	expect_panic(bad_foreign, NULL, "foreign");
	expect_panic(bad_interior, obj, "interior");
	expect_panic(bad_double, obj, "double free");
	expect_panic(bad_not_head, run, "non-head page");
	kfree(obj);
	free_pages(run);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(test_free_foreign),	   KTAP_CASE(test_free_interior),
	KTAP_CASE(test_double_free_local), KTAP_CASE(test_double_free_remote),
	KTAP_CASE(test_panics_by_default),
};

int main(void)
{
	return ktap_main("badfree", cases, ARRAY_SIZE(cases));
}
