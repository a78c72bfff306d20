/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-process lockless fault counts, behind debugfs procs: attempts,
 * successes and fallback reasons per thread group, off until switched on.
 */
#ifndef _RCUFAULT_PROCS_H
#define _RCUFAULT_PROCS_H

#include <linux/jump_label.h>
#include <linux/seq_file.h>
#include "rcufault/stats.h"

DECLARE_STATIC_KEY_FALSE(rcuf_procs_on);

void rcuf_procs_count(enum rcuf_stat res);

/**
 * rcuf_procs_note() - count one lockless attempt of current's thread group
 * @res: its outcome, RCUF_STAT_LOCKLESS_SUCCESS or a fallback reason
 *
 * A static branch while per-process counting is off.
 * Context: process; never sleeps.
 */
static inline void rcuf_procs_note(enum rcuf_stat res)
{
	if (static_branch_unlikely(&rcuf_procs_on))
		rcuf_procs_count(res);
}

int rcuf_procs_set(bool on);
void rcuf_procs_reset(void);
int rcuf_procs_show(struct seq_file *m);
void rcuf_procs_exit(void);

#endif /* _RCUFAULT_PROCS_H */
