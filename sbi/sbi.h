/* SPDX-License-Identifier: MIT */
/*
 * Calls into the SBI firmware (OpenSBI): every wrapper returns 0 or a
 * negative errno translated from the SBI error code, and callers check it.
 */
#ifndef HARTSLAB_SBI_SBI_H
#define HARTSLAB_SBI_SBI_H

#include "lib/types.h"

#define SBI_EXT_BASE   0x10
#define SBI_EXT_TIME   0x54494D45
#define SBI_EXT_IPI    0x735049
#define SBI_EXT_RFENCE 0x52464E43
#define SBI_EXT_HSM    0x48534D
#define SBI_EXT_SRST   0x53525354

#define SBI_LEGACY_PUTCHAR 0x01
#define SBI_LEGACY_GETCHAR 0x02

enum sbi_hsm_state {
	SBI_HSM_STARTED = 0,
	SBI_HSM_STOPPED = 1,
	SBI_HSM_START_PENDING = 2,
	SBI_HSM_STOP_PENDING = 3,
	SBI_HSM_SUSPENDED = 4,
};

#define SBI_SRST_SHUTDOWN	0
#define SBI_SRST_COLD_REBOOT	1
#define SBI_SRST_NO_REASON	0
#define SBI_SRST_SYSTEM_FAILURE 1

struct sbiret {
	long error;
	long value;
};

struct sbi_info {
	unsigned long spec_major, spec_minor;
	unsigned long impl_id, impl_version;
	bool has_time, has_ipi, has_rfence, has_hsm, has_srst;
};

/* Probe the base extension and the ones the kernel uses. */
int sbi_init(void);
const struct sbi_info *sbi_get_info(void);

int sbi_set_timer(uint64_t stime_value);
int sbi_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base);
int sbi_remote_fence_i(unsigned long hart_mask, unsigned long base);
int sbi_remote_sfence_vma(unsigned long hart_mask, unsigned long base,
			  unsigned long start, unsigned long size);
int sbi_hart_start(unsigned long hartid, phys_addr_t start_addr,
		   unsigned long opaque);
int sbi_hart_stop(void);		       /* returns only on failure */
int sbi_hart_get_status(unsigned long hartid); /* state, or -errno */
int sbi_system_reset(unsigned int type, unsigned int reason);
void sbi_console_putchar(int c);
int sbi_console_getchar(void); /* -1 when none */

#endif
