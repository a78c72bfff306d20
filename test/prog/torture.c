// SPDX-License-Identifier: GPL-2.0
/*
 * torture: correctness tests for page faults served without mmap_lock.
 *
 *   torture integrity -s SECONDS
 *	3 workers fault, write and verify their own pages strictly (read ==
 *	last written; fresh pages all zero, on a read-first and on a
 *	write-first touch; MADV_FREE: old or zero) while other threads of
 *	the process churn the neighbourhood: mmap/munmap/mprotect/mlock/
 *	MADV_DONTNEED/MADV_FREE/mbind/mremap (MREMAP_DONTUNMAP too) of slots
 *	merged with the worker ranges, content-preserving mprotect/mbind
 *	splits of the worker ranges themselves, brk up and down, whole
 *	PMD-sized cells mapped and unmapped, mlock2(MLOCK_ONFAULT) ranges
 *	(every page faulted there must be PG_mlocked), and one shared chaos
 *	cell where anything goes (THP on and off included) and every word
 *	read must be zero or a valid pattern for that page and word. Unmapped
 *	ranges must be inaccessible; after munmap/mprotect of chaos pages
 *	and the workers' in-flight accesses ended, those pages must refuse.
 *   torture mprotect -s SECONDS
 *	2 threads write fresh pages while the main thread mprotect()s all or
 *	part of the range to PROT_READ or PROT_NONE. Once mprotect returned
 *	and the writers' in-flight stores ended, every page in the range,
 *	touched or not, refuses writes (and reads for PROT_NONE) with
 *	SEGV_ACCERR at the right address, refused faults mapped nothing
 *	(mincore), pages outside still work, and every page holds zero or
 *	the value of a store that succeeded.
 *   torture fork -s SECONDS
 *	2 parent threads fault fresh and existing pages strictly while the
 *	main thread forks again and again. Each child sees only zero or
 *	parent patterns, never a change after fork (parent writes leaking
 *	in), the exact data of a stable range, zero in MADV_WIPEONFORK and
 *	no MADV_DONTFORK range; then writes its own pattern everywhere and
 *	verifies it stays. The parent never sees a child's write. Before
 *	half the forks the main thread clears soft-dirty bits
 *	(/proc/self/clear_refs 4): every PTE becomes read-only while its page
 *	stays exclusive, so the threads' next writes are write-protect reuse
 *	faults, racing with the fork that shares their pages; a page of its
 *	own must then read back soft-dirty after one write.
 *   torture uffd [-s SECONDS]
 *	A userfaultfd MISSING range: per round, 3 threads fault the empty,
 *	unregistered range while the main thread registers it and empties
 *	it again; then they read and write every page, which must hold the
 *	handler's UFFDIO_COPY pattern (zero: filled by something else), and
 *	the handler must have seen every page.
 *   torture pkeys
 *	A range with its own protection key: with PKEY_DISABLE_WRITE, writes
 *	to fresh and zero-page-mapped pages raise SEGV_PKUERR (right key and
 *	address) and map nothing, reads work and read zero; with
 *	PKEY_DISABLE_ACCESS reads fault too; PKRU is per thread: another
 *	thread writes while this one is refused. "skipped: no pkeys" without
 *	pkey support.
 *   torture memcg -m MiB -t MiB
 *	Run inside a cgroup v2 with memory.max = -m MiB: 4 threads touch -t
 *	MiB of fresh anonymous memory. t > m: finishing is a violation (the
 *	kernel must OOM-kill it); t <= m: memory.current must cover t.
 *   torture oomacct -t MiB [-S]
 *	In a cgroup with a lower memory.max: a child touches -t MiB in one
 *	thread until OOM-killed; prints its end, pages touched, min_flt and
 *	majflt, to compare memcg events and fault counts with the stock path.
 *	-S: the memory is shared anonymous (shmem: each touch fills a hole).
 *   torture account -p PAGES
 *	One thread touches PAGES fresh pages; prints min_flt, majflt, the
 *	process's own perf minor/all fault counts over that loop, and
 *	RssAnon before and after (6.1's per-task RSS caches folded first),
 *	for test/guest/accounting.sh to compare with and without the module.
 *	With -f FILE: PAGES pages of FILE, dropped from the page cache, read
 *	through a MADV_RANDOM mapping (one major fault each); prints min_flt,
 *	majflt, perf minor and major faults and /proc/vmstat pgmajfault over
 *	the loop. With -c the file stays cached and the mapping is not
 *	MADV_RANDOM: faults are minor, fault-around maps neighbours (the
 *	mapping is 64 kB aligned).
 *   torture storm -s SECONDS
 *	mmap/mprotect/munmap/MADV_DONTNEED of random parts of a private range,
 *	writing each new mapping, until SIGTERM; on each SIGUSR1, the mprotect
 *	race above for SECONDS, in this process (test/guest/load-race.sh: the
 *	mm that was busy while the module loaded), with its summary line.
 *   torture dgnest -s SECONDS
 *	The main thread (named dgnest-unmap) maps a range R with
 *	MAP_FIXED_NOREPLACE and unmaps it again, a neighbour in the same PMD
 *	keeping R's PTE table, while 2 threads store to every page of R,
 *	retrying refused pages throughout munmap(). Every fresh mapping of R
 *	must have no page resident and read zero everywhere: a page that a
 *	fault installed while munmap() tore the previous R down would still
 *	be in the table (test/guest/downgrade-nest.sh).
 *   torture tables -s SECONDS
 *	THP off for the process; 8 cells of two PTE tables each (4 MiB,
 *	aligned, 4 MiB or more apart), in a 512 MiB area whose PMD table an
 *	anchor page keeps. The main thread moves cells, by preference one a
 *	thread is accessing, round their four positions (munmap, then mmap at
 *	the next, and one store in the first half: the VMA's anon_vma and
 *	first table; a table left behind survives three more moves) while 2
 *	threads store
 *	to and load back random pages of random cells, at the old position
 *	while a cell moves: first touches in fresh PMD ranges (the second
 *	half's: a lockless fault makes its table), and faults racing
 *	munmap()'s free_pgtables(). A cell that did not move must
 *	never refuse and read back what was written. At the end every cell
 *	is unmapped and VmPTE must equal its value before any cell existed:
 *	more is a PTE table installed in a range munmap() had already freed
 *	the tables of (leaked). The cell range is then mapped and unmapped
 *	once more (freeing such a table) before the violation is reported.
 *   torture swapin -s SECONDS
 *	Swap-in of anonymous pages; run it with a synchronous swap device
 *	(zram) and page-cluster 0. Accounting, single-threaded: 256 pages,
 *	every word a pattern of page, word and version, are paged out
 *	(MADV_PAGEOUT; fewer than 9 in 10 swapped out, by mincore, is an
 *	error), read back in order, word 0 first, then paged out again and
 *	written word 0 first: each page holds its data, and each pass counts
 *	exactly one major fault (getrusage, /proc/vmstat pgmajfault) and one
 *	pswpin per page swapped out; one line per pass prints the counts.
 *	Then for SECONDS: 2 threads verify and rewrite (new version, every
 *	word) their own 512 pages while a thread pages random parts of them
 *	out; the main thread writes and pages out a range F, a thread stores
 *	to F and the main thread mprotect()s F to PROT_READ: once the store
 *	in flight ended, every store to F is refused (SEGV_ACCERR at the
 *	right address) and F holds what the successful stores wrote. Every
 *	200 ms a fork: the child sees a worker pattern in every word it
 *	checks and keeps its own writes, the workers never see them. At the
 *	end every worker page holds its last version.
 *   torture resize -s SECONDS
 *	One thread, rounds of: a VMA V of 32 pages (MADV_DONTFORK: it merges
 *	with nothing) below a 32-page hole; half of V written (its first
 *	fault makes V's shadow record), V grown over the hole in place by
 *	mremap() (V keeps its struct, and its record, stale after a whole
 *	write section, still lies within it; a module that declares
 *	mremap's range, as a test build with its range audit does even for
 *	one thread, refreshes the record at the section's end instead), the rest of V written and every page
 *	read back, then V shrunk to 8 pages by mremap(): every page shrunk
 *	away must refuse a read (a stale record must not be trusted past its
 *	VMA's new end), and the 8 pages keep their data. Fresh pages read
 *	zero. V is 64 pages at most: no huge page fits.
 *
 * Exit status: 0 pass; 1 a violation (one "VIOLATION:" line on stderr says
 * what was seen); 2 the test could not run (usage, setup failure). Every
 * subcommand prints one summary line on stdout ("... PASS ..." or "... FAIL
 * ..."), except memcg when the kernel kills it, as it must.
 *
 * Every mapping the tests fault in is MADV_NOHUGEPAGE (one fault per page)
 * except the integrity test's chaos cell, which toggles THP on purpose, and
 * the tables test, which disables THP for the whole process (prctl).
 * A lockless anonymous fault needs the VMA's anon_vma and an existing PTE
 * table, so the tests pre-fault pages and MADV_DONTNEED them where they
 * want a supply of fresh pages (MADV_DONTNEED keeps the page tables).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "kernel_compat.h"

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef SEGV_PKUERR
#define SEGV_PKUERR 4
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#define MPOL_DEFAULT 0
#define MPOL_BIND 2

#define PAGE_SZ 4096UL
#define WORDS ((unsigned int)(PAGE_SZ / sizeof(uint64_t)))
#define CELL_SZ (2UL << 20)		/* one PMD: one PTE table */
#define CELL_PAGES ((unsigned int)(CELL_SZ / PAGE_SZ))
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

/* ---------------------------------------------------------------- basics */

static const char *sub = "?";
static atomic_int dying;
static void (*summary_fn)(const char *verdict);

static void put(int fd, const char *s)
{
	size_t n = strlen(s);

	while (n) {
		ssize_t r = write(fd, s, n);

		if (r <= 0)
			return;
		s += r;
		n -= r;
	}
}

static void __noreturn report_exit(int status, const char *kind, const char *fmt, va_list ap)
{
	char buf[1536];
	int n;

	/* the first report wins; other threads wait for the exit */
	if (atomic_exchange(&dying, 1))
		for (;;)
			pause();
	n = snprintf(buf, sizeof(buf), "torture %s: %s: ", sub, kind);
	vsnprintf(buf + n, sizeof(buf) - n - 2, fmt, ap);
	strcat(buf, "\n");
	put(2, buf);
	if (summary_fn)
		summary_fn(status == 1 ? "FAIL" : "ERROR");
	_exit(status);
}

/* The kernel did something a correct fault path never does. */
static void __noreturn __printf(1, 2) violation(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_exit(1, "VIOLATION", fmt, ap);
}

/* The test itself could not run. */
static void __noreturn __printf(1, 2) fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_exit(2, "error", fmt, ap);
}

/*
 * Wait for the child @pid just forked. Its pid is a word of the parent's
 * stack: a waitpid() that reaps another child, or finds none (ECHILD,
 * though the fork succeeded and nothing else reaps), means that word
 * changed under the parent, e.g. a child's write reached the parent's
 * stack (the child's own copy of it holds 0).
 */
static void reap_child(pid_t pid, int *status)
{
	pid_t w = waitpid(pid, status, 0);

	if (w < 0 && errno == ECHILD)
		violation("waitpid(%d): no such child: the parent's stack changed under it (a child's write reached the parent)",
			  pid);
	if (w < 0)
		fatal("waitpid: %s", strerror(errno));
	if (w != pid)
		violation("waitpid(%d) reaped child %d: the parent's stack changed under it (a child's write reached the parent)",
			  pid, w);
}

static double t_start, t_end;

static int time_up(void)
{
	return now_s() >= t_end || atomic_load(&dying);
}

static uint64_t rnd_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static unsigned int rnd(uint64_t *s, unsigned int n)
{
	return (unsigned int)(rnd_next(s) >> 11) % n;
}

static uint64_t seed_for(int id)
{
	return 0x9e3779b97f4a7c15ULL * (uint64_t)(id + 1) ^ (uint64_t)getpid() << 20 ^
	       (uint64_t)(now_s() * 1e6);
}

static void nap_us(unsigned int us)
{
	if (us)
		usleep(us);
}

static void *map_at(void *addr, size_t len, int prot)
{
	void *p = mmap(addr, len, prot, ANON | MAP_FIXED | (prot ? 0 : MAP_NORESERVE), -1, 0);

	if (p != addr)
		fatal("mmap(%p, %zu, prot %d, MAP_FIXED): %s", addr, len, prot, strerror(errno));
	return p;
}

static void xmadvise(void *addr, size_t len, int advice, const char *name)
{
	if (madvise(addr, len, advice))
		fatal("madvise(%p, %zu, %s): %s", addr, len, name, strerror(errno));
}

static void xmprotect(void *addr, size_t len, int prot)
{
	if (mprotect(addr, len, prot))
		fatal("mprotect(%p, %zu, %d): %s", addr, len, prot, strerror(errno));
}

/* A PROT_NONE reservation of @cells 2 MiB cells, 2 MiB aligned. */
static char *reserve_cells(unsigned int cells)
{
	size_t len = (cells + 1) * CELL_SZ;
	char *p = mmap(NULL, len, PROT_NONE, ANON | MAP_NORESERVE, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		fatal("mmap reservation of %zu bytes: %s", len, strerror(errno));
	a = (char *)(((uintptr_t)p + CELL_SZ - 1) & ~(CELL_SZ - 1));
	return a;
}

static pthread_t spawn(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	int e = pthread_create(&t, NULL, fn, arg);

	if (e)
		fatal("pthread_create: %s", strerror(e));
	return t;
}

/* Is the page at @p mapped (a PTE present)? */
static int resident(const void *p)
{
	unsigned char v = 0;

	if (mincore((void *)p, PAGE_SZ, &v))
		fatal("mincore(%p): %s", (void *)p, strerror(errno));
	return v & 1;
}

static atomic_long mbind_ok, mbind_unsupported;

/* mbind @addr..+len to node 0 (@bind) or back to the default policy. */
static void try_mbind(void *addr, size_t len, int bind)
{
	unsigned long mask = 1;
	long r;

	if (bind)
		r = syscall(SYS_mbind, addr, len, MPOL_BIND, &mask, 8 * sizeof(mask), 0);
	else
		r = syscall(SYS_mbind, addr, len, MPOL_DEFAULT, NULL, 0, 0);
	if (!r)
		atomic_fetch_add(&mbind_ok, 1);
	else if (errno == ENOSYS || errno == EINVAL || errno == EPERM)
		atomic_fetch_add(&mbind_unsupported, 1);
	else if (errno != EFAULT && errno != ENOMEM)	/* range not all mapped */
		fatal("mbind(%p, %zu): %s", addr, len, strerror(errno));
}

static const char *mbind_state(void)
{
	if (atomic_load(&mbind_ok))
		return "ok";
	return atomic_load(&mbind_unsupported) ? "unsupported" : "not-run";
}

/* ------------------------------------------------ guarded memory access */

/*
 * A SIGSEGV during a guarded access returns to it with the fault's si_code,
 * address and protection key; anywhere else it is a violation (the tests
 * only touch memory that must be accessible). SA_NODEFER and sigsetjmp
 * without the mask: no system call per access.
 */
static __thread sigjmp_buf seg_jb;
static __thread sig_atomic_t seg_armed;
static __thread int seg_code, seg_pkey;
static __thread void *seg_addr;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	if (sig != SIGSEGV || !READ_ONCE(seg_armed))
		violation("unexpected signal %d (si_code %d) at %p outside a guarded access",
			  sig, si->si_code, si->si_addr);
	WRITE_ONCE(seg_armed, 0);
	WRITE_ONCE(seg_code, si->si_code);
	WRITE_ONCE(seg_addr, si->si_addr);
	WRITE_ONCE(seg_pkey, si->si_code == SEGV_PKUERR ? (int)si->si_pkey : -1);
	siglongjmp(seg_jb, 1);
}

static void setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL) || sigaction(SIGBUS, &sa, NULL))
		fatal("sigaction: %s", strerror(errno));
}

/* Store @v at @p: 0 if it happened, -1 if it raised SIGSEGV. */
static noinline int try_store(uint64_t *p, uint64_t v)
{
	if (sigsetjmp(seg_jb, 0))
		return -1;
	WRITE_ONCE(seg_armed, 1);
	barrier();
	WRITE_ONCE(*p, v);
	barrier();
	WRITE_ONCE(seg_armed, 0);
	return 0;
}

/* Load from @p into *@v: 0 if it happened, -1 if it raised SIGSEGV. */
static noinline int try_load(uint64_t *p, uint64_t *v)
{
	if (sigsetjmp(seg_jb, 0))
		return -1;
	WRITE_ONCE(seg_armed, 1);
	barrier();
	*v = READ_ONCE(*p);
	barrier();
	WRITE_ONCE(seg_armed, 0);
	return 0;
}

/* Run @fn(@arg) with SIGSEGV tolerated: 0 if it completed, -1 if not. */
static noinline int guarded(void (*fn)(void *), void *arg)
{
	if (sigsetjmp(seg_jb, 0))
		return -1;
	WRITE_ONCE(seg_armed, 1);
	barrier();
	fn(arg);
	barrier();
	WRITE_ONCE(seg_armed, 0);
	return 0;
}

/* ------------------------------------------------------------- patterns */

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/*
 * A value that names its writer (@who, 1..255), a sequence number (24 bits),
 * its page (16 bits) and, through a 16-bit check, its word in the page. Never
 * zero; random or misplaced data is not a valid pattern (2^-16 per word).
 */
static uint64_t pat(unsigned int who, unsigned int seq, unsigned int page, unsigned int word)
{
	uint64_t body = (uint64_t)(who & 0xff) << 40 | (uint64_t)(seq & 0xffffff) << 16 |
			(page & 0xffff);

	return (mix64(body ^ (uint64_t)word << 56 ^ 0x7f4a7c15ULL) & 0xffff) << 48 | body;
}

static unsigned int pat_who(uint64_t v)
{
	return (v >> 40) & 0xff;
}

static unsigned int pat_seq(uint64_t v)
{
	return (v >> 16) & 0xffffff;
}

static unsigned int pat_page(uint64_t v)
{
	return v & 0xffff;
}

static int pat_ok(uint64_t v, unsigned int page, unsigned int word)
{
	return v && pat_who(v) && pat_page(v) == (page & 0xffff) &&
	       pat(pat_who(v), pat_seq(v), page, word) == v;
}

/* What @v is, for messages. */
static const char *describe(uint64_t v, unsigned int page, unsigned int word, char *buf, size_t n)
{
	unsigned int w;

	if (!v) {
		snprintf(buf, n, "zero");
		return buf;
	}
	if (pat_ok(v, page, word)) {
		snprintf(buf, n, "a pattern of writer %u, seq %u", pat_who(v), pat_seq(v));
		return buf;
	}
	for (w = 0; w < WORDS; w++)
		if (pat_ok(v, pat_page(v), w)) {
			snprintf(buf, n, "misplaced data: writer %u's pattern for page %u word %u (seq %u)",
				 pat_who(v), pat_page(v), w, pat_seq(v));
			return buf;
		}
	snprintf(buf, n, "not a pattern (stale or foreign data)");
	return buf;
}

