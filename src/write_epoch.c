// SPDX-License-Identifier: GPL-2.0
/*
 * The per-mm write epoch (DESIGN.md §3.1, §3.6): its transitions, driven
 * by src/mmap_lock_probe.c, and the run-time check that it agrees with
 * the mm's mmap_lock.
 *
 * The invariant every lockless fault trusts: an mm's epoch is odd exactly
 * while some task is inside a write section of its mmap_lock, the read
 * section that follows mmap_write_downgrade() included.
 *
 * Why the transitions keep it, against include/linux/mmap_lock.h (6.1):
 *  - mmap_write_lock*() and a successful mmap_write_trylock() fire
 *    acquire_returned(write) after the rwsem is taken; mmap_write_unlock()
 *    fires released(write) before up_write(); mmap_write_downgrade() fires
 *    acquire_returned(read) before downgrade_write(), while the rwsem is
 *    still write-owned by current; mmap_read_unlock() fires released(read)
 *    before up_read(). So an odd epoch always lies inside a time the rwsem
 *    is held, which rcuf_epoch_verify() checks.
 *  - Only the write owner begins, downgrades and ends a section, and it
 *    does so in program order: the rwsem itself serialises the transitions
 *    of one mm. Other tasks only read the state (and may quarantine it).
 *  - A section's begin waits out the faults that are publishing a PTE
 *    table (src/pte_table.c: W2, W3) before the writer goes on.
 *  - A clean section from munmap, mprotect, brk or mlock declares the
 *    range it can change before its epoch moves; one from an anonymous
 *    mmap declares the empty range and is split in two at mmap_region(),
 *    the second part a section of its own, begun as any other (epoch,
 *    publishers), before it changes anything; every other section is
 *    whole (src/write_range.c).
 *  - Transitions are idempotent: begin only from even, end only from odd.
 *    A begin that finds the epoch odd (an end was missed) moves it on by
 *    two and takes the section over, so that no fault confuses it with the
 *    section before (src/write_range.c); an end that finds it even (a begin was missed)
 *    moves it on by two, so that every fault that speculated inside the
 *    section fails its re-check under the PTE lock. Either is a desync:
 *    counted, and the mm is quarantined (no fault speculates on it, the
 *    tree is cleared) until a section that began cleanly has ended.
 *  - The section's writer is the task that began it. Inside a downgraded
 *    section that task may take and drop the read lock again
 *    (kernel/bpf/stackmap.c and bpf_find_vma() trylock current->mm, MGLRU's
 *    walk_mm() trylocks from reclaim): those nested read acquires are
 *    counted, and the section ends at the outermost read release.
 *  - Events from interrupt context or with interrupts off never move the
 *    state (the downgrade itself excepted: it is always current's own, with
 *    the rwsem write-owned): the BPF helpers above take the read lock there and release it
 *    from irq_work (mmap_read_unlock_non_owner(), hard-irq context, with
 *    any task as current), and a task's own section is never begun or
 *    ended there. Acquires and releases are filtered alike, so a nested
 *    pair is either counted on both sides or on neither. A downgraded
 *    section whose outermost release runs with interrupts off (a buggy
 *    uaccess with interrupts off that expands the stack in
 *    lock_mm_and_find_vma()) stays odd: the safe direction; its next write
 *    section counts the desync and repairs it.
 *  - No state exists before rcuf_epoch_go_live(): main.c calls it once
 *    every probe and hook is registered and a grace period has passed, so
 *    every state has seen its section begin and will see it end, and its
 *    mm's __mmdrop() will free it.
 */
#include <linux/atomic.h>
#include <linux/mm_types.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include "rcufault/fill_sync.h"
#include "rcufault/mm_state.h"
#include "rcufault/pte_table.h"
#include "rcufault/range_audit.h"
#include "rcufault/shadow.h"
#include "rcufault/stats.h"
#include "rcufault/write_epoch.h"
#include "rcufault/write_range.h"

/* kernel/locking/rwsem.c's owner and count encodings (6.1). */
#define RCUF_RWSEM_READER_OWNED		(1UL << 0)
#define RCUF_RWSEM_OWNER_FLAGS		3UL
#define RCUF_RWSEM_WRITER_LOCKED	(1UL << 0)
#define RCUF_RWSEM_READER_SHIFT		8
#define RCUF_RWSEM_LOCK_MASK		(RCUF_RWSEM_WRITER_LOCKED | \
					 ~((1UL << RCUF_RWSEM_READER_SHIFT) - 1))

