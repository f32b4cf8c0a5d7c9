/* SPDX-License-Identifier: MIT */
/*
 * Shared set-up for the mm host tests: arenas mapped with mmap stand in for
 * RAM regions, threads stand in for harts, and every case ends with the
 * accounting invariant: once every hart has drained, free bytes are back
 * to exactly what they were when the case started.
 *
 *	MM_TEST(test_split, 1, 64 << 20)
 *	{
 *		void *p = alloc_pages(3, GFP_KERNEL);
 *		...
 *	}
 */
#ifndef HARTSLAB_TESTS_HOST_MM_FIXTURE_H
#define HARTSLAB_TESTS_HOST_MM_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/mm.h"
#include "tests/host/ktap_host.h"

/* Map @size bytes aligned to @align (MAP_NORESERVE; @low: below 2 GiB).
 * NULL if the host refuses. */
void *fx_map(size_t size, size_t align, bool low);

/* mm_init(@nr_harts), hart 0 on this thread, then (with @arena_size) one
 * section over a fresh arena, and the baseline. */
void fx_begin(unsigned int nr_harts, size_t arena_size);
/* The arena of fx_begin (base, size). */
extern void *fx_arena;
extern size_t fx_arena_size;
/* Take the baseline again (after a case adds sections itself). */
void fx_baseline(void);
/* Drain every hart (from this thread, the others being joined) and check
 * free bytes against the baseline. */
void fx_end(void);

/* Run @fn(@arg) on a new thread acting as hart @hart, and join it. */
void fx_run_as_hart(unsigned int hart, void (*fn)(void *), void *arg);

uint64_t fx_free_bytes(void);

#define MM_TEST(name, harts, arena)     \
	static void name##_body(void);  \
	static void name(void)          \
	{                               \
		fx_begin(harts, arena); \
		name##_body();          \
		fx_end();               \
	}                               \
	static void name##_body(void)

#endif
