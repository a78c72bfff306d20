// SPDX-License-Identifier: GPL-2.0
/*
 * Range tokens: which mm call a write acquire of mmap_lock comes from, and
 * with what arguments (src/write_range.c uses them to declare ranges).
 *
 * An ftrace hook on each call that may declare (__vm_munmap(),
 * do_mprotect_pkey(), vm_mmap_pgoff(); the x86-64 system calls brk,
 * mlock, mlock2 and munlock) claims a token for current at the
 * call's entry, with the call's own arguments as it runs with them (see
 * rcuf_token_cb()), and redirects the call to a replacement that calls
 * the original and drops the token when it returns (rcuf_token_munmap()
 * and the others). Their ia32
 * entries are not hooked: whole. Between a call's entry and its own
 * write acquire, a fault (or bpf_copy_from_user_task()) may expand a
 * stack, a write section: only from a sleepable BPF program, which
 * attaches to the system call wrappers only on kernels with
 * CONFIG_FUNCTION_ERROR_INJECTION (the wrappers are ALLOW_ERROR_INJECTION;
 * there the wrappers are not hooked), and to sleepable LSM hooks, of
 * which only security_mmap_file() runs there (vm_mmap_pgoff(), before its
 * lock). Every such path read-locks before it write-locks, and no call
 * read-locks before its own write acquire: current's read acquire spends
 * its token (rcuf_range_token_spend()); the probes are registered before
 * the hooks, so that every read acquire inside a tokened call is seen.
 * The write acquire probe takes current's token for its mm
 * (rcuf_range_token_take()): a write acquire that finds one is the
 * call's own mmap_write_lock_killable(), for any other write acquire
 * inside these calls comes after a read acquire, which spent the token,
 * and nothing else runs between their entry and their return. Exit-to-user work
 * (signal frames that expand a stack, task_work), exceptions, ptrace'd
 * registers, io_uring workers and every other write acquire find no token
 * and stay whole.
 *
 * Tokens live in a small table indexed by a hash of the task: a slot is
 * claimed with cmpxchg() and then written and read only by its task; a
 * call that finds its slot taken has no token: whole, the safe direction.
 * A call that cannot be hooked (a kernel without the symbol, another
 * IPMODIFY user such as a livepatch) stays whole, with one pr_info line.
 * Unregistering waits for every replacement to return, so no token
 * outlives its call (kretprobes, which this replaced, could leave one
 * behind: an instance in flight at unregistration never runs its return
 * handler). The hooks take the plain ftrace trampoline (RCUF_HOOK_FLAGS),
 * where a kretprobe paid a full register save, with pushfq and popfq, at
 * the entry and again at the return.
 */
#include <linux/atomic.h>
#include <linux/hash.h>
#include <linux/module.h>
#include <linux/rcupdate_wait.h>
#include <linux/sched.h>
#include "rcufault/ftrace_hook.h"
#include "rcufault/hooks.h"
#include "rcufault/range_token.h"
#include "rcufault/symbols.h"
#include "rcufault/test_params.h"
#include "rcufault/write_range.h"

#define RCUF_TOKEN_BITS		6

/**
 * struct rcuf_range_token - current's call in progress
 * @task: the owner, or NULL: the slot is free
 * @mm: @task's mm at the call's entry
 * @fn: the hooked function current called, which its replacement calls
 * @class: enum rcuf_range_class of the call; RCUF_RANGE_WHOLE once taken
 * @start: the call's first argument
 * @len: its second
 * @prot: its third
 */
struct rcuf_range_token {
	struct task_struct *task;
	struct mm_struct *mm;
	void *fn;
	int class;
	unsigned long start, len, prot;
};

static struct rcuf_range_token rcuf_tokens[1 << RCUF_TOKEN_BITS];

static struct rcuf_range_token *rcuf_token_slot(void)
{
	return &rcuf_tokens[hash_ptr(current, RCUF_TOKEN_BITS)];
}

static struct rcuf_inflight rcuf_token_inflight;

/*
 * Hook entry: claim current's slot for a call of @class to @fn with
 * arguments @a0, @a1, @a2. Return 0 (the replacement will drop it) if we
 * did; else 1, and the call runs as it is. A single-threaded mm does not
 * declare (src/write_range.c), so its calls pay for no token and no
 * replacement; nor do calls made while lockless faults are off (enable=0),
 * when no fault needs a range. A call without a token is whole, which is
 * always safe, also when enable turns on before the call's write acquire.
 */
static int rcuf_token_claim(int class, void *fn, unsigned long a0,
			    unsigned long a1, unsigned long a2)
{
	struct rcuf_range_token *t = rcuf_token_slot();

	if (!READ_ONCE(rcuf_enabled) || !current->mm ||
	    (atomic_read(&current->mm->mm_users) <= 1 && !rcuf_test_range_audit()))
		return 1;
	if (cmpxchg(&t->task, NULL, current))
		return 1;	/* taken: another task's, or current's outer call */
	t->mm = current->mm;
	t->fn = fn;
	t->start = a0;
	t->len = a1;
	t->prot = a2;
	t->class = class;
	return 0;
}

