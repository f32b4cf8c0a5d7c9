// SPDX-License-Identifier: MIT
/*
 * Platform discovery: the FDT, read through libfdt only, into one
 * struct platform (kernel/platform.h).
 *
 * Rules of this file:
 *  - It is built twice: freestanding into the kernel (against the libfdt
 *    sources of linux-source-6.1) and into host tools and tests (against
 *    Debian's libfdt).  So: no libc beyond the kernel's <string.h> and
 *    vsnprintf, no allocation, no global state; everything lands in the
 *    caller's struct.
 *  - The FDT may be malformed or hostile.  The header and the whole
 *    structure block are checked before anything else is read, every
 *    property's length is checked before its value is read, and every loop
 *    is bounded by the tree itself or by a fixed array.  Failure is a
 *    negative errno plus a one-line reason in p->error; never a fault.
 *  - Arrays are fixed-size; overflowing one is an error (-ENOSPC), never a
 *    silent drop.  Memory and reserved ranges are kept sorted by base.
 */
#include "kernel/platform.h"

#include <libfdt.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>

#include "lib/errno.h"
#include "lib/scnprintf.h"
#ifdef HARTSLAB_KERNEL
#include "kernel/printk.h" /* the kernel's vsnprintf */
#else
#include <stdio.h>
#endif

/* ---- error messages ---- */

/*
 * Fill p->error (one line, cut to fit) and return @err.  Names and paths
 * from the FDT may hold any byte: control characters (a newline would
 * break the one-line contract, an escape would talk to the terminal)
 * become '?', here and in the console path of the report.
 */
static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static int __printf(3, 4)
	perr(struct platform *p, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->error, sizeof(p->error), fmt, ap);
	va_end(ap);
	printable(p->error);
	return err;
}

/* ---- small property helpers; each checks the property's length ---- */

/* The property as a NUL-terminated string, or NULL. */
static const char *prop_str(const void *fdt, int node, const char *name)
{
	const char *s;
	int len;

	s = fdt_getprop(fdt, node, name, &len);
	if (!s || len <= 0 || !memchr(s, '\0', len))
		return NULL;
	return s;
}

static bool prop_streq(const void *fdt, int node, const char *name,
		       const char *want)
{
	const char *s = prop_str(fdt, node, name);

	return s && strcmp(s, want) == 0;
}

/* A 1- or 2-cell number (4 or 8 bytes).  0 or a negative errno. */
static int prop_u64(const void *fdt, int node, const char *name, uint64_t *out)
{
	const fdt32_t *v;
	int len;

	v = fdt_getprop(fdt, node, name, &len);
	if (!v)
		return -ENOENT;
	if (len == 4) {
		*out = fdt32_to_cpu(v[0]);
		return 0;
	}
	if (len == 8) {
		*out = ((uint64_t)fdt32_to_cpu(v[0]) << 32) |
		       fdt32_to_cpu(v[1]);
		return 0;
	}
	return -EINVAL;
}

/* Status "okay"/"ok" or absent. */
static bool node_enabled(const void *fdt, int node)
{
	const char *s;
	int len;

	s = fdt_getprop(fdt, node, "status", &len);
	if (!s)
		return true;
	if (len <= 0 || !memchr(s, '\0', len))
		return false;
	return strcmp(s, "okay") == 0 || strcmp(s, "ok") == 0;
}

static uint64_t read_cells(const fdt32_t *c, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = (v << 32) | fdt32_to_cpu(c[i]);
	return v;
}

/* #address-cells (1..2) and #size-cells (0..2) of @bus, for its children. */
static int bus_cells(const void *fdt, int bus, int *ac, int *sc)
{
	*ac = fdt_address_cells(fdt, bus);
	*sc = fdt_size_cells(fdt, bus);
	if (*ac < 1 || *ac > 2 || *sc < 0 || *sc > 2)
		return -EINVAL;
	return 0;
}

/* Copy a node's name without its @unit into @dst, as one safe word. */
static void copy_node_name(const void *fdt, int node, char *dst, size_t cap)
{
	const char *name;
	size_t i = 0;
	int len;

	name = fdt_get_name(fdt, node, &len);
	for (; name && i < (size_t)len && i + 1 < cap && name[i] != '@'; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '-' || c == '_' ||
			  c == ',' || c == '.' || c == '+';

		dst[i] = ok ? c : '_';
	}
	dst[i] = '\0';
	if (i == 0 && cap > 1) {
		dst[0] = '?';
		dst[1] = '\0';
	}
}

static void copy_word(char *dst, const char *src, size_t cap)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < cap; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

/* ---- step 1: is this an FDT we can read safely? ---- */

/*
 * Walk every tag of the structure block once: tags must be known, nodes
 * balanced, names and property names in bounds, and the walk must end at
 * FDT_END.  precheck_fdt() has made sure each tag advances the offset, so
 * the walk ends.  (libfdt's fdt_check_full() does this on the host but is
 * not in linux-source's libfdt, so the same check is done here with the
 * public tag iterator.)
 */
static int check_structure(const void *fdt, struct platform *p)
{
	int offset = 0, next, depth = 0, len;
	bool seen_root = false;
	const char *name;
	uint32_t tag;

	for (;;) {
		tag = fdt_next_tag(fdt, offset, &next);
		if (next < 0)
			return perr(
				p, -EINVAL,
				"corrupt FDT: bad structure at offset %u: %s",
				(unsigned int)offset, fdt_strerror(next));
		switch (tag) {
		case FDT_BEGIN_NODE:
			if (depth == 0 && seen_root)
				goto bad;
			seen_root = true;
			depth++;
			if (!fdt_get_name(fdt, offset, &len))
				goto bad;
			break;
		case FDT_END_NODE:
			if (--depth < 0)
				goto bad;
			break;
		case FDT_PROP:
			if (depth == 0 ||
			    !fdt_getprop_by_offset(fdt, offset, &name, &len))
				goto bad;
			break;
		case FDT_NOP:
			break;
		case FDT_END:
			if (depth != 0 || !seen_root)
				goto bad;
			return 0;
		default:
			goto bad;
		}
		offset = next;
	}
bad:
	return perr(p, -EINVAL, "corrupt FDT: bad structure at offset %u",
		    (unsigned int)offset);
}

