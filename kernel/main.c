// SPDX-License-Identifier: MIT
/*
 * The boot sequence, on the hart that won OpenSBI's lottery:
 * platform from the FDT, memblock, the final page table, console, memory
 * manager, the other harts, then what the command line asks for.
 */
#include <libfdt.h>

#include "arch/riscv/csr.h"
#include "arch/riscv/memlayout.h"
#include "arch/riscv/pgtable.h"
#include "arch/riscv/sections.h"
#include "arch/riscv/trap.h"
#include "kernel/boot.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/crash.h"
#include "lib/errno.h"
#include "kernel/ktest.h"
#include "kernel/memblock.h"
#include "kernel/panic.h"
#include "kernel/platform.h"
#include "kernel/power.h"
#include "kernel/printk.h"
#include "kernel/shell.h"
#include "kernel/smp.h"
#include "kernel/timer.h"
#include "kernel/watchdog.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "sbi/sbi.h"

#include "build/generated/version.h" /* HARTSLAB_VERSION: git describe */

static struct platform platform;
/*
 * The FDT's 2 MiB window is needed only while booting: it stays out of the
 * sections until the kernel no longer reads the FDT, then it is hot-added
 * as a section of its own (boot_only_window, hand_back_boot_ranges).
 */
static struct mm_range boot_only;
static int boot_only_node;
/* Counters read by the very first instructions at _start. */
static unsigned long entry_instret, entry_time;
static struct memblock boot_memblock;
static phys_addr_t fdt_pa_at_entry;

phys_addr_t boot_fdt_pa(void)
{
	return fdt_pa_at_entry;
}

/* Before paging_init the exit device is reached through the early map. */
static void __noreturn boot_fail(int code, const char *what, const char *why)
{
	printk("boot: error: %s: %s\n", what, why);
	power_init_early(&platform);
	machine_exit(code);
}

static void parse_platform(phys_addr_t fdt_pa, unsigned long hartid)
{
	struct platform_params params = {
		.fdt_pa = fdt_pa,
		.boot_hart_known = true,
		.boot_hartid = (uint32_t)hartid,
		.kernel_base = kernel_load_pa,
		.kernel_size = align_up(_kernel_end - _kernel_start, PAGE_SIZE),
		.max_phys = LINEAR_MAP_SIZE,
	};
	int ret;

	ret = platform_parse(phys_to_virt(fdt_pa), &params, &platform);
	if (ret)
		boot_fail(2, "platform", platform.error);
}

static void setup_memblock(void)
{
	struct memblock *mb = &boot_memblock;
	unsigned int i;
	int ret = 0;

	memblock_init(mb);
	for (i = 0; i < platform.nr_mem && !ret; i++)
		ret = memblock_add(mb, platform.mem[i].base,
				   platform.mem[i].size);
	for (i = 0; i < platform.nr_resv && !ret; i++) {
		const struct platform_resv *r = &platform.resv[i];

		if (r->nomap)
			ret = memblock_remove(mb, r->base, r->size);
		else
			ret = memblock_reserve(mb, r->base, r->size);
	}
	if (ret)
		boot_fail(2, "memblock", errno_name(ret));
}

/* Reserved memblock ranges that overlap [base, end), clipped to it. */
static unsigned int reserved_within(phys_addr_t base, phys_addr_t end,
				    struct mm_range *out, unsigned int max)
{
	const struct memblock_type *rt = &boot_memblock.reserved;
	unsigned int i, n = 0;

	for (i = 0; i < rt->cnt && n < max; i++) {
		phys_addr_t rb = rt->regions[i].base;
		phys_addr_t re = rb + rt->regions[i].size;

		if (re <= base || rb >= end)
			continue;
		out[n].base = rb > base ? rb : base;
		out[n].size = (re < end ? re : end) - out[n].base;
		n++;
	}
	return n;
}

/*
 * One section per piece of a platform memory entry that memblock still
 * calls memory (no-map ranges cut pieces out).  Working from the platform
 * entries keeps NUMA nodes apart even where memblock merged them.
 */
