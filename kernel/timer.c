// SPDX-License-Identifier: MIT
/*
 * A periodic tick on every hart through SBI TIME.  The frequency is set
 * once from the FDT's timebase before any hart ticks; the tick hook is set
 * before SMP bring-up; both are read-only afterwards.
 */
#include "kernel/timer.h"

#include "arch/riscv/csr.h"
#include "arch/riscv/trap.h"
#include "lib/errno.h"
#include "kernel/hart.h"
#include "kernel/printk.h"
#include "sbi/sbi.h"

static uint64_t timebase_hz = 10000000;
static void (*tick_hook)(void);

void timer_set_frequency(uint64_t hz)
{
	if (hz)
		timebase_hz = hz;
}

uint64_t timer_frequency(void)
{
	return timebase_hz;
}

uint64_t time_now(void)
{
	return rdtime();
}

uint64_t time_us(void)
{
	return rdtime() / (timebase_hz / 1000000 ? timebase_hz / 1000000 : 1);
}

uint64_t time_us_to_ticks(uint64_t us)
{
	return us * timebase_hz / 1000000;
}

void udelay(uint64_t us)
{
	uint64_t end = rdtime() + time_us_to_ticks(us);

	while (rdtime() < end)
		cpu_relax();
}

void timer_set_tick_hook(void (*hook)(void))
{
	tick_hook = hook;
}

static int timer_arm(void)
{
	return sbi_set_timer(rdtime() + timebase_hz / TIMER_HZ);
}

int timer_init_hart(void)
{
	int ret = timer_arm();

	if (!ret)
		csr_set(sie, SIE_STIE);
	return ret;
}

void timer_handle_tick(void)
{
	static atomic_int warned;
	int ret;

	atomic_fetch_add_explicit(&this_hart()->timer_ticks, 1,
				  memory_order_relaxed);
	ret = timer_arm();
	/* Without a next tick the watchdog goes blind: say so, once. */
	if (ret && !atomic_exchange(&warned, 1))
		printk("timer: hart %u: SBI set_timer failed: %s\n",
		       this_hart()->hartid, errno_name(ret));
	if (tick_hook)
		tick_hook();
}