/* States may be created (set once everything they rely on is live). */
static bool rcuf_epoch_live;
/* Downgraded sections in flight: read events look an mm up only if any. */
static atomic_t rcuf_downgraded = ATOMIC_INIT(0);

/**
 * rcuf_epoch_go_live() - let write sections create states from now on
 *
 * Context: process; every mmap_lock probe and every hook a state relies
 * on (the __mmdrop() and vm_area_free() hooks) must be registered. Waits
 * for a grace period first, so that no tracepoint or ftrace call that
 * started before their registration is still running.
 */
void rcuf_epoch_go_live(void)
{
	synchronize_rcu();
	/* pairs with the acquire in rcuf_epoch_write_acquired() */
	smp_store_release(&rcuf_epoch_live, true);
}

/**
 * rcuf_epoch_stop() - no new states from now on (module unload)
 */
void rcuf_epoch_stop(void)
{
	WRITE_ONCE(rcuf_epoch_live, false);
}

/**
 * rcuf_mmap_write_owner() - is @mm's mmap_lock write-locked by current?
 * @mm: the mm
 *
 * Inside mmap_write_downgrade()'s acquire_returned(read) event it still is
 * (the event comes before downgrade_write()); inside a plain read
 * acquire's it cannot be.
 * Return: true if current holds it for write.
 */
bool rcuf_mmap_write_owner(struct mm_struct *mm)
{
	unsigned long owner = atomic_long_read(&mm->mmap_lock.owner);

	return (owner & ~RCUF_RWSEM_OWNER_FLAGS) == (unsigned long)current &&
	       (atomic_long_read(&mm->mmap_lock.count) & RCUF_RWSEM_WRITER_LOCKED);
}

/**
 * rcuf_mmap_writer_running() - is @mm's mmap_lock write-owned by a task
 * that is running on a CPU now?
 * @mm: the mm
 *
 * The owner field holds the writer until up_write() clears it, and a task
 * struct is freed only after a grace period that starts after its last
 * release (kernel/locking/rwsem.c's rwsem_spin_on_owner() relies on the
 * same). Reader-owned (downgraded) locks keep a stale owner: never
 * dereferenced.
 *
 * Context: RCU read side.
 * Return: true if a write owner other than current is on a CPU (a fault
 * inside current's own write section must not wait for itself).
 */
bool rcuf_mmap_writer_running(struct mm_struct *mm)
{
	unsigned long owner = atomic_long_read(&mm->mmap_lock.owner);
	struct task_struct *t = (void *)(owner & ~RCUF_RWSEM_OWNER_FLAGS);

	if (!t || t == current || (owner & RCUF_RWSEM_READER_OWNED) ||
	    !(atomic_long_read(&mm->mmap_lock.count) & RCUF_RWSEM_WRITER_LOCKED))
		return false;
	return READ_ONCE(t->on_cpu);
}

/* Only task context with interrupts on moves a section (see the header). */
static bool rcuf_epoch_event_ignored(void)
{
	return in_interrupt() || irqs_disabled();
}

/*
 * The epoch disagreed with the rwsem: count it and keep faults off this mm
 * (and the stock path from refreshing its tree) until a section that began
 * cleanly has ended; that section's end clears the tree before lifting the
 * quarantine, so no record made while the epoch was wrong is ever used.
 * Called by the write owner from a probe, or by anyone from
 * rcuf_epoch_verify(); takes no lock.
 */
static void rcuf_epoch_desync(struct rcuf_mm *m)
{
	rcuf_stat_inc(RCUF_STAT_EPOCH_DESYNC);
	WRITE_ONCE(m->quarantined, true);
}

static bool rcuf_epoch_odd(struct rcuf_mm *m)
{
	return raw_read_seqcount(&m->write_seq) & 1;
}

/* Leave a downgraded section's bookkeeping (not its epoch). */
static void rcuf_epoch_undowngrade(struct rcuf_mm *m)
{
	if (!m->downgraded)
		return;
	m->downgraded = false;
	m->nested = 0;
	atomic_dec(&rcuf_downgraded);
}

/*
 * End current's section. It ends out of step if current did not begin it
 * or the epoch is even (its begin was missed): a desync. Only a section
 * that also began in step (@m->clean) lifts a quarantine.
 */
