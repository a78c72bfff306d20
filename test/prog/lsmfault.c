// SPDX-License-Identifier: GPL-2.0
/*
 * A fault that grows the stack inside mmap()'s security hook, as a
 * sleepable BPF LSM program's read of user memory makes: with the test
 * module rcufault_test_mmapfault loaded, this task's security_mmap_file()
 * reads the address written to its addr parameter.
 *
 *   lsmfault [ROUNDS]
 *
 * Each round (default 8) writes the address 16 pages below the stack's
 * VMA to the parameter, maps one anonymous page (mmap() calls the hook,
 * whose read grows the stack: a write section inside the mmap call, before
 * mmap's own), checks that the stack grew down to it, uses the page and
 * unmaps it. A second thread sleeps, so the mm has two users, as the
 * range write sections require. Exits 0 (PASS), or 2 when the stack did
 * not grow: the test could not happen. What the sections declared is
 * checked by the caller (test/guest/ranges.sh: the range audit).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "verdict.h"

#define PARAM "/sys/module/rcufault_test_mmapfault/parameters/addr"

/* the start of this process's [stack] VMA */
static unsigned long stack_start(void)
{
	unsigned long lo = 0, hi;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		finish(2, "/proc/self/maps: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[stack]") && sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			break;
	fclose(f);
	if (!lo)
		finish(2, "no [stack] in /proc/self/maps");
	return lo;
}

static void set_addr(unsigned long a)
{
	char buf[32];
	int fd = open(PARAM, O_WRONLY);
	int n = snprintf(buf, sizeof(buf), "%lu\n", a);

	if (fd < 0 || write(fd, buf, n) != n)
		finish(2, "%s: %s (is rcufault_test_mmapfault loaded?)", PARAM,
		       strerror(errno));
	close(fd);
}

static void *sleeper(void *arg)
{
	for (;;)
		pause();
	return arg;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 8, r;
	long page = sysconf(_SC_PAGESIZE);
	unsigned long first = stack_start();
	pthread_t t;

	verdict_name = "lsmfault";
	if (rounds < 1)
		finish(2, "usage: lsmfault [ROUNDS]");
	if (pthread_create(&t, NULL, sleeper, NULL))
		finish(2, "pthread_create failed");
	for (r = 0; r < rounds; r++) {
		unsigned long want = stack_start() - 16 * page;
		uint64_t *p;

		set_addr(want);
		p = mmap(NULL, page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		set_addr(0);
		if (p == MAP_FAILED)
			finish(2, "mmap: %s", strerror(errno));
		if (stack_start() > want)
			finish(2, "round %d: the hook's read did not grow the stack to %#lx (is rcufault_test_mmapfault loaded?)",
			       r, want);
		*p = r;
		if (READ_ONCE(*p) != (uint64_t)r)
			finish(1, "round %d: the new page read %#llx", r,
			       (unsigned long long)*p);
		if (munmap(p, page))
			finish(2, "munmap: %s", strerror(errno));
	}
	finish(0, "rounds %d grown %lu", rounds, first - stack_start());
}
