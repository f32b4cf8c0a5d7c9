// SPDX-License-Identifier: MIT
/*
 * platinfo: run the kernel's platform discovery (kernel/platform.c) over a
 * .dtb on the host and print the same "platform: ..." lines the kernel
 * prints at boot.  The first thing to run on a new board's device tree.
 *
 *	build/host/platinfo FILE.dtb
 *
 * Exit status: 0 usable tree (report on stdout); 1 unusable tree (one line
 * "platinfo: FILE: reason" on stderr); 2 usage or I/O error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/platform.h"

/* Largest file read: FDTs are small; QEMU pads its dumps to 1 MiB. */
#define PLATINFO_MAX_FILE (64u << 20)

static void *read_file(const char *path, size_t *len)
{
	size_t cap = 1 << 16, n = 0, got;
	char *buf = NULL, *nbuf;
	FILE *f;

	f = fopen(path, "rb");
	if (!f)
		return NULL;
	for (;;) {
		nbuf = realloc(buf, cap);
		if (!nbuf)
			goto fail;
		buf = nbuf;
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n < cap)
			break;
		if (cap >= PLATINFO_MAX_FILE) {
			errno = EFBIG;
			goto fail;
		}
		cap *= 2;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	*len = n;
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

int main(int argc, char **argv)
{
	struct platform_params params = {
		.max_phys = PLATFORM_MAX_PHYS,
	};
	static struct platform plat;
	size_t len;
	void *fdt;
	int ret;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: platinfo FILE.dtb\n");
		return 2;
	}
	fdt = read_file(argv[1], &len);
	if (!fdt) {
		fprintf(stderr, "platinfo: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	if (!len) {
		fprintf(stderr, "platinfo: %s: empty file, not an FDT\n",
			argv[1]);
		free(fdt);
		return 1;
	}
	params.fdt_size = len;
	ret = platform_parse(fdt, &params, &plat);
	if (ret) {
		fprintf(stderr, "platinfo: %s: %s\n", argv[1], plat.error);
		free(fdt);
		return 1;
	}
	platform_report(&plat, printf);
	free(fdt);
	return fflush(stdout) ? 2 : 0;
}
