// SPDX-License-Identifier: GPL-2.0
/*
 * holefill: a tmpfs hole that a fault fills with no lock held must land
 * before a write section of the mm that began meanwhile returns, as
 * stock's fill (under mmap_lock held for read) does (src/fill_sync.c).
 *
 *   holefill ROUNDS
 *
 * Run it in a task named "holefill" that the module's
 * test_shmem_fill_window names, so that each lockless fill sleeps 200 ms
 * before the getter. Each round:
 * 1. a memfd of two pages (holes), mapped shared; the main thread reads
 *    page 1 (its fault puts the mapping in the shadow tree), then punches
 *    it out again;
 * 2. a second thread reads page 0, a hole: a lockless fill, asleep;
 * 3. 50 ms later the main thread maps anonymous memory over both pages
 *    (mmap(MAP_FIXED): a write section), and once that returns punches
 *    the whole file;
 * 4. once the reader is back, the file must hold no block (st_blocks 0):
 *    the fill had to land before the mmap() returned, and the punch then
 *    took it out. A fill that landed after the punch leaves a block.
 * The mmap()'s time is reported: about 150 ms when it waits for the fill.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "clock.h"
#include "verdict.h"

#define PAGE_SZ	4096L

static char *area;
static atomic_int go;

static void *reader(void *arg)
{
	while (!atomic_load(&go))
		;
	(void)READ_ONCE(area[0]);	/* a hole: filled, then retried */
	return arg;
}

static void punch(int fd, long len)
{
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, len))
		finish(2, "fallocate(PUNCH_HOLE): %s", strerror(errno));
}

/* One round; returns the mmap(MAP_FIXED)'s seconds, or fails. */
static double round_once(int r)
{
	int fd = memfd_create("holefill", 0);
	pthread_t t;
	struct stat st;
	double t0, waited;

	if (fd < 0 || ftruncate(fd, 2 * PAGE_SZ))
		finish(2, "memfd: %s", strerror(errno));
	area = mmap(NULL, 2 * PAGE_SZ, PROT_READ, MAP_SHARED, fd, 0);
	if (area == MAP_FAILED)
		finish(2, "mmap: %s", strerror(errno));
	atomic_store(&go, 0);
	if (pthread_create(&t, NULL, reader, NULL))
		finish(2, "pthread_create failed");
	(void)READ_ONCE(area[PAGE_SZ]);
	punch(fd, 2 * PAGE_SZ);
	atomic_store(&go, 1);
	sleep_us(50000);
	t0 = now_s();
	if (mmap(area, 2 * PAGE_SZ, PROT_READ,
		 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED)
		finish(2, "mmap(MAP_FIXED): %s", strerror(errno));
	waited = now_s() - t0;
	punch(fd, 2 * PAGE_SZ);
	pthread_join(t, NULL);
	if (fstat(fd, &st))
		finish(2, "fstat: %s", strerror(errno));
	if (st.st_blocks)
		finish(1, "round %d: the file holds %lld blocks after munmap and hole punch: a fill landed after the mmap(MAP_FIXED) over it returned (which took %.0f ms)",
		       r, (long long)st.st_blocks, waited * 1e3);
	munmap(area, 2 * PAGE_SZ);
	close(fd);
	return waited;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 0;
	double sum = 0;
	int r;

	verdict_name = "holefill";
	if (rounds <= 0)
		finish(2, "usage: holefill ROUNDS");
	for (r = 0; r < rounds; r++)
		sum += round_once(r);
	finish(0, "rounds %d, mmap(MAP_FIXED) over a fill took %.0f ms on average",
	       rounds, sum / rounds * 1e3);
}
