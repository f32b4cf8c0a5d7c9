/* SPDX-License-Identifier: MIT */
/*
 * A test-and-test-and-set spin lock for the kernel's own (non-mm) data:
 * the console, the page table, the hart table.  Acquire on lock, release on
 * unlock; the _irqsave forms mask interrupts first so that an interrupt
 * handler on the same hart cannot spin on a lock its hart already holds.
 */
#ifndef HARTSLAB_KERNEL_SPINLOCK_H
#define HARTSLAB_KERNEL_SPINLOCK_H

#include <stdatomic.h>
#include <stdbool.h>

#include "arch/riscv/csr.h"

struct spinlock {
	atomic_int locked;
};

static inline bool spin_trylock(struct spinlock *l)
{
	return !atomic_exchange_explicit(&l->locked, 1, memory_order_acquire);
}

static inline void spin_lock(struct spinlock *l)
{
	while (!spin_trylock(l))
		while (atomic_load_explicit(&l->locked, memory_order_relaxed))
			cpu_relax();
}

static inline void spin_unlock(struct spinlock *l)
{
	atomic_store_explicit(&l->locked, 0, memory_order_release);
}

static inline unsigned long spin_lock_irqsave(struct spinlock *l)
{
	unsigned long flags = irq_save();

	spin_lock(l);
	return flags;
}

static inline void spin_unlock_irqrestore(struct spinlock *l,
					  unsigned long flags)
{
	spin_unlock(l);
	irq_restore(flags);
}

#endif
