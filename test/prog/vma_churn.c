// SPDX-License-Identifier: GPL-2.0
/*
 * vma_churn: change the address space at random from several threads, and
 * at quiescent points have rcufault audit its shadow VMA tree.
 *
 *   vma_churn [-t THREADS] [-r ROUNDS] [-o OPS] [-f FORK_PERMILLE]
 *             [-s SEED] [-c CHECK_FILE] [-m MAPS_FILE] [-n]
 *
 * Each round, every thread does OPS random operations on its own regions:
 * mmap (some placed right after one of its regions, to merge), munmap of
 * a whole region or of its head, tail or middle, mprotect of a part,
 * mremap (grow, shrink, move), madvise (DONTNEED, or RANDOM/NORMAL on a
 * part, which splits and merges), touching pages, brk (one thread at a
 * time) and fork: the child does its own operations, audits its own mm
 * and exits with the verdict. Then the threads stop at a barrier and thread
 * 0 counts the readable VMAs overlapping the regions (/proc/self/maps),
 * drops and re-touches every readable page (each such VMA takes one stock
 * fault, which refreshes its record), writes its pid to CHECK_FILE
 * (default /sys/kernel/debug/rcufault/check) and reads the verdict back.
 * An audit fails on any mismatch, dead record, unindexed record or
 * inconsistent tree, or (unless -n) if fewer records are current than
 * VMAs were touched. With -m it also reads MAPS_FILE and checks that its
 * own section lists as many records, and as many current ones.
 *
 * Prints one "audit ..." line per audit and a final
 * "vma_churn pid P audits N child_audits N forks N ops N min_current N
 * max_records N failures N". Exit status 1 on any failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel_compat.h"

#define MAX_THREADS	16
#define MAX_REGIONS	24
#define MAX_PAGES	16
#define MAX_HEAP_PAGES	64

struct region {
	char *addr;
	int npages;
	unsigned char prot[MAX_PAGES];
};

struct thread {
	int id;
	uint64_t rng;
	int nr;
	struct region r[MAX_REGIONS];
	pthread_t tid;
};

static long page;
static int nr_threads = 4, nr_rounds = 20, nr_ops = 40, fork_permille = 20;
static int no_current_check;
static const char *check_file = "/sys/kernel/debug/rcufault/check";
static const char *maps_file;
static struct thread threads[MAX_THREADS];
static pthread_barrier_t barrier;
static pthread_mutex_t brk_lock = PTHREAD_MUTEX_INITIALIZER;
static uintptr_t brk0, brk_cur;
static atomic_long failures, audits, child_audits, forks, ops;
static long min_current = -1, max_records;
static char maps_buf[1 << 20];

static uint64_t rnd(struct thread *t)
{
	t->rng ^= t->rng << 13;
	t->rng ^= t->rng >> 7;
	t->rng ^= t->rng << 17;
	return t->rng;
}

static int pick(struct thread *t, int n)
{
	return (int)(rnd(t) % (uint64_t)n);
}

static int rand_prot(struct thread *t)
{
	static const int prots[] = { PROT_READ, PROT_READ | PROT_WRITE,
				     PROT_READ | PROT_WRITE, PROT_NONE };

	return prots[pick(t, 4)];
}

static void touch_page(char *p, int prot)
{
	if (prot & PROT_WRITE)
		WRITE_ONCE(*p, 1);
	else if (prot & PROT_READ)
		(void)READ_ONCE(*p);
}

static void touch_region(struct region *r)
{
	for (int i = 0; i < r->npages; i++)
		touch_page(r->addr + i * page, r->prot[i]);
}

static void remove_region(struct thread *t, int i)
{
	t->r[i] = t->r[--t->nr];
}

static void op_mmap(struct thread *t)
{
	struct region *nr = &t->r[t->nr];
	int n = 1 + pick(t, 8), prot = rand_prot(t);
	char *hint = NULL, *p = MAP_FAILED;

	if (t->nr == MAX_REGIONS)
		return;
	if (t->nr && pick(t, 2)) {	/* right after a region: merges */
		struct region *o = &t->r[pick(t, t->nr)];

		hint = o->addr + o->npages * page;
		p = mmap(hint, n * page, prot, MAP_PRIVATE | MAP_ANONYMOUS |
			 MAP_FIXED_NOREPLACE, -1, 0);
		if (p != MAP_FAILED && p != hint) {	/* old kernel: ignored */
			munmap(p, n * page);
			p = MAP_FAILED;
		}
	}
	if (p == MAP_FAILED)
		p = mmap(NULL, n * page, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	nr->addr = p;
	nr->npages = n;
	memset(nr->prot, prot, sizeof(nr->prot));
	t->nr++;
}

