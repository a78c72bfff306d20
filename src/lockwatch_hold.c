// SPDX-License-Identifier: GPL-2.0
/*
 * The mmap_lock watch's hold table: per task, whether it holds some mm's
 * mmap_lock and how, how long it has waited for one, and what it does
 * while it holds one; and per mm, the last release that had waiters, for
 * the blame of the waits.
 *
 * Who touches a task's slot, and why no lock is needed:
 *  - the task itself, from the mmap_lock probes and the block, vmscan,
 *    compaction and sched_process_exit tracepoints it fires (current, task
 *    context, preemption off inside a tracepoint);
 *  - sched_switch, for prev (which is current) and for next (which is not
 *    running, so firing nothing; __schedule() orders its last writes on
 *    another CPU before this one through the runqueue lock and on_cpu).
 * A slot is claimed with cmpxchg() of its key, the task pointer, in a
 * dense key array (a lookup reads one cache line), and freed by its own
 * task with a release store; others only compare keys. A task that exits
 * still marked holding or waiting (a release filtered as interrupt-context,
 * see rcuf_lw_task_context()) is forgotten at sched_process_exit and
 * counted as stale, so a new task at the same address starts clean. The
 * report reads the slots racily (a count of active holds).
 * A per-CPU busy count keeps a probe from running inside another one: a
 * BPF program attached to a function a probe calls may take an mmap_lock
 * (bpf_find_vma()); such nested calls are skipped in pairs and counted.
 *
 * Times are local_clock() (sched_clock(), as ftrace's local clock): cheap
 * in every context; on x86 with a stable TSC consistent across CPUs to
 * well under the microseconds a wait or a hold takes. A difference that
 * comes out negative across CPUs counts as 0.
 *
 * What is timed: a hold from the outermost acquire of any mmap_lock to its
 * release (nested holds of other mms, as fork's dup_mmap() takes, and the
 * read section after mmap_write_downgrade() are inside it); a wait from
 * contention_begin, where the task queues on its own mm's mmap_lock (the
 * rwsem slow path, after optimistic spinning), to acquire_returned. An
 * acquire that never queued is not a wait: timing every acquire from
 * start_locking cost about a microsecond per lock cycle under TCG. A
 * wait's blame goes to the release of that mm that let it in: the last
 * release (or
 * downgrade) that had waiters, after the wait began. The release probe
 * runs before up_read()/up_write(), and the downgrade's acquire probe
 * before downgrade_write() (include/linux/mmap_lock.h), so the waiters
 * are still queued: rwsem_is_contended(). That release's site is its
 * hold's first I/O or reclaim stack, else, after a hold of at least
 * RCUF_LW_LONG_HOLD_NS, its own stack; waits let in by shorter clean
 * holds are counted together (short_ns): taking a stack inside every
 * contended release lengthened the holds enough to cost stock faults a
 * third of their speed under TCG.
 */
#include <linux/hash.h>
#include <linux/mm_types.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include "rcufault/lockwatch.h"
#include "rcufault/lockwatch_table.h"
#include "rcufault/write_epoch.h"

#define RCUF_LW_TASK_BITS	10
#define RCUF_LW_TASKS		(1 << RCUF_LW_TASK_BITS)
#define RCUF_LW_TASK_PROBES	8
#define RCUF_LW_RELEASE_BITS	8

enum rcuf_lw_mode { RCUF_LW_READ, RCUF_LW_WRITE, RCUF_LW_DOWNGRADED };

/* reclaim and compaction are timed from begin to end */
#define RCUF_LW_SPAN(ev)	((ev) - RCUF_LW_DIRECT_RECLAIM)
#define RCUF_LW_NR_SPANS	3

struct rcuf_lw_task {
	struct mm_struct *mm;
	u64 hold_start;
	u64 wait_start;
	u64 off_start;
	u64 span_start[RCUF_LW_NR_SPANS];
	u32 site;
	u32 off_site;
	u32 span_site[RCUF_LW_NR_SPANS];
	u32 warn_site;
	u8 depth;
	u8 mode;
	u8 off_event;
	bool io;
};

