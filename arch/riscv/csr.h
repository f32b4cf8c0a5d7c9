/* SPDX-License-Identifier: MIT */
/* Supervisor CSRs: numbers, bits and accessors. */
#ifndef HARTSLAB_ARCH_RISCV_CSR_H
#define HARTSLAB_ARCH_RISCV_CSR_H

#define SSTATUS_SIE  (1UL << 1)
#define SSTATUS_SPIE (1UL << 5)
#define SSTATUS_SPP  (1UL << 8)
#define SSTATUS_SUM  (1UL << 18)

#define SIE_SSIE (1UL << 1)
#define SIE_STIE (1UL << 5)
#define SIE_SEIE (1UL << 9)
#define SIP_SSIP (1UL << 1)

#define SCAUSE_INTERRUPT (1UL << 63)
#define IRQ_S_SOFT	 1
#define IRQ_S_TIMER	 5
#define IRQ_S_EXT	 9

#define EXC_INST_MISALIGNED  0
#define EXC_INST_ACCESS	     1
#define EXC_ILLEGAL_INST     2
#define EXC_BREAKPOINT	     3
#define EXC_LOAD_MISALIGNED  4
#define EXC_LOAD_ACCESS	     5
#define EXC_STORE_MISALIGNED 6
#define EXC_STORE_ACCESS     7
#define EXC_ECALL_U	     8
#define EXC_ECALL_S	     9
#define EXC_INST_PAGE_FAULT  12
#define EXC_LOAD_PAGE_FAULT  13
#define EXC_STORE_PAGE_FAULT 15

#define SATP_MODE_SV39 (8UL << 60)

#ifndef __ASSEMBLY__

#define csr_read(csr)                                                        \
	({                                                                   \
		unsigned long __v;                                           \
		__asm__ volatile("csrr %0, " #csr : "=r"(__v) : : "memory"); \
		__v;                                                         \
	})

#define csr_write(csr, val)                               \
	({                                                \
		unsigned long __v = (unsigned long)(val); \
		__asm__ volatile("csrw " #csr ", %0"      \
				 :                        \
				 : "rK"(__v)              \
				 : "memory");             \
	})

#define csr_set(csr, val)                                 \
	({                                                \
		unsigned long __v = (unsigned long)(val); \
		__asm__ volatile("csrs " #csr ", %0"      \
				 :                        \
				 : "rK"(__v)              \
				 : "memory");             \
	})

#define csr_clear(csr, val)                               \
	({                                                \
		unsigned long __v = (unsigned long)(val); \
		__asm__ volatile("csrc " #csr ", %0"      \
				 :                        \
				 : "rK"(__v)              \
				 : "memory");             \
	})

#define csr_read_clear(csr, val)                          \
	({                                                \
		unsigned long __v = (unsigned long)(val); \
		__asm__ volatile("csrrc %0, " #csr ", %1" \
				 : "=r"(__v)              \
				 : "rK"(__v)              \
				 : "memory");             \
		__v;                                      \
	})

/* Interrupt masking on this hart: one csrrc, no atomic, a compiler barrier. */
static inline unsigned long irq_save(void)
{
	return csr_read_clear(sstatus, SSTATUS_SIE) & SSTATUS_SIE;
}

static inline void irq_restore(unsigned long flags)
{
	if (flags)
		csr_set(sstatus, SSTATUS_SIE);
	else
		__asm__ volatile("" ::: "memory");
}

static inline void irq_enable(void)
{
	csr_set(sstatus, SSTATUS_SIE);
}

static inline void irq_disable(void)
{
	csr_clear(sstatus, SSTATUS_SIE);
}

static inline unsigned long rdtime(void)
{
	unsigned long t;

	__asm__ volatile("rdtime %0" : "=r"(t));
	return t;
}

static inline unsigned long rdinstret(void)
{
	unsigned long n;

	__asm__ volatile("rdinstret %0" : "=r"(n));
	return n;
}

static inline void cpu_relax(void)
{
	/* "pause" is a hint (Zihintpause) that older cores treat as a fence. */
	__asm__ volatile(".insn i 0x0f, 0, x0, x0, 0x010" ::: "memory");
}

static inline void wait_for_interrupt(void)
{
	__asm__ volatile("wfi" ::: "memory");
}

#endif /* __ASSEMBLY__ */
#endif
