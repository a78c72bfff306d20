// SPDX-License-Identifier: GPL-2.0
/*
 * rcufault test workloads: fault pages, verify what was written, race
 * threads on the same pages, and churn the address space meanwhile.
 *
 *   workload fault  [-t THREADS] [-p PAGES] [-i ITERS]
 *	each thread faults its own part of one shared mapping (write a
 *	pattern, verify it), then MADV_DONTNEED, ITERS times; no THP, so
 *	every page is one fault
 *   workload procs  [-t PROCS] [-p PAGES] [-i ITERS]
 *	the same in PROCS processes, each with its own mapping and mm: the
 *	ceiling with no shared mmap_lock
 *   workload race   [-p PAGES]
 *	two threads fault the same fresh pages, the second just after the
 *	first: a test of faults that find the page already mapped
 *   workload churn  [-i ITERS]
 *	mmap/write/mprotect/verify/munmap loops in one thread
 *   workload mixed  [-t THREADS] [-p PAGES] [-i ITERS]
 *	fault threads plus one churn thread, all in one process
 *
 * Prints "pages_touched N errors N minflt N elapsed_ns N" and, when the
 * churn thread ran, "writer_ops N writer_p50_ns N writer_p99_ns N" (latency
 * of one mmap+write+mprotect+munmap round). minflt: the process's minor
 * faults (getrusage). Exits 1 if any data read back differs from what was
 * written.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long page_size;
static int nr_threads = 2, nr_pages = 256, nr_iters = 10;
static atomic_long pages_touched, errors;
static atomic_int churn_stop;
static char *shared_area;

#define MAX_LAT 200000
static long writer_lat[MAX_LAT];
static long writer_ops;

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static void print_writer_latency(void)
{
	long n = writer_ops < MAX_LAT ? writer_ops : MAX_LAT;

	if (!n)
		return;
	qsort(writer_lat, n, sizeof(long), cmp_long);
	printf("writer_ops %ld writer_p50_ns %ld writer_p99_ns %ld\n",
	       writer_ops, writer_lat[n / 2], writer_lat[n * 99 / 100]);
}

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static uint64_t pattern(int thread, int iter, long page)
{
	return ((uint64_t)thread << 48) ^ ((uint64_t)iter << 32) ^ (uint64_t)page ^ 0x5a5a000000005a5aULL;
}

/* Write a pattern into every page of [p, p + n pages), then check it. */
static void fill_and_verify(char *p, long n, int thread, int iter)
{
	long i;

	for (i = 0; i < n; i++)
		*(volatile uint64_t *)(p + i * page_size) = pattern(thread, iter, i);
	for (i = 0; i < n; i++)
		if (*(volatile uint64_t *)(p + i * page_size) != pattern(thread, iter, i))
			atomic_fetch_add(&errors, 1);
	atomic_fetch_add(&pages_touched, n);
}

static void *fault_thread(void *arg)
{
	int t = (int)(long)arg, it;
	char *mine = shared_area + (long)t * nr_pages * page_size;

	for (it = 0; it < nr_iters; it++) {
		fill_and_verify(mine, nr_pages, t, it);
		if (madvise(mine, nr_pages * page_size, MADV_DONTNEED))
			die("madvise");
	}
	return NULL;
}

