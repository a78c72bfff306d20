// SPDX-License-Identifier: GPL-2.0
/*
 * Torture of file-backed faults: what a mapping of a file reads must be
 * what the file holds, while the file is written, hole-punched, truncated
 * and re-extended, its page cache dropped, and the mappings zapped,
 * protected and unmapped, all concurrently.
 *
 *   filetorture FILE SECONDS [READERS]
 *	READERS (default 3) reader threads; 0 runs only the protector and
 *	its prober (no writer, no truncator, no write protector); "wprotect" runs only the
 *	write protector and its prober
 *   filetorture --account FILE PAGES
 *	accounting check: write PAGES pages, drop them from the page cache,
 *	read one word of each through a MADV_RANDOM mapping (no readahead:
 *	one read per fault) and print the faults getrusage counted over the
 *	loop, "majflt N minflt N"; exits 1 if a word reads wrong
 *   filetorture --holes FILE PAGES
 *	accounting check on holes: make FILE PAGES pages of holes, read one
 *	word of each page of the first half and write one of each page of
 *	the second half through a shared mapping, and print the faults
 *	counted over the two loops, "majflt N minflt N"; exits 1 if a read is
 *	not zero, a written word does not reach the file (pread after
 *	munmap), or the writes left the file's mtime (set far back first)
 *	unchanged
 *   filetorture --swapped FILE PAGES
 *	accounting check on swap-in (tmpfs with swap): write PAGES pages,
 *	page them out (MADV_PAGEOUT), count those no longer resident
 *	(mincore), then read one word of each through a MADV_RANDOM mapping
 *	and print "majflt N minflt N swapped N pgmajfault N" for the loop
 *	(the last from /proc/vmstat: the whole system's); exits 1 if a word
 *	reads wrong
 *
 * FILE is created (NPAGES pages). Word 0 and the last word of page p hold
 * (p << 32 | v), v being the page's version: a writer thread rewrites
 * pages of the lower quarter with pwrite() (v = ++started[p], then
 * completed[p] = v), punching a hole first every few writes; a shared
 * writer does the same to the second quarter through a shared writable
 * mapping (stores of the two words), punching holes and fallocating first
 * now and then, and checks with pread() after munmap() that every store
 * reached the file; a truncator
 * shrinks the file to half and re-extends it, then rewrites the upper half.
 * Readers map the file (shared or private, read-only) and check each word
 * read: its page number matches and its version lies within
 * [completed[p] before the read, started[p] after it] (0 allowed only while
 * a write is in flight). A stale page mapped after the file changed reads
 * an old version forever: torn reads (TCG copies byte by byte) are told
 * apart by reading again. In the upper half, a read that starts and ends
 * while the file is known short must raise SIGBUS, and one that starts and
 * ends while it is whole must not. A protector flips a mapping between
 * PROT_READ and PROT_NONE while a prober faults on it: a read after
 * mprotect(PROT_NONE) returned must SIGSEGV. A write protector does the
 * same with PROT_READ on a shared writable mapping of FILE.wp while its
 * prober writes: a write after mprotect(PROT_READ) returned must SIGSEGV.
 * A private writer writes through a MAP_PRIVATE mapping: its copies must
 * read back, start as a whole version of the file page, and never reach
 * the file. Readers drop their PTEs (MADV_DONTNEED) and the page cache
 * (POSIX_FADV_DONTNEED) now and then, so faults keep needing I/O.
 *
 * Prints "reads N sigbus N sigsegv N rewrites N truncates N io_drops N
 * cow_writes N shared_writes N wsigsegv N" and
 * exits 1 on the first violation (with a line saying what was read).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kernel_compat.h"

#define NPAGES 512
#define HALF (NPAGES / 2)
#define QUARTER (NPAGES / 4)
#define MAX_READERS 8

static long psz;
static int fd;
static atomic_int stop;
static atomic_uint started[NPAGES], completed[NPAGES];
/* truncator phase: 0 mod 4 whole, 1 shrinking, 2 short, 3 re-extending */
static atomic_uint phase;
static atomic_long n_reads, n_sigbus, n_sigsegv, n_rewrites, n_truncs, n_drops;
static atomic_long n_cows, n_shared, n_wsigsegv;

