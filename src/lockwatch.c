// SPDX-License-Identifier: GPL-2.0
/*
 * The mmap_lock watch's switch (debugfs watch: 0 off, 1 on, 2 on and warn)
 * and its probes on core tracepoints.
 *
 * The core tracepoints are found by name (for_each_kernel_tracepoint()):
 * 6.1 exports none of them to modules. What each one shows of a holder
 * of an mmap_lock (the task is always current, or sched_switch's prev
 * and next):
 *   contention_begin             a task queues to wait for its own mm's
 *                                mmap_lock (rwsem slow path, after any
 *                                optimistic spinning): the wait's start
 *   sched_switch                 off CPU: I/O wait (in_iowait), any other
 *                                sleep, preemption
 *   block_bio_queue              block I/O submitted (submit_bio_noacct())
 *   mm_vmscan_direct_reclaim_*   direct reclaim (page allocator slow path)
 *   mm_vmscan_memcg_reclaim_*    memcg reclaim (a charge over memory.high
 *                                or memory.max)
 *   mm_compaction_begin/end      compaction (compact_zone())
 *   mm_vmscan_wakeup_kswapd      an allocation that left the fast path, but
 *                                only when kswapd was asleep
 *   sched_process_exit           (a task's slot is forgotten)
 * Not seen: waits for another process's mmap_lock (GUP of a remote mm:
 * contention_begin names only the rwsem), the page allocator's slow path as such (6.1 has no tracepoint
 * in __alloc_pages_slowpath(), which is inlined), I/O that is not block
 * I/O (NFS, FUSE: seen only as their sleeps), and waits on an I/O started
 * by someone else while the holder spins rather than sleeps.
 *
 * A stack's first frame is the tracepoint's iterator (__traceiter_*) when
 * another tracer shares the tracepoint, else the function that fired it.
 * A tracepoint a kernel lacks (one built without compaction or memcg) is
 * skipped and named in watch_report.
 */
#include <linux/bio.h>
#include <linux/jump_label.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include "rcufault/lockwatch.h"
#include "rcufault/lockwatch_table.h"

struct compact_control;

DEFINE_STATIC_KEY_FALSE(rcuf_lw_on);
static DEFINE_MUTEX(rcuf_lw_mutex);
static unsigned int rcuf_lw_level;

static void rcuf_lw_probe_switch(void *data, bool preempt, struct task_struct *prev,
				 struct task_struct *next, unsigned int prev_state)
{
	rcuf_lw_switch(preempt, prev, next, prev_state);
}

/* A bio a stacking driver (dm, md) submits from its own is not counted again. */
static void rcuf_lw_probe_bio(void *data, struct bio *bio)
{
	if (!current->bio_list)
		rcuf_lw_current_event(RCUF_LW_BIO, bio->bi_iter.bi_size);
}

static void rcuf_lw_probe_direct_begin(void *data, int order, gfp_t gfp_flags)
{
	rcuf_lw_current_begin(RCUF_LW_DIRECT_RECLAIM);
}

static void rcuf_lw_probe_direct_end(void *data, unsigned long nr_reclaimed)
{
	rcuf_lw_current_end(RCUF_LW_DIRECT_RECLAIM);
}

static void rcuf_lw_probe_memcg_begin(void *data, int order, gfp_t gfp_flags)
{
	rcuf_lw_current_begin(RCUF_LW_MEMCG_RECLAIM);
}

static void rcuf_lw_probe_memcg_end(void *data, unsigned long nr_reclaimed)
{
	rcuf_lw_current_end(RCUF_LW_MEMCG_RECLAIM);
}

static void rcuf_lw_probe_compact_begin(void *data, struct compact_control *cc,
					unsigned long zone_start,
					unsigned long zone_end, bool sync)
{
	rcuf_lw_current_begin(RCUF_LW_COMPACTION);
}

static void rcuf_lw_probe_compact_end(void *data, struct compact_control *cc,
				      unsigned long zone_start,
				      unsigned long zone_end, bool sync,
				      int status)
{
	rcuf_lw_current_end(RCUF_LW_COMPACTION);
}

/* gfp_flags 0: rmqueue()'s boosted-watermark wake-up, from the fast path */
static void rcuf_lw_probe_kswapd(void *data, int nid, int zid, int order,
				 gfp_t gfp_flags)
{
	if (gfp_flags)
		rcuf_lw_current_event(RCUF_LW_KSWAPD_WAKE, 0);
}

static void rcuf_lw_probe_contention(void *data, void *lock, unsigned int flags)
{
	rcuf_lw_contention_begin(lock);
}

static void rcuf_lw_probe_exit(void *data, struct task_struct *p)
{
	rcuf_lw_task_exit();
}

struct rcuf_lw_tp {
	const char *name;
	void *probe;
	struct tracepoint *tp;
	bool registered;
};

static struct rcuf_lw_tp rcuf_lw_tps[] = {
	{ "contention_begin", rcuf_lw_probe_contention },
	{ "sched_switch", rcuf_lw_probe_switch },
	{ "block_bio_queue", rcuf_lw_probe_bio },
	{ "mm_vmscan_direct_reclaim_begin", rcuf_lw_probe_direct_begin },
	{ "mm_vmscan_direct_reclaim_end", rcuf_lw_probe_direct_end },
	{ "mm_vmscan_memcg_reclaim_begin", rcuf_lw_probe_memcg_begin },
	{ "mm_vmscan_memcg_reclaim_end", rcuf_lw_probe_memcg_end },
	{ "mm_compaction_begin", rcuf_lw_probe_compact_begin },
	{ "mm_compaction_end", rcuf_lw_probe_compact_end },
	{ "mm_vmscan_wakeup_kswapd", rcuf_lw_probe_kswapd },
	{ "sched_process_exit", rcuf_lw_probe_exit },
};

