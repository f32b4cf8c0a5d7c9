// SPDX-License-Identifier: MIT
/*
 * Host tests of kernel/platform.c against real device trees: QEMU virt's
 * own (dumped by scripts/make_dtbs.sh for several -smp/-m/NUMA settings),
 * real boards' trees from linux-source-6.1, synthetic layouts and bad
 * inputs from tests/dts/.  DTBs come from $HARTSLAB_DTB_DIR (default
 * build/dtb, relative to the repository root); a missing DTB fails its
 * case, it is never skipped.
 *
 * Every blob is loaded into a buffer of exactly its size, so under ASan
 * any read past the end of the FDT is caught.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "lib/errno.h"
#include "kernel/platform.h"
#include "tests/host/ktap_host.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

static void *load_dtb(const char *name, size_t *len)
{
	const char *dir = getenv("HARTSLAB_DTB_DIR");
	char path[512];
	void *buf = NULL;
	long size;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "build/dtb",
		 name);
	f = fopen(path, "rb");
	if (!f) {
		ktap_fail(__FILE__, __LINE__,
			  "%s missing (run scripts/make_dtbs.sh)", path);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc(size);
		if (buf && fread(buf, 1, size, f) != (size_t)size) {
			free(buf);
			buf = NULL;
		}
		*len = size;
	}
	fclose(f);
	if (!buf)
		ktap_fail(__FILE__, __LINE__, "cannot read %s", path);
	return buf;
}

static const struct platform_params host_params = {
	.max_phys = PLATFORM_MAX_PHYS,
};

/* Parse @name with @params (fdt_size filled in); -1000 if not loadable. */
static int parse_file(const char *name, const struct platform_params *params,
		      struct platform *p)
{
	struct platform_params pp = *params;
	size_t len;
	void *fdt;
	int ret;

	memset(p, 0xa5, sizeof(*p)); /* parse must clear everything */
	fdt = load_dtb(name, &len);
	if (!fdt)
		return -1000;
	pp.fdt_size = len;
	ret = platform_parse(fdt, &pp, p);
	if (ret)
		ktap_diag("%s: %s", name, p->error);
	/* bootargs points into the FDT: don't keep it past the free. */
	p->bootargs = "";
	p->rng_seed = NULL;
	free(fdt);
	return ret;
}

/* ---- the report, captured into a buffer ---- */

static char report_buf[16384];
static size_t report_len;

static int capture(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(report_buf + report_len, sizeof(report_buf) - report_len,
		      fmt, ap);
	va_end(ap);
	if (n > 0)
		report_len += n;
	if (report_len >= sizeof(report_buf))
		report_len = sizeof(report_buf) - 1;
	return n;
}