static __thread sigjmp_buf fault_jmp;
static __thread int fault_armed;

static void die(const char *what)
{
	fprintf(stderr, "filetorture: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void __printf(1, 2) violation(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "filetorture: VIOLATION: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void on_fault(int sig)
{
	if (!READ_ONCE(fault_armed))
		_exit(3);
	siglongjmp(fault_jmp, sig);
}

/*
 * Read (@write 0) or write one word, reporting the signal the access
 * raised (0 if none). Context: the caller's thread; fault_jmp is per thread.
 */
static int access_word(uint64_t *p, uint64_t *val, int write)
{
	int sig = sigsetjmp(fault_jmp, 1);

	if (sig) {
		WRITE_ONCE(fault_armed, 0);
		return sig;
	}
	WRITE_ONCE(fault_armed, 1);
	barrier();
	if (write)
		WRITE_ONCE(*p, *val);
	else
		*val = READ_ONCE(*p);
	barrier();
	WRITE_ONCE(fault_armed, 0);
	return 0;
}

static int read_word(const uint64_t *p, uint64_t *val)
{
	return access_word((uint64_t *)p, val, 0);
}

static int write_word(uint64_t *p, uint64_t val)
{
	return access_word(p, &val, 1);
}

static uint64_t word_of(unsigned int page, unsigned int v)
{
	return (uint64_t)page << 32 | v;
}

static void write_page(unsigned int page, unsigned int v)
{
	uint64_t *buf = calloc(1, psz);

	if (!buf)
		die("calloc");
	buf[0] = buf[psz / 8 - 1] = word_of(page, v);
	if (pwrite(fd, buf, psz, (off_t)page * psz) != psz)
		die("pwrite");
	free(buf);
}

/* a new version of @page: started, written, completed */
static void rewrite(unsigned int page, int punch)
{
	unsigned int v = atomic_fetch_add(&started[page], 1) + 1;

	if (punch && fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       (off_t)page * psz, psz) && errno != EOPNOTSUPP)
		die("fallocate(PUNCH_HOLE)");
	write_page(page, v);
	atomic_store(&completed[page], v);
	atomic_fetch_add(&n_rewrites, 1);
}

/*
 * Is @val a version of @page within what was completed before the read
 * (@lo) and started after it?
 */
static int version_ok(unsigned int page, uint64_t val, unsigned int lo)
{
	unsigned int v = (unsigned int)val, hi = atomic_load(&started[page]);

	if (val == 0)
		return hi != lo;	/* a punched hole while a write is in flight */
	return (val >> 32) == page && v >= lo && v <= hi;
}

/* Check one word of @page in @map; torn reads are re-read. */
static void check_word(const char *map, unsigned int page, unsigned int word)
{
	const uint64_t *p = (const uint64_t *)(map + (size_t)page * psz) + word;
	unsigned int ph0, lo, tries;
	uint64_t val = 0;
	int sig;

	for (tries = 0; tries < 1000; tries++) {
		ph0 = atomic_load(&phase);
		lo = atomic_load(&completed[page]);
		sig = read_word(p, &val);
		if (sig == SIGBUS && page < HALF)
			violation("SIGBUS reading page %u, below any EOF the file ever had", page);
		if (sig && sig != SIGBUS)
			violation("signal %d reading page %u", sig, page);
		if (page >= HALF && (atomic_load(&phase) != ph0 || ph0 % 2))
			return;		/* its size changes meanwhile: anything goes */
		if (sig == SIGBUS) {
			if (ph0 % 4 == 0)
				violation("SIGBUS reading page %u of a whole file (phase %u)",
					  page, ph0);
			atomic_fetch_add(&n_sigbus, 1);
			return;
		}
		if (ph0 % 4 == 2 && page >= HALF)
			violation("page %u read %#llx past the EOF of a truncated file (phase %u)",
				  page, (unsigned long long)val, ph0);
		if (version_ok(page, val, lo))
			return;
	}
	violation("page %u word %u reads %#llx, older than version %u completed before the read: a stale page",
		  page, word, (unsigned long long)val, lo);
}

static char *map_file(int flags)
{
	char *m = mmap(NULL, (size_t)NPAGES * psz, PROT_READ, flags, fd, 0);

	if (m == MAP_FAILED)
		die("mmap");
	return m;
}

static void *reader(void *arg)
{
	unsigned int seed = (unsigned int)(long)arg * 7919 + 1, page;
	int flags = (long)arg % 2 ? MAP_PRIVATE : MAP_SHARED;
	char *map = map_file(flags);
	long i;

	for (i = 0; !atomic_load(&stop); i++) {
		page = rand_r(&seed) % NPAGES;
		check_word(map, page, 0);
		check_word(map, page, psz / 8 - 1);
		atomic_fetch_add(&n_reads, 1);
		if (i % 2000 == 1999) {		/* make the next faults need I/O */
			madvise(map, (size_t)NPAGES * psz, MADV_DONTNEED);
			posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
			atomic_fetch_add(&n_drops, 1);
		} else if (i % 500 == 499) {	/* or just new PTEs */
			madvise(map, (size_t)NPAGES * psz, MADV_DONTNEED);
		}
		if (i % 5000 == 4999) {		/* a new VMA now and then */
			munmap(map, (size_t)NPAGES * psz);
			map = map_file(flags);
		}
	}
	munmap(map, (size_t)NPAGES * psz);
	return NULL;
}

static void *writer(void *arg __maybe_unused)
{
	unsigned int seed = 12345;
	long i;

	for (i = 0; !atomic_load(&stop); i++)
		rewrite(rand_r(&seed) % QUARTER, i % 8 == 0);
	return NULL;
}

static char *map_rw(int dfd, size_t pages)
{
	char *m = mmap(NULL, pages * psz, PROT_READ | PROT_WRITE, MAP_SHARED,
		       dfd, 0);

	if (m == MAP_FAILED)
		die("mmap");
	return m;
}

/* pread() of word @word of @page */
static uint64_t pread_word(unsigned int page, unsigned int word)
{
	uint64_t val;

	if (pread(fd, &val, 8, (off_t)page * psz + word * 8) != 8)
		die("pread");
	return val;
}

/* After munmap(): every page the shared writer wrote holds its last store. */
static void check_shared_reached(void)
{
	unsigned int p, v;

	for (p = QUARTER; p < HALF; p++) {
		v = atomic_load(&completed[p]);
		if (pread_word(p, 0) != word_of(p, v) ||
		    pread_word(p, psz / 8 - 1) != word_of(p, v))
			violation("page %u: pread after munmap reads %#llx/%#llx, not version %u stored through the shared mapping",
				  p, (unsigned long long)pread_word(p, 0),
				  (unsigned long long)pread_word(p, psz / 8 - 1), v);
	}
}

/*
 * Rewrite pages of the second quarter through a shared writable mapping,
 * each store a fault on a missing PTE (the page's PTE is dropped first),
 * now and then on a punched hole or on a fallocated (not yet uptodate)
 * page. The pages are its own, so after munmap() each must read back
 * exactly as last stored.
 */
static void *shared_writer(void *arg __maybe_unused)
{
	unsigned int seed = 31337, page, v;
	char *map = map_rw(fd, HALF);
	uint64_t *w;
	long i;

	for (i = 0; !atomic_load(&stop); i++) {
		page = QUARTER + rand_r(&seed) % QUARTER;
		w = (uint64_t *)(map + (size_t)page * psz);
		v = atomic_fetch_add(&started[page], 1) + 1;
		madvise(w, psz, MADV_DONTNEED);
		if (i % 4 == 0 &&
		    fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      (off_t)page * psz, psz) && errno != EOPNOTSUPP)
			die("fallocate(PUNCH_HOLE)");
		if (i % 8 == 0 &&
		    fallocate(fd, FALLOC_FL_KEEP_SIZE, (off_t)page * psz, psz) &&
		    errno != EOPNOTSUPP)
			die("fallocate");
		WRITE_ONCE(w[0], word_of(page, v));
		WRITE_ONCE(w[psz / 8 - 1], word_of(page, v));
		atomic_store(&completed[page], v);
		atomic_fetch_add(&n_shared, 1);
		if (i % 1000 == 999) {
			munmap(map, (size_t)HALF * psz);
			check_shared_reached();
			map = map_rw(fd, HALF);
		}
	}
	munmap(map, (size_t)HALF * psz);
	check_shared_reached();
	return NULL;
}

