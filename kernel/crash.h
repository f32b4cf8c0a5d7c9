/* SPDX-License-Identifier: MIT */
/* Faults on request, for end-to-end checks of the panic path. */
#ifndef HARTSLAB_KERNEL_CRASH_H
#define HARTSLAB_KERNEL_CRASH_H

void crash_if_requested(void);

#endif
