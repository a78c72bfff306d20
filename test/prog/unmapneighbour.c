// SPDX-License-Identifier: GPL-2.0
/*
 * unmapneighbour: lockless faults on a VMA while munmap() removes the VMA
 * right below it (src/write_range.c: munmap's cover stops at the
 * neighbours, which munmap never changes).
 *
 *   unmapneighbour SECONDS [split | mmap | madvise]
 *
 * Two fault threads write and check their own half of the first 960 KiB
 * of a 1 MiB anonymous area (the "neighbour"), dropping its pages
 * (MADV_DONTNEED) after every pass so that every pass faults them in
 * again. The main thread, for
 * SECONDS, maps 4 MiB right below the neighbour, populated and writable
 * but MAP_NORESERVE (other vm_flags: no merge, its own VMA, checked in
 * /proc/self/maps), and unmaps it again (a PROT_NONE page below keeps
 * other mappings, such as thread stacks, out of the hole): a long munmap section (1024 pages
 * to free) beside a short mmap one. After each munmap a read of the
 * removed range must fault.
 *
 * With "split", the main thread instead protects the neighbour's last 64
 * KiB (PROT_READ: a split, which moves the threads' part to a new VMA)
 * and unprotects it (the merge back), and a write there must fault in
 * between: the guest test then checks that the threads' faults still
 * found a shadow record for their VMA (src/shadow.c, section records).
 *
 * With "mmap", the main thread instead maps one page of anonymous memory
 * into a one-page hole between two PROT_NONE pages far from the neighbour
 * (mmap() without MAP_FIXED, the hole's address as its hint: the search
 * for room runs inside the section, as any mmap()'s does), checks that it
 * reads zero and takes a write, and unmaps it: short mmap and munmap
 * sections, none of them near the threads' VMA (src/write_range.c: an
 * anonymous mmap() declares the empty range until its mmap_region(), then
 * the range there).
 *
 * With "madvise", the main thread instead writes a 128 KiB VMA far from
 * the neighbour (between two PROT_NONE pages), gives its lower half, then
 * its upper half MADV_HUGEPAGE (a split, then the merge back), then the
 * same with MADV_NOHUGEPAGE, MADV_DONTDUMP and MADV_DODUMP, and checks
 * that every page kept what it wrote: write sections none of them near
 * the threads' VMA (src/write_range.c: such a section is split at its
 * first VMA, at hugepage_madvise() or vma_merge(), and then declares the
 * call's range).
 *
 * Prints "unmapneighbour PASS ..." or "unmapneighbour FAIL: ..." and exits
 * 0 or 1 (2: could not run). The guest test then reads the counters: with
 * the neighbour outside munmap's range, most faults that met a writer were
 * served during it (lockless_during_writer).
 */
#define _GNU_SOURCE
#include <errno.h>
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
#include <time.h>
#include <unistd.h>

#include "kernel_compat.h"
#include "verdict.h"

#define PAGE		4096UL
#define NB_PAGES	256		/* the neighbour: 1 MiB */
#define BELOW_PAGES	1024		/* the VMA unmapped below it: 4 MiB */
#define THREADS		2
#define TOP_PAGES	16		/* split mode: the part main protects */
#define FAR_PAGES	32		/* madvise mode: the VMA main advises */

static char *neighbour, *below, *hole, *far;
static atomic_long passes, rounds;

static uint64_t pattern(long t, long pass, long page)
{
	return ((uint64_t)t << 56) ^ ((uint64_t)pass << 20) ^ (uint64_t)page ^
	       0x5a5a000000000000ULL;
}

static void *fault_thread(void *arg)
{
	long t = (long)arg, half = (NB_PAGES - TOP_PAGES) / THREADS, pass;
	char *mine = neighbour + t * half * PAGE;

	for (pass = 0; !atomic_load(&stop); pass++) {
		for (long i = 0; i < half; i++)
			WRITE_ONCE(*(uint64_t *)(mine + i * PAGE), pattern(t, pass, i));
		for (long i = 0; i < half; i++)
			if (READ_ONCE(*(uint64_t *)(mine + i * PAGE)) != pattern(t, pass, i))
				finish(1, "thread %ld pass %ld page %ld: read %#llx", t, pass, i,
				       (unsigned long long)*(uint64_t *)(mine + i * PAGE));
		if (madvise(mine, half * PAGE, MADV_DONTNEED))
			finish(2, "madvise: %s", strerror(errno));
		atomic_fetch_add(&passes, 1);
	}
	return NULL;
}

