/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reference model for the rcufault B-tree (a sorted array of ranges) and a
 * harness that applies one operation to both the tree and the model and
 * checks that they agree.  Shared by btree_model_test.c and btree_fuzz.c.
 */
#ifndef _RCUF_BTREE_MODEL_H
#define _RCUF_BTREE_MODEL_H

#include <stdarg.h>
#include <stdio.h>
#include <rcufault/btree.h>

/**
 * struct model_range - one entry of the reference model
 * @start: first address.
 * @end: first address after the range.
 * @entry: the entry pointer.
 */
struct model_range {
	unsigned long start;
	unsigned long end;
	void *entry;
};

/**
 * struct model - sorted array of non-overlapping ranges
 * @r: the ranges, sorted by start.
 * @n: number of ranges.
 * @cap: allocated size of @r.
 */
struct model {
	struct model_range *r;
	size_t n;
	size_t cap;
};

/* Index of the first range with end > @addr (== m->n if none). */
static inline size_t model_first_after(const struct model *m,
				       unsigned long addr)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->r[mid].end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static inline const struct model_range *model_next(const struct model *m,
						   unsigned long addr)
{
	size_t i = model_first_after(m, addr);

	return i < m->n ? &m->r[i] : NULL;
}

static inline const struct model_range *model_lookup(const struct model *m,
						     unsigned long addr)
{
	const struct model_range *r = model_next(m, addr);

	return r && r->start <= addr ? r : NULL;
}

static inline int model_insert(struct model *m, unsigned long start,
			       unsigned long end, void *entry)
{
	size_t i = model_first_after(m, start);

	if (start >= end || !entry)
		return -EINVAL;
	if (i < m->n && m->r[i].start < end)
		return -EEXIST;
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->r = realloc(m->r, m->cap * sizeof(*m->r));
		if (!m->r)
			abort();
	}
	memmove(&m->r[i + 1], &m->r[i], (m->n - i) * sizeof(*m->r));
	m->r[i] = (struct model_range){ start, end, entry };
	m->n++;
	return 0;
}

/* Remove ranges [@i, @j) of the model. */
static inline void model_remove(struct model *m, size_t i, size_t j)
{
	if (i == j)
		return;
	memmove(&m->r[i], &m->r[j], (m->n - j) * sizeof(*m->r));
	m->n -= j - i;
}

/* Index range [*@ip, *@jp) of the ranges overlapping [@start, @end). */
static inline void model_overlap(const struct model *m, unsigned long start,
				 unsigned long end, size_t *ip, size_t *jp)
{
	size_t j = model_first_after(m, start);

	*ip = j;
	while (j < m->n && m->r[j].start < end)
		j++;
	*jp = j;
}

/**
 * struct btree_op - one operation, produced by a generator
 * @type: one of the BTREE_OP_* values.
 * @a: start / address.
 * @b: end (insert, replace).
 * @with_entry: replace: insert a new entry (else only remove).
 * @fail_after: if non-zero, the @fail_after-th allocation fails.
 */
struct btree_op {
	enum {
		BTREE_OP_INSERT,
		BTREE_OP_ERASE,
		BTREE_OP_REPLACE,
		BTREE_OP_LOOKUP,
		BTREE_OP_NEXT,
		BTREE_OP_CLEAR,
		BTREE_OP_NR,
	} type;
	unsigned long a;
	unsigned long b;
	bool with_entry;
	unsigned long fail_after;
};

/**
 * struct harness - a tree and its model, kept in lockstep
 * @tree: the tree under test.
 * @model: the reference model.
 * @next_id: source of unique entry pointers (the tree never dereferences
 *	them).
 * @released: entries reported through the release callback.
 * @nr_released: number of valid elements in @released.
 * @cap_released: size of @released.
 * @ops: operations executed.
 * @lookups: lookups checked.
 * @nomem: operations that failed with injected -ENOMEM.
 * @ctx: printed on failure (e.g. the seed).
 */
struct harness {
	struct rcuf_btree tree;
	struct model model;
	unsigned long next_id;
	void **released;
	size_t nr_released;
	size_t cap_released;
	unsigned long ops;
	unsigned long lookups;
	unsigned long nomem;
	const char *ctx;
};

