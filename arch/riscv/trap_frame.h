/* SPDX-License-Identifier: MIT */
/* The register frame the trap vector saves (arch/riscv/entry.S). */
#ifndef HARTSLAB_ARCH_RISCV_TRAP_FRAME_H
#define HARTSLAB_ARCH_RISCV_TRAP_FRAME_H

#define TF_SEPC		(32 * 8)
#define TF_SSTATUS	(33 * 8)
#define TF_SCAUSE	(34 * 8)
#define TF_STVAL	(35 * 8)
#define TF_OVERFLOW	(36 * 8)
#define TRAP_FRAME_SIZE (38 * 8) /* 16-byte aligned */

#ifndef __ASSEMBLY__
struct trap_frame {
	unsigned long regs[32]; /* x0 (unused) .. x31; regs[2] = sp */
	unsigned long sepc;
	unsigned long sstatus;
	unsigned long scause;
	unsigned long stval;
	unsigned long overflow; /* the trap came in on the emergency stack */
	unsigned long pad;
};

_Static_assert(sizeof(struct trap_frame) == TRAP_FRAME_SIZE, "frame size");
#endif

#endif