/* The original of current's call: its slot is current's (the hook claimed it). */
static void *rcuf_token_orig(void)
{
	return rcuf_token_slot()->fn;
}

/* current's call is over, its token with it; then our last use of module data */
static void rcuf_token_done(void)
{
	/* release: our reads of the slot come before another task's claim */
	smp_store_release(&rcuf_token_slot()->task, NULL);
	percpu_ref_put(&rcuf_token_inflight.ref);
}

/*
 * The replacements: each calls the original (which the hook lets pass, its
 * caller being module text) with the arguments as given, then drops the
 * token. They have the original's signature and calling convention: 6.1 is
 * built with -pg (ftrace), which turns off GCC's -fipa-ra, so no caller
 * of these functions assumes the callee leaves a caller-saved register
 * alone; and 6.1's kallsyms names them without a clone suffix (no IPA-SRA
 * or constant-propagated copy with another signature).
 */
static int rcuf_token_munmap(unsigned long start, size_t len, bool downgrade)
{
	int (*orig)(unsigned long s, size_t l, bool d) = rcuf_token_orig();
	int ret = orig(start, len, downgrade);

	rcuf_token_done();
	return ret;
}

static int rcuf_token_mprotect(unsigned long start, size_t len,
			       unsigned long prot, int pkey)
{
	int (*orig)(unsigned long s, size_t l, unsigned long p, int k) =
		rcuf_token_orig();
	int ret = orig(start, len, prot, pkey);

	rcuf_token_done();
	return ret;
}

static unsigned long rcuf_token_mmap(struct file *file, unsigned long addr,
				     unsigned long len, unsigned long prot,
				     unsigned long flag, unsigned long pgoff)
{
	unsigned long (*orig)(struct file *f, unsigned long a, unsigned long l,
			      unsigned long p, unsigned long fl,
			      unsigned long o) = rcuf_token_orig();
	unsigned long ret = orig(file, addr, len, prot, flag, pgoff);

	rcuf_token_done();
	return ret;
}

static long rcuf_token_syscall(const struct pt_regs *regs)
{
	long (*orig)(const struct pt_regs *r) = rcuf_token_orig();
	long ret = orig(regs);

	rcuf_token_done();
	return ret;
}

/**
 * struct rcuf_token_hook - a call that may declare a range
 * @hook: the ftrace hook on it
 * @class: enum rcuf_range_class of its write sections
 * @syscall: an __x64_sys_*() wrapper (see rcuf_token_cb())
 * @replacement: the rcuf_token_*() function its calls are redirected to
 */
struct rcuf_token_hook {
	struct rcuf_hook hook;
	int class;
	bool syscall;
	void *replacement;
};

/*
 * The hook: claim a token and redirect the call to its replacement. A
 * kernel function's own arguments are the registers at its entry (the
 * first three take them in the System V order). A system call's are in
 * the task's saved user registers, which its __x64_sys_*() wrapper is
 * given and reads once, at its entry, as we do here at the same instant
 * (no ptrace stop or seccomp filter runs in between: both come before the
 * wrapper is called). The wrappers are only hooked on kernels where no
 * sleepable BPF program can attach to them (see the header).
 */
static void notrace rcuf_token_cb(unsigned long ip, unsigned long parent_ip,
				  struct ftrace_ops *op,
				  struct ftrace_regs *fregs)
{
	struct rcuf_token_hook *th = container_of(op, struct rcuf_token_hook, hook.ops);
	struct pt_regs *regs = rcuf_hook_regs(fregs);
	const struct pt_regs *args = regs;

	if (within_module(parent_ip, THIS_MODULE))
		return;		/* the replacement's call of the original */
	if (th->syscall)
		args = (const struct pt_regs *)regs->di;
	if (rcuf_token_claim(th->class, (void *)th->hook.addr, args->di, args->si,
			     args->dx))
		return;
	if (!percpu_ref_tryget_live(&rcuf_token_inflight.ref)) {
		/* being removed: run it as it is; release as rcuf_token_done() */
		smp_store_release(&rcuf_token_slot()->task, NULL);
		return;
	}
	regs->ip = (unsigned long)th->replacement;
}

#define RCUF_TOKEN_HOOK(fn, cls, sys, repl)				\
	{								\
		.hook = RCUF_HOOK(fn, rcuf_token_cb, FTRACE_OPS_FL_IPMODIFY), \
		.class = cls,						\
		.syscall = sys,						\
		.replacement = repl,					\
	}

