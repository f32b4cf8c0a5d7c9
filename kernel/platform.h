/* SPDX-License-Identifier: MIT */
/*
 * Platform discovery: everything the kernel learns about the machine comes
 * from the flattened device tree through libfdt, into one struct platform.
 *
 * The same file (kernel/platform.c) is built into the kernel and into the
 * host tool build/host/platinfo, so a porter can check a board's DTB before
 * booting anything.  It allocates nothing and keeps pointers into the FDT
 * only for strings (bootargs, names are copied).
 */
#ifndef HARTSLAB_KERNEL_PLATFORM_H
#define HARTSLAB_KERNEL_PLATFORM_H

#include "lib/types.h"

#define PLATFORM_MAX_HARTS    64      /* usable harts; the rest: reason=limit */
#define PLATFORM_MAX_CPUS     512     /* cpu nodes read (QEMU virt's maximum) */
#define PLATFORM_MIN_TIMEBASE 1000000 /* Hz: the timer counts microseconds */
#define PLATFORM_MAX_MEM      32
#define PLATFORM_MAX_RESV     32
#define PLATFORM_NAME_LEN     32
#define PLATFORM_ERR_LEN      128
#define PLATFORM_MAX_DYN      8	 /* dynamic /reserved-memory nodes listed */
#define PLATFORM_MAX_NODES    16 /* numa-node-id must be below this */

/*
 * Highest physical address RAM may reach: the 128 GiB the Sv39 linear map
 * covers.  The kernel passes LINEAR_MAP_SIZE; the host tool passes this.
 */
#define PLATFORM_MAX_PHYS 0x2000000000ULL

struct platform_hart {
	uint32_t id;		 /* the cpu node's reg: hart id */
	bool usable;		 /* status okay/absent and MMU sv39 or wider */
	const char *skip_reason; /* one word when !usable: "disabled", "no-mmu"
				    ... */
	int node;		 /* numa-node-id, 0 when absent */
	int mem_node; /* node its memory comes from: node, or the nearest node
		       * with memory when its own has none */
};

struct platform_mem {
	phys_addr_t base;
	phys_addr_t size;
	int node;
};

struct platform_resv {
	phys_addr_t base;
	phys_addr_t size;
	bool nomap;
	bool from_node; /* a /reserved-memory child (may lie outside RAM) */
	char name[PLATFORM_NAME_LEN]; /* node name (without @unit), or
				       * "kernel", "fdt", "memreserve", "initrd"
				       */
};

enum platform_console_type {
	CONSOLE_SBI = 0, /* no usable UART: SBI legacy putchar */
	CONSOLE_NS16550,
	CONSOLE_SIFIVE_UART,
};

struct platform_console {
	enum platform_console_type type;
	phys_addr_t base;
	phys_addr_t size;
	unsigned int reg_shift;
	unsigned int reg_io_width; /* 1 or 4 bytes */
	char path[64];		   /* node path, for the report */
};

/* QEMU's "sifive,test1"/"sifive,test0" device: exit with a status code. */
struct platform_exit_dev {
	bool present;
	phys_addr_t base;
	phys_addr_t size;
};

/* What the caller knows that the FDT does not say. */
struct platform_params {
	phys_addr_t fdt_pa;	 /* 0: don't report the FDT itself (host) */
	phys_addr_t kernel_base; /* kernel image, size 0: none (host) */
	phys_addr_t kernel_size;
	phys_addr_t max_phys; /* RAM must end at or below this (linear map) */
	bool boot_hart_known; /* keep boot_hartid among the usable harts */
	uint32_t boot_hartid;
	size_t fdt_size; /* bytes readable at fdt; 0: unknown, trust
			  * the header's totalsize (kernel) */
};

struct platform {
	unsigned int nr_harts;
	struct platform_hart harts[PLATFORM_MAX_CPUS];
	unsigned int nr_usable;
	uint64_t timebase_freq;
	struct platform_console console;
	struct platform_exit_dev exit_dev;
	struct platform_exit_dev htif; /* "ucb,htif0" with a reg (spike) */
	unsigned int nr_mem;	       /* sorted by base, never overlapping */
	struct platform_mem mem[PLATFORM_MAX_MEM];
	unsigned int nr_resv; /* sorted by base */
	struct platform_resv resv[PLATFORM_MAX_RESV];
	/* /reserved-memory children with only a size: not placed, listed */
	unsigned int nr_resv_dyn;
	struct platform_resv resv_dyn[PLATFORM_MAX_DYN]; /* base 0 */
	/*
	 * /reserved-memory ranges not wholly in RAM, as the tree gave them
	 * (windows for devices, e.g. mpfs-sev-kit's DMA pools): reported, and
	 * only their parts inside RAM are in resv[].  from_node is true when
	 * a part was kept (clipped), false when none was (ignored).
	 */
	unsigned int nr_resv_out;
	struct platform_resv resv_out[PLATFORM_MAX_DYN];
	unsigned int nr_nodes;	/* 1 + highest numa-node-id seen */
	bool numa_distance_map; /* mem_node chosen by /distance-map */
	const char *bootargs;	/* points into the FDT; "" when absent */
	const void *rng_seed;	/* /chosen/rng-seed in the FDT, or NULL */
	unsigned int rng_seed_len;
	char error[PLATFORM_ERR_LEN]; /* set when platform_parse() fails */
};

/*
 * Parse @fdt into @p.  Returns 0, or a negative errno with p->error holding
 * a one-line reason that names the problem (bad magic, truncated, no memory
 * node, no usable hart, overlapping memory, memory beyond max_phys, reserved
 * range outside RAM, console not found, too many entries ...).
 */
int platform_parse(const void *fdt, const struct platform_params *params,
		   struct platform *p);

/* Print the "platform: ..." report lines through @print (printk or printf). */
void platform_report(const struct platform *p,
		     int (*print)(const char *fmt, ...));

/* Index of hart @id in p->harts, or -1. */
int platform_hart_index(const struct platform *p, uint32_t id);

#endif
