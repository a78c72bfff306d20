/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-mm state kept by rcufault beside each tracked mm_struct.
 */
#ifndef _RCUFAULT_MM_STATE_H
#define _RCUFAULT_MM_STATE_H

#include <linux/hashtable.h>
#include <linux/mm_types.h>
#include <linux/rcupdate.h>
#include <linux/seqlock.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include "rcufault/btree.h"

struct rcuf_range_audit;

/*
 * Write sections whose declared ranges a state remembers (a power of 2):
 * a fault goes on across at most RCUF_RANGE_SLOTS - 1 of them, and a
 * split mmap section is two (src/write_range.c).
 */
#define RCUF_RANGE_SLOTS 8

/**
 * struct rcuf_range_slot - what one write section declared
 * @epoch: the section's odd epoch
 * @ranged: it declared that it changes nothing outside [@lo, @hi); false
 *	while it may still change anything
 * @lo: the declared range's first address
 * @hi: its end (exclusive)
 */
struct rcuf_range_slot {
	unsigned int epoch;
	bool ranged;
	unsigned long lo;
	unsigned long hi;
};

/* Buckets of a state's reverse index of shadow records (by VMA pointer). */
#define RCUF_MM_VMA_HASH_BITS 6

/**
 * enum rcuf_shadow_fill - how far a state's shadow tree was filled
 * @RCUF_SHADOW_EMPTY: never populated, or cleared since: the next stock
 *	fault populates it from the stock VMA tree
 * @RCUF_SHADOW_POPULATING: a fault is populating it
 * @RCUF_SHADOW_POPULATED: populated; stock faults refresh single records
 */
enum rcuf_shadow_fill {
	RCUF_SHADOW_EMPTY,
	RCUF_SHADOW_POPULATING,
	RCUF_SHADOW_POPULATED,
};

/**
 * struct rcuf_mm - what rcufault knows about one mm
 * @hnode: link in the global mm hash, keyed by @mm
 * @mm: the mm; only compared, never dereferenced after the mm's last drop
 * @write_seq: write epoch; odd while a task holds @mm's mmap_lock for write,
 *	including the read section that follows mmap_write_downgrade()
 * @writer: the task that began the current write section, or NULL; only
 *	ever compared with current, never dereferenced (it may have exited
 *	if an event was missed)
 * @nested: read locks @writer took and still holds inside its downgraded
 *	section (BPF build-id stack maps, bpf_find_vma, MGLRU's walk_mm): the
 *	section ends at the outermost read release only
 * @downgraded: the write section was downgraded and is still held for read
 * @quarantined: the epoch was found out of step with the rwsem
 *	(epoch_desync): the tree was cleared, and no fault speculates on this
 *	mm until a write section that began cleanly has ended
 * @clean: the current write section began from an even epoch, by the
 *	task that write-owns the rwsem
 * @table_publishers: faults publishing a PTE table now (src/pte_table.c);
 *	a write section waits for it to be 0 before it changes anything
 * @fills: shmem fills running with no lock held now (struct rcuf_fill),
 *	written under @fill_lock; a write section that finds it not empty
 *	waits before it returns (src/fill_sync.c)
 * @fill_lock: serialises the writers of @fills
 * @ranges: the ranges the last RCUF_RANGE_SLOTS write sections declared,
 *	by odd epoch (src/write_range.c)
 * @range_class: which kind of call the current section comes from (for
 *	the counters; written and read by its writer only)
 * @range_idle: sections that declared since a fault last met one; the
 *	writer counts up, faults reset it (src/write_range.c, unordered)
 * @range_audit: test builds: what the VMAs outside the range were when it
 *	was declared (src/range_audit.c), or NULL
 * @tree: the shadow VMA tree: address ranges to struct rcuf_shadow_vma;
 *	read under RCU, written under @tree_lock (see src/shadow.c)
 * @tree_lock: serialises the writers of @tree and of @vma_hash; taken in
 *	process context only, never by the teardown (which has no writers)
 * @vma_hash: reverse index of the records in @tree, keyed by VMA pointer
 * @fill: enum rcuf_shadow_fill
 * @shadowed: lockless readers may hold @mm's VMAs (@tree has held a
 *	record, or a stock fault opened the maple lookup): from then on every
 *	VMA free of @mm waits for a grace period (src/hooks.c); set with
 *	release, read with acquire (rcuf_shadow_vma_frees_deferred())
 * @pid: the thread group that populated @tree (0 before), for debugfs
 * @rcu: deferred free
 *
 * A state is created only by a traced write acquire (src/mmap_lock_probe.c),
 * once every probe and hook it relies on is live, so it starts with an odd
 * epoch that is known to be right and its end is seen; it is freed when the
 * mm's last reference drops (the __mmdrop hook).
 */