static struct rcuf_token_hook rcuf_token_hooks[] = {
	RCUF_TOKEN_HOOK(__vm_munmap, RCUF_RANGE_MUNMAP, false, rcuf_token_munmap),
	RCUF_TOKEN_HOOK(do_mprotect_pkey, RCUF_RANGE_MPROTECT, false, rcuf_token_mprotect),
	RCUF_TOKEN_HOOK(vm_mmap_pgoff, RCUF_RANGE_MMAP, false, rcuf_token_mmap),
	RCUF_TOKEN_HOOK(__x64_sys_brk, RCUF_RANGE_BRK, true, rcuf_token_syscall),
	RCUF_TOKEN_HOOK(__x64_sys_mlock, RCUF_RANGE_MLOCK, true, rcuf_token_syscall),
	RCUF_TOKEN_HOOK(__x64_sys_mlock2, RCUF_RANGE_MLOCK, true, rcuf_token_syscall),
	RCUF_TOKEN_HOOK(__x64_sys_munlock, RCUF_RANGE_MLOCK, true, rcuf_token_syscall),
};

/**
 * rcuf_range_tokens_register() - hook the calls that may declare ranges
 *
 * Context: process (module init), after the mmap_lock probes. A call that
 * cannot be hooked (no such symbol, not traceable, another IPMODIFY user
 * such as a livepatch) keeps its sections whole, with one pr_info line.
 */
void rcuf_range_tokens_register(void)
{
	int i;

	if (rcuf_inflight_init(&rcuf_token_inflight,
			       "mmap, munmap, mprotect, brk and mlock calls")) {
		pr_info("no memory for the range hooks: every write section is whole-mm\n");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(rcuf_token_hooks); i++) {
		struct rcuf_hook *h = &rcuf_token_hooks[i].hook;

		h->without = "its write sections stay whole-mm";
		/* a system call wrapper: see rcuf_token_cb() */
		if (rcuf_token_hooks[i].syscall &&
		    IS_ENABLED(CONFIG_FUNCTION_ERROR_INJECTION)) {
			pr_info("not hooking %s: sleepable BPF programs may fault at its entry (CONFIG_FUNCTION_ERROR_INJECTION); %s\n",
				h->name, h->without);
			continue;
		}
		h->addr = rcuf_symbol_lookup(h->name);
		if (!h->addr)
			pr_info("cannot hook %s (%d): %s\n", h->name, -ENOENT, h->without);
		else
			rcuf_hook_install(h);
	}
}

/**
 * rcuf_range_tokens_unregister() - undo rcuf_range_tokens_register()
 *
 * Unhooks, then waits for every replacement still running (each has
 * dropped its token when its reference goes), then for RCU-tasks (a task
 * preempted between its put and its return). So no token outlives its
 * call, whichever probes are still registered.
 *
 * Context: process; sleeps for as long as the slowest hooked call.
 */
void rcuf_range_tokens_unregister(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(rcuf_token_hooks); i++)
		rcuf_hook_remove(&rcuf_token_hooks[i].hook);
	if (!rcuf_token_inflight.live || rcuf_test_unload_nowait())
		return;
	rcuf_inflight_kill_wait(&rcuf_token_inflight);
	synchronize_rcu_tasks();
	rcuf_inflight_exit(&rcuf_token_inflight);
}

/**
 * rcuf_range_token_spend() - current read-locks an mm: its call, if it has
 * a token, declares nothing
 *
 * No call that holds a token read-locks before its own write acquire, so
 * a read acquire inside one is a fault's or a BPF helper's, which may
 * next write-lock to expand a stack: that write acquire must not take the
 * token (see the header). Later read acquires (a downgrade, faults after
 * the call's section) find the token taken already.
 *
 * Context: the mmap_lock read acquire probe; any context (an interrupt's
 * read acquire spends the interrupted task's token: the safe direction).
 */
void rcuf_range_token_spend(void)
{
	struct rcuf_range_token *t = rcuf_token_slot();

	if (READ_ONCE(t->task) == current && !rcuf_test_token_unspent())
		WRITE_ONCE(t->class, RCUF_RANGE_WHOLE);
}

/**
 * rcuf_range_token_take() - the call current's write acquire of @mm is in
 * @mm: the mm current has just write-locked
 * @start: set to the call's first argument
 * @len: its second
 * @prot: its third
 *
 * Context: the write acquire probe. A token is taken once.
 * Return: the call's enum rcuf_range_class, or RCUF_RANGE_WHOLE.
 */
int rcuf_range_token_take(struct mm_struct *mm, unsigned long *start,
			  unsigned long *len, unsigned long *prot)
{
	struct rcuf_range_token *t = rcuf_token_slot();
	int class;

	if (READ_ONCE(t->task) != current || t->mm != mm)
		return RCUF_RANGE_WHOLE;
	class = t->class;
	t->class = RCUF_RANGE_WHOLE;
	*start = t->start;
	*len = t->len;
	*prot = t->prot;
	return class;
}
