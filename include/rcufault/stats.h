/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rcufault statistics: per-CPU event counters, summed when read.
 */
#ifndef _RCUFAULT_STATS_H
#define _RCUFAULT_STATS_H

#include <linux/percpu.h>
#include <linux/seq_file.h>

/**
 * enum rcuf_stat - index of one per-CPU counter (see stats_list.h)
 * @RCUF_NR_STATS: number of counters
 */
enum rcuf_stat {
#define RCUF_STAT(e, name) RCUF_STAT_##e,
#include "rcufault/stats_list.h"
#undef RCUF_STAT
	RCUF_NR_STATS
};

/**
 * struct rcuf_stats_cpu - one CPU's counters
 * @count: event counts indexed by enum rcuf_stat
 */
struct rcuf_stats_cpu {
	unsigned long count[RCUF_NR_STATS];
};

DECLARE_PER_CPU(struct rcuf_stats_cpu, rcuf_stats);

/**
 * rcuf_stat_inc() - count one event on this CPU
 * @s: the counter
 *
 * Context: any, including NMI-free atomic context; never sleeps.
 */
static __always_inline void rcuf_stat_inc(enum rcuf_stat s)
{
	this_cpu_inc(rcuf_stats.count[s]);
}

unsigned long rcuf_stat_sum(enum rcuf_stat s);
const char *rcuf_stat_name(enum rcuf_stat s);
void rcuf_stats_reset(void);
void rcuf_stats_show(struct seq_file *m);

#endif /* _RCUFAULT_STATS_H */
