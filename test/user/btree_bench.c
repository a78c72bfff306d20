// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark for the rcufault B-tree: lookup cost at 10 .. 100k records,
 * alone and with a concurrent writer, against an RCU-unsafe sorted-array
 * binary search, plus node memory per record.
 * Usage: btree_bench [seconds-per-measurement]
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <rcufault/btree.h>

#define PAGE		4096UL
#define BASE		0x7f0000000000UL
#define BATCH		4096

/**
 * struct rec - a benchmark record
 * @start: start of its range.
 * @end: end of its range.
 * @rcu: for freeing after replacement.
 */
struct rec {
	unsigned long start;
	unsigned long end;
	struct rcu_head rcu;
};

/**
 * struct dataset - records of one size, as a tree and as sorted arrays
 * @n: number of records.
 * @recs: the records, in address order.
 * @starts: sorted-array baseline: starts, ...
 * @ends: ... ends ...
 * @entries: ... and entries, all indexed alike.
 * @span: lookups pick addresses in [BASE, BASE + @span).
 * @tree: the tree.
 * @lock: writer lock of @tree.
 */
struct dataset {
	size_t n;
	struct rec **recs;
	unsigned long *starts;
	unsigned long *ends;
	void **entries;
	unsigned long span;
	struct rcuf_btree tree;
	pthread_spinlock_t lock;
};

static double seconds = 0.25;
static int stop_writer;

static uint64_t rng(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *xmalloc(size_t size)
{
	void *p = malloc(size);

	if (!p)
		abort();
	return p;
}

static void rec_free_rcu(struct rcu_head *head)
{
	free(caa_container_of(head, struct rec, rcu));
}

static void rec_release(void *entry, void *arg)
{
	struct rec *r = entry;

	(void)arg;
	call_rcu(&r->rcu, rec_free_rcu);
}

/* VMA-like layout: 1-16 page mappings separated by 0-3 page gaps. */
static void dataset_init(struct dataset *d, size_t n, uint64_t *seed)
{
	unsigned long addr = BASE;
	size_t i;

	d->n = n;
	d->recs = xmalloc(n * sizeof(*d->recs));
	d->starts = xmalloc(n * sizeof(*d->starts));
	d->ends = xmalloc(n * sizeof(*d->ends));
	d->entries = xmalloc(n * sizeof(*d->entries));
	for (i = 0; i < n; i++) {
		struct rec *r = xmalloc(sizeof(*r));

		addr += PAGE * (rng(seed) % 4);
		r->start = addr;
		addr += PAGE * (1 + rng(seed) % 16);
		r->end = addr;
		d->recs[i] = r;
		d->starts[i] = r->start;
		d->ends[i] = r->end;
		d->entries[i] = r;
	}
	d->span = addr - BASE;
	rcuf_btree_init(&d->tree);
	pthread_spin_init(&d->lock, PTHREAD_PROCESS_PRIVATE);
}

/* Insert all records in the order given by @perm (NULL: ascending). */
static void dataset_fill(struct dataset *d, const size_t *perm)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		struct rec *r = d->recs[perm ? perm[i] : i];

		if (rcuf_btree_insert(&d->tree, r->start, r->end, r, GFP_NOWAIT))
			abort();
	}
}

static size_t *random_perm(size_t n, uint64_t *seed)
{
	size_t *p = xmalloc(n * sizeof(*p)), i;

	for (i = 0; i < n; i++)
		p[i] = i;
	for (i = n; i > 1; i--) {
		size_t j = rng(seed) % i, t = p[i - 1];

		p[i - 1] = p[j];
		p[j] = t;
	}
	return p;
}

static double bytes_per_record(const struct rcuf_btree *tree)
{
	struct rcuf_btree_stats st;

	rcuf_btree_get_stats(tree, &st);
	return (double)st.bytes / st.entries;
}

/* Number of keys <= @x in sorted @key[0..@n): branch-free. */
static size_t array_count_le(const unsigned long *key, size_t n,
			     unsigned long x)
{
	const unsigned long *base = key;

	while (n > 1) {
		size_t half = n / 2;

		base += (base[half - 1] <= x) * half;	/* no branch */
		n -= half;
	}
	return base - key + (*base <= x);
}

static inline void *array_lookup(const struct dataset *d, unsigned long addr)
{
	size_t i = array_count_le(d->starts, d->n, addr);

	return i && addr < d->ends[i - 1] ? d->entries[i - 1] : NULL;
}

static inline void *tree_lookup(const struct dataset *d, unsigned long addr)
{
	void *e;

	rcu_read_lock();
	e = rcuf_btree_lookup(&d->tree, addr, NULL, NULL);
	rcu_read_unlock();
	return e;
}

