// SPDX-License-Identifier: GPL-2.0
/*
 * The mmap_lock watch's hold table: per task, whether it holds some mm's
 * mmap_lock and how, how long it has waited for one, and what it does
 * while it holds one; and per mm, the last release that had waiters, for
 * the blame of the waits.
 *
 * Who touches a task's slot, and why no lock is needed:
 *  - the task itself, from the mmap_lock probes and the block, vmscan and
 *    compaction tracepoints it fires (current, task context, preemption
 *    off inside a tracepoint);
 *  - sched_switch, for prev (which is current) and for next (which is not
 *    running, so not firing anything).
 * A slot is claimed with cmpxchg() of its task pointer and freed by its
 * own task with a release store; lookups by other tasks only compare the
 * pointer. The report reads the slots racily (a count of active holds).
 *
 * Times are local_clock() (sched_clock(), as ftrace's local clock): cheap
 * in every context, and on x86 with a stable TSC consistent across CPUs
 * to well under the microseconds a wait or a hold takes.
 *
 * What is timed: a hold from the outermost acquire of any mmap_lock to its
 * release (nested holds of other mms, as fork's dup_mmap() takes, and the
 * read section after mmap_write_downgrade() are inside it); a wait from
 * start_locking to acquire_returned. A wait "slept" if the task left the
 * CPU in a sleep meanwhile. Its blame goes to the release of that mm that
 * let it in: the last release that had waiters, after the wait began (the
 * release probe runs before up_read()/up_write(), so the waiters are
 * still queued: rwsem_is_contended()). That release's site is its hold's
 * first I/O or reclaim stack, or else its own stack.
 */
#include <linux/hash.h>
#include <linux/mm_types.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/sched/clock.h>
#include <linux/vmalloc.h>
#include "rcufault/lockwatch.h"
#include "rcufault/lockwatch_table.h"

#define RCUF_LW_TASK_BITS	10
#define RCUF_LW_TASK_PROBES	8
#define RCUF_LW_RELEASE_BITS	8

enum rcuf_lw_mode { RCUF_LW_READ, RCUF_LW_WRITE, RCUF_LW_DOWNGRADED };

/* reclaim and compaction are timed from begin to end */
#define RCUF_LW_SPAN(ev)	((ev) - RCUF_LW_DIRECT_RECLAIM)
#define RCUF_LW_NR_SPANS	3

struct rcuf_lw_task {
	struct task_struct *task;
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
	bool wait_slept;
};

struct rcuf_lw_release {
	raw_spinlock_t lock;
	struct mm_struct *mm;
	u64 time;
	u32 site;
};

DEFINE_PER_CPU(struct rcuf_lw_totals, rcuf_lw_totals);

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

static struct rcuf_lw_task *rcuf_lw_task_find(struct task_struct *tsk)
{
	u32 h = hash_ptr(tsk, RCUF_LW_TASK_BITS);
	unsigned int i;

	for (i = 0; i < RCUF_LW_TASK_PROBES; i++) {
		struct rcuf_lw_task *t = &rcuf_lw_tasks[(h + i) & ((1 << RCUF_LW_TASK_BITS) - 1)];

		if (READ_ONCE(t->task) == tsk)
			return t;
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
		t = &rcuf_lw_tasks[(h + i) & ((1 << RCUF_LW_TASK_BITS) - 1)];
		if (!READ_ONCE(t->task) && !cmpxchg(&t->task, NULL, current)) {
			t->depth = 0;
			t->wait_start = 0;
			t->off_start = 0;
			memset(t->span_start, 0, sizeof(t->span_start));
			return t;
		}
	}
	this_cpu_inc(rcuf_lw_totals.tasks_dropped);
	return NULL;
}

/* current is done with its slot: neither holding nor waiting */
static void rcuf_lw_task_put(struct rcuf_lw_task *t)
{
	if (!t->depth && !t->wait_start)	/* our writes before a new claim */
		smp_store_release(&t->task, NULL);
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
	u32 site = RCUF_LW_NO_SITE;
	unsigned long flags;

	raw_spin_lock_irqsave(&r->lock, flags);
	if (r->mm == mm && r->time >= start)
		site = r->site;
	raw_spin_unlock_irqrestore(&r->lock, flags);
	if (site == RCUF_LW_NO_SITE) {
		this_cpu_add(rcuf_lw_totals.unattributed_ns, ns);
		return;
	}
	this_cpu_add(rcuf_lw_totals.blamed_ns, ns);
	rcuf_lw_site_blame(site, ns);
}

