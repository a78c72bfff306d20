// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency test for the rcufault B-tree: reader threads do RCU lookups
 * and short iterations while one writer inserts, erases, replaces ranges
 * and clears (also after injected -ENOMEM, which is the module's policy).
 * Every record a reader sees must be live (magic) and carry exactly the
 * range the tree returned.  Removed records are poisoned and freed after a
 * grace period, so a reader touching a freed record fails the magic check
 * (or trips ASan).  A sentinel range that the writer only ever replaces
 * atomically must never be seen missing except across a clear.
 * Usage: btree_concurrent_test [seconds [readers [seed]]]
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <rcufault/btree.h>

#define REC_LIVE	0x4c495645524543ULL
#define REC_DEAD	0xdeaddeaddeaddeadULL
#define SPAN		(1UL << 14)
#define SENTINEL	(SPAN + 4096)
#define SENTINEL_LEN	64UL
#define MAX_READERS	16

/**
 * struct rec - a record stored in the tree (stands in for a shadow VMA)
 * @magic: REC_LIVE while allocated, REC_DEAD once freed.
 * @start: start of the range the record was inserted for.
 * @end: end of that range.
 * @rcu: for freeing after a grace period.
 */
struct rec {
	unsigned long long magic;
	unsigned long start;
	unsigned long end;
	struct rcu_head rcu;
};

static struct rcuf_btree tree = RCUF_BTREE_INIT;
static pthread_spinlock_t tree_lock;
static int stop;
/* Odd while a clear is in progress: the sentinel may be missing. */
static unsigned long clear_seq;

static struct rec *rec_new(unsigned long start, unsigned long end)
{
	struct rec *r = malloc(sizeof(*r));

	if (!r)
		abort();
	r->magic = REC_LIVE;
	r->start = start;
	r->end = end;
	return r;
}

static void rec_free_rcu(struct rcu_head *head)
{
	struct rec *r = caa_container_of(head, struct rec, rcu);

	rcuf_compat_after_gp();
	r->magic = REC_DEAD;
	r->start = r->end = 0xdead;
	free(r);
}

static void rec_release(void *entry, void *arg)
{
	struct rec *r = entry;

	(void)arg;
	call_rcu(&r->rcu, rec_free_rcu);
}

static __attribute__((noreturn)) void die(const char *what, unsigned long addr)
{
	fprintf(stderr, "FAIL btree_concurrent_test: %s at %#lx\n", what, addr);
	abort();
}

/* ---- Readers -------------------------------------------------------- */

/**
 * struct reader - per-reader state
 * @tid: the thread.
 * @seed: RNG state.
 * @lookups: lookups done.
 * @hits: lookups that found a record.
 * @walked: records seen by iterations.
 */
struct reader {
	pthread_t tid;
	uint64_t seed;
	unsigned long lookups;
	unsigned long hits;
	unsigned long walked;
};

static uint64_t rng(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static void check_rec(const struct rec *r, unsigned long s, unsigned long e)
{
	if (r->magic != REC_LIVE)
		die("freed or torn record", s);
	if (r->start != s || r->end != e)
		die("record range differs from tree range", s);
}

static void reader_lookup(struct reader *rd, unsigned long addr)
{
	unsigned long seq = __atomic_load_n(&clear_seq, __ATOMIC_ACQUIRE);
	unsigned long s, e;
	struct rec *r;

	rcu_read_lock();
	r = rcuf_btree_lookup(&tree, addr, &s, &e);
	if (r) {
		if (addr < s || addr >= e)
			die("lookup returned a range not containing addr", addr);
		check_rec(r, s, e);
		rd->hits++;
	}
	rcu_read_unlock();
	rd->lookups++;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (!r && addr >= SENTINEL && addr < SENTINEL + SENTINEL_LEN &&
	    !(seq & 1) && seq == __atomic_load_n(&clear_seq, __ATOMIC_RELAXED))
		die("atomically replaced sentinel was missing", addr);
}

static void reader_walk(struct reader *rd, unsigned long addr)
{
	unsigned long s, e, prev_end = addr;
	struct rec *r;
	int k = 0;

	rcu_read_lock();
	for (r = rcuf_btree_next(&tree, addr, &s, &e); r && k < 16;
	     r = rcuf_btree_next(&tree, e, &s, &e), k++) {
		/* Versions may change between steps: only ends must grow. */
		if (e <= prev_end)
			die("iteration not increasing", s);
		check_rec(r, s, e);
		prev_end = e;
		rd->walked++;
	}
	rcu_read_unlock();
}

static void *reader_fn(void *arg)
{
	struct reader *rd = arg;

	rcu_register_thread();
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		uint64_t x = rng(&rd->seed);
		unsigned long addr = x % (SENTINEL + 2 * SENTINEL_LEN);

		if ((x >> 60) == 0)
			reader_walk(rd, addr);
		else
			reader_lookup(rd, addr);
	}
	rcu_unregister_thread();
	return NULL;
}

/* ---- Writer --------------------------------------------------------- */

/**
 * struct writer - writer state and statistics
 * @seed: RNG state.
 * @ops: operations done.
 * @nomem: injected -ENOMEM failures (each followed by a clear).
 * @clears: clears done.
 */
struct writer {
	uint64_t seed;
	unsigned long ops;
	unsigned long nomem;
	unsigned long clears;
};

static void clear_tree(struct writer *w)
{
	struct rec *r = rec_new(SENTINEL, SENTINEL + SENTINEL_LEN);

	rcuf_compat_fail_after = 0;
	__atomic_fetch_add(&clear_seq, 1, __ATOMIC_SEQ_CST);
	rcuf_btree_clear(&tree, rec_release, NULL);
	if (rcuf_btree_insert(&tree, r->start, r->end, r, GFP_NOWAIT))
		die("cannot reinsert sentinel", SENTINEL);
	__atomic_fetch_add(&clear_seq, 1, __ATOMIC_SEQ_CST);
	w->clears++;
}

static int do_insert(unsigned long a, unsigned long b)
{
	struct rec *r = rec_new(a, b);
	int err = rcuf_btree_insert(&tree, a, b, r, GFP_NOWAIT);

	if (err)
		free(r);	/* never published */
	return err == -EEXIST ? 0 : err;
}

static int do_erase(unsigned long a)
{
	unsigned long s;
	void *entry;
	int err;

	if (!rcuf_btree_next(&tree, a, &s, NULL) || s >= SPAN)
		return 0;
	err = rcuf_btree_erase(&tree, s, GFP_NOWAIT, &entry);
	if (!err)
		rec_release(entry, NULL);
	return err;
}

static int do_replace(unsigned long a, unsigned long b, bool insert)
{
	struct rec *r = insert ? rec_new(a, b) : NULL;
	int err = rcuf_btree_replace_range(&tree, a, b, r, rec_release, NULL,
					   GFP_NOWAIT);

	if (err)
		free(r);
	return err;
}

static int writer_op(struct writer *w)
{
	uint64_t x = rng(&w->seed);
	unsigned long a = x % SPAN, len = 1 + ((x >> 20) % 64);
	unsigned int pct = (x >> 40) % 1000;

	if ((x >> 50) % 64 == 0)
		rcuf_compat_fail_after = 1 + (x >> 56) % 4;
	if (pct < 400)
		return do_insert(a, a + len);
	if (pct < 650)
		return do_erase(a);
	if (pct < 900)
		return do_replace(a, a + 4 * len, pct & 1);
	if (pct < 999)
		return do_replace(SENTINEL, SENTINEL + SENTINEL_LEN, true);
	clear_tree(w);
	return 0;
}

static void writer_run(struct writer *w, double seconds)
{
	struct timespec t0, t;
	int err;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		pthread_spin_lock(&tree_lock);
		err = writer_op(w);
		rcuf_compat_fail_after = 0;
		if (err == -ENOMEM) {	/* the module's policy */
			w->nomem++;
			clear_tree(w);
		} else if (err) {
			die("unexpected writer error", (unsigned long)-err);
		}
		pthread_spin_unlock(&tree_lock);
		w->ops++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec + (t.tv_nsec - t0.tv_nsec) * 1e-9 < seconds);
}

