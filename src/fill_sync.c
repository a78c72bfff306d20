// SPDX-License-Identifier: GPL-2.0
/*
 * Write sections wait out the shmem fills their mm had in flight.
 *
 * A tmpfs hole is filled with no lock held (src/fault_shmem.c): the getter
 * allocates, zeroes and inserts a page into the file. Stock's fill runs
 * under mmap_lock held for read (lock_mm_and_find_vma(), then
 * shmem_fault() -> shmem_get_folio_gfp(), mm/shmem.c:2165), so every
 * write section of the mm that begins while it runs waits for it: a
 * system call that takes mmap_lock for write returns after the fill has
 * landed. Without a wait, ours could land after such a call returned:
 * - munmap(), then fallocate(PUNCH_HOLE): the file regains a zero block
 *   its user punched after the last mapping was gone (space, SEEK_DATA);
 * - UFFDIO_REGISTER in MISSING mode (userfaultfd_register(),
 *   fs/userfaultfd.c:1356 takes the write lock), then a hole punch: the
 *   page reappears with no MISSING event, so a monitor that fills pages
 *   on demand (post-copy) never sees the fault and the page reads zero.
 * The fill's page cannot be taken back (another mapping may already use
 * it), so the writer waits, as stock's does, but without sleeping with
 * mmap_lock held: it cannot sleep where it learns of the fills (the
 * acquire probe runs with preemption off), so it queues a task_work that
 * waits before the call returns to user space.
 *
 * THE ORDER (a Dekker pair on the epoch and the count of fills):
 *   fill F (rcuf_fill_begin())            writer W (rcuf_fill_writer_sync())
 *   F1 srcu_read_lock()                   W1 the epoch moves (odd)
 *   F2 m->unlocked_fills++                W2 smp_mb() (rcuf_pte_table_
 *   F3 smp_mb__after_atomic()                 writer_sync(), called first)
 *   F4 epoch moved for @addr? undo, fall  W3 m->unlocked_fills != 0?
 *      back (fallback_epoch_changed)         queue the wait (task_work)
 *   F5 the getter; F6 srcu_read_unlock()  W4 (return to user) wait for
 *                                            an SRCU grace period
 * Either W3 reads F2's increment, or F4 reads W1's move (both stores come
 * before both loads, by F3 and W2). If F4 passed, the section began
 * after F4 or declared a range without @addr (src/write_range.c), which
 * stock's fill would not have waited for either (per-VMA locks would
 * not). If W3 saw the count, F1 came before W4's grace period began, so
 * W4 returns only after F6, after the getter returned. A fill that a
 * section's split (rcuf_epoch_section_split()) finds is waited for the
 * same way. W4 waits for every fill that began before it, in any mm: more
 * than needed, never less, and SRCU's grace periods end however many new
 * fills begin (a count reaching 0 might never).
 *
 * What does not wait: a writer that is a kernel thread (khugepaged: no
 * return to user space, and nothing there orders against a fill); a
 * writer that is exiting (task_work_add() refuses: exit_mmap(), whose
 * mm's fills are over by then, since its tasks are gone); a task_work
 * that cannot be allocated (GFP_ATOMIC); and writers while the module
 * unloads. The last three are counted as writer_fill_waits_lost.
 *
 * Unload: a queued wait runs module text, so each holds a reference on
 * rcuf_fill_waits from its queueing to its end; rcuf_fill_sync_drain()
 * waits for them, after the faults (hence the fills) are gone, and the
 * caller's synchronize_rcu_tasks() covers a task preempted between its
 * put and its return.
 */
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/task_work.h>
#include "rcufault/fill_sync.h"
#include "rcufault/ftrace_hook.h"
#include "rcufault/mm_state.h"
#include "rcufault/stats.h"
#include "rcufault/test_params.h"

static struct srcu_struct rcuf_fill_srcu;
static struct rcuf_inflight rcuf_fill_waits;

/**
 * rcuf_fill_sync_init() - set up the fills' SRCU and the waits' count
 *
 * Context: process, at load.
 * Return: 0 or -ENOMEM.
 */