static void rcuf_epoch_end(struct rcuf_mm *m)
{
	bool in_step = m->writer == current && rcuf_epoch_odd(m);
	bool lift = in_step && m->clean && READ_ONCE(m->quarantined);

	rcuf_range_section_end(m, in_step);
	rcuf_epoch_undowngrade(m);
	m->clean = false;
	WRITE_ONCE(m->writer, NULL);
	if (!in_step)
		rcuf_epoch_desync(m);
	if (lift)
		rcuf_shadow_discard_all(m);	/* still odd: no fault reads it */
	if (!rcuf_epoch_odd(m)) {	/* its begin was missed: fail the */
		raw_write_seqcount_begin(&m->write_seq);	/* in-flight re-checks */
		smp_mb();		/* W2, and wait out the fills (W3) */
		rcuf_fill_writer_sync(m);
	}
	raw_write_seqcount_end(&m->write_seq);
	if (lift)
		WRITE_ONCE(m->quarantined, false);
}

/*
 * Move the epoch from @seq to the next section's: from even by one, from
 * odd by two in one store, so that it never reads even while the rwsem is
 * held; then wait out the PTE table publishers (src/pte_table.c: W1-W3),
 * and have current wait out the shmem fills in flight before it returns
 * to user space (src/fill_sync.c: W3, after the former's full barrier).
 */
static void rcuf_epoch_move(struct rcuf_mm *m, unsigned int seq)
{
	if (seq & 1) {
		WRITE_ONCE(m->write_seq.sequence, seq + 2);
		smp_wmb();	/* as raw_write_seqcount_begin() */
	} else {
		raw_write_seqcount_begin(&m->write_seq);
	}
	rcuf_pte_table_writer_sync(m);
	rcuf_fill_writer_sync(m);
}

/*
 * Begin a section: its range slot first (whole, or declared if it comes
 * from a call that declares and @clean: src/write_range.c), then the
 * epoch. From odd, an end was missed.
 */
static void rcuf_epoch_begin(struct rcuf_mm *m, bool clean)
{
	unsigned int seq = raw_read_seqcount(&m->write_seq);

	rcuf_range_prepare(m, (seq | 1) + (seq & 1) * 2, clean);
	rcuf_epoch_move(m, seq);
}

/**
 * rcuf_epoch_section_split() - current's section goes on as a new one
 * @m: the state; current write-owns its mm and began its section in step
 *
 * The new section's slot (the epoch two ahead) is ready: reset, and
 * declared if it declares (src/write_range.c, THE SPLIT). The epoch moves
 * on by two and the PTE table publishers are waited out, as at a begin.
 *
 * Context: an ftrace callback of the section's writer, before the new
 * section changes anything.
 */
void rcuf_epoch_section_split(struct rcuf_mm *m)
{
	rcuf_epoch_move(m, raw_read_seqcount(&m->write_seq));
}

/**
 * rcuf_epoch_write_acquired() - current took @mm's mmap_lock for write
 * @mm: the mm
 *
 * Context: the acquire_returned probe, after down_write*() succeeded.
 */
void rcuf_epoch_write_acquired(struct mm_struct *mm)
{
	struct rcuf_mm *m = rcuf_mm_find(mm);
	bool clean;

	rcuf_stat_inc(RCUF_STAT_WRITE_EPOCHS);
	if (!m) {
		/* pairs with rcuf_epoch_go_live(): everything is registered */
		if (smp_load_acquire(&rcuf_epoch_live)) {
			m = rcuf_mm_create_locked(mm);	/* odd, writer = current */
			if (m)
				m->clean = rcuf_mmap_write_owner(mm);
		}
		rcuf_range_section_whole(mm);
		return;
	}
	clean = !rcuf_epoch_odd(m) && !m->downgraded &&
		rcuf_mmap_write_owner(mm);
	rcuf_epoch_undowngrade(m);
	if (!clean)	/* quarantined before the epoch moves */
		rcuf_epoch_desync(m);
	rcuf_epoch_begin(m, clean);
	WRITE_ONCE(m->writer, current);
	m->clean = clean;
}

/**
 * rcuf_epoch_write_released() - current is about to write-unlock @mm
 * @mm: the mm
 *
 * Context: the released probe, before up_write().
 */
void rcuf_epoch_write_released(struct mm_struct *mm)
{
	struct rcuf_mm *m = rcuf_mm_find(mm);

	if (!m)
		return;
	if (m->downgraded)	/* a write unlock cannot follow a downgrade */
		m->clean = false;
	rcuf_epoch_end(m);
}

/*
 * mmap_write_downgrade() reports a read acquire while the rwsem is still
 * write-owned by current: the section goes on, read-held.
 */