static void rcuf_lw_tp_match(struct tracepoint *tp, void *unused)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rcuf_lw_tps); i++)
		if (!strcmp(tp->name, rcuf_lw_tps[i].name))
			rcuf_lw_tps[i].tp = tp;
}

static void rcuf_lw_probes_unregister(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rcuf_lw_tps); i++) {
		if (!rcuf_lw_tps[i].registered)
			continue;
		tracepoint_probe_unregister(rcuf_lw_tps[i].tp, rcuf_lw_tps[i].probe, NULL);
		rcuf_lw_tps[i].registered = false;
	}
}

static int rcuf_lw_probes_register(void)
{
	unsigned int i;
	int ret;

	for_each_kernel_tracepoint(rcuf_lw_tp_match, NULL);
	for (i = 0; i < ARRAY_SIZE(rcuf_lw_tps); i++) {
		if (!rcuf_lw_tps[i].tp)
			continue;
		ret = tracepoint_probe_register(rcuf_lw_tps[i].tp, rcuf_lw_tps[i].probe, NULL);
		if (ret) {
			rcuf_lw_probes_unregister();
			tracepoint_synchronize_unregister();
			goto err;
		}
		rcuf_lw_tps[i].registered = true;
	}
	return 0;
err:
	pr_err("watch: cannot register its tracepoint probes (%d)\n", ret);
	return ret;
}

/* Context: rcuf_lw_mutex held, the watch off. */
static int rcuf_lw_start(void)
{
	int ret = rcuf_lw_holds_alloc() ?: rcuf_lw_sites_alloc();

	if (ret)
		return ret;
	rcuf_lw_holds_clear();
	ret = rcuf_lw_probes_register();
	if (ret)
		return ret;
	static_branch_enable(&rcuf_lw_on);
	return 0;
}

/* Context: rcuf_lw_mutex held, the watch on. Returns with no probe running. */
static void rcuf_lw_stop(void)
{
	static_branch_disable(&rcuf_lw_on);
	rcuf_lw_probes_unregister();
	tracepoint_synchronize_unregister();
}

/**
 * rcuf_lw_warn_on() - is the watch in warn mode
 *
 * Return: true for watch=2.
 */
bool rcuf_lw_warn_on(void)
{
	return READ_ONCE(rcuf_lw_level) == 2;
}

/**
 * rcuf_lockwatch_level() - the watch's level: 0 off, 1 on, 2 on and warn
 *
 * Return: the level.
 */
unsigned int rcuf_lockwatch_level(void)
{
	return READ_ONCE(rcuf_lw_level);
}

/**
 * rcuf_lockwatch_set() - switch the watch
 * @level: 0 off (what was gathered stays readable), 1 on, 2 on and warn
 *
 * Context: process.
 * Return: 0; -EINVAL for another level; -ENOMEM or the tracepoint core's
 * error, with the watch left off.
 */
int rcuf_lockwatch_set(unsigned int level)
{
	int ret = 0;

	if (level > 2)
		return -EINVAL;
	mutex_lock(&rcuf_lw_mutex);
	if (!rcuf_lw_level && level)
		ret = rcuf_lw_start();
	else if (rcuf_lw_level && !level)
		rcuf_lw_stop();
	if (!ret)
		WRITE_ONCE(rcuf_lw_level, level);
	mutex_unlock(&rcuf_lw_mutex);
	return ret;
}

/**
 * rcuf_lockwatch_reset() - zero everything the watch gathered
 *
 * A running watch is stopped for it and started again: holds in progress
 * are forgotten (their releases count as unmatched).
 * Context: process.
 * Return: 0, or rcuf_lw_start()'s error (the watch is then off).
 */
int rcuf_lockwatch_reset(void)
{
	int ret = 0;

	mutex_lock(&rcuf_lw_mutex);
	if (rcuf_lw_level)
		rcuf_lw_stop();
	rcuf_lw_holds_clear();
	rcuf_lw_totals_clear();
	rcuf_lw_sites_clear();
	if (rcuf_lw_level)
		ret = rcuf_lw_start();
	if (ret)
		WRITE_ONCE(rcuf_lw_level, 0);
	mutex_unlock(&rcuf_lw_mutex);
	return ret;
}

/**
 * rcuf_lw_probes_show() - watch_report's state and unavailable lines
 * @m: the report
 */
void rcuf_lw_probes_show(struct seq_file *m)
{
	static const char *const state[] = { "off", "on", "warn" };
	unsigned int i, n = 0;

	seq_printf(m, "state\t%s\n", state[rcuf_lw_level]);
	seq_puts(m, "unavailable\t");
	for (i = 0; i < ARRAY_SIZE(rcuf_lw_tps); i++)
		if (rcuf_lw_level && !rcuf_lw_tps[i].registered)
			seq_printf(m, "%s%s", n++ ? " " : "", rcuf_lw_tps[i].name);
	seq_puts(m, n ? "\n" : "none\n");
}

/**
 * rcuf_lockwatch_show() - debugfs watch_report
 * @m: the report
 *
 * Context: process.
 * Return: 0.
 */
int rcuf_lockwatch_show(struct seq_file *m)
{
	mutex_lock(&rcuf_lw_mutex);
	rcuf_lw_probes_show(m);
	rcuf_lw_totals_show(m);
	rcuf_lw_sites_show(m);
	mutex_unlock(&rcuf_lw_mutex);
	return 0;
}

/**
 * rcuf_lockwatch_exit() - stop the watch and free its tables
 *
 * Context: process, module exit, after debugfs is gone.
 */
void rcuf_lockwatch_exit(void)
{
	rcuf_lockwatch_set(0);
	rcuf_lw_holds_free();
	rcuf_lw_sites_free();
}