int rcuf_fill_sync_init(void)
{
	int ret = init_srcu_struct(&rcuf_fill_srcu);

	if (ret)
		return ret;
	ret = rcuf_inflight_init(&rcuf_fill_waits, "write sections' fill waits");
	if (ret)
		cleanup_srcu_struct(&rcuf_fill_srcu);
	return ret;
}

/**
 * rcuf_fill_begin() - announce a fill to @m's writers (F1-F4)
 * @m: the faulting mm's state
 * @seq: the even epoch at which the fault's VMA was checked
 * @addr: the faulting address
 * @idx: out: the SRCU index for rcuf_fill_end()
 *
 * Context: process, no locks held, not under RCU.
 * Return: true if the fill may go on (then call rcuf_fill_end() after it);
 * false if a write section that may change the VMA began since @seq
 * (nothing to end).
 */
bool rcuf_fill_begin(struct rcuf_mm *m, unsigned int seq, unsigned long addr,
		     int *idx)
{
	if (rcuf_test_shmem_fill_unsynced())	/* the broken test build */
		return true;
	*idx = srcu_read_lock(&rcuf_fill_srcu);			/* F1 */
	atomic_inc(&m->unlocked_fills);				/* F2 */
	smp_mb__after_atomic();					/* F3 */
	if (!rcuf_mm_epoch_moved(m, seq, addr))			/* F4 */
		return true;
	rcuf_fill_end(m, *idx);
	return false;
}

/**
 * rcuf_fill_end() - the fill that rcuf_fill_begin() allowed is over (F6)
 * @m: the mm state rcuf_fill_begin() was given
 * @idx: the index it returned
 */
void rcuf_fill_end(struct rcuf_mm *m, int idx)
{
	if (rcuf_test_shmem_fill_unsynced())
		return;
	atomic_dec(&m->unlocked_fills);
	srcu_read_unlock(&rcuf_fill_srcu, idx);
}

/* W4: the task_work, run before the writer returns to user space. */
static void rcuf_fill_wait(struct callback_head *cb)
{
	kfree(cb);
	synchronize_srcu_expedited(&rcuf_fill_srcu);
	percpu_ref_put(&rcuf_fill_waits.ref);
}

/* Queue W4 on current; false if it cannot be. */
static bool rcuf_fill_wait_queue(void)
{
	struct callback_head *cb;

	if (!percpu_ref_tryget_live(&rcuf_fill_waits.ref))
		return false;			/* unloading */
	cb = kmalloc(sizeof(*cb), GFP_ATOMIC | __GFP_NOWARN);
	if (cb) {
		init_task_work(cb, rcuf_fill_wait);
		if (!task_work_add(current, cb, TWA_RESUME))
			return true;
		kfree(cb);			/* exiting */
	}
	percpu_ref_put(&rcuf_fill_waits.ref);
	return false;
}

/**
 * rcuf_fill_writer_sync() - W3: make current wait out @m's fills in flight
 * @m: the state of an mm whose write section just began, its epoch moved
 *	and a full barrier since (W1, W2)
 *
 * Context: the write-acquire probe (or a section's split), preemption
 * may be off; current write-owns @m's mm.
 */
void rcuf_fill_writer_sync(struct rcuf_mm *m)
{
	if (likely(!atomic_read(&m->unlocked_fills)))		/* W3 */
		return;
	if (current->flags & PF_KTHREAD)
		return;
	rcuf_stat_inc(rcuf_fill_wait_queue() ? RCUF_STAT_WRITER_FILL_WAITS :
					       RCUF_STAT_WRITER_FILL_WAITS_LOST);
}

/**
 * rcuf_fill_sync_drain() - wait for every queued fill wait to end
 *
 * Context: process, at unload, once no lockless fault is left (so no fill
 * and no new wait); before synchronize_rcu_tasks().
 */
void rcuf_fill_sync_drain(void)
{
	rcuf_inflight_kill_wait(&rcuf_fill_waits);
}

/**
 * rcuf_fill_sync_exit() - free what rcuf_fill_sync_init() set up
 *
 * Context: process, at unload, after rcuf_fill_sync_drain() and
 * synchronize_rcu_tasks().
 */
void rcuf_fill_sync_exit(void)
{
	rcuf_inflight_exit(&rcuf_fill_waits);
	cleanup_srcu_struct(&rcuf_fill_srcu);
}