static void rcuf_epoch_downgraded(struct mm_struct *mm)
{
	struct rcuf_mm *m = rcuf_mm_find(mm);

	rcuf_stat_inc(RCUF_STAT_DOWNGRADES);
	if (!m)
		return;		/* a section begun before go-live: untracked */
	if (m->downgraded || m->writer != current || !rcuf_epoch_odd(m)) {
		m->clean = false;	/* we missed this section's begin */
		rcuf_epoch_desync(m);
		rcuf_epoch_begin(m, false);
		WRITE_ONCE(m->writer, current);
	}
	if (!m->downgraded) {
		m->downgraded = true;
		m->nested = 0;
		atomic_inc(&rcuf_downgraded);
	}
}

/**
 * rcuf_epoch_read_acquired() - current took @mm's mmap_lock for read
 * @mm: the mm
 *
 * Either mmap_write_downgrade() (the rwsem is still write-owned by current)
 * or a plain read acquire, which counts as nested if current is inside its
 * own downgraded section of @mm.
 *
 * Context: the acquire_returned probe.
 */
void rcuf_epoch_read_acquired(struct mm_struct *mm)
{
	struct rcuf_mm *m;

	if (unlikely(rcuf_mmap_write_owner(mm))) {
		rcuf_epoch_downgraded(mm);
		return;
	}
	if (likely(!atomic_read(&rcuf_downgraded)) || rcuf_epoch_event_ignored())
		return;
	m = rcuf_mm_find(mm);
	if (m && m->downgraded && m->writer == current) {
		m->nested++;
		rcuf_stat_inc(RCUF_STAT_DOWNGRADE_NESTED_READS);
	}
}

/**
 * rcuf_epoch_read_released() - a task is about to read-unlock @mm
 * @mm: the mm
 *
 * Ends current's downgraded section of @mm at its outermost read release.
 *
 * Context: the released probe, before up_read().
 */
void rcuf_epoch_read_released(struct mm_struct *mm)
{
	struct rcuf_mm *m;

	if (likely(!atomic_read(&rcuf_downgraded)) || rcuf_epoch_event_ignored())
		return;
	m = rcuf_mm_find(mm);
	if (!m || !m->downgraded || m->writer != current)
		return;
	if (m->nested) {
		m->nested--;
		return;
	}
	rcuf_epoch_end(m);
}

/**
 * rcuf_epoch_verify() - check that an odd epoch is backed by a held rwsem
 * @m: a state (its mm is alive: the caller holds a reference on it or is
 *	its task)
 * @seq: an odd epoch just read from @m
 *
 * An odd epoch lies inside a time @m's rwsem is held (see the header). If
 * the epoch is @seq both before and after a read of the rwsem that shows
 * it free, then the rwsem was free at an instant the epoch was odd: a
 * desync. The reads are ordered by smp_rmb() against the writer's
 * seqcount barriers and the rwsem's acquire/release. A reader's transient
 * count bias only ever hides a desync, never invents one.
 *
 * Context: any; takes no lock.
 * Return: true if a desync was found (and repaired: see rcuf_epoch_desync()).
 */
bool rcuf_epoch_verify(struct rcuf_mm *m, unsigned int seq)
{
	long count;

	if (!(seq & 1))
		return false;
	smp_rmb();	/* the epoch before the count: see above */
	count = atomic_long_read(&m->mm->mmap_lock.count);
	smp_rmb();	/* the count before the epoch's re-read */
	if ((count & RCUF_RWSEM_LOCK_MASK) ||
	    raw_read_seqcount(&m->write_seq) != seq)
		return false;
	if (READ_ONCE(m->quarantined))
		return true;	/* already counted and repaired */
	rcuf_epoch_desync(m);
	return true;
}

static void rcuf_epoch_verify_one(struct rcuf_mm *m, void *arg)
{
	unsigned int seq = raw_read_seqcount(&m->write_seq);

	if (rcuf_epoch_verify(m, seq))
		(*(unsigned long *)arg)++;
}

/**
 * rcuf_epoch_verify_all() - rcuf_epoch_verify() every tracked mm at rest
 *
 * Context: process (debugfs `stats` and `check`).
 * Return: how many states were found out of step.
 */
unsigned long rcuf_epoch_verify_all(void)
{
	unsigned long found = 0;

	rcuf_mm_walk_alive(rcuf_epoch_verify_one, &found);
	return found;
}

/**
 * rcuf_epoch_forget() - a state is being freed
 * @m: the state, unhashed
 *
 * A state freed inside a downgraded section (only after a missed end) must
 * not keep read events on their slow path for good.
 */
void rcuf_epoch_forget(struct rcuf_mm *m)
{
	rcuf_epoch_undowngrade(m);
	rcuf_range_audit_drop(m);
}