struct rcuf_mm {
	struct hlist_node hnode;
	struct mm_struct *mm;
	seqcount_t write_seq;
	struct task_struct *writer;
	unsigned int nested;
	bool downgraded;
	bool quarantined;
	bool clean;
	atomic_t table_publishers;
	struct list_head fills;
	spinlock_t fill_lock;
	struct rcuf_range_slot ranges[RCUF_RANGE_SLOTS];
	int range_class;
	unsigned int range_idle;
	struct rcuf_range_audit *range_audit;
	struct rcuf_btree tree;
	spinlock_t tree_lock;
	DECLARE_HASHTABLE(vma_hash, RCUF_MM_VMA_HASH_BITS);
	int fill;
	bool shadowed;
	pid_t pid;
	struct rcu_head rcu;
};

struct rcuf_mm *rcuf_mm_find(struct mm_struct *mm);
struct rcuf_mm *rcuf_mm_create_locked(struct mm_struct *mm);
void rcuf_mm_release(struct mm_struct *mm);
void rcuf_mm_release_all(void);
int rcuf_mm_tracked(void);
void rcuf_mm_for_each(void (*fn)(struct rcuf_mm *m, void *arg), void *arg);
void rcuf_mm_walk_alive(void (*fn)(struct rcuf_mm *m, void *arg),
			void *arg);

/**
 * rcuf_mm_epoch_begin() - snapshot the write epoch for a speculative section
 * @m: the mm state
 *
 * Return: the epoch; odd means a writer is active and the caller must not
 * speculate.
 */
static inline unsigned int rcuf_mm_epoch_begin(struct rcuf_mm *m)
{
	return raw_read_seqcount(&m->write_seq);
}

bool rcuf_range_excludes(struct rcuf_mm *m, unsigned int seq,
			 unsigned long addr);

/**
 * rcuf_mm_epoch_moved() - may a writer have changed what a fault at @addr
 * relies on since rcuf_mm_epoch_begin()?
 * @m: the mm state
 * @seq: the value rcuf_mm_epoch_begin() returned (odd if a writer that
 *	declared a range without @addr was running: rcuf_range_excludes())
 * @addr: the faulting address
 *
 * Return: true when the speculative section must be thrown away: a write
 * section began or ran since @seq and did not declare a range that leaves
 * @addr's VMA alone (src/write_range.c).
 */
static inline bool rcuf_mm_epoch_moved(struct rcuf_mm *m, unsigned int seq,
				       unsigned long addr)
{
	if (likely(!(seq & 1) && !read_seqcount_retry(&m->write_seq, seq)))
		return false;
	return !rcuf_range_excludes(m, seq, addr);
}

/**
 * rcuf_mm_epoch_changed() - did a writer run since rcuf_mm_epoch_begin()?
 * @m: the mm state
 * @seq: the value rcuf_mm_epoch_begin() returned
 *
 * Return: true when the speculative section must be thrown away.
 */
static inline bool rcuf_mm_epoch_changed(struct rcuf_mm *m, unsigned int seq)
{
	return read_seqcount_retry(&m->write_seq, seq);
}

#endif /* _RCUFAULT_MM_STATE_H */