/*
 * FDT hardening (issue 8 item 7, issue 12): what libfdt itself does not
 * guard against, checked with this file's own bounded loops before libfdt
 * walks anything.
 *
 * libfdt trusts a property's length when it steps over it: a length of
 * 0xfffffff4 brings fdt_next_tag() back to the tag it started from, and a
 * walk over such a tree never ends.  It also reads 32- and 64-bit words in
 * place, so blocks at unaligned offsets make it do misaligned loads
 * (a trap or a slow emulation on RISC-V).  precheck_fdt() rejects both:
 * block offsets must be aligned, and one walk over the structure block,
 * reading each word byte by byte, checks that every tag lies inside the
 * block and advances by at least one word, with the number of steps
 * bounded by the block's size.  Once it has passed, libfdt's own walks
 * take the same steps, so every later loop over the tree ends.
 */
#define FDT_MIN_VERSION 17 /* the first to give the structure block's size */
#define FDT_MAX_DEPTH	64 /* nodes nested deeper are refused */

static uint32_t be32_at(const uint8_t *b)
{
	return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
	       ((uint32_t)b[2] << 8) | b[3];
}

/* @n rounded up to the tag alignment, or UINT32_MAX when it wraps. */
static uint32_t tag_align(uint32_t n)
{
	return n > UINT32_MAX - 3 ? UINT32_MAX : (n + 3) & ~3u;
}

static int precheck_structure(const void *fdt, struct platform *p)
{
	const uint8_t *blk = (const uint8_t *)fdt + fdt_off_dt_struct(fdt);
	const char *strs = (const char *)fdt + fdt_off_dt_strings(fdt);
	uint32_t size = fdt_size_dt_struct(fdt);
	uint32_t ssize = fdt_size_dt_strings(fdt);
	uint32_t pos = 0, step, depth = 0, len, nameoff, tag;
	const uint8_t *nul;
	bool seen_root = false;

	/* Every step consumes at least one 4-byte word of the block. */
	for (step = 0; step <= size / 4; step++) {
		if (size - pos < 4)
			break;
		tag = be32_at(blk + pos);
		pos += 4;
		switch (tag) {
		case FDT_BEGIN_NODE:
			nul = memchr(blk + pos, '\0', size - pos);
			if (!nul || (depth == 0 && seen_root) ||
			    depth == FDT_MAX_DEPTH)
				goto bad;
			seen_root = true;
			depth++;
			len = tag_align((uint32_t)(nul - (blk + pos)) + 1);
			if (len > size - pos)
				goto bad;
			pos += len;
			break;
		case FDT_END_NODE:
			if (depth == 0)
				goto bad;
			depth--;
			break;
		case FDT_PROP:
			if (size - pos < 8 || depth == 0)
				goto bad;
			len = be32_at(blk + pos);
			nameoff = be32_at(blk + pos + 4);
			pos += 8;
			if (tag_align(len) > size - pos)
				return perr(p, -EINVAL,
					    "corrupt FDT: property length 0x%x "
					    "at offset %u runs past the "
					    "structure block",
					    len, pos - 12);
			if (nameoff >= ssize ||
			    !memchr(strs + nameoff, '\0', ssize - nameoff))
				return perr(p, -EINVAL,
					    "corrupt FDT: property name offset "
					    "0x%x at offset %u outside the "
					    "strings block",
					    nameoff, pos - 12);
			pos += tag_align(len);
			break;
		case FDT_NOP:
			break;
		case FDT_END:
			if (depth || !seen_root)
				goto bad;
			return 0;
		default:
			goto bad;
		}
	}
	return perr(p, -EINVAL,
		    "corrupt FDT: structure block ends without "
		    "FDT_END");
bad:
	return perr(p, -EINVAL, "corrupt FDT: bad structure at offset %u", pos);
}

/* After fdt_check_header(): blocks in bounds, so their offsets are sane. */
static int precheck_fdt(const void *fdt, struct platform *p)
{
	if ((uintptr_t)fdt & 7)
		return perr(p, -EINVAL, "FDT at unaligned address %p", fdt);
	if (fdt_version(fdt) < FDT_MIN_VERSION)
		return perr(p, -EINVAL, "FDT version %u too old (need %u)",
			    fdt_version(fdt), FDT_MIN_VERSION);
	if (fdt_off_mem_rsvmap(fdt) & 7 || fdt_off_dt_struct(fdt) & 3)
		return perr(p, -EINVAL,
			    "corrupt FDT header: unaligned block offsets "
			    "(memreserve 0x%x, structure 0x%x)",
			    fdt_off_mem_rsvmap(fdt), fdt_off_dt_struct(fdt));
	if (fdt_size_dt_struct(fdt) & 3)
		return perr(p, -EINVAL,
			    "corrupt FDT header: structure block size 0x%x "
			    "not a multiple of 4",
			    fdt_size_dt_struct(fdt));
	return precheck_structure(fdt, p);
}

static int check_fdt(const void *fdt, const struct platform_params *params,
		     struct platform *p)
{
	size_t have = params->fdt_size;
	int err;

	if (!fdt)
		return perr(p, -EINVAL, "no FDT");
	if (have && have < sizeof(struct fdt_header))
		return perr(p, -EINVAL,
			    "truncated FDT: %u bytes, shorter than its header",
			    (unsigned int)have);
	if (fdt_magic(fdt) != FDT_MAGIC)
		return perr(p, -EINVAL, "bad magic 0x%llx (want 0xd00dfeed)",
			    (unsigned long long)fdt_magic(fdt));
	if (have && fdt_totalsize(fdt) > have)
		return perr(
			p, -EINVAL,
			"truncated FDT: header says %u bytes, only %u present",
			fdt_totalsize(fdt), (unsigned int)have);
	err = fdt_check_header(fdt);
	if (err)
		return perr(p, -EINVAL, "corrupt FDT header: %s",
			    fdt_strerror(err));
	err = precheck_fdt(fdt, p);
	if (err)
		return err;
	err = fdt_num_mem_rsv(fdt);
	if (err < 0)
		return perr(p, -EINVAL, "corrupt FDT memreserve block: %s",
			    fdt_strerror(err));
	return check_structure(fdt, p);
}

/* ---- step 2: harts and the timebase ---- */

/*
 * Why a cpu node is not used, or NULL.  Status first: a hart the tree
 * disables is reported as disabled even when it also has no MMU (HiFive
 * Unleashed's monitor core, cpu@0, is both).
 */
static const char *hart_skip_reason(const void *fdt, int node)
{
	const char *mmu = prop_str(fdt, node, "mmu-type");
	const char *status;
	int len;

	if (!node_enabled(fdt, node)) {
		status = fdt_getprop(fdt, node, "status", &len);
		if (prop_streq(fdt, node, "status", "disabled"))
			return "disabled";
		if (status && len >= 4 && memcmp(status, "fail", 4) == 0)
			return "failed";
		return "bad-status";
	}
	if (!mmu || strcmp(mmu, "riscv,none") == 0)
		return "no-mmu";
	if (strcmp(mmu, "riscv,sv39") && strcmp(mmu, "riscv,sv48") &&
	    strcmp(mmu, "riscv,sv57"))
		return "mmu-unsupported";
	return NULL;
}

static int node_numa_id(const void *fdt, int node, struct platform *p, int *out)
{
	const fdt32_t *v;
	uint32_t id;
	int len;

	*out = 0;
	v = fdt_getprop(fdt, node, "numa-node-id", &len);
	if (!v)
		return 0;
	if (len != 4)
		return perr(p, -EINVAL, "bad numa-node-id in %s",
			    fdt_get_name(fdt, node, NULL));
	id = fdt32_to_cpu(*v);
	if (id >= PLATFORM_MAX_NODES)
		return perr(p, -ERANGE, "numa-node-id %u too large (max %u)",
			    id, PLATFORM_MAX_NODES - 1);
	*out = (int)id;
	if (id + 1 > p->nr_nodes)
		p->nr_nodes = id + 1;
	return 0;
}

static int add_hart(const void *fdt, int node, int ac, struct platform *p)
{
	struct platform_hart *h;
	const fdt32_t *reg;
	uint64_t id;
	int len, err;

	reg = fdt_getprop(fdt, node, "reg", &len);
	if (!reg || len < ac * 4)
		return perr(p, -EINVAL, "cpu node %s has no valid reg",
			    fdt_get_name(fdt, node, NULL));
	id = read_cells(reg, ac);
	if (id > UINT32_MAX)
		return perr(p, -ERANGE, "hart id 0x%llx too large",
			    (unsigned long long)id);
	if (platform_hart_index(p, (uint32_t)id) >= 0)
		return perr(p, -EINVAL, "duplicate hart id %u",
			    (unsigned int)id);
	if (p->nr_harts == PLATFORM_MAX_CPUS)
		return perr(p, -ENOSPC, "too many cpu nodes (max %u)",
			    PLATFORM_MAX_CPUS);
	h = &p->harts[p->nr_harts];
	h->id = (uint32_t)id;
	err = node_numa_id(fdt, node, p, &h->node);
	if (err)
		return err;
	h->skip_reason = hart_skip_reason(fdt, node);
	if (!h->skip_reason && p->nr_usable == PLATFORM_MAX_HARTS)
		h->skip_reason = "limit"; /* the first ones are used */
	h->usable = !h->skip_reason;
	p->nr_harts++;
	if (h->usable)
		p->nr_usable++;
	if (!p->timebase_freq)
		prop_u64(fdt, node, "timebase-frequency", &p->timebase_freq);
	return 0;
}

/* The refusal names each cpu node's reason (the first four). */
static int no_usable_hart(struct platform *p)
{
	char why[80];
	unsigned int i;
	int n = 0;

	why[0] = '\0';
	for (i = 0; i < p->nr_harts && i < 4; i++)
		n += scnprintf(why + n, sizeof(why) - n, "%s%u: %s",
			       i ? ", " : " (", p->harts[i].id,
			       p->harts[i].skip_reason);
	if (n)
		scnprintf(why + n, sizeof(why) - n, "%s)",
			  p->nr_harts > 4 ? ", ..." : "");
	return perr(p, -ENODEV,
		    "no usable hart: %u cpu nodes, none enabled with an "
		    "Sv39+ MMU%s",
		    p->nr_harts, why);
}

/*
 * The boot hart must be among the usable ones: if the limit left it out,
 * it takes the place of the last usable hart before it in the list.
 */
static void keep_boot_hart(const struct platform_params *params,
			   struct platform *p)
{
	int b = platform_hart_index(p, params->boot_hartid);
	int i;

	if (!params->boot_hart_known || b < 0 || p->harts[b].usable ||
	    strcmp(p->harts[b].skip_reason, "limit"))
		return;
	for (i = (int)p->nr_harts - 1; i >= 0; i--) {
		if (p->harts[i].usable) {
			p->harts[i].usable = false;
			p->harts[i].skip_reason = "limit";
			p->harts[b].usable = true;
			p->harts[b].skip_reason = NULL;
			return;
		}
	}
}

static int parse_cpus(const void *fdt, const struct platform_params *params,
		      struct platform *p)
{
	int cpus, node, ac, sc, err;

	cpus = fdt_path_offset(fdt, "/cpus");
	if (cpus < 0)
		return perr(p, -ENODEV, "no /cpus node");
	if (bus_cells(fdt, cpus, &ac, &sc))
		return perr(p, -EINVAL, "bad #address-cells in /cpus");
	prop_u64(fdt, cpus, "timebase-frequency", &p->timebase_freq);
	fdt_for_each_subnode(node, fdt, cpus) {
		if (!prop_streq(fdt, node, "device_type", "cpu"))
			continue;
		err = add_hart(fdt, node, ac, p);
		if (err)
			return err;
	}
	if (node != -FDT_ERR_NOTFOUND)
		return perr(p, -EINVAL, "corrupt /cpus: %s",
			    fdt_strerror(node));
	if (!p->nr_usable)
		return no_usable_hart(p);
	if (!p->timebase_freq)
		return perr(p, -ENODEV, "no timebase-frequency in /cpus");
	if (p->timebase_freq < PLATFORM_MIN_TIMEBASE)
		return perr(p, -ERANGE,
			    "timebase-frequency %llu Hz too low (the timer "
			    "needs at least %u Hz)",
			    (unsigned long long)p->timebase_freq,
			    PLATFORM_MIN_TIMEBASE);
	keep_boot_hart(params, p);
	return 0;
}

/* ---- step 3: RAM ---- */

static bool range_wraps(uint64_t base, uint64_t size)
{
	return base + size < base;
}

static int insert_mem(struct platform *p, uint64_t base, uint64_t size,
		      int node)
{
	unsigned int i;

	if (p->nr_mem == PLATFORM_MAX_MEM)
		return perr(p, -ENOSPC, "too many memory regions (max %u)",
			    PLATFORM_MAX_MEM);
	for (i = p->nr_mem; i > 0 && p->mem[i - 1].base > base; i--)
		p->mem[i] = p->mem[i - 1];
	p->mem[i].base = base;
	p->mem[i].size = size;
	p->mem[i].node = node;
	p->nr_mem++;
	return 0;
}

static int add_memory_node(const void *fdt, int node, int ac, int sc,
			   struct platform *p)
{
	const char *name = fdt_get_name(fdt, node, NULL);
	int len, entry, numa, err;
	const fdt32_t *reg;
	uint64_t base, size;

	err = node_numa_id(fdt, node, p, &numa);
	if (err)
		return err;
	reg = fdt_getprop(fdt, node, "reg", &len);
	if (!reg || len <= 0 || len % ((ac + sc) * 4))
		return perr(p, -EINVAL, "bad reg in memory node %s", name);
	entry = ac + sc;
	for (; len > 0; len -= entry * 4, reg += entry) {
		base = read_cells(reg, ac);
		size = read_cells(reg + ac, sc);
		if (!size)
			continue;
		if (range_wraps(base, size))
			return perr(p, -EINVAL,
				    "memory 0x%llx+0x%llx in %s wraps around",
				    (unsigned long long)base,
				    (unsigned long long)size, name);
		err = insert_mem(p, base, size, numa);
		if (err)
			return err;
	}
	return 0;
}

static int check_memory(const struct platform_params *params,
			struct platform *p)
{
	const struct platform_mem *a, *b;
	unsigned int i;

	for (i = 0; i < p->nr_mem; i++) {
		a = &p->mem[i];
		if (params->max_phys && a->base + a->size > params->max_phys)
			return perr(p, -ERANGE,
				    "memory 0x%llx-0x%llx beyond the linear "
				    "map (ends above 0x%llx)",
				    (unsigned long long)a->base,
				    (unsigned long long)(a->base + a->size),
				    (unsigned long long)params->max_phys);
		if (i == 0)
			continue;
		b = &p->mem[i - 1];
		if (b->base + b->size > a->base)
			return perr(p, -EINVAL,
				    "overlapping memory regions 0x%llx+0x%llx "
				    "and 0x%llx+0x%llx",
				    (unsigned long long)b->base,
				    (unsigned long long)b->size,
				    (unsigned long long)a->base,
				    (unsigned long long)a->size);
	}
	return 0;
}

static int parse_memory(const void *fdt, const struct platform_params *params,
			struct platform *p)
{
	int node, ac, sc, err;

	if (bus_cells(fdt, 0, &ac, &sc) || sc == 0)
		return perr(p, -EINVAL, "bad #address-cells/#size-cells in /");
	fdt_for_each_subnode(node, fdt, 0) {
		if (!prop_streq(fdt, node, "device_type", "memory") ||
		    !node_enabled(fdt, node))
			continue;
		err = add_memory_node(fdt, node, ac, sc, p);
		if (err)
			return err;
	}
	if (node != -FDT_ERR_NOTFOUND)
		return perr(p, -EINVAL, "corrupt FDT: %s", fdt_strerror(node));
	if (!p->nr_mem)
		return perr(p, -ENODEV, "no memory node");
	return check_memory(params, p);
}

/* ---- step 4: reserved ranges ---- */

static int add_resv_from(struct platform *p, uint64_t base, uint64_t size,
			 bool nomap, bool from_node, const char *name)
{
	struct platform_resv *r;
	unsigned int i;

	if (!size)
		return 0;
	if (range_wraps(base, size))
		return perr(p, -EINVAL, "reserved range %s 0x%llx+0x%llx wraps",
			    name, (unsigned long long)base,
			    (unsigned long long)size);
	if (p->nr_resv == PLATFORM_MAX_RESV)
		return perr(p, -ENOSPC, "too many reserved ranges (max %u)",
			    PLATFORM_MAX_RESV);
	for (i = p->nr_resv; i > 0 && p->resv[i - 1].base > base; i--)
		p->resv[i] = p->resv[i - 1];
	r = &p->resv[i];
	r->base = base;
	r->size = size;
	r->nomap = nomap;
	r->from_node = from_node;
	copy_word(r->name, name, sizeof(r->name));
	p->nr_resv++;
	return 0;
}

static int add_resv(struct platform *p, uint64_t base, uint64_t size,
		    bool nomap, const char *name)
{
	return add_resv_from(p, base, size, nomap, false, name);
}

static int add_resv_node(const void *fdt, int node, int ac, int sc,
			 struct platform *p)
{
	bool nomap = fdt_getprop(fdt, node, "no-map", NULL) != NULL;
	char name[PLATFORM_NAME_LEN];
	const fdt32_t *reg;
	uint64_t size;
	int len, err;

	copy_node_name(fdt, node, name, sizeof(name));
	reg = fdt_getprop(fdt, node, "reg", &len);
	if (!reg) {
		/* Dynamic: only a size, placed by an OS allocator. */
		struct platform_resv *d;

		if (prop_u64(fdt, node, "size", &size))
			return 0;
		if (p->nr_resv_dyn == PLATFORM_MAX_DYN)
			return 0; /* listed only, never reserved */
		d = &p->resv_dyn[p->nr_resv_dyn++];
		d->base = 0;
		d->size = size;
		d->nomap = nomap;
		copy_word(d->name, name, sizeof(d->name));
		return 0;
	}
	if (len <= 0 || len % ((ac + sc) * 4))
		return perr(p, -EINVAL, "bad reg in /reserved-memory/%s",
			    fdt_get_name(fdt, node, NULL));
	for (; len > 0; len -= (ac + sc) * 4, reg += ac + sc) {
		err = add_resv_from(p, read_cells(reg, ac),
				    read_cells(reg + ac, sc), nomap, true,
				    name);
		if (err)
			return err;
	}
	return 0;
}

static int parse_reserved_memory(const void *fdt, struct platform *p)
{
	int parent, node, ac, sc, err;

	parent = fdt_path_offset(fdt, "/reserved-memory");
	if (parent < 0)
		return 0;
	if (bus_cells(fdt, parent, &ac, &sc) || sc == 0)
		return perr(
			p, -EINVAL,
			"bad #address-cells/#size-cells in /reserved-memory");
	fdt_for_each_subnode(node, fdt, parent) {
		if (!node_enabled(fdt, node))
			continue;
		err = add_resv_node(fdt, node, ac, sc, p);
		if (err)
			return err;
	}
	if (node != -FDT_ERR_NOTFOUND)
		return perr(p, -EINVAL, "corrupt /reserved-memory: %s",
			    fdt_strerror(node));
	return 0;
}

static int parse_memreserve(const void *fdt, struct platform *p)
{
	int i, n = fdt_num_mem_rsv(fdt), err;
	uint64_t base, size;

	for (i = 0; i < n; i++) {
		if (fdt_get_mem_rsv(fdt, i, &base, &size))
			return perr(p, -EINVAL, "corrupt memreserve block");
		err = add_resv(p, base, size, false, "memreserve");
		if (err)
			return err;
	}
	return 0;
}

static int parse_initrd(const void *fdt, int chosen, struct platform *p)
{
	uint64_t start, end;
	int e1, e2;

	e1 = prop_u64(fdt, chosen, "linux,initrd-start", &start);
	e2 = prop_u64(fdt, chosen, "linux,initrd-end", &end);
	if (e1 == -ENOENT && e2 == -ENOENT)
		return 0;
	if (e1 || e2 || end < start)
		return perr(p, -EINVAL,
			    "bad linux,initrd-start/end in /chosen");
	return add_resv(p, start, end - start, false, "initrd");
}

/* Is [base, base + size) inside RAM (adjacent regions count as one)? */
static bool in_ram(const struct platform *p, uint64_t base, uint64_t size)
{
	uint64_t end = base + size;
	unsigned int i;

	for (i = 0; i < p->nr_mem && base < end; i++) {
		const struct platform_mem *m = &p->mem[i];

		if (m->base <= base && base < m->base + m->size)
			base = m->base + m->size;
	}
	return base >= end;
}

/*
 * A /reserved-memory range that is not wholly in RAM describes something
 * else too (a device's DMA window beside RAM, as on mpfs-sev-kit): Linux
 * boots such trees, and so does this.  Its parts inside RAM stay
 * reserved; the range is listed in resv_out for the report.  The other
 * reserved ranges (memreserve, initrd, kernel, FDT) must be in RAM: the
 * caller refused them already.  Bounded by the fixed arrays.
 */
static int clip_reserved_to_ram(struct platform *p)
{
	struct platform_resv all[PLATFORM_MAX_RESV];
	unsigned int i, j, n = p->nr_resv;
	int err;

	memcpy(all, p->resv, sizeof(all[0]) * n);
	p->nr_resv = 0;
	for (i = 0; i < n; i++) {
		const struct platform_resv *r = &all[i];
		bool kept = false;

		if (in_ram(p, r->base, r->size)) {
			/* Sorted insert: clipped parts before it may lie
			 * above it (found by fuzz_fdt). */
			err = add_resv_from(p, r->base, r->size, r->nomap,
					    r->from_node, r->name);
			if (err)
				return err;
			continue;
		}
		for (j = 0; j < p->nr_mem; j++) {
			uint64_t mb = p->mem[j].base;
			uint64_t me = mb + p->mem[j].size;
			uint64_t b = r->base > mb ? r->base : mb;
			uint64_t e =
				r->base + r->size < me ? r->base + r->size : me;

			if (b >= e)
				continue;
			err = add_resv_from(p, b, e - b, r->nomap, true,
					    r->name);
			if (err)
				return err;
			kept = true;
		}
		if (p->nr_resv_out < PLATFORM_MAX_DYN) {
			p->resv_out[p->nr_resv_out] = *r;
			p->resv_out[p->nr_resv_out].from_node = kept;
			p->nr_resv_out++;
		}
	}
	return 0;
}

static int parse_reserved(const void *fdt, int chosen,
			  const struct platform_params *params,
			  struct platform *p)
{
	const struct platform_resv *r;
	unsigned int i;
	int err;

	err = parse_memreserve(fdt, p);
	if (!err)
		err = parse_reserved_memory(fdt, p);
	if (!err && chosen >= 0)
		err = parse_initrd(fdt, chosen, p);
	if (!err && params->kernel_size)
		err = add_resv(p, params->kernel_base, params->kernel_size,
			       false, "kernel");
	if (!err && params->fdt_pa)
		err = add_resv(p, params->fdt_pa, fdt_totalsize(fdt), false,
			       "fdt");
	if (err)
		return err;
	for (i = 0; i < p->nr_resv; i++) {
		r = &p->resv[i];
		if (!in_ram(p, r->base, r->size) && !r->from_node)
			return perr(
				p, -ERANGE,
				"reserved range %s 0x%llx+0x%llx outside RAM",
				r->name, (unsigned long long)r->base,
				(unsigned long long)r->size);
	}
	return clip_reserved_to_ram(p);
}

/* ---- step 5: devices: console, exit device ---- */

/*
 * Translate @addr, an address on the bus @bus (the parent of the device),
 * up to the root through each bus's "ranges".  A bus without "ranges" is
 * not translatable.  Depth is bounded by the (already checked) tree.
 */
static int translate(const void *fdt, int bus, uint64_t *addr)
{
	int depth;

	for (depth = 0; bus > 0 && depth < 64; depth++) {
		int parent = fdt_parent_offset(fdt, bus);
		int cac, csc, pac, psc, len, entry;
		const fdt32_t *r;
		bool found = false;

		if (parent < 0 || bus_cells(fdt, bus, &cac, &csc) ||
		    bus_cells(fdt, parent, &pac, &psc) || csc == 0)
			return -EINVAL;
		r = fdt_getprop(fdt, bus, "ranges", &len);
		if (!r)
			return -ENOENT;
		entry = cac + pac + csc;
		if (len % (entry * 4))
			return -EINVAL;
		found = len == 0; /* empty ranges: identity */
		for (; len > 0 && !found; len -= entry * 4, r += entry) {
			uint64_t child = read_cells(r, cac);
			uint64_t up = read_cells(r + cac, pac);
			uint64_t size = read_cells(r + cac + pac, csc);

			if (*addr >= child && *addr - child < size) {
				*addr = *addr - child + up;
				found = true;
			}
		}
		if (!found)
			return -ENOENT;
		bus = parent;
	}
	return bus > 0 ? -EINVAL : 0;
}

/* First reg entry of @node, translated to a CPU physical address. */
static int node_reg(const void *fdt, int node, uint64_t *base, uint64_t *size)
{
	int parent = fdt_parent_offset(fdt, node);
	const fdt32_t *reg;
	int ac, sc, len;

	if (parent < 0 || bus_cells(fdt, parent, &ac, &sc))
		return -EINVAL;
	reg = fdt_getprop(fdt, node, "reg", &len);
	if (!reg || len < (ac + sc) * 4)
		return -ENOENT;
	*base = read_cells(reg, ac);
	*size = read_cells(reg + ac, sc);
	return translate(fdt, parent, base);
}

static int prop_u32_or(const void *fdt, int node, const char *name,
		       uint32_t dflt, uint32_t *out)
{
	const fdt32_t *v;
	int len;

	*out = dflt;
	v = fdt_getprop(fdt, node, name, &len);
	if (!v)
		return 0;
	if (len != 4)
		return -EINVAL;
	*out = fdt32_to_cpu(*v);
	return 0;
}

static void setup_uart(const void *fdt, int node, struct platform *p)
{
	struct platform_console *c = &p->console;
	uint32_t shift, width;
	uint64_t base, size;

	if (!node_enabled(fdt, node) || node_reg(fdt, node, &base, &size))
		return; /* stays CONSOLE_SBI */
	if (!fdt_node_check_compatible(fdt, node, "sifive,uart0")) {
		c->type = CONSOLE_SIFIVE_UART;
		c->reg_shift = 0;
		c->reg_io_width = 4;
	} else if (!fdt_node_check_compatible(fdt, node, "ns16550a") ||
		   !fdt_node_check_compatible(fdt, node, "ns16550") ||
		   !fdt_node_check_compatible(fdt, node, "snps,dw-apb-uart")) {
		if (prop_u32_or(fdt, node, "reg-shift", 0, &shift) ||
		    prop_u32_or(fdt, node, "reg-io-width", 1, &width) ||
		    shift > 4 || (width != 1 && width != 4))
			return;
		c->type = CONSOLE_NS16550;
		c->reg_shift = shift;
		c->reg_io_width = width;
	} else {
		return;
	}
	c->base = base;
	c->size = size;
}

/*
 * The node a /chosen path names (@len bytes, not NUL-terminated), with
 * aliases resolved here rather than by fdt_path_offset(): libfdt follows
 * an alias whose value is another alias by recursing without a bound, so
 * an alias that names itself ("serial0 = "serial0"") overflows the stack.
 * Here an alias value is either an absolute path or the bare name of
 * another alias, and at most FDT_MAX_ALIAS_HOPS are followed.
 *
 * Returns the node offset; -ENODEV when nothing of that name exists (the
 * caller says so); -EINVAL with p->error set for a loop or a bad alias.
 */
#define FDT_MAX_ALIAS_HOPS 8
#define FDT_MAX_PATH	   256

static int resolve_path(const void *fdt, const char *path, int len,
			struct platform *p)
{
	const char *name = path, *rest, *val, *slash;
	int nlen, rlen, vlen, aliases, hops, node;
	char buf[FDT_MAX_PATH];

	if (len > 0 && path[0] == '/') {
		node = fdt_path_offset_namelen(fdt, path, len);
		return node < 0 ? -ENODEV : node;
	}
	slash = memchr(path, '/', len);
	nlen = slash ? (int)(slash - path) : len;
	rest = path + nlen; /* "" or "/child/...", below the alias */
	rlen = len - nlen;
	aliases = fdt_path_offset(fdt, "/aliases");
	if (aliases < 0 || nlen == 0)
		return -ENODEV;
	for (hops = 0; hops < FDT_MAX_ALIAS_HOPS; hops++) {
		val = fdt_getprop_namelen(fdt, aliases, name, nlen, &vlen);
		if (!val)
			return -ENODEV;
		if (vlen <= 0 || !memchr(val, '\0', vlen))
			return perr(p, -EINVAL, "bad alias %.*s in /aliases",
				    nlen, name);
		vlen = (int)strlen(val);
		if (val[0] == '/') {
			if (vlen + rlen >= (int)sizeof(buf))
				return perr(p, -EINVAL,
					    "path of alias %.*s too long", nlen,
					    name);
			memcpy(buf, val, vlen);
			memcpy(buf + vlen, rest, rlen);
			node = fdt_path_offset_namelen(fdt, buf, vlen + rlen);
			return node < 0 ? -ENODEV : node;
		}
		if (!vlen || memchr(val, '/', vlen))
			return perr(p, -EINVAL,
				    "alias %.*s is neither a path nor an alias",
				    nlen, name);
		name = val;
		nlen = vlen;
	}
	return perr(p, -EINVAL, "alias loop: %.*s still an alias after %d hops",
		    len, path, FDT_MAX_ALIAS_HOPS);
}

static int parse_console(const void *fdt, int chosen, struct platform *p)
{
	struct platform_console *c = &p->console;
	const char *path, *colon;
	int len, node;

	c->type = CONSOLE_SBI;
	copy_word(c->path, "sbi", sizeof(c->path));
	if (chosen < 0)
		return 0;
	path = fdt_getprop(fdt, chosen, "stdout-path", &len);
	if (!path) {
		path = fdt_getprop(fdt, chosen, "linux,stdout-path", &len);
		if (!path)
			return 0;
	}
	if (len <= 0 || !memchr(path, '\0', len))
		return perr(p, -EINVAL, "bad stdout-path in /chosen");
	if (!path[0])
		return 0; /* empty: no console named, SBI */
	len = strlen(path);
	colon = memchr(path, ':', len);
	if (colon)
		len = colon - path;
	node = resolve_path(fdt, path, len, p);
	if (node == -EINVAL)
		return node; /* p->error says why */
	if (node < 0) {
		char want[64];

		copy_word(want, path,
			  (size_t)len + 1 < sizeof(want) ? (size_t)len + 1
							 : sizeof(want));
		return perr(p, -ENODEV, "console not found: stdout-path %s",
			    want);
	}
	if (fdt_get_path(fdt, node, c->path, sizeof(c->path)))
		copy_word(c->path, "?", sizeof(c->path));
	printable(c->path);
	setup_uart(fdt, node, p);
	return 0;
}

static void parse_exit_dev(const void *fdt, struct platform *p)
{
	static const char *const compat[] = { "sifive,test1", "sifive,test0" };
	uint64_t base, size;
	unsigned int i;
	int node;

	for (i = 0; i < ARRAY_SIZE(compat); i++) {
		node = fdt_node_offset_by_compatible(fdt, -1, compat[i]);
		if (node < 0 || !node_enabled(fdt, node) ||
		    node_reg(fdt, node, &base, &size))
			continue;
		p->exit_dev.present = true;
		p->exit_dev.base = base;
		p->exit_dev.size = size;
		break;
	}
	/* HTIF (spike): the console and the way out, at a fixed address. */
	node = fdt_node_offset_by_compatible(fdt, -1, "ucb,htif0");
	if (node >= 0 && node_enabled(fdt, node) &&
	    !node_reg(fdt, node, &base, &size)) {
		p->htif.present = true;
		p->htif.base = base;
		p->htif.size = size;
	}
}

static int parse_chosen(const void *fdt, int chosen, struct platform *p)
{
	const char *args;
	int len;

	if (chosen < 0)
		return 0;
	args = fdt_getprop(fdt, chosen, "bootargs", &len);
	if (args) {
		if (len <= 0 || !memchr(args, '\0', len))
			return perr(p, -EINVAL, "bad bootargs in /chosen");
		p->bootargs = args;
	}
	p->rng_seed = fdt_getprop(fdt, chosen, "rng-seed", &len);
	p->rng_seed_len = p->rng_seed && len > 0 ? (unsigned int)len : 0;
	if (!p->rng_seed_len)
		p->rng_seed = NULL;
	return 0;
}

/* ---- step 6: NUMA nodes with harts but no memory ---- */

static bool node_has_memory(const struct platform *p, int node)
{
	unsigned int i;

	for (i = 0; i < p->nr_mem; i++)
		if (p->mem[i].node == node)
			return true;
	return false;
}

/*
 * The distance from node @a to node @b in /distance-map's
 * "distance-matrix" (<from to distance> triples), or -1 when it has no
 * entry for them.  Bounded by the property's length.
 */
static long numa_distance(const void *fdt, int map, int a, int b)
{
	const fdt32_t *m;
	int len, i;

	if (map < 0)
		return -1;
	m = fdt_getprop(fdt, map, "distance-matrix", &len);
	if (!m || len <= 0 || len % 12)
		return -1;
	for (i = 0; i < len / 12; i++) {
		uint32_t from = fdt32_to_cpu(m[3 * i]);
		uint32_t to = fdt32_to_cpu(m[3 * i + 1]);

		if ((from == (uint32_t)a && to == (uint32_t)b) ||
		    (from == (uint32_t)b && to == (uint32_t)a))
			return fdt32_to_cpu(m[3 * i + 2]);
	}
	return -1;
}