static void op_munmap(struct thread *t)
{
	struct region *r, *s;
	int i, a, b;

	if (!t->nr)
		return;
	i = pick(t, t->nr);
	r = &t->r[i];
	a = pick(t, r->npages);
	b = a + 1 + pick(t, r->npages - a);
	if (pick(t, 3) == 0 || (a > 0 && b < r->npages && t->nr == MAX_REGIONS)) {
		a = 0;
		b = r->npages;
	}
	if (munmap(r->addr + a * page, (b - a) * page))
		return;
	if (a == 0 && b == r->npages) {
		remove_region(t, i);
	} else if (a == 0) {
		memmove(r->prot, r->prot + b, r->npages - b);
		r->addr += b * page;
		r->npages -= b;
	} else if (b == r->npages) {
		r->npages = a;
	} else {		/* middle: split in two */
		s = &t->r[t->nr++];
		s->addr = r->addr + b * page;
		s->npages = r->npages - b;
		memcpy(s->prot, r->prot + b, s->npages);
		r->npages = a;
	}
}

static void op_mprotect(struct thread *t)
{
	struct region *r;
	int a, b, prot;

	if (!t->nr)
		return;
	r = &t->r[pick(t, t->nr)];
	a = pick(t, r->npages);
	b = a + 1 + pick(t, r->npages - a);
	prot = rand_prot(t);
	if (!mprotect(r->addr + a * page, (b - a) * page, prot))
		memset(r->prot + a, prot, b - a);
}

static void op_mremap(struct thread *t)
{
	struct region *r;
	int n, i;
	char *p;

	if (!t->nr)
		return;
	r = &t->r[pick(t, t->nr)];
	for (i = 1; i < r->npages; i++)
		if (r->prot[i] != r->prot[0])
			return;	/* more than one VMA: mremap would fail */
	n = 1 + pick(t, MAX_PAGES);
	p = mremap(r->addr, r->npages * page, n * page, MREMAP_MAYMOVE);
	if (p == MAP_FAILED)
		return;
	memset(r->prot, r->prot[0], sizeof(r->prot));
	r->addr = p;
	r->npages = n;
}

static void op_madvise(struct thread *t)
{
	struct region *r;
	int a, b;

	if (!t->nr)
		return;
	r = &t->r[pick(t, t->nr)];
	a = pick(t, r->npages);
	b = a + 1 + pick(t, r->npages - a);
	switch (pick(t, 3)) {
	case 0:
		madvise(r->addr, r->npages * page, MADV_DONTNEED);
		break;
	case 1:
		madvise(r->addr + a * page, (b - a) * page, MADV_RANDOM);
		break;
	default:
		madvise(r->addr + a * page, (b - a) * page, MADV_NORMAL);
		break;
	}
}

static void op_brk(struct thread *t)
{
	uintptr_t want = brk0 + pick(t, MAX_HEAP_PAGES + 1) * page;

	pthread_mutex_lock(&brk_lock);
	brk_cur = (uintptr_t)syscall(SYS_brk, want);
	pthread_mutex_unlock(&brk_lock);
}

static void do_ops(struct thread *t, int n, int in_child);

static long read_file(const char *path, char *buf, long size)
{
	long len = 0, got;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	while (len < size - 1 && (got = read(fd, buf + len, size - 1 - len)) > 0)
		len += got;
	close(fd);
	buf[len] = 0;
	return len;
}

/* Readable VMAs overlapping [lo, hi) in a /proc/PID/maps text. */
static int overlaps(uintptr_t s, uintptr_t e, struct thread *only)
{
	for (int ti = 0; ti < nr_threads; ti++) {
		struct thread *t = &threads[ti];

		if (only && t != only)
			continue;
		for (int i = 0; i < t->nr; i++) {
			struct region *r = &t->r[i];

			for (int p = 0; p < r->npages; p++) {
				uintptr_t a = (uintptr_t)r->addr + p * page;

				if ((r->prot[p] & PROT_READ) && a < e && a + page > s)
					return 1;
			}
		}
	}
	return !only && brk_cur > brk0 && brk0 < e && brk_cur > s;
}

static int count_touched_vmas(struct thread *only)
{
	static char buf[256 << 10];
	unsigned long s, e;
	char perms[8];
	int n = 0;

	if (read_file("/proc/self/maps", buf, sizeof(buf)) < 0)
		return -1;
	for (char *l = buf; *l; l = strchr(l, '\n') + 1) {
		if (sscanf(l, "%lx-%lx %7s", &s, &e, perms) == 3 &&
		    perms[0] == 'r' && overlaps(s, e, only))
			n++;
		if (!strchr(l, '\n'))
			break;
	}
	return n;
}

