/* SPDX-License-Identifier: MIT */
/* The serial console's command prompt, on the boot hart. */
#ifndef HARTSLAB_KERNEL_SHELL_H
#define HARTSLAB_KERNEL_SHELL_H

/* Read and run commands until "poweroff". */
void shell_run(void);

#endif
