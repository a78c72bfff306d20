// SPDX-License-Identifier: GPL-2.0
/*
 * The mmap_lock tracepoint probes that drive the per-mm write epoch
 * (src/write_epoch.c): odd from a successful write acquire until the write
 * unlock, or, after mmap_write_downgrade(), until the outermost downgraded
 * read unlock.
 *
 * Registering a probe makes every mmap_lock event format the mm's memcg
 * path (mm/mmap_lock.c keys that on a register count). rcufault has no use
 * for the path, so after registering it takes back the count its own
 * registration added, and gives it back before unregistering; another
 * tracer registered before us keeps its paths.
 */
#include <linux/mmap_lock.h>
#include <linux/tracepoint.h>
#include <trace/events/mmap_lock.h>
#include "rcufault/lockwatch.h"
#include "rcufault/mmap_lock_probe.h"
#include "rcufault/range_token.h"
#include "rcufault/symbols.h"
#include "rcufault/write_epoch.h"

/* How many memcg-path register counts we took back (0..2). */
static int rcuf_memcg_path_muted;

static void rcuf_probe_acquire_returned(void *data, struct mm_struct *mm,
					const char *memcg_path, bool write,
					bool success)
{
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
