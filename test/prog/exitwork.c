// SPDX-License-Identifier: GPL-2.0
/*
 * A write section run on madvise(2)'s way out to user space, with the
 * call's registers still saved: the module must not take its range from
 * them (src/write_range.c: madvise's flag changes are split at
 * vma_merge() only when do_madvise() calls it).
 *
 *   exitwork [ROUNDS]
 *
 * Two anonymous VMAs, A and B, far apart (PROT_NONE pages around each),
 * are registered with a userfaultfd. An io_uring read of an empty pipe is
 * linked to a close of the userfaultfd; a thread writes the pipe after a
 * short sleep, while the main thread calls madvise(A, one page,
 * MADV_DONTDUMP or MADV_DODUMP) over and over. The read completes in
 * task_work that io_uring queues to the main thread, which runs it on its
 * way out of the current system call, mostly a madvise(): the linked close
 * then drops the last reference of the userfaultfd, whose release
 * write-locks the mm and calls vma_merge() on A, then on B, and clears both
 * VMAs' userfaultfd flags and context. A module that split that section
 * at A with madvise's range would change B outside it: the range audit
 * (test_range_audit) counts that, and the caller checks the count.
 * Each round (default 20) is one userfaultfd. Exits 0 (PASS), 1 when a
 * page lost its data, 2 when the test could not run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "verdict.h"

#define PAGE		4096UL

static char *region;	/* 7 pages: A is page 1, B is page 5 */
static int ring_fd;
static unsigned int *sq_tail, *sq_array, *cq_head, *cq_tail;
static struct io_uring_sqe *sqes;

/* a ring of 2 entries, its SQ and CQ rings and SQEs mapped */
static void ring_setup(void)
{
	struct io_uring_params p = { 0 };
	char *sq, *cq;

	ring_fd = syscall(__NR_io_uring_setup, 2, &p);
	if (ring_fd < 0)
		finish(2, "io_uring_setup: %s", strerror(errno));
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned int),
		  PROT_READ | PROT_WRITE, MAP_SHARED, ring_fd,
		  IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes +
		  p.cq_entries * sizeof(struct io_uring_cqe),
		  PROT_READ | PROT_WRITE, MAP_SHARED, ring_fd,
		  IORING_OFF_CQ_RING);
	sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
		    PROT_READ | PROT_WRITE, MAP_SHARED, ring_fd,
		    IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
		finish(2, "io_uring mmap: %s", strerror(errno));
	sq_tail = (unsigned int *)(sq + p.sq_off.tail);
	sq_array = (unsigned int *)(sq + p.sq_off.array);
	cq_head = (unsigned int *)(cq + p.cq_off.head);
	cq_tail = (unsigned int *)(cq + p.cq_off.tail);
	sq_array[0] = 0;
	sq_array[1] = 1;
}

/* submit a read of @pipe_fd linked to a close of @fd */
static void submit_read_then_close(int pipe_fd, int fd, char *buf)
{
	memset(sqes, 0, 2 * sizeof(*sqes));
	sqes[0].opcode = IORING_OP_READ;
	sqes[0].fd = pipe_fd;
	sqes[0].addr = (uintptr_t)buf;
	sqes[0].len = 1;
	sqes[0].flags = IOSQE_IO_LINK;
	sqes[1].opcode = IORING_OP_CLOSE;
	sqes[1].fd = fd;
	__atomic_store_n(sq_tail, *sq_tail + 2, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, ring_fd, 2, 0, 0, NULL, 0) != 2)
		finish(2, "io_uring_enter: %s", strerror(errno));
}

/* EBUSY while the last round's userfaultfd is still being released */
static void uffd_register(int uffd, char *p)
{
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)p, .len = PAGE },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	for (int i = 0; ioctl(uffd, UFFDIO_REGISTER, &reg); i++) {
		if (errno != EBUSY || i == 1000)
			finish(2, "UFFDIO_REGISTER: %s", strerror(errno));
		usleep(1000);
	}
}

static int pipe_w;

/* write the pipe after a short sleep: the read's task_work is queued */
static void *pipe_writer(void *arg)
{
	usleep(2000);
	if (write(pipe_w, "x", 1) != 1)
		finish(2, "write pipe: %s", strerror(errno));
	return arg;
}

static void *sleeper(void *arg)
{
	pause();
	return arg;
}

/* one userfaultfd, closed by io_uring while madvise() runs; calls made */
static long round_once(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int uffd = syscall(__NR_userfaultfd, O_CLOEXEC), p[2];
	char buf;
	pthread_t t;
	long calls = 0;

	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api))
		finish(2, "userfaultfd: %s", strerror(errno));
	uffd_register(uffd, region + PAGE);
	uffd_register(uffd, region + 5 * PAGE);
	/* O_NONBLOCK: io_uring polls it from the task, no io-wq worker */
	if (pipe2(p, O_NONBLOCK))
		finish(2, "pipe: %s", strerror(errno));
	pipe_w = p[1];
	submit_read_then_close(p[0], uffd, &buf);
	pthread_create(&t, NULL, pipe_writer, NULL);
	/* until the close ran, in task_work, mostly on a madvise()'s way out */
	while (fcntl(uffd, F_GETFD) != -1) {
		if (madvise(region + PAGE, PAGE,
			    calls & 1 ? MADV_DODUMP : MADV_DONTDUMP))
			finish(2, "madvise: %s", strerror(errno));
		calls++;
	}
	pthread_join(t, NULL);
	*cq_head = __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE);
	close(p[0]);
	close(p[1]);
	return calls;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 20;
	long calls = 0;
	pthread_t t;

	verdict_name = "exitwork";
	setvbuf(stdout, NULL, _IOLBF, 0);
	region = mmap(NULL, 7 * PAGE, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED ||
	    mprotect(region + PAGE, PAGE, PROT_READ | PROT_WRITE) ||
	    mprotect(region + 5 * PAGE, PAGE, PROT_READ | PROT_WRITE))
		finish(2, "the region: %s", strerror(errno));
	/* two users: the module keeps state for the mm and its sections */
	pthread_create(&t, NULL, sleeper, NULL);
	region[PAGE] = 1;
	region[5 * PAGE] = 1;
	ring_setup();
	for (int i = 0; i < rounds; i++)
		calls += round_once();
	if (region[PAGE] != 1 || region[5 * PAGE] != 1)
		finish(1, "a page of A or B lost its data");
	finish(0, "rounds %d madvise_calls %ld", rounds, calls);
}