struct rcuf_lw_release {
	raw_spinlock_t lock;
	struct mm_struct *mm;
	u64 time;
	u32 site;
};

DEFINE_PER_CPU(struct rcuf_lw_totals, rcuf_lw_totals);
static DEFINE_PER_CPU(unsigned int, rcuf_lw_busy);

static struct task_struct **rcuf_lw_keys;
static struct rcuf_lw_task *rcuf_lw_tasks;
static struct rcuf_lw_release rcuf_lw_releases[1 << RCUF_LW_RELEASE_BITS];

/**
 * rcuf_lw_bucket() - the log2 histogram bucket of a time
 * @ns: nanoseconds
 *
 * Return: k with 2^k <= @ns < 2^(k+1) (0 for 0), at most RCUF_LW_BUCKETS - 1.
 */
unsigned int rcuf_lw_bucket(u64 ns)
{
	return ns ? min_t(unsigned int, ilog2(ns), RCUF_LW_BUCKETS - 1) : 0;
}

/* @now - @start, 0 if clocks of two CPUs make it negative */
static u64 rcuf_lw_since(u64 start, u64 now)
{
	return (s64)(now - start) > 0 ? now - start : 0;
}

/* Context: preemption off. False (counted) inside another watch probe. */
static bool rcuf_lw_enter(void)
{
	if (__this_cpu_inc_return(rcuf_lw_busy) == 1)
		return true;
	__this_cpu_dec(rcuf_lw_busy);
	this_cpu_inc(rcuf_lw_totals.recursion);
	return false;
}

static void rcuf_lw_leave(void)
{
	__this_cpu_dec(rcuf_lw_busy);
}

static struct rcuf_lw_task *rcuf_lw_task_find(struct task_struct *tsk)
{
	u32 h = hash_ptr(tsk, RCUF_LW_TASK_BITS);
	unsigned int i;

	for (i = 0; i < RCUF_LW_TASK_PROBES; i++) {
		u32 idx = (h + i) & (RCUF_LW_TASKS - 1);

		if (READ_ONCE(rcuf_lw_keys[idx]) == tsk)
			return &rcuf_lw_tasks[idx];
	}
	return NULL;
}

/* current's slot, claimed if it has none; NULL (counted) if all are taken */
static struct rcuf_lw_task *rcuf_lw_task_claim(void)
{
	u32 h = hash_ptr(current, RCUF_LW_TASK_BITS);
	struct rcuf_lw_task *t = rcuf_lw_task_find(current);
	unsigned int i;

	if (t)
		return t;
	for (i = 0; i < RCUF_LW_TASK_PROBES; i++) {
		u32 idx = (h + i) & (RCUF_LW_TASKS - 1);

		if (READ_ONCE(rcuf_lw_keys[idx]) || cmpxchg(&rcuf_lw_keys[idx], NULL, current))
			continue;
		t = &rcuf_lw_tasks[idx];
		t->depth = 0;
		t->wait_start = 0;
		t->off_start = 0;
		memset(t->span_start, 0, sizeof(t->span_start));
		return t;
	}
	this_cpu_inc(rcuf_lw_totals.tasks_dropped);
	return NULL;
}

static void rcuf_lw_task_free(struct rcuf_lw_task *t)
{
	/* our writes to the slot come before another task's claim of it */
	smp_store_release(&rcuf_lw_keys[t - rcuf_lw_tasks], NULL);
}

/* current is done with its slot if it neither holds nor waits */
static void rcuf_lw_task_put(struct rcuf_lw_task *t)
{
	if (!t->depth && !t->wait_start)
		rcuf_lw_task_free(t);
}

/*
 * The mmap_lock events the watch follows, as the write epoch does
 * (src/write_epoch.c): task context with interrupts on. The BPF helpers
 * that trylock current->mm from NMI or with interrupts off release it
 * from irq_work with any task as current; acquires and releases are
 * filtered alike, so such a pair is seen on neither side.
 */
static bool rcuf_lw_task_context(void)
{
	return in_task() && !irqs_disabled();
}

