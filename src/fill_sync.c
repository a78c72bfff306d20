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
 * THE ORDER (a Dekker pair on the epoch and the mm's list of fills):
 *   fill F (rcuf_fill_begin())            writer W (rcuf_fill_writer_sync())
 *   F1 join m->fills, with its epoch e     W1 the epoch moves to odd s
 *      (the one its VMA was checked at)    W2 smp_mb() (rcuf_pte_table_
 *   F2 smp_mb()                                writer_sync(), called first)
 *   F3 epoch moved for @addr? leave the    W3 m->fills not empty?
 *      list, fall back (epoch_changed)        queue the wait (task_work)
 *   F4 the getter                          W4 (before returning to user
 *   F5 leave the list; smp_mb(); wake         space) wait until no fill
 *                                             with e < s is on the list
 * (An end that finds its begin missed, after an epoch_desync, moves the
 * epoch through odd and does W2-W3 too: src/write_epoch.c.)
 * Either W3 reads F1's insertion, or F3 reads W1's move (both stores come
 * before both loads, by F2 and W2); W4's wait is later still. A fill with
 * e < s came before the section, as stock's fill under the read lock
 * would have: W4 waits for all of those and for no other. Fills that
 * began after W1 carry e >= s: they passed F3 because the section
 * declared a range without their address (src/write_range.c), so the
 * section does not touch their VMA. Stock 6.1 would still order them
 * before the section (every writer waits for every read holder); this
 * is the range-writers rule that lets any lockless fault outside the
 * range go on through the section, as upstream's per-VMA locks (6.4 on)
 * do: with a memfd mapped at A and at B, a munmap() of B then a punch can
 * see a fill through A land after them, as any later fault on A could
 * refill the hole.
 * The wait is per mm, so no other process's fill (a swap read, a memcg
 * throttle) can hold a writer up, and it is killable, as stock's
 * mmap_write_lock_killable() is: a writer killed meanwhile never returns
 * to user space.
 *
 * Where it differs from stock: stock's fill lands before the section
 * begins, ours before the call returns. A thread that learns of the
 * section's change without waiting for the call (mincore(), /proc/PID/maps,
 * a SIGSEGV) and punches the hole at once can still see the fill land
 * afterwards; stock would not let it. io_uring workers run the wait when
 * they take their next work, after the request's completion is posted.
 *
 * What does not wait: a writer that is a kernel thread (khugepaged: no
 * return to user space, and nothing there orders against a fill); a wait
 * that cannot be allocated (GFP_ATOMIC) or queued, and writers while the
 * module unloads: writer_fill_waits_lost. An exiting writer (exit_mmap(),
 * from exit_mm(), 6.1 kernel/exit.c:874) queues it before
 * exit_task_work() (exit.c:887) runs it; its mm has no fault left.
 *
 * Unload: a queued wait runs module text and holds the mm (mmgrab(), so
 * the state is not freed: __mmdrop hook), so each also holds a reference
 * on rcuf_fill_waits from its queueing to its end; rcuf_fill_sync_drain()
 * waits for them, after the faults (hence the fills) are gone, and the
 * caller's synchronize_rcu_tasks() covers a task preempted between its
 * put and its return.
 */
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/task_work.h>
#include <linux/wait_bit.h>
#include "rcufault/fill_sync.h"
#include "rcufault/ftrace_hook.h"
#include "rcufault/mm_state.h"
#include "rcufault/stats.h"
#include "rcufault/test_params.h"

static struct rcuf_inflight rcuf_fill_waits;

/**
 * struct rcuf_fill_wait - a writer's wait, queued as its task_work
 * @cb: the task_work
 * @mm: the section's mm (current's, or another process's for a remote
 *	writer such as a userfaultfd monitor), grabbed
 * @m: its state (kept by the grab)
 * @seq: the section's odd epoch: fills checked at an older one are waited
 *	for
 */
struct rcuf_fill_wait {
	struct callback_head cb;
	struct mm_struct *mm;
	struct rcuf_mm *m;
	unsigned int seq;
};

