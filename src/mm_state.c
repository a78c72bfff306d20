// SPDX-License-Identifier: GPL-2.0
/*
 * Per-mm state: a hash of struct rcuf_mm keyed by mm pointer, read under
 * RCU, written under one spinlock (states come and go once per mm).
 */
#include <linux/atomic.h>
#include <linux/hashtable.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include "rcufault/mm_state.h"
#include "rcufault/shadow.h"
#include "rcufault/stats.h"
#include "rcufault/write_epoch.h"

#define RCUF_MM_HASH_BITS 10

static DEFINE_HASHTABLE(rcuf_mm_hash, RCUF_MM_HASH_BITS);
static DEFINE_SPINLOCK(rcuf_mm_hash_lock);
static atomic_t rcuf_mm_count = ATOMIC_INIT(0);

/**
 * rcuf_mm_find() - the state of @mm, if it has one
 * @mm: the mm
 *
 * Context: RCU read side (or preemption disabled); the result stays valid
 * until it ends.
 * Return: the state or NULL.
 */
struct rcuf_mm *rcuf_mm_find(struct mm_struct *mm)
{
	struct rcuf_mm *m;

	hash_for_each_possible_rcu(rcuf_mm_hash, m, hnode, (unsigned long)mm)
		if (m->mm == mm)
			return m;
	return NULL;
}

/**
 * rcuf_mm_create_locked() - give @mm a state, entered as write-locked
 * @mm: an mm whose mmap_lock the current task has just taken for write
 *
 * The new state's epoch is odd with the current task as writer; the caller
 * ends the section as usual. No state is made for an mm being torn down.
 *
 * Context: atomic (tracepoint probe); allocates with GFP_NOWAIT.
 * Return: the state, or NULL if none could be made (the mm stays untracked).
 */
struct rcuf_mm *rcuf_mm_create_locked(struct mm_struct *mm)
{
	struct rcuf_mm *m, *old;
	unsigned long flags;

	if (!atomic_read(&mm->mm_users))
		return NULL;
	m = kzalloc(sizeof(*m), GFP_NOWAIT | __GFP_NOWARN);
	if (!m) {
		rcuf_stat_inc(RCUF_STAT_MM_CREATE_FAILED);
		return NULL;
	}
	m->mm = mm;
	seqcount_init(&m->write_seq);
	INIT_LIST_HEAD(&m->fills);
	spin_lock_init(&m->fill_lock);
	rcuf_shadow_init(m);
	raw_write_seqcount_begin(&m->write_seq);
	m->writer = current;

	spin_lock_irqsave(&rcuf_mm_hash_lock, flags);
	old = rcuf_mm_find(mm);
	if (old) {	/* cannot happen: only the write holder creates */
		spin_unlock_irqrestore(&rcuf_mm_hash_lock, flags);
		kfree(m);
		return old;
	}
	hash_add_rcu(rcuf_mm_hash, &m->hnode, (unsigned long)mm);
	spin_unlock_irqrestore(&rcuf_mm_hash_lock, flags);
	atomic_inc(&rcuf_mm_count);
	rcuf_stat_inc(RCUF_STAT_MM_CREATED);
	return m;
}

/*
 * Free a state that is no longer in the hash. Its tree needs no lock: every
 * writer of it holds a reference on the mm (or runs from a hook that is
 * gone by now, at unload), and lockless readers only need the grace period.
 */
static void rcuf_mm_free(struct rcuf_mm *m)
{
	rcuf_epoch_forget(m);
	rcuf_shadow_destroy(m);
	atomic_dec(&rcuf_mm_count);
	rcuf_stat_inc(RCUF_STAT_MM_FREED);
	kfree_rcu(m, rcu);
}

/**
 * rcuf_mm_release() - forget @mm; called when its last reference drops
 * @mm: the mm
 *
 * Context: any; takes a spinlock.
 */
void rcuf_mm_release(struct mm_struct *mm)
{
	struct rcuf_mm *m;
	unsigned long flags;

	spin_lock_irqsave(&rcuf_mm_hash_lock, flags);
	m = rcuf_mm_find(mm);
	if (m)
		hash_del_rcu(&m->hnode);
	spin_unlock_irqrestore(&rcuf_mm_hash_lock, flags);
	if (m)
		rcuf_mm_free(m);
}

/**
 * rcuf_mm_release_all() - forget every mm (module unload)
 *
 * Context: process; no probe or hook may still run. The caller waits for the
 * deferred frees with rcu_barrier().
 */
void rcuf_mm_release_all(void)
{
	struct rcuf_mm *m;
	struct hlist_node *tmp;
	unsigned long flags;
	int bkt;

	spin_lock_irqsave(&rcuf_mm_hash_lock, flags);
	hash_for_each_safe(rcuf_mm_hash, bkt, tmp, m, hnode) {
		hash_del_rcu(&m->hnode);
		rcuf_mm_free(m);
	}
	spin_unlock_irqrestore(&rcuf_mm_hash_lock, flags);
}

/**
 * rcuf_mm_tracked() - how many mms have a state now
 *
 * Return: the count.
 */
int rcuf_mm_tracked(void)
{
	return atomic_read(&rcuf_mm_count);
}

/**
 * rcuf_mm_for_each() - call @fn for every state
 * @fn: called under rcu_read_lock(); must not sleep. The state may be
 *	unhashed meanwhile but stays allocated until the RCU section ends.
 * @arg: passed to @fn
 */
void rcuf_mm_for_each(void (*fn)(struct rcuf_mm *m, void *arg), void *arg)
{
	struct rcuf_mm *m;
	int bkt;

	rcu_read_lock();
	hash_for_each_rcu(rcuf_mm_hash, bkt, m, hnode)
		fn(m, arg);
	rcu_read_unlock();
}

/**
 * rcuf_mm_walk_alive() - call @fn for every state whose mm is alive
 * @fn: called under the hash lock with interrupts off: must not sleep nor
 *	take any lock. The state's mm may be dereferenced: its __mmdrop()
 *	hook waits for this lock before the mm is freed.
 * @arg: passed to @fn
 */
void rcuf_mm_walk_alive(void (*fn)(struct rcuf_mm *m, void *arg),
			void *arg)
{
	struct rcuf_mm *m;
	unsigned long flags;
	int bkt;

	spin_lock_irqsave(&rcuf_mm_hash_lock, flags);
	hash_for_each(rcuf_mm_hash, bkt, m, hnode)
		fn(m, arg);
	spin_unlock_irqrestore(&rcuf_mm_hash_lock, flags);
}