/*
 * Strictly checked pages hold a pattern in three words (first, one that
 * depends on the page, last) and zero everywhere else; seq 0 means the
 * whole page is zero.
 */
static unsigned int pword(unsigned int page, int k)
{
	return k == 0 ? 0 : k == 1 ? 1 + (page * 37) % (WORDS - 2) : WORDS - 1;
}

static int is_pword(unsigned int page, unsigned int w)
{
	return w == 0 || w == WORDS - 1 || w == pword(page, 1);
}

static void page_fill(uint64_t *p, unsigned int page, unsigned int who, unsigned int seq)
{
	int k;

	for (k = 0; k < 3; k++)
		WRITE_ONCE(p[pword(page, k)], pat(who, seq, page, pword(page, k)));
}

/* First word of @p that differs from (@who, @seq), or -1. */
static int page_diff(uint64_t *p, unsigned int page, unsigned int who, unsigned int seq,
		     uint64_t *got, uint64_t *want)
{
	unsigned int w;

	for (w = 0; w < WORDS; w++) {
		uint64_t v = READ_ONCE(p[w]);
		uint64_t e = seq && is_pword(page, w) ? pat(who, seq, page, w) : 0;

		if (v != e) {
			*got = v;
			*want = e;
			return (int)w;
		}
	}
	return -1;
}

enum { PG_ZERO, PG_KNOWN, PG_MAYBE };	/* MAYBE: known value or zero (MADV_FREE) */

struct pstate {
	unsigned int seq;
	unsigned char st;
};

static unsigned int next_seq(unsigned int *ctr)
{
	*ctr = (*ctr + 1) & 0xffffff;
	if (!*ctr)
		*ctr = 1;
	return *ctr;
}

/* Check a page its owner knows everything about; the owner is @who. */
static void page_verify(const char *area, uint64_t *p, unsigned int page, unsigned int who,
			struct pstate *ps)
{
	uint64_t got, want;
	char d[160];
	int w;

	if (ps->st == PG_ZERO) {
		w = page_diff(p, page, who, 0, &got, &want);
		if (w >= 0)
			violation("%s page %u at %p: a fresh page is not zero: word %d holds %#llx (%s)",
				  area, page, (void *)p, w, (unsigned long long)got,
				  describe(got, page, w, d, sizeof(d)));
		return;
	}
	w = page_diff(p, page, who, ps->seq, &got, &want);
	if (w < 0)
		return;
	if (ps->st == PG_MAYBE && page_diff(p, page, who, 0, &got, &want) < 0) {
		ps->st = PG_ZERO;	/* MADV_FREE'd page reclaimed */
		return;
	}
	w = page_diff(p, page, who, ps->seq, &got, &want);
	violation("%s page %u at %p: word %d holds %#llx (%s), expected %#llx (last write, seq %u%s)",
		  area, page, (void *)p, w, (unsigned long long)got,
		  describe(got, page, w, d, sizeof(d)), (unsigned long long)want, ps->seq,
		  ps->st == PG_MAYBE ? ", or zero after MADV_FREE" : "");
}

static void page_write(uint64_t *p, unsigned int page, unsigned int who, struct pstate *ps,
		       unsigned int *ctr)
{
	unsigned int s = next_seq(ctr);

	page_fill(p, page, who, s);
	ps->seq = s;
	ps->st = PG_KNOWN;
}

static uint64_t *page_at(void *base, unsigned int page)
{
	return (uint64_t *)((char *)base + (size_t)page * PAGE_SZ);
}

/* The access must fail: @p is unmapped or inaccessible. */
static void expect_inaccessible(const char *what, uint64_t *p)
{
	uint64_t v;

	if (!try_load(p, &v))
		violation("%s: %p is still readable after it was unmapped or made PROT_NONE (holds %#llx)",
			  what, (void *)p, (unsigned long long)v);
}

/* ============================================================ integrity */

#define IN_WORKERS 3
#define IN_SLOT 128			/* pages of a churn slot, either side of a worker range */
#define IN_WPAGES (CELL_PAGES - 2 * IN_SLOT)	/* 256 */
#define IN_NSLOTS (2 * IN_WORKERS)
#define IN_CHAOS IN_WORKERS		/* cell numbers */
#define IN_CHAOS_SPARE (IN_WORKERS + 1)
#define IN_SLOT_SPARE (IN_WORKERS + 2)	/* two cells */
#define IN_FREE_CELL (IN_WORKERS + 4)
#define IN_CELLS (IN_WORKERS + 5)
#define IN_CHAOS_WORD(k) ((k) * 64 + 5)	/* the words chaos writers use */

static char *in_base;
static atomic_long in_pages_checked, in_fresh, in_chaos_reads, in_chaos_writes,
	in_chaos_segv, in_worker_ops, in_churn_ops, in_misc_ops, in_chaos_ops,
	in_brk_ops, in_brk_fail, in_mremap_ops, in_mlock_ops, in_unmapped_checks;
static unsigned int in_nap_us = 400;
static atomic_long in_passes[IN_WORKERS];	/* chaos touches each worker finished */
static atomic_long in_chaos_checks, in_onfault_pages, in_onfault_unchecked;

static char *cell(unsigned int i)
{
	return in_base + (size_t)i * CELL_SZ;
}

static uint64_t *wrange(unsigned int w)
{
	return (uint64_t *)(cell(w) + IN_SLOT * PAGE_SZ);
}

static void in_summary(const char *verdict)
{
	char buf[1024];

	snprintf(buf, sizeof(buf),
		 "torture integrity: %s %.1f s: pages_checked %ld fresh_pages %ld worker_ops %ld chaos_reads %ld chaos_writes %ld chaos_segv %ld churn_ops %ld mremaps %ld mlocks %ld misc_ops %ld brk_ops %ld brk_failed %ld chaos_ops %ld chaos_refusal_checks %ld unmapped_checks %ld onfault_mlocked_pages %ld (unchecked %ld) mbind %s\n",
		 verdict, now_s() - t_start, atomic_load(&in_pages_checked), atomic_load(&in_fresh),
		 atomic_load(&in_worker_ops), atomic_load(&in_chaos_reads),
		 atomic_load(&in_chaos_writes), atomic_load(&in_chaos_segv),
		 atomic_load(&in_churn_ops), atomic_load(&in_mremap_ops),
		 atomic_load(&in_mlock_ops), atomic_load(&in_misc_ops), atomic_load(&in_brk_ops),
		 atomic_load(&in_brk_fail), atomic_load(&in_chaos_ops),
		 atomic_load(&in_chaos_checks), atomic_load(&in_unmapped_checks),
		 atomic_load(&in_onfault_pages), atomic_load(&in_onfault_unchecked), mbind_state());
	put(1, buf);
}

/* A range whose owner knows every page: the workers' and the churn slots'. */
struct owned {
	const char *name;
	char *addr;
	unsigned int pages, who, seq;
	uint64_t *rng;
	struct pstate *ps;
};

static void owned_verify(struct owned *o, unsigned int page)
{
	page_verify(o->name, page_at(o->addr, page), page, o->who, &o->ps[page]);
	atomic_fetch_add(&in_pages_checked, 1);
}

/* Overwrite a page after checking what it held. */
static void owned_write(struct owned *o, unsigned int page)
{
	owned_verify(o, page);
	page_write(page_at(o->addr, page), page, o->who, &o->ps[page], &o->seq);
	owned_verify(o, page);
}

/* First touch of a fresh page: read first (zero page) or write first. */
static void owned_fresh(struct owned *o, unsigned int page)
{
	if (o->ps[page].st != PG_ZERO) {
		owned_write(o, page);
		return;
	}
	if (rnd(o->rng, 2))
		owned_verify(o, page);	/* read fault: must read zero */
	page_write(page_at(o->addr, page), page, o->who, &o->ps[page], &o->seq);
	owned_verify(o, page);		/* the rest of the page must be zero */
	atomic_fetch_add(&in_fresh, 1);
}

static void owned_set(struct owned *o, unsigned int from, unsigned int n, int st)
{
	unsigned int i;

	for (i = from; i < from + n; i++) {
		if (st == PG_MAYBE && o->ps[i].st == PG_ZERO)
			continue;
		o->ps[i].st = st;
	}
}

/* MADV_DONTNEED or MADV_FREE of a part of an owned range. */
static void owned_discard(struct owned *o, unsigned int from, unsigned int n, int dontneed)
{
	xmadvise(o->addr + (size_t)from * PAGE_SZ, n * PAGE_SZ,
		 dontneed ? MADV_DONTNEED : MADV_FREE, dontneed ? "MADV_DONTNEED" : "MADV_FREE");
	owned_set(o, from, n, dontneed ? PG_ZERO : PG_MAYBE);
}

struct chaos_scan {
	uint64_t *p;
	unsigned int page;
};

/* Every word of a chaos page is zero or a valid pattern of that word. */
static void chaos_scan_page(void *arg)
{
	struct chaos_scan *c = arg;
	char d[160];
	unsigned int w;

	for (w = 0; w < WORDS; w++) {
		uint64_t v = READ_ONCE(c->p[w]);

		if (!v || ((w & 63) == 5 && pat_ok(v, c->page, w)))
			continue;
		violation("chaos page %u at %p: word %u holds %#llx: neither zero nor a valid pattern (%s)",
			  c->page, (void *)c->p, w, (unsigned long long)v,
			  describe(v, c->page, w, d, sizeof(d)));
	}
}

static void chaos_touch(uint64_t *rng, unsigned int who, unsigned int *seq, int n)
{
	while (n--) {
		unsigned int page = rnd(rng, CELL_PAGES), w = IN_CHAOS_WORD(rnd(rng, 8));
		struct chaos_scan c = { page_at(cell(IN_CHAOS), page), page };

		if (guarded(chaos_scan_page, &c))
			atomic_fetch_add(&in_chaos_segv, 1);
		else
			atomic_fetch_add(&in_chaos_reads, 1);
		if (rnd(rng, 2)) {
			if (try_store(&c.p[w], pat(who, next_seq(seq), page, w)))
				atomic_fetch_add(&in_chaos_segv, 1);
			else
				atomic_fetch_add(&in_chaos_writes, 1);
		}
	}
}

struct in_worker {
	unsigned int id;
	uint64_t rng;
	unsigned int cseq;
	struct pstate ps[IN_WPAGES];
};

/* Fault, write and verify pages of the worker's own range; touch chaos. */
static void *in_worker_fn(void *arg)
{
	struct in_worker *wk = arg;
	char name[32];
	struct owned o = { name, (char *)wrange(wk->id), IN_WPAGES, wk->id + 1, 0,
			   &wk->rng, wk->ps };
	unsigned int i;

	snprintf(name, sizeof(name), "worker %u", wk->id);
	while (!time_up()) {
		unsigned int op = rnd(&wk->rng, 100), from = rnd(&wk->rng, IN_WPAGES);
		unsigned int n = 1 + rnd(&wk->rng, 32);

		if (from + n > IN_WPAGES)
			n = IN_WPAGES - from;
		if (op < 35) {
			for (i = from; i < from + n; i++)
				owned_write(&o, i);
		} else if (op < 55) {
			for (i = from; i < from + n; i++)
				owned_verify(&o, i);
		} else if (op < 70) {
			owned_discard(&o, from, n, 1);
			for (i = from; i < from + n; i++)
				owned_fresh(&o, i);
		} else if (op < 75) {
			owned_discard(&o, from, n, 0);
		} else {
			for (i = from; i < from + n; i++)
				if (wk->ps[i].st == PG_ZERO)
					owned_fresh(&o, i);
		}
		atomic_fetch_add(&in_worker_ops, 1);
		chaos_touch(&wk->rng, wk->id + 1, &wk->cseq, 2);
		atomic_fetch_add(&in_passes[wk->id], 1);
	}
	return NULL;
}

/* The churn thread's slots, either side of each worker range. */
struct slot {
	char name[32];
	struct owned o;
	char *spare;
	int mapped;
	struct pstate ps[IN_SLOT];
};

static void slot_touch_some(struct slot *s, uint64_t *rng, unsigned int n)
{
	while (n--)
		owned_fresh(&s->o, rnd(rng, IN_SLOT));
}

static void slot_verify_all(struct slot *s)
{
	unsigned int i;

	for (i = 0; i < IN_SLOT; i++)
		owned_verify(&s->o, i);
}

