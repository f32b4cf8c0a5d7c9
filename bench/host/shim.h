/* SPDX-License-Identifier: MIT */
/*
 * The allocator under test, chosen at compile time: bench/host/driver.c is
 * compiled once per allocator with exactly one of
 *
 *	BENCH_ALLOC_HARTSLAB  hartslab mm/ (kmalloc/kfree over an mmap'd arena)
 *	BENCH_ALLOC_GLIBC     glibc malloc/free
 *	BENCH_ALLOC_JEMALLOC  malloc/free from -ljemalloc (it replaces malloc)
 *	BENCH_ALLOC_MIMALLOC  mi_malloc/mi_free from -lmimalloc
 *	BENCH_ALLOC_TCMALLOC  tc_malloc/tc_free from -ltcmalloc_minimal
 *
 * and calls only what this header defines:
 *
 *	bench_global_init(n)   before any thread starts; n worker threads
 *	bench_thread_init(i)   first thing in worker thread i (0 .. n-1)
 *	bench_alloc(size)      one object of @size bytes
 *	bench_free(p)          give it back (any thread)
 *	bench_thread_exit()    last thing in a worker thread
 *
 * Every function is static inline around the allocator's public entry, so
 * each binary pays one call into its allocator per operation and nothing
 * else.  hartslab is linked statically (build/host/libmm.a), the others
 * dynamically as Debian ships them (a PLT jump, 1 instruction, per call).
 */
#ifndef HARTSLAB_BENCH_HOST_SHIM_H
#define HARTSLAB_BENCH_HOST_SHIM_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(BENCH_ALLOC_HARTSLAB)

#include <stdint.h>
#include <sys/mman.h>

#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/port.h"

#define BENCH_ALLOC_NAME "hartslab"

/* The arena the buddy allocator manages: virtual == "physical" on the host. */
#define BENCH_ARENA_SIZE  (2UL << 30)
#define BENCH_ARENA_ALIGN (1UL << 30)

static inline void bench_global_init(unsigned int nthreads)
{
	size_t len = BENCH_ARENA_SIZE + BENCH_ARENA_ALIGN;
	char *raw = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uintptr_t base;
	int ret;

	if (raw == MAP_FAILED) {
		perror("bench: mmap arena");
		exit(2);
	}
	base = ((uintptr_t)raw + BENCH_ARENA_ALIGN - 1) &
	       ~(BENCH_ARENA_ALIGN - 1);
	port_host_set_quiet(true);
	ret = mm_init(nthreads + 1, NULL);
	if (!ret)
		ret = mm_add_section((phys_addr_t)base, BENCH_ARENA_SIZE, 0,
				     NULL, 0);
	if (ret) {
		fprintf(stderr, "bench: hartslab set-up failed (%d)\n", ret);
		exit(2);
	}
	/* The main thread is the last hart: it frees what workers leave. */
	port_host_set_hart(nthreads);
	mm_hart_init();
}

static inline void bench_thread_init(unsigned int index)
{
	port_host_set_hart(index);
	mm_hart_init();
}

static inline void bench_thread_exit(void)
{
	mm_drain_this_hart(false);
}

static inline void *bench_alloc(size_t size)
{
	return kmalloc(size, GFP_KERNEL);
}

static inline void bench_free(void *p)
{
	kfree(p);
}

#else /* the user-space allocators: no set-up of their own */

static inline void bench_global_init(unsigned int nthreads)
{
	(void)nthreads;
}

static inline void bench_thread_init(unsigned int index)
{
	(void)index;
}

static inline void bench_thread_exit(void)
{
}

#if defined(BENCH_ALLOC_MIMALLOC)
#include <mimalloc.h>
#define BENCH_ALLOC_NAME "mimalloc"
#define BENCH_MALLOC	 mi_malloc
#define BENCH_FREE	 mi_free
#elif defined(BENCH_ALLOC_TCMALLOC)
#include <gperftools/tcmalloc.h>
#define BENCH_ALLOC_NAME "tcmalloc"
#define BENCH_MALLOC	 tc_malloc
#define BENCH_FREE	 tc_free
#elif defined(BENCH_ALLOC_GLIBC) || defined(BENCH_ALLOC_JEMALLOC)
/* -ljemalloc replaces malloc/free themselves. */
#ifdef BENCH_ALLOC_GLIBC
#define BENCH_ALLOC_NAME "glibc"
#else
#define BENCH_ALLOC_NAME "jemalloc"
#endif
#define BENCH_MALLOC malloc
#define BENCH_FREE   free
#else
#error "define one BENCH_ALLOC_* (see bench/host/shim.h)"
#endif

static inline void *bench_alloc(size_t size)
{
	return BENCH_MALLOC(size);
}

static inline void bench_free(void *p)
{
	BENCH_FREE(p);
}

#endif /* BENCH_ALLOC_HARTSLAB */

#endif