static sigjmp_buf seg_jb;
static sig_atomic_t seg_armed;	/* by the main thread only */

static void on_segv(int sig)
{
	if (!READ_ONCE(seg_armed)) {	/* not the main thread's probe: die of it */
		signal(sig, SIG_DFL);
		return;
	}
	WRITE_ONCE(seg_armed, 0);
	siglongjmp(seg_jb, 1);
}

/* 1 if *p could be read (or written), 0 if it faulted (main thread only) */
static noinline int accessible(char *p, int write)
{
	if (sigsetjmp(seg_jb, 1))
		return 0;
	WRITE_ONCE(seg_armed, 1);
	if (write)
		WRITE_ONCE(*p, 1);
	else
		(void)READ_ONCE(*p);
	WRITE_ONCE(seg_armed, 0);
	return 1;
}

/* Is [p, p + len) one VMA of its own in /proc/self/maps? */
static int own_vma(char *p, size_t len)
{
	char want[64], line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	if (!f)
		finish(2, "/proc/self/maps: %s", strerror(errno));
	snprintf(want, sizeof(want), "%lx-%lx ", (unsigned long)p,
		 (unsigned long)(p + len));
	while (fgets(line, sizeof(line), f))
		found |= !strncmp(line, want, strlen(want));
	fclose(f);
	return found;
}

static void map_below(void)
{
	char *p = mmap(below, BELOW_PAGES * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE |
		       MAP_NORESERVE | MAP_POPULATE, -1, 0);

	if (p != below)
		finish(2, "mmap below the neighbour: %s", strerror(errno));
}

/* one round of the default mode: map below the neighbour, unmap it */
static void unmap_round(void)
{
	map_below();
	if (munmap(below, BELOW_PAGES * PAGE))
		finish(2, "munmap: %s", strerror(errno));
	if (accessible(below + (rounds % BELOW_PAGES) * PAGE, 0))
		finish(1, "a read below the neighbour worked after munmap() returned");
}

/* one round of split mode: protect the neighbour's top, then unprotect */
static void split_round(void)
{
	char *top = neighbour + (NB_PAGES - TOP_PAGES) * PAGE;

	if (mprotect(top, TOP_PAGES * PAGE, PROT_READ))
		finish(2, "mprotect: %s", strerror(errno));
	if (accessible(top + (rounds % TOP_PAGES) * PAGE, 1))
		finish(1, "a write to the neighbour's top worked after mprotect(PROT_READ) returned");
	if (mprotect(top, TOP_PAGES * PAGE, PROT_READ | PROT_WRITE))
		finish(2, "mprotect: %s", strerror(errno));
}

