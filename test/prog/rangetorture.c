// SPDX-License-Identifier: GPL-2.0
/*
 * rangetorture: lockless faults racing with write sections that declare a
 * range (src/write_range.c): mprotect, munmap, mmap, brk, mlock, madvise
 * and mremap in place.
 *
 *   rangetorture FILE SECONDS
 *
 * FILE is created (1 MiB, every 8-byte word names its own offset) and kept
 * in the page cache. Two kinds of cells, each its own VMA (unmapped pages
 * between them), and three kinds of threads, for SECONDS:
 *
 *  - file cells: FILE mapped read-only, shared. Readers read-fault the
 *    pages just below the split point of a random file cell (the kernel's
 *    fault-around window reaches past it) and check every word they read.
 *    The file writer (named "rangewriter", see test_range_uncovered) cycles
 *    over the file cells: mprotect(PROT_READ) of the cell's tail (which
 *    merges it back), MADV_DONTNEED of the cell, a pause while the readers
 *    fault it in, mprotect(PROT_NONE) of the tail (a split), then for a
 *    while every tail page in reach of a fault-around from below must
 *    fault when read: a read that succeeds means a fault mapped a page of
 *    the tail after mprotect() returned.
 *  - anonymous cells: each anonymous worker owns one; it writes a pattern
 *    naming the page and a counter, reads it back, and now and then drops
 *    its pages (MADV_DONTNEED) to fault them in again.
 *  - the anonymous writer (named "rangewriter" too) does what a mixed
 *    workload's writer does in a scratch cell: mmap(MAP_FIXED) it, write
 *    it, mprotect(PROT_READ) it (a write must then fault), munmap it; in
 *    between, madvise(): MADV_NOHUGEPAGE of its lower half (a split),
 *    MADV_HUGEPAGE of the whole cell (two VMAs, the first one changed
 *    before the second merges into it), MADV_NOHUGEPAGE of the upper
 *    half (a split), then of the lower half (which merges with the upper
 *    half, outside its range), flag changes (MADV_DONTDUMP of the cell,
 *    MADV_RANDOM of its lower half, MADV_DODUMP of the cell: two VMAs,
 *    the first one changed before the second; MADV_NORMAL merges them
 *    back), mremap() in place (a hole unmapped in the
 *    middle, the lower part grown back over it, which merges the upper
 *    part, outside its range; a shrink and a growth at the end), and
 *    every page must still hold what was written.
 *  - the heap: one more anonymous worker's cell is the brk() heap, and the
 *    heap writer ("rangewriter" too) raises the break above it (merging
 *    into its VMA), mlocks and munlocks part of the growth, splits the
 *    cell with madvise() flag changes and merges it back, and lowers the
 *    break again: a read above it must then fault.
 *
 * First, while those threads run, the main thread makes write sections
 * that only look like mprotect(): a signal delivered on mprotect()'s way
 * out, with its number and arguments (a page of its own) still in the saved
 * registers, pushes its frame below a MAP_GROWSDOWN mapping, whose
 * expansion is a write section. A module that took its ranges from those
 * registers would declare that page's range while the stack VMA moves:
 * the range audit (test_range_audit) counts that.
 *
 * Prints "rangetorture PASS ..." or "rangetorture FAIL: ..." and exits 0
 * or 1 (2: could not run).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "kernel_compat.h"
#include "clock.h"
#include "verdict.h"

#define PAGE		4096UL
#define CELL_PAGES	64		/* a file cell: 256 KiB of FILE */
#define SPLIT		40		/* tail = pages [SPLIT, CELL_PAGES) */
#define AROUND_END	48		/* fault-around (64 KiB) from below reaches here */
#define FILE_CELLS	8
#define ANON_CELLS	2
#define ANON_PAGES	32
#define HEAP_GROW	16		/* pages the heap writer's brk() adds */
#define FILE_BYTES	(1UL << 20)
#define WORDS		(PAGE / 8)

static char *file_base, *anon_base, *scratch, *heap_base;
static atomic_long reads, anon_checks, cycles, splits_checked, scratch_rounds,
		   heap_rounds;
static double t_end;

static __thread sigjmp_buf seg_jb;
static __thread sig_atomic_t seg_armed;