static struct rcuf_lw_release *rcuf_lw_release_of(struct mm_struct *mm)
{
	return &rcuf_lw_releases[hash_ptr(mm, RCUF_LW_RELEASE_BITS)];
}

/* A wait of @ns on @mm's lock that began at @start: blame who let it in. */
static void rcuf_lw_blame(struct mm_struct *mm, u64 start, u64 ns)
{
	struct rcuf_lw_release *r = rcuf_lw_release_of(mm);
	bool found = false;
	unsigned long flags;
	u32 site = 0;

	raw_spin_lock_irqsave(&r->lock, flags);
	if (r->mm == mm && r->time >= start) {
		found = true;
		site = r->site;
	}
	raw_spin_unlock_irqrestore(&r->lock, flags);
	if (!found) {
		this_cpu_add(rcuf_lw_totals.unattributed_ns, ns);
	} else if (site == RCUF_LW_NO_SITE) {
		this_cpu_add(rcuf_lw_totals.short_ns, ns);
	} else {
		this_cpu_add(rcuf_lw_totals.blamed_ns, ns);
		rcuf_lw_site_blame(site, ns);
	}
}

/*
 * @t's holder lets waiters for @mm in (a release or a downgrade; queued
 * waiters mean rwsem_is_contended()): note who, for rcuf_lw_blame().
 */
static void rcuf_lw_let_in(struct rcuf_lw_task *t, struct mm_struct *mm, u64 now)
{
	struct rcuf_lw_release *r;
	unsigned long flags;
	bool is_new;

	if (!rwsem_is_contended(&mm->mmap_lock))
		return;
	if (t->site == RCUF_LW_NO_SITE &&
	    rcuf_lw_since(t->hold_start, now) >= RCUF_LW_LONG_HOLD_NS)
		t->site = rcuf_lw_site_capture(RCUF_LW_NR_EVENTS, &is_new);
	r = rcuf_lw_release_of(mm);
	raw_spin_lock_irqsave(&r->lock, flags);
	r->mm = mm;
	r->time = now;
	r->site = t->site;
	raw_spin_unlock_irqrestore(&r->lock, flags);
}

/* The hold of @t ends with this release of @mm. */
static void rcuf_lw_hold_end(struct rcuf_lw_task *t, struct mm_struct *mm)
{
	u64 now = local_clock();
	bool write = t->mode != RCUF_LW_READ;

	this_cpu_inc(rcuf_lw_totals.holds);
	if (t->io)
		this_cpu_inc(rcuf_lw_totals.io_holds);
	this_cpu_inc(rcuf_lw_totals.hold_hist[write][t->io]
		     [rcuf_lw_bucket(rcuf_lw_since(t->hold_start, now))]);
	if (t->warn_site != RCUF_LW_NO_SITE)
		rcuf_lw_site_warn(t->warn_site, write);
	rcuf_lw_let_in(t, mm, now);
}

/**
 * rcuf_lw_contention_begin() - a task queues to wait for a lock
 * @lock: the lock; followed only if it is current's own mm's mmap_lock
 *
 * Context: the contention_begin probe, from every lock's slow path in
 * any context; the lock test comes first.
 */
void rcuf_lw_contention_begin(void *lock)
{
	struct mm_struct *mm = current->mm;
	struct rcuf_lw_task *t;

	if (!mm || lock != &mm->mmap_lock || !rcuf_lw_task_context() || !rcuf_lw_enter())
		return;
	t = rcuf_lw_task_claim();
	if (t)
		t->wait_start = local_clock() | 1;	/* never 0 */
	rcuf_lw_leave();
}

/* a wait ends: histogram it, and blame whoever let it in */
static void rcuf_lw_wait_end(struct rcuf_lw_task *t, struct mm_struct *mm,
			     bool write, bool success, u64 now)
{
	u64 ns = rcuf_lw_since(t->wait_start, now);

	if (!success) {
		this_cpu_inc(rcuf_lw_totals.failed_waits);
	} else {
		this_cpu_inc(rcuf_lw_totals.waits);
		this_cpu_inc(rcuf_lw_totals.wait_hist[write][rcuf_lw_bucket(ns)]);
		this_cpu_add(rcuf_lw_totals.wait_ns, ns);
		rcuf_lw_blame(mm, t->wait_start, ns);
	}
	t->wait_start = 0;
}

