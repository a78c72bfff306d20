/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rcufault shadow VMA B-tree: an RCU-safe, copy-on-write B+tree mapping
 * non-overlapping address ranges [start, end) to opaque entry pointers.
 *
 * Concurrency model
 * -----------------
 * Readers (rcuf_btree_lookup(), rcuf_btree_next(), rcuf_btree_for_each())
 * only need rcu_read_lock().  They perform no atomic operations and no
 * stores to shared memory; they are wait-free and bounded by the tree
 * height.
 *
 * Writers (everything else) must be serialised by the caller, e.g. by a
 * per-mm spinlock; the tree takes no lock of its own.  Every modifying
 * operation is a transaction: all nodes it touches are copied (path
 * copying from the leaf up to the root), the copies are modified while
 * still private, and the new version is published by one
 * rcu_assign_pointer() of the root.  A reader therefore observes either the
 * complete old or the complete new tree, even for rcuf_btree_replace_range()
 * which may remove many entries.  Replaced nodes are freed with call_rcu();
 * a module using the tree must call rcu_barrier() in its exit path before
 * its text goes away.
 *
 * If a node allocation fails, the operation is rolled back: the tree is
 * left exactly as it was and -ENOMEM is returned.  rcuf_btree_clear()
 * never allocates and never fails.
 *
 * Entries belong to the caller.  The tree never dereferences or frees an
 * entry; operations that remove entries report them (return value or
 * release callback).  Because RCU readers may still hold a removed entry,
 * the caller must free entries only after a grace period.
 */
#ifndef _RCUFAULT_BTREE_H
#define _RCUFAULT_BTREE_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/rcupdate.h>
#else
#include "urcu_compat.h"
#endif

/*
 * Slots per node (leaf entries / inner children).  Every node has the
 * same layout; see struct rcuf_btree_node in src/btree.c.  With 20 slots a
 * node is exactly 512 bytes (a kmalloc-512 object).  Tests may override it
 * (>= 4) to exercise deep trees.
 */
#ifndef RCUF_BTREE_SLOTS
#define RCUF_BTREE_SLOTS	20
#endif

/* Maximum number of inner levels above the leaves. */
#define RCUF_BTREE_MAX_HEIGHT	16

struct rcuf_btree_node;

/**
 * struct rcuf_btree - root of a shadow VMA B-tree
 * @root: root node, published with rcu_assign_pointer(); NULL when empty.
 *	The height of the tree is stored in the root node itself, so readers
 *	need nothing but this pointer.
 * @gen: writer transaction counter; a node whose generation equals the
 *	current transaction's is private and may be modified in place.  64
 *	bits, so it never wraps.
 * @nr_entries: number of entries (writer-maintained, WRITE_ONCE()).
 * @nr_nodes: number of live nodes (writer-maintained, WRITE_ONCE()).
 *
 * Initialise with rcuf_btree_init() or RCUF_BTREE_INIT.  All fields other
 * than @root are private to the writer.
 */
struct rcuf_btree {
	struct rcuf_btree_node __rcu *root;
	u64 gen;
	unsigned long nr_entries;
	unsigned long nr_nodes;
};

#define RCUF_BTREE_INIT	{ .root = NULL }

/**
 * struct rcuf_btree_stats - tree statistics
 * @entries: number of entries stored.
 * @nodes: number of nodes (leaves and inner nodes).
 * @height: number of levels (0 for an empty tree, 1 for a single leaf).
 * @bytes: memory used by the nodes (the entries are not counted).
 */
struct rcuf_btree_stats {
	unsigned long entries;
	unsigned long nodes;
	unsigned int height;
	unsigned long bytes;
};

/**
 * typedef rcuf_btree_release_t - callback for entries removed from the tree
 * @entry: the removed entry.
 * @arg: the cookie passed to the removing operation.
 *
 * Called by the writer, with the writer's lock held, after the entry has
 * been unpublished.  Readers may still be using @entry: free it only after a
 * grace period (call_rcu() / kfree_rcu()).  Must not modify the tree.
 */
typedef void (*rcuf_btree_release_t)(void *entry, void *arg);

/**
 * rcuf_btree_init() - initialise an empty tree
 * @tree: the tree.
 */
void rcuf_btree_init(struct rcuf_btree *tree);

/**
 * rcuf_btree_insert() - insert an entry for [@start, @end)
 * @tree: the tree; caller holds the writer lock.
 * @start: first address of the range.
 * @end: first address after the range.
 * @entry: the entry to store; must not be NULL.
 * @gfp: allocation flags for the new nodes (e.g. GFP_NOWAIT).
 *
 * Return: 0 on success; -EINVAL if @start >= @end or @entry is NULL;
 * -EEXIST if the range overlaps an existing entry; -ENOMEM if a node could
 * not be allocated (or the tree would exceed RCUF_BTREE_MAX_HEIGHT).  On
 * error the tree is unchanged.
 */
int rcuf_btree_insert(struct rcuf_btree *tree, unsigned long start,
		      unsigned long end, void *entry, gfp_t gfp);

