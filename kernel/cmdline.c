// SPDX-License-Identifier: MIT
/*
 * Command-line parsing; the line is set and checked once on the boot hart,
 * then only read.  docs/cmdline.md documents the table below: keep both
 * in step.
 */
#include "kernel/cmdline.h"

#include <string.h>

#include "kernel/printk.h"
#include "lib/errno.h"
#include "lib/kstrtox.h"

#define CMDLINE_MAX 512
#define VALUE_MAX   128

enum key_kind {
	KEY_NUMBER, /* decimal or 0x..., within [min, max] */
	KEY_WORD,   /* one of the '|'-separated words */
	KEY_LIST,   /* comma-separated names, checked by their user (test=) */
};

struct cmdline_key {
	const char *name;
	enum key_kind kind;
	unsigned long min, max;
	const char *words;
};

static const struct cmdline_key keys[] = {
	{ "test", KEY_LIST, 0, 0, NULL },
	{ "seconds", KEY_NUMBER, 1, 86400, NULL },
	{ "inject", KEY_WORD, 0, 0,
	  "none|corrupt|leak|nodrain|doublefree|hang|nopost" },
	{ "crash", KEY_WORD, 0, 0, "wx|stack" },
	{ "demo", KEY_NUMBER, 0, 1, NULL },
	{ "watchdog_ms", KEY_NUMBER, 10, 3600000, NULL },
	{ "suite_timeout", KEY_NUMBER, 1, 86400, NULL },
	{ "slab_debug", KEY_NUMBER, 0, 1, NULL },
};

/* A copy: the FDT that held the original is handed back after boot. */
static char cmdline[CMDLINE_MAX];
static unsigned int problems;

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

static const struct cmdline_key *find_key(const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (strlen(keys[i].name) == len &&
		    !strncmp(keys[i].name, name, len))
			return &keys[i];
	return NULL;
}

/* Is @item one of the @sep-separated words of @list? */
static bool list_has(const char *list, char sep, const char *item)
{
	size_t n = strlen(item);

	while (*list) {
		const char *end = strchr(list, sep);
		size_t len = end ? (size_t)(end - list) : strlen(list);

		if (len == n && !strncmp(list, item, n))
			return true;
		if (!end)
			break;
		list = end + 1;
	}
	return false;
}

/* Does @v suit @k?  @why says why not. */
static bool value_ok(const struct cmdline_key *k, const char *v,
		     unsigned long *num, const char **why)
{
	int ret;

	switch (k->kind) {
	case KEY_NUMBER:
		ret = kstrtoul(v, 0, num);
		if (ret == -ERANGE ||
		    (!ret && (*num < k->min || *num > k->max)))
			*why = "out of range";
		else if (ret)
			*why = "not a number";
		else
			return true;
		return false;
	case KEY_WORD:
		if (list_has(k->words, '|', v))
			return true;
		*why = "not one of its values";
		return false;
	case KEY_LIST:
		return true;
	}
	return false;
}

/* The word starting at @p: its key length and value (copied to @v). */
static const char *next_word(const char *p, const char **key, size_t *klen,
			     char *v, size_t vlen, bool *has_value)
{
	const char *end, *eq;
	size_t n;

	while (*p == ' ')
		p++;
	*key = p;
	end = p;
	while (*end && *end != ' ')
		end++;
	eq = p;
	while (eq < end && *eq != '=')
		eq++;
	*klen = eq - p;
	*has_value = eq < end;
	n = *has_value ? (size_t)(end - eq - 1) : 0;
	if (n >= vlen)
		n = vlen - 1;
	memcpy(v, eq + 1, *has_value ? n : 0);
	v[n] = '\0';
	return end;
}

unsigned int cmdline_check(void)
{
	const char *p = cmdline;

	problems = 0;
	while (*p) {
		const struct cmdline_key *k;
		char v[VALUE_MAX];
		const char *key, *why = NULL, *q;
		unsigned long num;
		bool has_value;
		size_t klen;

		p = next_word(p, &key, &klen, v, sizeof(v), &has_value);
		if (!klen && !has_value)
			continue; /* trailing spaces */
		k = find_key(key, klen);
		if (!k) {
			printk("cmdline: warning: unknown key '%.*s'\n",
			       (int)klen, key);
			problems++;
			continue;
		}
		for (q = cmdline; q < key;) {
			const char *k2;
			char v2[2];
			size_t k2len;
			bool hv;

			q = next_word(q, &k2, &k2len, v2, sizeof(v2), &hv);
			if (k2 < key && k2len == klen &&
			    !strncmp(k2, key, klen)) {
				printk("cmdline: warning: '%s' given twice, "
				       "the first one counts\n",
				       k->name);
				problems++;
				break;
			}
		}
		if (k->kind != KEY_LIST && !has_value)
			why = "has no value";
		else if (value_ok(k, v, &num, &why))
			continue;
		problems++;
		if (k->kind == KEY_NUMBER)
			printk("cmdline: warning: %s=%s: %s (%lu..%lu), "
			       "ignored\n",
			       k->name, v, why, k->min, k->max);
		else
			printk("cmdline: warning: %s=%s: %s (%s), ignored\n",
			       k->name, v, why, k->words);
	}
	return problems;
}

unsigned int cmdline_problems(void)
{
	return problems;
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
	const struct cmdline_key *k = find_key(key, strlen(key));
	char buf[VALUE_MAX];
	const char *why;
	unsigned long v;

	if (!cmdline_get(key, buf, sizeof(buf)))
		return def;
	if (k)
		return value_ok(k, buf, &v, &why) ? v : def;
	return kstrtoul(buf, 0, &v) ? def : v;
}

bool list_contains(const char *list, const char *item)
{
	return list_has(list, ',', item);
}
