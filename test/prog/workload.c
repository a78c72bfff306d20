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
 *   workload writer [-t THREADS] [-i ITERS]
 *	churn, timed per round, in a process with THREADS - 1 more threads
 *	that only sleep: the writer's own cost where no fault contends with
 *	it (a multi-threaded mm, as in mixed and filefault)
 *   workload mixed  [-t THREADS] [-p PAGES] [-i ITERS]
 *	fault threads plus one churn thread, all in one process
 *   workload reclaim [-t THREADS] [-p PAGES] [-i ITERS]
 *	mixed, meant to run in a memory cgroup whose limit is below
 *	THREADS * PAGES: the first-touch faults enter direct reclaim and
 *	the verify pass reads swapped-out pages back
 *   workload filefault -f FILE [-t THREADS] [-p PAGES] [-i ITERS]
 *	cold file faults plus one churn thread: each iteration drops FILE's
 *	page cache, then each thread maps its own PAGES of FILE read-only
 *	and checks one word per page against file_pattern(); FILE is made
 *	by mkfile (pages_touched counts the file pages and elapsed_ns the
 *	fault phases only)
 *   workload memread -f FILE [-p PAGES] [-i ITERS]
 *	each iteration drops FILE's page cache, maps PAGES pages of it and
 *	reads the mapping through /proc/self/mem (access_remote_vm(): GUP
 *	that may not drop mmap_lock, so the file's I/O runs under it), then
 *	checks one word per page against file_pattern()
 *   workload mkfile -f FILE -p PAGES
 *	write FILE: PAGES pages of file_pattern() words
 *   workload filewrite -f FILE [-s] [-t THREADS] [-p PAGES] [-i ITERS]
 *	fault, but the threads' mapping is of FILE (made here: THREADS *
 *	PAGES pages, of file_pattern() words, or holes with -s) and private
 *	(each write fault copies a file page), or with -s shared (each write
 *	fault dirties a file page; the first pass fills holes); afterwards
 *	each page's first word is read back with pread(): the file's own
 *	(private) or the last pattern written (shared); the timed part is
 *	the faults only
 *   workload fileprocs -f FILE [-s] [-t PROCS] [-p PAGES] [-i ITERS]
 *	filewrite in PROCS processes, each mapping its own part of FILE
 *
 * Prints "pages_touched N errors N minflt N elapsed_ns N majflt N" (the
 * fault threads' pages, never the churn thread's: 0 in churn and writer) and,
 * when the churn thread ran, "writer_ops N writer_p50_ns N writer_p99_ns N"
 * and "writer_pct p10 N p25 N p50 N p75 N p90 N p99 N p99.9 N" (latency of
 * one mmap+write+mprotect+munmap round, ns), and "writer_oncpu_pct p50 N
 * p99 N runq_wait_mean N" (the same with the time the writer waited for a
 * CPU, from its schedstat, taken out of each round; the mean wait).
 * minflt, majflt: the process's faults (getrusage). Exits 1 if any data
 * read back differs from what was written.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel_compat.h"

static long page_size;
static int nr_threads = 2, nr_pages = 256, nr_iters = 10;
static atomic_long pages_touched, errors, file_pages, writer_pages;
static atomic_int churn_stop;
static char *shared_area;
static const char *file_name;
static int file_fd = -1;
static int map_shared;	/* filewrite -s */
static long area_first;	/* the first file page this process maps */
static long fault_ns;	/* when set, the measured time (filefault) */

#define MAX_LAT 200000
/* one writer round: its latency, and how long the writer waited for a CPU */
struct writer_round {
	long ns;
	long runq_ns;	/* -1: no schedstat */
};
static struct writer_round writer_lat[MAX_LAT];
static long writer_ops;

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static int cmp_round(const void *a, const void *b)
{
	long x = ((const struct writer_round *)a)->ns;
	long y = ((const struct writer_round *)b)->ns;

	return (x > y) - (x < y);
}

