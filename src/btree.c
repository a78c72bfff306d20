// SPDX-License-Identifier: GPL-2.0
/*
 * rcufault shadow VMA B-tree: RCU-safe copy-on-write B+tree of address
 * ranges.  See include/rcufault/btree.h for the interface and the
 * concurrency rules.  This file is built both into the kernel module and
 * into the user-space tests (test/user/), which provide urcu_compat.h.
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <linux/errno.h>
#include <linux/limits.h>
#endif
#include <rcufault/btree.h>

#define SLOTS		RCUF_BTREE_SLOTS
#define MIN_FILL	(SLOTS / 2)
#define NO_KEY		ULONG_MAX

/**
 * struct rcuf_btree_node - a leaf or inner node
 * @rcu: for freeing the node after a grace period, once unpublished.
 * @link: while the node is live, links it into a transaction list (the
 *	nodes allocated by the transaction, or the published nodes it
 *	retires).  This is the only field ever written in a published node;
 *	readers never read it (nor @rcu, which call_rcu() writes later).
 * @gen: the transaction that allocated the node.
 * @height: 0 for leaves; children of a node of height h have height h - 1.
 * @nr: number of slots in use.
 * @dead: private node discarded by its transaction, freed at commit.
 * @key: leaf: start of each entry's range; inner: lowest start in each
 *	child's subtree.  Strictly increasing; NO_KEY in unused slots, which
 *	lets readers search the whole array without reading @nr.
 * @end: leaf only: end of each entry's range.
 * @slot: leaf: the entries; inner: the children.
 *
 * Readers only read @height (of the root), @key, @end, @slot and, in
 * rcuf_btree_next(), @nr.  Once published, none of these ever changes.
 */
struct rcuf_btree_node {
	union {
		struct rcu_head rcu;
		struct rcuf_btree_node *link;
	};
	u64 gen;
	u8 height;
	u8 nr;
	u8 dead;
	unsigned long key[SLOTS];
	unsigned long end[SLOTS];
	void __rcu *slot[SLOTS];
} ____cacheline_aligned;

/**
 * struct rcuf_btree_txn - state of one write operation
 * @tree: the tree being modified.
 * @root: the working root; private once anything was modified.
 * @alloced: nodes allocated by this transaction (via @link).
 * @retired: published nodes replaced by this transaction (via @link).
 * @gen: generation of this transaction's private nodes.
 * @gfp: allocation flags.
 * @nr_entries: entry count of the working tree.
 * @nr_nodes: node count of the working tree.
 */
struct rcuf_btree_txn {
	struct rcuf_btree *tree;
	struct rcuf_btree_node *root;
	struct rcuf_btree_node *alloced;
	struct rcuf_btree_node *retired;
	u64 gen;
	gfp_t gfp;
	unsigned long nr_entries;
	unsigned long nr_nodes;
};

/**
 * struct rcuf_btree_path - private nodes from the root down to a leaf
 * @node: node[l] is the node at height l.
 * @idx: idx[l] is the slot followed (inner) or the position (leaf) in
 *	node[l].
 */
struct rcuf_btree_path {
	struct rcuf_btree_node *node[RCUF_BTREE_MAX_HEIGHT + 1];
	unsigned int idx[RCUF_BTREE_MAX_HEIGHT + 1];
};

/* ---- Read side ---------------------------------------------------- */

/*
 * Number of keys in the sorted array @key[0..@n) that are <= @x.  Two
 * branch-free bisection steps narrow the search to a quarter of the array,
 * which is then counted linearly: independent loads and no mispredicted
 * branches, measurably faster than a full bisection for 20-slot nodes.
 */
#define BISECT_STEPS	2

static __always_inline unsigned int count_le(const unsigned long *key,
					     unsigned int n, unsigned long x)
{
	const unsigned long *base = key;
	unsigned int i, step, cnt;

	/* n >= 3 (SLOTS >= 4), so both steps have half >= 1. */
	for (step = 0; step < BISECT_STEPS; step++) {
		unsigned int half = n / 2;

		base += (base[half - 1] <= x) * half;
		n -= half;
	}
	cnt = base - key;
	for (i = 0; i < n; i++)
		cnt += base[i] <= x;
	return cnt;
}

/* Index of the child of inner node @n whose subtree may contain @addr. */
static __always_inline unsigned int child_index(const struct rcuf_btree_node *n,
						unsigned long addr)
{
	return count_le(&n->key[1], SLOTS - 1, addr);
}