static void *truncator(void *arg __maybe_unused)
{
	struct timespec nap = { 0, 20 * 1000 * 1000 };
	unsigned int p;

	while (!atomic_load(&stop)) {
		nanosleep(&nap, NULL);
		atomic_fetch_add(&phase, 1);		/* 1: shrinking */
		if (ftruncate(fd, (off_t)HALF * psz))
			die("ftruncate");
		atomic_fetch_add(&phase, 1);		/* 2: short */
		nanosleep(&nap, NULL);
		atomic_fetch_add(&phase, 1);		/* 3: re-extending */
		if (ftruncate(fd, (off_t)NPAGES * psz))
			die("ftruncate");
		for (p = HALF; p < NPAGES; p++)
			rewrite(p, 0);
		atomic_fetch_add(&phase, 1);		/* 0: whole */
		atomic_fetch_add(&n_truncs, 1);
	}
	return NULL;
}

/* what a private writer stores: never a word a reader of the file accepts */
static uint64_t cow_word(unsigned int page, long i)
{
	return 0xc0c0000000000000ULL | (uint64_t)page << 32 | (uint32_t)i;
}

/*
 * Write to a private writable mapping of the file (copy-on-write of a page
 * not mapped yet): the write must land in a private copy that reads back,
 * whose untouched last word is a whole version of the file page taken at
 * the fault (never torn: the copy is made under the page lock, which pwrite
 * holds), and the file itself must never see it (the readers would report
 * a word that is no version).
 */
