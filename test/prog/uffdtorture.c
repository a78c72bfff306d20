// SPDX-License-Identifier: GPL-2.0
/*
 * uffdtorture: userfaultfd, as CRIU, QEMU's post-copy migration and
 * garbage collectors use it, beside lockless faults. Every fault that
 * userfaultfd owns must reach its handler, never be served by rcufault.
 *
 *   uffdtorture missing|wp SECONDS [THREADS]
 *
 * Rounds for SECONDS. Each round maps a fresh 2 MiB private anonymous
 * area of 512 pages, and THREADS threads (default 2) each touch their
 * own pages in a shuffled order.
 *
 * missing: the area is registered for missing faults
 * (UFFDIO_REGISTER_MODE_MISSING) before any page is touched, so every
 * first touch must reach the handler thread, which fills the page with
 * UFFDIO_COPY from a page stamped with the round and page number. Once
 * the first copy has given the area its anon_vma, the other pages'
 * faults are ones rcufault's anonymous path would serve with a zero
 * page if it ignored userfaultfd. Each toucher checks the stamp it reads;
 * each page must have been copied exactly once.
 *
 * wp: the area is written first (stamping each page: exclusive anonymous
 * pages, which rcufault's write-protect path would reuse), then
 * registered for write-protect faults (UFFDIO_REGISTER_MODE_WP) and
 * write-protected whole (UFFDIO_WRITEPROTECT). Each thread then writes
 * every one of its pages: every page's write must reach the handler,
 * which marks it and unprotects it, before the write lands. Each
 * toucher then checks its page holds its write.
 *
 * Prints "uffdtorture PASS rounds N events N ..." or "uffdtorture FAIL:
 * ...". Exits 2 if userfaultfd is not available.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "verdict.h"

#define PAGE		4096UL
#define NPAGES		512
#define AREA		(NPAGES * PAGE)
#define MAX_THREADS	8

static int wp_mode;
static int uffd;
static char *area;
static unsigned long round_no;
static int nthreads = 2;
static atomic_int handled[NPAGES];	/* events resolved per page, this round */
static atomic_long events;
static pthread_barrier_t go;

static uint64_t stamp(unsigned long round, unsigned long page)
{
	return (round << 20) | page;
}

static void ioctl_or_die(unsigned long req, void *arg, const char *what)
{
	if (ioctl(uffd, req, arg) && errno != EEXIST)
		finish(1, "%s: %s (round %lu)", what, strerror(errno), round_no);
}

/* Resolve one fault: a copy of the stamped page, or a write-unprotect. */
static void resolve(unsigned long addr, unsigned long flags)
{
	unsigned long page = (addr - (unsigned long)area) / PAGE;
	static uint64_t src[PAGE / 8] __aligned(4096);

	if (page >= NPAGES)
		finish(1, "a fault at %#lx outside the area", addr);
	if (wp_mode) {
		struct uffdio_writeprotect wp = {
			.range = { (unsigned long)area + page * PAGE, PAGE },
		};

		if (!(flags & UFFD_PAGEFAULT_FLAG_WP))
			finish(1, "a missing fault in wp mode at page %lu", page);
		atomic_fetch_add(&handled[page], 1);
		ioctl_or_die(UFFDIO_WRITEPROTECT, &wp, "UFFDIO_WRITEPROTECT off");
	} else {
		struct uffdio_copy copy = {
			.dst = (unsigned long)area + page * PAGE,
			.src = (unsigned long)src, .len = PAGE,
		};

		src[0] = stamp(round_no, page);
		/* counted first: the copy wakes the toucher, which may end the round */
		atomic_fetch_add(&handled[page], 1);
		if (ioctl(uffd, UFFDIO_COPY, &copy) == 0)
			;
		else if (errno == EEXIST)
			atomic_fetch_sub(&handled[page], 1);
		else
			finish(1, "UFFDIO_COPY: %s", strerror(errno));
	}
	atomic_fetch_add(&events, 1);
}