/* the @per_mille-th of the @n sorted writer latencies */
static long writer_pct(long n, long per_mille)
{
	long i = n * per_mille / 1000;

	return writer_lat[i < n ? i : n - 1].ns;
}

/*
 * The time current has waited on a run queue for a CPU so far, in ns
 * (/proc/thread-self/schedstat's second field, through @fd), or -1.
 */
static long runq_wait_ns(int fd)
{
	char buf[96];
	long cpu, wait;
	ssize_t n = fd < 0 ? -1 : pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = 0;
	return sscanf(buf, "%ld %ld", &cpu, &wait) == 2 ? wait : -1;
}

/*
 * The rounds' latencies with the writer's waits for a CPU taken out, p50
 * and p99 (sorts writer_lat by that; call last). Tells a writer that
 * waited for a CPU (fault threads that no longer block on mmap_lock keep
 * every vCPU busy) from one slowed down in the kernel. Also the mean wait
 * per round.
 */
static void print_writer_oncpu(long n)
{
	long i, wait = 0;

	for (i = 0; i < n; i++) {
		if (writer_lat[i].runq_ns < 0)
			return;		/* no schedstat */
		wait += writer_lat[i].runq_ns;
		writer_lat[i].ns -= writer_lat[i].runq_ns;
	}
	qsort(writer_lat, n, sizeof(writer_lat[0]), cmp_round);
	printf("writer_oncpu_pct p50 %ld p99 %ld runq_wait_mean %ld\n",
	       writer_pct(n, 500), writer_pct(n, 990), wait / n);
}

