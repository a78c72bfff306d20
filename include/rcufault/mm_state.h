/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-mm state kept by rcufault beside each tracked mm_struct.
 */
#ifndef _RCUFAULT_MM_STATE_H
#define _RCUFAULT_MM_STATE_H

#include <linux/mm_types.h>
#include <linux/rcupdate.h>
#include <linux/seqlock.h>
#include <linux/types.h>

/**
 * struct rcuf_mm - what rcufault knows about one mm
 * @hnode: link in the global mm hash, keyed by @mm
 * @mm: the mm; only compared, never dereferenced after the mm's last drop
 * @write_seq: write epoch; odd while a task holds @mm's mmap_lock for write,
 *	including the read section that follows mmap_write_downgrade()
 * @writer: the task holding the write (or downgraded) section, or NULL
 * @downgraded: the write section was downgraded and is still held for read
 * @rcu: deferred free
 *
 * A state is created only by the task that holds the mm's mmap_lock for
 * write (or in its downgraded section), so it starts with an odd epoch that
 * is known to be right; it is freed when the mm's last reference drops.
 */
struct rcuf_mm {
	struct hlist_node hnode;
	struct mm_struct *mm;
	seqcount_t write_seq;
	struct task_struct *writer;
	bool downgraded;
	struct rcu_head rcu;
};

struct rcuf_mm *rcuf_mm_find(struct mm_struct *mm);
struct rcuf_mm *rcuf_mm_create_locked(struct mm_struct *mm);
void rcuf_mm_release(struct mm_struct *mm);
void rcuf_mm_release_all(void);
int rcuf_mm_tracked(void);

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