static inline __attribute__((format(printf, 2, 3), noreturn))
void harness_die(const struct harness *h, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL (%s) after %lu ops: ", h->ctx, h->ops);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static inline void harness_init(struct harness *h, const char *ctx)
{
	memset(h, 0, sizeof(*h));
	rcuf_btree_init(&h->tree);
	h->next_id = 1;
	h->ctx = ctx;
}

static inline void harness_release(void *entry, void *arg)
{
	struct harness *h = arg;

	if (h->nr_released == h->cap_released) {
		h->cap_released = h->cap_released ? 2 * h->cap_released : 64;
		h->released = realloc(h->released,
				      h->cap_released * sizeof(void *));
		if (!h->released)
			abort();
	}
	h->released[h->nr_released++] = entry;
}

/* The released entries must be exactly model ranges [@i, @j). */
static inline void harness_check_released(struct harness *h, size_t i,
					  size_t j)
{
	size_t k;

	if (h->nr_released != j - i)
		harness_die(h, "released %zu entries, expected %zu",
			    h->nr_released, j - i);
	for (k = 0; k < h->nr_released; k++)
		if (h->released[k] != h->model.r[i + k].entry)
			harness_die(h, "released wrong entry %zu", k);
	h->nr_released = 0;
}

/* Full comparison of tree and model plus rcuf_btree_check(). */
static inline void harness_verify(struct harness *h)
{
	struct rcuf_btree_stats st;
	unsigned long s, e;
	const char *why;
	size_t i = 0;
	void *entry;

	if (rcuf_btree_check(&h->tree, &why))
		harness_die(h, "invariant violated: %s", why);
	rcuf_btree_get_stats(&h->tree, &st);
	if (st.entries != h->model.n)
		harness_die(h, "tree has %lu entries, model %zu", st.entries,
			    h->model.n);
	rcuf_btree_for_each(&h->tree, entry, s, e) {
		const struct model_range *r = &h->model.r[i++];

		if (i > h->model.n || r->start != s || r->end != e ||
		    r->entry != entry)
			harness_die(h, "iteration mismatch at %zu", i - 1);
	}
	if (i != h->model.n)
		harness_die(h, "iteration saw %zu of %zu entries", i,
			    h->model.n);
}

static inline void harness_check_found(struct harness *h, const char *what,
				       unsigned long addr,
				       const struct model_range *r,
				       void *entry, unsigned long s,
				       unsigned long e)
{
	h->lookups++;
	if (!r && !entry)
		return;
	if (!r || r->entry != entry || r->start != s || r->end != e)
		harness_die(h, "%s(%#lx): tree %p [%#lx,%#lx) model %p", what,
			    addr, entry, s, e, r ? r->entry : NULL);
}

static inline void harness_lookup(struct harness *h, unsigned long addr)
{
	unsigned long s = 0, e = 0;
	void *entry;

	rcu_read_lock();
	entry = rcuf_btree_lookup(&h->tree, addr, &s, &e);
	rcu_read_unlock();
	harness_check_found(h, "lookup", addr, model_lookup(&h->model, addr),
			    entry, s, e);
}

static inline void harness_next(struct harness *h, unsigned long addr)
{
	unsigned long s = 0, e = 0;
	void *entry;

	rcu_read_lock();
	entry = rcuf_btree_next(&h->tree, addr, &s, &e);
	rcu_read_unlock();
	harness_check_found(h, "next", addr, model_next(&h->model, addr),
			    entry, s, e);
}

static inline void *harness_new_entry(struct harness *h)
{
	return (void *)(h->next_id++ << 4);
}

static inline int harness_insert(struct harness *h, const struct btree_op *op)
{
	void *entry = op->with_entry ? harness_new_entry(h) : NULL;
	int err = rcuf_btree_insert(&h->tree, op->a, op->b, entry,
				    GFP_NOWAIT);

	if (err == -ENOMEM)
		return err;
	if (err != model_insert(&h->model, op->a, op->b, entry))
		harness_die(h, "insert [%#lx,%#lx) returned %d", op->a, op->b,
			    err);
	return err;
}

static inline int harness_erase(struct harness *h, const struct btree_op *op)
{
	const struct model_range *r = model_lookup(&h->model, op->a);
	void *entry;
	int err = rcuf_btree_erase(&h->tree, op->a, GFP_NOWAIT, &entry);

	if (err == -ENOMEM)
		return err;
	if (r && r->start != op->a)
		r = NULL;
	if (err != (r ? 0 : -ENOENT) || entry != (r ? r->entry : NULL))
		harness_die(h, "erase %#lx returned %d %p", op->a, err, entry);
	if (r)
		model_remove(&h->model, r - h->model.r, r - h->model.r + 1);
	return err;
}

static inline int harness_replace(struct harness *h, const struct btree_op *op)
{
	void *entry = op->with_entry ? harness_new_entry(h) : NULL;
	int err = rcuf_btree_replace_range(&h->tree, op->a, op->b, entry,
					   harness_release, h, GFP_NOWAIT);
	size_t i, j;

	if (err == -ENOMEM) {
		if (h->nr_released)
			harness_die(h, "release called on failed replace");
		return err;
	}
	if (err != (op->a < op->b ? 0 : -EINVAL))
		harness_die(h, "replace [%#lx,%#lx) returned %d", op->a, op->b,
			    err);
	if (err)
		return err;
	model_overlap(&h->model, op->a, op->b, &i, &j);
	harness_check_released(h, i, j);
	model_remove(&h->model, i, j);
	if (entry && model_insert(&h->model, op->a, op->b, entry))
		harness_die(h, "model insert after replace failed");
	return 0;
}

static inline void harness_clear(struct harness *h)
{
	rcuf_btree_clear(&h->tree, harness_release, h);
	harness_check_released(h, 0, h->model.n);
	h->model.n = 0;
}

/* Apply @op to tree and model and compare; returns the tree's result. */
static inline int harness_op(struct harness *h, const struct btree_op *op)
{
	unsigned long nodes = h->tree.nr_nodes;
	int err = 0;

	rcuf_compat_fail_after = op->fail_after;
	switch (op->type) {
	case BTREE_OP_INSERT:
		err = harness_insert(h, op);
		break;
	case BTREE_OP_ERASE:
		err = harness_erase(h, op);
		break;
	case BTREE_OP_REPLACE:
		err = harness_replace(h, op);
		break;
	case BTREE_OP_LOOKUP:
		harness_lookup(h, op->a);
		break;
	case BTREE_OP_NEXT:
		harness_next(h, op->a);
		break;
	default:
		harness_clear(h);
		break;
	}
	if (err == -ENOMEM && (!op->fail_after || rcuf_compat_fail_after))
		harness_die(h, "-ENOMEM without injected failure");
	if (err == -ENOMEM && h->tree.nr_nodes != nodes)
		harness_die(h, "failed operation changed the node count");
	rcuf_compat_fail_after = 0;
	h->nomem += err == -ENOMEM;
	h->ops++;
	return err;
}

static inline void harness_destroy(struct harness *h)
{
	harness_clear(h);
	free(h->model.r);
	free(h->released);
	h->model.r = NULL;
	h->released = NULL;
}

#endif /* _RCUF_BTREE_MODEL_H */