/* The report lines that start with one of the four fixed prefixes. */
static const char *fixed_lines(const struct platform *p)
{
	static const char *const keep[] = {
		"platform: hart ",     "platform: memory ",
		"platform: reserved ", "platform: reserved-outside-ram ",
		"platform: numa ",
	};
	static char out[sizeof(report_buf)];
	char *line, *save = NULL;
	size_t o = 0, k;

	report_len = 0;
	report_buf[0] = '\0';
	platform_report(p, capture);
	out[0] = '\0';
	for (line = strtok_r(report_buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		for (k = 0; k < ARRAY_SIZE(keep); k++)
			if (!strncmp(line, keep[k], strlen(keep[k])))
				o += snprintf(out + o, sizeof(out) - o, "%s\n",
					      line);
	}
	return out;
}

#define EXPECT_REPORT(p, want)                                                \
	do {                                                                  \
		const char *_got = fixed_lines(p);                            \
		if (strcmp(_got, want))                                       \
			ktap_fail(__FILE__, __LINE__,                         \
				  "report differs:\n--- got\n%s--- want\n%s", \
				  _got, want);                                \
	} while (0)

/* ---- QEMU virt ---- */

struct qemu_case {
	const char *file;
	unsigned int smp;
	uint64_t mem;
};

static const struct qemu_case qemu_cases[] = {
	{ "qemu-smp1-128M.dtb", 1, 128 * MiB },
	{ "qemu-smp1-1G.dtb", 1, 1 * GiB },
	{ "qemu-smp1-4G.dtb", 1, 4 * GiB },
	{ "qemu-smp2-512M.dtb", 2, 512 * MiB },
	{ "qemu-smp4-128M.dtb", 4, 128 * MiB },
	{ "qemu-smp4-1G.dtb", 4, 1 * GiB },
	{ "qemu-smp4-4G.dtb", 4, 4 * GiB },
	{ "qemu-smp8-128M.dtb", 8, 128 * MiB },
	{ "qemu-smp8-1G.dtb", 8, 1 * GiB },
	{ "qemu-smp8-4G.dtb", 8, 4 * GiB },
	{ "qemu-numa2.dtb", 4, 768 * MiB },
};

static void check_qemu_common(const struct qemu_case *c, struct platform *p)
{
	uint64_t sum = 0;
	unsigned int i;

	KT_EXPECT_EQ(p->nr_harts, c->smp);
	KT_EXPECT_EQ(p->nr_usable, c->smp);
	for (i = 0; i < p->nr_harts; i++) {
		KT_EXPECT(p->harts[i].usable);
		KT_EXPECT_EQ(platform_hart_index(p, i), i);
	}
	KT_EXPECT_EQ(platform_hart_index(p, c->smp), -1);
	for (i = 0; i < p->nr_mem; i++) {
		sum += p->mem[i].size;
		if (i)
			KT_EXPECT(p->mem[i - 1].base + p->mem[i - 1].size <=
				  p->mem[i].base);
	}
	KT_EXPECT_EQ(sum, c->mem);
	KT_EXPECT_EQ(p->mem[0].base, 0x80000000);
	KT_EXPECT_EQ(p->console.type, CONSOLE_NS16550);
	KT_EXPECT_EQ(p->console.base, 0x10000000);
	KT_EXPECT_EQ(p->console.reg_shift, 0);
	KT_EXPECT_EQ(p->console.reg_io_width, 1);
	KT_EXPECT(!strcmp(p->console.path, "/soc/serial@10000000"));
	KT_EXPECT(p->exit_dev.present);
	KT_EXPECT_EQ(p->exit_dev.base, 0x100000);
	KT_EXPECT_EQ(p->exit_dev.size, 0x1000);
	KT_EXPECT_EQ(p->timebase_freq, 10000000);
	/* dumpdtb runs before OpenSBI adds mmode_resv: nothing reserved. */
	KT_EXPECT_EQ(p->nr_resv, 0);
}

static void test_qemu_virt(void)
{
	struct platform p;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(qemu_cases); i++) {
		const struct qemu_case *c = &qemu_cases[i];

		ktap_diag("%s", c->file);
		if (parse_file(c->file, &host_params, &p)) {
			ktap_fail(__FILE__, __LINE__, "%s failed", c->file);
			continue;
		}
		check_qemu_common(c, &p);
		if (i + 1 < ARRAY_SIZE(qemu_cases)) {
			KT_EXPECT_EQ(p.nr_mem, 1);
			KT_EXPECT_EQ(p.nr_nodes, 1);
		}
	}
}

static void test_qemu_numa(void)
{
	const char *want =
		"platform: hart id=0 state=usable\n"
		"platform: hart id=1 state=usable\n"
		"platform: hart id=2 state=usable\n"
		"platform: hart id=3 state=usable\n"
		"platform: memory base=0x80000000 size=0x10000000 node=0\n"
		"platform: memory base=0x90000000 size=0x20000000 node=1\n";
	struct platform p;

	KT_ASSERT(parse_file("qemu-numa2.dtb", &host_params, &p) == 0);
	KT_EXPECT_EQ(p.nr_nodes, 2);
	KT_ASSERT(p.nr_mem == 2);
	KT_EXPECT_EQ(p.mem[0].node, 0);
	KT_EXPECT_EQ(p.mem[1].node, 1);
	KT_EXPECT_EQ(p.harts[0].node, 0);
	KT_EXPECT_EQ(p.harts[1].node, 0);
	KT_EXPECT_EQ(p.harts[2].node, 1);
	KT_EXPECT_EQ(p.harts[3].node, 1);
	EXPECT_REPORT(&p, want);
}