static void final_check(void)
{
	const char *why;

	pthread_spin_lock(&tree_lock);
	if (rcuf_btree_check(&tree, &why)) {
		fprintf(stderr, "FAIL btree_concurrent_test: %s\n", why);
		abort();
	}
	rcuf_btree_clear(&tree, rec_release, NULL);
	pthread_spin_unlock(&tree_lock);
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 2.0;
	int i, nr = argc > 2 ? atoi(argv[2]) : 2;
	uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 0) :
			(uint64_t)time(NULL) | 1;
	unsigned long lookups = 0, hits = 0, walked = 0;
	struct writer w = { .seed = seed };
	struct reader rd[MAX_READERS] = { 0 };

	if (nr < 1 || nr > MAX_READERS)
		nr = 2;
	printf("btree_concurrent_test: %d readers, %.1fs, seed %" PRIu64 "\n",
	       nr, seconds, seed);
	pthread_spin_init(&tree_lock, PTHREAD_PROCESS_PRIVATE);
	rcu_register_thread();
	pthread_spin_lock(&tree_lock);
	clear_tree(&w);
	pthread_spin_unlock(&tree_lock);
	for (i = 0; i < nr; i++) {
		rd[i].seed = seed + 0x9e3779b97f4a7c15ULL * (i + 1);
		if (pthread_create(&rd[i].tid, NULL, reader_fn, &rd[i]))
			abort();
	}
	writer_run(&w, seconds);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < nr; i++) {
		pthread_join(rd[i].tid, NULL);
		lookups += rd[i].lookups;
		hits += rd[i].hits;
		walked += rd[i].walked;
	}
	final_check();
	rcu_barrier();
	rcu_unregister_thread();
	printf("PASS btree_concurrent_test: %d readers, %lu lookups (%lu hits), %lu records walked, writer %lu ops, %lu -ENOMEM, %lu clears, seed %" PRIu64 "\n",
	       nr, lookups, hits, walked, w.ops, w.nomem, w.clears, seed);
	return 0;
}