struct audit {
	unsigned long records, cur, mismatches, stale_ok, dead, unhashed, vmas;
	char tree[8];
};

static int audit_self(struct audit *a, char *line, size_t size)
{
	char pid[16];
	int fd = open(check_file, O_RDWR), n;

	if (fd < 0)
		return -1;
	n = snprintf(pid, sizeof(pid), "%d\n", getpid());
	if (write(fd, pid, n) != n || lseek(fd, 0, SEEK_SET) < 0)
		n = -1;
	else
		n = read(fd, line, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	line[n] = 0;
	if (sscanf(line, "records %lu current %lu mismatches %lu stale_ok %lu dead %lu unhashed %lu vmas %lu tree %7s",
		   &a->records, &a->cur, &a->mismatches, &a->stale_ok,
		   &a->dead, &a->unhashed, &a->vmas, a->tree) != 8)
		return -1;
	return 0;
}

/* Our section of the debugfs maps file: records and current ones. */
static int maps_section(long *records, long *current)
{
	char head[32], *l, *nl;
	int n = snprintf(head, sizeof(head), "mm pid %d ", getpid()), in = 0;

	if (read_file(maps_file, maps_buf, sizeof(maps_buf)) < 0)
		return -1;
	*records = *current = 0;
	for (l = maps_buf; *l; l = nl + 1) {
		nl = strchr(l, '\n');
		if (!nl)
			return -1;
		*nl = 0;
		if (!strncmp(l, "mm ", 3)) {
			if (in)
				break;
			in = !strncmp(l, head, n);
		} else if (in) {
			(*records)++;
			if (nl - l > 7 && !strcmp(nl - 7, "current"))
				(*current)++;
		}
	}
	return in ? 0 : -1;
}

static void say(const char *msg)
{
	if (write(1, msg, strlen(msg)) < 0)
		atomic_fetch_add(&failures, 1);
}

/*
 * Quiescent point: make every readable VMA over our regions take one stock
 * fault, then audit. @only: a child auditing its own thread's regions.
 */
static int quiescent_audit(struct thread *only)
{
	int expect = count_touched_vmas(only), bad = 0;
	char line[256], msg[512];
	long mrec, mcur;
	struct audit a;

	for (int ti = 0; ti < nr_threads; ti++) {
		struct thread *t = &threads[ti];

		if (only && t != only)
			continue;
		for (int i = 0; i < t->nr; i++) {
			madvise(t->r[i].addr, t->r[i].npages * page, MADV_DONTNEED);
			touch_region(&t->r[i]);
		}
	}
	if (!only && brk_cur > brk0) {
		madvise((void *)brk0, brk_cur - brk0, MADV_DONTNEED);
		for (uintptr_t p = brk0; p < brk_cur; p += page)
			touch_page((char *)p, PROT_WRITE);
	}
	/*
	 * The audit and the maps section are two reads: a fault between them
	 * that takes the stock path refreshes a record and the counts differ.
	 * Our buffers' first writes after a fork are such faults when a
	 * record is stale (the kernel's copy_to_user() into them), so take
	 * them now, before the first read.
	 */
	memset(line, 0, sizeof(line));
	if (maps_file)
		memset(maps_buf, 0, sizeof(maps_buf));
	/*
	 * So do the stack pages and anything else the maps read writes to
	 * for the first time since a fork: read it once now (make check saw
	 * 'maps 61/38 ... current 37' with the buffers already written).
	 */
	if (!only && maps_file)
		maps_section(&mrec, &mcur);
	if (expect < 0 || audit_self(&a, line, sizeof(line))) {
		snprintf(msg, sizeof(msg), "audit %s pid %d: cannot audit (%s)\n",
			 only ? "child" : "parent", getpid(), strerror(errno));
		say(msg);
		return 1;
	}
	if (a.mismatches || a.dead || a.unhashed || strcmp(a.tree, "ok") ||
	    (!no_current_check && a.cur < (unsigned long)expect))
		bad = 1;
	mrec = mcur = -1;
	if (!only && maps_file &&
	    (maps_section(&mrec, &mcur) || mrec != (long)a.records ||
	     mcur != (long)a.cur))
		bad = 1;
	snprintf(msg, sizeof(msg), "audit %s pid %d expect_current %d maps %ld/%ld %s%s",
		 only ? "child" : "parent", getpid(), expect, mrec, mcur,
		 bad ? "BAD " : "", line);
	say(msg);
	if (!only) {
		if (min_current < 0 || (long)a.cur < min_current)
			min_current = a.cur;
		if ((long)a.records > max_records)
			max_records = a.records;
	}
	return bad;
}

static void do_fork(struct thread *t)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return;
	if (pid == 0) {
		/* only this thread's regions; no brk (its lock may be held) */
		do_ops(t, nr_ops, 1);
		_exit(quiescent_audit(t));
	}
	atomic_fetch_add(&forks, 1);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		atomic_fetch_add(&failures, 1);
	atomic_fetch_add(&child_audits, 1);
}