/* What the kernel passes: its image and the FDT become reserved ranges. */
static void test_qemu_kernel_params(void)
{
	struct platform_params params = {
		.fdt_pa = 0x87e00000,
		.kernel_base = 0x80200000,
		.kernel_size = 0x40000,
		.max_phys = PLATFORM_MAX_PHYS,
	};
	struct platform p;

	KT_ASSERT(parse_file("qemu-smp4-128M.dtb", &params, &p) == 0);
	KT_ASSERT(p.nr_resv == 2);
	KT_EXPECT_EQ(p.resv[0].base, 0x80200000);
	KT_EXPECT_EQ(p.resv[0].size, 0x40000);
	KT_EXPECT(!strcmp(p.resv[0].name, "kernel"));
	KT_EXPECT_EQ(p.resv[1].base, 0x87e00000);
	KT_EXPECT(p.resv[1].size > 0 && p.resv[1].size <= 0x100000);
	KT_EXPECT(!strcmp(p.resv[1].name, "fdt"));
	KT_EXPECT(!p.resv[0].nomap && !p.resv[1].nomap);

	/* The kernel outside RAM is a reserved range outside RAM. */
	params.kernel_base = 0x70000000;
	KT_EXPECT_EQ(parse_file("qemu-smp4-128M.dtb", &params, &p), -ERANGE);
	KT_EXPECT(strstr(p.error, "kernel") && strstr(p.error, "outside RAM"));

	/* Starting exactly at the end of RAM is outside it too. */
	params.kernel_base = 0x88000000;
	KT_EXPECT_EQ(parse_file("qemu-smp4-128M.dtb", &params, &p), -ERANGE);
	/* Ending exactly at the end of RAM is inside. */
	params.kernel_base = 0x88000000 - params.kernel_size;
	KT_EXPECT_EQ(parse_file("qemu-smp4-128M.dtb", &params, &p), 0);

	/* A smaller linear map: 4 GiB of RAM from 2 GiB ends above 4 GiB. */
	params.kernel_base = 0x80200000;
	params.max_phys = 4 * GiB;
	KT_EXPECT_EQ(parse_file("qemu-smp1-4G.dtb", &params, &p), -ERANGE);
	KT_EXPECT(strstr(p.error, "beyond the linear map") != NULL);
	KT_EXPECT_EQ(parse_file("qemu-smp1-1G.dtb", &params, &p), 0);
}

/* fdt_size 0 (kernel: size unknown) trusts the header and still works. */
static void test_unknown_size(void)
{
	struct platform p;
	size_t len;
	void *fdt = load_dtb("board-mpfs-icicle-kit.dtb", &len);

	KT_ASSERT(fdt);
	KT_EXPECT_EQ(platform_parse(fdt, &host_params, &p), 0);
	KT_EXPECT_EQ(p.nr_mem, 2);
	KT_EXPECT_EQ(platform_parse(NULL, &host_params, &p), -EINVAL);
	free(fdt);
}

/* ---- real boards ---- */

struct board_case {
	const char *file;
	const char *report; /* hart, memory and reserved lines */
	enum platform_console_type console;
	uint64_t console_base;
	uint64_t timebase;
};

/*
 * Every RISC-V board tree in linux-source-6.1 that hartslab can run on,
 * with its harts, RAM and reserved ranges as the tree gives them.  The
 * six Canaan K210 trees are refused (test_board_k210).
 */