/* mmap mode: a one-page hole between two PROT_NONE pages, far away */
static void make_hole(void)
{
	char *r = mmap(NULL, 3 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (r == MAP_FAILED || munmap(r + PAGE, PAGE))
		finish(2, "mmap mode's hole: %s", strerror(errno));
	hole = r + PAGE;
}

/* one round of mmap mode: map a page into the hole, use it, unmap it */
static void mmap_round(void)
{
	char *p = mmap(hole, PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p != hole)
		finish(2, "mmap into the hole: %s", p == MAP_FAILED ?
		       strerror(errno) : "placed elsewhere");
	if (READ_ONCE(*(uint64_t *)p))
		finish(1, "a new anonymous page read %#llx",
		       (unsigned long long)*(uint64_t *)p);
	WRITE_ONCE(*(uint64_t *)p, pattern(THREADS, rounds, 0));
	if (READ_ONCE(*(uint64_t *)p) != pattern(THREADS, rounds, 0))
		finish(1, "the hole's page read %#llx after a write",
		       (unsigned long long)*(uint64_t *)p);
	if (munmap(p, PAGE))
		finish(2, "munmap: %s", strerror(errno));
	if (accessible(p, 0))
		finish(1, "a read of the hole worked after munmap() returned");
}

/* madvise mode: a VMA of FAR_PAGES between two PROT_NONE pages, far away */
static void make_far(void)
{
	char *r = mmap(NULL, (FAR_PAGES + 2) * PAGE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (r == MAP_FAILED ||
	    mprotect(r + PAGE, FAR_PAGES * PAGE, PROT_READ | PROT_WRITE))
		finish(2, "madvise mode's VMA: %s", strerror(errno));
	far = r + PAGE;
}

static void far_advise(size_t first, size_t n, int advice)
{
	if (madvise(far + first * PAGE, n * PAGE, advice))
		finish(2, "madvise(%d): %s", advice, strerror(errno));
}

/*
 * one round of madvise mode: write the far VMA, give its halves one
 * advice after the other (a split, then the merge back), then each other
 * advice the same way; every page must keep what was written
 */
static void madvise_round(void)
{
	static const int advice[] = { MADV_HUGEPAGE, MADV_NOHUGEPAGE,
				      MADV_DONTDUMP, MADV_DODUMP };
	const size_t half = FAR_PAGES / 2;

	for (size_t i = 0; i < FAR_PAGES; i++)
		WRITE_ONCE(*(uint64_t *)(far + i * PAGE), pattern(THREADS, rounds, i));
	for (size_t a = 0; a < ARRAY_SIZE(advice); a++) {
		far_advise(0, half, advice[a]);
		far_advise(half, half, advice[a]);
	}
	for (size_t i = 0; i < FAR_PAGES; i++)
		if (READ_ONCE(*(uint64_t *)(far + i * PAGE)) != pattern(THREADS, rounds, i))
			finish(1, "far page %zu lost its data across madvise()", i);
}

int main(int argc, char **argv)
{
	pthread_t t[THREADS];
	double secs;
	time_t end;
	const char *mode;

	verdict_name = "unmapneighbour";
	secs = argc >= 2 ? atof(argv[1]) : 0;
	mode = argc == 3 ? argv[2] : "unmap";
	if (secs <= 0 || argc > 3 ||
	    (strcmp(mode, "unmap") && strcmp(mode, "split") &&
	     strcmp(mode, "mmap") && strcmp(mode, "madvise")))
		finish(2, "usage: unmapneighbour SECONDS [split | mmap | madvise]");
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGSEGV, on_segv);
	/* a PROT_NONE page stays below: nothing else fits in the hole */
	below = mmap(NULL, (1 + BELOW_PAGES + NB_PAGES) * PAGE, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (below == MAP_FAILED)
		finish(2, "mmap: %s", strerror(errno));
	below += PAGE;
	neighbour = below + BELOW_PAGES * PAGE;
	make_hole();	/* before the hole below the neighbour opens */
	make_far();
	if (munmap(below, BELOW_PAGES * PAGE) ||
	    mprotect(neighbour, NB_PAGES * PAGE, PROT_READ | PROT_WRITE) ||
	    madvise(neighbour, NB_PAGES * PAGE, MADV_NOHUGEPAGE))
		finish(2, "setting up the neighbour: %s", strerror(errno));
	map_below();
	if (!own_vma(below, BELOW_PAGES * PAGE) ||
	    !own_vma(neighbour, NB_PAGES * PAGE))
		finish(2, "the mapping below merged with the neighbour (vm.overcommit_memory=2?)");
	if (munmap(below, BELOW_PAGES * PAGE))
		finish(2, "munmap: %s", strerror(errno));
	for (long i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, fault_thread, (void *)i);
	end = time(NULL) + (time_t)secs;
	while (time(NULL) < end) {
		if (!strcmp(mode, "split"))
			split_round();
		else if (!strcmp(mode, "mmap"))
			mmap_round();
		else if (!strcmp(mode, "madvise"))
			madvise_round();
		else
			unmap_round();
		atomic_fetch_add(&rounds, 1);
	}
	atomic_store(&stop, 1);
	for (long i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	finish(0, "rounds %ld passes %ld", atomic_load(&rounds),
	       atomic_load(&passes));
}
