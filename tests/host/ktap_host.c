// SPDX-License-Identifier: MIT
/*
 * Host KTAP runner (see ktap_host.h).  A case's verdict travels from the
 * forked child to the parent in its exit status: 0 pass, 1 fail, 2 skip;
 * anything else (a signal, a sanitizer's exit code) is a failure.
 */
#include "tests/host/ktap_host.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { CASE_PASS = 0, CASE_FAIL = 1, CASE_SKIP = 2 };

static int case_failed;
static const char *case_skip_reason;

/* The host's context of a case: the case itself is in the globals above. */
struct ktest {
	const struct ktap_case *c;
};

static void vfail(const char *file, int line, const char *fmt, va_list ap)
{
	printf("    # %s:%d: ", file, line);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	case_failed = 1;
}

static void vdiag(const char *fmt, va_list ap)
{
	printf("    # ");
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
}

void ktap_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(file, line, fmt, ap);
	va_end(ap);
}

void ktap_skip(const char *reason)
{
	case_skip_reason = reason;
}

void ktest_fail(struct ktest *t, const char *file, int line, const char *fmt,
		...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(file, line, fmt, ap);
	va_end(ap);
}

void ktest_skip(struct ktest *t, const char *reason)
{
	case_skip_reason = reason;
}

void ktest_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(fmt, ap);
	va_end(ap);
}

void ktap_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(fmt, ap);
	va_end(ap);
}

static int run_case_inline(const struct ktap_case *c)
{
	struct ktest t = { c };

	case_failed = 0;
	case_skip_reason = NULL;
	if (c->run)
		c->run();
	else
		c->run_t(&t);
	fflush(stdout);
	if (case_failed)
		return CASE_FAIL;
	return case_skip_reason ? CASE_SKIP : CASE_PASS;
}

static int run_case_forked(const struct ktap_case *c, char *skip, size_t len)
{
	int pipefd[2], status;
	ssize_t got;
	pid_t pid;

	fflush(stdout);
	if (pipe(pipefd))
		return CASE_FAIL;
	pid = fork();
	if (pid < 0)
		return CASE_FAIL;
	if (pid == 0) {
		int verdict;

		close(pipefd[0]);
		verdict = run_case_inline(c);
		if (verdict == CASE_SKIP && case_skip_reason &&
		    write(pipefd[1], case_skip_reason,
			  strlen(case_skip_reason)) < 0)
			verdict = CASE_FAIL;
		_exit(verdict);
	}
	close(pipefd[1]);
	got = read(pipefd[0], skip, len - 1);
	skip[got > 0 ? got : 0] = '\0';
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) < 0)
		return CASE_FAIL;
	if (WIFSIGNALED(status)) {
		printf("    # %s: killed by signal %d\n", c->name,
		       WTERMSIG(status));
		return CASE_FAIL;
	}
	if (WEXITSTATUS(status) > CASE_SKIP) {
		printf("    # %s: exit status %d\n", c->name,
		       WEXITSTATUS(status));
		return CASE_FAIL;
	}
	return WEXITSTATUS(status);
}

int ktap_main(const char *suite, const struct ktap_case *cases, size_t n)
{
	const char *nofork = getenv("KTAP_NOFORK");
	size_t i, failed = 0;
	char skip[256];

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n1..1\n");
	printf("    KTAP version 1\n    # Subtest: %s\n    1..%zu\n", suite, n);
	for (i = 0; i < n; i++) {
		int verdict;

		skip[0] = '\0';
		if (nofork && *nofork == '1') {
			verdict = run_case_inline(&cases[i]);
			if (verdict == CASE_SKIP)
				snprintf(skip, sizeof(skip), "%s",
					 case_skip_reason);
		} else {
			verdict =
				run_case_forked(&cases[i], skip, sizeof(skip));
		}
		if (verdict == CASE_FAIL)
			failed++;
		printf("    %s %zu %s%s%s\n",
		       verdict == CASE_FAIL ? "not ok" : "ok", i + 1,
		       cases[i].name, verdict == CASE_SKIP ? " # SKIP " : "",
		       verdict == CASE_SKIP ? skip : "");
	}
	printf("%s 1 %s\n", failed ? "not ok" : "ok", suite);
	return failed ? 1 : 0;
}
