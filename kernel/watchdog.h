/* SPDX-License-Identifier: MIT */
/*
 * The watchdog: on every timer tick each hart checks itself and its next
 * online neighbour.  A hart that is busy (struct hart.doing set) and whose
 * heartbeat has not moved for "watchdog_ms=" (default 5000) of run time
 * while no other hart progressed either, or for 3 times that while others
 * did, or a test suite past its deadline, is reported and the machine
 * exits with status WATCHDOG_EXIT_CODE.  Run time, not wall time: time
 * during which the harts were not running (single-threaded TCG, a loaded
 * host) does not count (see watchdog.c).
 */
#ifndef HARTSLAB_KERNEL_WATCHDOG_H
#define HARTSLAB_KERNEL_WATCHDOG_H

#define WATCHDOG_EXIT_CODE 4

/* Read the command line and hook the tick; before the other harts start. */
void watchdog_init(void);

/*
 * A suite starts: its deadline is "suite_timeout=" seconds if given, else
 * "seconds=" (default 2) + 120.  watchdog_suite_end() disarms it.
 */
void watchdog_suite_begin(const char *name);
void watchdog_suite_end(void);

#endif
