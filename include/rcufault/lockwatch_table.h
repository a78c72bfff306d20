/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mmap_lock watch's tables, shared by src/lockwatch*.c: the events it
 * sees while a lock is held, its per-CPU totals and histograms, the
 * per-task hold table and the table of kernel stacks ("sites").
 */
#ifndef _RCUFAULT_LOCKWATCH_TABLE_H
#define _RCUFAULT_LOCKWATCH_TABLE_H

#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/time64.h>
#include <linux/types.h>

struct mm_struct;
struct task_struct;

/**
 * enum rcuf_lw_event - what a holder of an mmap_lock did meanwhile
 * @RCUF_LW_BIO: submitted block I/O (block_bio_queue); amount in bytes
 * @RCUF_LW_IOWAIT: was off CPU in I/O wait (sched_switch, in_iowait); ns
 * @RCUF_LW_DIRECT_RECLAIM: ran direct reclaim; ns
 * @RCUF_LW_MEMCG_RECLAIM: ran memcg reclaim (a charge over the limit); ns
 * @RCUF_LW_COMPACTION: ran compaction; ns
 * @RCUF_LW_SLEEP: was off CPU in any other sleep; ns
 * @RCUF_LW_PREEMPT: was preempted; ns
 * @RCUF_LW_KSWAPD_WAKE: an allocation left the fast path and woke kswapd
 *	(only seen when kswapd slept); count only
 * @RCUF_LW_NR_EVENTS: the number of events
 *
 * The events before RCUF_LW_SLEEP are "I/O or reclaim": a hold with one
 * inside is counted apart, and its stack is recorded.
 */
enum rcuf_lw_event {
	RCUF_LW_BIO,
	RCUF_LW_IOWAIT,
	RCUF_LW_DIRECT_RECLAIM,
	RCUF_LW_MEMCG_RECLAIM,
	RCUF_LW_COMPACTION,
	RCUF_LW_SLEEP,
	RCUF_LW_PREEMPT,
	RCUF_LW_KSWAPD_WAKE,
	RCUF_LW_NR_EVENTS,
};

#define RCUF_LW_IS_IO(ev)	((ev) < RCUF_LW_SLEEP)
/* log2 buckets of nanoseconds: bucket k holds [2^k, 2^(k+1)), the last more */
#define RCUF_LW_BUCKETS		40
#define RCUF_LW_NO_SITE		U32_MAX
/* a contended release takes its stack only after a hold this long */
#define RCUF_LW_LONG_HOLD_NS	(100 * NSEC_PER_USEC)

/**
 * struct rcuf_lw_totals - one CPU's share of the watch's totals
 * @acquired: outermost acquisitions, [0] read, [1] write
 * @nested: acquisitions while the task already held some mmap_lock
 * @downgrades: write sections downgraded to read
 * @holds: completed outermost holds
 * @io_holds: those with I/O or reclaim inside
 * @unmatched: releases of holds that began before the watch saw them
 * @tasks_dropped: acquires not followed: the hold table was full
 * @stale: tasks that exited still marked holding or waiting (forgotten)
 * @recursion: probe calls skipped: a probe of the watch was running on
 *	this CPU (a BPF program on a function it calls took an mmap_lock)
 * @waits: acquires that queued to wait (contention_begin on current->mm's)
 * @failed_waits: killable ones that queued, then failed
 * @wait_ns: the time @waits took
 * @blamed_ns: the part of @wait_ns blamed on a holder's stack
 * @short_ns: the part blamed on holds shorter than RCUF_LW_LONG_HOLD_NS
 *	with no I/O or reclaim (no stack is taken for those)
 * @unattributed_ns: the rest
 * @ev_count: events seen while held
 * @ev_amount: their bytes (bio) or nanoseconds
 * @hold_hist: hold times, [write][with I/O or reclaim][log2 ns]
 * @wait_hist: the times of @waits, [write][log2 ns]
 */
struct rcuf_lw_totals {
	u64 acquired[2];
	u64 nested;
	u64 downgrades;
	u64 holds;
	u64 io_holds;
	u64 unmatched;
	u64 tasks_dropped;
	u64 stale;
	u64 recursion;
	u64 waits;
	u64 failed_waits;
	u64 wait_ns;
	u64 blamed_ns;
	u64 short_ns;
	u64 unattributed_ns;
	u64 ev_count[RCUF_LW_NR_EVENTS];
	u64 ev_amount[RCUF_LW_NR_EVENTS];
	u64 hold_hist[2][2][RCUF_LW_BUCKETS];
	u64 wait_hist[2][RCUF_LW_BUCKETS];
};

DECLARE_PER_CPU(struct rcuf_lw_totals, rcuf_lw_totals);

unsigned int rcuf_lw_bucket(u64 ns);

/* the hold table: src/lockwatch_hold.c */
int rcuf_lw_holds_alloc(void);
void rcuf_lw_holds_clear(void);
void rcuf_lw_totals_clear(void);
void rcuf_lw_holds_free(void);
unsigned int rcuf_lw_holds_active(void);
void rcuf_lw_switch(bool preempt, struct task_struct *prev,
		    struct task_struct *next, unsigned int prev_state);
void rcuf_lw_current_event(enum rcuf_lw_event ev, u64 amount);
void rcuf_lw_current_begin(enum rcuf_lw_event ev);
void rcuf_lw_current_end(enum rcuf_lw_event ev);
void rcuf_lw_task_exit(void);
void rcuf_lw_contention_begin(void *lock);

/* the site table: src/lockwatch_sites.c */
int rcuf_lw_sites_alloc(void);
void rcuf_lw_sites_clear(void);
void rcuf_lw_sites_free(void);
u32 rcuf_lw_site_capture(enum rcuf_lw_event ev, bool *is_new);
void rcuf_lw_site_add(u32 site, enum rcuf_lw_event ev, u64 amount);
void rcuf_lw_site_blame(u32 site, u64 wait_ns);
void rcuf_lw_site_warn(u32 site, bool write);
void rcuf_lw_sites_show(struct seq_file *m);
const char *rcuf_lw_event_name(enum rcuf_lw_event ev);

/* the switch: src/lockwatch.c */
bool rcuf_lw_warn_on(void);
void rcuf_lw_probes_show(struct seq_file *m);

/* the totals' part of watch_report: src/lockwatch_report.c */
void rcuf_lw_totals_show(struct seq_file *m);

#endif /* _RCUFAULT_LOCKWATCH_TABLE_H */