static void *cow_writer(void *arg __maybe_unused)
{
	char *map = mmap(NULL, (size_t)NPAGES * psz, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE, fd, 0);
	unsigned int seed = 99, page, lo;
	uint64_t *w;
	uint64_t last;
	long i;

	if (map == MAP_FAILED)
		die("mmap");
	for (i = 0; !atomic_load(&stop); i++) {
		page = rand_r(&seed) % HALF;
		w = (uint64_t *)(map + (size_t)page * psz);
		madvise(w, psz, MADV_DONTNEED);	/* drop the copy */
		lo = atomic_load(&completed[page]);
		WRITE_ONCE(w[0], cow_word(page, i));
		last = READ_ONCE(w[psz / 8 - 1]);
		if (READ_ONCE(w[0]) != cow_word(page, i))
			violation("private write to page %u reads back %#llx",
				  page, (unsigned long long)READ_ONCE(w[0]));
		if (!version_ok(page, last, lo))
			violation("private copy of page %u holds %#llx in its last word, not a version >= %u",
				  page, (unsigned long long)last, lo);
		atomic_fetch_add(&n_cows, 1);
	}
	munmap(map, (size_t)NPAGES * psz);
	return NULL;
}

static char *prot_map;

/*
 * Fault on the protector's mapping all the time, so that some fault is
 * always in flight when it calls mprotect(PROT_NONE); the signals these
 * reads get are the protector's business.
 */
static void *prober(void *arg __maybe_unused)
{
	unsigned int seed = 4242;
	uint64_t val;

	while (!atomic_load(&stop))
		read_word((const uint64_t *)(READ_ONCE(prot_map) +
					     (size_t)(rand_r(&seed) % HALF) * psz), &val);
	return NULL;
}

/*
 * mprotect(PROT_NONE) must win over any fault that races with it: once it
 * has returned (and a little after, so that a fault that checked the VMA
 * before it and is slow to commit has committed), a read must SIGSEGV.
 */