static const struct board_case boards[] = {
	{
		/*
		 * SiFive FU540: hart 0 is the E51 monitor core, which the
		 * tree disables (it has no MMU either: status comes first).
		 */
		"board-hifive-unleashed-a00.dtb",
		"platform: hart id=0 state=skipped reason=disabled\n"
		"platform: hart id=1 state=usable\n"
		"platform: hart id=2 state=usable\n"
		"platform: hart id=3 state=usable\n"
		"platform: hart id=4 state=usable\n"
		"platform: memory base=0x80000000 size=0x200000000 node=0\n",
		CONSOLE_SIFIVE_UART,
		0x10010000,
		1000000,
	},
	{
		/* SiFive FU740: S7 monitor core, 16 GiB */
		"board-hifive-unmatched-a00.dtb",
		"platform: hart id=0 state=skipped reason=disabled\n"
		"platform: hart id=1 state=usable\n"
		"platform: hart id=2 state=usable\n"
		"platform: hart id=3 state=usable\n"
		"platform: hart id=4 state=usable\n"
		"platform: memory base=0x80000000 size=0x400000000 node=0\n",
		CONSOLE_SIFIVE_UART,
		0x10010000,
		1000000,
	},
	{
		/* PolarFire SoC: RAM in two regions, one above 64 GiB */
		"board-mpfs-icicle-kit.dtb",
		"platform: hart id=0 state=skipped reason=disabled\n"
		"platform: hart id=1 state=usable\n"
		"platform: hart id=2 state=usable\n"
		"platform: hart id=3 state=usable\n"
		"platform: hart id=4 state=usable\n"
		"platform: memory base=0x80000000 size=0x40000000 node=0\n"
		"platform: memory base=0x1040000000 size=0x40000000 node=0\n"
		"platform: reserved base=0xbfc00000 size=0x400000 nomap=1 "
		"name=region\n",
		CONSOLE_NS16550,
		0x20100000,
		1000000,
	},
	{
		"board-mpfs-m100pfsevp.dtb",
		"platform: hart id=0 state=skipped reason=disabled\n"
		"platform: hart id=1 state=usable\n"
		"platform: hart id=2 state=usable\n"
		"platform: hart id=3 state=usable\n"
		"platform: hart id=4 state=usable\n"
		"platform: memory base=0x80000000 size=0x40000000 node=0\n"
		"platform: memory base=0x1040000000 size=0x40000000 node=0\n",
		CONSOLE_NS16550,
		0x20100000,
		1000000,
	},
	{
		"board-mpfs-polarberry.dtb",
		"platform: hart id=0 state=skipped reason=disabled\n"
		"platform: hart id=1 state=usable\n"
		"platform: hart id=2 state=usable\n"
		"platform: hart id=3 state=usable\n"
		"platform: hart id=4 state=usable\n"
		"platform: memory base=0x80000000 size=0x2e000000 node=0\n"
		"platform: memory base=0x1000000000 size=0xc0000000 node=0\n",
		CONSOLE_NS16550,
		0x20000000,
		1000000,
	},
	{
		/*
		 * PolarFire SoC Video Kit: RAM only above 64 GiB; its three
		 * shared-dma-pool buffers lie in the 32-bit windows, outside
		 * RAM: reported and ignored, not fatal (Linux boots it).
		 */
		"board-mpfs-sev-kit.dtb",
		"platform: hart id=0 state=skipped reason=disabled\n"
		"platform: hart id=1 state=usable\n"
		"platform: hart id=2 state=usable\n"
		"platform: hart id=3 state=usable\n"
		"platform: hart id=4 state=usable\n"
		"platform: memory base=0x1000000000 size=0x76000000 node=0\n"
		"platform: reserved-outside-ram base=0x80000000 size=0x2000000 "
		"name=buffer (ignored)\n"
		"platform: reserved-outside-ram base=0xc4000000 size=0x4000000 "
		"name=buffer (ignored)\n"
		"platform: reserved-outside-ram base=0xd4000000 size=0x4000000 "
		"name=buffer (ignored)\n",
		CONSOLE_NS16550,
		0x20100000,
		1000000,
	},
	{
		/* StarFive JH7100: two U74 harts, dw-apb-uart (16550) */
		"board-jh7100-beaglev-starlight.dtb",
		"platform: hart id=0 state=usable\n"
		"platform: hart id=1 state=usable\n"
		"platform: memory base=0x80000000 size=0x200000000 node=0\n",
		CONSOLE_NS16550,
		0x12440000,
		6250000,
	},
};

