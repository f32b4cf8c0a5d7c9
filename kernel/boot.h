/* SPDX-License-Identifier: MIT */
/* What the boot sequence (kernel/main.c) leaves for others to inspect. */
#ifndef HARTSLAB_KERNEL_BOOT_H
#define HARTSLAB_KERNEL_BOOT_H

#include "mm/mm.h"

/*
 * The range kept out of the sections while booting (the FDT's window) and
 * hot-added afterwards; size 0 when there was none.
 */
const struct mm_range *boot_only_range(void);

/* The FDT's physical address as the boot entry received it in a1. */
phys_addr_t boot_fdt_pa(void);

#endif
