// SPDX-License-Identifier: GPL-2.0
/*
 * swapzap: lockless swap-ins from the swap cache while another thread
 * zaps the page each one has just mapped (src/fault_swap_cache.c, step 4:
 * after the PTE lock is dropped, the folio still locked, the new mapping
 * may be zapped and its reference dropped).
 *
 *   swapzap SECONDS
 *
 * Run it on an asynchronous swap device (swap on a loop device: a page
 * paged out stays in the swap cache until reclaim finds it written back,
 * and a fault on its swap PTE maps it from there), in a task named
 * "swapzap" that the module's test_swap_cache_zap_window names, so that
 * each such swap-in sleeps 2 ms after its commit with the page mapped.
 *
 * Rounds of: 64 pages written, each with its own value, and paged out
 * (MADV_PAGEOUT; mincore() counts a page that left the swap cache too,
 * paged_out; the guest test counts the swap-ins themselves); then
 * the main thread writes every page again, one by one, while a second
 * thread, told which page is next, waits 300 us and zaps that page
 * (MADV_DONTNEED): into the 2 ms window. A page written reads back its new
 * value, or zero if the zap came after the write; never anything else.
 * The kernel log must stay clean: a swap-in that freed or leaked the page
 * it had just mapped shows there ("Bad page state").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "clock.h"
#include "verdict.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define PAGES	64
#define PAGE_SZ	4096L

static char *area;
static atomic_long next_page = -1;
static atomic_long zaps;

static uint64_t value(long round, long page)
{
	return 0x5a00000000000000ull | (uint64_t)round << 16 | (uint64_t)page;
}

/* The zapper: MADV_DONTNEED of each page the main thread announces. */
static void *zapper(void *arg)
{
	long seen = -1, p;

	while (!atomic_load(&stop)) {
		p = atomic_load(&next_page);
		if (p < 0 || p == seen) {
			sched_yield();
			continue;
		}
		seen = p;
		sleep_us(300);
		if (madvise(area + (p % PAGES) * PAGE_SZ, PAGE_SZ, MADV_DONTNEED))
			finish(2, "madvise(MADV_DONTNEED): %s", strerror(errno));
		atomic_fetch_add(&zaps, 1);
	}
	return arg;
}

/* Write every page, page them out; the number that left memory. */
static int fill_and_page_out(long round)
{
	unsigned char vec[PAGES];
	int p, out = 0;

	for (p = 0; p < PAGES; p++)
		WRITE_ONCE(*(uint64_t *)(area + p * PAGE_SZ), value(round, p));
	if (madvise(area, PAGES * PAGE_SZ, MADV_PAGEOUT))
		finish(2, "madvise(MADV_PAGEOUT): %s", strerror(errno));
	sleep_us(20000);	/* the loop device's writeback */
	if (mincore(area, PAGES * PAGE_SZ, vec))
		finish(2, "mincore: %s", strerror(errno));
	for (p = 0; p < PAGES; p++)
		out += !(vec[p] & 1);
	return out;
}

int main(int argc, char **argv)
{
	long seconds, round, p, seq = 0, paged_out = 0;
	pthread_t th;
	double end;

	verdict_name = "swapzap";
	seconds = argc == 2 ? strtol(argv[1], NULL, 10) : 0;
	if (seconds <= 0)
		finish(2, "usage: swapzap SECONDS");
	area = mmap(NULL, PAGES * PAGE_SZ, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		finish(2, "mmap: %s", strerror(errno));
	if (madvise(area, PAGES * PAGE_SZ, MADV_NOHUGEPAGE))
		finish(2, "madvise(MADV_NOHUGEPAGE): %s", strerror(errno));
	if (pthread_create(&th, NULL, zapper, NULL))
		finish(2, "pthread_create");
	end = now_s() + seconds;
	for (round = 0; now_s() < end; round++) {
		paged_out += fill_and_page_out(round);
		for (p = 0; p < PAGES; p++) {
			uint64_t *w = (uint64_t *)(area + p * PAGE_SZ);
			uint64_t v = value(round + 1, p), got;

			atomic_store(&next_page, seq++ * PAGES + p);
			WRITE_ONCE(*w, v);	/* a swap-in from the swap cache, if still out */
			got = READ_ONCE(*w);
			if (got != v && got != 0)
				finish(1, "round %ld page %ld reads %#llx: wrote %#llx (or zero after a zap)",
				       round, p, (unsigned long long)got,
				       (unsigned long long)v);
		}
	}
	finish(0, "rounds %ld paged_out %ld zaps %ld", round, paged_out,
	       atomic_load(&zaps));
}