static __always_inline struct rcuf_btree_node *
child_rcu(const struct rcuf_btree_node *n, unsigned int i)
{
	return rcu_dereference_check(n->slot[i], 1);
}

static void *leaf_entry(const struct rcuf_btree_node *leaf, unsigned int i,
			unsigned long *startp, unsigned long *endp)
{
	if (startp)
		*startp = leaf->key[i];
	if (endp)
		*endp = leaf->end[i];
	return rcu_dereference_check(leaf->slot[i], 1);
}

static const struct rcuf_btree_node *root_rcu(const struct rcuf_btree *tree)
{
	return rcu_dereference_check(tree->root, 1);
}

void *rcuf_btree_lookup(const struct rcuf_btree *tree, unsigned long addr,
			unsigned long *startp, unsigned long *endp)
{
	const struct rcuf_btree_node *n = root_rcu(tree);
	unsigned int h, i;

	if (unlikely(!n || addr == NO_KEY))
		return NULL;
	for (h = n->height; h; h--)
		n = child_rcu(n, child_index(n, addr));
	i = count_le(n->key, SLOTS, addr);
	if (i == 0 || addr >= n->end[i - 1])
		return NULL;
	return leaf_entry(n, i - 1, startp, endp);
}

/* First entry with end > @addr in the tree rooted at @n. */
static void *bnode_next(const struct rcuf_btree_node *n, unsigned long addr,
		       unsigned long *startp, unsigned long *endp)
{
	const struct rcuf_btree_node *right = NULL;
	unsigned int h, i;

	if (!n || addr == NO_KEY)
		return NULL;
	for (h = n->height; h; h--) {
		i = child_index(n, addr);
		if (i + 1 < n->nr)
			right = child_rcu(n, i + 1);
		n = child_rcu(n, i);
	}
	i = count_le(n->key, SLOTS, addr);
	if (i > 0 && addr < n->end[i - 1])
		return leaf_entry(n, i - 1, startp, endp);
	if (i < n->nr)
		return leaf_entry(n, i, startp, endp);
	if (!right)
		return NULL;
	for (n = right; n->height; n = child_rcu(n, 0))
		;
	return leaf_entry(n, 0, startp, endp);
}

void *rcuf_btree_next(const struct rcuf_btree *tree, unsigned long addr,
		      unsigned long *startp, unsigned long *endp)
{
	return bnode_next(root_rcu(tree), addr, startp, endp);
}

void rcuf_btree_get_stats(const struct rcuf_btree *tree,
			  struct rcuf_btree_stats *stats)
{
	const struct rcuf_btree_node *root = root_rcu(tree);

	stats->entries = READ_ONCE(tree->nr_entries);
	stats->nodes = READ_ONCE(tree->nr_nodes);
	stats->height = root ? root->height + 1 : 0;
	stats->bytes = stats->nodes * sizeof(struct rcuf_btree_node);
}

/* ---- Node helpers (private nodes only) ------------------------------ */

static struct rcuf_btree_node *wchild(const struct rcuf_btree_node *n,
				      unsigned int i)
{
	return rcu_dereference_protected(n->slot[i], 1);
}

/* Mark slots [@from, SLOTS) of @n unused. */
static void bnode_clear_tail(struct rcuf_btree_node *n, unsigned int from)
{
	unsigned int i;

	for (i = from; i < SLOTS; i++) {
		n->key[i] = NO_KEY;
		n->end[i] = 0;
		RCU_INIT_POINTER(n->slot[i], NULL);
	}
}

/* Copy @cnt slots of @src starting at @spos to @dst at @dpos. */
static void bnode_move(struct rcuf_btree_node *dst, unsigned int dpos,
		      const struct rcuf_btree_node *src, unsigned int spos,
		      unsigned int cnt)
{
	memmove(&dst->key[dpos], &src->key[spos], cnt * sizeof(dst->key[0]));
	memmove(&dst->end[dpos], &src->end[spos], cnt * sizeof(dst->end[0]));
	memmove((void *)&dst->slot[dpos], (const void *)&src->slot[spos],
		cnt * sizeof(dst->slot[0]));
}

static void bnode_set(struct rcuf_btree_node *n, unsigned int i,
		     unsigned long key, unsigned long end, void *slot)
{
	n->key[i] = key;
	n->end[i] = end;
	RCU_INIT_POINTER(n->slot[i], slot);
}

