// SPDX-License-Identifier: GPL-2.0
/*
 * The mmap_lock tracepoint probes that drive the per-mm write epoch
 * (src/write_epoch.c): odd from a successful write acquire until the write
 * unlock, or, after mmap_write_downgrade(), until the outermost downgraded
 * read unlock.
 *
 * Registering a probe makes every mmap_lock event format the mm's memcg
 * path, which rcufault has no use for: while our probes are alone on their
 * events, src/memcg_path_mute.c mutes that, and a tracer sharing them gets
 * its paths.
 */
#include <linux/mmap_lock.h>
#include <linux/tracepoint.h>
#include <trace/events/mmap_lock.h>
#include "rcufault/lockwatch.h"
#include "rcufault/memcg_path_mute.h"
#include "rcufault/mmap_lock_probe.h"
#include "rcufault/range_token.h"
#include "rcufault/symbols.h"
#include "rcufault/write_epoch.h"

static void rcuf_probe_acquire_returned(void *data, struct mm_struct *mm,
					const char *memcg_path, bool write,
					bool success);
static void rcuf_probe_released(void *data, struct mm_struct *mm,
				const char *memcg_path, bool write);

/* Are our probes the only ones on both events? (tracepoint context) */
static bool rcuf_probes_alone(void)
{
	return rcuf_tp_probe_alone(&__tracepoint_mmap_lock_acquire_returned,
				   (void *)rcuf_probe_acquire_returned) &&
	       rcuf_tp_probe_alone(&__tracepoint_mmap_lock_released,
				   (void *)rcuf_probe_released);
}

static void rcuf_probe_acquire_returned(void *data, struct mm_struct *mm,
					const char *memcg_path, bool write,
					bool success)
{
	rcuf_memcg_path_converge(rcuf_probes_alone());
	rcuf_lockwatch_acquired(mm, write, success);
	if (!write)	/* before a stack expansion's write acquire */
		rcuf_range_token_spend();
	if (!success)
		return;
	if (write)
		rcuf_epoch_write_acquired(mm);
	else
		rcuf_epoch_read_acquired(mm);
}

static void rcuf_probe_released(void *data, struct mm_struct *mm,
				const char *memcg_path, bool write)
{
	rcuf_memcg_path_converge(rcuf_probes_alone());
	rcuf_lockwatch_released(mm, write);
	if (write)
		rcuf_epoch_write_released(mm);
	else
		rcuf_epoch_read_released(mm);
}

/**
 * rcuf_mmap_lock_probe_register() - start tracking write epochs
 *
 * Context: process (module init).
 * Return: 0 or the tracepoint core's error; nothing stays registered on error.
 */
int rcuf_mmap_lock_probe_register(void)
{
	int ret;

	ret = register_trace_mmap_lock_acquire_returned(rcuf_probe_acquire_returned, NULL);
	if (ret)
		goto err;
	ret = register_trace_mmap_lock_released(rcuf_probe_released, NULL);
	if (ret) {
		rcuf_memcg_path_restore();
		unregister_trace_mmap_lock_acquire_returned(rcuf_probe_acquire_returned, NULL);
		goto err;
	}
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
	rcuf_memcg_path_restore();
	unregister_trace_mmap_lock_released(rcuf_probe_released, NULL);
	unregister_trace_mmap_lock_acquire_returned(rcuf_probe_acquire_returned, NULL);
	tracepoint_synchronize_unregister();
}