static void *handler(void *unused __maybe_unused)
{
	struct pollfd p = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;

	while (!atomic_load(&stop)) {
		if (poll(&p, 1, 100) <= 0)
			continue;
		if (read(uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;	/* EAGAIN: another reader, or none left */
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			finish(1, "unexpected userfaultfd event %u", msg.event);
		resolve(msg.arg.pagefault.address, msg.arg.pagefault.flags);
	}
	return NULL;
}

/* The pages thread @t owns: every nthreads-th, visited in a shuffled order. */
static void *toucher(void *arg)
{
	long t = (long)arg;
	unsigned int seed = (unsigned int)(round_no * 31 + t);
	unsigned long pages[NPAGES], n = 0, i;

	for (i = t; i < NPAGES; i += nthreads)
		pages[n++] = i;
	for (i = n - 1; i > 0; i--) {
		unsigned long j = rand_r(&seed) % (i + 1), x = pages[i];

		pages[i] = pages[j];
		pages[j] = x;
	}
	pthread_barrier_wait(&go);
	for (i = 0; i < n; i++) {
		uint64_t *p = (uint64_t *)(area + pages[i] * PAGE);
		uint64_t want = stamp(round_no, pages[i]), got;

		if (wp_mode) {
			WRITE_ONCE(p[1], want + 1);
			if (READ_ONCE(p[1]) != want + 1 || READ_ONCE(p[0]) != want)
				finish(1, "page %lu lost its data after the write-protect fault",
				       pages[i]);
			continue;
		}
		got = READ_ONCE(p[0]);
		if (got != want)
			finish(1, "page %lu reads %#llx, not the handler's stamp %#llx: a missing fault did not reach userfaultfd (round %lu)",
			       pages[i], (unsigned long long)got,
			       (unsigned long long)want, round_no);
	}
	return NULL;
}

static void register_area(void)
{
	struct uffdio_register reg = {
		.range = { (unsigned long)area, AREA },
		.mode = wp_mode ? UFFDIO_REGISTER_MODE_WP : UFFDIO_REGISTER_MODE_MISSING,
	};

	ioctl_or_die(UFFDIO_REGISTER, &reg, "UFFDIO_REGISTER");
	if (wp_mode) {
		struct uffdio_writeprotect wp = {
			.range = { (unsigned long)area, AREA },
			.mode = UFFDIO_WRITEPROTECT_MODE_WP,
		};

		ioctl_or_die(UFFDIO_WRITEPROTECT, &wp, "UFFDIO_WRITEPROTECT on");
	}
}

static void one_round(void)
{
	pthread_t th[MAX_THREADS];
	unsigned long i;
	long t;

	area = mmap(NULL, AREA, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		finish(2, "mmap: %s", strerror(errno));
	madvise(area, AREA, MADV_NOHUGEPAGE);	/* page-sized faults */
	for (i = 0; i < NPAGES; i++) {
		atomic_store(&handled[i], 0);
		if (wp_mode)
			*(uint64_t *)(area + i * PAGE) = stamp(round_no, i);
	}
	register_area();
	for (t = 0; t < nthreads; t++)
		pthread_create(&th[t], NULL, toucher, (void *)t);
	pthread_barrier_wait(&go);
	for (t = 0; t < nthreads; t++)
		pthread_join(th[t], NULL);
	for (i = 0; i < NPAGES; i++)
		if (atomic_load(&handled[i]) != 1)
			finish(1, "page %lu: %d %s, not 1 (round %lu)%s", i,
			       atomic_load(&handled[i]),
			       wp_mode ? "write-protect faults" : "copies", round_no,
			       wp_mode ? ": a write to a write-protected page did not reach userfaultfd" : "");
	munmap(area, AREA);	/* unregisters too */
}

int main(int argc, char **argv)
{
	struct uffdio_api api = { .api = UFFD_API };
	pthread_t h;
	time_t end;

	verdict_name = "uffdtorture";
	if (argc < 3 || (strcmp(argv[1], "missing") && strcmp(argv[1], "wp")))
		finish(2, "usage: uffdtorture missing|wp SECONDS [THREADS]");
	wp_mode = !strcmp(argv[1], "wp");
	if (argc > 3)
		nthreads = atoi(argv[3]);
	if (nthreads < 1 || nthreads > MAX_THREADS)
		finish(2, "THREADS must be 1..%d", MAX_THREADS);
	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		finish(2, "userfaultfd: %s", strerror(errno));
	if (wp_mode)
		api.features = UFFD_FEATURE_PAGEFAULT_FLAG_WP;
	if (ioctl(uffd, UFFDIO_API, &api))
		finish(2, "UFFDIO_API: %s", strerror(errno));
	pthread_barrier_init(&go, NULL, nthreads + 1);
	pthread_create(&h, NULL, handler, NULL);
	end = time(NULL) + atol(argv[2]);
	for (round_no = 1; time(NULL) < end; round_no++)
		one_round();
	finish(0, "%s rounds %lu events %ld pages %lu", argv[1], round_no - 1,
	       atomic_load(&events), (round_no - 1) * NPAGES);
}
