// SPDX-License-Identifier: GPL-2.0
/*
 * Installing and removing one ftrace hook, and waiting for the calls it
 * redirected into module text.
 *
 * A hook with FTRACE_OPS_FL_IPMODIFY redirects its function to a
 * replacement in module text; the replacement may call the original, and
 * the callback lets that call pass by its caller (parent_ip within this
 * module). Each redirected call holds a reference on an rcuf_inflight
 * from its callback until it is done with module text: after the hook is
 * removed, rcuf_inflight_kill_wait() waits for them, and an RCU-tasks
 * grace period for a task preempted between its put and its return.
 */
#include <linux/delay.h>
#include <linux/ftrace.h>
#include <linux/jiffies.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include "rcufault/ftrace_hook.h"
#include "rcufault/test_params.h"

/* One registration; the test build's test_hook_busy fails the first ones. */
static int rcuf_hook_register_once(struct rcuf_hook *h, unsigned int attempt)
{
	if (unlikely(attempt < rcuf_test_hook_busy())) {
		usleep_range(1000, 2000);	/* bpf_tramp_ftrace_ops_func(): 1 ms */
		return -EAGAIN;
	}
	return register_ftrace_function(&h->ops);
}

/*
 * register_ftrace_function(), again while it fails with -EAGAIN, for up to
 * 5 s. 6.1 returns -EAGAIN when a BPF trampoline (an fentry or fexit
 * program, such as a bpftrace kfunc probe) on the same function is being
 * changed: prepare_direct_functions_for_ipmodify() asks the trampoline to
 * share the function with an IPMODIFY op, and bpf_tramp_ftrace_ops_func()
 * cannot take its mutex, sleeps 1 ms and fails rather than wait
 * (kernel/bpf/trampoline.c). Nothing is registered then: the failure
 * comes before register_ftrace_function_nolock(), so a retry starts
 * clean. Seen once in make check's tracers test, a load beside a bpftrace
 * still attaching its probes.
 */
static int rcuf_hook_register(struct rcuf_hook *h)
{
	unsigned long deadline = jiffies + 5 * HZ;
	unsigned int retries = 0;
	int ret;

	while ((ret = rcuf_hook_register_once(h, retries)) == -EAGAIN &&
	       time_before(jiffies, deadline) && !fatal_signal_pending(current))
		retries++;	/* the failure slept 1 ms */
	if (retries)
		pr_info("hook %s: %u retries while a BPF trampoline on it was busy\n",
			h->name, retries);
	return ret;
}

/**
 * rcuf_hook_install() - register one hook
 * @h: the hook; @h->addr 0 means "not needed on this kernel"
 *
 * Context: process; once per load (a failure frees the filter).
 * Return: 0, or an error after one pr_err line; @h is not installed then.
 */
int rcuf_hook_install(struct rcuf_hook *h)
{
	const char *why = "";
	int ret;

	if (!h->addr)
		return 0;	/* not needed on this kernel */
	ret = ftrace_set_filter_ip(&h->ops, h->addr, 0, 0);
	if (ret) {
		why = ": not traceable by ftrace";
		goto err;
	}
	ret = rcuf_hook_register(h);
	if (!ret) {
		h->installed = true;
		return 0;
	}
	if (ret == -EBUSY)
		why = ": another ftrace user (a livepatch?) already modifies it";
	else if (ret == -EAGAIN)
		why = ": a BPF trampoline on it stayed busy for 5 s";
err:
	ftrace_free_filter(&h->ops);
	pr_err("cannot hook %s (%d)%s\n", h->name, ret, why);
	return ret;
}

/**
 * rcuf_hook_remove() - unregister one hook, if installed
 * @h: the hook
 *
 * Frees the filter's hash too (ftrace_free_filter(), which leaves the
 * ops pointing at the freed hash): a hook is installed once per load.
 *
 * Context: process; waits for callbacks still running, not for the calls
 * they redirected (rcuf_inflight_kill_wait()).
 */
void rcuf_hook_remove(struct rcuf_hook *h)
{
	if (!h->installed)
		return;
	unregister_ftrace_function(&h->ops);	/* waits for running callbacks */
	ftrace_free_filter(&h->ops);
	h->installed = false;
}

static void rcuf_inflight_release(struct percpu_ref *ref)
{
	complete(&container_of(ref, struct rcuf_inflight, ref)->done);
}

/**
 * rcuf_inflight_init() - start counting redirected calls
 * @in: the count
 * @what: what the calls are (for a message at unload)
 *
 * Context: process.
 * Return: 0 or -ENOMEM.
 */
int rcuf_inflight_init(struct rcuf_inflight *in, const char *what)
{
	int ret;

	in->what = what;
	init_completion(&in->done);
	ret = percpu_ref_init(&in->ref, rcuf_inflight_release, 0, GFP_KERNEL);
	in->live = !ret;
	return ret;
}

/**
 * rcuf_inflight_kill_wait() - wait for the calls redirected by hooks
 *	already removed
 * @in: their count; percpu_ref_tryget_live() on it fails from now on
 *
 * A call may take as long as its I/O (a lockless fault reads a file with
 * no lock held; a stuck NFS server holds it). After 5 seconds one line
 * says what unload waits for, and the wait goes on as TASK_IDLE: the
 * hung-task detector does not report rmmod for a wait that is not its
 * fault.
 *
 * Context: process; sleeps for as long as the slowest call.
 */
void rcuf_inflight_kill_wait(struct rcuf_inflight *in)
{
	if (!in->live)
		return;
	percpu_ref_kill(&in->ref);
	if (wait_for_completion_timeout(&in->done, 5 * HZ))
		return;
	pr_info("unload waits for %s still running module code\n", in->what);
	wait_for_completion_state(&in->done, TASK_IDLE);
}

/**
 * rcuf_inflight_exit() - free the count, after rcuf_inflight_kill_wait()
 * @in: the count
 */
void rcuf_inflight_exit(struct rcuf_inflight *in)
{
	if (!in->live)
		return;
	percpu_ref_exit(&in->ref);
	in->live = false;
}