/**
 * rcuf_fill_sync_init() - set up the waits' count
 *
 * Context: process, at load.
 * Return: 0 or -ENOMEM.
 */
int rcuf_fill_sync_init(void)
{
	return rcuf_inflight_init(&rcuf_fill_waits, "write sections' fill waits");
}

/**
 * rcuf_fill_begin() - announce a fill to @m's writers (F1-F3)
 * @m: the faulting mm's state
 * @seq: the epoch at which the fault's VMA was checked
 * @addr: the faulting address
 * @fill: the fill's entry, on the caller's stack until rcuf_fill_end()
 *
 * Context: process, no locks held, not under RCU.
 * Return: true if the fill may go on (then call rcuf_fill_end() after it);
 * false if a write section that may change the VMA began since @seq.
 */
bool rcuf_fill_begin(struct rcuf_mm *m, unsigned int seq, unsigned long addr,
		     struct rcuf_fill *fill)
{
	fill->seq = seq;
	fill->hidden = rcuf_test_shmem_fill_unsynced();	/* broken build */
	if (fill->hidden)
		return true;
	spin_lock(&m->fill_lock);				/* F1 */
	list_add(&fill->node, &m->fills);	/* WRITE_ONCE of its ->next */
	spin_unlock(&m->fill_lock);
	smp_mb();						/* F2 */
	if (!rcuf_mm_epoch_moved(m, seq, addr))			/* F3 */
		return true;
	rcuf_fill_end(m, fill);
	return false;
}

/**
 * rcuf_fill_end() - the fill that rcuf_fill_begin() allowed is over (F5)
 * @m: the mm state rcuf_fill_begin() was given
 * @fill: its entry
 */
void rcuf_fill_end(struct rcuf_mm *m, struct rcuf_fill *fill)
{
	if (fill->hidden)
		return;
	spin_lock(&m->fill_lock);
	list_del(&fill->node);
	spin_unlock(&m->fill_lock);
	smp_mb();	/* the list's change before wake_up_var()'s check */
	wake_up_var(&m->fills);
}

/* Is a fill checked at an epoch before @seq still on @m's list? */
static bool rcuf_fill_older(struct rcuf_mm *m, unsigned int seq)
{
	struct rcuf_fill *fill;
	bool found = false;

	spin_lock(&m->fill_lock);
	list_for_each_entry(fill, &m->fills, node) {
		if ((int)(fill->seq - seq) < 0) {
			found = true;
			break;
		}
	}
	spin_unlock(&m->fill_lock);
	return found;
}

/* W4: the task_work, run before the writer returns to user space. */
static void rcuf_fill_wait(struct callback_head *cb)
{
	struct rcuf_fill_wait *w = container_of(cb, struct rcuf_fill_wait, cb);

	wait_var_event_killable(&w->m->fills, !rcuf_fill_older(w->m, w->seq));
	mmdrop(w->mm);
	kfree(w);
	percpu_ref_put(&rcuf_fill_waits.ref);
}

/* Queue W4 on current for the section of @m at odd epoch @seq. */
static bool rcuf_fill_wait_queue(struct rcuf_mm *m, unsigned int seq)
{
	struct rcuf_fill_wait *w;

	if (!percpu_ref_tryget_live(&rcuf_fill_waits.ref))
		return false;			/* unloading */
	w = kmalloc(sizeof(*w), GFP_ATOMIC | __GFP_NOWARN);
	if (w) {
		w->mm = m->mm;
		w->m = m;
		w->seq = seq;
		mmgrab(w->mm);	/* the writer holds it: mmap_lock is held */
		init_task_work(&w->cb, rcuf_fill_wait);
		if (!task_work_add(current, &w->cb, TWA_RESUME))
			return true;
		mmdrop(w->mm);	/* not the last: the writer holds another */
		kfree(w);
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
	if (likely(list_empty(&m->fills)))	/* W3: READ_ONCE, no lock */
		return;
	if (current->flags & PF_KTHREAD)
		return;
	rcuf_stat_inc(rcuf_fill_wait_queue(m, raw_read_seqcount(&m->write_seq)) ?
		      RCUF_STAT_WRITER_FILL_WAITS :
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
}
