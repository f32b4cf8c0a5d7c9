// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: platform discovery over arbitrary bytes.
 *
 * The same sources as build/host/platinfo (kernel/platform.c and
 * kernel/memblock.c), against the libfdt the kernel builds
 * (build/linux-src), all compiled with ASan and UBSan, so a misaligned or
 * out-of-bounds read inside libfdt is a finding too.  Each input is one
 * FDT.  A refused tree must come with a one-line reason; an accepted tree
 * must describe a sane machine (the checks below), and memblock set-up over
 * it, done the way kernel/main.c does it, must succeed or fail with an
 * error code, never a fault.  Any broken rule aborts with a message.
 *
 *	build/fuzz/fuzz_fdt CORPUS_DIR...	fuzz (libFuzzer options apply)
 *	build/fuzz/fuzz_fdt FILE...		replay inputs once each
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "kernel/memblock.h"
#include "kernel/platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void __attribute__((noreturn, format(printf, 1, 2)))
broken(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_fdt: broken rule: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

static bool wraps(uint64_t base, uint64_t size)
{
	return base + size < base;
}

/* [base, base + size) inside the union of the RAM regions? */
static bool inside_ram(const struct platform *p, uint64_t base, uint64_t size)
{
	uint64_t end = base + size;
	unsigned int i;

	for (i = 0; i < p->nr_mem && base < end; i++)
		if (p->mem[i].base <= base &&
		    base < p->mem[i].base + p->mem[i].size)
			base = p->mem[i].base + p->mem[i].size;
	return base >= end;
}

static void check_string(const char *s, size_t cap, const char *what)
{
	if (!memchr(s, '\0', cap))
		broken("%s not NUL-terminated", what);
}

static void check_harts(const struct platform *p)
{
	unsigned int i, j, usable = 0;

	if (p->nr_harts > PLATFORM_MAX_CPUS || !p->nr_usable ||
	    p->nr_usable > PLATFORM_MAX_HARTS)
		broken("nr_harts %u nr_usable %u", p->nr_harts, p->nr_usable);
	if (!p->nr_nodes || p->nr_nodes > PLATFORM_MAX_NODES)
		broken("nr_nodes %u", p->nr_nodes);
	for (i = 0; i < p->nr_harts; i++) {
		const struct platform_hart *h = &p->harts[i];

		if (h->usable == !!h->skip_reason)
			broken("hart %u: usable %d but skip reason %s", h->id,
			       h->usable,
			       h->skip_reason ? h->skip_reason : "-");
		if (h->node < 0 || (unsigned int)h->node >= p->nr_nodes)
			broken("hart %u on node %d of %u", h->id, h->node,
			       p->nr_nodes);
		usable += h->usable;
		for (j = 0; j < i; j++)
			if (p->harts[j].id == h->id)
				broken("hart id %u twice", h->id);
		if (platform_hart_index(p, h->id) != (int)i)
			broken("platform_hart_index(%u) wrong", h->id);
	}
	if (usable != p->nr_usable)
		broken("nr_usable %u, counted %u", p->nr_usable, usable);
	if (p->timebase_freq < PLATFORM_MIN_TIMEBASE)
		broken("timebase %llu accepted",
		       (unsigned long long)p->timebase_freq);
}

static void check_ranges(const struct platform *p, uint64_t max_phys)
{
	unsigned int i;

	if (!p->nr_mem || p->nr_mem > PLATFORM_MAX_MEM ||
	    p->nr_resv > PLATFORM_MAX_RESV || p->nr_resv_dyn > PLATFORM_MAX_DYN)
		broken("counts mem %u resv %u dyn %u", p->nr_mem, p->nr_resv,
		       p->nr_resv_dyn);
	for (i = 0; i < p->nr_mem; i++) {
		const struct platform_mem *m = &p->mem[i];

		if (!m->size || wraps(m->base, m->size) ||
		    m->base + m->size > max_phys)
			broken("memory 0x%llx+0x%llx",
			       (unsigned long long)m->base,
			       (unsigned long long)m->size);
		if (m->node < 0 || (unsigned int)m->node >= p->nr_nodes)
			broken("memory on node %d of %u", m->node, p->nr_nodes);
		if (i && p->mem[i - 1].base + p->mem[i - 1].size > m->base)
			broken("memory regions %u and %u unsorted or "
			       "overlapping",
			       i - 1, i);
	}
	for (i = 0; i < p->nr_resv; i++) {
		const struct platform_resv *r = &p->resv[i];

		check_string(r->name, sizeof(r->name), "reserved name");
		if (!r->size || wraps(r->base, r->size))
			broken("reserved %s 0x%llx+0x%llx", r->name,
			       (unsigned long long)r->base,
			       (unsigned long long)r->size);
		if (i && p->resv[i - 1].base > r->base)
			broken("reserved ranges %u and %u unsorted", i - 1, i);
		if (!inside_ram(p, r->base, r->size))
			broken("reserved %s 0x%llx+0x%llx outside RAM accepted",
			       r->name, (unsigned long long)r->base,
			       (unsigned long long)r->size);
	}
	for (i = 0; i < p->nr_resv_dyn; i++)
		check_string(p->resv_dyn[i].name, sizeof(p->resv_dyn[i].name),
			     "dynamic reserved name");
}

static void check_console(const struct platform *p, const uint8_t *fdt,
			  size_t size)
{
	const struct platform_console *c = &p->console;

	check_string(c->path, sizeof(c->path), "console path");
	switch (c->type) {
	case CONSOLE_SBI:
		break;
	case CONSOLE_NS16550:
	case CONSOLE_SIFIVE_UART:
		if (c->reg_shift > 4 ||
		    (c->reg_io_width != 1 && c->reg_io_width != 4))
			broken("console shift %u width %u", c->reg_shift,
			       c->reg_io_width);
		break;
	default:
		broken("console type %d", c->type);
	}
	/* bootargs points into the FDT (and ends inside it) or is "". */
	if (!p->bootargs)
		broken("bootargs NULL");
	if ((const uint8_t *)p->bootargs >= fdt &&
	    (const uint8_t *)p->bootargs < fdt + size)
		check_string(p->bootargs,
			     fdt + size - (const uint8_t *)p->bootargs,
			     "bootargs");
	else if (p->bootargs[0])
		broken("bootargs outside the FDT");
	if (p->rng_seed &&
	    ((const uint8_t *)p->rng_seed < fdt ||
	     (const uint8_t *)p->rng_seed + p->rng_seed_len > fdt + size))
		broken("rng-seed outside the FDT");
}

static void check_memblock_type(const struct memblock_type *t, const char *what)
{
	unsigned int i;

	if (t->cnt > MEMBLOCK_MAX_REGIONS)
		broken("memblock %s count %u", what, t->cnt);
	for (i = 0; i < t->cnt; i++) {
		const struct memblock_region *r = &t->regions[i];

		if (!r->size || wraps(r->base, r->size))
			broken("memblock %s region %u empty or wrapping", what,
			       i);
		if (i &&
		    t->regions[i - 1].base + t->regions[i - 1].size >= r->base)
			broken("memblock %s regions %u, %u not sorted, merged "
			       "and disjoint",
			       what, i - 1, i);
	}
}

/* What kernel/main.c's setup_memblock() does, then a first allocation. */
static void check_memblock(const struct platform *p)
{
	static struct memblock mb;
	uint64_t ram = 0;
	phys_addr_t a;
	unsigned int i;
	int ret = 0;

	memblock_init(&mb);
	for (i = 0; i < p->nr_mem && !ret; i++) {
		ret = memblock_add(&mb, p->mem[i].base, p->mem[i].size);
		ram += p->mem[i].size;
	}
	for (i = 0; i < p->nr_resv && !ret; i++) {
		const struct platform_resv *r = &p->resv[i];

		if (r->nomap)
			ret = memblock_remove(&mb, r->base, r->size);
		else
			ret = memblock_reserve(&mb, r->base, r->size);
	}
	if (ret && ret != -EINVAL && ret != -ENOSPC)
		broken("memblock set-up failed with %d", ret);
	if (ret)
		return;
	check_memblock_type(&mb.memory, "memory");
	check_memblock_type(&mb.reserved, "reserved");
	if (memblock_free_bytes(&mb) > ram)
		broken("memblock free bytes above RAM");
	a = memblock_alloc(&mb, 4096, 4096);
	if (a && (a & 4095 || !inside_ram(p, a, 4096)))
		broken("memblock_alloc gave 0x%llx", (unsigned long long)a);
}

/*
 * platform_report() through snprintf: every call prints one whole line of
 * printable text (harnesses read the report line by line).  bootargs is
 * the one exception: it is printed as the FDT gives it.
 */
static int sink(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n, i;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n <= 0 || n >= (int)sizeof(line) || line[n - 1] != '\n')
		broken("report line not one line: '%s'", line);
	if (!strncmp(line, "platform: bootargs=", 19))
		return n;
	for (i = 0; i < n - 1; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			broken("report line with control character 0x%02x: "
			       "'%s'",
			       line[i], line);
	return n;
}

static void check_accepted(const struct platform *p,
			   const struct platform_params *params,
			   const uint8_t *fdt, size_t size)
{
	if (p->error[0])
		broken("accepted with error '%s'", p->error);
	check_harts(p);
	check_ranges(p, params->max_phys);
	check_console(p, fdt, size);
	check_memblock(p);
	platform_report(p, sink);
}

static void check_refused(const struct platform *p, int ret)
{
	check_string(p->error, sizeof(p->error), "error");
	if (ret >= 0 || !p->error[0] || strchr(p->error, '\n'))
		broken("refusal %d without a one-line reason: '%s'", ret,
		       p->error);
}

/*
 * The kernel also passes its image and the FDT itself as reserved ranges:
 * parse an accepted tree again the kernel's way, with both placed where
 * QEMU puts them relative to the first RAM region (the image 2 MiB in,
 * the FDT 2 MiB below the region's end).  Accepted or refused, the same
 * rules hold.
 */
static void parse_as_kernel(const uint8_t *fdt, size_t size,
			    const struct platform *first)
{
	const struct platform_mem *m = &first->mem[0];
	struct platform_params params = {
		.max_phys = PLATFORM_MAX_PHYS,
		.fdt_size = size,
		.kernel_base = m->base + (2u << 20),
		.kernel_size = 1u << 20,
		.fdt_pa = m->base + m->size - (2u << 20),
	};
	static struct platform plat;
	int ret;

	if (m->size < (4u << 20))
		return;
	ret = platform_parse(fdt, &params, &plat);
	if (ret)
		check_refused(&plat, ret);
	else
		check_accepted(&plat, &params, fdt, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct platform_params params = {
		.max_phys = PLATFORM_MAX_PHYS,
		.fdt_size = size,
	};
	static struct platform plat;
	uint8_t *fdt;
	int ret;

	/* fdt_size 0 means "size unknown, trust the header" (the kernel's
	 * case); platinfo refuses an empty file before parsing. */
	if (!size)
		return 0;
	/* An exact-size copy: ASan sees any read past the end.  malloc
	 * aligns to 16, as a loader aligns an FDT to 8. */
	fdt = malloc(size);
	if (!fdt)
		return 0;
	memcpy(fdt, data, size);
	ret = platform_parse(fdt, &params, &plat);
	if (ret) {
		check_refused(&plat, ret);
	} else {
		check_accepted(&plat, &params, fdt, size);
		parse_as_kernel(fdt, size, &plat);
	}
	free(fdt);
	return 0;
}