static void test_boards(void)
{
	struct platform p;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(boards); i++) {
		const struct board_case *b = &boards[i];

		ktap_diag("%s", b->file);
		if (parse_file(b->file, &host_params, &p)) {
			ktap_fail(__FILE__, __LINE__, "%s failed", b->file);
			continue;
		}
		EXPECT_REPORT(&p, b->report);
		KT_EXPECT_EQ(p.console.type, b->console);
		KT_EXPECT_EQ(p.console.base, b->console_base);
		KT_EXPECT_EQ(p.timebase_freq, b->timebase);
		KT_EXPECT(!p.exit_dev.present);
	}
}

static void test_board_jh7100_console(void)
{
	struct platform p;

	KT_ASSERT(parse_file("board-jh7100-beaglev-starlight.dtb", &host_params,
			     &p) == 0);
	KT_EXPECT_EQ(p.console.reg_shift, 2);
	KT_EXPECT_EQ(p.console.reg_io_width, 4);
	KT_EXPECT(!strcmp(p.console.path, "/soc/serial@12440000"));
}

/* Canaan K210 (all six trees): two harts, neither with an MMU. */
static void test_board_k210(void)
{
	static const char *const k210[] = {
		"board-canaan_kd233.dtb",    "board-k210_generic.dtb",
		"board-sipeed_maix_bit.dtb", "board-sipeed_maix_dock.dtb",
		"board-sipeed_maix_go.dtb",  "board-sipeed_maixduino.dtb",
	};
	struct platform p;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(k210); i++) {
		ktap_diag("%s", k210[i]);
		KT_EXPECT_EQ(parse_file(k210[i], &host_params, &p), -ENODEV);
		KT_EXPECT(strstr(p.error, "no usable hart: 2 cpu nodes, none "
					  "enabled with an Sv39+ MMU (0: "
					  "no-mmu, 1: no-mmu)") != NULL);
		KT_EXPECT_EQ(p.nr_harts, 2);
		KT_EXPECT(!p.harts[0].usable && !p.harts[1].usable);
		KT_EXPECT(!strcmp(p.harts[0].skip_reason, "no-mmu"));
	}
}

/* ---- synthetic layouts ---- */

static void test_synth_layout(void)
{
	const char *want =
		"platform: hart id=7 state=usable\n"
		"platform: hart id=2 state=usable\n"
		"platform: hart id=3 state=skipped reason=disabled\n"
		"platform: hart id=9 state=skipped reason=mmu-unsupported\n"
		"platform: hart id=10 state=skipped reason=no-mmu\n"
		"platform: hart id=11 state=usable\n"
		"platform: memory base=0x80000000 size=0x40000000 node=0\n"
		"platform: memory base=0xc0000000 size=0x40000000 node=1\n"
		"platform: memory base=0x100000000 size=0x40000000 node=1\n"
		"platform: reserved base=0x80000000 size=0x10000 nomap=0 "
		"name=memreserve\n"
		"platform: reserved base=0x80000000 size=0x80000 nomap=0 "
		"name=opensbi\n"
		"platform: reserved base=0xbff00000 size=0x200000 nomap=1 "
		"name=secure\n"
		"platform: reserved base=0x100000000 size=0x400000 nomap=0 "
		"name=initrd\n";
	struct platform_params params = host_params;
	struct platform p;
	size_t len;
	void *fdt;

	fdt = load_dtb("synth-layout.dtb", &len);
	KT_ASSERT(fdt);
	params.fdt_size = len;
	KT_ASSERT(platform_parse(fdt, &params, &p) == 0);
	EXPECT_REPORT(&p, want);
	KT_EXPECT_EQ(p.nr_usable, 3);
	KT_EXPECT_EQ(p.nr_nodes, 2);
	KT_EXPECT_EQ(p.harts[0].node, 1);
	KT_EXPECT_EQ(p.timebase_freq, 25000000); /* per-cpu only */
	KT_EXPECT_EQ(p.console.type, CONSOLE_NS16550);
	KT_EXPECT_EQ(p.console.base, 0x40001200); /* two buses' ranges */
	KT_EXPECT_EQ(p.console.reg_shift, 2);
	KT_EXPECT_EQ(p.console.reg_io_width, 4);
	KT_EXPECT(p.exit_dev.present);
	KT_EXPECT_EQ(p.exit_dev.base, 0x1000);
	KT_EXPECT(!strcmp(p.bootargs, "suite=all quiet"));
	KT_ASSERT(p.nr_resv_dyn == 1);
	KT_EXPECT(!strcmp(p.resv_dyn[0].name, "dma-pool"));
	KT_EXPECT_EQ(p.resv_dyn[0].size, 0x400000);
	free(fdt);
}

static void test_synth_sbi_console(void)
{
	struct platform p;

	KT_ASSERT(parse_file("synth-sbi-console.dtb", &host_params, &p) == 0);
	KT_EXPECT_EQ(p.console.type, CONSOLE_SBI);
	KT_EXPECT(!p.exit_dev.present);
	KT_EXPECT_EQ(p.nr_mem, 1);
	KT_EXPECT_EQ(p.timebase_freq, 1000000);
}

/* Exactly full arrays are fine: 64 harts, 32 memory regions. */
static void test_synth_max(void)
{
	struct platform p;

	KT_ASSERT(parse_file("synth-max.dtb", &host_params, &p) == 0);
	KT_EXPECT_EQ(p.nr_harts, PLATFORM_MAX_HARTS);
	KT_EXPECT_EQ(p.nr_mem, PLATFORM_MAX_MEM);
}

/* A /reserved-memory range running 1 MiB past RAM: clipped, reported. */
static void test_resv_clipped(void)
{
	struct platform p;

	KT_ASSERT(parse_file("synth-resv-clipped.dtb", &host_params, &p) == 0);
	EXPECT_REPORT(&p, "platform: hart id=0 state=usable\n"
			  "platform: memory base=0x80000000 size=0x8000000 "
			  "node=0\n"
			  "platform: reserved base=0x87f00000 size=0x100000 "
			  "nomap=1 name=fw\n"
			  "platform: reserved-outside-ram base=0x87f00000 "
			  "size=0x200000 name=fw (clipped to RAM)\n");
	KT_EXPECT_EQ(p.nr_resv, 1);
	KT_EXPECT(p.resv[0].nomap);
}

/* 66 usable harts: the first 64 are used, the rest skipped for the limit. */
static void test_hart_limit(void)
{
	struct platform_params params = host_params;
	struct platform p;
	unsigned int i;

	KT_ASSERT(parse_file("synth-hart-limit.dtb", &host_params, &p) == 0);
	KT_EXPECT_EQ(p.nr_harts, 66);
	KT_EXPECT_EQ(p.nr_usable, PLATFORM_MAX_HARTS);
	for (i = 0; i < p.nr_harts; i++) {
		KT_EXPECT_EQ(p.harts[i].usable, i < PLATFORM_MAX_HARTS);
		if (i >= PLATFORM_MAX_HARTS)
			KT_EXPECT(p.harts[i].skip_reason &&
				  !strcmp(p.harts[i].skip_reason, "limit"));
	}
	/* Booting on hart 65: it keeps its place, hart 63 gives way. */
	params.boot_hart_known = true;
	params.boot_hartid = 65;
	KT_ASSERT(parse_file("synth-hart-limit.dtb", &params, &p) == 0);
	KT_EXPECT(p.harts[65].usable);
	KT_EXPECT(!p.harts[63].usable);
	KT_EXPECT(p.harts[63].skip_reason &&
		  !strcmp(p.harts[63].skip_reason, "limit"));
	KT_EXPECT(!p.harts[64].usable);
	KT_EXPECT(p.harts[62].usable);
	KT_EXPECT_EQ(p.nr_usable, PLATFORM_MAX_HARTS);
}

/* Harts on a node without memory take the nearest node that has some. */
static void test_numa_memoryless(void)
{
	struct platform p;

	KT_ASSERT(parse_file("synth-numa-memoryless.dtb", &host_params, &p) ==
		  0);
	KT_EXPECT_EQ(p.harts[0].mem_node, 0);
	KT_EXPECT_EQ(p.harts[1].node, 1);
	KT_EXPECT_EQ(p.harts[1].mem_node, 2); /* distance 15 beats 30 */
	KT_EXPECT_EQ(p.harts[2].mem_node, 2);
	KT_EXPECT_EQ(p.harts[3].mem_node, 2);
	KT_EXPECT(p.numa_distance_map);
	KT_EXPECT(strstr(fixed_lines(&p),
			 "platform: numa node=1 has no memory: its harts use "
			 "node 2 (nearest by distance-map)\n") != NULL);
	/* QEMU's own: -numa node,nodeid=1 without memdev, no distance map. */
	KT_ASSERT(parse_file("qemu-numa-memoryless.dtb", &host_params, &p) ==
		  0);
	KT_EXPECT_EQ(p.harts[2].node, 1);
	KT_EXPECT_EQ(p.harts[2].mem_node, 0);
	KT_EXPECT_EQ(p.harts[3].mem_node, 0);
	KT_EXPECT(!p.numa_distance_map);
	KT_EXPECT(strstr(fixed_lines(&p),
			 "platform: numa node=1 has no memory: its harts use "
			 "node 0 (lowest node with memory)\n") != NULL);
}

/* ---- bad inputs ---- */

struct bad_case {
	const char *file;
	int err;
	const char *words; /* must appear in p->error */
};

static const struct bad_case bad_cases[] = {
	{ "bad-magic.dtb", -EINVAL, "bad magic" },
	{ "bad-tiny.dtb", -EINVAL, "truncated" },
	{ "bad-truncated.dtb", -EINVAL, "truncated" },
	{ "bad-header.dtb", -EINVAL, "corrupt FDT header" },
	{ "bad-corrupt-struct.dtb", -EINVAL, "corrupt FDT" },
	{ "bad-no-memory.dtb", -ENODEV, "no memory node" },
	{ "bad-no-usable-hart.dtb", -ENODEV, "no usable hart" },
	{ "bad-overlap.dtb", -EINVAL, "overlapping memory" },
	{ "bad-overlap-one-byte.dtb", -EINVAL,
	  "overlapping memory regions 0x80001000+0x1000 and "
	  "0x80001fff+0x1000" },
	{ "bad-beyond-linear-map.dtb", -ERANGE, "beyond the linear map" },
	{ "bad-memreserve-outside-ram.dtb", -ERANGE,
	  "memreserve 0x1000+0x1000 outside RAM" },
	{ "bad-console-missing.dtb", -ENODEV,
	  "console not found: stdout-path serial3" },
	{ "bad-console-path.dtb", -ENODEV, "console not found" },
	{ "bad-memory-reg.dtb", -EINVAL, "bad reg in memory node" },
	{ "bad-numa-id.dtb", -ERANGE, "numa-node-id" },
	{ "bad-duplicate-hart.dtb", -EINVAL, "duplicate hart id 1" },
	{ "bad-timebase-low.dtb", -ERANGE,
	  "timebase-frequency 1 Hz too low (the timer needs at least "
	  "1000000 Hz)" },
	{ "bad-too-many-memory.dtb", -ENOSPC, "too many memory regions" },
	{ "bad-too-many-cpus.dtb", -ENOSPC, "too many cpu nodes (max 512)" },
	{ "board-sipeed_maix_bit.dtb", -ENODEV, "no usable hart" },
};

static void test_bad_inputs(void)
{
	struct platform p;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *b = &bad_cases[i];

		ret = parse_file(b->file, &host_params, &p);
		if (ret != b->err || !strstr(p.error, b->words) ||
		    strchr(p.error, '\n'))
			ktap_fail(__FILE__, __LINE__,
				  "%s: got %d \"%s\", want %d \"...%s...\"",
				  b->file, ret, p.error, b->err, b->words);
	}
}

