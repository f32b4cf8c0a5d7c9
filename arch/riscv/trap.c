// SPDX-License-Identifier: MIT
/*
 * Trap dispatch.  Interrupts go to their handlers; an exception is either
 * one a test armed a fixup for (recorded, reported as diagnostics, skipped)
 * or fatal: a readable report and panic.  Runs on the trapping hart with
 * interrupts off (the hardware cleared sstatus.SIE).
 */
#include "arch/riscv/trap.h"

#include "arch/riscv/csr.h"
#include "arch/riscv/sections.h"
#include "kernel/mm_port.h"
#include "kernel/hart.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "lib/scnprintf.h"

/* Set once before interrupts are enabled on any hart, then read-only. */
static const struct trap_ops *ops;

static const char *const reg_names[32] = {
	"zero", "ra", "sp", "gp", "tp",	 "t0",	"t1", "t2", "s0", "s1", "a0",
	"a1",	"a2", "a3", "a4", "a5",	 "a6",	"a7", "s2", "s3", "s4", "s5",
	"s6",	"s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

void trap_set_ops(const struct trap_ops *o)
{
	ops = o;
}

void trap_init(void)
{
	csr_write(stvec, (unsigned long)trap_vector);
}

const char *trap_cause_name(unsigned long scause)
{
	if (scause & SCAUSE_INTERRUPT) {
		switch (scause & ~SCAUSE_INTERRUPT) {
		case IRQ_S_SOFT:
			return "supervisor software interrupt";
		case IRQ_S_TIMER:
			return "supervisor timer interrupt";
		case IRQ_S_EXT:
			return "supervisor external interrupt";
		default:
			return "unknown interrupt";
		}
	}
	switch (scause) {
	case EXC_INST_MISALIGNED:
		return "instruction address misaligned";
	case EXC_INST_ACCESS:
		return "instruction access fault";
	case EXC_ILLEGAL_INST:
		return "illegal instruction";
	case EXC_BREAKPOINT:
		return "breakpoint";
	case EXC_LOAD_MISALIGNED:
		return "load address misaligned";
	case EXC_LOAD_ACCESS:
		return "load access fault";
	case EXC_STORE_MISALIGNED:
		return "store address misaligned";
	case EXC_STORE_ACCESS:
		return "store access fault";
	case EXC_ECALL_U:
		return "environment call from U-mode";
	case EXC_ECALL_S:
		return "environment call from S-mode";
	case EXC_INST_PAGE_FAULT:
		return "instruction page fault";
	case EXC_LOAD_PAGE_FAULT:
		return "load page fault";
	case EXC_STORE_PAGE_FAULT:
		return "store page fault";
	default:
		return "unknown exception";
	}
}

void trap_report(const struct trap_frame *f, const char *prefix)
{
	int i;

	printk("%strap: %s (scause 0x%lx) on hart %u\n", prefix,
	       trap_cause_name(f->scause), f->scause, this_hart()->hartid);
	printk("%s  sepc 0x%016lx stval 0x%016lx sstatus 0x%lx\n", prefix,
	       f->sepc, f->stval, f->sstatus);
	if (f->overflow)
		printk("%s  kernel stack overflow (stack base 0x%lx)\n", prefix,
		       this_hart()->stack_base);
	for (i = 1; i < 32; i += 4) {
		char line[128];
		int j, n = 0;

		for (j = i; j < i + 4 && j < 32; j++)
			n += scnprintf(line + n, sizeof(line) - n,
				       " %-4s 0x%016lx", reg_names[j],
				       f->regs[j]);
		printk("%s %s\n", prefix, line);
	}
}

/* Length of the instruction at @pc: 2 for compressed, else 4. */
static unsigned long insn_length(unsigned long pc)
{
	return (*(const uint16_t *)pc & 3) == 3 ? 4 : 2;
}

static bool fixup_expected_fault(struct trap_frame *f)
{
	struct trap_fixup *fx = this_hart()->fixup;

	if (!fx || !fx->armed || f->overflow)
		return false;
	fx->armed = false;
	fx->hit = true;
	fx->scause = f->scause;
	fx->stval = f->stval;
	fx->sepc = f->sepc;
	trap_report(f, "    # expected ");
	f->sepc += insn_length(f->sepc);
	return true;
}

static void handle_interrupt(unsigned long cause)
{
	switch (cause) {
	case IRQ_S_SOFT:
		csr_clear(sip, SIP_SSIP);
		if (ops && ops->ipi)
			ops->ipi();
		break;
	case IRQ_S_TIMER:
		if (ops && ops->timer)
			ops->timer();
		else
			csr_clear(sie, SIE_STIE); /* nobody re-arms it */
		break;
	default:
		panic("unexpected interrupt %lu", cause);
	}
}

void trap_handle(struct trap_frame *f)
{
	if (f->scause & SCAUSE_INTERRUPT) {
		port_rseq_restart(&f->sepc); /* mm's fast paths, mm_port.h */
		handle_interrupt(f->scause & ~SCAUSE_INTERRUPT);
		return;
	}
	if (fixup_expected_fault(f))
		return;
	if (!panic_begin())
		hart_halt();
	trap_report(f, "panic: ");
	printk("panic: hart %u: fatal %s at 0x%lx\n", this_hart()->hartid,
	       trap_cause_name(f->scause), f->sepc);
	if (ops && ops->stop_others)
		ops->stop_others();
	machine_exit(1);
}
