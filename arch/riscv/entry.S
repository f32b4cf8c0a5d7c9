/* SPDX-License-Identifier: MIT */
/*
 * Kernel entry points, running with the MMU off at the physical load
 * address, and the trap vector.
 *
 * _start: the hart that won OpenSBI's lottery, a0 = hart id, a1 = FDT
 * physical address.  Everything here is PC-relative (lla), so it works
 * wherever the image was loaded.  Turning on the MMU uses the trick of
 * pointing stvec at the virtual address of the next label: the fetch after
 * the satp write faults and the trap lands there, so no identity mapping of
 * the image is ever needed.
 *
 * secondary_entry: harts started by SBI HSM hart_start, a0 = hart id,
 * a1 = physical address of their struct hart_boot_info (kernel/smp.h).
 */

#include "arch/riscv/memlayout.h"
#include "arch/riscv/trap_frame.h"
#include "kernel/hart.h"

	.section .text.entry, "ax"
	.globl _start
_start:
	rdinstret s4		/* boot cost is measured from here */
	rdtime	s5
	csrw	sie, zero
	csrci	sstatus, 2
	lla	sp, boot_stack_top
	/* Clear BSS once: only this hart runs until the others are started. */
	lla	t0, _bss_start
	lla	t1, _bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:	mv	s0, a0
	mv	s1, a1
	lla	a0, _start
	call	early_paging_setup	/* a0 = satp of the early table */
	beqz	a0, .Lbad_load
	mv	s2, a0
	/* s3 = virtual - physical for the kernel image */
	lla	t0, _start
	li	s3, KERNEL_VA_BASE
	sub	s3, s3, t0
	lla	t0, 3f
	add	t0, t0, s3
	csrw	stvec, t0
	add	sp, sp, s3
	sfence.vma
	csrw	satp, s2
	sfence.vma
	.balign 4
3:	/* Now at the kernel's virtual address. */
	lla	tp, boot_hart
	mv	a0, s0
	mv	a1, s1
	mv	a2, s4
	mv	a3, s5
	call	kernel_main
4:	wfi
	j	4b

.Lbad_load:
	/* Not 2 MiB aligned: say so on the SBI console and stop. */
	lla	s4, bad_load_msg
5:	lbu	a0, 0(s4)
	beqz	a0, 4b
	li	a7, 1		/* legacy console putchar */
	ecall
	addi	s4, s4, 1
	j	5b

	.section .rodata
bad_load_msg:
	.string "hartslab: load address not 2 MiB aligned, stopping\n"
	.previous

	.globl secondary_entry
secondary_entry:
	csrw	sie, zero
	csrci	sstatus, 2
	/* struct hart_boot_info: satp, tp, sp, entry (all but satp virtual) */
	ld	t0, 0(a1)
	ld	tp, 8(a1)
	ld	sp, 16(a1)
	ld	t1, 24(a1)
	csrw	stvec, t1
	sfence.vma
	csrw	satp, t0
	sfence.vma
	j	.		/* not reached: the fetch above faults into stvec */

/*
 * The trap vector.  Kernel only (no user mode): the frame goes on the
 * current stack, unless that would cross below the hart's stack base (a
 * stack overflow), in which case the per-hart emergency stack is used and
 * the handler is told so.  sscratch is only a scratch register here.
 */
	.text
	.globl trap_vector
	.balign 4
trap_vector:
	csrw	sscratch, t0
	addi	sp, sp, -TRAP_FRAME_SIZE
	ld	t0, HART_STACK_BASE(tp)
	bltu	sp, t0, .Loverflow
	li	t0, 0
	j	.Lsave
.Loverflow:
	ld	sp, HART_EMERGENCY_SP(tp)
	addi	sp, sp, -TRAP_FRAME_SIZE
	li	t0, 1
.Lsave:
	sd	t0, TF_OVERFLOW(sp)
	csrr	t0, sscratch
	sd	ra, 1*8(sp)
	sd	gp, 3*8(sp)
	sd	tp, 4*8(sp)
	sd	t0, 5*8(sp)
	sd	t1, 6*8(sp)
	sd	t2, 7*8(sp)
	sd	s0, 8*8(sp)
	sd	s1, 9*8(sp)
	sd	a0, 10*8(sp)
	sd	a1, 11*8(sp)
	sd	a2, 12*8(sp)
	sd	a3, 13*8(sp)
	sd	a4, 14*8(sp)
	sd	a5, 15*8(sp)
	sd	a6, 16*8(sp)
	sd	a7, 17*8(sp)
	sd	s2, 18*8(sp)
	sd	s3, 19*8(sp)
	sd	s4, 20*8(sp)
	sd	s5, 21*8(sp)
	sd	s6, 22*8(sp)
	sd	s7, 23*8(sp)
	sd	s8, 24*8(sp)
	sd	s9, 25*8(sp)
	sd	s10, 26*8(sp)
	sd	s11, 27*8(sp)
	sd	t3, 28*8(sp)
	sd	t4, 29*8(sp)
	sd	t5, 30*8(sp)
	sd	t6, 31*8(sp)
	addi	t0, sp, TRAP_FRAME_SIZE
	sd	t0, 2*8(sp)		/* sp before the trap */
	csrr	t0, sepc
	sd	t0, TF_SEPC(sp)
	csrr	t0, sstatus
	sd	t0, TF_SSTATUS(sp)
	csrr	t0, scause
	sd	t0, TF_SCAUSE(sp)
	csrr	t0, stval
	sd	t0, TF_STVAL(sp)
	mv	a0, sp
	call	trap_handle
	ld	t0, TF_SEPC(sp)
	csrw	sepc, t0
	ld	t0, TF_SSTATUS(sp)
	csrw	sstatus, t0
	ld	ra, 1*8(sp)
	ld	gp, 3*8(sp)
	/* tp is the hart's own pointer: never restored from the frame. */
	ld	t0, 5*8(sp)
	ld	t1, 6*8(sp)
	ld	t2, 7*8(sp)
	ld	s0, 8*8(sp)
	ld	s1, 9*8(sp)
	ld	a0, 10*8(sp)
	ld	a1, 11*8(sp)
	ld	a2, 12*8(sp)
	ld	a3, 13*8(sp)
	ld	a4, 14*8(sp)
	ld	a5, 15*8(sp)
	ld	a6, 16*8(sp)
	ld	a7, 17*8(sp)
	ld	s2, 18*8(sp)
	ld	s3, 19*8(sp)
	ld	s4, 20*8(sp)
	ld	s5, 21*8(sp)
	ld	s6, 22*8(sp)
	ld	s7, 23*8(sp)
	ld	s8, 24*8(sp)
	ld	s9, 25*8(sp)
	ld	s10, 26*8(sp)
	ld	s11, 27*8(sp)
	ld	t3, 28*8(sp)
	ld	t4, 29*8(sp)
	ld	t5, 30*8(sp)
	ld	t6, 31*8(sp)
	ld	sp, 2*8(sp)
	sret

/*
 * The boot hart's stack, with an unmapped guard page below it (see
 * paging_init), and its emergency stack for reporting an overflow.
 */
	.section .bss.boot_stack, "aw", @nobits
	.balign 4096
	.globl boot_stack_guard
boot_stack_guard:
	.skip 4096
	.globl boot_stack_bottom
boot_stack_bottom:
	.skip KSTACK_SIZE
	.globl boot_stack_top
boot_stack_top:
	.globl boot_emergency_bottom
boot_emergency_bottom:
	.skip 4096
	.globl boot_emergency_top
boot_emergency_top:
