// SPDX-License-Identifier: MIT
/*
 * The lowest layer of mm/, what every other layer may use: bad-use reports
 * (kfree or free_pages of something mm did not hand out, of an interior
 * pointer, twice) with their mode and counter (atomics: any hart), and the
 * bit-scan table of mm/internal.h.
 */
#include "mm/internal.h"

/* mm_debruijn_ctz[(2^i * 0x022fdd63cc95386d) >> 58] == i */
const uint8_t mm_debruijn_ctz[64] = {
	0,  1,	2,  53, 3,  7,	54, 27, 4,  38, 41, 8,	34, 55, 48, 28,
	62, 5,	39, 46, 44, 42, 22, 9,	24, 35, 59, 56, 49, 18, 29, 11,
	63, 52, 6,  26, 37, 40, 33, 47, 61, 45, 43, 21, 23, 58, 17, 10,
	51, 25, 36, 32, 60, 20, 57, 16, 50, 31, 19, 15, 30, 14, 13, 12,
};

static atomic_int bad_use_mode;
static atomic_ulong bad_use_count;

void mm_bad_use_reset(void)
{
	atomic_store(&bad_use_mode, MM_BAD_USE_PANIC);
	atomic_store(&bad_use_count, 0);
}

void mm_set_bad_use_mode(enum mm_bad_use_mode mode)
{
	atomic_store(&bad_use_mode, mode);
}

unsigned long mm_bad_use_count(void)
{
	return atomic_load(&bad_use_count);
}

static const char *const bad_kind_name[] = {
	[MM_BAD_UNKNOWN] = "free of an address mm never handed out",
	[MM_BAD_INTERIOR] = "free of an interior pointer",
	[MM_BAD_DOUBLE_FREE] = "double free",
	[MM_BAD_NOT_HEAD] = "free of a page that heads no allocation",
	[MM_BAD_CORRUPT] = "memory corruption around or in the object",
};

mm_stat_t *mm_op_counts[MM_MAX_HARTS];

void mm_bad_use(enum mm_bad_kind kind, const char *what, const void *addr)
{
	port_log("mm: %s: %s %p on hart %u\n", what, bad_kind_name[kind], addr,
		 port_this_hart_id());
	if (atomic_load(&bad_use_mode) == MM_BAD_USE_PANIC)
		port_panic("mm: %s: %s %p on hart %u", what,
			   bad_kind_name[kind], addr, port_this_hart_id());
	atomic_fetch_add(&bad_use_count, 1);
}
