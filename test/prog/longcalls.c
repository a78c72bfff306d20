// SPDX-License-Identifier: GPL-2.0
/*
 * longcalls: long mm system calls, for unloading rcufault while tasks are
 * inside the calls it hooks (src/range_token.c redirects them into module
 * text until they return).
 *
 *   longcalls SECONDS MIB [THREADS]
 *
 * THREADS (default 3) threads, for SECONDS, each repeat: mmap() MIB MiB of
 * anonymous memory with MAP_POPULATE (vm_mmap_pgoff() populates it before
 * it returns), check that it reads zero and write a pattern to it;
 * mprotect() it read-only and check the pattern; mlock() and munlock() it;
 * munmap() it (freeing MIB MiB). Each call's result is checked (the
 * address, or 0). The calls are long under emulation, so an unload started
 * at any moment finds some thread inside one.
 *
 *   longcalls park SECONDS
 *
 * One mlock() held inside the kernel for SECONDS: the range is registered
 * with userfaultfd (missing faults), so mlock()'s populate waits in the
 * first fault until a second thread, which prints "parked" when that
 * fault reaches it, answers SECONDS later with zero pages. It prints
 * "answered at T" (CLOCK_REALTIME, seconds) just before. mlock() must
 * then return 0, and the range read zero.
 *
 * Prints "longcalls PASS ..." or "longcalls FAIL: ..." and exits 0 or 1
 * (2: could not run).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include "verdict.h"

static size_t len;
static time_t deadline;
static atomic_long rounds;

/* check every page of @p holds @want in its first word, then write @next */
static const char *check_pages(uint64_t *p, uint64_t want, uint64_t next,
			       int write)
{
	size_t i, words = len / sizeof(*p), step = 4096 / sizeof(*p);

	for (i = 0; i < words; i += step) {
		if (p[i] != want)
			return "a page held the wrong data";
		if (write)
			p[i] = next;
	}
	return NULL;
}

static const char *one_round(uint64_t tag)
{
	uint64_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	const char *err;

	if (p == MAP_FAILED)
		return "mmap failed";
	err = check_pages(p, 0, tag, 1);
	if (!err && mprotect(p, len, PROT_READ))
		err = "mprotect failed";
	if (!err)
		err = check_pages(p, tag, 0, 0);
	if (!err && mlock(p, len))
		err = "mlock failed";
	if (!err && munlock(p, len))
		err = "munlock failed";
	if (munmap(p, len) && !err)
		err = "munmap failed";
	return err;
}

static void *worker(void *arg)
{
	uint64_t tag = (uintptr_t)arg << 32;
	const char *err;

	while (!atomic_load(&stop) && time(NULL) < deadline) {
		err = one_round(++tag);
		if (err)
			finish(1, "%s (errno %d, thread %lu)", err, errno,
			       (unsigned long)(uintptr_t)arg);
		atomic_fetch_add(&rounds, 1);
	}
	return NULL;
}

#define PARK_PAGES	16

static int uffd, park_seconds;
static char *park_area;

/* the monitor: answer the first fault park_seconds after it arrived */
static void *monitor(void *arg __maybe_unused)
{
	struct uffdio_zeropage zp = {
		.range = { (uintptr_t)park_area, PARK_PAGES * 4096 },
	};
	struct uffd_msg msg;
	struct timespec ts;

	if (read(uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT)
		finish(2, "reading the userfaultfd event (errno %d)", errno);
	printf("parked\n");
	fflush(stdout);
	sleep(park_seconds);
	clock_gettime(CLOCK_REALTIME, &ts);
	printf("answered at %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
	fflush(stdout);
	if (ioctl(uffd, UFFDIO_ZEROPAGE, &zp))
		finish(2, "UFFDIO_ZEROPAGE (errno %d)", errno);
	return NULL;
}

static void __noreturn park(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	pthread_t tid;
	int i;

	uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api))
		finish(2, "userfaultfd (errno %d)", errno);
	park_area = mmap(NULL, PARK_PAGES * 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (park_area == MAP_FAILED)
		finish(2, "mmap");
	reg.range.start = (uintptr_t)park_area;
	reg.range.len = PARK_PAGES * 4096;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		finish(2, "UFFDIO_REGISTER (errno %d)", errno);
	if (pthread_create(&tid, NULL, monitor, NULL))
		finish(2, "pthread_create");
	if (mlock(park_area, PARK_PAGES * 4096))
		finish(1, "the parked mlock failed (errno %d)", errno);
	for (i = 0; i < PARK_PAGES * 4096; i++)
		if (park_area[i])
			finish(1, "the parked range read %d at byte %d", park_area[i], i);
	pthread_join(tid, NULL);
	finish(0, "mlock parked %d s by a userfaultfd monitor returned 0; the range reads zero",
	       park_seconds);
}

int main(int argc, char **argv)
{
	int i, threads = argc > 3 ? atoi(argv[3]) : 3;
	pthread_t tid[16];

	verdict_name = "longcalls";
	if (argc == 3 && !strcmp(argv[1], "park") && atoi(argv[2]) > 0) {
		park_seconds = atoi(argv[2]);
		park();
	}
	if (argc < 3 || atoi(argv[1]) <= 0 || atoi(argv[2]) <= 0 ||
	    threads <= 0 || threads > 16)
		finish(2, "usage: longcalls SECONDS MIB [THREADS (1-16)] | longcalls park SECONDS");
	len = (size_t)atoi(argv[2]) << 20;
	deadline = time(NULL) + atoi(argv[1]);
	for (i = 0; i < threads; i++)
		if (pthread_create(&tid[i], NULL, worker, (void *)(uintptr_t)(i + 1)))
			finish(2, "pthread_create");
	for (i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	finish(0, "%ld rounds of mmap/mprotect/mlock/munlock/munmap, %d threads, %d MiB each",
	       atomic_load(&rounds), threads, atoi(argv[2]));
}
