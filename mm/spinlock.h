/* SPDX-License-Identifier: MIT */
/*
 * mm's own spin lock (port-agnostic: C11 atomics and port_irq_save only).
 * Test-and-test-and-set; acquire on lock, release on unlock.  Always taken
 * with interrupts masked (mm_spin_lock_irqsave), so an interrupt on the same
 * hart (the drain IPI) can never spin on a lock its hart holds.
 */
#ifndef HARTSLAB_MM_SPINLOCK_H
#define HARTSLAB_MM_SPINLOCK_H

#include <stdatomic.h>
#include <stdbool.h>

#include "mm/internal.h"
#include "mm/port.h"

struct mm_spinlock {
	atomic_int locked;
};

static inline void mm_spin_init(struct mm_spinlock *l)
{
	atomic_init(&l->locked, 0);
}

static inline bool mm_spin_trylock(struct mm_spinlock *l)
{
	return !atomic_exchange_explicit(&l->locked, 1, memory_order_acquire);
}

static inline unsigned long mm_spin_lock_irqsave(struct mm_spinlock *l)
{
	unsigned long flags = port_irq_save();

	mm_count_lock(); /* and its first exchange, an atomic */
	while (!mm_spin_trylock(l)) {
		mm_count_atomic(); /* the next attempt */
		while (atomic_load_explicit(&l->locked, memory_order_relaxed))
			port_cpu_relax();
	}
	return flags;
}

static inline void mm_spin_unlock_irqrestore(struct mm_spinlock *l,
					     unsigned long flags)
{
	atomic_store_explicit(&l->locked, 0, memory_order_release);
	port_irq_restore(flags);
}

#endif
