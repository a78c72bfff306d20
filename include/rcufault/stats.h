/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rcufault statistics: per-CPU event counters, summed when read.
 */
#ifndef _RCUFAULT_STATS_H
#define _RCUFAULT_STATS_H

#include <linux/percpu.h>
#include <linux/seq_file.h>

/*
 * RCUF_STATS - every counter, in the order `stats` prints them.
 * X(enum-suffix, printed name)
 */
#define RCUF_STATS(X)							\
	X(FAULTS_SEEN,		faults_seen)				\
	X(STOCK_FAULTS,		stock_faults)				\
	X(LOCKLESS_ATTEMPTS,	lockless_attempts)			\
	X(LOCKLESS_SUCCESS,	lockless_success)			\
	X(SENTINEL_COMPLETIONS,	sentinel_completions)			\
	X(FB_FOREIGN_MM,	fallback_foreign_mm)			\
	X(FB_ERROR_CODE_UNKNOWN, fallback_error_code_unknown)		\
	X(FB_ERROR_CODE,	fallback_error_code)			\
	X(FB_UNTRACKED_MM,	fallback_untracked_mm)			\
	X(FB_WRITER_ACTIVE,	fallback_writer_active)			\
	X(FB_PGTABLE,		fallback_pgtable)			\
	X(FB_NOT_PRESENT,	fallback_pte_not_present)		\
	X(FB_EPOCH_CHANGED,	fallback_epoch_changed)			\
	X(WRITE_EPOCHS,		write_epochs)				\
	X(DOWNGRADES,		downgrades)				\
	X(MM_CREATED,		mm_created)				\
	X(MM_CREATE_FAILED,	mm_create_failed)			\
	X(MM_FREED,		mm_freed)

#define RCUF_STAT_ENUM(e, name) RCUF_STAT_##e,
/**
 * enum rcuf_stat - index of one per-CPU counter
 * @RCUF_NR_STATS: number of counters
 */
enum rcuf_stat {
	RCUF_STATS(RCUF_STAT_ENUM)
	RCUF_NR_STATS
};
#undef RCUF_STAT_ENUM

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
void rcuf_stats_reset(void);
void rcuf_stats_show(struct seq_file *m);

#endif /* _RCUFAULT_STATS_H */