static void do_ops(struct thread *t, int n, int in_child)
{
	for (int i = 0; i < n; i++) {
		int op = pick(t, 1000);

		if (op < fork_permille) {
			if (!in_child)
				do_fork(t);
			continue;
		}
		switch (op % 8) {
		case 0:
		case 1:
			op_mmap(t);
			break;
		case 2:
			op_munmap(t);
			break;
		case 3:
			op_mprotect(t);
			break;
		case 4:
			op_mremap(t);
			break;
		case 5:
			op_madvise(t);
			break;
		case 6:
			if (t->nr)
				touch_region(&t->r[pick(t, t->nr)]);
			break;
		default:
			if (!in_child)
				op_brk(t);
			break;
		}
		if (!in_child)
			atomic_fetch_add(&ops, 1);
	}
}

static void *thread_main(void *arg)
{
	struct thread *t = arg;

	pthread_barrier_wait(&barrier);	/* brk0 is set */
	for (int round = 0; round < nr_rounds; round++) {
		do_ops(t, nr_ops, 0);
		pthread_barrier_wait(&barrier);
		if (t->id == 0) {
			if (quiescent_audit(NULL))
				atomic_fetch_add(&failures, 1);
			atomic_fetch_add(&audits, 1);
		}
		pthread_barrier_wait(&barrier);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long seed = 1;
	int c;

	while ((c = getopt(argc, argv, "t:r:o:f:s:c:m:n")) != -1) {
		switch (c) {
		case 't':
			nr_threads = atoi(optarg);
			break;
		case 'r':
			nr_rounds = atoi(optarg);
			break;
		case 'o':
			nr_ops = atoi(optarg);
			break;
		case 'f':
			fork_permille = atoi(optarg);
			break;
		case 's':
			seed = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			check_file = optarg;
			break;
		case 'm':
			maps_file = optarg;
			break;
		case 'n':
			no_current_check = 1;
			break;
		default:
			fprintf(stderr, "usage: see the top of vma_churn.c\n");
			return 2;
		}
	}
	if (nr_threads < 1 || nr_threads > MAX_THREADS)
		nr_threads = 4;
	page = sysconf(_SC_PAGESIZE);
	/* fault it in now: a fault while reading maps would refresh a record */
	memset(maps_buf, 1, sizeof(maps_buf));
	printf("vma_churn pid %d threads %d rounds %d ops %d\n", getpid(),
	       nr_threads, nr_rounds, nr_ops);
	fflush(stdout);		/* stdout's buffer exists before brk0 */
	pthread_barrier_init(&barrier, NULL, nr_threads + 1);
	for (int i = 0; i < nr_threads; i++) {
		threads[i].id = i;
		threads[i].rng = seed * 0x9e3779b97f4a7c15ULL + i + 1;
		if (pthread_create(&threads[i].tid, NULL, thread_main, &threads[i])) {
			perror("pthread_create");
			return 2;
		}
	}
	/* brk is ours from here: nothing below mallocs any more */
	brk0 = ((uintptr_t)syscall(SYS_brk, 0) + page - 1) & ~(uintptr_t)(page - 1);
	brk_cur = (uintptr_t)syscall(SYS_brk, brk0);
	pthread_barrier_wait(&barrier);
	for (int round = 0; round < nr_rounds; round++) {
		pthread_barrier_wait(&barrier);
		pthread_barrier_wait(&barrier);
	}
	for (int i = 0; i < nr_threads; i++)
		pthread_join(threads[i].tid, NULL);
	syscall(SYS_brk, brk0);
	printf("vma_churn pid %d audits %ld child_audits %ld forks %ld ops %ld min_current %ld max_records %ld failures %ld\n",
	       getpid(), atomic_load(&audits), atomic_load(&child_audits),
	       atomic_load(&forks), atomic_load(&ops), min_current, max_records,
	       atomic_load(&failures));
	return atomic_load(&failures) ? 1 : 0;
}
