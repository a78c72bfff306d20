/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one-line verdict the torture programs end with:
 * "NAME PASS ..." or "NAME FAIL: ...", then _exit(status) (0 pass, 1 a
 * wrong outcome, 2 could not run). Threads see @stop set first.
 */
#ifndef RCUFAULT_TEST_VERDICT_H
#define RCUFAULT_TEST_VERDICT_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "kernel_compat.h"

static const char *verdict_name;	/* set by main() */
static atomic_int stop;

static void __noreturn __printf(2, 3) finish(int status, const char *fmt, ...)
{
	va_list ap;

	atomic_store(&stop, 1);
	printf("%s %s", verdict_name, status ? "FAIL: " : "PASS ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	_exit(status);
}

#endif /* RCUFAULT_TEST_VERDICT_H */