static void add_sections(void)
{
	const struct memblock_type *mt = &boot_memblock.memory;
	struct mm_range resv[MEMBLOCK_MAX_REGIONS];
	unsigned int i, j;

	for (i = 0; i < platform.nr_mem; i++) {
		phys_addr_t mb = platform.mem[i].base;
		phys_addr_t me = mb + platform.mem[i].size;

		for (j = 0; j < mt->cnt; j++) {
			phys_addr_t b = mt->regions[j].base;
			phys_addr_t e = b + mt->regions[j].size;
			unsigned int n;
			int ret;

			b = b > mb ? b : mb;
			e = e < me ? e : me;
			if (e <= b)
				continue;
			n = reserved_within(b, e, resv, ARRAY_SIZE(resv));
			ret = mm_add_section(b, e - b, platform.mem[i].node,
					     resv, n);
			if (ret)
				printk("mm: section 0x%llx-0x%llx not added: "
				       "%s\n",
				       (unsigned long long)b,
				       (unsigned long long)e, errno_name(ret));
		}
	}
}

static const struct platform_mem *memory_holding(phys_addr_t pa)
{
	unsigned int i;

	for (i = 0; i < platform.nr_mem; i++)
		if (pa >= platform.mem[i].base &&
		    pa - platform.mem[i].base < platform.mem[i].size)
			return &platform.mem[i];
	return NULL;
}

/*
 * The 2 MiB-aligned window around the FDT, if it holds nothing else that
 * is reserved: it is kept out of the sections now and handed back later.
 */
static void keep_fdt_window_for_later(phys_addr_t fdt_pa, size_t fdt_size)
{
	const struct memblock_type *rt = &boot_memblock.reserved;
	const struct platform_mem *m = memory_holding(fdt_pa);
	phys_addr_t lo = align_down(fdt_pa, 2UL << 20);
	phys_addr_t hi = align_up(fdt_pa + fdt_size, 2UL << 20);
	unsigned int i;

	if (!m)
		return;
	lo = lo > m->base ? lo : m->base;
	hi = hi < m->base + m->size ? hi : m->base + m->size;
	for (i = 0; i < rt->cnt; i++) {
		phys_addr_t rb = rt->regions[i].base;
		phys_addr_t re = rb + rt->regions[i].size;

		if (re > lo && rb < hi &&
		    (rb < fdt_pa || re > fdt_pa + fdt_size))
			return; /* shares the window with something else */
	}
	if (memblock_remove(&boot_memblock, lo, hi - lo))
		return;
	boot_only.base = lo;
	boot_only.size = hi - lo;
	boot_only_node = m->node;
}

const struct mm_range *boot_only_range(void)
{
	return &boot_only;
}

/* After boot: nothing reads the FDT any more; its window becomes RAM. */
static void hand_back_boot_ranges(void)
{
	int ret;

	if (!boot_only.size)
		return;
	ret = mm_add_section(boot_only.base, boot_only.size, boot_only_node,
			     NULL, 0);
	if (ret) {
		printk("mm: boot-only range 0x%llx+0x%llx not handed back: "
		       "%s\n",
		       (unsigned long long)boot_only.base,
		       (unsigned long long)boot_only.size, errno_name(ret));
		return;
	}
	printk("mm: handed back base=0x%llx size=0x%llx (fdt, boot only)\n",
	       (unsigned long long)boot_only.base,
	       (unsigned long long)boot_only.size);
}

static phys_addr_t table_page_from_memblock(void)
{
	return memblock_alloc(&boot_memblock, PAGE_SIZE, PAGE_SIZE);
}

/* The final page table over what memblock still calls memory. */
static int setup_paging(void)
{
	const struct memblock_type *mt = &boot_memblock.memory;
	struct phys_range ram[MEMBLOCK_MAX_REGIONS];
	unsigned int i;

	for (i = 0; i < mt->cnt; i++) {
		ram[i].base = mt->regions[i].base;
		ram[i].size = mt->regions[i].size;
	}
	mmu_set_page_source(table_page_from_memblock);
	return paging_init(ram, mt->cnt, (unsigned long)boot_stack_guard);
}

static phys_addr_t table_page_from_buddy(void)
{
	void *p = alloc_pages(1, __GFP_ZERO);

	return p ? virt_to_phys(p) : 0;
}