/*
 * An acquire while current holds some mmap_lock. A read acquire of an mm
 * current write-owns is mmap_write_downgrade() (its acquire_returned(read)
 * comes before downgrade_write(); a read acquire proper cannot succeed on
 * a write-owned rwsem): the hold goes on, and if it was @mm's outer write
 * hold, it is read-held from now. Anything else nests.
 */
static void rcuf_lw_hold_nest(struct rcuf_lw_task *t, struct mm_struct *mm,
			      bool write, u64 now)
{
	if (!write && rcuf_mmap_write_owner(mm)) {
		this_cpu_inc(rcuf_lw_totals.downgrades);
		if (t->mm == mm && t->mode == RCUF_LW_WRITE) {
			t->mode = RCUF_LW_DOWNGRADED;
			rcuf_lw_let_in(t, mm, now);
		}
		return;
	}
	if (t->depth < U8_MAX)
		t->depth++;
	this_cpu_inc(rcuf_lw_totals.nested);
}

static void rcuf_lw_hold_begin(struct rcuf_lw_task *t, struct mm_struct *mm,
			       bool write, u64 now)
{
	t->depth = 1;
	t->mm = mm;
	t->mode = write ? RCUF_LW_WRITE : RCUF_LW_READ;
	t->hold_start = now;
	t->io = false;
	t->site = RCUF_LW_NO_SITE;
	t->warn_site = RCUF_LW_NO_SITE;
	this_cpu_inc(rcuf_lw_totals.acquired[write]);
}

/**
 * rcuf_lw_lock_acquired() - current's acquire of @mm's mmap_lock returned
 * @mm: the mm
 * @write: for write
 * @success: the lock is held
 *
 * Context: the acquire_returned probe, while the watch is on.
 */
void rcuf_lw_lock_acquired(struct mm_struct *mm, bool write, bool success)
{
	struct rcuf_lw_task *t;
	u64 now;

	if (!rcuf_lw_task_context() || !rcuf_lw_enter())
		return;
	t = success ? rcuf_lw_task_claim() : rcuf_lw_task_find(current);
	if (!t)
		goto out;
	now = local_clock();
	if (t->wait_start)
		rcuf_lw_wait_end(t, mm, write, success, now);
	if (!success)
		rcuf_lw_task_put(t);
	else if (t->depth)
		rcuf_lw_hold_nest(t, mm, write, now);
	else
		rcuf_lw_hold_begin(t, mm, write, now);
out:
	rcuf_lw_leave();
}

/**
 * rcuf_lw_lock_released() - current is about to release @mm's mmap_lock
 * @mm: the mm
 * @write: a write release
 *
 * Context: the released probe, while the watch is on.
 */
void rcuf_lw_lock_released(struct mm_struct *mm, bool write)
{
	struct rcuf_lw_task *t;

	if (!rcuf_lw_task_context() || !rcuf_lw_enter())
		return;
	t = rcuf_lw_task_find(current);
	if (!t || !t->depth) {
		this_cpu_inc(rcuf_lw_totals.unmatched);
	} else if (!--t->depth) {
		rcuf_lw_hold_end(t, mm);
		rcuf_lw_task_put(t);
	}
	rcuf_lw_leave();
}

/**
 * rcuf_lw_task_exit() - current exits: forget a slot it should not have
 *
 * Context: the sched_process_exit probe (after exit_mm()).
 */
void rcuf_lw_task_exit(void)
{
	struct rcuf_lw_task *t;

	if (!rcuf_lw_enter())
		return;
	t = rcuf_lw_task_find(current);
	if (t) {
		this_cpu_inc(rcuf_lw_totals.stale);
		rcuf_lw_task_free(t);
	}
	rcuf_lw_leave();
}