/*
 * A hart on a node without memory (QEMU's -numa node without memdev) gets
 * its per-hart memory from the nearest node that has some: by
 * /distance-map when the tree has one, else the lowest node id with
 * memory.  Nodes are below PLATFORM_MAX_NODES, so this is bounded.
 */
static void assign_memory_nodes(const void *fdt, struct platform *p)
{
	int map = fdt_path_offset(fdt, "/distance-map");
	unsigned int i;

	if (map >= 0 &&
	    fdt_node_check_compatible(fdt, map, "numa-distance-map-v1"))
		map = -1;
	for (i = 0; i < p->nr_harts; i++) {
		struct platform_hart *h = &p->harts[i];
		long best = -1, d;
		int n;

		h->mem_node = h->node;
		if (node_has_memory(p, h->node))
			continue;
		for (n = 0; n < PLATFORM_MAX_NODES; n++) {
			if (!node_has_memory(p, n))
				continue;
			d = numa_distance(fdt, map, h->node, n);
			if (d >= 0)
				p->numa_distance_map = true;
			else
				d = 0x7fffffff; /* unknown: after any known */
			if (best < 0 || d < best) {
				best = d;
				h->mem_node = n;
			}
		}
	}
}

/* ---- the contract ---- */

int platform_parse(const void *fdt, const struct platform_params *params,
		   struct platform *p)
{
	int chosen, err;

	memset(p, 0, sizeof(*p));
	p->bootargs = "";
	p->nr_nodes = 1;
	err = check_fdt(fdt, params, p);
	if (err)
		return err;
	/* First: a boot that fails below still needs it for its exit status. */
	parse_exit_dev(fdt, p);
	chosen = fdt_path_offset(fdt, "/chosen");
	err = parse_cpus(fdt, params, p);
	if (!err)
		err = parse_memory(fdt, params, p);
	if (!err)
		assign_memory_nodes(fdt, p);
	if (!err)
		err = parse_reserved(fdt, chosen, params, p);
	if (!err)
		err = parse_chosen(fdt, chosen, p);
	if (!err)
		err = parse_console(fdt, chosen, p);
	return err;
}

int platform_hart_index(const struct platform *p, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < p->nr_harts; i++)
		if (p->harts[i].id == id)
			return (int)i;
	return -1;
}

static const char *console_type_name(enum platform_console_type t)
{
	switch (t) {
	case CONSOLE_NS16550:
		return "ns16550";
	case CONSOLE_SIFIVE_UART:
		return "sifive-uart";
	default:
		return "sbi";
	}
}

static void report_resv(const struct platform_resv *r,
			int (*print)(const char *fmt, ...))
{
	print("platform: reserved base=0x%llx size=0x%llx nomap=%u name=%s\n",
	      (unsigned long long)r->base, (unsigned long long)r->size,
	      r->nomap ? 1 : 0, r->name);
}

void platform_report(const struct platform *p,
		     int (*print)(const char *fmt, ...))
{
	const struct platform_console *c = &p->console;
	unsigned int i;

	for (i = 0; i < p->nr_harts; i++) {
		const struct platform_hart *h = &p->harts[i];

		if (h->usable)
			print("platform: hart id=%u state=usable\n", h->id);
		else
			print("platform: hart id=%u state=skipped reason=%s\n",
			      h->id, h->skip_reason);
	}
	if (p->timebase_freq <= UINT_MAX)
		print("platform: timebase=%u\n",
		      (unsigned int)p->timebase_freq);
	else
		print("platform: timebase=0x%llx\n",
		      (unsigned long long)p->timebase_freq);
	if (c->type == CONSOLE_SBI)
		print("platform: console=sbi path=%s\n", c->path);
	else
		print("platform: console=%s base=0x%llx reg-shift=%u "
		      "reg-io-width=%u path=%s\n",
		      console_type_name(c->type), (unsigned long long)c->base,
		      c->reg_shift, c->reg_io_width, c->path);
	if (p->exit_dev.present)
		print("platform: exit-device base=0x%llx\n",
		      (unsigned long long)p->exit_dev.base);
	if (p->htif.present)
		print("platform: htif base=0x%llx\n",
		      (unsigned long long)p->htif.base);
	print("platform: numa-nodes=%u\n", p->nr_nodes);
	for (i = 0; i < p->nr_harts; i++) {
		const struct platform_hart *h = &p->harts[i];
		unsigned int j;
		bool first = true;

		if (h->mem_node == h->node)
			continue;
		for (j = 0; j < i && first; j++)
			first = p->harts[j].node != h->node;
		if (first)
			print("platform: numa node=%d has no memory: its harts "
			      "use node %d (%s)\n",
			      h->node, h->mem_node,
			      p->numa_distance_map ? "nearest by distance-map"
						   : "lowest node with memory");
	}
	for (i = 0; i < p->nr_mem; i++)
		print("platform: memory base=0x%llx size=0x%llx node=%d\n",
		      (unsigned long long)p->mem[i].base,
		      (unsigned long long)p->mem[i].size, p->mem[i].node);
	for (i = 0; i < p->nr_resv; i++)
		report_resv(&p->resv[i], print);
	for (i = 0; i < p->nr_resv_out; i++)
		print("platform: reserved-outside-ram base=0x%llx size=0x%llx "
		      "name=%s (%s)\n",
		      (unsigned long long)p->resv_out[i].base,
		      (unsigned long long)p->resv_out[i].size,
		      p->resv_out[i].name,
		      p->resv_out[i].from_node ? "clipped to RAM" : "ignored");
	for (i = 0; i < p->nr_resv_dyn; i++)
		print("platform: reserved-dynamic size=0x%llx nomap=%u name=%s "
		      "(not placed)\n",
		      (unsigned long long)p->resv_dyn[i].size,
		      p->resv_dyn[i].nomap ? 1 : 0, p->resv_dyn[i].name);
	print("platform: bootargs=\"%s\"\n", p->bootargs);
}