/* Insert a slot at @pos into non-full @n. */
static void bnode_insert(struct rcuf_btree_node *n, unsigned int pos,
			unsigned long key, unsigned long end, void *slot)
{
	bnode_move(n, pos + 1, n, pos, n->nr - pos);
	bnode_set(n, pos, key, end, slot);
	n->nr++;
}

/* Remove the slot at @pos from @n. */
static void bnode_remove(struct rcuf_btree_node *n, unsigned int pos)
{
	bnode_move(n, pos, n, pos + 1, n->nr - pos - 1);
	n->nr--;
	bnode_clear_tail(n, n->nr);
}

/* Append @cnt slots of @src starting at @spos to @dst. */
static void bnode_append(struct rcuf_btree_node *dst,
			const struct rcuf_btree_node *src, unsigned int spos,
			unsigned int cnt)
{
	bnode_move(dst, dst->nr, src, spos, cnt);
	dst->nr += cnt;
}

/* Prepend the last @cnt slots of @src to @dst. */
static void bnode_prepend(struct rcuf_btree_node *dst,
			 const struct rcuf_btree_node *src, unsigned int cnt)
{
	bnode_move(dst, cnt, dst, 0, dst->nr);
	bnode_move(dst, 0, src, src->nr - cnt, cnt);
	dst->nr += cnt;
}

/* Drop the first @cnt slots of @n. */
static void bnode_drop_head(struct rcuf_btree_node *n, unsigned int cnt)
{
	bnode_move(n, 0, n, cnt, n->nr - cnt);
	n->nr -= cnt;
	bnode_clear_tail(n, n->nr);
}

/* Drop the last @cnt slots of @n. */
static void bnode_drop_tail(struct rcuf_btree_node *n, unsigned int cnt)
{
	n->nr -= cnt;
	bnode_clear_tail(n, n->nr);
}

/* ---- Transactions --------------------------------------------------- */

static void bnode_free_rcu(struct rcu_head *head)
{
	kfree(container_of(head, struct rcuf_btree_node, rcu));
}

static void txn_begin(struct rcuf_btree_txn *txn, struct rcuf_btree *tree,
		      gfp_t gfp)
{
	txn->tree = tree;
	txn->root = rcu_dereference_protected(tree->root, 1);
	txn->alloced = NULL;
	txn->retired = NULL;
	txn->gen = ++tree->gen;
	txn->gfp = gfp;
	txn->nr_entries = tree->nr_entries;
	txn->nr_nodes = tree->nr_nodes;
}

static bool txn_private(const struct rcuf_btree_txn *txn,
			const struct rcuf_btree_node *n)
{
	return n->gen == txn->gen;
}

static struct rcuf_btree_node *txn_alloc(struct rcuf_btree_txn *txn)
{
	struct rcuf_btree_node *n = kmalloc(sizeof(*n), txn->gfp);

	if (unlikely(!n))
		return NULL;
	n->link = txn->alloced;
	txn->alloced = n;
	n->gen = txn->gen;
	n->dead = 0;
	txn->nr_nodes++;
	return n;
}

static struct rcuf_btree_node *txn_new_node(struct rcuf_btree_txn *txn,
					    u8 height)
{
	struct rcuf_btree_node *n = txn_alloc(txn);

	if (unlikely(!n))
		return NULL;
	n->height = height;
	n->nr = 0;
	bnode_clear_tail(n, 0);
	return n;
}

/* Remove @n from the working tree: free it at commit (or after a GP). */
static void txn_discard(struct rcuf_btree_txn *txn, struct rcuf_btree_node *n)
{
	txn->nr_nodes--;
	if (txn_private(txn, n)) {
		n->dead = 1;
		return;
	}
	n->link = txn->retired;
	txn->retired = n;
}

/* Return a private copy of @n (or @n itself if already private). */
static struct rcuf_btree_node *txn_cow(struct rcuf_btree_txn *txn,
				       struct rcuf_btree_node *n)
{
	struct rcuf_btree_node *copy;

	if (txn_private(txn, n))
		return n;
	copy = txn_alloc(txn);
	if (unlikely(!copy))
		return NULL;
	copy->height = n->height;
	copy->nr = n->nr;
	memcpy(copy->key, n->key, sizeof(n->key));
	memcpy(copy->end, n->end, sizeof(n->end));
	memcpy((void *)copy->slot, (const void *)n->slot, sizeof(n->slot));
	txn_discard(txn, n);
	return copy;
}

