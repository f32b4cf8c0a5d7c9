/* SPDX-License-Identifier: MIT */
/*
 * Hart hot-plug: stop a hart with SBI HSM and start it again.
 *
 * A hart about to stop gives mm back everything it holds and parks its
 * slabs (mm_hart_offline(), the rules at the end of mm/mm.c), marks itself
 * offline (from then on no IPI wait, drain request or smp_run_on() waits
 * on it) and leaves through HSM hart_stop.  Starting it again sends it
 * through the secondary entry with fresh per-hart state.  Any hart may be
 * stopped, the boot hart included, as long as one stays online.
 */
#ifndef HARTSLAB_KERNEL_HOTPLUG_H
#define HARTSLAB_KERNEL_HOTPLUG_H

#include "lib/types.h"

/*
 * Stop hart @index (not the caller) and wait until HSM says it stopped.
 * 0, or -ENOSYS (no HSM), -EINVAL (no such hart, or the caller),
 * -EALREADY (offline already), -EBUSY (the last online hart, or it is
 * running a job), -ETIMEDOUT.
 */
int hotplug_stop(unsigned int index);

/*
 * The caller stops itself: whatever it was doing must have been handed to
 * another hart (the console does that).  Returns only when it cannot stop
 * (-ENOSYS, -EBUSY as above); else it comes back, if ever, through the
 * secondary entry, not here.
 */
int hotplug_stop_self(void);

/*
 * Start the stopped hart @index again and wait until it is online.  0, or
 * -EINVAL (no such hart), -EALREADY (online), -ETIMEDOUT / -errno.
 */
int hotplug_start(unsigned int index);

/* Stops and starts done so far (reports, tests). */
unsigned long hotplug_stops(void);
unsigned long hotplug_starts(void);

#endif