/*
 * A tree that fails validation still yields the exit device, so that the
 * kernel's boot failure reaches QEMU as a non-zero exit status.
 */
static void test_exit_device_known_on_failure(void)
{
	struct platform p;
	size_t len;
	char *fdt = load_dtb("qemu-smp1-128M.dtb", &len);
	int node;

	KT_ASSERT(fdt);
	node = fdt_path_offset(fdt, "/memory@80000000");
	KT_ASSERT(node >= 0);
	KT_ASSERT(fdt_nop_node(fdt, node) == 0);
	KT_EXPECT_EQ(platform_parse(fdt, &host_params, &p), -ENODEV);
	KT_EXPECT(strstr(p.error, "no memory node") != NULL);
	KT_EXPECT(p.exit_dev.present);
	KT_EXPECT_EQ(p.exit_dev.base, 0x100000);
	free(fdt);
}

/* Every prefix of a real tree is refused; only the whole one parses. */
static void test_every_truncation(void)
{
	struct platform_params params = host_params;
	struct platform p;
	size_t len, n;
	char *fdt, *cut;
	unsigned int ok = 0;

	fdt = load_dtb("board-hifive-unleashed-a00.dtb", &len);
	KT_ASSERT(fdt);
	for (n = 0; n <= len; n++) {
		cut = malloc(n ? n : 1);
		KT_ASSERT(cut);
		memcpy(cut, fdt, n);
		params.fdt_size = n;
		if (n && platform_parse(cut, &params, &p) == 0)
			ok++;
		free(cut);
	}
	KT_EXPECT_EQ(ok, 1);
	free(fdt);
}

/*
 * Random corruption of a real tree: the parse must end, return 0 or a
 * negative code with a one-line reason, and (under ASan) never read
 * outside the blob.  Deterministic: a fixed xorshift seed.
 */
static void test_fuzz_corruption(void)
{
	struct platform_params params = host_params;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	unsigned int iter, failures = 0, k;
	struct platform p;
	char *fdt, *copy;
	size_t len;

	fdt = load_dtb("board-mpfs-icicle-kit.dtb", &len);
	KT_ASSERT(fdt);
	copy = malloc(len);
	KT_ASSERT(copy);
	params.fdt_size = len;
	for (iter = 0; iter < 3000; iter++) {
		int ret;

		memcpy(copy, fdt, len);
		for (k = 0; k < 1 + iter % 4; k++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			/* Bias toward the header and structure block. */
			copy[(seed >> 8) % (iter % 3 ? len : 256)] ^=
				(char)(1u << (seed % 8));
		}
		ret = platform_parse(copy, &params, &p);
		if (ret > 0 ||
		    (ret < 0 && (!p.error[0] || strchr(p.error, '\n'))))
			failures++;
	}
	KT_EXPECT_EQ(failures, 0);
	free(copy);
	free(fdt);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(test_qemu_virt),
	KTAP_CASE(test_qemu_numa),
	KTAP_CASE(test_qemu_kernel_params),
	KTAP_CASE(test_unknown_size),
	KTAP_CASE(test_boards),
	KTAP_CASE(test_board_jh7100_console),
	KTAP_CASE(test_board_k210),
	KTAP_CASE(test_resv_clipped),
	KTAP_CASE(test_hart_limit),
	KTAP_CASE(test_numa_memoryless),
	KTAP_CASE(test_synth_layout),
	KTAP_CASE(test_synth_sbi_console),
	KTAP_CASE(test_synth_max),
	KTAP_CASE(test_bad_inputs),
	KTAP_CASE(test_exit_device_known_on_failure),
	KTAP_CASE(test_every_truncation),
	KTAP_CASE(test_fuzz_corruption),
};

int main(void)
{
	return ktap_main("platform", cases, ARRAY_SIZE(cases));
}