static void print_writer_latency(void)
{
	static const long pm[] = { 100, 250, 500, 750, 900, 990, 999 };
	static const char *const name[] = { "p10", "p25", "p50", "p75", "p90", "p99", "p99.9" };
	long n = writer_ops < MAX_LAT ? writer_ops : MAX_LAT;
	unsigned int i;

	if (!n)
		return;
	qsort(writer_lat, n, sizeof(writer_lat[0]), cmp_round);
	printf("writer_ops %ld writer_p50_ns %ld writer_p99_ns %ld\n",
	       writer_ops, writer_pct(n, 500), writer_pct(n, 990));
	printf("writer_pct");
	for (i = 0; i < ARRAY_SIZE(pm); i++)
		printf(" %s %ld", name[i], writer_pct(n, pm[i]));
	printf("\n");
	print_writer_oncpu(n);
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

/* the word at the start of page @page of a mkfile file; word j adds j */
static uint64_t file_pattern(long page)
{
	return (uint64_t)page * 0x9e3779b97f4a7c15ULL ^ 0x66696c6566617563ULL;
}

/*
 * Write a pattern into every page of [p, p + n pages), then check it; add
 * n to *@touched.
 */
static void fill_and_verify(char *p, long n, int thread, int iter, atomic_long *touched)
{
	long i;

	for (i = 0; i < n; i++)
		WRITE_ONCE(*(uint64_t *)(p + i * page_size), pattern(thread, iter, i));
	for (i = 0; i < n; i++)
		if (READ_ONCE(*(uint64_t *)(p + i * page_size)) != pattern(thread, iter, i))
			atomic_fetch_add(&errors, 1);
	atomic_fetch_add(touched, n);
}

static void *fault_thread(void *arg)
{
	int t = (int)(long)arg, it;
	char *mine = shared_area + (long)t * nr_pages * page_size;

	for (it = 0; it < nr_iters; it++) {
		fill_and_verify(mine, nr_pages, t, it, &pages_touched);
		if (madvise(mine, nr_pages * page_size, MADV_DONTNEED))
			die("madvise");
	}
	return NULL;
}

static void *sleeper_thread(void *arg)
{
	for (;;)
		pause();
	return arg;
}

static void *churn_thread(void *arg)
{
	long n = 16, it, rq0;
	long iters = (long)arg;
	int sfd = open("/proc/thread-self/schedstat", O_RDONLY);

	for (it = 0; iters < 0 ? !atomic_load(&churn_stop) : it < iters; it++) {
		long t0;

		rq0 = runq_wait_ns(sfd);
		t0 = now_ns();
		char *p = mmap(NULL, n * page_size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			die("mmap");
		fill_and_verify(p, n, 99, (int)it, &writer_pages);
		if (mprotect(p, n * page_size, PROT_READ))
			die("mprotect");
		if (READ_ONCE(*(uint64_t *)(p + (n - 1) * page_size)) != pattern(99, (int)it, n - 1))
			atomic_fetch_add(&errors, 1);
		if (munmap(p, n * page_size))
			die("munmap");
		if (writer_ops < MAX_LAT) {
			struct writer_round *r = &writer_lat[writer_ops];
			long rq1;

			r->ns = now_ns() - t0;
			rq1 = runq_wait_ns(sfd);
			r->runq_ns = rq0 < 0 || rq1 < 0 ? -1 : rq1 - rq0;
		}
		writer_ops++;
	}
	if (sfd >= 0)
		close(sfd);
	return NULL;
}

/* writer: the churn loop while @nr_threads - 1 threads sleep in pause() */
static void run_writer(void)
{
	pthread_t th;
	int t;

	for (t = 1; t < nr_threads; t++) {
		if (pthread_create(&th, NULL, sleeper_thread, NULL))
			die("pthread_create");
		pthread_detach(th);
	}
	churn_thread((void *)(long)nr_iters);
}

static atomic_long race_next = -1;

static void *race_first(void *arg)
{
	char *p = arg;
	long i;

	for (i = 0; i < nr_pages; i++) {
		atomic_store(&race_next, i);
		WRITE_ONCE(*(uint64_t *)(p + i * page_size), pattern(1, 0, i));
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
		while (READ_ONCE(*(uint64_t *)(p + i * page_size)) != pattern(1, 0, i))
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
	/* one fault per page: a huge page would map the rest at the first */
	if (madvise(p, nr_pages * page_size, MADV_NOHUGEPAGE))
		die("madvise(MADV_NOHUGEPAGE)");
	if (pthread_create(&b, NULL, race_second, p) || pthread_create(&a, NULL, race_first, p))
		die("pthread_create");
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	munmap(p, nr_pages * page_size);
}

/* the fault threads' mapping: anonymous, or FILE's pages from area_first */
static char *map_area(long len)
{
	if (file_fd < 0)
		return mmap(NULL, len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return mmap(NULL, len, PROT_READ | PROT_WRITE,
		    map_shared ? MAP_SHARED : MAP_PRIVATE, file_fd,
		    area_first * page_size);
}

static void run_faults(int with_churn)
{
	pthread_t th[256], churn;
	int t;

	shared_area = map_area((long)nr_threads * nr_pages * page_size);
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
			area_first = (long)t * nr_pages;
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

/* mkfile: @pages pages of file_pattern() words into @file_name */
static void make_file(long pages)
{
	uint64_t *buf = malloc(page_size);
	long i, j, words = page_size / sizeof(uint64_t);
	int fd = open(file_name, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || !buf)
		die(file_name);
	for (i = 0; i < pages; i++) {
		for (j = 0; j < words; j++)
			buf[j] = file_pattern(i) + j;
		if (write(fd, buf, page_size) != page_size)
			die("write");
	}
	if (fsync(fd) || close(fd))
		die("fsync");
	free(buf);
}

/* pages of @len bytes of the file at @fd that are in the page cache */
static long resident_pages(int fd, long len)
{
	long i, n = (len + page_size - 1) / page_size, res = 0;
	unsigned char *vec = malloc(n);
	void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED || !vec)
		die("mmap(mincore)");
	if (mincore(p, len, vec))
		die("mincore");
	for (i = 0; i < n; i++)
		res += vec[i] & 1;
	munmap(p, len);
	free(vec);
	return res;
}

/*
 * Empty the page cache of the first @len bytes of the file. FADV_DONTNEED
 * drops the clean, unmapped pages; should any stay, drop_caches does it.
 */
static void drop_file_cache(long len)
{
	long left;
	int fd;

	if (posix_fadvise(file_fd, 0, 0, POSIX_FADV_DONTNEED))
		die("posix_fadvise");
	if (!resident_pages(file_fd, len))
		return;
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd < 0 || write(fd, "1\n", 2) != 2)
		die("drop_caches");
	close(fd);
	left = resident_pages(file_fd, len);
	if (left)
		fprintf(stderr, "workload: %ld pages of %s still cached\n", left, file_name);
}

/* map this thread's part of the file, read and check one word per page */
static void *file_thread(void *arg)
{
	int t = (int)(long)arg;
	long i, first = (long)t * nr_pages, len = nr_pages * page_size;
	char *p = mmap(NULL, len, PROT_READ, MAP_SHARED, file_fd, first * page_size);

	if (p == MAP_FAILED)
		die("mmap(file)");
	for (i = 0; i < nr_pages; i++)
		if (READ_ONCE(*(uint64_t *)(p + i * page_size)) != file_pattern(first + i))
			atomic_fetch_add(&errors, 1);
	atomic_fetch_add(&file_pages, nr_pages);
	if (munmap(p, len))
		die("munmap");
	return NULL;
}

/* filefault: cold faults on @file_name while the churn thread runs */
static void run_filefault(void)
{
	long len = (long)nr_threads * nr_pages * page_size, t0;
	pthread_t th[256], churn;
	struct stat st;
	int t, it;

	file_fd = open(file_name, O_RDONLY);
	if (file_fd < 0 || fstat(file_fd, &st))
		die(file_name);
	if (st.st_size < len) {
		fprintf(stderr, "workload: %s: %ld bytes, want %ld\n", file_name, (long)st.st_size, len);
		exit(2);
	}
	if (pthread_create(&churn, NULL, churn_thread, (void *)-1L))
		die("pthread_create");
	for (it = 0; it < nr_iters; it++) {
		drop_file_cache(len);
		t0 = now_ns();
		for (t = 0; t < nr_threads; t++)
			if (pthread_create(&th[t], NULL, file_thread, (void *)(long)t))
				die("pthread_create");
		for (t = 0; t < nr_threads; t++)
			pthread_join(th[t], NULL);
		fault_ns += now_ns() - t0;
	}
	atomic_store(&churn_stop, 1);
	pthread_join(churn, NULL);
	close(file_fd);
	atomic_store(&pages_touched, atomic_load(&file_pages));	/* not the writer's */
}

/* memread: read a cold file mapping through /proc/self/mem */
static void run_memread(void)
{
	long i, len = (long)nr_pages * page_size;
	char *buf = malloc(len), *p;
	int it, mem = open("/proc/self/mem", O_RDONLY);

	file_fd = open(file_name, O_RDONLY);
	if (!buf || mem < 0 || file_fd < 0)
		die("memread set-up");
	for (it = 0; it < nr_iters; it++) {
		drop_file_cache(len);
		p = mmap(NULL, len, PROT_READ, MAP_SHARED, file_fd, 0);
		if (p == MAP_FAILED)
			die("mmap(file)");
		if (pread(mem, buf, len, (off_t)(uintptr_t)p) != len)
			die("pread(/proc/self/mem)");
		for (i = 0; i < nr_pages; i++)
			if (*(uint64_t *)(buf + i * page_size) != file_pattern(i))
				atomic_fetch_add(&errors, 1);
		atomic_fetch_add(&pages_touched, nr_pages);
		munmap(p, len);
	}
	close(mem);
	close(file_fd);
	free(buf);
}

/* filewrite, fileprocs: make FILE (contents, or holes with -s), open it */
static void open_area_file(void)
{
	long pages = (long)nr_threads * nr_pages;

	if (map_shared) {
		file_fd = open(file_name, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (file_fd < 0 || ftruncate(file_fd, pages * page_size))
			die(file_name);
		return;
	}
	make_file(pages);
	file_fd = open(file_name, O_RDONLY);
	if (file_fd < 0)
		die(file_name);
}

/*
 * After filewrite or fileprocs: each page's first word, read with pread(),
 * is the last pattern its thread (process) wrote through the shared
 * mapping, or the file's own word for a private one. Then FILE goes.
 */
static void verify_area_file(int procs)
{
	long t, i, first;
	uint64_t word, want;

	for (t = 0; t < nr_threads; t++) {
		for (i = 0; i < nr_pages; i++) {
			first = t * nr_pages;
			if (pread(file_fd, &word, sizeof(word),
				  (first + i) * page_size) != sizeof(word))
				die("pread");
			/* a process writes as thread 0 of its own part */
			want = map_shared ?
			       pattern(procs ? 0 : (int)t, nr_iters - 1, i) :
			       file_pattern(first + i);
			if (word != want)
				atomic_fetch_add(&errors, 1);
		}
	}
	close(file_fd);
	unlink(file_name);
}

static void usage_exit(void)
{
	fprintf(stderr, "usage: workload fault|procs|race|churn|writer|mixed|reclaim [-t THREADS] [-p PAGES] [-i ITERS]\n"
		"       workload filefault -f FILE [-t THREADS] [-p PAGES] [-i ITERS]\n"
		"       workload filewrite|fileprocs -f FILE [-s] [-t THREADS] [-p PAGES] [-i ITERS]\n"
		"       workload memread -f FILE [-p PAGES] [-i ITERS]\n"
		"       workload mkfile -f FILE -p PAGES\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct rusage ru;
	const char *mode;
	long t0, elapsed;
	int c, filewrite;

	if (argc < 2)
		usage_exit();
	mode = argv[1];
	optind = 2;
	while ((c = getopt(argc, argv, "t:p:i:f:s")) != -1) {
		switch (c) {
		case 'f':
			file_name = optarg;
			break;
		case 's':
			map_shared = 1;
			break;
		case 't':
			nr_threads = atoi(optarg);
			break;
		case 'p':
			nr_pages = atoi(optarg);
			break;
		case 'i':
			nr_iters = atoi(optarg);
			break;
		default:
			usage_exit();
		}
	}
	if (nr_threads < 1 || nr_threads > 256 || nr_pages < 1 || nr_iters < 1)
		usage_exit();
	page_size = sysconf(_SC_PAGESIZE);
	filewrite = !strcmp(mode, "filewrite") || !strcmp(mode, "fileprocs");
	if (!file_name && (filewrite || !strcmp(mode, "filefault") ||
			   !strcmp(mode, "memread") || !strcmp(mode, "mkfile")))
		usage_exit();
	if (!strcmp(mode, "mkfile")) {
		make_file(nr_pages);
		return 0;
	}
	if (filewrite)
		open_area_file();
	t0 = now_ns();
	if (!strcmp(mode, "fault") || !strcmp(mode, "filewrite"))
		run_faults(0);
	else if (!strcmp(mode, "procs") || !strcmp(mode, "fileprocs"))
		run_procs();
	else if (!strcmp(mode, "mixed") || !strcmp(mode, "reclaim"))
		run_faults(1);
	else if (!strcmp(mode, "filefault"))
		run_filefault();
	else if (!strcmp(mode, "memread"))
		run_memread();
	else if (!strcmp(mode, "race"))
		run_race();
	else if (!strcmp(mode, "churn"))
		churn_thread((void *)(long)nr_iters);
	else if (!strcmp(mode, "writer"))
		run_writer();
	else
		usage_exit();
	elapsed = fault_ns ? fault_ns : now_ns() - t0;
	if (filewrite)
		verify_area_file(!strcmp(mode, "fileprocs"));
	getrusage(RUSAGE_SELF, &ru);
	printf("pages_touched %ld errors %ld minflt %ld elapsed_ns %ld majflt %ld\n",
	       atomic_load(&pages_touched), atomic_load(&errors), ru.ru_minflt, elapsed,
	       ru.ru_majflt);
	print_writer_latency();
	return atomic_load(&errors) ? 1 : 0;
}
