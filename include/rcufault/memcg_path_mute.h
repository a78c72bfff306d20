/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Muting the memcg-path formatting of the mmap_lock trace events while
 * rcufault's probes are their only users (src/memcg_path_mute.c).
 */
#ifndef _RCUFAULT_MEMCG_PATH_MUTE_H
#define _RCUFAULT_MEMCG_PATH_MUTE_H

#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/tracepoint.h>

enum { RCUF_PATH_GIVEN, RCUF_PATH_TAKEN, RCUF_PATH_FINAL };

extern atomic_t rcuf_memcg_path_state;

void rcuf_memcg_path_move(int have, int want);
void rcuf_memcg_path_restore(void);

/**
 * rcuf_memcg_path_converge() - take the counts back or give them, as needed
 * @alone: our probes are the only ones on both events
 *
 * One read of the state when nothing changes (every mmap_lock event).
 * Context: an mmap_lock probe of ours (any context; never sleeps).
 */
static inline void rcuf_memcg_path_converge(bool alone)
{
	int want = alone ? RCUF_PATH_TAKEN : RCUF_PATH_GIVEN;
	int have = atomic_read(&rcuf_memcg_path_state);

	if (unlikely(have != want && have != RCUF_PATH_FINAL))
		rcuf_memcg_path_move(have, want);
}

/**
 * rcuf_tp_probe_alone() - is @probe the only probe on @tp?
 * @tp: a tracepoint
 * @probe: the probe function
 *
 * Context: a probe of @tp, or any sched-RCU reader (the array is freed
 * after both an RCU and an SRCU grace period; it always ends in a NULL
 * entry).
 * Return: true if @tp's probe array is exactly { @probe }.
 */
static inline bool rcuf_tp_probe_alone(struct tracepoint *tp, void *probe)
{
	struct tracepoint_func *f = rcu_dereference_sched(tp->funcs);

	/* entries change in place to tp_stub_func (func_remove()) */
	return f && READ_ONCE(f[0].func) == probe && !READ_ONCE(f[1].func);
}

#endif /* _RCUFAULT_MEMCG_PATH_MUTE_H */