/* Make child @i of private @parent private. */
static struct rcuf_btree_node *txn_cow_child(struct rcuf_btree_txn *txn,
					     struct rcuf_btree_node *parent,
					     unsigned int i)
{
	struct rcuf_btree_node *child = txn_cow(txn, wchild(parent, i));

	if (likely(child))
		RCU_INIT_POINTER(parent->slot[i], child);
	return child;
}

/* Free nodes on the alloced list: all of them, or only the dead ones. */
static void txn_free_alloced(struct rcuf_btree_txn *txn, bool all)
{
	struct rcuf_btree_node *n, *next;

	for (n = txn->alloced; n; n = next) {
		next = n->link;
		if (all || n->dead)
			kfree(n);
	}
	txn->alloced = NULL;
}

static void txn_abort(struct rcuf_btree_txn *txn)
{
	txn_free_alloced(txn, true);
}

/* Publish the working tree.  The old tree stays intact until txn_end(). */
static void txn_commit(struct rcuf_btree_txn *txn)
{
	struct rcuf_btree *tree = txn->tree;

	rcu_assign_pointer(tree->root, txn->root);
	WRITE_ONCE(tree->nr_entries, txn->nr_entries);
	WRITE_ONCE(tree->nr_nodes, txn->nr_nodes);
	txn_free_alloced(txn, false);
}

/* Free the nodes replaced by a committed transaction after a GP. */
static void txn_end(struct rcuf_btree_txn *txn)
{
	struct rcuf_btree_node *n, *next;

	for (n = txn->retired; n; n = next) {
		next = n->link;
		call_rcu(&n->rcu, bnode_free_rcu);
	}
	txn->retired = NULL;
}

static int txn_finish(struct rcuf_btree_txn *txn, int err)
{
	if (err) {
		txn_abort(txn);
		return err;
	}
	txn_commit(txn);
	txn_end(txn);
	return 0;
}

/* ---- Write side ----------------------------------------------------- */

/*
 * Make the path from the root to the leaf that covers @key private and
 * record it in @path.  path->idx[0] is the number of leaf keys <= @key.
 */
static int walk_private(struct rcuf_btree_txn *txn, unsigned long key,
			struct rcuf_btree_path *path)
{
	struct rcuf_btree_node *n = txn_cow(txn, txn->root);
	unsigned int h;

	if (unlikely(!n))
		return -ENOMEM;
	txn->root = n;
	for (h = n->height; h; h--) {
		path->node[h] = n;
		path->idx[h] = child_index(n, key);
		n = txn_cow_child(txn, n, path->idx[h]);
		if (unlikely(!n))
			return -ENOMEM;
	}
	path->node[0] = n;
	path->idx[0] = count_le(n->key, SLOTS, key);
	return 0;
}

/* The lowest key of path->node[@level] changed: update its ancestors. */
static void fix_min(struct rcuf_btree_txn *txn, struct rcuf_btree_path *path,
		    unsigned int level)
{
	unsigned int h;

	for (h = level + 1; h <= txn->root->height; h++) {
		path->node[h]->key[path->idx[h]] = path->node[h - 1]->key[0];
		if (path->idx[h])
			break;
	}
}

/* Grow the tree by one level above @left, with children @left, @right. */
static int new_root(struct rcuf_btree_txn *txn, struct rcuf_btree_node *left,
		    struct rcuf_btree_node *right)
{
	struct rcuf_btree_node *root;

	if (unlikely(left->height >= RCUF_BTREE_MAX_HEIGHT))
		return -ENOMEM;
	root = txn_new_node(txn, left->height + 1);
	if (unlikely(!root))
		return -ENOMEM;
	bnode_set(root, 0, left->key[0], 0, left);
	bnode_set(root, 1, right->key[0], 0, right);
	root->nr = 2;
	txn->root = root;
	return 0;
}

static int insert_at(struct rcuf_btree_txn *txn, struct rcuf_btree_path *path,
		     unsigned int level, unsigned int pos, unsigned long key,
		     unsigned long end, void *slot);

