/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mmap_lock watch (debugfs watch, watch_report, watch_reset): what
 * tasks do while they hold an mm's mmap_lock (block I/O, I/O waits,
 * direct reclaim, compaction, other sleeps), by kernel stack, and who
 * waits behind them. Off at load; while off the mmap_lock probes pay one
 * static branch each and no other probe is registered.
 */
#ifndef _RCUFAULT_LOCKWATCH_H
#define _RCUFAULT_LOCKWATCH_H

#include <linux/jump_label.h>
#include <linux/seq_file.h>

struct mm_struct;

DECLARE_STATIC_KEY_FALSE(rcuf_lw_on);

void rcuf_lw_lock_acquired(struct mm_struct *mm, bool write, bool success);
void rcuf_lw_lock_released(struct mm_struct *mm, bool write);

/**
 * rcuf_lockwatch_acquired() - the acquire_returned probe's call
 * @mm: the mm whose mmap_lock was taken (or not)
 * @write: a write acquire
 * @success: the lock is now held
 *
 * Context: the mmap_lock acquire_returned tracepoint.
 */
static inline void rcuf_lockwatch_acquired(struct mm_struct *mm, bool write,
					   bool success)
{
	if (static_branch_unlikely(&rcuf_lw_on))
		rcuf_lw_lock_acquired(mm, write, success);
}

/**
 * rcuf_lockwatch_released() - the released probe's call
 * @mm: the mm whose mmap_lock is about to be released
 * @write: a write release
 *
 * Context: the mmap_lock released tracepoint, before up_read()/up_write().
 */
static inline void rcuf_lockwatch_released(struct mm_struct *mm, bool write)
{
	if (static_branch_unlikely(&rcuf_lw_on))
		rcuf_lw_lock_released(mm, write);
}

int rcuf_lockwatch_set(unsigned int level);
unsigned int rcuf_lockwatch_level(void);
int rcuf_lockwatch_reset(void);
int rcuf_lockwatch_show(struct seq_file *m);
void rcuf_lockwatch_exit(void);

#endif /* _RCUFAULT_LOCKWATCH_H */
