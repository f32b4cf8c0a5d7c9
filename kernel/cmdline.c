// SPDX-License-Identifier: MIT
/* Command-line parsing; the line is set once on the boot hart. */
#include "kernel/cmdline.h"

#include <stdlib.h>
#include <string.h>

#define CMDLINE_MAX 512

/* A copy: the FDT that held the original is handed back after boot. */
static char cmdline[CMDLINE_MAX];

bool cmdline_set(const char *args)
{
	size_t n = args ? strnlen(args, CMDLINE_MAX) : 0;
	bool fits = n < CMDLINE_MAX;

	if (!fits)
		n = CMDLINE_MAX - 1;
	memcpy(cmdline, args ? args : "", n);
	cmdline[n] = '\0';
	return fits;
}

const char *cmdline_get_all(void)
{
	return cmdline;
}

bool cmdline_get(const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	const char *p = cmdline;

	while (*p) {
		const char *end;
		size_t n;

		while (*p == ' ')
			p++;
		end = p;
		while (*end && *end != ' ')
			end++;
		if ((size_t)(end - p) >= klen && !strncmp(p, key, klen) &&
		    (p[klen] == '=' || p + klen == end)) {
			const char *v = p + klen + (p[klen] == '=');

			n = end - v < (long)len - 1 ? (size_t)(end - v)
						    : len - 1;
			memcpy(buf, v, n);
			buf[n] = '\0';
			return true;
		}
		p = end;
	}
	return false;
}

unsigned long cmdline_get_ulong(const char *key, unsigned long def)
{
	char buf[32], *end;
	unsigned long v;

	if (!cmdline_get(key, buf, sizeof(buf)) || !buf[0])
		return def;
	v = strtoul(buf, &end, 0);
	return *end ? def : v;
}

bool list_contains(const char *list, const char *item)
{
	size_t n = strlen(item);

	while (*list) {
		const char *end = strchr(list, ',');
		size_t len = end ? (size_t)(end - list) : strlen(list);

		if (len == n && !strncmp(list, item, n))
			return true;
		if (!end)
			break;
		list = end + 1;
	}
	return false;
}