/* Split full path->node[@level] while inserting a slot at @pos. */
static int split_insert(struct rcuf_btree_txn *txn,
			struct rcuf_btree_path *path, unsigned int level,
			unsigned int pos, unsigned long key, unsigned long end,
			void *slot)
{
	struct rcuf_btree_node *left = path->node[level], *right;
	unsigned int split = (SLOTS + 1) / 2;	/* slots left keeps */

	right = txn_new_node(txn, left->height);
	if (unlikely(!right))
		return -ENOMEM;
	if (pos < split) {
		bnode_append(right, left, split - 1, SLOTS - split + 1);
		bnode_drop_tail(left, SLOTS - split + 1);
		bnode_insert(left, pos, key, end, slot);
		if (pos == 0)
			fix_min(txn, path, level);
	} else {
		bnode_append(right, left, split, SLOTS - split);
		bnode_drop_tail(left, SLOTS - split);
		bnode_insert(right, pos - split, key, end, slot);
	}
	if (level == txn->root->height)
		return new_root(txn, left, right);
	return insert_at(txn, path, level + 1, path->idx[level + 1] + 1,
			 right->key[0], 0, right);
}

/* Insert a slot at @pos of private path->node[@level]. */
static int insert_at(struct rcuf_btree_txn *txn, struct rcuf_btree_path *path,
		     unsigned int level, unsigned int pos, unsigned long key,
		     unsigned long end, void *slot)
{
	struct rcuf_btree_node *n = path->node[level];

	if (n->nr == SLOTS)
		return split_insert(txn, path, level, pos, key, end, slot);
	bnode_insert(n, pos, key, end, slot);
	if (pos == 0)
		fix_min(txn, path, level);
	return 0;
}

static int txn_insert(struct rcuf_btree_txn *txn, unsigned long start,
		      unsigned long end, void *entry)
{
	struct rcuf_btree_path path;
	unsigned long s;
	int err;

	if (bnode_next(txn->root, start, &s, NULL) && s < end)
		return -EEXIST;
	if (!txn->root) {
		txn->root = txn_new_node(txn, 0);
		if (unlikely(!txn->root))
			return -ENOMEM;
	}
	err = walk_private(txn, start, &path);
	if (!err)
		err = insert_at(txn, &path, 0, path.idx[0], start, end, entry);
	if (!err)
		txn->nr_entries++;
	return err;
}

/* Merge the children @li and @li + 1 of @parent into private @keep. */
static void merge_children(struct rcuf_btree_txn *txn,
			   struct rcuf_btree_node *parent, unsigned int li,
			   struct rcuf_btree_node *keep)
{
	struct rcuf_btree_node *left = wchild(parent, li);
	struct rcuf_btree_node *right = wchild(parent, li + 1);

	if (keep == left) {
		bnode_append(left, right, 0, right->nr);
		txn_discard(txn, right);
	} else {
		bnode_prepend(right, left, left->nr);
		txn_discard(txn, left);
	}
	/* parent->key[li] already is the lowest key of the merged node. */
	RCU_INIT_POINTER(parent->slot[li], keep);
	bnode_remove(parent, li + 1);
}

/* Even out the children @li and @li + 1 of @parent; both private. */
static void balance_children(struct rcuf_btree_node *parent, unsigned int li)
{
	struct rcuf_btree_node *left = wchild(parent, li);
	struct rcuf_btree_node *right = wchild(parent, li + 1);
	unsigned int want = (left->nr + right->nr) / 2;

	if (left->nr > want) {
		unsigned int cnt = left->nr - want;

		bnode_prepend(right, left, cnt);
		bnode_drop_tail(left, cnt);
	} else {
		unsigned int cnt = want - left->nr;

		bnode_append(left, right, 0, cnt);
		bnode_drop_head(right, cnt);
	}
	parent->key[li + 1] = right->key[0];
}

/* Shrink the tree if the root has a single child or no entries. */
static void shrink_root(struct rcuf_btree_txn *txn)
{
	struct rcuf_btree_node *root = txn->root;

	if (root->height && root->nr == 1) {
		txn->root = wchild(root, 0);
		txn_discard(txn, root);
	} else if (!root->height && !root->nr) {
		txn->root = NULL;
		txn_discard(txn, root);
	}
}

