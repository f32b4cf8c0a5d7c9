// SPDX-License-Identifier: MIT
/*
 * SBI calls (RISC-V SBI specification v1.0+): a7 = extension id, a6 =
 * function id, a0..a5 = arguments; a0 = error, a1 = value on return.
 * sbi_init() runs once on the boot hart before SMP; sbi_info is read-only
 * afterwards.
 */
#include "sbi/sbi.h"

#include "lib/errno.h"

#define SBI_SUCCESS		  0
#define SBI_ERR_FAILED		  -1
#define SBI_ERR_NOT_SUPPORTED	  -2
#define SBI_ERR_INVALID_PARAM	  -3
#define SBI_ERR_DENIED		  -4
#define SBI_ERR_INVALID_ADDRESS	  -5
#define SBI_ERR_ALREADY_AVAILABLE -6
#define SBI_ERR_ALREADY_STARTED	  -7
#define SBI_ERR_ALREADY_STOPPED	  -8

static struct sbi_info sbi_info;

static struct sbiret sbi_ecall(unsigned long ext, unsigned long fid,
			       unsigned long arg0, unsigned long arg1,
			       unsigned long arg2, unsigned long arg3)
{
	register unsigned long a0 __asm__("a0") = arg0;
	register unsigned long a1 __asm__("a1") = arg1;
	register unsigned long a2 __asm__("a2") = arg2;
	register unsigned long a3 __asm__("a3") = arg3;
	register unsigned long a6 __asm__("a6") = fid;
	register unsigned long a7 __asm__("a7") = ext;
	struct sbiret ret;

	__asm__ volatile("ecall"
			 : "+r"(a0), "+r"(a1)
			 : "r"(a2), "r"(a3), "r"(a6), "r"(a7)
			 : "memory");
	ret.error = (long)a0;
	ret.value = (long)a1;
	return ret;
}

static int sbi_to_errno(long err)
{
	switch (err) {
	case SBI_SUCCESS:
		return 0;
	case SBI_ERR_NOT_SUPPORTED:
		return -ENOSYS;
	case SBI_ERR_INVALID_PARAM:
		return -EINVAL;
	case SBI_ERR_DENIED:
		return -EPERM;
	case SBI_ERR_INVALID_ADDRESS:
		return -EFAULT;
	case SBI_ERR_ALREADY_AVAILABLE:
	case SBI_ERR_ALREADY_STARTED:
	case SBI_ERR_ALREADY_STOPPED:
		return -EALREADY;
	default:
		return -EIO;
	}
}

static bool sbi_probe(unsigned long ext)
{
	struct sbiret r = sbi_ecall(SBI_EXT_BASE, 3, ext, 0, 0, 0);

	return r.error == SBI_SUCCESS && r.value != 0;
}

int sbi_init(void)
{
	struct sbiret r = sbi_ecall(SBI_EXT_BASE, 0, 0, 0, 0, 0);

	if (r.error)
		return sbi_to_errno(r.error);
	sbi_info.spec_major = (r.value >> 24) & 0x7f;
	sbi_info.spec_minor = r.value & 0xffffff;
	sbi_info.impl_id = sbi_ecall(SBI_EXT_BASE, 1, 0, 0, 0, 0).value;
	sbi_info.impl_version = sbi_ecall(SBI_EXT_BASE, 2, 0, 0, 0, 0).value;
	sbi_info.has_time = sbi_probe(SBI_EXT_TIME);
	sbi_info.has_ipi = sbi_probe(SBI_EXT_IPI);
	sbi_info.has_rfence = sbi_probe(SBI_EXT_RFENCE);
	sbi_info.has_hsm = sbi_probe(SBI_EXT_HSM);
	sbi_info.has_srst = sbi_probe(SBI_EXT_SRST);
	if (sbi_info.spec_major == 0 && sbi_info.spec_minor < 2)
		return -ENOSYS; /* v0.1 has no extensions to probe */
	return 0;
}

const struct sbi_info *sbi_get_info(void)
{
	return &sbi_info;
}

int sbi_set_timer(uint64_t stime_value)
{
	return sbi_to_errno(
		sbi_ecall(SBI_EXT_TIME, 0, stime_value, 0, 0, 0).error);
}

int sbi_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base)
{
	return sbi_to_errno(
		sbi_ecall(SBI_EXT_IPI, 0, hart_mask, hart_mask_base, 0, 0)
			.error);
}

int sbi_remote_fence_i(unsigned long hart_mask, unsigned long base)
{
	return sbi_to_errno(
		sbi_ecall(SBI_EXT_RFENCE, 0, hart_mask, base, 0, 0).error);
}

int sbi_remote_sfence_vma(unsigned long hart_mask, unsigned long base,
			  unsigned long start, unsigned long size)
{
	return sbi_to_errno(
		sbi_ecall(SBI_EXT_RFENCE, 1, hart_mask, base, start, size)
			.error);
}

int sbi_hart_start(unsigned long hartid, phys_addr_t start_addr,
		   unsigned long opaque)
{
	return sbi_to_errno(
		sbi_ecall(SBI_EXT_HSM, 0, hartid, start_addr, opaque, 0).error);
}

int sbi_hart_stop(void)
{
	return sbi_to_errno(sbi_ecall(SBI_EXT_HSM, 1, 0, 0, 0, 0).error);
}

int sbi_hart_get_status(unsigned long hartid)
{
	struct sbiret r = sbi_ecall(SBI_EXT_HSM, 2, hartid, 0, 0, 0);

	return r.error ? sbi_to_errno(r.error) : (int)r.value;
}

int sbi_system_reset(unsigned int type, unsigned int reason)
{
	return sbi_to_errno(
		sbi_ecall(SBI_EXT_SRST, 0, type, reason, 0, 0).error);
}

void sbi_console_putchar(int c)
{
	sbi_ecall(SBI_LEGACY_PUTCHAR, 0, (unsigned long)c, 0, 0, 0);
}

int sbi_console_getchar(void)
{
	return (int)sbi_ecall(SBI_LEGACY_GETCHAR, 0, 0, 0, 0, 0).error;
}