static void *protector(void *arg __maybe_unused)
{
	struct timespec nap = { 0, 30 * 1000 * 1000 };
	unsigned int seed = 777, page;
	char *map = READ_ONCE(prot_map);
	uint64_t val;
	int sig;

	while (!atomic_load(&stop)) {
		page = rand_r(&seed) % HALF;
		madvise(map, (size_t)NPAGES * psz, MADV_DONTNEED);
		if (mprotect(map, (size_t)NPAGES * psz, PROT_NONE))
			die("mprotect");
		nanosleep(&nap, NULL);
		sig = read_word((const uint64_t *)(map + (size_t)page * psz), &val);
		if (sig != SIGSEGV)
			violation("read of page %u after mprotect(PROT_NONE) returned gave signal %d, value %#llx",
				  page, sig, (unsigned long long)val);
		atomic_fetch_add(&n_sigsegv, 1);
		if (mprotect(map, (size_t)NPAGES * psz, PROT_READ))
			die("mprotect");
		check_word(map, page, 0);
	}
	return NULL;
}

static char *wprot_map;
static atomic_uint wprobe_page;

/*
 * Write to the write protector's mapping all the time (see prober()),
 * telling it which page the write in flight is on.
 */
static void *wprober(void *arg __maybe_unused)
{
	unsigned int seed = 2424, page;
	long i;

	for (i = 0; !atomic_load(&stop); i++) {
		page = rand_r(&seed) % HALF;
		atomic_store(&wprobe_page, page);
		write_word((uint64_t *)(READ_ONCE(wprot_map) + (size_t)page * psz), i);
	}
	return NULL;
}

/*
 * mprotect(PROT_READ) must win over any write fault that races with it:
 * once it has returned (and a little after), a write must SIGSEGV, and
 * after mprotect(PROT_READ | PROT_WRITE) it must succeed. The write is to
 * the page the prober was writing to when mprotect() returned: the page
 * whose fault raced with it, if one did (no fault-around for writes).
 */
static void *wprotector(void *arg __maybe_unused)
{
	struct timespec nap = { 0, 30 * 1000 * 1000 };
	char *map = READ_ONCE(wprot_map);
	unsigned int page;
	int sig;

	while (!atomic_load(&stop)) {
		madvise(map, (size_t)HALF * psz, MADV_DONTNEED);
		if (mprotect(map, (size_t)HALF * psz, PROT_READ))
			die("mprotect");
		page = atomic_load(&wprobe_page);
		nanosleep(&nap, NULL);
		sig = write_word((uint64_t *)(map + (size_t)page * psz), 1);
		if (sig != SIGSEGV)
			violation("write to page %u after mprotect(PROT_READ) returned gave signal %d",
				  page, sig);
		atomic_fetch_add(&n_wsigsegv, 1);
		if (mprotect(map, (size_t)HALF * psz, PROT_READ | PROT_WRITE))
			die("mprotect");
		sig = write_word((uint64_t *)(map + (size_t)page * psz), 2);
		if (sig)
			violation("write to page %u of a writable shared mapping gave signal %d",
				  page, sig);
	}
	return NULL;
}

/* The write protector's file: FILE.wp, HALF pages, unlinked at once. */
static char *wprot_setup(const char *path)
{
	char name[4096];
	int wfd;
	char *m;

	snprintf(name, sizeof(name), "%s.wp", path);
	wfd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (wfd < 0)
		die(name);
	if (ftruncate(wfd, (off_t)HALF * psz) || unlink(name))
		die("ftruncate/unlink");
	m = map_rw(wfd, HALF);
	close(wfd);
	return m;
}

/*
 * --holes: every fault of the two loops fills a hole (a read maps the new
 * zeroed page, a write to the shared mapping dirties it): one minor fault
 * each, and the writes reach the file. The file's mtime, set far back
 * before the loops, must have moved by the time the writes are done
 * (do_shared_fault()'s file_update_time()).
 */