static void setup_mm(phys_addr_t fdt_pa)
{
	int nodes[PLATFORM_MAX_HARTS];
	unsigned int i, n = 0;
	int ret;

	/* A hart on a node without memory is placed on mem_node instead. */
	for (i = 0; i < platform.nr_harts; i++)
		if (platform.harts[i].usable)
			nodes[n++] = platform.harts[i].mem_node;
	ret = mm_init(n, nodes);
	if (ret)
		panic("mm_init: %s", errno_name(ret));
	if (platform.rng_seed)
		mm_set_seed(platform.rng_seed, platform.rng_seed_len);
	if (cmdline_get_ulong("slab_debug", 0)) {
		mm_set_slab_debug(true);
		printk("slab_debug: red zones, poison, allocation and free "
		       "records for every slab object\n");
	}
	keep_fdt_window_for_later(fdt_pa, fdt_totalsize(phys_to_virt(fdt_pa)));
	add_sections();
	mmu_set_page_source(table_page_from_buddy);
	mm_hart_init();
	mm_report();
	printk("mm: ready instret=%lu time_ticks=%lu\n",
	       rdinstret() - entry_instret, rdtime() - entry_time);
}

/* IPI_DRAIN: give back what this hart's mm caches hold. */
static void drain_mm_on_ipi(void)
{
	mm_drain_this_hart(true);
}

/*
 * The timer tick: the kernel's tick work, then mm's bound on batched
 * remote frees (mm_tick(): this hart's pending batches posted, what others
 * posted to it taken back).
 */
static void kernel_tick(void)
{
	timer_handle_tick();
	mm_tick();
}

/* What the trap code calls: it does not call up into the kernel itself. */
static const struct trap_ops kernel_trap_ops = {
	.ipi = smp_handle_ipi,
	.timer = kernel_tick,
	.stop_others = smp_stop_others,
};

static void report_sbi(void)
{
	const struct sbi_info *si = sbi_get_info();

	printk("sbi: spec %lu.%lu impl %lu version 0x%lx time=%d ipi=%d "
	       "rfence=%d hsm=%d srst=%d\n",
	       si->spec_major, si->spec_minor, si->impl_id, si->impl_version,
	       si->has_time, si->has_ipi, si->has_rfence, si->has_hsm,
	       si->has_srst);
}

void __noreturn kernel_main(unsigned long hartid, phys_addr_t fdt_pa,
			    unsigned long instret0, unsigned long time0)
{
	int ret;

	entry_instret = instret0;
	entry_time = time0;
	fdt_pa_at_entry = fdt_pa;
	boot_hart_early(hartid);
	trap_set_ops(&kernel_trap_ops);
	trap_init();
	printk("\nhartslab: booting on hart %lu, fdt at 0x%llx\n", hartid,
	       (unsigned long long)fdt_pa);
	printk("hartslab: version %s\n", HARTSLAB_VERSION);
	ret = sbi_init();
	if (ret)
		boot_fail(3, "sbi", errno_name(ret));
	parse_platform(fdt_pa, hartid);
	setup_memblock();
	ret = setup_paging();
	if (ret)
		boot_fail(2, "paging", errno_name(ret));
	if (power_init(&platform) || console_init(&platform.console))
		boot_fail(2, "mmio", "cannot map the console or exit device");
	if (!cmdline_set(platform.bootargs))
		printk("boot: command line too long, cut short\n");
	cmdline_check();
	timer_set_frequency(platform.timebase_freq);
	report_sbi();
	platform_report(&platform, printk);
	ret = smp_init(&platform, hartid);
	if (ret)
		boot_fail(2, "smp", "the boot hart is not a usable hart");
	setup_mm(fdt_pa);
	smp_set_drain_handler(drain_mm_on_ipi);
	watchdog_init();
	csr_set(sie, SIE_SSIE);
	if (timer_init_hart())
		printk("timer: not started on the boot hart\n");
	irq_enable();
	if (smp_boot_secondaries())
		printk("smp: some harts did not start\n");
	smp_report();
	platform.bootargs = NULL; /* the FDT is not read after this point */
	hand_back_boot_ranges();
	crash_if_requested();
	if (ktest_requested())
		machine_exit(ktest_run_selected() ? 1 : 0);
	shell_run();
	machine_exit(0);
}
