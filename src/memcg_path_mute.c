// SPDX-License-Identifier: GPL-2.0
/*
 * The memcg path of the mmap_lock trace events: formatted for tracers,
 * not for rcufault.
 *
 * mm/mmap_lock.c formats the locking mm's memcg path (cgroup_path(), a
 * global spinlock and a string copy) before every mmap_lock event while
 * its reg_refcount is non-zero. The count is bumped by the events'
 * regfunc, trace_mmap_lock_reg(), which tracepoint_add_func() calls
 * (under tracepoints_mutex) while an event's static key is still off,
 * that is for its first probe, and dropped by trace_mmap_lock_unreg(),
 * which tracepoint_remove_func() calls when its last probe goes.
 * rcufault's probes on acquire_returned and released have no use for the
 * path, so while they are the only probes on both events, both events'
 * counts are taken back: exactly two, for each key went on once and stays
 * on while our probe is there. The count is global: a tracer on
 * start_locking alone keeps its own count, and with it the paths of all
 * three events (the mute then saves nothing).
 *
 * Each of our probe calls converges on that state. When another probe
 * shares either event (a trace event enabled in tracefs, perf, a BPF
 * program; before or after the module loaded) the two counts are given
 * back, so its events name the memcg again; when it leaves, they are
 * taken back (if its removal left a tp_stub_func in the array, on an
 * allocation failure, only once the next change of that event's probes
 * clears it). Only events formatted before our probe's next call see an
 * empty path: a few, briefly (the event that showed the new probe to us
 * on each CPU, events nested in it, a take racing the give).
 *
 * Each take or give is one cmpxchg of the state, so takes and gives
 * alternate, and the count is right once both of a racing pair have run
 * (in between it may read high or negative: a path is then formatted that
 * nobody needed, never one a tracer lacks for long). At unload the state
 * becomes final (no take after it) and what was taken is given back,
 * before the probes are unregistered: the kernel's own unregfunc calls
 * then balance its regfunc calls as if rcufault had never muted.
 */
#include <linux/atomic.h>
#include "rcufault/memcg_path_mute.h"
#include "rcufault/stats.h"
#include "rcufault/symbols.h"

atomic_t rcuf_memcg_path_state = ATOMIC_INIT(RCUF_PATH_GIVEN);

/* The two events our probes share: acquire_returned and released. */
#define RCUF_PATH_COUNTS 2

static void rcuf_path_give(void)
{
	int i;

	for (i = 0; i < RCUF_PATH_COUNTS; i++)
		rcuf_sym.trace_mmap_lock_reg();
}

static void rcuf_path_take(void)
{
	int i;

	for (i = 0; i < RCUF_PATH_COUNTS; i++)
		rcuf_sym.trace_mmap_lock_unreg();
}

/**
 * rcuf_memcg_path_move() - take the counts back or give them
 * @have: the state just read, not @want and not RCUF_PATH_FINAL
 * @want: RCUF_PATH_TAKEN or RCUF_PATH_GIVEN
 *
 * Only the caller whose cmpxchg moves the state acts on the counts.
 * Context: an mmap_lock probe of ours (any context; never sleeps).
 */
void rcuf_memcg_path_move(int have, int want)
{
	if (atomic_cmpxchg(&rcuf_memcg_path_state, have, want) != have)
		return;
	if (want == RCUF_PATH_TAKEN) {
		rcuf_path_take();
		rcuf_stat_inc(RCUF_STAT_MEMCG_PATH_MUTES);
	} else {
		rcuf_path_give();
		rcuf_stat_inc(RCUF_STAT_MEMCG_PATH_UNMUTES);
	}
}

/**
 * rcuf_memcg_path_restore() - give back what was taken, for good
 *
 * Context: process, before our mmap_lock probes are unregistered.
 */
void rcuf_memcg_path_restore(void)
{
	if (atomic_xchg(&rcuf_memcg_path_state, RCUF_PATH_FINAL) == RCUF_PATH_TAKEN)
		rcuf_path_give();
}