static int holes(const char *path, int pages)
{
	static const struct timespec old_times[2] = {
		{ .tv_sec = 1000000000 }, { .tv_sec = 1000000000 }
	};
	struct rusage r0, r1;
	struct stat st;
	unsigned int p, half = pages / 2;
	char *map;
	int bad = 0;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die(path);
	if (ftruncate(fd, (off_t)pages * psz))
		die("ftruncate");
	map = map_rw(fd, pages);
	if (madvise(map, (size_t)pages * psz, MADV_RANDOM))
		die("madvise");
	if (futimens(fd, old_times))
		die("futimens");
	getrusage(RUSAGE_SELF, &r0);
	for (p = 0; p < half; p++)
		bad += READ_ONCE(*(uint64_t *)(map + (size_t)p * psz)) != 0;
	for (p = half; p < (unsigned int)pages; p++)
		WRITE_ONCE(*(uint64_t *)(map + (size_t)p * psz), word_of(p, 7));
	getrusage(RUSAGE_SELF, &r1);
	printf("majflt %ld minflt %ld\n", r1.ru_majflt - r0.ru_majflt,
	       r1.ru_minflt - r0.ru_minflt);
	if (fstat(fd, &st))
		die("fstat");
	if (st.st_mtime == old_times[1].tv_sec) {
		fprintf(stderr, "filetorture: shared writes left the mtime unchanged\n");
		bad++;
	}
	munmap(map, (size_t)pages * psz);
	for (p = half; p < (unsigned int)pages; p++)
		bad += pread_word(p, 0) != word_of(p, 7);
	close(fd);
	unlink(path);
	if (bad)
		fprintf(stderr, "filetorture: %d pages read wrong\n", bad);
	return bad ? 1 : 0;
}

/* pgmajfault of /proc/vmstat */
static long vmstat_pgmajfault(void)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char name[64];
	long v = -1, n;

	if (!f)
		die("/proc/vmstat");
	while (fscanf(f, "%63s %ld", name, &n) == 2)
		if (!strcmp(name, "pgmajfault"))
			v = n;
	fclose(f);
	return v;
}

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

/*
 * --swapped: each fault of the loop on a swapped-out page reads it from
 * swap (page-cluster 0: no readahead), a major fault; the others are minor.
 */
static int swapin(const char *path, int pages)
{
	size_t len = (size_t)pages * psz;
	unsigned char *vec = malloc(pages);
	struct rusage r0, r1;
	int p, out = 0, bad = 0;
	long pg0, pg1;
	char *map;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || !vec)
		die(path);
	for (p = 0; p < pages; p++)
		write_page(p, 3);
	map = map_rw(fd, pages);
	for (p = 0; p < pages; p++)	/* MADV_PAGEOUT walks mapped pages */
		bad += READ_ONCE(*(uint64_t *)(map + (size_t)p * psz)) != word_of(p, 3);
	if (madvise(map, len, MADV_PAGEOUT))
		die("madvise(MADV_PAGEOUT)");
	if (mincore(map, len, vec))
		die("mincore");
	for (p = 0; p < pages; p++)
		out += !(vec[p] & 1);
	munmap(map, len);
	map = map_file(MAP_SHARED);
	if (madvise(map, len, MADV_RANDOM))
		die("madvise");
	pg0 = vmstat_pgmajfault();
	getrusage(RUSAGE_SELF, &r0);
	for (p = 0; p < pages; p++)
		bad += READ_ONCE(*(uint64_t *)(map + (size_t)p * psz)) != word_of(p, 3);
	getrusage(RUSAGE_SELF, &r1);
	pg1 = vmstat_pgmajfault();
	printf("majflt %ld minflt %ld swapped %d pgmajfault %ld\n",
	       r1.ru_majflt - r0.ru_majflt, r1.ru_minflt - r0.ru_minflt, out,
	       pg1 - pg0);
	munmap(map, (size_t)NPAGES * psz);
	close(fd);
	unlink(path);
	free(vec);
	if (bad)
		fprintf(stderr, "filetorture: %d pages read wrong\n", bad);
	return bad ? 1 : 0;
}