/**
 * rcuf_btree_erase() - remove the entry whose range starts at @start
 * @tree: the tree; caller holds the writer lock.
 * @start: start address of the entry to remove.
 * @gfp: allocation flags; erasing copies the nodes on the path.
 * @entryp: if not NULL, receives the removed entry (NULL if none).
 *
 * Return: 0 on success; -ENOENT if no entry starts at @start; -ENOMEM if a
 * node could not be allocated, in which case the tree is unchanged and the
 * entry is still published.
 */
int rcuf_btree_erase(struct rcuf_btree *tree, unsigned long start, gfp_t gfp,
		     void **entryp);

/**
 * rcuf_btree_replace_range() - remove all entries overlapping a range,
 *	optionally inserting a new entry for it
 * @tree: the tree; caller holds the writer lock.
 * @start: first address of the range.
 * @end: first address after the range.
 * @entry: entry to insert for [@start, @end), or NULL to only remove.
 * @release: called for every removed entry once the new tree is
 *	published; may be NULL.
 * @arg: cookie for @release.
 * @gfp: allocation flags for the new nodes.
 *
 * Every entry overlapping [@start, @end) is removed as a whole; entries are
 * never trimmed.  The removal and the insertion are published atomically:
 * a reader sees either all old entries or the new one.
 *
 * Return: 0 on success; -EINVAL if @start >= @end; -ENOMEM if a node could
 * not be allocated, in which case the tree is unchanged and @release was
 * not called.
 */
int rcuf_btree_replace_range(struct rcuf_btree *tree, unsigned long start,
			     unsigned long end, void *entry,
			     rcuf_btree_release_t release, void *arg,
			     gfp_t gfp);

/**
 * rcuf_btree_clear() - remove all entries
 * @tree: the tree; caller holds the writer lock.
 * @release: called for every removed entry after the tree has been
 *	unpublished; may be NULL.
 * @arg: cookie for @release.
 *
 * Never allocates and never fails: the root is set to NULL and the old
 * nodes are freed after a grace period.  This is the recovery path after
 * -ENOMEM from another operation.
 */
void rcuf_btree_clear(struct rcuf_btree *tree, rcuf_btree_release_t release,
		      void *arg);

/**
 * rcuf_btree_lookup() - find the entry containing an address
 * @tree: the tree; caller holds rcu_read_lock() or the writer lock.
 * @addr: the address.
 * @startp: if not NULL, receives the start of the entry's range.
 * @endp: if not NULL, receives the end of the entry's range.
 *
 * Wait-free; performs no stores to shared memory.  The returned entry is
 * only guaranteed to stay valid until rcu_read_unlock().
 *
 * Return: the entry whose range contains @addr, or NULL.
 */
void *rcuf_btree_lookup(const struct rcuf_btree *tree, unsigned long addr,
			unsigned long *startp, unsigned long *endp);

/**
 * rcuf_btree_next() - find the first entry ending after an address
 * @tree: the tree; caller holds rcu_read_lock() or the writer lock.
 * @addr: the address.
 * @startp: if not NULL, receives the start of the entry's range.
 * @endp: if not NULL, receives the end of the entry's range.
 *
 * Return: the entry with the lowest start whose end is > @addr (the entry
 * containing @addr, if any, else the next one above it), or NULL.
 */
void *rcuf_btree_next(const struct rcuf_btree *tree, unsigned long addr,
		      unsigned long *startp, unsigned long *endp);

/**
 * rcuf_btree_for_each() - iterate over all entries in address order
 * @tree: the tree; caller holds rcu_read_lock() or the writer lock.
 * @entry: void * cursor, NULL at the end.
 * @start: unsigned long, start of the current entry.
 * @end: unsigned long, end of the current entry.
 *
 * Each step is an rcuf_btree_next() from the end of the previous entry, so
 * under RCU a concurrent writer may make the walk see a mix of versions
 * (but never a torn entry, and addresses are strictly increasing).  Under
 * the writer lock the walk is exact.  The body must not modify the tree.
 */
#define rcuf_btree_for_each(tree, entry, start, end)			\
	for ((entry) = rcuf_btree_next((tree), 0, &(start), &(end));	\
	     (entry);							\
	     (entry) = rcuf_btree_next((tree), (end), &(start), &(end)))

/**
 * rcuf_btree_get_stats() - read the tree statistics
 * @tree: the tree; caller holds rcu_read_lock() or the writer lock.
 * @stats: filled in.  Without the writer lock the counters may be
 *	momentarily inconsistent with each other.
 */
void rcuf_btree_get_stats(const struct rcuf_btree *tree,
			  struct rcuf_btree_stats *stats);

/**
 * rcuf_btree_check() - verify the tree invariants (debugging aid)
 * @tree: the tree; caller holds the writer lock.
 * @why: if not NULL, receives a static description of the first violation.
 *
 * Checks node heights and fill, strictly sorted non-overlapping ranges,
 * inner keys equal to the minimum of their subtree, unused slot sentinels
 * and the entry/node counters.  O(n).
 *
 * Return: 0 if the tree is consistent, -EUCLEAN otherwise.
 */
int rcuf_btree_check(const struct rcuf_btree *tree, const char **why);

#endif /* _RCUFAULT_BTREE_H */