/* Restore the fill of path->node[@level] after a slot was removed. */
static int rebalance(struct rcuf_btree_txn *txn, struct rcuf_btree_path *path,
		     unsigned int level)
{
	struct rcuf_btree_node *n = path->node[level], *parent, *sib;
	unsigned int i, si, li;

	for (;;) {
		if (level == txn->root->height) {
			shrink_root(txn);
			return 0;
		}
		if (n->nr >= MIN_FILL)
			return 0;
		parent = path->node[level + 1];
		i = path->idx[level + 1];
		si = i ? i - 1 : i + 1;
		li = i ? i - 1 : i;
		sib = wchild(parent, si);
		if (n->nr + sib->nr > SLOTS) {
			if (unlikely(!txn_cow_child(txn, parent, si)))
				return -ENOMEM;
			balance_children(parent, li);
			return 0;
		}
		merge_children(txn, parent, li, n);
		path->idx[level + 1] = li;
		n = parent;
		level++;
	}
}

static int txn_erase(struct rcuf_btree_txn *txn, unsigned long start,
		     void **entryp)
{
	struct rcuf_btree_path path;
	struct rcuf_btree_node *leaf;
	unsigned long s;
	unsigned int pos;
	void *entry;
	int err;

	entry = bnode_next(txn->root, start, &s, NULL);
	if (!entry || s != start)
		return -ENOENT;
	err = walk_private(txn, start, &path);
	if (err)
		return err;
	leaf = path.node[0];
	pos = --path.idx[0];
	bnode_remove(leaf, pos);
	if (pos == 0 && leaf->nr)
		fix_min(txn, &path, 0);
	err = rebalance(txn, &path, 0);
	if (err)
		return err;
	txn->nr_entries--;
	if (entryp)
		*entryp = entry;
	return 0;
}

void rcuf_btree_init(struct rcuf_btree *tree)
{
	/* The default node is exactly one kmalloc-512 object. */
	BUILD_BUG_ON(SLOTS == 20 && sizeof(struct rcuf_btree_node) != 512);
	RCU_INIT_POINTER(tree->root, NULL);
	tree->gen = 0;
	tree->nr_entries = 0;
	tree->nr_nodes = 0;
}

int rcuf_btree_insert(struct rcuf_btree *tree, unsigned long start,
		      unsigned long end, void *entry, gfp_t gfp)
{
	struct rcuf_btree_txn txn;

	if (unlikely(start >= end || !entry))
		return -EINVAL;
	txn_begin(&txn, tree, gfp);
	return txn_finish(&txn, txn_insert(&txn, start, end, entry));
}

int rcuf_btree_erase(struct rcuf_btree *tree, unsigned long start, gfp_t gfp,
		     void **entryp)
{
	struct rcuf_btree_txn txn;

	if (entryp)
		*entryp = NULL;
	txn_begin(&txn, tree, gfp);
	return txn_finish(&txn, txn_erase(&txn, start, entryp));
}

/* Remove every entry overlapping [@start, @end) from the working tree. */
static int txn_remove_range(struct rcuf_btree_txn *txn, unsigned long start,
			    unsigned long end)
{
	unsigned long s;
	int err;

	while (bnode_next(txn->root, start, &s, NULL) && s < end) {
		err = txn_erase(txn, s, NULL);
		if (err)
			return err;
	}
	return 0;
}

/* Report the entries of the old tree @old overlapping [@start, @end). */
static void release_range(const struct rcuf_btree_node *old,
			  unsigned long start, unsigned long end,
			  rcuf_btree_release_t release, void *arg)
{
	unsigned long s, e = start;
	void *entry;

	while ((entry = bnode_next(old, e, &s, &e)) && s < end)
		release(entry, arg);
}

int rcuf_btree_replace_range(struct rcuf_btree *tree, unsigned long start,
			     unsigned long end, void *entry,
			     rcuf_btree_release_t release, void *arg,
			     gfp_t gfp)
{
	struct rcuf_btree_node *old;
	struct rcuf_btree_txn txn;
	int err;

	if (unlikely(start >= end))
		return -EINVAL;
	txn_begin(&txn, tree, gfp);
	old = txn.root;
	err = txn_remove_range(&txn, start, end);
	if (!err && entry)
		err = txn_insert(&txn, start, end, entry);
	if (err) {
		txn_abort(&txn);
		return err;
	}
	txn_commit(&txn);
	if (release)
		release_range(old, start, end, release, arg);
	txn_end(&txn);
	return 0;
}

/* Report all entries below @n and free its nodes after a GP. */
static void clear_subtree(struct rcuf_btree_node *n,
			  rcuf_btree_release_t release, void *arg)
{
	unsigned int i;

	for (i = 0; i < n->nr; i++) {
		if (n->height)
			clear_subtree(wchild(n, i), release, arg);
		else if (release)
			release(wchild(n, i), arg);
	}
	call_rcu(&n->rcu, bnode_free_rcu);
}

