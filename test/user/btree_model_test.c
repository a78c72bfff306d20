// SPDX-License-Identifier: GPL-2.0
/*
 * Randomized model test for the rcufault B-tree: mixed insert / erase /
 * replace-range / lookup / next / clear operations, with injected
 * allocation failures, checked against the sorted-array model of
 * btree_model.h.  Usage: btree_model_test [ops [seed]]
 */
#include <inttypes.h>
#include <time.h>
#include "btree_model.h"

#define DEFAULT_OPS	1500000UL
#define VERIFY_EVERY	1000UL
#define PHASE_OPS	50000UL

/**
 * struct phase - shape of the generated operations for a while
 * @base: lowest address used.
 * @span: addresses are in [@base, @base + @span).
 * @max_len: maximum range length.
 * @insert_pct: percentage of inserts.
 * @erase_pct: percentage of erases.
 * @replace_pct: percentage of replace-range operations.
 */
struct phase {
	unsigned long base;
	unsigned long span;
	unsigned long max_len;
	unsigned int insert_pct;
	unsigned int erase_pct;
	unsigned int replace_pct;
};

static const struct phase phases[] = {
	{ 0, 1UL << 8, 4, 40, 20, 10 },
	{ 0, 1UL << 12, 16, 45, 15, 5 },
	{ 0x7f0000000000UL, 1UL << 20, 64, 60, 5, 2 },
	{ 0x7f0000000000UL, 1UL << 20, 64, 10, 50, 5 },
	{ 0, 1UL << 16, 32, 30, 30, 10 },
	{ ULONG_MAX - (1UL << 12), 1UL << 12, 16, 40, 20, 10 },
	{ 0, 1UL << 14, 256, 20, 10, 40 },
};

static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static unsigned long rng_below(unsigned long n)
{
	return n ? rng() % n : 0;
}

/* Upper bound on the model size, keeping deep small-fan-out trees legal. */
static size_t max_entries(void)
{
	return RCUF_BTREE_SLOTS < 8 ? 3000 : 30000;
}

/* An address: mostly random, sometimes an existing boundary. */
static unsigned long pick_addr(const struct harness *h, const struct phase *p)
{
	const struct model *m = &h->model;
	unsigned long r = rng_below(8);

	if (m->n && r < 3) {
		const struct model_range *mr = &m->r[rng_below(m->n)];

		return r == 0 ? mr->start : r == 1 ? mr->end - 1 : mr->end;
	}
	return p->base + rng_below(p->span);
}

static unsigned long range_end(unsigned long start, unsigned long len)
{
	return start > ULONG_MAX - len ? ULONG_MAX : start + len;
}

static void gen_op(const struct harness *h, const struct phase *p,
		   struct btree_op *op)
{
	unsigned int pct = rng_below(100);
	unsigned int ins = p->insert_pct, era = ins + p->erase_pct;
	unsigned int rep = era + p->replace_pct;

	memset(op, 0, sizeof(*op));
	op->a = pick_addr(h, p);
	op->b = range_end(op->a, 1 + rng_below(p->max_len));
	op->with_entry = rng_below(64) != 0;
	if (pct < ins)
		op->type = BTREE_OP_INSERT;
	else if (pct < era)
		op->type = BTREE_OP_ERASE;
	else if (pct < rep)
		op->type = BTREE_OP_REPLACE;
	else
		op->type = pct & 1 ? BTREE_OP_LOOKUP : BTREE_OP_NEXT;
	if (op->type == BTREE_OP_INSERT && h->model.n >= max_entries())
		op->type = BTREE_OP_ERASE;
	if (op->type == BTREE_OP_REPLACE && rng_below(16) == 0)
		op->b = range_end(op->a, rng_below(p->span / 4));
	if (op->type <= BTREE_OP_REPLACE && rng_below(50) == 0)
		op->fail_after = 1 + rng_below(8);
	if (rng_below(200000) == 0)
		op->type = BTREE_OP_CLEAR;
}

/* Probe lookups around every boundary of a few random model entries. */
static void probe_boundaries(struct harness *h)
{
	unsigned int k;

	for (k = 0; k < 4 && h->model.n; k++) {
		const struct model_range *r = &h->model.r[rng_below(h->model.n)];
		unsigned long s = r->start, e = r->end;

		harness_lookup(h, s);
		harness_lookup(h, e - 1);
		harness_lookup(h, e);
		if (s)
			harness_lookup(h, s - 1);
	}
}

int main(int argc, char **argv)
{
	unsigned long nr_ops = argc > 1 ? strtoul(argv[1], NULL, 0) : DEFAULT_OPS;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) :
			(uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);
	struct rcuf_btree_stats st;
	unsigned int max_height = 0;
	struct harness h;
	char ctx[64];
	unsigned long i;

	rcu_register_thread();
	snprintf(ctx, sizeof(ctx), "seed %" PRIu64, seed);
	printf("btree_model_test: slots %d, %lu ops, %s\n", RCUF_BTREE_SLOTS,
	       nr_ops, ctx);
	rng_state = seed ? seed : 1;
	harness_init(&h, ctx);
	for (i = 0; i < nr_ops; i++) {
		const struct phase *p = &phases[(i / PHASE_OPS) % ARRAY_SIZE(phases)];
		struct btree_op op;

		gen_op(&h, p, &op);
		harness_op(&h, &op);
		if (i % VERIFY_EVERY == 0) {
			harness_verify(&h);
			probe_boundaries(&h);
			rcuf_btree_get_stats(&h.tree, &st);
			if (st.height > max_height)
				max_height = st.height;
		}
	}
	harness_verify(&h);
	harness_destroy(&h);
	harness_verify(&h);
	rcu_barrier();
	rcu_unregister_thread();
	printf("PASS btree_model_test: slots %d, %lu ops, %lu lookups checked, %lu injected -ENOMEM, max height %u, %s\n",
	       RCUF_BTREE_SLOTS, h.ops, h.lookups, h.nomem, max_height, ctx);
	return 0;
}
