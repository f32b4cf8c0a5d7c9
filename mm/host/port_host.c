// SPDX-License-Identifier: MIT
/*
 * The host's out-of-line half of mm/port.h (see port_host.h).
 *
 * Kicks: port_kick_other_harts() raises drain_req[i] for every other online
 * hart and waits, bounded by KICK_WAIT_NS, until each has cleared it.  A hart
 * clears its flag in port_host_service() after mm_drain_this_hart(true).  The
 * wait never blocks forever, so two harts that kick each other at once, or
 * a kicked thread that is blocked elsewhere, cost at most the bound.
 */
#include "mm/host/port_host.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mm/mm.h"

#define KICK_WAIT_NS 20000000L /* 20 ms */

__thread unsigned int port_host_hart_index;
#if MM_DEBUG
__thread bool port_host_irqs_off;
#endif
uintptr_t port_host_phys_offset;
void *port_host_hart_mm[MM_MAX_HARTS];
_Atomic unsigned long port_host_counts[MM_MAX_HARTS][2];
__thread void *port_host_this_mm;

static atomic_bool hart_online[MM_MAX_HARTS];
static atomic_int drain_req[MM_MAX_HARTS];
static atomic_bool quiet;
static atomic_ulong kicks;

void port_log(const char *fmt, ...)
{
	va_list ap;

	if (atomic_load_explicit(&quiet, memory_order_relaxed))
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

void port_panic(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "PANIC: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

void port_host_set_hart(unsigned int index)
{
	if (index >= MM_MAX_HARTS)
		port_panic("port_host_set_hart: index %u out of range", index);
	port_host_hart_index = index;
	port_host_this_mm = port_host_hart_mm[index];
	atomic_store_explicit(&drain_req[index], 0, memory_order_relaxed);
	atomic_store_explicit(&hart_online[index], true, memory_order_release);
}

void port_host_hart_offline(void)
{
	atomic_store_explicit(&hart_online[port_host_hart_index], false,
			      memory_order_release);
}

void port_host_reset(void)
{
	unsigned int i;

	for (i = 0; i < MM_MAX_HARTS; i++) {
		atomic_store(&hart_online[i], false);
		atomic_store(&drain_req[i], 0);
		port_host_hart_mm[i] = NULL;
	}
	port_host_this_mm = NULL;
	atomic_store(&kicks, 0);
}

void port_reset_hart_mm(void *mm)
{
	unsigned int i;

	for (i = 0; i < MM_MAX_HARTS; i++)
		port_host_hart_mm[i] = mm;
	port_host_this_mm = mm;
}

void port_host_set_quiet(bool q)
{
	atomic_store_explicit(&quiet, q, memory_order_relaxed);
}

unsigned long port_host_kicks(void)
{
	return atomic_load(&kicks);
}

bool port_host_service(void)
{
	unsigned int me = port_host_hart_index;

	/* Acquire pairs with the kicker's release: nothing to publish yet. */
	if (!atomic_load_explicit(&drain_req[me], memory_order_acquire))
		return false;
	mm_drain_this_hart(true);
	/* Release: the kicker that sees 0 also sees what the drain freed. */
	atomic_store_explicit(&drain_req[me], 0, memory_order_release);
	return true;
}

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

uint64_t port_time_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const char *port_symbol(uintptr_t ip, unsigned long *off)
{
	*off = 0;
	return NULL;
}

uint64_t port_entropy(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 0x9e3779b97f4a7c15ULL) ^
	       (uint64_t)ts.tv_nsec ^ ((uint64_t)now_ns() << 21);
}

void port_kick_other_harts(void)
{
	unsigned int me = port_host_hart_index, i;
	long deadline = now_ns() + KICK_WAIT_NS;
	bool pending;

	atomic_fetch_add(&kicks, 1);
	for (i = 0; i < MM_MAX_HARTS; i++)
		if (i != me && atomic_load(&hart_online[i]))
			atomic_store_explicit(&drain_req[i], 1,
					      memory_order_release);
	do {
		pending = false;
		/* Answer kicks aimed at us, so two kickers do not stall. */
		port_host_service();
		for (i = 0; i < MM_MAX_HARTS; i++)
			if (i != me && atomic_load(&hart_online[i]) &&
			    atomic_load_explicit(&drain_req[i],
						 memory_order_acquire))
				pending = true;
		if (pending)
			port_cpu_relax();
	} while (pending && now_ns() < deadline);
}
