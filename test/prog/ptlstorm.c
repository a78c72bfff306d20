// SPDX-License-Identifier: GPL-2.0
/*
 * ptlstorm: lockless faults racing with the free of the PTE table they walk.
 *
 *   ptlstorm [-s SECONDS] [-t FAULTERS] [-m MIB] [-H]
 *
 * One region of MIB (default 2) MiB, 2 MiB-aligned, with nothing else
 * mapped in its PMD ranges, so that unmapping it frees its PTE tables
 * (free_pgtables()) and, on kernels that allocate PTE locks, their locks.
 * FAULTERS threads (default 2) write-fault its pages one after the other,
 * each a missing PTE in a table that exists (what the lockless path
 * serves), while an unmapper thread waits for a random number of those
 * faults, then unmaps the region under them and maps it again: munmap()
 * then mmap(), or one mmap(MAP_FIXED) over it. A fault in the hole gets
 * SIGSEGV and carries on. THP is off for the process, so the region is
 * always mapped by PTE tables; with -H it asks for THP instead
 * (MADV_HUGEPAGE): then each PMD range is one huge page, whose deposited
 * PTE table is freed under the PMD lock (zap_deposited_table()).
 *
 * Integrity: a word written and read back while the region's generation
 * did not change must read back as written.
 *
 * Prints "ptlstorm rounds N faults N segv N violations N"; exit status 1 on
 * a violation, 2 if the test could not run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "kernel_compat.h"

#define PMD_SIZE	(2UL << 20)
#define MAX_FAULTERS	16

static long page;
static char *base;
static size_t size, npages;
static int nr_faulters = 2, thp;
/* even: the region is mapped; odd: being unmapped and mapped again */
static atomic_uint gen;
static atomic_long faults_in_gen, faults, segvs, violations, rounds;
static atomic_int stop;
static __thread sigjmp_buf fault_jmp;

static void die(const char *what)
{
	fprintf(stderr, "ptlstorm: %s: %s\n", what, strerror(errno));
	exit(2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(fault_jmp, 1);
}

/*
 * Write @v to *@p and read it back into *@r; -1 if that faulted (SIGSEGV).
 * WRITE_ONCE(), READ_ONCE(): the accesses must happen here, between
 * sigsetjmp() and return.
 */
static int touch(uint64_t *p, uint64_t v, uint64_t *r)
{
	if (sigsetjmp(fault_jmp, 0))
		return -1;
	WRITE_ONCE(*p, v);
	*r = READ_ONCE(*p);
	return 0;
}

static void map_region(int flags)
{
	void *p = mmap(base, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);

	if (p == MAP_FAILED)
		die("mmap of the region");
	if (p != base) {
		errno = EEXIST;
		die("the region's address was taken");
	}
	if (thp && madvise(base, size, MADV_HUGEPAGE))
		die("MADV_HUGEPAGE");
}

static void *faulter(void *arg)
{
	long id = (long)arg;
	uint64_t seq = 0;
	unsigned int last = ~0u;
	size_t idx = 0;

	while (!atomic_load(&stop)) {
		unsigned int g = atomic_load(&gen), g2;
		uint64_t *p;
		uint64_t v, r;

		if (g != last) {	/* a new mapping: start over */
			last = g;
			idx = id;
		}
		if (idx >= npages) {	/* every page of ours is mapped */
			sched_yield();
			continue;
		}
		p = (uint64_t *)(base + idx * page);
		idx += nr_faulters;
		v = (uint64_t)id << 48 | ++seq;
		if (touch(p, v, &r)) {
			atomic_fetch_add(&segvs, 1);
			continue;
		}
		g2 = atomic_load(&gen);
		atomic_fetch_add(&faults, 1);
		atomic_fetch_add(&faults_in_gen, 1);
		if (g == g2 && !(g & 1) && r != v) {
			atomic_fetch_add(&violations, 1);
			fprintf(stderr, "VIOLATION: page %zu read %#llx after writing %#llx\n",
				idx - nr_faulters, (unsigned long long)r,
				(unsigned long long)v);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t tids[MAX_FAULTERS];
	struct sigaction sa = { .sa_handler = on_segv, .sa_flags = SA_NODEFER };
	double seconds = 10, end;
	uint64_t rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
	unsigned long mib = 2;
	char *res;
	int c;
	long i;

	while ((c = getopt(argc, argv, "s:t:m:H")) != -1) {
		switch (c) {
		case 's':
			seconds = atof(optarg);
			break;
		case 't':
			nr_faulters = atoi(optarg);
			break;
		case 'm':
			mib = strtoul(optarg, NULL, 0);
			break;
		case 'H':
			thp = 1;
			break;
		default:
			fprintf(stderr, "usage: ptlstorm [-s SECONDS] [-t FAULTERS] [-m MIB] [-H]\n");
			return 2;
		}
	}
	if (nr_faulters < 1 || nr_faulters > MAX_FAULTERS || mib < 2 || mib % 2) {
		fprintf(stderr, "ptlstorm: 1..%d faulters, an even MIB >= 2\n", MAX_FAULTERS);
		return 2;
	}
	page = sysconf(_SC_PAGESIZE);
	size = mib << 20;
	npages = size / page;
	if (!thp && prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0))
		die("PR_SET_THP_DISABLE");
	if (sigaction(SIGSEGV, &sa, NULL))
		die("sigaction");
	/* threads first: their stacks must not land in the region's hole */
	for (i = 0; i < nr_faulters; i++) {
		errno = pthread_create(&tids[i], NULL, faulter, (void *)i);
		if (errno)
			die("pthread_create");
	}
	/* a PMD-aligned place, with guard PMDs around it kept reserved */
	res = mmap(NULL, size + 4 * PMD_SIZE, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		die("mmap of the reservation");
	base = (char *)(((uintptr_t)res + 2 * PMD_SIZE - 1) & ~(PMD_SIZE - 1));
	map_region(MAP_FIXED);
	atomic_store(&gen, 2);

	end = now() + seconds;
	while (now() < end) {
		long target = 1 + (long)((rng >> 33) % (npages / 2));
		double give_up = now() + 0.02;

		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		while (atomic_load(&faults_in_gen) < target && now() < give_up)
			sched_yield();
		atomic_fetch_add(&gen, 1);
		if (rng & 1) {
			if (munmap(base, size))
				die("munmap of the region");
			map_region(MAP_FIXED_NOREPLACE);
		} else {
			map_region(MAP_FIXED);
		}
		atomic_store(&faults_in_gen, 0);
		atomic_fetch_add(&gen, 1);
		atomic_fetch_add(&rounds, 1);
	}
	atomic_store(&stop, 1);
	for (i = 0; i < nr_faulters; i++)
		pthread_join(tids[i], NULL);
	printf("ptlstorm rounds %ld faults %ld segv %ld violations %ld\n",
	       atomic_load(&rounds), atomic_load(&faults), atomic_load(&segvs),
	       atomic_load(&violations));
	return atomic_load(&violations) ? 1 : 0;
}