/* Random address in the dataset's span (multiply-shift, no division). */
static inline unsigned long rand_addr(const struct dataset *d, uint64_t *seed)
{
	return BASE + (unsigned long)(((unsigned __int128)rng(seed) * d->span) >> 64);
}

/* ns per lookup of random addresses with @fn (inlined per caller). */
static inline __attribute__((always_inline)) double measure(const struct dataset *d,
		      void *(*fn)(const struct dataset *, unsigned long))
{
	uint64_t seed = 12345;
	unsigned long n = 0, h = 0;
	double t0 = now(), t;

	do {
		int i;

		for (i = 0; i < BATCH; i++)
			h += fn(d, rand_addr(d, &seed)) != NULL;
		n += BATCH;
		t = now();
	} while (t - t0 < seconds);
	if (h > n)
		abort();	/* keeps the lookups alive */
	return (t - t0) * 1e9 / n;
}

/* The tree and the array must agree. */
static void cross_check(const struct dataset *d)
{
	uint64_t seed = 99;
	int i;

	for (i = 0; i < 100000; i++) {
		unsigned long addr = rand_addr(d, &seed);

		if (tree_lookup(d, addr) != array_lookup(d, addr))
			abort();
	}
}

/* Writer: keep replacing random records with fresh copies. */
static void *writer_fn(void *arg)
{
	struct dataset *d = arg;
	uint64_t seed = 777;

	rcu_register_thread();
	while (!__atomic_load_n(&stop_writer, __ATOMIC_RELAXED)) {
		size_t i = rng(&seed) % d->n;
		struct rec *r = xmalloc(sizeof(*r));

		pthread_spin_lock(&d->lock);
		*r = *d->recs[i];
		if (rcuf_btree_replace_range(&d->tree, r->start, r->end, r,
					     rec_release, NULL, GFP_NOWAIT))
			abort();
		d->recs[i] = r;
		pthread_spin_unlock(&d->lock);
	}
	rcu_unregister_thread();
	return NULL;
}

static double measure_with_writer(struct dataset *d)
{
	pthread_t tid;
	double ns;

	stop_writer = 0;
	if (pthread_create(&tid, NULL, writer_fn, d))
		abort();
	ns = measure(d, tree_lookup);
	__atomic_store_n(&stop_writer, 1, __ATOMIC_RELAXED);
	pthread_join(tid, NULL);
	return ns;
}

static void dataset_destroy(struct dataset *d)
{
	size_t i;

	rcuf_btree_clear(&d->tree, NULL, NULL);
	for (i = 0; i < d->n; i++)
		rec_release(d->recs[i], NULL);
	free(d->recs);
	free(d->starts);
	free(d->ends);
	free(d->entries);
}

/* Bytes per record when the records are inserted in ascending order. */
static double ascending_bytes(size_t n)
{
	uint64_t seed = 42;
	struct dataset d;
	double b;

	dataset_init(&d, n, &seed);
	dataset_fill(&d, NULL);
	b = bytes_per_record(&d.tree);
	dataset_destroy(&d);
	return b;
}

static void bench_size(size_t n)
{
	struct rcuf_btree_stats st;
	double tree_ns, wr_ns, arr_ns;
	uint64_t seed = 42;
	struct dataset d;
	size_t *perm;

	dataset_init(&d, n, &seed);
	perm = random_perm(n, &seed);
	dataset_fill(&d, perm);
	free(perm);
	rcuf_btree_get_stats(&d.tree, &st);
	cross_check(&d);
	arr_ns = measure(&d, array_lookup);
	tree_ns = measure(&d, tree_lookup);
	wr_ns = measure_with_writer(&d);
	printf("%8zu %9.1f %11.1f %9.1f %7.2fx %6u %11.1f %11.1f\n",
	       n, tree_ns, wr_ns, arr_ns, tree_ns / arr_ns, st.height,
	       bytes_per_record(&d.tree), ascending_bytes(n));
	dataset_destroy(&d);
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 10, 100, 1000, 10000, 100000 };
	size_t i;

	if (argc > 1)
		seconds = atof(argv[1]);
	rcu_register_thread();
	printf("rcuf_btree bench: %d slots/node, %.2fs per cell\n",
	       RCUF_BTREE_SLOTS, seconds);
	printf("%8s %9s %11s %9s %8s %6s %11s %11s\n", "records", "tree ns",
	       "tree+wr ns", "array ns", "ratio", "height", "B/rec rand",
	       "B/rec asc");
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		bench_size(sizes[i]);
	rcu_barrier();
	rcu_unregister_thread();
	return 0;
}
