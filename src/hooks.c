// SPDX-License-Identifier: GPL-2.0
/*
 * ftrace hooks on the fault path.
 *
 * lock_mm_and_find_vma(): counted always; when enabled, the call is
 * redirected (IPMODIFY) to rcuf_lock_mm_and_find_vma(), which tries the
 * lockless path and otherwise calls the original. Our own call of the
 * original passes through because its caller is module text (this file is
 * built with -fno-optimize-sibling-calls, so that call is never a jump).
 *
 * handle_mm_fault(): counted always; for the sentinel VMA it is redirected
 * to a stub that accounts the fault and returns VM_FAULT_COMPLETED.
 *
 * __mmdrop(): forgets the mm's state.
 *
 * Unload safety: every redirected call holds a reference on rcuf_inflight
 * from the ftrace callback until it is done with module text (for the
 * sentinel, until the handle_mm_fault stub). Removal unhooks the entry
 * first, waits for the references, then for RCU-tasks (a task preempted
 * between the put and its return), and only then unhooks handle_mm_fault.
 */
#include <linux/completion.h>
#include <linux/ftrace.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/percpu-refcount.h>
#include <linux/sched/mm.h>
#include "rcufault/fault.h"
#include "rcufault/hooks.h"
#include "rcufault/mm_state.h"
#include "rcufault/stats.h"
#include "rcufault/symbols.h"

bool rcuf_enabled;

static struct percpu_ref rcuf_inflight;
static DECLARE_COMPLETION(rcuf_inflight_done);

static struct vm_area_struct *rcuf_lock_mm_and_find_vma(struct mm_struct *mm,
							unsigned long addr,
							struct pt_regs *regs)
{
	struct vm_area_struct *vma = rcuf_fault_try(mm, addr, regs);

	if (vma)	/* the sentinel keeps the reference */
		return vma;
	vma = rcuf_sym.lock_mm_and_find_vma(mm, addr, regs);
	percpu_ref_put(&rcuf_inflight);
	return vma;
}

static vm_fault_t rcuf_handle_mm_fault_completed(struct vm_area_struct *vma,
						 unsigned long addr,
						 unsigned int flags,
						 struct pt_regs *regs)
{
	rcuf_fault_account(addr, regs);
	rcuf_stat_inc(RCUF_STAT_SENTINEL_COMPLETIONS);
	percpu_ref_put(&rcuf_inflight);
	return VM_FAULT_COMPLETED;
}

static void notrace rcuf_lock_cb(unsigned long ip, unsigned long parent_ip,
				 struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (within_module(parent_ip, THIS_MODULE))
		return;		/* our own call of the original */
	rcuf_stat_inc(RCUF_STAT_FAULTS_SEEN);
	if (!READ_ONCE(rcuf_enabled))
		return;
	percpu_ref_get(&rcuf_inflight);
	regs->ip = (unsigned long)rcuf_lock_mm_and_find_vma;
}

static void notrace rcuf_handle_mm_fault_cb(unsigned long ip,
					    unsigned long parent_ip,
					    struct ftrace_ops *op,
					    struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (unlikely(rcuf_is_sentinel((struct vm_area_struct *)regs->di))) {
		regs->ip = (unsigned long)rcuf_handle_mm_fault_completed;
		return;
	}
	rcuf_stat_inc(RCUF_STAT_STOCK_FAULTS);
}

static void notrace rcuf_mmdrop_cb(unsigned long ip, unsigned long parent_ip,
				   struct ftrace_ops *op,
				   struct ftrace_regs *fregs)
{
	rcuf_mm_release((struct mm_struct *)ftrace_get_regs(fregs)->di);
}

/**
 * struct rcuf_hook - one hooked kernel function
 * @name: its name, for messages
 * @addr: its address, resolved at install time
 * @ops: the ftrace registration
 * @installed: @ops is registered
 */
struct rcuf_hook {
	const char *name;
	unsigned long addr;
	struct ftrace_ops ops;
	bool installed;
};