static void *churn_thread(void *arg)
{
	long n = 16, it;
	long iters = (long)arg;

	for (it = 0; iters < 0 ? !atomic_load(&churn_stop) : it < iters; it++) {
		long t0 = now_ns();
		char *p = mmap(NULL, n * page_size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			die("mmap");
		fill_and_verify(p, n, 99, (int)it);
		if (mprotect(p, n * page_size, PROT_READ))
			die("mprotect");
		if (*(volatile uint64_t *)(p + (n - 1) * page_size) != pattern(99, (int)it, n - 1))
			atomic_fetch_add(&errors, 1);
		if (munmap(p, n * page_size))
			die("munmap");
		if (writer_ops < MAX_LAT)
			writer_lat[writer_ops] = now_ns() - t0;
		writer_ops++;
	}
	return NULL;
}

static atomic_long race_next = -1;

static void *race_first(void *arg)
{
	char *p = arg;
	long i;

	for (i = 0; i < nr_pages; i++) {
		atomic_store(&race_next, i);
		*(volatile uint64_t *)(p + i * page_size) = pattern(1, 0, i);
		while (atomic_load(&race_next) != -2 - i)
			;
	}
	return NULL;
}

static void *race_second(void *arg)
{
	char *p = arg;
	long i;

	for (i = 0; i < nr_pages; i++) {
		while (atomic_load(&race_next) != i)
			;
		usleep(1000);	/* fault while the first thread is in its fault */
		while (*(volatile uint64_t *)(p + i * page_size) != pattern(1, 0, i))
			;
		atomic_store(&race_next, -2 - i);
	}
	atomic_fetch_add(&pages_touched, nr_pages);
	return NULL;
}

static void run_race(void)
{
	pthread_t a, b;
	char *p = mmap(NULL, nr_pages * page_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	if (pthread_create(&b, NULL, race_second, p) || pthread_create(&a, NULL, race_first, p))
		die("pthread_create");
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	munmap(p, nr_pages * page_size);
}

static void run_faults(int with_churn)
{
	pthread_t th[256], churn;
	int t;

	shared_area = mmap(NULL, (long)nr_threads * nr_pages * page_size,
			   PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (shared_area == MAP_FAILED)
		die("mmap");
	/* one fault per page, so that counts are exact */
	if (madvise(shared_area, (long)nr_threads * nr_pages * page_size, MADV_NOHUGEPAGE))
		die("madvise(MADV_NOHUGEPAGE)");
	if (with_churn && pthread_create(&churn, NULL, churn_thread, (void *)-1L))
		die("pthread_create");
	for (t = 0; t < nr_threads; t++)
		if (pthread_create(&th[t], NULL, fault_thread, (void *)(long)t))
			die("pthread_create");
	for (t = 0; t < nr_threads; t++)
		pthread_join(th[t], NULL);
	if (with_churn) {
		atomic_store(&churn_stop, 1);
		pthread_join(churn, NULL);
	}
}

/* fault mode in @nr_threads processes; sums their counts through a pipe */
static void run_procs(void)
{
	int fds[2], t, status;
	long touched, errs;
	char buf[64];
	FILE *f;

	if (pipe(fds))
		die("pipe");
	for (t = 0; t < nr_threads; t++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (!pid) {
			nr_threads = 1;
			run_faults(0);
			snprintf(buf, sizeof(buf), "%ld %ld\n", atomic_load(&pages_touched),
				 atomic_load(&errors));
			if (write(fds[1], buf, strlen(buf)) < 0)
				_exit(2);
			_exit(0);
		}
	}
	close(fds[1]);
	for (t = 0; t < nr_threads; t++) {
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			atomic_fetch_add(&errors, 1);
	}
	f = fdopen(fds[0], "r");
	while (f && fscanf(f, "%ld %ld", &touched, &errs) == 2) {
		atomic_fetch_add(&pages_touched, touched);
		atomic_fetch_add(&errors, errs);
	}
	if (f)
		fclose(f);
}

static void usage(void)
{
	fprintf(stderr, "usage: workload fault|procs|race|churn|mixed [-t THREADS] [-p PAGES] [-i ITERS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct rusage ru;
	const char *mode;
	long t0, elapsed;
	int c;

	if (argc < 2)
		usage();
	mode = argv[1];
	optind = 2;
	while ((c = getopt(argc, argv, "t:p:i:")) != -1) {
		switch (c) {
		case 't': nr_threads = atoi(optarg); break;
		case 'p': nr_pages = atoi(optarg); break;
		case 'i': nr_iters = atoi(optarg); break;
		default: usage();
		}
	}
	if (nr_threads < 1 || nr_threads > 256 || nr_pages < 1 || nr_iters < 1)
		usage();
	page_size = sysconf(_SC_PAGESIZE);
	t0 = now_ns();
	if (!strcmp(mode, "fault"))
		run_faults(0);
	else if (!strcmp(mode, "procs"))
		run_procs();
	else if (!strcmp(mode, "mixed"))
		run_faults(1);
	else if (!strcmp(mode, "race"))
		run_race();
	else if (!strcmp(mode, "churn"))
		churn_thread((void *)(long)nr_iters);
	else
		usage();
	elapsed = now_ns() - t0;
	getrusage(RUSAGE_SELF, &ru);
	printf("pages_touched %ld errors %ld minflt %ld elapsed_ns %ld\n",
	       atomic_load(&pages_touched), atomic_load(&errors), ru.ru_minflt, elapsed);
	print_writer_latency();
	return atomic_load(&errors) ? 1 : 0;
}
