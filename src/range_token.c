// SPDX-License-Identifier: GPL-2.0
/*
 * Range tokens: which mm call a write acquire of mmap_lock comes from, and
 * with what arguments (src/write_range.c uses them to declare ranges).
 *
 * A kretprobe on each call that may declare (__vm_munmap(),
 * do_mprotect_pkey(), vm_mmap_pgoff(); the x86-64 system calls brk,
 * mlock, mlock2, munlock and mremap, the last only for a call that stays
 * in place) claims a token for current at the
 * call's entry, with the call's own arguments as it runs with them (the
 * registers at its entry: the first three take their arguments in the
 * System V order, and 6.1's kallsyms names them without a clone suffix;
 * the system calls' wrappers take the saved user registers, see
 * rcuf_token_syscall()), and drops it when the call returns. Their ia32
 * entries are not probed: whole. Between a call's entry and its own
 * write acquire, a fault (or bpf_copy_from_user_task()) may expand a
 * stack, a write section: only from a sleepable BPF program, which
 * attaches to the system call wrappers only on kernels with
 * CONFIG_FUNCTION_ERROR_INJECTION (the wrappers are ALLOW_ERROR_INJECTION;
 * there the wrappers are not probed), and to sleepable LSM hooks, of
 * which only security_mmap_file() runs there (vm_mmap_pgoff(), before its
 * lock). Every such path read-locks before it write-locks, and no call
 * read-locks before its own write acquire: current's read acquire spends
 * its token (rcuf_range_token_spend()); the probes are registered before
 * the tokens, so that every read acquire inside a tokened call is seen.
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
 * call that finds its slot taken (or whose kretprobe ran out of instances)
 * has no token: whole, the safe direction. A kretprobe that cannot be
 * registered (a kernel without the symbol, kprobes off) leaves its call
 * whole, with one pr_info line. They are unregistered only after the
 * mmap_lock probes, so that a token a return handler never dropped (an
 * instance in flight at unregistration) is never taken.
 */
#include <linux/atomic.h>
#include <linux/hash.h>
#include <linux/kprobes.h>
#include <linux/sched.h>
#include <linux/string.h>
#include "rcufault/hooks.h"
#include "rcufault/range_token.h"
#include "rcufault/test_params.h"
#include "rcufault/write_range.h"

#define RCUF_TOKEN_BITS		6
#define RCUF_TOKEN_MAXACTIVE	64

/**
 * struct rcuf_range_token - current's call in progress
 * @task: the owner, or NULL: the slot is free
 * @mm: @task's mm at the call's entry
 * @class: enum rcuf_range_class of the call; RCUF_RANGE_WHOLE once taken
 * @start: the call's first argument
 * @len: its second
 * @prot: its third
 */
struct rcuf_range_token {
	struct task_struct *task;
	struct mm_struct *mm;
	int class;
	unsigned long start, len, prot;
};

static struct rcuf_range_token rcuf_tokens[1 << RCUF_TOKEN_BITS];

static struct rcuf_range_token *rcuf_token_slot(void)
{
	return &rcuf_tokens[hash_ptr(current, RCUF_TOKEN_BITS)];
}

/*
 * kretprobe entry: claim current's slot for a call of @class with
 * arguments @a0, @a1, @a2. Return 0 (the return handler will drop it) if
 * we did; else 1, and the call is not hooked on its way out. A
 * single-threaded mm does not declare (src/write_range.c), so its calls
 * pay for no token and no return hook; nor do calls made while lockless
 * faults are off (enable=0), when no fault needs a range. A call without
 * a token is whole, which is always safe, also when enable turns on
 * before the call's write acquire.
 */
static int rcuf_token_claim(int class, unsigned long a0, unsigned long a1,
			    unsigned long a2)
{
	struct rcuf_range_token *t = rcuf_token_slot();

	if (!READ_ONCE(rcuf_enabled) || !current->mm ||
	    (atomic_read(&current->mm->mm_users) <= 1 && !rcuf_test_range_audit()))
		return 1;
	if (cmpxchg(&t->task, NULL, current))
		return 1;
	t->mm = current->mm;
	t->start = a0;
	t->len = a1;
	t->prot = a2;
	t->class = class;
	return 0;
}

/* a kernel function's own arguments: the registers at its entry */
static int rcuf_token_call(struct pt_regs *regs, int class)
{
	return rcuf_token_claim(class, regs->di, regs->si, regs->dx);
}

