// SPDX-License-Identifier: GPL-2.0
/*
 * holefill: a tmpfs hole that a fault fills with no lock held must land
 * before a write section of the mm that began meanwhile returns, as
 * stock's fill (under mmap_lock held for read) does (src/fill_sync.c).
 *
 *   holefill mmap|munmap|uffd ROUNDS
 *
 * Run it in a task named "holefill" that the module's
 * test_shmem_fill_window names, so that each lockless fill sleeps 200 ms
 * before the getter. Each round:
 * 1. a memfd of two pages (holes), mapped shared; the main thread reads
 *    page 1 (its fault puts the mapping in the shadow tree), then punches
 *    it out again;
 * 2. a second thread reads page 0, a hole: a lockless fill, asleep;
 * 3. 50 ms later the main thread begins a write section over both pages,
 *    and once that returns punches the whole file:
 *    - mmap: maps anonymous memory over them (MAP_FIXED);
 *    - munmap: unmaps them (the reader's retry then meets SIGSEGV);
 *    - uffd: registers them with a userfaultfd, MISSING mode;
 * 4. the file must hold no block (st_blocks 0) 300 ms later: the fill had
 *    to land before the call returned, and the punch then took it out. A
 *    fill that landed after the punch leaves a block (and in uffd mode
 *    hides the hole from the monitor). In uffd mode the reader's retry
 *    maps the page if it comes before the punch, else it is a MISSING
 *    event for page 0, which the main thread resolves with a zero page.
 * The call's time is reported: about 150 ms when it waits for the fill.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "clock.h"
#include "verdict.h"

#define PAGE_SZ	4096L

enum mode { MODE_MMAP, MODE_MUNMAP, MODE_UFFD };

static const char *const mode_name[] = { "mmap", "munmap", "uffd" };
static enum mode mode;
static char *area;
static atomic_int go;
static sigjmp_buf reader_jb;	/* the reader's, in munmap mode */
static int events;		/* MISSING events, in uffd mode */

static void on_segv(int sig __maybe_unused)
{
	siglongjmp(reader_jb, 1);
}

static void *reader(void *arg)
{
	while (!atomic_load(&go))
		;
	if (!sigsetjmp(reader_jb, 1))
		(void)READ_ONCE(area[0]);	/* a hole: filled, retried */
	return arg;
}

static void punch(int fd, long len)
{
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, len))
		finish(2, "fallocate(PUNCH_HOLE): %s", strerror(errno));
}

/* The write section over [area, +2 pages) that mode names. */
static void write_section(int uffd)
{
	struct uffdio_register reg = {
		.range = { (unsigned long)area, 2 * PAGE_SZ },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	int ret;

	if (mode == MODE_MMAP)
		ret = mmap(area, 2 * PAGE_SZ, PROT_READ, MAP_FIXED |
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED;
	else if (mode == MODE_MUNMAP)
		ret = munmap(area, 2 * PAGE_SZ);
	else
		ret = ioctl(uffd, UFFDIO_REGISTER, &reg);
	if (ret)
		finish(2, "%s: %s", mode_name[mode], strerror(errno));
}

/*
 * uffd mode: the reader's retry maps the page if it came before the punch
 * (its access began before the registration, as in stock), or else
 * reaches the userfaultfd as a MISSING event: resolve that with a zero
 * page. Return: whether there was an event.
 */
static bool missing_event(int uffd, pthread_t t, int r)
{
	static char zero[PAGE_SZ] __aligned(PAGE_SZ);
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	struct uffdio_copy copy = {
		.dst = (unsigned long)area, .src = (unsigned long)zero,
		.len = PAGE_SZ,
	};
	struct uffd_msg msg;
	int i;

	for (i = 0; i < 100 && pthread_tryjoin_np(t, NULL); i++) {
		if (poll(&pfd, 1, 50) != 1)
			continue;
		if (read(uffd, &msg, sizeof(msg)) != sizeof(msg) ||
		    msg.event != UFFD_EVENT_PAGEFAULT ||
		    msg.arg.pagefault.address != (unsigned long)area)
			finish(1, "round %d: an unexpected userfaultfd event",
			       r);
		if (ioctl(uffd, UFFDIO_COPY, &copy))
			finish(2, "UFFDIO_COPY: %s", strerror(errno));
		pthread_join(t, NULL);
		return true;
	}
	if (i == 100)
		finish(1, "round %d: the reader is stuck", r);
	return false;
}

/* One round; returns the write section's seconds, or fails. */
static double round_once(int uffd, int r)
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
	write_section(uffd);
	waited = now_s() - t0;
	punch(fd, 2 * PAGE_SZ);
	sleep_us(300000);	/* the fill's 200 ms are over */
	if (fstat(fd, &st))
		finish(2, "fstat: %s", strerror(errno));
	if (st.st_blocks)
		finish(1, "round %d: the file holds %lld blocks after %s and a hole punch: a fill landed after the call returned (which took %.0f ms)",
		       r, (long long)st.st_blocks, mode_name[mode], waited * 1e3);
	if (mode == MODE_UFFD)
		events += missing_event(uffd, t, r);
	else
		pthread_join(t, NULL);
	munmap(area, 2 * PAGE_SZ);	/* unregisters too */
	close(fd);
	return waited;
}

static int uffd_open(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api))
		finish(2, "userfaultfd: %s", strerror(errno));
	return uffd;
}

int main(int argc, char **argv)
{
	int rounds = argc > 2 ? atoi(argv[2]) : 0;
	struct sigaction sa = { .sa_handler = on_segv };
	int uffd = -1;
	double sum = 0;
	int r;

	verdict_name = "holefill";
	for (mode = MODE_MMAP; mode <= MODE_UFFD; mode++)
		if (argc > 1 && !strcmp(argv[1], mode_name[mode]))
			break;
	if (mode > MODE_UFFD || rounds <= 0)
		finish(2, "usage: holefill mmap|munmap|uffd ROUNDS");
	if (sigaction(SIGSEGV, &sa, NULL))
		finish(2, "sigaction: %s", strerror(errno));
	if (mode == MODE_UFFD)
		uffd = uffd_open();
	for (r = 0; r < rounds; r++)
		sum += round_once(uffd, r);
	finish(0, "%s: rounds %d, the call over a fill took %.0f ms on average, %d MISSING events",
	       mode_name[mode], rounds, sum / rounds * 1e3, events);
}