static void on_segv(int sig, siginfo_t *si __maybe_unused,
		    void *ctx __maybe_unused)
{
	if (!READ_ONCE(seg_armed)) {
		signal(sig, SIG_DFL);
		return;
	}
	WRITE_ONCE(seg_armed, 0);
	siglongjmp(seg_jb, 1);
}

/* 1 if *p could be read (into *v), 0 if the read faulted */
static noinline int try_load(uint64_t *p, uint64_t *v)
{
	if (sigsetjmp(seg_jb, 1))
		return 0;
	WRITE_ONCE(seg_armed, 1);
	barrier();
	*v = READ_ONCE(*p);
	barrier();
	WRITE_ONCE(seg_armed, 0);
	return 1;
}

/* 1 if *p could be written, 0 if the write faulted */
static noinline int try_store(uint64_t *p, uint64_t v)
{
	if (sigsetjmp(seg_jb, 1))
		return 0;
	WRITE_ONCE(seg_armed, 1);
	barrier();
	WRITE_ONCE(*p, v);
	barrier();
	WRITE_ONCE(seg_armed, 0);
	return 1;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t file_word(unsigned long off)
{
	return 0x5241000000000000ULL | off;
}

static char *file_cell(unsigned int c)
{
	return file_base + c * (CELL_PAGES + 1) * PAGE;
}

static void make_file(const char *path)
{
	static uint64_t buf[WORDS];
	unsigned long off;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		finish(2, "open %s: %s", path, strerror(errno));
	for (off = 0; off < FILE_BYTES; off += PAGE) {
		for (unsigned int w = 0; w < WORDS; w++)
			buf[w] = file_word(off + w * 8);
		if (pwrite(fd, buf, PAGE, off) != (ssize_t)PAGE)
			finish(2, "write %s: %s", path, strerror(errno));
	}
	fsync(fd);
	/* one cell per CELL_PAGES of the file; a guard page between cells */
	file_base = mmap(NULL, FILE_CELLS * (CELL_PAGES + 1) * PAGE, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (file_base == MAP_FAILED)
		finish(2, "mmap reserve: %s", strerror(errno));
	for (unsigned int c = 0; c < FILE_CELLS; c++) {
		unsigned long foff = (c % (FILE_BYTES / (CELL_PAGES * PAGE))) *
				     CELL_PAGES * PAGE;

		if (mmap(file_cell(c), CELL_PAGES * PAGE, PROT_READ,
			 MAP_SHARED | MAP_FIXED, fd, foff) == MAP_FAILED)
			finish(2, "mmap file cell: %s", strerror(errno));
		munmap(file_cell(c) + CELL_PAGES * PAGE, PAGE);	/* the gap */
	}
	close(fd);
}

/* the file offset a file cell's page maps */
static unsigned long cell_off(unsigned int c, unsigned int page)
{
	return (c % (FILE_BYTES / (CELL_PAGES * PAGE))) * CELL_PAGES * PAGE +
	       page * PAGE;
}

#define FORGE_SECONDS	2

static atomic_long forged_frames;

static void on_alarm(int sig __maybe_unused)
{
	atomic_fetch_add(&forged_frames, 1);
}

/* mprotect(@addr, @len, PROT_READ) with rsp at @sp */
static noinline long mprotect_at(char *sp, char *addr, size_t len)
{
	long ret;

	asm volatile("mov %%rsp, %%r12\n\t"
		     "mov %[sp], %%rsp\n\t"
		     "syscall\n\t"
		     "mov %%r12, %%rsp\n\t"
		     : "=a"(ret)
		     : "a"((long)SYS_mprotect), "D"(addr), "S"(len),
		       "d"((long)PROT_READ), [sp] "r"(sp)
		     : "rcx", "r11", "r12", "memory");
	return ret;
}

/*
 * Write sections that only look like mprotect(): SIGALRM, raised by an
 * interval timer while mprotect() of a page of its own runs, is delivered on its
 * way out with its registers still in place, and its frame is pushed on a
 * stack pointer just above a fresh MAP_GROWSDOWN mapping (a 1 MiB hole
 * below it, then an inaccessible VMA: no stack guard gap applies), whose
 * expansion is a write section of its own.
 */
static void forge_phase(void)
{
	struct itimerval it = { { 0, 300 }, { 0, 300 } };
	char *res = mmap(NULL, 4UL << 20, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *stack = res + (3UL << 20);
	char *dummy = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			   -1, 0);
	double until = now_s() + FORGE_SECONDS;

	if (res == MAP_FAILED || dummy == MAP_FAILED)
		finish(2, "mmap reserve: %s", strerror(errno));
	signal(SIGALRM, on_alarm);
	setitimer(ITIMER_REAL, &it, NULL);
	while (now_s() < until) {
		if (munmap(res + (2UL << 20), 2UL << 20) ||
		    mmap(stack, 16 * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN,
			 -1, 0) == MAP_FAILED)
			finish(2, "mmap growsdown: %s", strerror(errno));
		if (mprotect_at(stack + 256, dummy, PAGE))
			finish(2, "mprotect failed");
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	munmap(res, 4UL << 20);
	munmap(dummy, PAGE);
}

static void *file_reader(void *arg)
{
	uint64_t rng = (uintptr_t)arg * 0x9e3779b97f4a7c15ULL + 1, v;

	while (!atomic_load(&stop)) {
		unsigned int c = rnd(&rng) % FILE_CELLS;
		unsigned int page = SPLIT - 8 + rnd(&rng) % 8;
		unsigned int w = rnd(&rng) % WORDS;
		uint64_t *p = (uint64_t *)(file_cell(c) + page * PAGE) + w;

		if (!try_load(p, &v))
			finish(1, "read of file cell %u page %u (below the split, never protected) faulted",
			       c, page);
		if (v != file_word(cell_off(c, page) + w * 8))
			finish(1, "file cell %u page %u word %u read %#llx, file has %#llx",
			       c, page, w, (unsigned long long)v,
			       (unsigned long long)file_word(cell_off(c, page) + w * 8));
		atomic_fetch_add(&reads, 1);
	}
	return NULL;
}

static void xmprotect(void *p, size_t len, int prot)
{
	if (mprotect(p, len, prot))
		finish(2, "mprotect: %s", strerror(errno));
}

/* After mprotect(PROT_NONE) of a tail returned, no read of it may work. */
static void check_tail(unsigned int c)
{
	double until = now_s() + 0.002;
	uint64_t v;

	do {
		for (unsigned int page = SPLIT; page < AROUND_END; page++) {
			uint64_t *p = (uint64_t *)(file_cell(c) + page * PAGE);

			if (try_load(p, &v))
				finish(1, "file cell %u page %u read %#llx after mprotect(PROT_NONE) of it returned",
				       c, page, (unsigned long long)v);
		}
		atomic_fetch_add(&splits_checked, 1);
	} while (now_s() < until);
}

static void *file_writer(void *arg __maybe_unused)
{
	size_t tail = (CELL_PAGES - SPLIT) * PAGE;

	prctl(PR_SET_NAME, "rangewriter");
	while (!atomic_load(&stop)) {
		for (unsigned int c = 0; c < FILE_CELLS && !atomic_load(&stop); c++) {
			xmprotect(file_cell(c) + SPLIT * PAGE, tail, PROT_READ);
			if (madvise(file_cell(c), CELL_PAGES * PAGE, MADV_DONTNEED))
				finish(2, "madvise: %s", strerror(errno));
			usleep(300);
			xmprotect(file_cell(c) + SPLIT * PAGE, tail, PROT_NONE);
			check_tail(c);
			atomic_fetch_add(&cycles, 1);
		}
		if (now_s() > t_end)
			atomic_store(&stop, 1);
	}
	return NULL;
}

static uint64_t anon_word(unsigned int cell, unsigned int page, unsigned long n)
{
	return ((uint64_t)cell << 56) | ((uint64_t)page << 40) | n;
}

/* anonymous cell @cell: its own VMA, or for the last one the heap's */
static uint64_t *anon_cell(unsigned int cell)
{
	if (cell == ANON_CELLS)
		return (uint64_t *)heap_base;
	return (uint64_t *)(anon_base + cell * (ANON_PAGES + 1) * PAGE);
}

static void *anon_worker(void *arg)
{
	unsigned int cell = (uintptr_t)arg;
	uint64_t *base = anon_cell(cell);
	unsigned long n = 0;

	while (!atomic_load(&stop)) {
		n++;
		for (unsigned int page = 0; page < ANON_PAGES; page++)
			WRITE_ONCE(base[page * WORDS + n % WORDS], anon_word(cell, page, n));
		for (unsigned int page = 0; page < ANON_PAGES; page++) {
			uint64_t v = READ_ONCE(base[page * WORDS + n % WORDS]);

			if (v != anon_word(cell, page, n))
				finish(1, "anonymous cell %u page %u read %#llx, wrote %#llx",
				       cell, page, (unsigned long long)v,
				       (unsigned long long)anon_word(cell, page, n));
		}
		atomic_fetch_add(&anon_checks, 1);
		if (n % 4 == 0 && madvise(base, ANON_PAGES * PAGE, MADV_DONTNEED))
			finish(2, "madvise: %s", strerror(errno));
	}
	return NULL;
}

/* a mixed workload's writer: mmap, write, mprotect(PROT_READ), munmap */
static void xmadvise(void *p, size_t len, int advice)
{
	if (madvise(p, len, advice))
		finish(2, "madvise(%d): %s", advice, strerror(errno));
}

/* mremap() in place: it must return @p */
static void xmremap(char *p, size_t old_len, size_t new_len)
{
	if (mremap(p, old_len, new_len, 0) != p)
		finish(2, "mremap(%p, %zu, %zu) in place: %s (another mapping took the scratch cell's hole?)",
		       p, old_len, new_len, strerror(errno));
}

/*
 * mremap() in place in the scratch cell @p (@len bytes, one VMA, every
 * page written): unmap two pages in its middle, grow the lower part back
 * over them (which merges the upper part, the VMA after the call's
 * range, into it), then shrink the cell by four pages and grow it back
 * (the PROT_NONE reserve after it does not merge). The pages the growths
 * add are written like the others.
 */
static void mremap_round(char *p, size_t len)
{
	size_t half = len / 2;

	if (munmap(p + half, 2 * PAGE))
		finish(2, "munmap scratch hole: %s", strerror(errno));
	xmremap(p, half, half + 2 * PAGE);
	xmremap(p, len, len - 4 * PAGE);
	xmremap(p, len - 4 * PAGE, len);
	for (size_t off = half; off < half + 2 * PAGE; off += PAGE)
		WRITE_ONCE(p[off], 1);
	for (size_t off = len - 4 * PAGE; off < len; off += PAGE)
		WRITE_ONCE(p[off], 1);
}

static void *anon_writer(void *arg __maybe_unused)
{
	size_t len = 16 * PAGE;

	prctl(PR_SET_NAME, "rangewriter");
	while (!atomic_load(&stop)) {
		char *p = mmap(scratch, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

		if (p == MAP_FAILED)
			finish(2, "mmap scratch: %s", strerror(errno));
		for (size_t off = 0; off < len; off += PAGE)
			WRITE_ONCE(p[off], 1);
		/* splits, and merges back over the call's range or beyond */
		xmadvise(p, len / 2, MADV_NOHUGEPAGE);
		xmadvise(p, len, MADV_HUGEPAGE);
		xmadvise(p + len / 2, len / 2, MADV_NOHUGEPAGE);
		xmadvise(p, len / 2, MADV_NOHUGEPAGE);
		/* flag changes: two VMAs, the first changed before the second */
		xmadvise(p, len, MADV_DONTDUMP);
		xmadvise(p, len / 2, MADV_RANDOM);
		xmadvise(p, len, MADV_DODUMP);
		xmadvise(p, len / 2, MADV_NORMAL);
		mremap_round(p, len);
		xmprotect(p, len, PROT_READ);
		for (size_t off = 0; off < len; off += PAGE)
			if (READ_ONCE(p[off]) != 1)
				finish(1, "scratch page %zu lost its data across madvise() and mremap()",
				       off / PAGE);
		if (try_store((uint64_t *)(p + len / 2), 2))
			finish(1, "a write to the scratch cell worked after mprotect(PROT_READ) of it returned");
		if (munmap(p, len))
			finish(2, "munmap: %s", strerror(errno));
		atomic_fetch_add(&scratch_rounds, 1);
	}
	return NULL;
}

/* glibc's brk(), which keeps the break its malloc() extends from */
static void xbrk(char *to)
{
	if (brk(to))
		finish(2, "brk(%p): %s", to, strerror(errno));
}

/*
 * The heap writer: brk() up and down above the heap's anonymous cell (the
 * growth merges into the cell's VMA), mlock()/munlock() of the grown part,
 * madvise() flag changes that split the cell and merge it back; once the
 * break is lowered, a read above it must fault.
 */
static void *heap_writer(void *arg __maybe_unused)
{
	char *top = heap_base + ANON_PAGES * PAGE, *grown = top + HEAP_GROW * PAGE;
	uint64_t v;

	prctl(PR_SET_NAME, "rangewriter");
	while (!atomic_load(&stop)) {
		xbrk(grown);
		for (size_t off = 0; off < HEAP_GROW * PAGE; off += PAGE)
			WRITE_ONCE(top[off], 1);
		if (mlock(top, HEAP_GROW / 2 * PAGE) || munlock(top, HEAP_GROW / 2 * PAGE))
			finish(2, "mlock/munlock: %s", strerror(errno));
		xmadvise(heap_base + 8 * PAGE, 8 * PAGE, MADV_DONTDUMP);
		xmadvise(heap_base + 4 * PAGE, 4 * PAGE, MADV_RANDOM);
		xmadvise(heap_base + 8 * PAGE, 8 * PAGE, MADV_DODUMP);
		xmadvise(heap_base + 4 * PAGE, 4 * PAGE, MADV_NORMAL);
		xbrk(top);
		if (try_load((uint64_t *)(top + PAGE), &v))
			finish(1, "a read above the break worked after brk() lowered it (%#llx)",
			       (unsigned long long)v);
		atomic_fetch_add(&heap_rounds, 1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[16];
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };
	int nt = 0;

	verdict_name = "rangetorture";
	if (argc != 3)
		finish(2, "usage: rangetorture FILE SECONDS");
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGSEGV, &sa, NULL);
	make_file(argv[1]);
	anon_base = mmap(NULL, (ANON_CELLS * (ANON_PAGES + 1) + 17) * PAGE,
			 PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon_base == MAP_FAILED)
		finish(2, "mmap anon: %s", strerror(errno));
	for (unsigned int c = 0; c < ANON_CELLS; c++)
		xmprotect(anon_base + c * (ANON_PAGES + 1) * PAGE,
			  ANON_PAGES * PAGE, PROT_READ | PROT_WRITE);
	scratch = anon_base + ANON_CELLS * (ANON_PAGES + 1) * PAGE;
	/* malloc() must not extend the brk heap: the heap writer owns it */
	mallopt(M_MMAP_THRESHOLD, 0);
	heap_base = (char *)(((uintptr_t)sbrk(0) + PAGE - 1) & ~(PAGE - 1));
	xbrk(heap_base + ANON_PAGES * PAGE);
	t_end = now_s() + atof(argv[2]);
	for (uintptr_t i = 0; i < 2; i++)
		pthread_create(&t[nt++], NULL, file_reader, (void *)i);
	for (uintptr_t i = 0; i <= ANON_CELLS; i++)
		pthread_create(&t[nt++], NULL, anon_worker, (void *)i);
	pthread_create(&t[nt++], NULL, anon_writer, NULL);
	pthread_create(&t[nt++], NULL, file_writer, NULL);
	/* last: the main thread allocates nothing from the brk heap after it */
	pthread_create(&t[nt++], NULL, heap_writer, NULL);
	forge_phase();
	while (nt)
		pthread_join(t[--nt], NULL);
	finish(0, "cycles %ld tails_checked %ld reads %ld anon_checks %ld scratch_rounds %ld heap_rounds %ld alarms %ld",
	       atomic_load(&cycles), atomic_load(&splits_checked),
	       atomic_load(&reads), atomic_load(&anon_checks),
	       atomic_load(&scratch_rounds), atomic_load(&heap_rounds),
	       atomic_load(&forged_frames));
}
