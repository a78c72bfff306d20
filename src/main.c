// SPDX-License-Identifier: GPL-2.0
/*
 * rcufault: mmap_lock-free page faults for a stock 6.1 kernel, as a module.
 *
 * Load order: resolve symbols, register the mmap_lock probes, hook the
 * fault path, publish debugfs, and only then let write sections create
 * per-mm states (src/write_epoch.c: a state made earlier could miss its
 * section's end, or outlive its mm). Unload in reverse; after rmmod returns no task runs
 * module code and no module state is referenced.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include "rcufault/debugfs.h"
#include "rcufault/fault.h"
#include "rcufault/fault_entry.h"
#include "rcufault/fill_sync.h"
#include "rcufault/hooks.h"
#include "rcufault/lockwatch.h"
#include "rcufault/mm_state.h"
#include "rcufault/mmap_lock_probe.h"
#include "rcufault/procs.h"
#include "rcufault/range_token.h"
#include "rcufault/symbols.h"
#include "rcufault/write_epoch.h"

static bool enable;
module_param(enable, bool, 0400);
MODULE_PARM_DESC(enable, "start with lockless faults on (default off; see debugfs enable)");

static void rcuf_teardown_state(void)
{
	rcuf_mm_release_all();
	rcu_barrier();		/* deferred frees run module code */
	rcuf_fill_sync_exit();
}

static int __init rcuf_init(void)
{
	int ret;

	ret = rcuf_symbols_resolve();
	if (ret)
		return ret;
	rcuf_fault_init();
	ret = rcuf_fill_sync_init();	/* before the probes that queue waits */
	if (ret)
		return ret;
	ret = rcuf_mmap_lock_probe_register();
	if (ret)
		goto err_tokens;
	/* after the probes: each read acquire spends (src/range_token.c) */
	rcuf_range_tokens_register();
	ret = rcuf_fault_entry_register();
	if (ret)
		goto err_probes;
	WRITE_ONCE(rcuf_enabled, enable);
	ret = rcuf_hooks_install();
	if (ret)
		goto err_entry;
	ret = rcuf_debugfs_init();
	if (ret)
		goto err_hooks;
	/* Every probe and hook a state relies on is live: states may come. */
	rcuf_epoch_go_live();
	pr_info("loaded; lockless faults %s\n", enable ? "on" : "off (echo 1 > /sys/kernel/debug/rcufault/enable)");
	return 0;

err_hooks:
	rcuf_hooks_remove();
err_entry:
	rcuf_fault_entry_unregister();
err_probes:
	rcuf_mmap_lock_probe_unregister();
err_tokens:
	rcuf_range_tokens_unregister();	/* after: see src/range_token.c */
	rcuf_teardown_state();
	return ret;
}

static void __exit rcuf_exit(void)
{
	rcuf_epoch_stop();
	rcuf_debugfs_exit();
	rcuf_hooks_remove();
	rcuf_fault_entry_unregister();
	rcuf_procs_exit();
	rcuf_lockwatch_exit();
	rcuf_mmap_lock_probe_unregister();
	rcuf_range_tokens_unregister();	/* after: see src/range_token.c */
	rcuf_teardown_state();
	pr_info("unloaded\n");
}

module_init(rcuf_init);
module_exit(rcuf_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mmap_lock-free page faults for Linux 6.1");
MODULE_AUTHOR("rcufault developers");