/* @t's holder did @ev, with @site's stack: the hold has I/O or reclaim */
static void rcuf_lw_note(struct rcuf_lw_task *t, enum rcuf_lw_event ev,
			 u32 site, bool is_new, u64 amount)
{
	this_cpu_inc(rcuf_lw_totals.ev_count[ev]);
	this_cpu_add(rcuf_lw_totals.ev_amount[ev], amount);
	if (!RCUF_LW_IS_IO(ev))
		return;
	t->io = true;
	if (site == RCUF_LW_NO_SITE)
		return;
	rcuf_lw_site_add(site, ev, amount);
	if (t->site == RCUF_LW_NO_SITE)
		t->site = site;
	if (is_new && t->warn_site == RCUF_LW_NO_SITE && rcuf_lw_warn_on())
		t->warn_site = site;
}

/* current's slot if it holds an mmap_lock; on success, rcuf_lw_leave() */
static struct rcuf_lw_task *rcuf_lw_current_holder(void)
{
	struct rcuf_lw_task *t;

	if (!in_task() || !rcuf_lw_enter())
		return NULL;
	t = rcuf_lw_task_find(current);
	if (t && t->depth)
		return t;
	rcuf_lw_leave();
	return NULL;
}

/* sched_switch's prev, current, with a slot */
static void rcuf_lw_switch_out(struct rcuf_lw_task *t, bool preempt,
			       struct task_struct *prev, unsigned int prev_state)
{
	bool sleeps = !preempt && prev_state;
	bool is_new = false;

	if (!t->depth || t->off_start)
		return;
	t->off_event = !sleeps ? RCUF_LW_PREEMPT :
		prev->in_iowait ? RCUF_LW_IOWAIT : RCUF_LW_SLEEP;
	t->off_site = RCUF_LW_NO_SITE;
	if (t->off_event == RCUF_LW_IOWAIT)
		t->off_site = rcuf_lw_site_capture(RCUF_LW_IOWAIT, &is_new);
	if (is_new && rcuf_lw_warn_on() && t->warn_site == RCUF_LW_NO_SITE)
		t->warn_site = t->off_site;
	t->off_start = local_clock() | 1;	/* never 0 */
}

/**
 * rcuf_lw_switch() - sched_switch: time holders off CPU
 * @preempt: @prev was preempted
 * @prev: the task leaving the CPU (current)
 * @next: the task taking it
 * @prev_state: @prev's state (0: still runnable)
 *
 * Context: __schedule(), interrupts off, the runqueue locked: takes no
 * lock and prints nothing.
 */
void rcuf_lw_switch(bool preempt, struct task_struct *prev,
		    struct task_struct *next, unsigned int prev_state)
{
	struct rcuf_lw_task *t;

	if (!rcuf_lw_enter())
		return;
	t = rcuf_lw_task_find(prev);
	if (t)
		rcuf_lw_switch_out(t, preempt, prev, prev_state);
	t = rcuf_lw_task_find(next);
	if (t && t->off_start) {
		rcuf_lw_note(t, t->off_event, t->off_site, false,
			     rcuf_lw_since(t->off_start, local_clock()));
		t->off_start = 0;
	}
	rcuf_lw_leave();
}

/**
 * rcuf_lw_current_event() - current did @ev; counted if it holds a lock
 * @ev: RCUF_LW_BIO or RCUF_LW_KSWAPD_WAKE
 * @amount: bytes for a bio, else 0
 *
 * Context: a tracepoint.
 */
void rcuf_lw_current_event(enum rcuf_lw_event ev, u64 amount)
{
	struct rcuf_lw_task *t = rcuf_lw_current_holder();
	u32 site = RCUF_LW_NO_SITE;
	bool is_new = false;

	if (!t)
		return;
	if (RCUF_LW_IS_IO(ev))
		site = rcuf_lw_site_capture(ev, &is_new);
	rcuf_lw_note(t, ev, site, is_new, amount);
	rcuf_lw_leave();
}

/**
 * rcuf_lw_current_begin() - current begins reclaim or compaction
 * @ev: RCUF_LW_DIRECT_RECLAIM, RCUF_LW_MEMCG_RECLAIM or RCUF_LW_COMPACTION
 *
 * Context: a tracepoint.
 */