/* --account: every fault of the loop needs exactly one read */
static int account(const char *path, int pages)
{
	struct rusage r0, r1;
	unsigned int p;
	char *map;
	int bad = 0;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die(path);
	for (p = 0; p < (unsigned int)pages; p++)
		write_page(p, 1);
	if (fsync(fd) || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))
		die("fsync/fadvise");
	map = mmap(NULL, (size_t)pages * psz, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED || madvise(map, (size_t)pages * psz, MADV_RANDOM))
		die("mmap/madvise");
	getrusage(RUSAGE_SELF, &r0);
	for (p = 0; p < (unsigned int)pages; p++)
		bad += READ_ONCE(*(uint64_t *)(map + (size_t)p * psz)) != word_of(p, 1);
	getrusage(RUSAGE_SELF, &r1);
	printf("majflt %ld minflt %ld\n", r1.ru_majflt - r0.ru_majflt,
	       r1.ru_minflt - r0.ru_minflt);
	munmap(map, (size_t)pages * psz);
	close(fd);
	unlink(path);
	if (bad)
		fprintf(stderr, "filetorture: %d pages read wrong\n", bad);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	int seconds, readers, t, nthreads = 0, wonly = 0;
	pthread_t th[MAX_READERS + 8];
	struct sigaction sa = { .sa_handler = on_fault };
	unsigned int p;

	psz = sysconf(_SC_PAGESIZE);
	if (argc == 4 && !strcmp(argv[1], "--account") && atoi(argv[3]) > 0)
		return account(argv[2], atoi(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "--holes") && atoi(argv[3]) > 1)
		return holes(argv[2], atoi(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "--swapped") && atoi(argv[3]) > 0 &&
	    atoi(argv[3]) <= NPAGES)
		return swapin(argv[2], atoi(argv[3]));
	seconds = argc < 3 ? 0 : atoi(argv[2]);
	if (seconds < 1) {
		fprintf(stderr, "usage: filetorture FILE SECONDS [READERS|wprotect]\n"
			"       filetorture --account FILE PAGES\n"
			"       filetorture --holes FILE PAGES\n"
			"       filetorture --swapped FILE PAGES\n");
		return 2;
	}
	wonly = argc > 3 && !strcmp(argv[3], "wprotect");
	readers = argc > 3 && !wonly ? atoi(argv[3]) : 3;
	if (readers < 0 || readers > MAX_READERS)
		readers = 3;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, NULL) || sigaction(SIGSEGV, &sa, NULL))
		die("sigaction");
	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die(argv[1]);
	if (ftruncate(fd, (off_t)NPAGES * psz))
		die("ftruncate");
	for (p = 0; p < NPAGES; p++)
		rewrite(p, 0);
	if (fsync(fd))
		die("fsync");
	WRITE_ONCE(wprot_map, wprot_setup(argv[1]));
	if ((readers || wonly) &&
	    (pthread_create(&th[nthreads++], NULL, wprotector, NULL) ||
	     pthread_create(&th[nthreads++], NULL, wprober, NULL)))
		die("pthread_create");
	for (t = 0; t < readers && !wonly; t++)
		if (pthread_create(&th[nthreads++], NULL, reader, (void *)(long)t))
			die("pthread_create");
	WRITE_ONCE(prot_map, map_file(MAP_SHARED));
	if (readers && !wonly &&
	    (pthread_create(&th[nthreads++], NULL, writer, NULL) ||
	     pthread_create(&th[nthreads++], NULL, truncator, NULL) ||
	     pthread_create(&th[nthreads++], NULL, cow_writer, NULL) ||
	     pthread_create(&th[nthreads++], NULL, shared_writer, NULL)))
		die("pthread_create");
	if (!wonly &&
	    (pthread_create(&th[nthreads++], NULL, protector, NULL) ||
	     pthread_create(&th[nthreads++], NULL, prober, NULL)))
		die("pthread_create");
	sleep(seconds);
	atomic_store(&stop, 1);
	for (t = 0; t < nthreads; t++)
		pthread_join(th[t], NULL);
	printf("reads %ld sigbus %ld sigsegv %ld rewrites %ld truncates %ld io_drops %ld cow_writes %ld shared_writes %ld wsigsegv %ld\n",
	       atomic_load(&n_reads), atomic_load(&n_sigbus), atomic_load(&n_sigsegv),
	       atomic_load(&n_rewrites), atomic_load(&n_truncs), atomic_load(&n_drops),
	       atomic_load(&n_cows), atomic_load(&n_shared), atomic_load(&n_wsigsegv));
	close(fd);
	unlink(argv[1]);
	return 0;
}