/* The hold of @t ends with this release of @mm, which may have waiters. */
static void rcuf_lw_hold_end(struct rcuf_lw_task *t, struct mm_struct *mm)
{
	u64 now = local_clock();
	bool write = t->mode != RCUF_LW_READ;
	struct rcuf_lw_release *r;
	unsigned long flags;
	bool is_new;

	this_cpu_inc(rcuf_lw_totals.holds);
	if (t->io)
		this_cpu_inc(rcuf_lw_totals.io_holds);
	this_cpu_inc(rcuf_lw_totals.hold_hist[write][t->io][rcuf_lw_bucket(now - t->hold_start)]);
	if (t->warn_site != RCUF_LW_NO_SITE)
		rcuf_lw_site_warn(t->warn_site, write);
	if (!rwsem_is_contended(&mm->mmap_lock))
		return;
	if (t->site == RCUF_LW_NO_SITE)
		t->site = rcuf_lw_site_capture(RCUF_LW_NR_EVENTS, &is_new);
	r = rcuf_lw_release_of(mm);
	raw_spin_lock_irqsave(&r->lock, flags);
	r->mm = mm;
	r->time = now;
	r->site = t->site;
	raw_spin_unlock_irqrestore(&r->lock, flags);
}

/**
 * rcuf_lw_lock_start() - current starts to acquire @mm's mmap_lock
 * @mm: the mm
 * @write: for write
 *
 * Context: the start_locking probe, while the watch is on; task context.
 */
void rcuf_lw_lock_start(struct mm_struct *mm, bool write)
{
	struct rcuf_lw_task *t;

	if (!rcuf_lw_task_context())
		return;
	t = rcuf_lw_task_claim();
	if (!t)
		return;
	t->wait_start = local_clock();
	t->wait_slept = false;
}

/* a timed wait ends: histogram it, and if the task slept, blame someone */
static void rcuf_lw_wait_end(struct rcuf_lw_task *t, struct mm_struct *mm,
			     bool write, bool success, u64 now)
{
	u64 ns = now - t->wait_start;

	if (success) {
		this_cpu_inc(rcuf_lw_totals.timed);
		this_cpu_inc(rcuf_lw_totals.wait_hist[write][rcuf_lw_bucket(ns)]);
		if (t->wait_slept) {
			this_cpu_inc(rcuf_lw_totals.waits);
			this_cpu_add(rcuf_lw_totals.wait_ns, ns);
			rcuf_lw_blame(mm, t->wait_start, ns);
		}
	}
	t->wait_start = 0;
}

/*
 * A read acquire of the mm current write-holds is mmap_write_downgrade()
 * (a read trylock of it there fails): the hold goes on.
 */
static void rcuf_lw_hold_nest(struct rcuf_lw_task *t, struct mm_struct *mm, bool write)
{
	if (!write && t->mm == mm && t->mode == RCUF_LW_WRITE) {
		t->mode = RCUF_LW_DOWNGRADED;
		this_cpu_inc(rcuf_lw_totals.downgrades);
		return;
	}
	if (t->depth < U8_MAX)
		t->depth++;
	this_cpu_inc(rcuf_lw_totals.nested);
}

/**
 * rcuf_lw_lock_acquired() - current's acquire of @mm's mmap_lock returned
 * @mm: the mm
 * @write: for write
 * @success: the lock is held
 *
 * Context: the acquire_returned probe, while the watch is on; task
 * context with interrupts on (src/lockwatch.c filters the rest).
 */
