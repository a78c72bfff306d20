// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU event counters behind /sys/kernel/debug/rcufault/stats.
 */
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/stringify.h>
#include "rcufault/mm_state.h"
#include "rcufault/shadow.h"
#include "rcufault/stats.h"

DEFINE_PER_CPU(struct rcuf_stats_cpu, rcuf_stats);

/* The counters' names: the same list as enum rcuf_stat, in its order. */
static const char *const rcuf_stat_names[RCUF_NR_STATS] = {
#define RCUF_STAT(e, name) __stringify(name),
#include "rcufault/stats_list.h"
#undef RCUF_STAT
};

/**
 * rcuf_stat_name() - the name a counter is printed under in stats
 * @s: the counter
 *
 * Return: a static string.
 */
const char *rcuf_stat_name(enum rcuf_stat s)
{
	return rcuf_stat_names[s];
}

/**
 * rcuf_stat_sum() - sum one counter over all possible CPUs
 * @s: the counter
 *
 * Return: the sum; racy against concurrent increments, as any statistic.
 */
unsigned long rcuf_stat_sum(enum rcuf_stat s)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(rcuf_stats, cpu).count[s];
	return sum;
}

/**
 * rcuf_stats_reset() - zero every counter on every CPU
 *
 * Increments racing with the reset may survive it.
 */
void rcuf_stats_reset(void)
{
	int cpu, s;

	for_each_possible_cpu(cpu)
		for (s = 0; s < RCUF_NR_STATS; s++)
			WRITE_ONCE(per_cpu(rcuf_stats, cpu).count[s], 0);
}

/**
 * rcuf_stats_show() - print every counter as "name value" lines
 * @m: the seq_file of the stats debugfs file
 *
 * Gauges that are not events follow the counters: tracked mms, and the
 * shadow trees of all tracked mms (records in the trees, records allocated
 * including those waiting for a grace period, nodes, node bytes, the
 * tallest tree).
 */
void rcuf_stats_show(struct seq_file *m)
{
	struct rcuf_btree_stats tot;
	int s;

	for (s = 0; s < RCUF_NR_STATS; s++)
		seq_printf(m, "%s %lu\n", rcuf_stat_names[s], rcuf_stat_sum(s));
	seq_printf(m, "mm_tracked %d\n", rcuf_mm_tracked());
	rcuf_shadow_totals(&tot);
	seq_printf(m, "shadow_records %lu\n", tot.entries);
	seq_printf(m, "shadow_records_allocated %ld\n", rcuf_shadow_records_allocated());
	seq_printf(m, "shadow_nodes %lu\n", tot.nodes);
	seq_printf(m, "shadow_bytes %lu\n", tot.bytes);
	seq_printf(m, "shadow_max_height %u\n", tot.height);
}