/*
 * A system call's own arguments: its __x64_sys_*() wrapper is given the
 * task's saved user registers and reads them once, at its entry, as we do
 * here at the same instant (no ptrace stop or seccomp filter runs in
 * between: both come before the wrapper is called). Only probed on kernels
 * where no sleepable BPF program can attach to the wrapper (see the
 * header).
 */
static int rcuf_token_syscall(struct pt_regs *regs, int class)
{
	const struct pt_regs *args = (const struct pt_regs *)regs->di;

	return rcuf_token_claim(class, args->di, args->si, args->dx);
}

static int rcuf_token_munmap(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	return rcuf_token_call(regs, RCUF_RANGE_MUNMAP);
}

static int rcuf_token_mprotect(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	return rcuf_token_call(regs, RCUF_RANGE_MPROTECT);
}

static int rcuf_token_mmap(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	return rcuf_token_call(regs, RCUF_RANGE_MMAP);
}

static int rcuf_token_brk(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	return rcuf_token_syscall(regs, RCUF_RANGE_BRK);
}

static int rcuf_token_mlock(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	return rcuf_token_syscall(regs, RCUF_RANGE_MLOCK);
}

/*
 * mremap(2): a token only for a call that stays in place
 * (rcuf_range_mremap_in_place()); one that may move its mapping has
 * none, and no return hook: whole.
 */
static int rcuf_token_mremap(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	const struct pt_regs *args = (const struct pt_regs *)regs->di;

	if (!rcuf_range_mremap_in_place(args->si, args->dx, args->r10))
		return 1;
	return rcuf_token_syscall(regs, RCUF_RANGE_MREMAP);
}

/* kretprobe return: the call is over, its token with it */
static int rcuf_token_drop(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	/* our last use of the slot, then free it */
	smp_store_release(&rcuf_token_slot()->task, NULL);
	return 0;
}

#define RCUF_TOKEN_PROBE(fn, entry)					\
	{								\
		.kp.symbol_name = #fn,					\
		.entry_handler = entry,					\
		.handler = rcuf_token_drop,				\
		.maxactive = RCUF_TOKEN_MAXACTIVE,			\
	}

static struct kretprobe rcuf_token_probes[] = {
	RCUF_TOKEN_PROBE(__vm_munmap, rcuf_token_munmap),
	RCUF_TOKEN_PROBE(do_mprotect_pkey, rcuf_token_mprotect),
	RCUF_TOKEN_PROBE(vm_mmap_pgoff, rcuf_token_mmap),
	RCUF_TOKEN_PROBE(__x64_sys_brk, rcuf_token_brk),
	RCUF_TOKEN_PROBE(__x64_sys_mlock, rcuf_token_mlock),
	RCUF_TOKEN_PROBE(__x64_sys_mlock2, rcuf_token_mlock),
	RCUF_TOKEN_PROBE(__x64_sys_munlock, rcuf_token_mlock),
	RCUF_TOKEN_PROBE(__x64_sys_mremap, rcuf_token_mremap),
};

static bool rcuf_token_registered[ARRAY_SIZE(rcuf_token_probes)];

/**
 * rcuf_range_tokens_register() - probe the calls that may declare ranges
 *
 * Context: process (module init), before the mmap_lock probes. A probe that
 * cannot be registered leaves its call's sections whole.
 */
void rcuf_range_tokens_register(void)
{
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(rcuf_token_probes); i++) {
		struct kretprobe *rp = &rcuf_token_probes[i];

		/* a system call wrapper: see rcuf_token_syscall() */
		if (strstarts(rp->kp.symbol_name, "__x64_sys_") &&
		    IS_ENABLED(CONFIG_FUNCTION_ERROR_INJECTION)) {
			pr_info("not probing %s: sleepable BPF programs may fault at its entry (CONFIG_FUNCTION_ERROR_INJECTION); its write sections stay whole-mm\n",
				rp->kp.symbol_name);
			continue;
		}
		ret = rcuf_test_symbol_missing(rp->kp.symbol_name) ? -ENOENT :
		      register_kretprobe(rp);
		rcuf_token_registered[i] = !ret;
		if (ret)
			pr_info("cannot probe %s (%d): its write sections stay whole-mm\n",
				rp->kp.symbol_name, ret);
	}
}

/**
 * rcuf_range_tokens_unregister() - undo rcuf_range_tokens_register()
 *
 * Context: process, after the mmap_lock probes are unregistered.
 */
void rcuf_range_tokens_unregister(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(rcuf_token_probes); i++)
		if (rcuf_token_registered[i])
			unregister_kretprobe(&rcuf_token_probes[i]);
	memset(rcuf_token_registered, 0, sizeof(rcuf_token_registered));
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
