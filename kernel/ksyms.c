// SPDX-License-Identifier: MIT
/*
 * Address -> symbol for reports (slab_debug's call sites).  The table is
 * generated from the linked kernel's text symbols (scripts/ksyms.py) and
 * linked in by the build's second pass; it is sorted by address and never
 * written, so any hart may search it at any time.
 */
#include "kernel/ksyms.h"

/* The largest distance from a symbol still believed to be inside it. */
#define KSYMS_MAX_OFF 0x10000UL

extern const unsigned int ksyms_count;
extern const unsigned long ksyms_addr[];
extern const unsigned int ksyms_name_off[];
extern const char ksyms_names[];

const char *ksyms_lookup(uintptr_t ip, unsigned long *off)
{
	unsigned int lo = 0, hi = ksyms_count;

	*off = 0;
	if (!hi || ip < ksyms_addr[0])
		return NULL;
	/* The last symbol at or below ip: ksyms_addr[lo] <= ip < [hi]. */
	while (hi - lo > 1) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (ksyms_addr[mid] <= ip)
			lo = mid;
		else
			hi = mid;
	}
	if (ip - ksyms_addr[lo] >= KSYMS_MAX_OFF)
		return NULL;
	*off = ip - ksyms_addr[lo];
	return &ksyms_names[ksyms_name_off[lo]];
}
