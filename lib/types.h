/* SPDX-License-Identifier: MIT */
/*
 * Basic types shared by every subsystem, on the kernel and on the host.
 *
 * Address kinds are kept apart: a physical address is a phys_addr_t, a
 * virtual address is a pointer, a page frame number is a pfn_t.  The only
 * place that converts between physical and virtual is the port layer
 * (mm/port.h) and, before mm exists, arch/riscv/memlayout.h.
 */
#ifndef HARTSLAB_KERNEL_TYPES_H
#define HARTSLAB_KERNEL_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t phys_addr_t;
typedef uint64_t pfn_t;

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1UL << PAGE_SHIFT)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __noreturn     __attribute__((noreturn))
#define __unused       __attribute__((unused))
#define likely(x)      __builtin_expect(!!(x), 1)
#define unlikely(x)    __builtin_expect(!!(x), 0)

static inline uint64_t align_down(uint64_t x, uint64_t a)
{
	return x & ~(a - 1);
}

static inline uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

static inline bool is_aligned(uint64_t x, uint64_t a)
{
	return (x & (a - 1)) == 0;
}

static inline bool is_power_of_2(uint64_t x)
{
	return x && !(x & (x - 1));
}

#endif
