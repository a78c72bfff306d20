// SPDX-License-Identifier: GPL-2.0
/*
 * The per-mm write epoch (DESIGN.md §3.1), driven by the mmap_lock
 * tracepoints: odd from a successful write acquire until the write unlock,
 * or, after mmap_write_downgrade(), until the downgraded read unlock.
 *
 * Registering a probe makes every mmap_lock event format the mm's memcg
 * path (mm/mmap_lock.c keys that on a register count). rcufault has no use
 * for the path, so after registering it takes back the count its own
 * registration added, and gives it back before unregistering; another
 * tracer registered before us keeps its paths.
 */
#include <linux/atomic.h>
#include <linux/mmap_lock.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/tracepoint.h>
#include <trace/events/mmap_lock.h>
#include "rcufault/mm_state.h"
#include "rcufault/mmap_lock_probe.h"
#include "rcufault/stats.h"
#include "rcufault/symbols.h"

/* Downgraded sections in flight: read unlocks look an mm up only if any. */
static atomic_t rcuf_downgraded = ATOMIC_INIT(0);
/* How many memcg-path register counts we took back (0..2). */
static int rcuf_memcg_path_muted;

/* kernel/locking/rwsem.c's owner and count encodings (6.1). */
#define RCUF_RWSEM_OWNER_FLAGS	3UL
#define RCUF_RWSEM_WRITER_LOCKED	1UL

/* Is @mm's mmap_lock write-locked by the current task? */
static bool rcuf_mmap_write_owner(struct mm_struct *mm)
{
	unsigned long owner = atomic_long_read(&mm->mmap_lock.owner);

	return (owner & ~RCUF_RWSEM_OWNER_FLAGS) == (unsigned long)current &&
	       (atomic_long_read(&mm->mmap_lock.count) & RCUF_RWSEM_WRITER_LOCKED);
}

static void rcuf_write_begin(struct mm_struct *mm)
{
	struct rcuf_mm *m = rcuf_mm_find(mm);

	rcuf_stat_inc(RCUF_STAT_WRITE_EPOCHS);
	if (!m) {
		rcuf_mm_create_locked(mm);	/* created odd, writer = current */
		return;
	}
	raw_write_seqcount_begin(&m->write_seq);
	WRITE_ONCE(m->writer, current);
}

static void rcuf_write_end(struct rcuf_mm *m)
{
	WRITE_ONCE(m->writer, NULL);
	raw_write_seqcount_end(&m->write_seq);
}

/* mmap_write_downgrade() reports a read acquire while still write-locked. */
static void rcuf_downgrade(struct mm_struct *mm)
{
	struct rcuf_mm *m = rcuf_mm_find(mm);

	rcuf_stat_inc(RCUF_STAT_DOWNGRADES);
	if (!m)
		m = rcuf_mm_create_locked(mm);
	if (!m || m->downgraded)
		return;
	m->downgraded = true;
	atomic_inc(&rcuf_downgraded);
}

static void rcuf_downgraded_read_end(struct mm_struct *mm)
{
	struct rcuf_mm *m = rcuf_mm_find(mm);

	if (!m || !m->downgraded || m->writer != current)
		return;
	m->downgraded = false;
	atomic_dec(&rcuf_downgraded);
	rcuf_write_end(m);
}

static void rcuf_probe_acquire_returned(void *data, struct mm_struct *mm,
					const char *memcg_path, bool write,
					bool success)
{
	if (!success)
		return;
	if (write)
		rcuf_write_begin(mm);
	else if (unlikely(rcuf_mmap_write_owner(mm)))
		rcuf_downgrade(mm);
}

static void rcuf_probe_released(void *data, struct mm_struct *mm,
				const char *memcg_path, bool write)
{
	struct rcuf_mm *m;

	if (write) {
		m = rcuf_mm_find(mm);
		if (m && !m->downgraded)
			rcuf_write_end(m);
	} else if (unlikely(atomic_read(&rcuf_downgraded))) {
		rcuf_downgraded_read_end(mm);
	}
}

/**
 * rcuf_mmap_lock_probe_register() - start tracking write epochs
 *
 * Context: process (module init).
 * Return: 0 or the tracepoint core's error; nothing stays registered on error.
 */
int rcuf_mmap_lock_probe_register(void)
{
	bool acq_was_on = static_key_enabled(&__tracepoint_mmap_lock_acquire_returned.key);
	bool rel_was_on = static_key_enabled(&__tracepoint_mmap_lock_released.key);
	int ret;

	ret = register_trace_mmap_lock_acquire_returned(rcuf_probe_acquire_returned, NULL);
	if (ret)
		goto err;
	ret = register_trace_mmap_lock_released(rcuf_probe_released, NULL);
	if (ret) {
		unregister_trace_mmap_lock_acquire_returned(rcuf_probe_acquire_returned, NULL);
		goto err;
	}
	/* Our registration bumped the memcg-path count once per newly enabled event. */
	rcuf_memcg_path_muted = !acq_was_on + !rel_was_on;
	for (ret = 0; ret < rcuf_memcg_path_muted; ret++)
		rcuf_sym.trace_mmap_lock_unreg();
	return 0;
err:
	pr_err("cannot register mmap_lock tracepoint probes (%d)\n", ret);
	return ret;
}

/**
 * rcuf_mmap_lock_probe_unregister() - stop tracking; waits for running probes
 *
 * Context: process (module exit or failed init).
 */
void rcuf_mmap_lock_probe_unregister(void)
{
	for (; rcuf_memcg_path_muted > 0; rcuf_memcg_path_muted--)
		rcuf_sym.trace_mmap_lock_reg();
	unregister_trace_mmap_lock_released(rcuf_probe_released, NULL);
	unregister_trace_mmap_lock_acquire_returned(rcuf_probe_acquire_returned, NULL);
	tracepoint_synchronize_unregister();
}