void rcuf_lw_current_begin(enum rcuf_lw_event ev)
{
	struct rcuf_lw_task *t = rcuf_lw_current_holder();
	bool is_new = false;
	u32 site;

	if (!t)
		return;
	site = rcuf_lw_site_capture(ev, &is_new);
	t->span_site[RCUF_LW_SPAN(ev)] = site;
	t->span_start[RCUF_LW_SPAN(ev)] = local_clock() | 1;
	if (is_new && rcuf_lw_warn_on() && t->warn_site == RCUF_LW_NO_SITE)
		t->warn_site = site;
	rcuf_lw_leave();
}

/**
 * rcuf_lw_current_end() - current ends what rcuf_lw_current_begin() began
 * @ev: as there
 *
 * Context: a tracepoint.
 */
void rcuf_lw_current_end(enum rcuf_lw_event ev)
{
	struct rcuf_lw_task *t = rcuf_lw_current_holder();
	u64 start;

	if (!t)
		return;
	start = t->span_start[RCUF_LW_SPAN(ev)];
	if (start) {
		t->span_start[RCUF_LW_SPAN(ev)] = 0;
		rcuf_lw_note(t, ev, t->span_site[RCUF_LW_SPAN(ev)], false,
			     rcuf_lw_since(start, local_clock()));
	}
	rcuf_lw_leave();
}

/**
 * rcuf_lw_holds_active() - holds in progress now (racy)
 *
 * Return: the number of slots whose task holds an mmap_lock.
 */
unsigned int rcuf_lw_holds_active(void)
{
	unsigned int i, n = 0;

	for (i = 0; rcuf_lw_keys && i < RCUF_LW_TASKS; i++)
		n += READ_ONCE(rcuf_lw_keys[i]) && READ_ONCE(rcuf_lw_tasks[i].depth);
	return n;
}

/**
 * rcuf_lw_holds_alloc() - allocate the hold table, once
 *
 * Context: process, the watch's mutex held.
 * Return: 0 or -ENOMEM.
 */
int rcuf_lw_holds_alloc(void)
{
	unsigned int i;

	if (rcuf_lw_tasks)
		return 0;
	rcuf_lw_keys = vzalloc(sizeof(*rcuf_lw_keys) * RCUF_LW_TASKS);
	rcuf_lw_tasks = vzalloc(sizeof(*rcuf_lw_tasks) * RCUF_LW_TASKS);
	if (!rcuf_lw_keys || !rcuf_lw_tasks) {
		rcuf_lw_holds_free();
		return -ENOMEM;
	}
	for (i = 0; i < ARRAY_SIZE(rcuf_lw_releases); i++)
		raw_spin_lock_init(&rcuf_lw_releases[i].lock);
	return 0;
}

/**
 * rcuf_lw_holds_clear() - forget every hold, wait and release in progress
 *
 * Context: process, the watch's mutex held, no watch probe running.
 */
void rcuf_lw_holds_clear(void)
{
	unsigned int i;

	if (rcuf_lw_keys)
		memset(rcuf_lw_keys, 0, sizeof(*rcuf_lw_keys) * RCUF_LW_TASKS);
	for (i = 0; i < ARRAY_SIZE(rcuf_lw_releases); i++) {
		rcuf_lw_releases[i].mm = NULL;
		rcuf_lw_releases[i].time = 0;
	}
}

/**
 * rcuf_lw_totals_clear() - zero the totals and histograms
 *
 * Context: process, the watch's mutex held, no watch probe running.
 */
void rcuf_lw_totals_clear(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(&rcuf_lw_totals, cpu), 0, sizeof(struct rcuf_lw_totals));
}

/**
 * rcuf_lw_holds_free() - free the hold table
 *
 * Context: process, no watch probe running.
 */
void rcuf_lw_holds_free(void)
{
	vfree(rcuf_lw_keys);
	vfree(rcuf_lw_tasks);
	rcuf_lw_keys = NULL;
	rcuf_lw_tasks = NULL;
}
