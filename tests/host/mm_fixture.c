// SPDX-License-Identifier: MIT
/* Shared mm host-test set-up (see mm_fixture.h). */
#include "tests/host/mm_fixture.h"

#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>

#include "mm/port.h"

void *fx_arena;
size_t fx_arena_size;
static unsigned int fx_harts;
static uint64_t fx_base_free, fx_base_managed;

void *fx_map(size_t size, size_t align, bool low)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	size_t len = size + align;
	uintptr_t p, a;
	void *m;

#ifdef MAP_32BIT
	if (low)
		flags |= MAP_32BIT;
#else
	if (low)
		return NULL;
#endif
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	p = (uintptr_t)m;
	a = (p + align - 1) & ~(uintptr_t)(align - 1);
	return (void *)a;
}

uint64_t fx_free_bytes(void)
{
	struct mm_totals t;

	mm_get_totals(&t);
	return t.free_bytes;
}

void fx_baseline(void)
{
	struct mm_totals t;

	mm_get_totals(&t);
	fx_base_free = t.free_bytes;
	fx_base_managed = t.managed_bytes;
}

void fx_begin(unsigned int nr_harts, size_t arena_size)
{
	port_host_reset();
	port_host_set_hart(0);
	fx_harts = nr_harts;
	if (mm_init(nr_harts, NULL)) {
		ktap_fail(__FILE__, __LINE__, "mm_init failed");
		return;
	}
	fx_arena = NULL;
	fx_arena_size = arena_size;
	if (arena_size) {
		fx_arena = fx_map(arena_size, 1UL << 21, false);
		if (!fx_arena ||
		    mm_add_section((uintptr_t)fx_arena, arena_size, 0, NULL, 0))
			ktap_fail(__FILE__, __LINE__, "arena set-up failed");
		mm_hart_init();
	}
	fx_baseline();
}

void fx_end(void)
{
	struct mm_totals t;
	unsigned int i;

	for (i = 0; i < fx_harts; i++) {
		port_host_set_hart(i);
		mm_drain_this_hart(true);
	}
	port_host_set_hart(0);
	mm_get_totals(&t);
	if (t.free_bytes != fx_base_free || t.managed_bytes != fx_base_managed)
		ktap_fail(__FILE__, __LINE__,
			  "accounting invariant: free %llu (was %llu), "
			  "managed %llu (was %llu)",
			  (unsigned long long)t.free_bytes,
			  (unsigned long long)fx_base_free,
			  (unsigned long long)t.managed_bytes,
			  (unsigned long long)fx_base_managed);
}

struct hart_run {
	unsigned int hart;
	void (*fn)(void *);
	void *arg;
};

static void *hart_thread(void *p)
{
	struct hart_run *r = p;

	port_host_set_hart(r->hart);
	mm_hart_init();
	r->fn(r->arg);
	mm_idle(); /* going idle: post the remote frees it gathered */
	port_host_hart_offline();
	return NULL;
}

void fx_run_as_hart(unsigned int hart, void (*fn)(void *), void *arg)
{
	struct hart_run r = { hart, fn, arg };
	pthread_t t;

	if (pthread_create(&t, NULL, hart_thread, &r)) {
		ktap_fail(__FILE__, __LINE__, "pthread_create");
		return;
	}
	pthread_join(t, NULL);
}