void rcuf_btree_clear(struct rcuf_btree *tree, rcuf_btree_release_t release,
		      void *arg)
{
	struct rcuf_btree_node *old = rcu_dereference_protected(tree->root, 1);

	rcu_assign_pointer(tree->root, NULL);
	WRITE_ONCE(tree->nr_entries, 0);
	WRITE_ONCE(tree->nr_nodes, 0);
	if (old)
		clear_subtree(old, release, arg);
}

/* ---- Consistency check ---------------------------------------------- */

/**
 * struct rcuf_btree_check_state - accumulator for rcuf_btree_check()
 * @gen: the tree's generation; no node may be newer.
 * @prev_end: end of the previous entry in address order.
 * @have_prev: @prev_end is valid.
 * @entries: entries seen.
 * @nodes: nodes seen.
 * @why: first violation found.
 */
struct rcuf_btree_check_state {
	u64 gen;
	unsigned long prev_end;
	bool have_prev;
	unsigned long entries;
	unsigned long nodes;
	const char *why;
};

static bool check_fail(struct rcuf_btree_check_state *st, const char *why)
{
	if (!st->why)
		st->why = why;
	return false;
}

static bool check_leaf_slot(struct rcuf_btree_check_state *st,
			    const struct rcuf_btree_node *n, unsigned int i)
{
	if (!wchild(n, i))
		return check_fail(st, "NULL entry");
	if (n->key[i] >= n->end[i])
		return check_fail(st, "empty range");
	if (st->have_prev && n->key[i] < st->prev_end)
		return check_fail(st, "ranges overlap or unsorted");
	st->prev_end = n->end[i];
	st->have_prev = true;
	st->entries++;
	return true;
}

static bool check_node_shape(struct rcuf_btree_check_state *st,
			     const struct rcuf_btree_node *n, bool is_root)
{
	unsigned int i;

	if (n->gen > st->gen || n->dead)
		return check_fail(st, "bad node generation or dead node");
	if (n->nr > SLOTS || n->nr < (is_root ? 1 + !!n->height : MIN_FILL))
		return check_fail(st, "bad node fill");
	for (i = 1; i < n->nr; i++)
		if (n->key[i - 1] >= n->key[i])
			return check_fail(st, "keys not increasing");
	for (i = n->nr; i < SLOTS; i++)
		if (n->key[i] != NO_KEY || wchild(n, i))
			return check_fail(st, "unused slot not cleared");
	return true;
}

static bool check_node(struct rcuf_btree_check_state *st,
		       const struct rcuf_btree_node *n, bool is_root);

static bool check_inner_slot(struct rcuf_btree_check_state *st,
			     const struct rcuf_btree_node *n, unsigned int i)
{
	const struct rcuf_btree_node *child = wchild(n, i);

	if (!child || child->height + 1 != n->height)
		return check_fail(st, "bad child height");
	if (child->key[0] != n->key[i])
		return check_fail(st, "inner key is not the child's minimum");
	return check_node(st, child, false);
}

static bool check_node(struct rcuf_btree_check_state *st,
		       const struct rcuf_btree_node *n, bool is_root)
{
	unsigned int i;
	bool ok;

	st->nodes++;
	if (!check_node_shape(st, n, is_root))
		return false;
	for (i = 0; i < n->nr; i++) {
		if (n->height)
			ok = check_inner_slot(st, n, i);
		else
			ok = check_leaf_slot(st, n, i);
		if (!ok)
			return false;
	}
	return true;
}

int rcuf_btree_check(const struct rcuf_btree *tree, const char **why)
{
	const struct rcuf_btree_node *root;
	struct rcuf_btree_check_state st = { .gen = tree->gen };

	BUILD_BUG_ON(SLOTS < 4 || SLOTS > 255);
	root = rcu_dereference_protected(tree->root, 1);
	if (root && root->height > RCUF_BTREE_MAX_HEIGHT)
		check_fail(&st, "tree too high");
	else if (root)
		check_node(&st, root, true);
	if (!st.why && st.entries != tree->nr_entries)
		check_fail(&st, "entry counter mismatch");
	if (!st.why && st.nodes != tree->nr_nodes)
		check_fail(&st, "node counter mismatch");
	if (why)
		*why = st.why;
	return st.why ? -EUCLEAN : 0;
}