void rcuf_lw_lock_acquired(struct mm_struct *mm, bool write, bool success)
{
	struct rcuf_lw_task *t;
	u64 now;

	if (!rcuf_lw_task_context())
		return;
	t = success ? rcuf_lw_task_claim() : rcuf_lw_task_find(current);
	if (!t)
		return;
	now = local_clock();
	if (t->wait_start)
		rcuf_lw_wait_end(t, mm, write, success, now);
	if (!success) {
		rcuf_lw_task_put(t);
		return;
	}
	if (t->depth) {
		rcuf_lw_hold_nest(t, mm, write);
		return;
	}
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
 * rcuf_lw_lock_released() - current is about to release @mm's mmap_lock
 * @mm: the mm
 * @write: a write release
 *
 * Context: the released probe, while the watch is on; task context.
 */
void rcuf_lw_lock_released(struct mm_struct *mm, bool write)
{
	struct rcuf_lw_task *t;

	if (!rcuf_lw_task_context())
		return;
	t = rcuf_lw_task_find(current);
	if (!t || !t->depth) {
		this_cpu_inc(rcuf_lw_totals.unmatched);
		return;
	}
	if (--t->depth)
		return;
	rcuf_lw_hold_end(t, mm);
	rcuf_lw_task_put(t);
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

/* current's slot if it holds an mmap_lock */
static struct rcuf_lw_task *rcuf_lw_current_holder(void)
{
	struct rcuf_lw_task *t = in_task() ? rcuf_lw_task_find(current) : NULL;

	return t && t->depth ? t : NULL;
}

/**
 * rcuf_lw_switch() - sched_switch: time holders and waiters off CPU
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
	struct rcuf_lw_task *t = rcuf_lw_task_find(prev);
	bool sleeps = !preempt && prev_state;
	bool is_new = false;

	if (t) {
		if (t->wait_start && sleeps)
			t->wait_slept = true;
		if (t->depth && !t->off_start) {
			t->off_event = !sleeps ? RCUF_LW_PREEMPT :
				prev->in_iowait ? RCUF_LW_IOWAIT : RCUF_LW_SLEEP;
			t->off_site = t->off_event == RCUF_LW_IOWAIT ?
				rcuf_lw_site_capture(RCUF_LW_IOWAIT, &is_new) : RCUF_LW_NO_SITE;
			if (is_new && rcuf_lw_warn_on() && t->warn_site == RCUF_LW_NO_SITE)
				t->warn_site = t->off_site;
			t->off_start = local_clock() | 1;	/* never 0 */
		}
	}
	t = rcuf_lw_task_find(next);
	if (t && t->off_start) {
		rcuf_lw_note(t, t->off_event, t->off_site, false,
			     local_clock() - t->off_start);
		t->off_start = 0;
	}
}

/**
 * rcuf_lw_current_event() - current did @ev; counted if it holds a lock
 * @ev: RCUF_LW_BIO or RCUF_LW_KSWAPD_WAKE
 * @amount: bytes for a bio, else 0
 *
 * Context: a tracepoint in task context.
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
}

/**
 * rcuf_lw_current_begin() - current begins reclaim or compaction
 * @ev: RCUF_LW_DIRECT_RECLAIM, RCUF_LW_MEMCG_RECLAIM or RCUF_LW_COMPACTION
 *
 * Context: a tracepoint in task context.
 */
void rcuf_lw_current_begin(enum rcuf_lw_event ev)
{
	struct rcuf_lw_task *t = rcuf_lw_current_holder();
	bool is_new = false;

	if (!t)
		return;
	t->span_site[RCUF_LW_SPAN(ev)] = rcuf_lw_site_capture(ev, &is_new);
	t->span_start[RCUF_LW_SPAN(ev)] = local_clock() | 1;
	if (is_new && rcuf_lw_warn_on() && t->warn_site == RCUF_LW_NO_SITE)
		t->warn_site = t->span_site[RCUF_LW_SPAN(ev)];
}

/**
 * rcuf_lw_current_end() - current ends what rcuf_lw_current_begin() began
 * @ev: as there
 *
 * Context: a tracepoint in task context.
 */
void rcuf_lw_current_end(enum rcuf_lw_event ev)
{
	struct rcuf_lw_task *t = rcuf_lw_current_holder();
	u64 start;

	if (!t || !t->span_start[RCUF_LW_SPAN(ev)])
		return;
	start = t->span_start[RCUF_LW_SPAN(ev)];
	t->span_start[RCUF_LW_SPAN(ev)] = 0;
	rcuf_lw_note(t, ev, t->span_site[RCUF_LW_SPAN(ev)], false,
		     local_clock() - start);
}

/**
 * rcuf_lw_holds_active() - holds in progress now (racy)
 *
 * Return: the number of slots whose task holds an mmap_lock.
 */
unsigned int rcuf_lw_holds_active(void)
{
	unsigned int i, n = 0;

	for (i = 0; rcuf_lw_tasks && i < (1 << RCUF_LW_TASK_BITS); i++)
		n += READ_ONCE(rcuf_lw_tasks[i].task) && READ_ONCE(rcuf_lw_tasks[i].depth);
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
	rcuf_lw_tasks = vzalloc(sizeof(*rcuf_lw_tasks) << RCUF_LW_TASK_BITS);
	if (!rcuf_lw_tasks)
		return -ENOMEM;
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

	if (rcuf_lw_tasks)
		memset(rcuf_lw_tasks, 0, sizeof(*rcuf_lw_tasks) << RCUF_LW_TASK_BITS);
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
 * Context: process, module exit, no watch probe running.
 */
void rcuf_lw_holds_free(void)
{
	vfree(rcuf_lw_tasks);
	rcuf_lw_tasks = NULL;
}