static void slot_map(struct slot *s, uint64_t *rng)
{
	map_at(s->o.addr, IN_SLOT * PAGE_SZ, RW);
	/* same flags as the worker range: the VMAs merge */
	xmadvise(s->o.addr, IN_SLOT * PAGE_SZ, MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE");
	owned_set(&s->o, 0, IN_SLOT, PG_ZERO);
	s->mapped = 1;
	slot_touch_some(s, rng, 1 + rnd(rng, 16));
}

static void slot_unmap(struct slot *s, uint64_t *rng)
{
	unsigned int i;

	if (rnd(rng, 2)) {
		if (munmap(s->o.addr, IN_SLOT * PAGE_SZ))
			fatal("munmap slot: %s", strerror(errno));
	} else {
		map_at(s->o.addr, IN_SLOT * PAGE_SZ, PROT_NONE);
	}
	s->mapped = 0;
	/* no PTE may survive the unmap, written page or not */
	for (i = 0; i < 4; i++) {
		expect_inaccessible(s->name, page_at(s->o.addr, rnd(rng, IN_SLOT)));
		atomic_fetch_add(&in_unmapped_checks, 1);
	}
}

/* Move the slot to its spare area and back; the data moves with it. */
static void slot_mremap(struct slot *s, uint64_t *rng)
{
	size_t len = IN_SLOT * PAGE_SZ;
	int dontunmap = rnd(rng, 2);
	struct owned at_spare = s->o;
	unsigned int i;
	void *r;

	r = mremap(s->o.addr, len, len,
		   MREMAP_MAYMOVE | MREMAP_FIXED | (dontunmap ? MREMAP_DONTUNMAP : 0), s->spare);
	if (r == MAP_FAILED && dontunmap && errno == EINVAL) {
		dontunmap = 0;
		r = mremap(s->o.addr, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, s->spare);
	}
	if (r != s->spare)
		fatal("mremap slot to spare: %s", strerror(errno));
	at_spare.addr = s->spare;
	for (i = 0; i < IN_SLOT; i++)
		owned_verify(&at_spare, i);
	if (dontunmap) {
		/* the source stays mapped, empty */
		for (i = 0; i < 4; i++) {
			struct pstate z = { 0, PG_ZERO };
			unsigned int pg = rnd(rng, IN_SLOT);

			page_verify(s->name, page_at(s->o.addr, pg), pg, s->o.who, &z);
		}
	} else {
		expect_inaccessible(s->name, page_at(s->o.addr, rnd(rng, IN_SLOT)));
	}
	nap_us(rnd(rng, in_nap_us + 1));
	r = mremap(s->spare, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, s->o.addr);
	if (r != s->o.addr)
		fatal("mremap slot back: %s", strerror(errno));
	map_at(s->spare, len, PROT_NONE);	/* cover the hole */
	slot_verify_all(s);
	atomic_fetch_add(&in_mremap_ops, 1);
}

/* Neighbours: VMA changes right next to (and merged with) worker ranges. */
static void *in_churn_fn(void *arg)
{
	static struct slot slots[IN_NSLOTS];
	uint64_t rng = seed_for(100);
	unsigned int i;

	(void)arg;
	for (i = 0; i < IN_NSLOTS; i++) {
		struct slot *s = &slots[i];

		snprintf(s->name, sizeof(s->name), "slot %u", i);
		s->o = (struct owned){ s->name,
				       cell(i / 2) + (i % 2 ? (IN_SLOT + IN_WPAGES) * PAGE_SZ : 0),
				       IN_SLOT, 100 + i, 0, &rng, s->ps };
		s->spare = cell(IN_SLOT_SPARE) + (size_t)i * IN_SLOT * PAGE_SZ;
	}
	while (!time_up()) {
		struct slot *s = &slots[rnd(&rng, IN_NSLOTS)];
		unsigned int op = rnd(&rng, 100), from, n;
		char *wr;

		atomic_fetch_add(&in_churn_ops, 1);
		if (!s->mapped) {
			slot_map(s, &rng);
		} else if (op < 25) {
			slot_touch_some(s, &rng, 1 + rnd(&rng, 16));
		} else if (op < 32) {
			slot_verify_all(s);
		} else if (op < 42) {
			slot_unmap(s, &rng);
		} else if (op < 49) {
			xmprotect(s->o.addr, IN_SLOT * PAGE_SZ, PROT_READ);
			for (i = 0; i < 8; i++)
				owned_verify(&s->o, rnd(&rng, IN_SLOT));
			nap_us(rnd(&rng, in_nap_us + 1));
			xmprotect(s->o.addr, IN_SLOT * PAGE_SZ, RW);
		} else if (op < 55) {
			if (mlock(s->o.addr, IN_SLOT * PAGE_SZ))
				fatal("mlock: %s", strerror(errno));
			slot_touch_some(s, &rng, 4);
			nap_us(rnd(&rng, in_nap_us + 1));
			if (munlock(s->o.addr, IN_SLOT * PAGE_SZ))
				fatal("munlock: %s", strerror(errno));
			atomic_fetch_add(&in_mlock_ops, 1);
		} else if (op < 65) {
			from = rnd(&rng, IN_SLOT);
			n = 1 + rnd(&rng, IN_SLOT - from);
			owned_discard(&s->o, from, n, rnd(&rng, 4) != 0);
		} else if (op < 71) {
			try_mbind(s->o.addr, IN_SLOT * PAGE_SZ, rnd(&rng, 2));
			slot_touch_some(s, &rng, 2);
		} else if (op < 80) {
			slot_mremap(s, &rng);
		} else {
			/* content-preserving splits of a worker's own VMA */
			from = rnd(&rng, IN_WPAGES);
			n = 1 + rnd(&rng, IN_WPAGES - from);
			wr = (char *)wrange(rnd(&rng, IN_WORKERS)) + (size_t)from * PAGE_SZ;
			if (op < 90) {
				xmprotect(wr, n * PAGE_SZ, RW | PROT_EXEC);
				nap_us(rnd(&rng, in_nap_us + 1));
				xmprotect(wr, n * PAGE_SZ, RW);
			} else {
				try_mbind(wr, n * PAGE_SZ, 1);
				nap_us(rnd(&rng, in_nap_us + 1));
				try_mbind(wr, n * PAGE_SZ, 0);
			}
		}
		nap_us(rnd(&rng, in_nap_us + 1));
	}
	return NULL;
}

/*
 * PG_mlocked (kpageflags bit 33) of the page mapped at @p: 1, 0, or -1 if
 * it cannot be read (not root). 6.1 sets it when the fault adds the page.
 */
static int page_mlocked(const void *p)
{
	static int pagemap = -2, kpageflags = -2;
	uint64_t ent, flags;

	if (pagemap == -2) {
		pagemap = open("/proc/self/pagemap", O_RDONLY);
		kpageflags = open("/proc/kpageflags", O_RDONLY);
	}
	if (pagemap < 0 || kpageflags < 0)
		return -1;
	if (pread(pagemap, &ent, 8, (off_t)((uintptr_t)p / PAGE_SZ * 8)) != 8)
		fatal("read /proc/self/pagemap: %s", strerror(errno));
	if (!(ent >> 63) || !(ent & ((1ULL << 55) - 1)))
		return -1;	/* not present, or PFNs hidden */
	if (pread(kpageflags, &flags, 8, (off_t)((ent & ((1ULL << 55) - 1)) * 8)) != 8)
		fatal("read /proc/kpageflags: %s", strerror(errno));
	return (flags >> 33) & 1;
}

/*
 * mlock2(MLOCK_ONFAULT): the PTEs stay missing, so fresh faults (lockless
 * ones included) land in a VM_LOCKED VMA and must mlock each new page.
 */
static void onfault_cycle(struct owned *o, uint64_t *rng)
{
	unsigned int i, n = 64;

	o->name = "mlock-onfault";
	o->addr = cell(IN_FREE_CELL);
	map_at(o->addr, n * PAGE_SZ, RW);
	xmadvise(o->addr, n * PAGE_SZ, MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE");
	owned_set(o, 0, n, PG_ZERO);
	owned_fresh(o, 0);	/* anon_vma and the PTE table */
	if (mlock2(o->addr, n * PAGE_SZ, MLOCK_ONFAULT))
		fatal("mlock2(MLOCK_ONFAULT): %s", strerror(errno));
	for (i = 1; i < n; i++) {
		/* a write fault allocates a page; a read fault maps the zero page */
		page_write(page_at(o->addr, i), i, o->who, &o->ps[i], &o->seq);
		owned_verify(o, i);
		atomic_fetch_add(&in_fresh, 1);
	}
	for (i = 0; i < n; i++) {
		int m = page_mlocked(page_at(o->addr, i));

		if (m < 0) {
			atomic_fetch_add(&in_onfault_unchecked, 1);
			continue;
		}
		if (!m)
			violation("mlock-onfault page %u at %p was faulted into a VM_LOCKED VMA but is not mlocked",
				  i, (void *)page_at(o->addr, i));
		atomic_fetch_add(&in_onfault_pages, 1);
	}
	nap_us(rnd(rng, in_nap_us + 1));
	map_at(o->addr, n * PAGE_SZ, PROT_NONE);
}

/* brk up and down; a whole PMD-sized cell mapped and unmapped (its PTE table freed). */
static void *in_misc_fn(void *arg)
{
	static struct pstate ps[CELL_PAGES];
	uint64_t rng = seed_for(200);
	struct owned o = { "brk", NULL, 0, 200, 0, &rng, ps };
	unsigned int i;

	(void)arg;
	while (!time_up()) {
		atomic_fetch_add(&in_misc_ops, 1);
		if (rnd(&rng, 5) == 0) {
			onfault_cycle(&o, &rng);
		} else if (rnd(&rng, 2)) {
			char *cur = (char *)syscall(SYS_brk, 0);
			char *first = (char *)(((uintptr_t)cur + PAGE_SZ - 1) & ~(PAGE_SZ - 1));
			unsigned int n = 1 + rnd(&rng, 64);
			char *want = first + (size_t)n * PAGE_SZ;

			if ((char *)syscall(SYS_brk, want) != want) {
				atomic_fetch_add(&in_brk_fail, 1);
				continue;
			}
			o.name = "brk";
			o.addr = first;
			owned_set(&o, 0, n, PG_ZERO);
			for (i = 0; i < n; i++)
				owned_fresh(&o, i);
			for (i = 0; i < n; i++)
				owned_verify(&o, i);
			nap_us(rnd(&rng, in_nap_us + 1));
			if ((char *)syscall(SYS_brk, cur) != cur)
				fatal("brk shrink back to %p failed", (void *)cur);
			expect_inaccessible("brk", page_at(first, rnd(&rng, n)));
			atomic_fetch_add(&in_unmapped_checks, 1);
			atomic_fetch_add(&in_brk_ops, 1);
		} else {
			o.name = "free cell";
			o.addr = cell(IN_FREE_CELL);
			map_at(o.addr, CELL_SZ, RW);
			xmadvise(o.addr, CELL_SZ, MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE");
			owned_set(&o, 0, CELL_PAGES, PG_ZERO);
			for (i = 0; i < 32; i++)
				owned_fresh(&o, rnd(&rng, CELL_PAGES));
			nap_us(rnd(&rng, in_nap_us + 1));
			for (i = 0; i < 32; i++)
				owned_verify(&o, rnd(&rng, CELL_PAGES));
			if (rnd(&rng, 2)) {
				if (munmap(o.addr, CELL_SZ))
					fatal("munmap cell: %s", strerror(errno));
			} else {
				map_at(o.addr, CELL_SZ, PROT_NONE);
			}
			for (i = 0; i < 4; i++)
				expect_inaccessible("free cell", page_at(o.addr, rnd(&rng, CELL_PAGES)));
			atomic_fetch_add(&in_unmapped_checks, 4);
		}
		nap_us(rnd(&rng, in_nap_us + 1));
	}
	return NULL;
}

/*
 * Wait until every worker finished the chaos access it may have had in
 * flight; 0 if the run ended first.
 */
static int chaos_quiesce(void)
{
	long c0[IN_WORKERS];
	unsigned int w;

	for (w = 0; w < IN_WORKERS; w++)
		c0[w] = atomic_load(&in_passes[w]);
	for (w = 0; w < IN_WORKERS; w++)
		while (atomic_load(&in_passes[w]) == c0[w]) {
			if (time_up())
				return 0;
			usleep(200);
		}
	return 1;
}

/*
 * After munmap() or mprotect() of chaos pages returned and the workers'
 * in-flight accesses ended: no page of the range may take the access the
 * change forbids (a PTE committed by a fault that checked the old VMA).
 */
static void chaos_check_refused(unsigned int from, unsigned int n, int prot, const char *op)
{
	unsigned int p;
	uint64_t v;

	for (p = from; p < from + n; p++) {
		uint64_t *a = page_at(cell(IN_CHAOS), p);

		if (!try_store(a, pat(250, 1, p, IN_CHAOS_WORD(0))))
			violation("chaos page %u at %p accepted a write after %s of pages %u..%u returned",
				  p, (void *)a, op, from, from + n - 1);
		if (prot == PROT_NONE && !try_load(a, &v))
			violation("chaos page %u at %p is readable (%#llx) after %s of pages %u..%u returned",
				  p, (void *)a, (unsigned long long)v, op, from, from + n - 1);
	}
	atomic_fetch_add(&in_chaos_checks, 1);
}

/* Everything at once on the shared chaos cell; readers only know "zero or valid". */
static void *in_chaos_fn(void *arg)
{
	uint64_t rng = seed_for(300);
	char *c = cell(IN_CHAOS), *sp = cell(IN_CHAOS_SPARE);
	unsigned int op, from, n, i, seq = 0;
	void *r;

	(void)arg;
	while (!time_up()) {
		op = rnd(&rng, 100);
		from = rnd(&rng, CELL_PAGES);
		n = 1 + rnd(&rng, CELL_PAGES - from);
		atomic_fetch_add(&in_chaos_ops, 1);
		if (op < 18) {
			madvise(c + (size_t)from * PAGE_SZ, n * PAGE_SZ, MADV_DONTNEED);
		} else if (op < 26) {
			madvise(c + (size_t)from * PAGE_SZ, n * PAGE_SZ, MADV_FREE);
		} else if (op < 34) {
			map_at(c, CELL_SZ, RW);	/* replace: zero again, page table freed */
			if (rnd(&rng, 2))
				madvise(c, CELL_SZ, MADV_NOHUGEPAGE);
		} else if (op < 40) {
			/* a hole, whole cell (page table freed) or part of it (kept) */
			if (rnd(&rng, 3) == 0) {
				from = 0;
				n = CELL_PAGES;
			}
			if (munmap(c + (size_t)from * PAGE_SZ, n * PAGE_SZ))
				fatal("munmap chaos: %s", strerror(errno));
			if (chaos_quiesce())
				chaos_check_refused(from, n, PROT_NONE, "munmap");
			map_at(c + (size_t)from * PAGE_SZ, n * PAGE_SZ, RW);
		} else if (op < 50) {
			int prot = rnd(&rng, 2) ? PROT_READ : PROT_NONE;

			if (!mprotect(c + (size_t)from * PAGE_SZ, n * PAGE_SZ, prot)) {
				if (chaos_quiesce())
					chaos_check_refused(from, n, prot, prot ? "mprotect(PROT_READ)" :
							    "mprotect(PROT_NONE)");
				mprotect(c + (size_t)from * PAGE_SZ, n * PAGE_SZ, RW);
			}
		} else if (op < 60) {
			/* only possible while the cell is one VMA */
			int dontunmap = rnd(&rng, 2) ? MREMAP_DONTUNMAP : 0;

			r = mremap(c, CELL_SZ, CELL_SZ, MREMAP_MAYMOVE | MREMAP_FIXED | dontunmap, sp);
			if (r == sp) {
				nap_us(rnd(&rng, in_nap_us + 1));
				if (mremap(sp, CELL_SZ, CELL_SZ, MREMAP_MAYMOVE | MREMAP_FIXED, c) != c)
					fatal("mremap chaos back: %s", strerror(errno));
				map_at(sp, CELL_SZ, PROT_NONE);
				atomic_fetch_add(&in_mremap_ops, 1);
			}
		} else if (op < 66) {
			if (!mlock(c + (size_t)from * PAGE_SZ, n * PAGE_SZ)) {
				nap_us(rnd(&rng, in_nap_us + 1));
				munlock(c + (size_t)from * PAGE_SZ, n * PAGE_SZ);
				atomic_fetch_add(&in_mlock_ops, 1);
			}
		} else if (op < 74) {
			try_mbind(c + (size_t)from * PAGE_SZ, n * PAGE_SZ, rnd(&rng, 2));
		} else if (op < 82) {
			madvise(c, CELL_SZ, rnd(&rng, 2) ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
		} else {
			for (i = 0; i < 16; i++)
				chaos_touch(&rng, 250, &seq, 1);
		}
		nap_us(rnd(&rng, 2 * in_nap_us + 1));
	}
	return NULL;
}

static void usage_exit(void);

static int cmd_integrity(long seconds)
{
	static struct in_worker wk[IN_WORKERS];
	pthread_t th[IN_WORKERS + 3];
	unsigned int i, nt = 0;

	in_base = reserve_cells(IN_CELLS);
	for (i = 0; i < IN_WORKERS; i++) {
		map_at(wrange(i), IN_WPAGES * PAGE_SZ, RW);
		xmadvise((void *)wrange(i), IN_WPAGES * PAGE_SZ, MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE");
	}
	map_at(cell(IN_CHAOS), CELL_SZ, RW);
	summary_fn = in_summary;
	t_start = now_s();
	t_end = t_start + seconds;
	for (i = 0; i < IN_WORKERS; i++) {
		wk[i].id = i;
		wk[i].rng = seed_for(i);
		th[nt++] = spawn(in_worker_fn, &wk[i]);
	}
	th[nt++] = spawn(in_churn_fn, NULL);
	th[nt++] = spawn(in_misc_fn, NULL);
	th[nt++] = spawn(in_chaos_fn, NULL);
	for (i = 0; i < nt; i++)
		pthread_join(th[i], NULL);
	in_summary("PASS");
	return 0;
}

/* ============================================================= mprotect */

#define MP_PAGES 64			/* one PTE table; page 0 keeps it and the anon_vma */
#define MP_WRITERS 2

static uint64_t *mp_base;
static atomic_int mp_gen, mp_flipping, mp_flipped, mp_progress, mp_acks, mp_stop;
static int mp_gen_start;		/* mp_gen when the writers were spawned */
static atomic_uint mp_from, mp_to;
static _Atomic uint64_t mp_rec[MP_PAGES];	/* value of the successful store */
static atomic_int mp_att[MP_PAGES];		/* a writer tried this page */
static atomic_long mp_rounds, mp_rounds_none, mp_wok, mp_wrefused, mp_probes;

static void mp_summary(const char *verdict)
{
	char buf[512];

	snprintf(buf, sizeof(buf),
		 "torture mprotect: %s %.1f s: rounds %ld (PROT_NONE %ld) writer_stores %ld writer_refused %ld refused_probes %ld\n",
		 verdict, now_s() - t_start, atomic_load(&mp_rounds), atomic_load(&mp_rounds_none),
		 atomic_load(&mp_wok), atomic_load(&mp_wrefused), atomic_load(&mp_probes));
	put(1, buf);
}

static void *mp_writer(void *arg)
{
	unsigned int id = (unsigned int)(long)arg, pages[MP_PAGES], n, i, p, t;
	uint64_t rng = seed_for(10 + id);
	int gen = mp_gen_start;

	for (;;) {
		while (atomic_load(&mp_gen) == gen && !atomic_load(&mp_stop))
			sched_yield();
		if (atomic_load(&mp_stop))
			return NULL;
		gen = atomic_load(&mp_gen);
		n = 0;
		for (p = 1 + id; p < MP_PAGES; p += MP_WRITERS)
			pages[n++] = p;
		for (i = n - 1; i > 0; i--) {
			unsigned int j = rnd(&rng, i + 1);

			t = pages[i];
			pages[i] = pages[j];
			pages[j] = t;
		}
		for (i = 0; i < n && !atomic_load(&mp_flipped); i++) {
			uint64_t *a = page_at((void *)mp_base, pages[i]);
			uint64_t v = pat(id + 1, gen, pages[i], 0);

			p = pages[i];
			atomic_store(&mp_att[p], 1);
			if (!try_store(a, v)) {
				atomic_store(&mp_rec[p], v);
				atomic_fetch_add(&mp_wok, 1);
			} else {
				if (!atomic_load(&mp_flipping))
					violation("write to page %u at %p refused (si_code %d) before mprotect was called",
						  p, (void *)a, READ_ONCE(seg_code));
				if (p < atomic_load(&mp_from) || p >= atomic_load(&mp_to))
					violation("write to page %u at %p refused (si_code %d), outside the mprotect()ed pages %u..%u",
						  p, (void *)a, READ_ONCE(seg_code),
						  atomic_load(&mp_from), atomic_load(&mp_to) - 1);
				if (READ_ONCE(seg_addr) != (void *)a)
					violation("SIGSEGV for a write to %p reported address %p",
						  (void *)a, READ_ONCE(seg_addr));
				atomic_fetch_add(&mp_wrefused, 1);
			}
			atomic_fetch_add(&mp_progress, 1);
		}
		while (!atomic_load(&mp_flipped))
			sched_yield();
		atomic_fetch_add(&mp_acks, 1);
	}
}

static const char *prot_name(int prot)
{
	return prot == PROT_NONE ? "PROT_NONE" : "PROT_READ";
}

static void mp_probe(unsigned int p, int prot, int round)
{
	uint64_t *a = page_at((void *)mp_base, p);
	uint64_t v;

	if (!try_store(a, pat(0x7f, round, p, 0)))
		violation("page %u at %p accepted a write after mprotect(%s) returned (a writer %s it%s)",
			  p, (void *)a, prot_name(prot),
			  atomic_load(&mp_att[p]) ? "had tried to write" : "had never touched",
			  atomic_load(&mp_rec[p]) ? ", successfully, before or during the flip" : "");
	if (READ_ONCE(seg_code) != SEGV_ACCERR || READ_ONCE(seg_addr) != (void *)a)
		violation("refused write to %p: si_code %d (want SEGV_ACCERR) at %p",
			  (void *)a, READ_ONCE(seg_code), READ_ONCE(seg_addr));
	atomic_fetch_add(&mp_probes, 1);
	if (prot != PROT_NONE)
		return;
	if (!try_load(a, &v))
		violation("page %u at %p is readable (holds %#llx) after mprotect(PROT_NONE) returned",
			  p, (void *)a, (unsigned long long)v);
	if (READ_ONCE(seg_code) != SEGV_ACCERR || READ_ONCE(seg_addr) != (void *)a)
		violation("refused read of %p: si_code %d (want SEGV_ACCERR) at %p",
			  (void *)a, READ_ONCE(seg_code), READ_ONCE(seg_addr));
	atomic_fetch_add(&mp_probes, 1);
}

/* After the round: every page holds zero or what a successful store wrote. */
static void mp_check_contents(void)
{
	unsigned int p, w;

	for (p = 1; p < MP_PAGES; p++) {
		uint64_t *a = page_at((void *)mp_base, p);
		uint64_t rec = atomic_load(&mp_rec[p]), v = READ_ONCE(a[0]);
		char d[160];

		if (v != rec)
			violation("page %u at %p holds %#llx (%s), but the last successful store wrote %#llx",
				  p, (void *)a, (unsigned long long)v, describe(v, p, 0, d, sizeof(d)),
				  (unsigned long long)rec);
		for (w = 1; w < WORDS; w++)
			if (READ_ONCE(a[w]))
				violation("page %u at %p: word %u holds %#llx, nothing wrote it (%s)",
					  p, (void *)a, w, (unsigned long long)READ_ONCE(a[w]),
					  describe(READ_ONCE(a[w]), p, w, d, sizeof(d)));
	}
}

/*
 * The mprotect race for @seconds. It can run again in the same process
 * (torture storm runs it on request): the range is kept, the counters
 * start from zero, the writers are new.
 */
static void mp_race(long seconds)
{
	uint64_t rng = seed_for(1);
	pthread_t th[MP_WRITERS];
	unsigned int i, p, from, to, target, total = MP_PAGES - 1;
	int round = 0, prot;
	double t0;

	if (!mp_base)
		mp_base = (uint64_t *)reserve_cells(1);
	map_at((void *)mp_base, MP_PAGES * PAGE_SZ, RW);
	xmadvise((void *)mp_base, MP_PAGES * PAGE_SZ, MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE");
	WRITE_ONCE(mp_base[0], 1);	/* anon_vma and the PTE table */
	atomic_store(&mp_stop, 0);
	atomic_store(&mp_rounds, 0);
	atomic_store(&mp_rounds_none, 0);
	atomic_store(&mp_wok, 0);
	atomic_store(&mp_wrefused, 0);
	atomic_store(&mp_probes, 0);
	mp_gen_start = atomic_load(&mp_gen);
	summary_fn = mp_summary;
	t_start = now_s();
	t_end = t_start + seconds;
	for (i = 0; i < MP_WRITERS; i++)
		th[i] = spawn(mp_writer, (void *)(long)i);
	while (!time_up()) {
		round++;
		prot = rnd(&rng, 5) < 3 ? PROT_READ : PROT_NONE;
		if (rnd(&rng, 2)) {
			from = 0;
			to = MP_PAGES;
		} else {
			from = rnd(&rng, MP_PAGES);
			to = from + 1 + rnd(&rng, MP_PAGES - from);
		}
		xmprotect((void *)mp_base, MP_PAGES * PAGE_SZ, RW);
		xmadvise(page_at((void *)mp_base, 1), total * PAGE_SZ, MADV_DONTNEED, "MADV_DONTNEED");
		for (p = 0; p < MP_PAGES; p++) {
			atomic_store(&mp_rec[p], 0);
			atomic_store(&mp_att[p], 0);
		}
		atomic_store(&mp_progress, 0);
		atomic_store(&mp_acks, 0);
		atomic_store(&mp_flipping, 0);
		atomic_store(&mp_flipped, 0);
		atomic_store(&mp_from, from);
		atomic_store(&mp_to, to);
		/* flip early in a third of the rounds, anywhere in the others */
		target = rnd(&rng, 3) ? rnd(&rng, total) : rnd(&rng, 4);
		atomic_fetch_add(&mp_gen, 1);
		while (atomic_load(&mp_progress) < (int)target)
			sched_yield();
		atomic_store(&mp_flipping, 1);
		xmprotect(page_at((void *)mp_base, from), (to - from) * PAGE_SZ, prot);
		atomic_store(&mp_flipped, 1);
		t0 = now_s();
		while (atomic_load(&mp_acks) < MP_WRITERS) {
			if (now_s() - t0 > 60)
				violation("a writer's store did not complete within 60 s of the mprotect");
			sched_yield();
		}
		/* every page in the range, touched or not, refuses writes */
		for (p = from; p < to; p++)
			mp_probe(p, prot, round);
		/* a refused fault maps nothing */
		for (p = from; p < to; p++)
			if (p && !atomic_load(&mp_att[p]) && resident(page_at((void *)mp_base, p)))
				violation("page %u at %p was never written successfully but is mapped after refused faults",
					  p, (void *)page_at((void *)mp_base, p));
		/* the pages outside the range still take writes */
		for (p = 0; p < MP_PAGES; p++) {
			uint64_t *a = page_at((void *)mp_base, p);
			uint64_t v;

			if (p >= from && p < to)
				continue;
			if (try_load(a, &v) || try_store(a, v))
				violation("page %u at %p, outside the mprotect()ed pages %u..%u, refused an access (si_code %d)",
					  p, (void *)a, from, to - 1, READ_ONCE(seg_code));
		}
		if (prot == PROT_NONE)
			xmprotect((void *)mp_base, MP_PAGES * PAGE_SZ, PROT_READ);
		mp_check_contents();
		atomic_fetch_add(&mp_rounds, 1);
		if (prot == PROT_NONE)
			atomic_fetch_add(&mp_rounds_none, 1);
	}
	atomic_store(&mp_stop, 1);
	for (i = 0; i < MP_WRITERS; i++)
		pthread_join(th[i], NULL);
	mp_summary("PASS");
}

static int cmd_mprotect(long seconds)
{
	mp_race(seconds);
	return 0;
}

/* ================================================================= fork */

#define FK_THREADS 2
#define FK_TPAGES 128
#define FK_PAGES (FK_THREADS * FK_TPAGES)
#define FK_STABLE 16			/* written once before any fork */
#define FK_WIPE 16			/* MADV_WIPEONFORK */
#define FK_NOFORK 4			/* MADV_DONTFORK */
#define FK_CHILD_WHO 0x80

static char *fk_base, *fk_stable, *fk_wipe, *fk_nofork, *fk_sd;
static atomic_long fk_forks, fk_parent_checks, fk_parent_fresh, fk_sd_clears;
static int fk_sd_ok = 1;	/* the kernel has soft-dirty tracking */
static atomic_long *fk_child_pages;	/* MAP_SHARED: the children count here */
static uint64_t fk_snap[FK_PAGES][3];

static void fk_summary(const char *verdict)
{
	char buf[512];

	snprintf(buf, sizeof(buf),
		 "torture fork: %s %.1f s: forks %ld child_pages_checked %ld parent_pages_checked %ld parent_fresh_pages %ld soft_dirty_clears %ld%s\n",
		 verdict, now_s() - t_start, atomic_load(&fk_forks), atomic_load(fk_child_pages),
		 atomic_load(&fk_parent_checks), atomic_load(&fk_parent_fresh),
		 atomic_load(&fk_sd_clears), fk_sd_ok ? "" : " (soft-dirty: not in this kernel)");
	put(1, buf);
}

struct fk_thread {
	unsigned int id;
	uint64_t rng;
	struct pstate ps[FK_PAGES];	/* only its own FK_TPAGES are used */
};

/* Parent threads: strict per-page owners, faulting fresh and existing pages. */
static void *fk_parent_fn(void *arg)
{
	struct fk_thread *t = arg;
	char name[32];
	struct owned o = { name, fk_base, FK_PAGES, t->id + 1, 0, &t->rng, t->ps };
	unsigned int i, from, n, first = t->id * FK_TPAGES;

	snprintf(name, sizeof(name), "parent thread %u", t->id);
	while (!time_up()) {
		unsigned int op = rnd(&t->rng, 100);

		from = rnd(&t->rng, FK_TPAGES);
		n = 1 + rnd(&t->rng, 16);
		if (from + n > FK_TPAGES)
			n = FK_TPAGES - from;
		from += first;
		if (op < 25) {
			owned_discard(&o, from, n, 1);
			for (i = from; i < from + n; i++)
				owned_fresh(&o, i);
			atomic_fetch_add(&fk_parent_fresh, n);
		} else if (op < 75) {
			for (i = from; i < from + n; i++)
				owned_write(&o, i);
		} else {
			for (i = from; i < from + n; i++)
				owned_verify(&o, i);
		}
		atomic_fetch_add(&fk_parent_checks, n);
	}
	return NULL;
}

/* The child: a snapshot of the parent, then its own memory, never shared. */
static void fk_child_check_snapshot(const char *when)
{
	unsigned int p, k;

	for (p = 0; p < FK_PAGES; p++) {
		uint64_t *a = page_at(fk_base, p);

		for (k = 0; k < 3; k++)
			if (READ_ONCE(a[pword(p, k)]) != fk_snap[p][k])
				violation("child %d: page %u at %p word %u changed from %#llx to %#llx %s: the parent's later write is visible in the child",
					  getpid(), p, (void *)a, pword(p, k),
					  (unsigned long long)fk_snap[p][k],
					  (unsigned long long)READ_ONCE(a[pword(p, k)]), when);
	}
}

static void fk_child_verify_own(int pass)
{
	struct pstate ps = { (unsigned int)getpid() & 0xffffff, PG_KNOWN };
	char name[64];
	unsigned int p;

	snprintf(name, sizeof(name), "child %d (pass %d)", getpid(), pass);
	for (p = 0; p < FK_PAGES; p++)
		page_verify(name, page_at(fk_base, p), p, FK_CHILD_WHO, &ps);
	atomic_fetch_add(fk_child_pages, FK_PAGES);
}

static void __noreturn fk_child(void)
{
	struct timespec ms = { 0, 1000000 };
	unsigned int p, k, w, seq = (unsigned int)getpid() & 0xffffff;
	struct pstate z = { 0, PG_ZERO };
	uint64_t v;
	char d[160];
	int i;

	summary_fn = NULL;
	if (atomic_load(&dying))
		_exit(0);	/* forked while the parent reports a violation */
	if (!seq)
		seq = 1;
	/* 1. what the parent had: zero or the parent's patterns, nothing else */
	for (p = 0; p < FK_PAGES; p++) {
		uint64_t *a = page_at(fk_base, p);

		for (w = 0; w < WORDS; w++) {
			v = READ_ONCE(a[w]);
			if (!v || (is_pword(p, w) && pat_ok(v, p, w) && pat_who(v) <= FK_THREADS))
				continue;
			violation("child %d: page %u at %p word %u holds %#llx right after fork (%s)",
				  getpid(), p, (void *)a, w, (unsigned long long)v,
				  describe(v, p, w, d, sizeof(d)));
		}
		for (k = 0; k < 3; k++)
			fk_snap[p][k] = READ_ONCE(a[pword(p, k)]);
	}
	for (p = 0; p < FK_STABLE; p++) {
		struct pstate st = { 1, PG_KNOWN };

		page_verify("child: stable range", page_at(fk_stable, p), p, 0x77, &st);
	}
	for (p = 0; p < FK_WIPE; p++)
		page_verify("child: MADV_WIPEONFORK range", page_at(fk_wipe, p), p, 0x78, &z);
	for (p = 0; p < FK_NOFORK; p++)
		expect_inaccessible("child: MADV_DONTFORK range", page_at(fk_nofork, p));
	/* 2. nothing the parent does now shows up here */
	for (i = 0; i < 3; i++) {
		nanosleep(&ms, NULL);
		fk_child_check_snapshot("while the child slept");
	}
	/* 3. the child's own writes, fresh pages and COW breaks alike */
	for (p = 0; p < FK_PAGES; p++)
		page_fill(page_at(fk_base, p), p, FK_CHILD_WHO, seq);
	for (i = 0; i < 3; i++) {
		fk_child_verify_own(i);
		nanosleep(&ms, NULL);
	}
	_exit(0);
}

/* Clear the process's soft-dirty bits; 0 if the kernel has no soft-dirty. */
static int fk_sd_clear(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);
	ssize_t n;

	if (fd < 0)
		fatal("open /proc/self/clear_refs: %s", strerror(errno));
	n = write(fd, "4", 1);
	close(fd);
	if (n == 1)
		return 1;
	if (errno != EINVAL)
		fatal("clear_refs 4: %s", strerror(errno));
	return 0;
}

/* The soft-dirty bit of the page at @p (/proc/self/pagemap bit 55). */
static int fk_sd_dirty(const void *p)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	uint64_t e;

	if (fd < 0 || pread(fd, &e, sizeof(e), (uintptr_t)p / PAGE_SZ * sizeof(e)) != sizeof(e))
		fatal("read /proc/self/pagemap: %s", strerror(errno));
	close(fd);
	return (e >> 55) & 1;
}

/*
 * Clear soft-dirty, so the threads' next writes are reuse faults; check on
 * a page of the main thread's own that a write after the clear (a reuse
 * fault) marks it soft-dirty and lands.
 */
static void fk_sd_round(struct pstate *ps, unsigned int *seq)
{
	uint64_t *a = page_at(fk_sd, 0);

	if (!fk_sd_ok)
		return;
	page_verify("parent: soft-dirty page", a, 0, 0x79, ps);
	fk_sd_ok = fk_sd_clear();
	if (!fk_sd_ok)
		return;
	atomic_fetch_add(&fk_sd_clears, 1);
	if (fk_sd_dirty((const void *)a))
		violation("parent: page %p still soft-dirty after clear_refs", (void *)a);
	page_write(a, 0, 0x79, ps, seq);
	if (!fk_sd_dirty((const void *)a))
		violation("parent: page %p written after clear_refs is not soft-dirty%s",
			  (void *)a, " (the write-protect fault lost the dirty bit)");
	page_verify("parent: soft-dirty page", a, 0, 0x79, ps);
}

static int cmd_fork(long seconds)
{
	static struct fk_thread ft[FK_THREADS];
	struct pstate stable = { 1, PG_KNOWN }, wipe_ps[FK_WIPE], sd_ps = { 0, PG_ZERO };
	unsigned int wipe_seq = 0, sd_seq = 0, i, p;
	pthread_t th[FK_THREADS];
	uint64_t rng = seed_for(2);
	char *r;
	int status;
	pid_t pid;

	fk_child_pages = mmap(NULL, PAGE_SZ, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fk_child_pages == MAP_FAILED)
		fatal("mmap shared counter: %s", strerror(errno));
	r = reserve_cells(2);
	fk_base = r;
	fk_stable = r + FK_PAGES * PAGE_SZ + PAGE_SZ;	/* separate VMAs: gaps between */
	fk_wipe = fk_stable + (FK_STABLE + 1) * PAGE_SZ;
	fk_nofork = fk_wipe + (FK_WIPE + 1) * PAGE_SZ;
	fk_sd = fk_nofork + (FK_NOFORK + 1) * PAGE_SZ;
	map_at(fk_base, FK_PAGES * PAGE_SZ, RW);
	map_at(fk_sd, PAGE_SZ, RW);
	map_at(fk_stable, FK_STABLE * PAGE_SZ, RW);
	map_at(fk_wipe, FK_WIPE * PAGE_SZ, RW);
	map_at(fk_nofork, FK_NOFORK * PAGE_SZ, RW);
	xmadvise(r, CELL_SZ, MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE");
	xmadvise(fk_wipe, FK_WIPE * PAGE_SZ, MADV_WIPEONFORK, "MADV_WIPEONFORK");
	xmadvise(fk_nofork, FK_NOFORK * PAGE_SZ, MADV_DONTFORK, "MADV_DONTFORK");
	for (p = 0; p < FK_STABLE; p++)
		page_fill(page_at(fk_stable, p), p, 0x77, 1);
	for (p = 0; p < FK_WIPE; p++)
		page_write(page_at(fk_wipe, p), p, 0x78, &wipe_ps[p], &wipe_seq);
	for (p = 0; p < FK_NOFORK; p++)
		WRITE_ONCE(*page_at(fk_nofork, p), 1);
	summary_fn = fk_summary;
	t_start = now_s();
	t_end = t_start + seconds;
	for (i = 0; i < FK_THREADS; i++) {
		ft[i].id = i;
		ft[i].rng = seed_for(20 + i);
		th[i] = spawn(fk_parent_fn, &ft[i]);
	}
	while (!time_up()) {
		if (rnd(&rng, 2))
			fk_sd_round(&sd_ps, &sd_seq);
		pid = fork();
		if (pid < 0)
			fatal("fork: %s", strerror(errno));
		if (!pid)
			fk_child();
		reap_child(pid, &status);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 1)
			violation("child %d saw the parent's memory change or its own writes go (message above)",
				  pid);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			violation("child %d ended with status %#x", pid, status);
		atomic_fetch_add(&fk_forks, 1);
		/* the parent keeps its own view of the special ranges */
		for (p = 0; p < FK_STABLE; p++)
			page_verify("parent: stable range", page_at(fk_stable, p), p, 0x77, &stable);
		for (p = 0; p < FK_WIPE; p++) {
			page_verify("parent: MADV_WIPEONFORK range", page_at(fk_wipe, p), p, 0x78,
				    &wipe_ps[p]);
			if (rnd(&rng, 4) == 0) {
				xmadvise(page_at(fk_wipe, p), PAGE_SZ, MADV_DONTNEED, "MADV_DONTNEED");
				wipe_ps[p].st = PG_ZERO;
				page_verify("parent: MADV_WIPEONFORK range", page_at(fk_wipe, p), p,
					    0x78, &wipe_ps[p]);
				page_write(page_at(fk_wipe, p), p, 0x78, &wipe_ps[p], &wipe_seq);
			}
		}
		for (p = 0; p < FK_NOFORK; p++)
			if (READ_ONCE(*page_at(fk_nofork, p)) != 1)
				violation("parent: MADV_DONTFORK page %u lost its data", p);
	}
	for (i = 0; i < FK_THREADS; i++)
		pthread_join(th[i], NULL);
	fk_summary("PASS");
	return 0;
}

/* ================================================================= uffd */

/*
 * Each round has two phases. Race: the range is unregistered and empty, the
 * threads fault it (zero pages, lockless ones included) while the main
 * thread registers it (MISSING mode) and empties it again; once the
 * threads finished the accesses they had in flight, no page may be mapped
 * that the handler did not fill. Verify: the threads read and write every
 * page; each must hold the handler's pattern for this round (a zero word:
 * something else filled it) and the handler must have seen every page.
 */
#define UF_PAGES 256
#define UF_THREADS 3
#define UF_WHO 0x55

static char *uf_base;
static int uf_fd;
static atomic_int uf_round, uf_phase, uf_go, uf_done, uf_stop, uf_registered, uf_progress;
static atomic_int uf_seen[UF_PAGES];
static atomic_long uf_faults, uf_eexist, uf_reads, uf_writes, uf_race_accesses;

static void uf_summary(const char *verdict)
{
	char buf[512];

	snprintf(buf, sizeof(buf),
		 "torture uffd: %s %.1f s: rounds %d pages %d handler_faults %ld handler_eexist %ld reads %ld writes %ld accesses_racing_register %ld\n",
		 verdict, now_s() - t_start, atomic_load(&uf_round), UF_PAGES,
		 atomic_load(&uf_faults), atomic_load(&uf_eexist), atomic_load(&uf_reads),
		 atomic_load(&uf_writes), atomic_load(&uf_race_accesses));
	put(1, buf);
}

static void *uf_handler(void *arg)
{
	static uint64_t src[WORDS] __aligned(4096);
	struct pollfd pfd = { uf_fd, POLLIN, 0 };
	struct uffdio_copy cp;
	struct uffd_msg msg;
	unsigned long addr;
	unsigned int page, w;
	int round;

	(void)arg;
	while (!atomic_load(&uf_stop)) {
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		if (read(uf_fd, &msg, sizeof(msg)) != sizeof(msg)) {
			if (errno == EAGAIN)
				continue;
			fatal("read(userfaultfd): %s", strerror(errno));
		}
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			fatal("unexpected userfaultfd event %u", msg.event);
		addr = msg.arg.pagefault.address & ~(PAGE_SZ - 1);
		if (addr < (unsigned long)uf_base || addr >= (unsigned long)uf_base + UF_PAGES * PAGE_SZ)
			violation("userfaultfd fault at %#lx, outside the registered range", addr);
		page = (addr - (unsigned long)uf_base) / PAGE_SZ;
		round = atomic_load(&uf_round);
		for (w = 0; w < WORDS; w++)
			src[w] = pat(UF_WHO, round, page, w);
		atomic_store(&uf_seen[page], round);	/* before the copy wakes the faulter */
		cp = (struct uffdio_copy){ .dst = addr, .src = (unsigned long)src, .len = PAGE_SZ };
		if (ioctl(uf_fd, UFFDIO_COPY, &cp)) {
			if (errno != EEXIST)
				fatal("UFFDIO_COPY at %#lx: %s", addr, strerror(errno));
			atomic_fetch_add(&uf_eexist, 1);
		}
		atomic_fetch_add(&uf_faults, 1);
	}
	return NULL;
}

static void uf_check_page(unsigned int page, int round)
{
	uint64_t *a = page_at(uf_base, page);
	unsigned int w, zeros = 0;
	int bad = -1;

	for (w = 0; w < WORDS; w++)
		if (READ_ONCE(a[w]) != pat(UF_WHO, round, page, w)) {
			if (bad < 0)
				bad = (int)w;
			zeros += !READ_ONCE(a[w]);
		}
	if (bad < 0)
		return;
	if (zeros)
		violation("userfaultfd page %u at %p has %u zero words (round %d): it was filled by something other than the userfaultfd handler",
			  page, (void *)a, zeros, round);
	violation("userfaultfd page %u at %p word %d holds %#llx, the handler copied %#llx (round %d)",
		  page, (void *)a, bad, (unsigned long long)READ_ONCE(a[bad]),
		  (unsigned long long)pat(UF_WHO, round, page, bad), round);
}

/* Read, or write the value the handler copies there anyway. */
static void uf_access(uint64_t *rng, unsigned int p, int round)
{
	if (rnd(rng, 2)) {
		WRITE_ONCE(*page_at(uf_base, p), pat(UF_WHO, round, p, 0));
		atomic_fetch_add(&uf_writes, 1);
	} else {
		(void)READ_ONCE(*page_at(uf_base, p));
		atomic_fetch_add(&uf_reads, 1);
	}
}

static void *uf_toucher(void *arg)
{
	unsigned int id = (unsigned int)(long)arg, order[UF_PAGES], i, t;
	uint64_t rng = seed_for(30 + id);
	int go = 0, round;

	for (;;) {
		while (atomic_load(&uf_go) == go && !atomic_load(&uf_stop))
			sched_yield();
		if (atomic_load(&uf_stop))
			return NULL;
		go = atomic_load(&uf_go);
		round = atomic_load(&uf_round);
		for (i = 0; i < UF_PAGES; i++)
			order[i] = i;
		for (i = UF_PAGES - 1; i > 0; i--) {
			unsigned int j = rnd(&rng, i + 1);

			t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		if (atomic_load(&uf_phase) == 1) {
			for (i = 0; i < UF_PAGES && !atomic_load(&uf_registered); i++) {
				uf_access(&rng, order[i], round);
				atomic_fetch_add(&uf_race_accesses, 1);
				atomic_fetch_add(&uf_progress, 1);
			}
			while (!atomic_load(&uf_registered))
				sched_yield();
		} else {
			for (i = 0; i < UF_PAGES; i++) {
				uf_access(&rng, order[i], round);
				uf_check_page(order[i], round);
			}
		}
		atomic_fetch_add(&uf_done, 1);
	}
}

/* Start a phase of the touchers and wait until they all finished it. */
static void uf_phase_run(int phase, int target)
{
	atomic_store(&uf_done, 0);
	atomic_store(&uf_progress, 0);
	atomic_store(&uf_phase, phase);
	atomic_fetch_add(&uf_go, 1);
	if (phase == 1) {
		struct uffdio_register reg;

		while (atomic_load(&uf_progress) < target)
			sched_yield();
		memset(&reg, 0, sizeof(reg));
		reg.range.start = (unsigned long)uf_base;
		reg.range.len = UF_PAGES * PAGE_SZ;
		reg.mode = UFFDIO_REGISTER_MODE_MISSING;
		if (ioctl(uf_fd, UFFDIO_REGISTER, &reg))
			fatal("UFFDIO_REGISTER: %s", strerror(errno));
		/* from here on, only the handler may fill a page */
		xmadvise(uf_base, UF_PAGES * PAGE_SZ, MADV_DONTNEED, "MADV_DONTNEED");
		atomic_store(&uf_registered, 1);
	}
	while (atomic_load(&uf_done) < UF_THREADS)
		usleep(1000);
}

static int cmd_uffd(long seconds)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_range range;
	pthread_t th[UF_THREADS], handler;
	uint64_t rng = seed_for(3);
	unsigned int i, p;
	int round;

	uf_base = reserve_cells(1);
	map_at(uf_base, UF_PAGES * PAGE_SZ, RW);
	xmadvise(uf_base, UF_PAGES * PAGE_SZ, MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE");
	/* anon_vma and PTE table in place: a lockless path would be tempted */
	for (p = 0; p < UF_PAGES; p++)
		WRITE_ONCE(*page_at(uf_base, p), 1);
	uf_fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uf_fd < 0)
		fatal("userfaultfd: %s (needs root or vm.unprivileged_userfaultfd=1)", strerror(errno));
	if (ioctl(uf_fd, UFFDIO_API, &api))
		fatal("UFFDIO_API: %s", strerror(errno));
	summary_fn = uf_summary;
	t_start = now_s();
	t_end = t_start + seconds;
	handler = spawn(uf_handler, NULL);
	for (i = 0; i < UF_THREADS; i++)
		th[i] = spawn(uf_toucher, (void *)(long)i);
	for (round = 1; round <= 3 || !time_up(); round++) {
		atomic_store(&uf_round, round);
		range.start = (unsigned long)uf_base;
		range.len = UF_PAGES * PAGE_SZ;
		if (round > 1 && ioctl(uf_fd, UFFDIO_UNREGISTER, &range))
			fatal("UFFDIO_UNREGISTER: %s", strerror(errno));
		xmadvise(uf_base, UF_PAGES * PAGE_SZ, MADV_DONTNEED, "MADV_DONTNEED");
		atomic_store(&uf_registered, 0);
		uf_phase_run(1, rnd(&rng, 3) ? (int)rnd(&rng, UF_PAGES) : 0);
		uf_phase_run(2, 0);
		for (p = 0; p < UF_PAGES; p++)
			if (atomic_load(&uf_seen[p]) != round)
				violation("round %d: page %u at %p was read or written but the userfaultfd handler never saw a fault for it",
					  round, p, (void *)page_at(uf_base, p));
	}
	atomic_store(&uf_stop, 1);
	for (i = 0; i < UF_THREADS; i++)
		pthread_join(th[i], NULL);
	pthread_join(handler, NULL);
	uf_summary("PASS");
	return 0;
}

/* ================================================================ pkeys */

#define PK_PAGES 64

static char *pk_base;
static int pk_key;
static atomic_int pk_go, pk_done;
static atomic_long pk_refused, pk_reads, pk_writes, pk_rounds;

static void pk_summary(const char *verdict)
{
	char buf[512];

	snprintf(buf, sizeof(buf),
		 "torture pkeys: %s %.1f s: key %d refused_accesses %ld zero_reads %ld writes %ld threaded_rounds %ld\n",
		 verdict, now_s() - t_start, pk_key, atomic_load(&pk_refused),
		 atomic_load(&pk_reads), atomic_load(&pk_writes), atomic_load(&pk_rounds));
	put(1, buf);
}

static void pk_set(unsigned int rights)
{
	if (pkey_set(pk_key, rights))
		fatal("pkey_set(%d, %u): %s", pk_key, rights, strerror(errno));
}

static const char *pk_rights(unsigned int rights)
{
	return rights == PKEY_DISABLE_WRITE ? "PKEY_DISABLE_WRITE" :
	       rights == PKEY_DISABLE_ACCESS ? "PKEY_DISABLE_ACCESS" : "no restriction";
}

/* The access must raise SIGSEGV with SEGV_PKUERR for our key, and map nothing new. */
static void pk_expect_refused(unsigned int page, int write, unsigned int rights, int was_mapped)
{
	uint64_t *a = page_at(pk_base, page);
	uint64_t v;
	int r;

	pk_set(rights);
	r = write ? try_store(a, 0xbad) : try_load(a, &v);
	pk_set(0);	/* the signal frame reset PKRU; make it known again */
	if (!r)
		violation("%s of %s page %u at %p with %s succeeded", write ? "write" : "read",
			  was_mapped ? "a mapped" : "a fresh", page, (void *)a, pk_rights(rights));
	if (READ_ONCE(seg_code) != SEGV_PKUERR || READ_ONCE(seg_addr) != (void *)a ||
	    READ_ONCE(seg_pkey) != pk_key)
		violation("refused %s of page %u at %p with %s: si_code %d (want SEGV_PKUERR=%d), address %p, pkey %d (want %d)",
			  write ? "write" : "read", page, (void *)a, pk_rights(rights),
			  READ_ONCE(seg_code), SEGV_PKUERR, READ_ONCE(seg_addr),
			  READ_ONCE(seg_pkey), pk_key);
	if (!was_mapped && resident((void *)a))
		violation("refused %s of fresh page %u at %p with %s mapped a page anyway",
			  write ? "write" : "read", page, (void *)a, pk_rights(rights));
	atomic_fetch_add(&pk_refused, 1);
}

static void pk_expect_zero_read(unsigned int page, unsigned int rights)
{
	struct pstate z = { 0, PG_ZERO };

	pk_set(rights);
	page_verify("pkey page", page_at(pk_base, page), page, 0, &z);
	pk_set(0);
	atomic_fetch_add(&pk_reads, 1);
}

/* A thread whose PKRU allows everything writes fresh pages 32..63. */
static void *pk_thread(void *arg)
{
	unsigned int p, seq = 0;
	int go = 0;

	(void)arg;
	for (;;) {
		while (atomic_load(&pk_go) == go)
			sched_yield();
		go = atomic_load(&pk_go);
		if (go < 0)
			return NULL;
		pk_set(0);
		for (p = PK_PAGES / 2; p < PK_PAGES; p++) {
			struct pstate ps;

			page_write(page_at(pk_base, p), p, 0x60, &ps, &seq);
			atomic_fetch_add(&pk_writes, 1);
		}
		atomic_store(&pk_done, go);
	}
}

static int cmd_pkeys(void)
{
	pthread_t th;
	unsigned int p, seq = 0;
	int round;

	t_start = now_s();
	pk_key = pkey_alloc(0, 0);
	if (pk_key < 0) {
		printf("torture pkeys: skipped: no pkeys (pkey_alloc: %s)\n", strerror(errno));
		return 0;
	}
	pk_base = reserve_cells(1);
	map_at(pk_base, PK_PAGES * PAGE_SZ, RW);
	xmadvise(pk_base, PK_PAGES * PAGE_SZ, MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE");
	for (p = 0; p < PK_PAGES; p++)
		WRITE_ONCE(*page_at(pk_base, p), 1);	/* anon_vma and the PTE table */
	xmadvise(pk_base, PK_PAGES * PAGE_SZ, MADV_DONTNEED, "MADV_DONTNEED");
	if (pkey_mprotect(pk_base, PK_PAGES * PAGE_SZ, RW, pk_key))
		fatal("pkey_mprotect: %s", strerror(errno));
	summary_fn = pk_summary;
	/* write-disabled: fresh writes refused; reads see zero; then writes still refused */
	for (p = 0; p < 16; p++)
		pk_expect_refused(p, 1, PKEY_DISABLE_WRITE, 0);
	for (p = 16; p < 32; p++) {
		pk_expect_zero_read(p, PKEY_DISABLE_WRITE);
		pk_expect_refused(p, 1, PKEY_DISABLE_WRITE, 1);
	}
	/* access-disabled: fresh and mapped pages refuse reads too */
	for (p = 32; p < 48; p++)
		pk_expect_refused(p, 0, PKEY_DISABLE_ACCESS, 0);
	for (p = 16; p < 32; p++)
		pk_expect_refused(p, 0, PKEY_DISABLE_ACCESS, 1);
	/* PKRU is per thread: one thread may write while this one may not */
	th = spawn(pk_thread, NULL);
	for (round = 1; round <= 20; round++) {
		xmadvise(pk_base, PK_PAGES * PAGE_SZ, MADV_DONTNEED, "MADV_DONTNEED");
		atomic_store(&pk_go, round);
		for (p = 0; p < PK_PAGES / 2; p++)
			pk_expect_refused(p, 1, round % 2 ? PKEY_DISABLE_WRITE : PKEY_DISABLE_ACCESS, 0);
		while (atomic_load(&pk_done) != round)
			sched_yield();
		for (p = 0; p < PK_PAGES / 2; p++)
			if (resident(page_at(pk_base, p)))
				violation("round %d: page %u at %p is mapped, but every access to it was refused",
					  round, p, (void *)page_at(pk_base, p));
		atomic_fetch_add(&pk_rounds, 1);
	}
	atomic_store(&pk_go, -1);
	pthread_join(th, NULL);
	/* no restriction: everything works */
	pk_set(0);
	xmadvise(pk_base, PK_PAGES * PAGE_SZ, MADV_DONTNEED, "MADV_DONTNEED");
	for (p = 0; p < PK_PAGES; p++) {
		struct pstate ps = { 0, PG_ZERO };

		page_write(page_at(pk_base, p), p, 0x61, &ps, &seq);
		page_verify("pkey page, no restriction", page_at(pk_base, p), p, 0x61, &ps);
		atomic_fetch_add(&pk_writes, 1);
	}
	pkey_free(pk_key);
	pk_summary("PASS");
	return 0;
}

/* ================================================================ memcg */

#define MC_THREADS 4

static char mc_dir[600];
static atomic_long mc_touched;
static long mc_mib;

static long read_long_file(const char *dir, const char *name)
{
	char path[700], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	if (!strncmp(buf, "max", 3))
		return -2;
	return strtol(buf, NULL, 10);
}

static void mc_find_cgroup(void)
{
	char buf[512];
	ssize_t n;
	int fd = open("/proc/self/cgroup", O_RDONLY);

	if (fd < 0)
		fatal("/proc/self/cgroup: %s", strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || strncmp(buf, "0::", 3))
		fatal("not on the cgroup v2 hierarchy (/proc/self/cgroup)");
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	snprintf(mc_dir, sizeof(mc_dir), "/sys/fs/cgroup%s", buf + 3);
}

static void *mc_thread(void *arg)
{
	long len = (long)arg, i;
	char *p = mmap(NULL, len, RW, ANON, -1, 0);

	if (p == MAP_FAILED)
		fatal("mmap %ld bytes: %s", len, strerror(errno));
	xmadvise(p, len, MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE");
	for (i = 0; i < len; i += PAGE_SZ) {
		WRITE_ONCE(*(uint64_t *)(p + i), pat(9, 1, (unsigned int)(i / PAGE_SZ), 0));
		atomic_fetch_add(&mc_touched, 1);
	}
	for (i = 0; i < len; i += PAGE_SZ)
		if (READ_ONCE(*(uint64_t *)(p + i)) != pat(9, 1, (unsigned int)(i / PAGE_SZ), 0))
			violation("page at %p lost its data", (void *)(p + i));
	return NULL;
}

static void mc_summary(const char *verdict)
{
	char buf[800];

	snprintf(buf, sizeof(buf), "torture memcg: %s %.1f s: touched %ld MiB in %s\n", verdict,
		 now_s() - t_start, atomic_load(&mc_touched) * (long)PAGE_SZ >> 20, mc_dir);
	put(1, buf);
}

static int cmd_memcg(long max_mib, long touch_mib)
{
	long max, cur, need = touch_mib << 20;
	pthread_t th[MC_THREADS];
	int i;

	mc_mib = touch_mib;
	mc_find_cgroup();
	max = read_long_file(mc_dir, "memory.max");
	if (max != max_mib << 20)
		fatal("run this in a cgroup whose memory.max is %ld MiB; %s/memory.max is %ld",
		      max_mib, mc_dir, max);
	summary_fn = mc_summary;
	t_start = now_s();
	printf("torture memcg: touching %ld MiB with %d threads in %s (memory.max %ld MiB)\n",
	       touch_mib, MC_THREADS, mc_dir, max_mib);
	fflush(stdout);
	for (i = 0; i < MC_THREADS; i++)
		th[i] = spawn(mc_thread, (void *)(need / MC_THREADS));
	/*
	 * memory.current may pass memory.max for an instant (the page counter
	 * adds, then backs out a failed charge); memory.peak may not, and the
	 * guest script checks it.
	 */
	for (i = 0; i < MC_THREADS; i++)
		pthread_join(th[i], NULL);
	if (touch_mib > max_mib)
		violation("touched all %ld MiB in a cgroup limited to %ld MiB without an OOM kill: anonymous faults are not charged (memory.current %ld)",
			  touch_mib, max_mib, read_long_file(mc_dir, "memory.current"));
	cur = read_long_file(mc_dir, "memory.current");
	if (cur < need)
		violation("memory.current %ld < the %ld bytes of anonymous memory touched: faults not charged",
			  cur, need);
	mc_summary("PASS");
	return 0;
}

/*
 * oomacct -t MiB: a child touches -t MiB of fresh anonymous memory in one
 * thread, in order, until the memcg OOM killer ends it (run it in a cgroup
 * whose memory.max is lower); prints how it ended, the pages it touched and
 * its min_flt and majflt (wait4), for test/guest/accounting.sh to compare
 * with the stock path.
 */
static int cmd_oomacct(long touch_mib, int shmem)
{
	long *touched = mmap(NULL, PAGE_SZ, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	long len = touch_mib << 20, i;
	struct rusage ru;
	int status;
	pid_t pid;
	char *p;

	if (touched == MAP_FAILED)
		fatal("mmap: %s", strerror(errno));
	WRITE_ONCE(*touched, 0);
	pid = fork();
	if (pid < 0)
		fatal("fork: %s", strerror(errno));
	if (!pid) {
		p = mmap(NULL, len, RW,
			 shmem ? MAP_SHARED | MAP_ANONYMOUS : ANON, -1, 0);
		if (p == MAP_FAILED)
			_exit(2);
		if (madvise(p, len, MADV_NOHUGEPAGE))
			_exit(2);
		for (i = 0; i < len; i += PAGE_SZ) {
			WRITE_ONCE(*(uint64_t *)(p + i), 1);
			WRITE_ONCE(*touched, READ_ONCE(*touched) + 1);
		}
		_exit(0);
	}
	if (wait4(pid, &status, 0, &ru) != pid)
		fatal("wait4: %s", strerror(errno));
	printf("torture oomacct: signal %d exit %d touched %ld minflt %ld majflt %ld\n",
	       WIFSIGNALED(status) ? WTERMSIG(status) : 0,
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1, READ_ONCE(*touched),
	       ru.ru_minflt, ru.ru_majflt);
	return 0;
}

/* ============================================================== account */

static char acc_status[16384];

/*
 * The number after @key in the file @path, read whole into acc_status
 * (which must hold it).
 */
static long proc_value(const char *path, const char *key)
{
	ssize_t n;
	char *s;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		fatal("%s: %s", path, strerror(errno));
	n = read(fd, acc_status, sizeof(acc_status) - 1);
	close(fd);
	if (n <= 0)
		fatal("read %s: %s", path, strerror(errno));
	acc_status[n] = 0;
	s = strstr(acc_status, key);
	if (!s)
		fatal("no %s in %s", key, path);
	return strtol(s + strlen(key), NULL, 10);
}

/* RssAnon from /proc/self/status, in kB. */
static long rss_anon_kb(void)
{
	return proc_value("/proc/self/status", "RssAnon:");
}

/*
 * 6.1 counts RSS per task and folds it into the mm every 64 faults, and
 * whenever the task zaps a page table: MADV_DONTNEED of an empty page
 * (its table exists) folds it without changing anything else.
 */
static char *acc_helper;

static void sync_rss(void)
{
	xmadvise(acc_helper, PAGE_SZ, MADV_DONTNEED, "MADV_DONTNEED");
}

/* A software counter of this process's @config events; -1 if unavailable. */
static int sw_counter(unsigned long long config)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = config;
	return (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
}

static long long sw_read(int fd)
{
	long long v;

	if (fd < 0)
		return 0;
	if (read(fd, &v, sizeof(v)) != sizeof(v))
		fatal("read perf counter: %s", strerror(errno));
	return v;
}

static int cmd_account(long pages)
{
	int fd_min = sw_counter(PERF_COUNT_SW_PAGE_FAULTS_MIN);
	int fd_all = sw_counter(PERF_COUNT_SW_PAGE_FAULTS);
	long long min0, min1, all0, all1;
	struct rusage r0, r1;
	long rss0, rss1, i;
	char *p;

	t_start = now_s();
	memset(acc_status, 0, sizeof(acc_status));
	acc_helper = mmap(NULL, PAGE_SZ, RW, ANON, -1, 0);
	p = mmap(NULL, pages * PAGE_SZ, RW, ANON, -1, 0);
	if (acc_helper == MAP_FAILED || p == MAP_FAILED)
		fatal("mmap: %s", strerror(errno));
	xmadvise(acc_helper, PAGE_SZ, MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE");
	xmadvise(p, pages * PAGE_SZ, MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE");
	WRITE_ONCE(*(uint64_t *)acc_helper, 1);	/* its page table */
	sync_rss();
	rss0 = rss_anon_kb();
	getrusage(RUSAGE_SELF, &r0);
	min0 = sw_read(fd_min);
	all0 = sw_read(fd_all);
	for (i = 0; i < pages; i++)
		WRITE_ONCE(*(uint64_t *)(p + i * PAGE_SZ), (uint64_t)i + 1);
	min1 = sw_read(fd_min);
	all1 = sw_read(fd_all);
	getrusage(RUSAGE_SELF, &r1);
	sync_rss();
	rss1 = rss_anon_kb();
	for (i = 0; i < pages; i++)
		if (READ_ONCE(*(uint64_t *)(p + i * PAGE_SZ)) != (uint64_t)i + 1)
			violation("page %ld at %p lost its data", i, (void *)(p + i * PAGE_SZ));
	printf("torture account: pages %ld minflt %ld majflt %ld rss_anon_before_kb %ld rss_anon_after_kb %ld rss_anon_delta_kb %ld perf_minor_faults %lld perf_page_faults %lld\n",
	       pages, r1.ru_minflt - r0.ru_minflt, r1.ru_majflt - r0.ru_majflt, rss0, rss1,
	       rss1 - rss0, fd_min < 0 ? -1 : min1 - min0, fd_all < 0 ? -1 : all1 - all0);
	return 0;
}

/* pgmajfault from /proc/vmstat */
static long vmstat_pgmajfault(void)
{
	return proc_value("/proc/vmstat", "\npgmajfault ");
}

/*
 * account -f FILE: PAGES pages written to FILE, dropped from the page
 * cache, then read one word each through a MADV_RANDOM mapping (no
 * readahead: each fault reads its page, a major fault).
 */
static int cmd_account_file(long pages, const char *path, int cached)
{
	int fd_maj = sw_counter(PERF_COUNT_SW_PAGE_FAULTS_MAJ);
	int fd_min = sw_counter(PERF_COUNT_SW_PAGE_FAULTS_MIN);
	long long maj0, maj1, min0, min1;
	uint64_t buf[512];
	struct rusage r0, r1;
	long i, pm0, pm1;
	char *p;
	int fd;

	t_start = now_s();
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		fatal("%s: %s", path, strerror(errno));
	for (i = 0; i < pages; i++) {
		memset(buf, 0, sizeof(buf));
		buf[0] = (uint64_t)i + 1;
		if (pwrite(fd, buf, PAGE_SZ, i * PAGE_SZ) != PAGE_SZ)
			fatal("pwrite: %s", strerror(errno));
	}
	if (fsync(fd) || (!cached && posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)))
		fatal("fsync/fadvise: %s", strerror(errno));
	/* 64 kB aligned, so that fault-around windows tile it exactly */
	p = mmap(NULL, (pages + 16) * PAGE_SZ, PROT_NONE, ANON, -1, 0);
	if (p == MAP_FAILED)
		fatal("mmap: %s", strerror(errno));
	p = mmap((char *)(((uintptr_t)p + 16 * PAGE_SZ - 1) & ~(uintptr_t)(16 * PAGE_SZ - 1)),
		 pages * PAGE_SZ, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED)
		fatal("mmap: %s", strerror(errno));
	if (!cached)
		xmadvise(p, pages * PAGE_SZ, MADV_RANDOM, "MADV_RANDOM");
	pm0 = vmstat_pgmajfault();
	getrusage(RUSAGE_SELF, &r0);
	maj0 = sw_read(fd_maj);
	min0 = sw_read(fd_min);
	for (i = 0; i < pages; i++)
		if (READ_ONCE(*(uint64_t *)(p + i * PAGE_SZ)) != (uint64_t)i + 1)
			violation("page %ld of %s read wrong", i, path);
	maj1 = sw_read(fd_maj);
	min1 = sw_read(fd_min);
	getrusage(RUSAGE_SELF, &r1);
	pm1 = vmstat_pgmajfault();
	munmap(p, pages * PAGE_SZ);
	close(fd);
	unlink(path);
	printf("torture account: file pages %ld minflt %ld majflt %ld perf_minor_faults %lld perf_major_faults %lld pgmajfault %ld\n",
	       pages, r1.ru_minflt - r0.ru_minflt, r1.ru_majflt - r0.ru_majflt,
	       fd_min < 0 ? -1 : min1 - min0, fd_maj < 0 ? -1 : maj1 - maj0, pm1 - pm0);
	return 0;
}

/* ================================================================ storm */

#define ST_PAGES 512			/* the storm's range, in a reserved cell */
#define ST_MAXLEN 32			/* pages per operation, at most */

static sig_atomic_t st_race_asked, st_stop_asked;
static long st_ops, st_races;
static double st_t0;

static void st_on_signal(int sig)
{
	if (sig == SIGUSR1)
		WRITE_ONCE(st_race_asked, 1);
	else
		WRITE_ONCE(st_stop_asked, 1);
}

static void st_summary(const char *verdict)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "torture storm: %s %.1f s: ops %ld races %ld\n",
		 verdict, now_s() - st_t0, st_ops, st_races);
	put(1, buf);
}

/* One mmap, mprotect, munmap or MADV_DONTNEED of a random part of @base. */
static void st_op(char *base, uint64_t *rng)
{
	static const int prots[] = { PROT_NONE, PROT_READ, RW };
	unsigned int off = rnd(rng, ST_PAGES - ST_MAXLEN), len = 1 + rnd(rng, ST_MAXLEN), i;
	char *a = base + (size_t)off * PAGE_SZ;
	size_t sz = (size_t)len * PAGE_SZ;

	switch (rnd(rng, 4)) {
	case 0:
		map_at(a, sz, RW);
		for (i = 0; i < len; i++)
			WRITE_ONCE(*page_at(a, i), pat(1, (unsigned int)st_ops, off + i, 0));
		break;
	case 1:		/* ENOMEM: part of it is unmapped */
		if (mprotect(a, sz, prots[rnd(rng, 3)]) && errno != ENOMEM)
			fatal("mprotect(%p, %zu): %s", (void *)a, sz, strerror(errno));
		break;
	case 2:
		if (munmap(a, sz))
			fatal("munmap(%p, %zu): %s", (void *)a, sz, strerror(errno));
		break;
	default:
		if (madvise(a, sz, MADV_DONTNEED) && errno != ENOMEM)
			fatal("madvise(%p, %zu, MADV_DONTNEED): %s", (void *)a, sz, strerror(errno));
		break;
	}
	st_ops++;
}

static int cmd_storm(long race_seconds)
{
	uint64_t rng = seed_for(30);
	struct sigaction sa;
	char *base = reserve_cells(1);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = st_on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		fatal("sigaction: %s", strerror(errno));
	st_t0 = now_s();
	summary_fn = st_summary;
	while (!READ_ONCE(st_stop_asked)) {
		if (READ_ONCE(st_race_asked)) {
			WRITE_ONCE(st_race_asked, 0);
			st_races++;
			mp_race(race_seconds);	/* prints its own summary */
			summary_fn = st_summary;
		}
		st_op(base, &rng);
	}
	st_summary("PASS");
	return 0;
}

/* =============================================================== dgnest */

#define DG_NEIGHBOUR 4			/* pages: keeps R's PTE table alive */
#define DG_GAP 4			/* pages between the neighbour and R: no merge */
#define DG_PAGES 32			/* R */
#define DG_FAULTERS 2

static char *dg_r;
static atomic_int dg_open, dg_unmapping, dg_joined, dg_acks, dg_progress, dg_stop;
static atomic_long dg_gens, dg_stores, dg_refused, dg_checked;

static void dg_summary(const char *verdict)
{
	char buf[256];

	snprintf(buf, sizeof(buf),
		 "torture dgnest: %s %.1f s: generations %ld stores %ld refused %ld pages_checked %ld\n",
		 verdict, now_s() - t_start, atomic_load(&dg_gens), atomic_load(&dg_stores),
		 atomic_load(&dg_refused), atomic_load(&dg_checked));
	put(1, buf);
}

/*
 * A fault thread: in each generation of R, store to every page of R until
 * each store succeeded once or the generation is closed. A page whose store
 * was refused (R is being unmapped) has no PTE and no TLB entry, so it is
 * tried again: such retries keep faulting on R throughout munmap().
 */
static void *dg_faulter(void *arg)
{
	unsigned int id = (unsigned int)(long)arg, order[DG_PAGES], pending, i, j, p, t;
	unsigned char done[DG_PAGES];
	uint64_t rng = seed_for(20 + id);
	int gen = 0, g;

	prctl(PR_SET_NAME, "dgnest-fault");
	for (p = 0; p < DG_PAGES; p++)
		order[p] = p;
	for (;;) {
		while ((g = atomic_load(&dg_open)) == 0 || g == gen) {
			if (atomic_load(&dg_stop))
				return NULL;
			sched_yield();
		}
		gen = g;
		atomic_fetch_add(&dg_joined, 1);
		memset(done, 0, sizeof(done));
		pending = DG_PAGES;
		while (atomic_load(&dg_open) == gen) {
			if (!pending) {
				sched_yield();
				continue;
			}
			for (i = DG_PAGES - 1; i > 0; i--) {
				j = rnd(&rng, i + 1);
				t = order[i];
				order[i] = order[j];
				order[j] = t;
			}
			for (i = 0; i < DG_PAGES && atomic_load(&dg_open) == gen; i++) {
				uint64_t *a;

				p = order[i];
				if (done[p])
					continue;
				a = page_at(dg_r, p);
				if (!try_store(a, pat(id + 1, gen, p, 0))) {
					done[p] = 1;
					pending--;
					atomic_fetch_add(&dg_stores, 1);
					atomic_fetch_add(&dg_progress, 1);
					continue;
				}
				if (!atomic_load(&dg_unmapping))
					violation("write to page %u of R at %p refused (si_code %d) while R is mapped",
						  p, (void *)a, READ_ONCE(seg_code));
				if (READ_ONCE(seg_addr) != (void *)a)
					violation("SIGSEGV for a write to %p reported address %p",
						  (void *)a, READ_ONCE(seg_addr));
				atomic_fetch_add(&dg_refused, 1);
			}
		}
		atomic_fetch_add(&dg_acks, 1);
	}
}

/* A fresh mapping of R: no page resident, every word of every page zero. */
static void dg_check_fresh(int gen)
{
	unsigned char vec[DG_PAGES];
	unsigned int p, w;
	char d[160];

	if (mincore(dg_r, DG_PAGES * PAGE_SZ, vec))
		fatal("mincore(R): %s", strerror(errno));
	for (p = 0; p < DG_PAGES; p++) {
		uint64_t *a = page_at(dg_r, p);

		for (w = 0; w < WORDS; w++) {
			uint64_t v = READ_ONCE(a[w]);

			if (!v)
				continue;
			violation("generation %d: page %u of R at %p, just mapped, reads %#llx at word %u on its first read (%s%s; %s before the read): a page was mapped into R's surviving PTE table while munmap() tore the previous R down",
				  gen, p, (void *)a, (unsigned long long)v, w,
				  describe(v, p, w, d, sizeof(d)),
				  pat_ok(v, p, w) && pat_seq(v) < (unsigned int)gen ?
				  ", an earlier generation of R" : "",
				  vec[p] & 1 ? "resident" : "not resident");
		}
		if (vec[p] & 1)
			violation("generation %d: page %u of R at %p, just mapped, was resident before any access (it reads zero)",
				  gen, p, (void *)a);
		atomic_fetch_add(&dg_checked, 1);
	}
}

/* Wait until *@v >= @n; a minute without progress is a hang. */
static void dg_wait(atomic_int *v, int n, const char *what)
{
	double t0 = now_s();

	while (atomic_load(v) < n) {
		if (now_s() - t0 > 60)
			violation("%s: still %d of %d after 60 s", what, atomic_load(v), n);
		sched_yield();
	}
}

static int cmd_dgnest(long seconds)
{
	uint64_t rng = seed_for(2);
	pthread_t th[DG_FAULTERS];
	char *cellp = reserve_cells(1), *nb;
	size_t len = DG_PAGES * PAGE_SZ;
	unsigned int i;
	int gen = 0;

	/* R and its neighbour alone in one PMD: munmap(R) keeps the table */
	if (munmap(cellp, CELL_SZ))
		fatal("munmap of the cell: %s", strerror(errno));
	nb = map_at(cellp, DG_NEIGHBOUR * PAGE_SZ, RW);
	for (i = 0; i < DG_NEIGHBOUR; i++)
		WRITE_ONCE(*page_at(nb, i), 1);
	dg_r = cellp + (DG_NEIGHBOUR + DG_GAP) * PAGE_SZ;
	/* the name test/kmod/rcufault_test_dgnest.c acts on */
	if (prctl(PR_SET_NAME, "dgnest-unmap"))
		fatal("prctl(PR_SET_NAME): %s", strerror(errno));
	summary_fn = dg_summary;
	t_start = now_s();
	t_end = t_start + seconds;
	for (i = 0; i < DG_FAULTERS; i++)
		th[i] = spawn(dg_faulter, (void *)(long)i);
	while (!time_up()) {
		gen++;
		if (mmap(dg_r, len, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0) != dg_r)
			fatal("mmap(R %p, MAP_FIXED_NOREPLACE): %s", (void *)dg_r, strerror(errno));
		dg_check_fresh(gen);
		xmadvise(dg_r, len, MADV_DONTNEED, "MADV_DONTNEED");	/* zero-page PTEs */
		atomic_store(&dg_unmapping, 0);
		atomic_store(&dg_joined, 0);
		atomic_store(&dg_acks, 0);
		atomic_store(&dg_progress, 0);
		atomic_store(&dg_open, gen);
		dg_wait(&dg_joined, DG_FAULTERS, "fault threads that started the generation");
		/* unmap with part of R still untouched, so that faults go on */
		dg_wait(&dg_progress, (int)rnd(&rng, DG_PAGES / 2), "first stores to R");
		atomic_store(&dg_unmapping, 1);
		if (munmap(dg_r, len))
			fatal("munmap(R): %s", strerror(errno));
		atomic_store(&dg_open, 0);
		dg_wait(&dg_acks, DG_FAULTERS, "fault threads that saw the generation end");
		atomic_fetch_add(&dg_gens, 1);
	}
	atomic_store(&dg_stop, 1);
	for (i = 0; i < DG_FAULTERS; i++)
		pthread_join(th[i], NULL);
	dg_summary("PASS");
	return 0;
}

/* =============================================================== tables */

#define TB_CELLS 8
#define TB_WORKERS 2
#define TB_AREA (512UL << 20)		/* inside one 1 GiB range: one PMD table */
#define TB_FIRST (16UL << 20)		/* cell 0 at P0, past the anchor */
#define TB_POS 4			/* positions of a cell, 8 MiB apart */
#define TB_STRIDE (TB_POS * (8UL << 20))
#define TB_SLOT (2 * CELL_SZ)		/* a cell: two PMD ranges */
#define TB_PAGES (2 * CELL_PAGES)
#define TB_STACK (64U << 10)		/* stack prefaulted before the baseline */

static char *tb_area;			/* published through tb_published */
static atomic_int tb_published, tb_ready, tb_go, tb_stop, tb_left, tb_release;
static atomic_uint tb_gen[TB_CELLS];	/* odd while the cell moves */
static atomic_uint tb_pos[TB_CELLS];	/* at position 0 .. TB_POS - 1 */
static atomic_int tb_busy[TB_CELLS];	/* workers accessing the cell now */
static atomic_long tb_moves, tb_stores, tb_racing, tb_racing_segv;
static long tb_base_pte;

/* VmPTE from /proc/self/status, in kB: every page table of the mm. */
static long vmpte_kb(void)
{
	return proc_value("/proc/self/status", "VmPTE:");
}

static char *tb_slot(unsigned int i, unsigned int p)
{
	return tb_area + TB_FIRST + i * TB_STRIDE + p * (TB_STRIDE / TB_POS);
}

/*
 * Map cell @i at position @p and store once in its first half (the last
 * word of its first page: no worker's): the stock fault gives the VMA its
 * anon_vma and that half its table; the second half has no table yet.
 */
static void tb_map_slot(unsigned int i, unsigned int p)
{
	char *a = tb_slot(i, p);

	if (mmap(a, TB_SLOT, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0) != a)
		fatal("mmap(cell %u at %p, MAP_FIXED_NOREPLACE): %s", i, (void *)a,
		      strerror(errno));
	WRITE_ONCE(((uint64_t *)a)[WORDS - 1], 1);
}

/*
 * Map the whole cell range and unmap it again: munmap()'s free_pgtables()
 * then frees every PTE table left in it (the anchor is far below, nothing
 * above within the PMD table). Async-signal-safe, no fatal(): the summary
 * runs it on the way out too.
 */
static int tb_repair(void)
{
	char *a = tb_area + TB_FIRST;
	size_t len = TB_CELLS * TB_STRIDE;

	if (mmap(a, len, RW, ANON | MAP_FIXED, -1, 0) != a)
		return -1;
	return munmap(a, len);
}

static void tb_summary(const char *verdict)
{
	char buf[256];

	/* a failing run must not exit with a leaked table: the kernel would BUG */
	if (strcmp(verdict, "PASS") && atomic_load(&tb_published))
		tb_repair();
	snprintf(buf, sizeof(buf),
		 "torture tables: %s %.1f s: moves %ld stores %ld racing_accesses %ld racing_sigsegv %ld vmpte_kb %ld\n",
		 verdict, now_s() - t_start, atomic_load(&tb_moves), atomic_load(&tb_stores),
		 atomic_load(&tb_racing), atomic_load(&tb_racing_segv), tb_base_pte);
	put(1, buf);
}

/*
 * Fault in TB_STACK of stack below the caller, so that no later call or
 * signal frame of this thread needs a new PTE table: VmPTE must not move
 * but for the cells.
 */
static noinline unsigned int tb_prefault_stack(void)
{
	char pad[TB_STACK];
	unsigned int i, sum = 0;

	for (i = 0; i < TB_STACK; i += PAGE_SZ / 2) {
		WRITE_ONCE(pad[i], 1);
		sum += READ_ONCE(pad[i]);
	}
	return sum;
}

/* Never 0: bit 63; cell, thread, page, generation, count. */
static uint64_t tb_value(unsigned int i, unsigned int gen, unsigned int page,
			 unsigned int id, unsigned int n)
{
	return 1ULL << 63 | (uint64_t)(i & 7) << 60 | (uint64_t)(id & 3) << 58 |
	       (uint64_t)(page & 0x3ff) << 48 | (uint64_t)(gen & 0xffffff) << 24 | (n & 0xffffff);
}

/*
 * A worker: store to and load back a random page of a random cell, at the
 * cell's position when it started, also while the cell moves: the faults on
 * the old position race munmap(), the first in each fresh slot installs a
 * PTE table. Its own word of the page: the other worker never changes it.
 */
static void *tb_worker(void *arg)
{
	unsigned int id = (unsigned int)(long)arg, n = 0, i, p, page, g1, g2;
	uint64_t rng = seed_for(40 + id), v, r;
	uint64_t *a;
	int bad;

	tb_prefault_stack();
	while (!atomic_load(&tb_published))
		sched_yield();
	/* the SIGSEGV path once (cell 0's P0 is not mapped yet) */
	a = (uint64_t *)tb_slot(0, 0) + id;
	if (!try_store(a, 1))
		fatal("warm-up store to unmapped %p succeeded", (void *)a);
	atomic_fetch_add(&tb_ready, 1);
	while (!atomic_load(&tb_go))
		sched_yield();
	while (!atomic_load(&tb_stop) && !time_up()) {
		i = rnd(&rng, TB_CELLS);
		page = rnd(&rng, TB_PAGES);
		g1 = atomic_load_explicit(&tb_gen[i], memory_order_acquire);
		p = atomic_load_explicit(&tb_pos[i], memory_order_relaxed);
		a = (uint64_t *)(tb_slot(i, p) + page * PAGE_SZ) + id;
		v = tb_value(i, g1, page, id, ++n);
		r = 0;
		atomic_fetch_add(&tb_busy[i], 1);
		bad = try_store(a, v);
		if (!bad) {
			atomic_fetch_add(&tb_stores, 1);
			bad = try_load(a, &r);
		}
		atomic_fetch_sub(&tb_busy[i], 1);
		atomic_thread_fence(memory_order_seq_cst);
		g2 = atomic_load_explicit(&tb_gen[i], memory_order_acquire);
		if (g1 != g2 || (g1 & 1)) {
			/* the cell moved meanwhile: anything goes but a stray SIGSEGV */
			atomic_fetch_add(&tb_racing, 1);
			if (!bad)
				continue;
			if (READ_ONCE(seg_addr) != (void *)a)
				violation("SIGSEGV for an access to %p reported address %p",
					  (void *)a, READ_ONCE(seg_addr));
			atomic_fetch_add(&tb_racing_segv, 1);
			continue;
		}
		if (bad)
			violation("cell %u page %u at %p raised SIGSEGV (si_code %d) while mapped",
				  i, page, (void *)a, READ_ONCE(seg_code));
		if (r != v)
			violation("cell %u page %u at %p read %#llx after writing %#llx",
				  i, page, (void *)a, (unsigned long long)r,
				  (unsigned long long)v);
	}
	/* stay until VmPTE was read: a thread exit frees stack page tables */
	atomic_fetch_add(&tb_left, 1);
	while (!atomic_load(&tb_release))
		nap_us(1000);
	return NULL;
}

/* The next cell to move: one a worker is in, if any (from a random start). */
static unsigned int tb_pick(uint64_t *rng)
{
	unsigned int i, k = rnd(rng, TB_CELLS);

	for (i = 0; i < TB_CELLS; i++)
		if (atomic_load(&tb_busy[(k + i) % TB_CELLS]))
			return (k + i) % TB_CELLS;
	return k;
}

/*
 * tables -s SECONDS: 8 cells of two PTE tables each move round four
 * positions (munmap, mmap at the next) while 2 threads fault first touches in
 * them, on the old position too. Then every cell is unmapped: VmPTE must be
 * back to its value before any cell existed, or a fault installed a PTE
 * table in a range munmap() had freed the tables of.
 */
static int cmd_tables(long seconds)
{
	uint64_t rng = seed_for(4);
	pthread_t th[TB_WORKERS];
	unsigned int i, p;
	long end, after;
	char *res;

	/* no THP: every first touch in a fresh 2 MiB range needs a PTE table */
	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0))
		fatal("prctl(PR_SET_THP_DISABLE): %s", strerror(errno));
	tb_prefault_stack();
	summary_fn = tb_summary;
	t_start = now_s();
	t_end = t_start + seconds;
	/* before the reservation is given up: their stacks must not land in it */
	for (i = 0; i < TB_WORKERS; i++)
		th[i] = spawn(tb_worker, (void *)(long)i);
	res = mmap(NULL, 2 * TB_AREA, PROT_NONE, ANON | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		fatal("mmap reservation of %lu bytes: %s", 2 * TB_AREA, strerror(errno));
	tb_area = (char *)(((uintptr_t)res + TB_AREA - 1) & ~(TB_AREA - 1));
	if (munmap(res, 2 * TB_AREA))
		fatal("munmap of the reservation: %s", strerror(errno));
	/* the anchor keeps the PMD table of the area */
	map_at(tb_area, PAGE_SZ, RW);
	WRITE_ONCE(*(uint64_t *)tb_area, 1);
	/* first touches of this test's data: none may come after the baseline */
	for (i = 0; i < TB_CELLS; i++) {
		atomic_store(&tb_gen[i], 0);
		atomic_store(&tb_pos[i], 0);
	}
	atomic_store(&tb_moves, 0);
	atomic_store(&tb_stores, 0);
	atomic_store(&tb_racing, 0);
	atomic_store(&tb_racing_segv, 0);
	atomic_store(&tb_stop, 0);
	atomic_store(&tb_left, 0);
	atomic_store(&tb_release, 0);
	nap_us(1);
	atomic_store(&tb_published, 1);
	dg_wait(&tb_ready, TB_WORKERS, "workers ready");
	vmpte_kb();
	tb_base_pte = vmpte_kb();
	for (i = 0; i < TB_CELLS; i++)
		tb_map_slot(i, 0);
	atomic_store(&tb_go, 1);
	while (!time_up()) {
		i = tb_pick(&rng);
		p = atomic_load(&tb_pos[i]);
		atomic_fetch_add(&tb_gen[i], 1);	/* odd: moving */
		if (munmap(tb_slot(i, p), TB_SLOT))
			fatal("munmap(cell %u at %p): %s", i, (void *)tb_slot(i, p),
			      strerror(errno));
		tb_map_slot(i, (p + 1) % TB_POS);
		atomic_store(&tb_pos[i], (p + 1) % TB_POS);
		atomic_fetch_add(&tb_gen[i], 1);	/* even: settled */
		atomic_fetch_add(&tb_moves, 1);
		nap_us(1000);
	}
	atomic_store(&tb_stop, 1);
	dg_wait(&tb_left, TB_WORKERS, "workers stopped");
	for (i = 0; i < TB_CELLS; i++)
		if (munmap(tb_slot(i, atomic_load(&tb_pos[i])), TB_SLOT))
			fatal("munmap(cell %u): %s", i, strerror(errno));
	end = vmpte_kb();
	if (end != tb_base_pte) {
		if (tb_repair())
			fatal("repair of the cell range: %s", strerror(errno));
		after = vmpte_kb();
		violation("VmPTE %ld kB after unmapping every cell, %ld kB before: a page table was left in an unmapped range (leaked); %ld kB after mapping and unmapping the whole cell range",
			  end, tb_base_pte, after);
	}
	atomic_store(&tb_release, 1);
	for (i = 0; i < TB_WORKERS; i++)
		pthread_join(th[i], NULL);
	if (munmap(tb_area, PAGE_SZ))
		fatal("munmap of the anchor: %s", strerror(errno));
	tb_summary("PASS");
	return 0;
}

/* =============================================================== swapin */

#define SW_ACC_PAGES 256		/* the accounting passes */
#define SW_WORKERS 2
#define SW_WPAGES 512			/* per worker */
#define SW_PAGES (SW_WORKERS * SW_WPAGES)
#define SW_FPAGES 64			/* F, the flip range */
#define SW_AREA_PAGES (SW_PAGES + 1 + SW_FPAGES + 1)	/* a guard page after each */
#define SW_PAGEOUT_MAX 64		/* pages per MADV_PAGEOUT of the pager */
#define SW_POST_STORES 16		/* the flip writer's stores after the flip */
#define SW_CHILD_PAGES 32		/* a child checks these worker pages */
#define SW_CHILD_MARKS 8		/* and writes its marker into the first 8 */
#define SW_FORK_S 0.2
#define SW_TAG_ACC 0xa51
#define SW_TAG_WORK 0xa52
#define SW_TAG_F 0xa53
#define SW_TAG_CHILD 0xa54

static uint64_t *sw_acc, *sw_work, *sw_f;
static char *sw_area;
static atomic_int sw_stop, sw_f_round, sw_f_flipping, sw_f_flipped, sw_f_acks, sw_f_done;
static atomic_uint sw_f_ver;
static _Atomic uint64_t sw_f_rec[SW_FPAGES];	/* F: the last successful store */
static atomic_long sw_worker_ops, sw_pageouts, sw_flip_rounds, sw_flip_refused, sw_forks;

struct sw_worker {
	unsigned int id;
	uint64_t rng;
	unsigned int ver[SW_WPAGES];	/* the version each own page holds */
};

static struct sw_worker sw_wk[SW_WORKERS];

static void sw_summary(const char *verdict)
{
	char buf[512];

	snprintf(buf, sizeof(buf),
		 "torture swapin: %s %.1f s: worker_ops %ld pageouts %ld flip_rounds %ld flip_refused %ld forks %ld\n",
		 verdict, now_s() - t_start, atomic_load(&sw_worker_ops), atomic_load(&sw_pageouts),
		 atomic_load(&sw_flip_rounds), atomic_load(&sw_flip_refused),
		 atomic_load(&sw_forks));
	put(1, buf);
}

/*
 * Word @word of page @page at version @ver (24 bits) of the area @tag (12
 * bits, 0xa5.): never zero; another page's, word's, version's or area's
 * data, or zero, is not this value.
 */
static uint64_t sw_pat(unsigned int tag, unsigned int page, unsigned int word, unsigned int ver)
{
	return (uint64_t)(tag & 0xfff) << 52 | (uint64_t)(ver & 0xffffff) << 28 |
	       (uint64_t)(page & 0x7ffff) << 9 | (word & 0x1ff);
}

static unsigned int sw_ver(uint64_t v)
{
	return (v >> 28) & 0xffffff;
}

/* Is @v word @word of page @page of area @tag at some version? */
static int sw_valid(uint64_t v, unsigned int tag, unsigned int page, unsigned int word)
{
	return sw_ver(v) && v == sw_pat(tag, page, word, sw_ver(v));
}

static unsigned int sw_next_ver(unsigned int v)
{
	v = (v + 1) & 0xffffff;
	return v ? v : 1;
}

/* What @v is, for messages. */
static const char *sw_describe(uint64_t v, char *buf, size_t n)
{
	if (!v)
		snprintf(buf, n, "zero");
	else if (v >> 56 != 0xa5)
		snprintf(buf, n, "not a pattern of this test");
	else
		snprintf(buf, n, "area %#x page %u word %u version %u", (unsigned int)(v >> 52),
			 (unsigned int)(v >> 9) & 0x7ffff, (unsigned int)v & 0x1ff, sw_ver(v));
	return buf;
}

static void sw_fill(uint64_t *a, unsigned int tag, unsigned int page, unsigned int ver)
{
	unsigned int w;

	for (w = 0; w < WORDS; w++)
		WRITE_ONCE(a[w], sw_pat(tag, page, w, ver));
}

/* Words @from..@to - 1 of page @page at @a must hold version @ver, read in order. */
static void sw_check(const char *what, uint64_t *a, unsigned int tag, unsigned int page,
		     unsigned int ver, unsigned int from, unsigned int to, const char *when)
{
	unsigned int w;
	char d[96];

	for (w = from; w < to; w++) {
		uint64_t v = READ_ONCE(a[w]), e = sw_pat(tag, page, w, ver);

		if (v != e)
			violation("%s: page %u word %u read %#llx, expected %#llx %s (read: %s)",
				  what, page, w, (unsigned long long)v, (unsigned long long)e, when,
				  sw_describe(v, d, sizeof(d)));
	}
}

/* The number for @name in /proc/vmstat. */
static long vmstat_value(const char *name)
{
	char key[64];

	snprintf(key, sizeof(key), "\n%s ", name);
	return proc_value("/proc/vmstat", key);
}

struct sw_counters {
	long majflt, minflt, pgmajfault, pswpin;
};

static void read_counters(struct sw_counters *c)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		fatal("getrusage: %s", strerror(errno));
	c->majflt = ru.ru_majflt;
	c->minflt = ru.ru_minflt;
	c->pgmajfault = vmstat_value("pgmajfault");
	c->pswpin = vmstat_value("pswpin");
}

/* MADV_PAGEOUT the accounting pages; the number swapped out (mincore). */
/* The swap device is asynchronous: paging out needed the cgroup's reclaim. */
static int sw_async;

/*
 * Reclaim a little of this process's memory cgroup (cgroup v2
 * memory.reclaim): the way to evict swap-cache pages whose writeback
 * MADV_PAGEOUT only started (it handles mapped pages only).
 */
static void sw_cgroup_reclaim(void)
{
	char line[256], path[512];
	FILE *f = fopen("/proc/self/cgroup", "r");
	int fd;

	if (!f)
		return;
	if (!fgets(line, sizeof(line), f) || strncmp(line, "0::/", 4)) {
		fclose(f);
		return;
	}
	fclose(f);
	line[strcspn(line, "\n")] = 0;
	snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.reclaim", line + 3);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return;
	if (write(fd, "2M", 2) < 0)
		errno = 0;	/* -EAGAIN: less reclaimed; the loop looks again */
	close(fd);
}

static int sw_page_out(void)
{
	static unsigned char vec[SW_ACC_PAGES];
	int p, tries, swapped = 0;

	/*
	 * On an asynchronous swap device MADV_PAGEOUT only starts the
	 * writeback: the pages stay in the swap cache (mincore: resident)
	 * until reclaim finds them written back; the cgroup's reclaim does.
	 */
	for (tries = 0; tries < 100 && swapped < SW_ACC_PAGES * 9 / 10; tries++) {
		if (tries) {
			sw_async = 1;
			nap_us(20000);
			sw_cgroup_reclaim();
		}
		xmadvise(sw_acc, SW_ACC_PAGES * PAGE_SZ, MADV_PAGEOUT, "MADV_PAGEOUT");
		if (mincore(sw_acc, SW_ACC_PAGES * PAGE_SZ, vec))
			fatal("mincore(%p): %s", (void *)sw_acc, strerror(errno));
		for (swapped = 0, p = 0; p < SW_ACC_PAGES; p++)
			swapped += !(vec[p] & 1);
	}
	if (swapped < SW_ACC_PAGES * 9 / 10)
		fatal("only %d of %d pages were paged out: is swap on?", swapped, SW_ACC_PAGES);
	return swapped;
}

/* One pass's line; each swapped-out page is one major fault and one swap-in. */
static void sw_account_report(const char *pass, const struct sw_counters *c0,
			      const struct sw_counters *c1, int swapped)
{
	long maj = c1->majflt - c0->majflt, pgmaj = c1->pgmajfault - c0->pgmajfault;
	long pswpin = c1->pswpin - c0->pswpin;

	printf("torture swapin: account %s majflt %ld minflt %ld swapped %d pgmajfault %ld pswpin %ld async %d\n",
	       pass, maj, c1->minflt - c0->minflt, swapped, pgmaj, pswpin, sw_async);
	/* after the cgroup's reclaim, text pages may fault back in too */
	if (sw_async && maj >= swapped && pgmaj >= swapped)
		maj = pgmaj = swapped;
	if (maj != swapped)
		violation("account %s: majflt (getrusage) rose by %ld over %d swapped-out pages: each swap-in must be exactly one major fault",
			  pass, maj, swapped);
	if (pgmaj != swapped)
		violation("account %s: /proc/vmstat pgmajfault rose by %ld over %d swapped-out pages: each swap-in must count exactly one",
			  pass, pgmaj, swapped);
	if (pswpin != swapped)
		violation("account %s: /proc/vmstat pswpin rose by %ld over %d swapped-out pages: each must be read from swap exactly once",
			  pass, pswpin, swapped);
}

/*
 * Part 1, single-threaded: SW_ACC_PAGES pages paged out, then read back
 * (read faults on swap PTEs), paged out again and written word 0 first
 * (write faults on swap PTEs); each pass counts its faults and swap-ins.
 */
static void sw_account(void)
{
	struct sw_counters c0, c1;
	unsigned int p;
	int swapped;

	sw_acc = mmap(NULL, SW_ACC_PAGES * PAGE_SZ, RW, ANON, -1, 0);
	if (sw_acc == MAP_FAILED)
		fatal("mmap: %s", strerror(errno));
	xmadvise(sw_acc, SW_ACC_PAGES * PAGE_SZ, MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE");
	for (p = 0; p < SW_ACC_PAGES; p++)
		sw_fill(page_at(sw_acc, p), SW_TAG_ACC, p, 1);
	/* the loops' code and the counters' paths run once before counting */
	for (p = 0; p < SW_ACC_PAGES; p++)
		sw_check("account", page_at(sw_acc, p), SW_TAG_ACC, p, 1, 0, WORDS,
			 "before paging out");
	read_counters(&c0);

	swapped = sw_page_out();
	read_counters(&c0);
	for (p = 0; p < SW_ACC_PAGES; p++)	/* word 0 first: the fault */
		sw_check("account read", page_at(sw_acc, p), SW_TAG_ACC, p, 1, 0, WORDS,
			 "after swap-in");
	read_counters(&c1);
	sw_account_report("read", &c0, &c1, swapped);

	swapped = sw_page_out();
	read_counters(&c0);
	for (p = 0; p < SW_ACC_PAGES; p++) {
		uint64_t *a = page_at(sw_acc, p);

		WRITE_ONCE(a[0], sw_pat(SW_TAG_ACC, p, 0, 2));
		sw_check("account write", a, SW_TAG_ACC, p, 2, 0, 1, "after swap-in");
		sw_check("account write", a, SW_TAG_ACC, p, 1, 1, WORDS, "after swap-in");
	}
	read_counters(&c1);
	sw_account_report("write", &c0, &c1, swapped);
}

/* A worker: verify or rewrite (every word, new version) random own pages. */
static void *sw_worker_fn(void *arg)
{
	struct sw_worker *t = arg;
	unsigned int i, g;
	char name[32];

	snprintf(name, sizeof(name), "worker %u", t->id);
	while (!time_up() && !atomic_load(&sw_stop)) {
		i = rnd(&t->rng, SW_WPAGES);
		g = t->id * SW_WPAGES + i;
		if (rnd(&t->rng, 2)) {
			sw_check(name, page_at(sw_work, g), SW_TAG_WORK, g, t->ver[i], 0, WORDS,
				 "(its last write)");
		} else {
			t->ver[i] = sw_next_ver(t->ver[i]);
			sw_fill(page_at(sw_work, g), SW_TAG_WORK, g, t->ver[i]);
		}
		atomic_fetch_add(&sw_worker_ops, 1);
	}
	return NULL;
}

/* The pager: MADV_PAGEOUT of random parts of the workers' pages. */
static void *sw_pager_fn(void *arg)
{
	uint64_t rng = seed_for(51);
	unsigned int n, from;

	(void)arg;
	while (!time_up() && !atomic_load(&sw_stop)) {
		n = 1 + rnd(&rng, SW_PAGEOUT_MAX);
		from = rnd(&rng, SW_PAGES - n + 1);
		xmadvise(page_at(sw_work, from), n * PAGE_SZ, MADV_PAGEOUT, "MADV_PAGEOUT");
		atomic_fetch_add(&sw_pageouts, 1);
		nap_us(100);
	}
	return NULL;
}

/*
 * One store of the flip writer to a random page of F. @after: it started
 * after mprotect(PROT_READ) returned, so it must be refused.
 */
static void sw_flip_store(uint64_t *rng, int after)
{
	unsigned int p = rnd(rng, SW_FPAGES);
	uint64_t *a = page_at(sw_f, p);
	uint64_t v = sw_pat(SW_TAG_F, p, 0, sw_next_ver(atomic_fetch_add(&sw_f_ver, 1)));

	if (!try_store(a, v)) {
		if (after)
			violation("write to F page %u after mprotect(PROT_READ) returned succeeded (flip writer, %p)",
				  p, (void *)a);
		atomic_store(&sw_f_rec[p], v);
		return;
	}
	if (!atomic_load(&sw_f_flipping))
		violation("write to F page %u at %p refused (si_code %d) before mprotect was called",
			  p, (void *)a, READ_ONCE(seg_code));
	if (READ_ONCE(seg_code) != SEGV_ACCERR || READ_ONCE(seg_addr) != (void *)a)
		violation("refused write to F page %u at %p: si_code %d (want SEGV_ACCERR) at %p",
			  p, (void *)a, READ_ONCE(seg_code), READ_ONCE(seg_addr));
	atomic_fetch_add(&sw_flip_refused, 1);
}

/*
 * The flip writer: in each round, stores to F until it sees the flip (the
 * stores in flight at mprotect may go either way), acknowledges, then
 * SW_POST_STORES more, which must all be refused.
 */
static void *sw_flip_writer(void *arg)
{
	uint64_t rng = seed_for(52);
	int round = 0, i;

	(void)arg;
	for (;;) {
		while (atomic_load(&sw_f_round) == round && !atomic_load(&sw_stop))
			sched_yield();
		if (atomic_load(&sw_stop))
			return NULL;
		round = atomic_load(&sw_f_round);
		while (!atomic_load(&sw_f_flipped))
			sw_flip_store(&rng, 0);
		atomic_fetch_add(&sw_f_acks, 1);
		for (i = 0; i < SW_POST_STORES; i++)
			sw_flip_store(&rng, 1);
		atomic_fetch_add(&sw_f_done, 1);
	}
}

/* A random delay of 0..@max_us, spun when short. */
static void sw_delay(uint64_t *rng, unsigned int max_us)
{
	unsigned int us = rnd(rng, max_us + 1);
	double until = now_s() + us / 1e6;

	if (us >= 100) {
		nap_us(us);
		return;
	}
	while (now_s() < until)
		sched_yield();
}

/*
 * One flip round: F written and paged out, the flip writer storing to it,
 * mprotect(PROT_READ) after 0..2 ms. Once the writer's stores in flight
 * ended, every store to F is refused and F holds what the successful
 * stores wrote.
 */
static void sw_flip_round(uint64_t *rng)
{
	unsigned int p, v0;
	uint64_t *a;

	xmprotect(sw_f, SW_FPAGES * PAGE_SZ, RW);
	v0 = sw_next_ver(atomic_fetch_add(&sw_f_ver, 1));
	for (p = 0; p < SW_FPAGES; p++) {
		sw_fill(page_at(sw_f, p), SW_TAG_F, p, v0);
		atomic_store(&sw_f_rec[p], sw_pat(SW_TAG_F, p, 0, v0));
	}
	xmadvise(sw_f, SW_FPAGES * PAGE_SZ, MADV_PAGEOUT, "MADV_PAGEOUT");
	atomic_store(&sw_f_flipping, 0);
	atomic_store(&sw_f_flipped, 0);
	atomic_store(&sw_f_acks, 0);
	atomic_store(&sw_f_done, 0);
	atomic_fetch_add(&sw_f_round, 1);
	sw_delay(rng, 2000);
	atomic_store(&sw_f_flipping, 1);
	xmprotect(sw_f, SW_FPAGES * PAGE_SZ, PROT_READ);
	atomic_store(&sw_f_flipped, 1);
	dg_wait(&sw_f_acks, 1, "the flip writer's store in flight at mprotect");
	for (p = 0; p < SW_FPAGES; p++) {
		a = page_at(sw_f, p);
		if (!try_store(a, sw_pat(SW_TAG_F, p, 0, 0)))
			violation("write to F page %u after mprotect(PROT_READ) returned succeeded (probe, %p)",
				  p, (void *)a);
		if (READ_ONCE(seg_code) != SEGV_ACCERR || READ_ONCE(seg_addr) != (void *)a)
			violation("refused write to F page %u at %p: si_code %d (want SEGV_ACCERR) at %p",
				  p, (void *)a, READ_ONCE(seg_code), READ_ONCE(seg_addr));
		atomic_fetch_add(&sw_flip_refused, 1);
	}
	dg_wait(&sw_f_done, 1, "the flip writer's stores after mprotect");
	for (p = 0; p < SW_FPAGES; p++) {
		uint64_t rec = atomic_load(&sw_f_rec[p]), v;
		char d[96];

		a = page_at(sw_f, p);
		v = READ_ONCE(a[0]);
		if (v != rec)
			violation("F page %u at %p holds %#llx (%s), but the last successful store wrote %#llx (%s)",
				  p, (void *)a, (unsigned long long)v, sw_describe(v, d, sizeof(d)),
				  (unsigned long long)rec,
				  rec == sw_pat(SW_TAG_F, p, 0, v0) ? "the round's first value" :
				  "the flip writer");
		sw_check("F", a, SW_TAG_F, p, v0, 1, WORDS, "(written at the round's start)");
	}
	atomic_fetch_add(&sw_flip_rounds, 1);
}

/*
 * A child: only this thread, a copy of the workers' pages taken while they
 * ran. Each word of 32 random pages must be a worker pattern of its page
 * and word (of any version); its own marker in 8 of them must stay.
 */
static void __noreturn sw_child(void)
{
	unsigned int pages[SW_CHILD_PAGES], mark = (unsigned int)getpid() & 0xffffff;
	uint64_t rng = seed_for(53), v;
	unsigned int i, w, p;
	char d[96];

	summary_fn = NULL;
	if (atomic_load(&dying))
		_exit(0);	/* forked while the parent reports a violation */
	if (!mark)
		mark = 1;
	for (i = 0; i < SW_CHILD_PAGES; i++) {
		uint64_t *a;

		p = rnd(&rng, SW_PAGES);
		pages[i] = p;
		a = page_at(sw_work, p);
		for (w = 0; w < WORDS; w++) {
			v = READ_ONCE(a[w]);
			if (!sw_valid(v, SW_TAG_WORK, p, w))
				violation("child %d: worker page %u at %p word %u holds %#llx (%s) after fork: not a worker pattern of that page and word",
					  getpid(), p, (void *)a, w, (unsigned long long)v,
					  sw_describe(v, d, sizeof(d)));
		}
	}
	for (i = 0; i < SW_CHILD_MARKS; i++)
		sw_fill(page_at(sw_work, pages[i]), SW_TAG_CHILD, pages[i], mark);
	for (i = 0; i < SW_CHILD_MARKS; i++)
		sw_check("child", page_at(sw_work, pages[i]), SW_TAG_CHILD, pages[i], mark, 0,
			 WORDS, "(the child's own write)");
	_exit(0);
}

static void sw_fork(void)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		fatal("fork: %s", strerror(errno));
	if (!pid)
		sw_child();
	reap_child(pid, &status);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 1)
		violation("child %d saw a wrong word in the workers' pages or lost its own (message above)",
			  pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		violation("child %d ended with status %#x", pid, status);
	atomic_fetch_add(&sw_forks, 1);
}

/*
 * Part 2, for @seconds: the workers and the pager on the workers' pages,
 * flip rounds on F and a fork every SW_FORK_S in this thread; then every
 * worker page is checked once more.
 */
static void sw_race(long seconds)
{
	pthread_t th[SW_WORKERS + 2];
	uint64_t rng = seed_for(50);
	unsigned int i, p, nt = 0;
	double next_fork;

	sw_area = mmap(NULL, SW_AREA_PAGES * PAGE_SZ, PROT_NONE, ANON | MAP_NORESERVE, -1, 0);
	if (sw_area == MAP_FAILED)
		fatal("mmap reservation: %s", strerror(errno));
	sw_work = map_at(sw_area, SW_PAGES * PAGE_SZ, RW);
	sw_f = map_at(page_at(sw_area, SW_PAGES + 1), SW_FPAGES * PAGE_SZ, RW);
	xmadvise(sw_work, SW_PAGES * PAGE_SZ, MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE");
	xmadvise(sw_f, SW_FPAGES * PAGE_SZ, MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE");
	for (i = 0; i < SW_WORKERS; i++) {
		sw_wk[i].id = i;
		sw_wk[i].rng = seed_for(54 + i);
		for (p = 0; p < SW_WPAGES; p++) {
			sw_wk[i].ver[p] = 1;
			sw_fill(page_at(sw_work, i * SW_WPAGES + p), SW_TAG_WORK,
				i * SW_WPAGES + p, 1);
		}
	}
	t_start = now_s();
	t_end = t_start + seconds;
	next_fork = t_start + SW_FORK_S;
	for (i = 0; i < SW_WORKERS; i++)
		th[nt++] = spawn(sw_worker_fn, &sw_wk[i]);
	th[nt++] = spawn(sw_pager_fn, NULL);
	th[nt++] = spawn(sw_flip_writer, NULL);
	while (!time_up()) {
		sw_flip_round(&rng);
		if (now_s() >= next_fork) {
			sw_fork();
			next_fork = now_s() + SW_FORK_S;
		}
	}
	atomic_store(&sw_stop, 1);
	for (i = 0; i < nt; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < SW_WORKERS; i++)
		for (p = 0; p < SW_WPAGES; p++)
			sw_check("final check", page_at(sw_work, i * SW_WPAGES + p), SW_TAG_WORK,
				 i * SW_WPAGES + p, sw_wk[i].ver[p], 0, WORDS,
				 "(the worker's last write)");
}

/*
 * swapin -s SECONDS: the accounting passes, the race for SECONDS, then
 * everything unmapped.
 */
static int cmd_swapin(long seconds)
{
	summary_fn = sw_summary;
	t_start = now_s();
	sw_account();
	sw_race(seconds);
	if (munmap(sw_acc, SW_ACC_PAGES * PAGE_SZ) || munmap(sw_area, SW_AREA_PAGES * PAGE_SZ))
		fatal("munmap: %s", strerror(errno));
	sw_summary("PASS");
	return 0;
}

/* =============================================================== resize */

#define RS_PAGES 32			/* the VMA as mapped; it grows to twice that */

static atomic_long rs_rounds, rs_grown, rs_refused;

static void rs_summary(const char *verdict)
{
	char line[200];

	snprintf(line, sizeof(line),
		 "torture resize: %s: rounds %ld grown_in_place %ld refused_after_shrink %ld\n",
		 verdict, atomic_load(&rs_rounds), atomic_load(&rs_grown),
		 atomic_load(&rs_refused));
	put(1, line);
}

/* Write pages [@from, @to) of @p, each a fresh page (reads zero first). */
static void rs_write(char *p, unsigned int from, unsigned int to, struct pstate *ps,
		     unsigned int *seq)
{
	unsigned int i;

	for (i = from; i < to; i++) {
		page_verify("resize", page_at(p, i), i, 1, &ps[i]);
		page_write(page_at(p, i), i, 1, &ps[i], seq);
	}
}

/*
 * One round: a VMA V of RS_PAGES with a hole of as many above it, then
 * guard pages. Half of V written (its first fault makes V's shadow record),
 * V grown in place over the hole by mremap() (a whole write section that
 * keeps V's struct: the record still spans no more than V), the other half
 * and the grown part written, V shrunk to a quarter by mremap(), every page
 * of the rest refused, the quarter intact.
 */
static void rs_round(struct pstate *ps, unsigned int *seq)
{
	size_t len = RS_PAGES * PAGE_SZ;
	char *v = mmap(NULL, 3 * len, PROT_NONE, ANON | MAP_NORESERVE, -1, 0);
	unsigned int i, n = RS_PAGES;

	if (v == MAP_FAILED)
		fatal("mmap of %zu bytes: %s", 3 * len, strerror(errno));
	if (munmap(v + len, len))
		fatal("munmap of the hole: %s", strerror(errno));
	xmprotect(v, len, RW);
	/* its own flags: V merges with no neighbour */
	xmadvise(v, len, MADV_DONTFORK, "MADV_DONTFORK");
	for (i = 0; i < 2 * RS_PAGES; i++)
		ps[i].st = PG_ZERO;
	rs_write(v, 0, RS_PAGES / 2, ps, seq);
	if (mremap(v, len, 2 * len, 0) == v) {
		atomic_fetch_add(&rs_grown, 1);
		n = 2 * RS_PAGES;
	} else if (errno != ENOMEM) {
		fatal("mremap(%p) growing in place: %s", (void *)v, strerror(errno));
	}
	rs_write(v, RS_PAGES / 2, n, ps, seq);
	for (i = 0; i < n; i++)
		page_verify("resize, grown", page_at(v, i), i, 1, &ps[i]);
	if (mremap(v, n * PAGE_SZ, RS_PAGES / 4 * PAGE_SZ, 0) != v)
		fatal("mremap(%p) shrinking: %s", (void *)v, strerror(errno));
	for (i = RS_PAGES / 4; i < n; i++) {
		expect_inaccessible("resize: a page mremap() shrank away", page_at(v, i));
		atomic_fetch_add(&rs_refused, 1);
	}
	for (i = 0; i < RS_PAGES / 4; i++)
		page_verify("resize, shrunk", page_at(v, i), i, 1, &ps[i]);
	if (munmap(v, 3 * len))
		fatal("munmap: %s", strerror(errno));
	atomic_fetch_add(&rs_rounds, 1);
}

static int cmd_resize(long seconds)
{
	struct pstate ps[2 * RS_PAGES];
	unsigned int seq = 0;

	summary_fn = rs_summary;
	t_start = now_s();
	t_end = t_start + seconds;
	while (!time_up())
		rs_round(ps, &seq);
	if (!atomic_load(&rs_grown))
		fatal("mremap() never grew a VMA in place");
	rs_summary("PASS");
	return 0;
}

/* ================================================================= main */

static void usage_exit(void)
{
	fprintf(stderr,
		"usage: torture integrity -s SECONDS | mprotect -s SECONDS | fork -s SECONDS |\n"
		"               uffd [-s SECONDS] | pkeys | memcg -m MiB -t MiB | oomacct -t MiB [-S] |\n"
		"               account -p PAGES [-f FILE [-c]] | storm -s SECONDS | dgnest -s SECONDS |\n"
		"               tables -s SECONDS | swapin -s SECONDS | resize -s SECONDS\n");
	exit(2);
}

int main(int argc, char **argv)
{
	long s = -1, m = -1, t = -1, p = -1;
	char *end, *f = NULL;
	int c, cached = 0, shmem = 0;

	if (argc < 2)
		usage_exit();
	sub = argv[1];
	optind = 2;
	while ((c = getopt(argc, argv, "s:m:t:p:f:cS")) != -1) {
		long v;

		if (c == '?')
			usage_exit();
		if (c == 'c' || c == 'S') {
			*(c == 'c' ? &cached : &shmem) = 1;
			continue;
		}
		if (c == 'f') {
			f = optarg;
			continue;
		}
		v = strtol(optarg, &end, 10);
		if (*end || v <= 0)
			usage_exit();
		switch (c) {
		case 's':
			s = v;
			break;
		case 'm':
			m = v;
			break;
		case 't':
			t = v;
			break;
		case 'p':
			p = v;
			break;
		}
	}
	if (optind != argc)
		usage_exit();
	setvbuf(stdout, NULL, _IOLBF, 0);
	setup_signals();
	if (!strcmp(sub, "integrity") && s > 0)
		return cmd_integrity(s);
	if (!strcmp(sub, "mprotect") && s > 0)
		return cmd_mprotect(s);
	if (!strcmp(sub, "fork") && s > 0)
		return cmd_fork(s);
	if (!strcmp(sub, "uffd"))
		return cmd_uffd(s > 0 ? s : 5);
	if (!strcmp(sub, "pkeys"))
		return cmd_pkeys();
	if (!strcmp(sub, "memcg") && m > 0 && t > 0)
		return cmd_memcg(m, t);
	if (!strcmp(sub, "oomacct") && t > 0)
		return cmd_oomacct(t, shmem);
	if (!strcmp(sub, "account") && p > 0)
		return f ? cmd_account_file(p, f, cached) : cmd_account(p);
	if (!strcmp(sub, "storm") && s > 0)
		return cmd_storm(s);
	if (!strcmp(sub, "dgnest") && s > 0)
		return cmd_dgnest(s);
	if (!strcmp(sub, "tables") && s > 0)
		return cmd_tables(s);
	if (!strcmp(sub, "swapin") && s > 0)
		return cmd_swapin(s);
	if (!strcmp(sub, "resize") && s > 0)
		return cmd_resize(s);
	usage_exit();
}