#define RCUF_HOOK(fn, cb, extra)					\
	{								\
		.name = #fn,						\
		.ops = {						\
			.func = cb,					\
			.flags = FTRACE_OPS_FL_SAVE_REGS | (extra),	\
		},							\
	}

enum { RCUF_HOOK_MMDROP, RCUF_HOOK_HANDLE_MM_FAULT, RCUF_HOOK_LOCK, RCUF_NR_HOOKS };

/* In install order; removed in reverse. */
static struct rcuf_hook rcuf_hooks[RCUF_NR_HOOKS] = {
	[RCUF_HOOK_MMDROP] = RCUF_HOOK(__mmdrop, rcuf_mmdrop_cb, 0),
	[RCUF_HOOK_HANDLE_MM_FAULT] = RCUF_HOOK(handle_mm_fault, rcuf_handle_mm_fault_cb,
						FTRACE_OPS_FL_IPMODIFY),
	[RCUF_HOOK_LOCK] = RCUF_HOOK(lock_mm_and_find_vma, rcuf_lock_cb,
				     FTRACE_OPS_FL_IPMODIFY),
};

static int rcuf_hook_install(struct rcuf_hook *h)
{
	int ret = ftrace_set_filter_ip(&h->ops, h->addr, 0, 0);

	if (ret) {
		pr_err("cannot hook %s: not traceable by ftrace (%d)\n", h->name, ret);
		return ret;
	}
	ret = register_ftrace_function(&h->ops);
	if (ret) {
		pr_err("cannot hook %s (%d)%s\n", h->name, ret,
		       ret == -EBUSY ? ": another ftrace user (a livepatch?) already modifies it" : "");
		ftrace_set_filter_ip(&h->ops, h->addr, 1, 0);
		return ret;
	}
	h->installed = true;
	return 0;
}

static void rcuf_hook_remove(struct rcuf_hook *h)
{
	if (!h->installed)
		return;
	unregister_ftrace_function(&h->ops);	/* waits for running callbacks */
	ftrace_set_filter_ip(&h->ops, h->addr, 1, 0);
	h->installed = false;
}

static void rcuf_inflight_release(struct percpu_ref *ref)
{
	complete(&rcuf_inflight_done);
}

/**
 * rcuf_hooks_install() - hook the fault path and mm teardown
 *
 * Context: process (module init), after rcuf_symbols_resolve().
 * Return: 0, or an error after one pr_err line; nothing stays hooked then.
 */
int rcuf_hooks_install(void)
{
	int i, ret;

	rcuf_hooks[RCUF_HOOK_MMDROP].addr = (unsigned long)__mmdrop;
	rcuf_hooks[RCUF_HOOK_HANDLE_MM_FAULT].addr = (unsigned long)handle_mm_fault;
	rcuf_hooks[RCUF_HOOK_LOCK].addr = (unsigned long)rcuf_sym.lock_mm_and_find_vma;
	ret = percpu_ref_init(&rcuf_inflight, rcuf_inflight_release, 0, GFP_KERNEL);
	if (ret)
		return ret;
	for (i = 0; i < RCUF_NR_HOOKS; i++) {
		ret = rcuf_hook_install(&rcuf_hooks[i]);
		if (ret) {
			rcuf_hooks_remove();
			return ret;
		}
	}
	return 0;
}

/**
 * rcuf_hooks_remove() - unhook everything; no task runs module text after
 *
 * Context: process; sleeps until every redirected fault has finished.
 */
void rcuf_hooks_remove(void)
{
	rcuf_hook_remove(&rcuf_hooks[RCUF_HOOK_LOCK]);
	percpu_ref_kill(&rcuf_inflight);
	wait_for_completion(&rcuf_inflight_done);
	synchronize_rcu_tasks();
	percpu_ref_exit(&rcuf_inflight);
	reinit_completion(&rcuf_inflight_done);
	rcuf_hook_remove(&rcuf_hooks[RCUF_HOOK_HANDLE_MM_FAULT]);
	rcuf_hook_remove(&rcuf_hooks[RCUF_HOOK_MMDROP]);
}
