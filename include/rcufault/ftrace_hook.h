/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One ftrace hook on one kernel function, and the count of redirected
 * calls still running module text (src/ftrace_hook.c).
 */
#ifndef _RCUFAULT_FTRACE_HOOK_H
#define _RCUFAULT_FTRACE_HOOK_H

#include <linux/completion.h>
#include <linux/ftrace.h>
#include <linux/percpu-refcount.h>
#include <linux/types.h>

/*
 * The ftrace_ops flags of every rcufault hook. On kernels that hand ftrace
 * callbacks the argument registers without a full register save
 * (CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS, x86-64 since 5.11), a hook takes
 * the plain trampoline (ftrace_caller in arch/x86/kernel/ftrace_64.S):
 * it saves the argument registers, ax, bp, sp and the IP, and restores
 * all but sp from the same frame, so a changed argument or IP takes
 * effect, as livepatch relies on (kernel/livepatch/patch.c). The full
 * save (ftrace_regs_caller) costs every hooked call a pushfq/popfq and
 * seven more register moves; the A/B harness showed no difference either
 * way (README).
 */
#ifdef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
#define RCUF_HOOK_FLAGS		0
#else
#define RCUF_HOOK_FLAGS		FTRACE_OPS_FL_SAVE_REGS
#endif

/**
 * rcuf_hook_regs() - a hooked call's registers, as its ftrace callback sees
 *	them
 * @fregs: what the callback was given
 *
 * Only the argument registers (di, si, dx, cx, r8, r9), ax, bp, sp and ip
 * are valid (see RCUF_HOOK_FLAGS); a change to an argument or to ip takes
 * effect when the callback returns (to sp does not). ftrace_get_regs()
 * would return NULL without the full save.
 *
 * Return: the registers.
 */
static __always_inline struct pt_regs *rcuf_hook_regs(struct ftrace_regs *fregs)
{
	return &fregs->regs;
}

/**
 * struct rcuf_hook - one hooked kernel function
 * @name: its name, for messages
 * @addr: its address, resolved at install time (0: not hooked)
 * @ops: the ftrace registration
 * @installed: @ops is registered
 */
struct rcuf_hook {
	const char *name;
	unsigned long addr;
	struct ftrace_ops ops;
	bool installed;
};

/* a struct rcuf_hook initialiser: hook @fn with callback @cb, flags @extra */
#define RCUF_HOOK(fn, cb, extra)					\
	{								\
		.name = #fn,						\
		.ops = {						\
			.func = cb,					\
			.flags = RCUF_HOOK_FLAGS | (extra),		\
		},							\
	}

int rcuf_hook_install(struct rcuf_hook *h);
void rcuf_hook_remove(struct rcuf_hook *h);

/**
 * struct rcuf_inflight - redirected calls still running module text
 * @ref: one reference per call, from its ftrace callback until it is done
 * @done: completed when @ref drops to zero after percpu_ref_kill()
 * @what: what the calls are, for the message of a long wait at unload
 * @live: @ref is initialised
 */
struct rcuf_inflight {
	struct percpu_ref ref;
	struct completion done;
	const char *what;
	bool live;
};

int rcuf_inflight_init(struct rcuf_inflight *in, const char *what);
void rcuf_inflight_kill_wait(struct rcuf_inflight *in);
void rcuf_inflight_exit(struct rcuf_inflight *in);

#endif /* _RCUFAULT_FTRACE_HOOK_H */
