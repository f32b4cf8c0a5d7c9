/* SPDX-License-Identifier: MIT */
/*
 * Kernel entry points, running with the MMU off at the physical load
 * address, and the trap vector.
 *
 * _start: the first bytes of the image are a RISC-V Linux Image header
 * (Documentation/riscv/boot-image-header.rst), so U-Boot's booti and other
 * loaders that honour text_offset accept and place it; code0 jumps over the
 * header.  Entered with a0 = hart id, a1 = FDT physical address (any
 * alignment).  Everything here is PC-relative (lla), so it works wherever
 * the image was loaded.  Turning on the MMU uses the trick of pointing
 * stvec at the virtual address of the next label: the fetch after the satp
 * write faults and the trap lands there, so no identity mapping of the
 * image is ever needed.
 *
 * The hart lottery.  Firmware normally sends one hart here.  But OpenSBI
 * 1.1 (QEMU 7.2, Debian) marks a hart START_PENDING before it writes the
 * hart's start address, so a stopped hart that wakes in between comes here
 * with the FDT in a1 instead of going to secondary_entry; spin-wait
 * firmware sends every hart here at once.  So the first instruction that
 * matters is an atomic swap on boot_lottery, which lives in .data (the BSS
 * clear must not reset it).  The winner boots.  A later hart never touches
 * BSS or the boot stack: if the kernel has published a join slot for its
 * hart id (start_hart() does that before asking HSM to start it), it
 * counts itself in the slot and continues as secondary_entry would with
 * that slot's struct hart_boot_info; otherwise it records its id in
 * boot_parked_ids (reported by the boot hart) and parks: HSM hart_stop,
 * so that the kernel can start it properly later, or a wfi loop with
 * interrupts off where there is no HSM.
 *
 * Ordering of a join slot (struct boot_join in kernel/smp.c): the boot hart
 * stores hartid, then info_pa with release (fence rw,w); a joining hart
 * loads info_pa, and only when it is non-zero fences (r,rw) and loads
 * hartid, so it never pairs an id with another hart's info.  The
 * release/acquire pair also covers the struct hart_boot_info behind
 * info_pa, which was written before the release.
 *
 * secondary_entry: harts started by SBI HSM hart_start, a0 = hart id,
 * a1 = physical address of their struct hart_boot_info (kernel/smp.h).
 */

#include "arch/riscv/memlayout.h"
#include "arch/riscv/trap_frame.h"
#include "kernel/hart.h"

#define BOOT_JOIN_SLOTS 64	/* PLATFORM_MAX_HARTS, checked in smp.c */
#define BOOT_JOIN_SIZE	16	/* sizeof(struct boot_join) */
#define SBI_EXT_HSM	0x48534D

	.section .text.entry, "ax"
	.globl _start
_start:
	/* The 64-byte Image header.  code0 must stay one 4-byte jump. */
	.option push
	.option norvc
	j	.Lafter_header		/* code0 */
	.word	0			/* code1 */
	.dword	0x200000		/* text_offset from a 2 MiB boundary */
	.dword	_image_size		/* kernel.ld: image, BSS, early tables */
	.dword	0			/* flags: little-endian */
	.word	2			/* version 0.2 */
	.word	0			/* res1 */
	.dword	0			/* res2 */
	.ascii	"RISCV\0\0\0"		/* magic (deprecated) */
	.ascii	"RSC\x05"		/* magic2 */
	.word	0			/* res3 (PE header offset: none) */
	.option pop

.Lafter_header:
	csrw	sie, zero
	csrci	sstatus, 2
	lla	t0, boot_lottery
	li	t1, 1
	amoswap.w.aqrl t1, t1, (t0)
	bnez	t1, .Lentered_again
	rdinstret s4		/* boot cost is measured from here */
	rdtime	s5
	lla	sp, boot_stack_top
	/* Clear BSS once: no other hart ever runs this far. */
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

	/* Lost the lottery: a0 = hart id; a1 is not trusted. */
.Lentered_again:
	lla	t0, boot_join_slots
	li	t1, BOOT_JOIN_SLOTS
6:	ld	t2, 0(t0)		/* info_pa */
	beqz	t2, 7f
	fence	r, rw
	lwu	t3, 8(t0)		/* hartid */
	bne	t3, a0, 7f
	addi	t4, t0, 12		/* reentries */
	li	t5, 1
	amoadd.w.aqrl zero, t5, (t4)
	mv	a1, t2
	j	secondary_entry
7:	addi	t0, t0, BOOT_JOIN_SIZE
	addi	t1, t1, -1
	bnez	t1, 6b
	/* Not asked for: record the id (first 64), then park. */
	lla	t0, boot_parked_count
	li	t1, 1
	amoadd.w.aqrl t1, t1, (t0)
	li	t2, BOOT_JOIN_SLOTS
	bgeu	t1, t2, 8f
	lla	t0, boot_parked_ids
	slli	t1, t1, 2
	add	t0, t0, t1
	sw	a0, 0(t0)
	fence	w, w
8:	li	a7, SBI_EXT_HSM
	li	a6, 1			/* hart_stop: returns only on error */
	ecall
9:	wfi
	j	9b

	.section .rodata
bad_load_msg:
	.string "hartslab: load address not 2 MiB aligned, stopping\n"

	/*
	 * In .data, not .bss: they must hold their values across the boot
	 * hart's BSS clear, since a losing hart may write them at any time.
	 */
	.section .data.boot_entry, "aw"
	.balign	8
	.globl boot_lottery
boot_lottery:
	.word	0
	.globl boot_parked_count
boot_parked_count:
	.word	0
	.globl boot_parked_ids
boot_parked_ids:
	.skip	4 * BOOT_JOIN_SLOTS
	.balign	8
	.globl boot_join_slots
boot_join_slots:
	.skip	BOOT_JOIN_SIZE * BOOT_JOIN_SLOTS

	.section .text.entry, "ax"
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
