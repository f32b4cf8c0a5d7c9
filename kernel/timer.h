/* SPDX-License-Identifier: MIT */
/* Time: the `time` CSR, SBI timer interrupts on every hart. */
#ifndef HARTSLAB_KERNEL_TIMER_H
#define HARTSLAB_KERNEL_TIMER_H

#include "lib/types.h"

#define TIMER_HZ 100

void timer_set_frequency(uint64_t timebase_hz);
uint64_t timer_frequency(void);
/* Start this hart's periodic tick (interrupts must be enabled to see it). */
int timer_init_hart(void);
uint64_t time_now(void); /* `time` ticks */
uint64_t time_us(void);	 /* microseconds since reset */
uint64_t time_us_to_ticks(uint64_t us);
void udelay(uint64_t us);
/* Called on every tick, on the ticking hart (the watchdog uses it). */
void timer_set_tick_hook(void (*hook)(void));
/* The timer interrupt (the trap code calls it through struct trap_ops). */
void timer_handle_tick(void);

#endif
