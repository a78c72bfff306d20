// SPDX-License-Identifier: GPL-2.0
/*
 * ftrace hooks on the fault path.
 *
 * lock_mm_and_find_vma(): counted always; when enabled (and the mm has
 * more than one user, unless lockless_single_thread is set), the call is
 * redirected (IPMODIFY) to rcuf_lock_mm_and_find_vma(), which tries the
 * lockless path and otherwise calls the original, then refreshes the shadow
 * VMA tree while mmap_lock is held. Our own call of the original passes
 * through because its caller is module text (this file is built with
 * -fno-optimize-sibling-calls, so that call is never a jump).
 *
 * vm_area_free(): if the mm's shadow tree ever held records, redirected to
 * rcuf_vm_area_free(), which drops the VMA's shadow record and frees the
 * VMA after an RCU grace period (DESIGN.md §3.2): 6.1 frees VMAs at once,
 * and a lockless reader may still hold a record pointing at it. Only the
 * VMA's memory is kept: what it points to (vm_file, anon_vma, ...) is
 * released by the caller before vm_area_free(). The deferred call of the
 * original comes from module text too, so it passes through.
 *
 * handle_mm_fault(): counted always; for the sentinel VMA it is redirected
 * to a stub that accounts the fault and returns VM_FAULT_COMPLETED. A stock
 * attempt that follows a lockless one gets what the latter marked for it
 * (fault_entry.c): FAULT_FLAG_TRIED after unlocked I/O, or a stub returning
 * VM_FAULT_OOM after a failed charge (holding an inflight reference).
 *
 * mmap_region(): an anonymous mmap(2) write section that calls it is
 * split there (src/write_range.c), enabled or not: its first part
 * declared the empty range; when enabled and with shadow_at_mmap, it is
 * redirected to
 * rcuf_mmap_region(), which calls the original and records the new VMA in
 * the shadow tree (the mmap_lock is still held for write), so that a new
 * mapping's first fault need not take the stock path.
 *
 * hugepage_madvise(): a madvise(MADV_HUGEPAGE or MADV_NOHUGEPAGE) write
 * section is split at its first VMA (src/write_range.c); not redirected.
 * A kernel without the symbol (or without THP) leaves those sections
 * whole.
 *
 * vma_merge(): a madvise() write section whose advice only changes flags
 * (MADV_DONTDUMP, MADV_RANDOM, ...) is split there, at its first VMA
 * (src/write_range.c); a call from outside do_madvise()'s text returns at
 * once. Not redirected; a kernel without the symbols (vma_merge,
 * do_madvise, kallsyms_lookup_size_offset) leaves those sections whole.
 *
 * __mmdrop(): forgets the mm's state.
 *
 * ptlock_free(): only on kernels that allocate PTE locks (lockdep),
 * redirected to free the lock after a grace period (src/ptlock_defer.c);
 * removed once no lockless fault is left, before the RCU-tasks wait.
 *
 * Unload safety: every redirected call holds a reference from the ftrace
 * callback until it is done with module text: faults on rcuf_fault_inflight
 * (for the sentinel, until the handle_mm_fault stub) and mmap_region()
 * calls on rcuf_fault_inflight, VMA frees on rcuf_free_inflight. Removal
 * unhooks the fault entry first and waits for the references (mmap_region()
 * takes none once they are being waited for), then unhooks vma_merge(),
 * hugepage_madvise() and mmap_region(): it splits mmap sections for as
 * long as a lockless fault may run, which may trust the empty range their
 * first parts declare. Then no lockless reader or shadow writer is left,
 * and VMA frees may go back to immediate, so the vm_area_free hook goes next
 * and its references are waited for, and the write sections' fill waits
 * (src/fill_sync.c); then RCU-tasks (a task preempted
 * between a put and its return); only then handle_mm_fault and __mmdrop
 * are unhooked. Deferred VMA frees still queued run the original through
 * rcuf_sym; the caller's rcu_barrier() waits for them.
 */
#include <linux/ftrace.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include "rcufault/fault.h"
#include "rcufault/fault_entry.h"
#include "rcufault/fill_sync.h"
#include "rcufault/ftrace_hook.h"
#include "rcufault/hooks.h"
#include "rcufault/mm_state.h"
#include "rcufault/ptlock_defer.h"
#include "rcufault/shadow.h"
#include "rcufault/stats.h"
#include "rcufault/symbols.h"
#include "rcufault/test_params.h"
#include "rcufault/write_range.h"

bool rcuf_enabled;

static struct rcuf_inflight rcuf_fault_inflight, rcuf_free_inflight;

/*
 * A lockless charge that failed under a cgroup v1 memcg with
 * oom_kill_disable recorded the OOM in current->memcg_in_oom (with a css
 * reference), for pagefault_out_of_memory() to wait on. Stock clears it at
 * the end of handle_mm_fault() unless the fault fails with VM_FAULT_OOM
 * (mm/memory.c); do the same where a fault ends without our OOM stub:
 * the sentinel's completion, or a stock attempt that found no VMA.
 */
static void rcuf_fault_memcg_oom_end(void)
{
	if (unlikely(task_in_memcg_oom(current)))
		rcuf_sym.mem_cgroup_oom_synchronize(false);
}

static struct vm_area_struct *rcuf_lock_mm_and_find_vma(struct mm_struct *mm,
							unsigned long addr,
							struct pt_regs *regs)
{
	unsigned int mark = 0;
	struct vm_area_struct *vma = rcuf_fault_try(mm, addr, regs, &mark);

	if (vma)	/* the sentinel keeps the reference */
		return vma;
	vma = rcuf_sym.lock_mm_and_find_vma(mm, addr, regs);
	if (vma) {	/* mmap_lock is held for read */
		rcuf_shadow_fault_refresh(mm, vma);
		if (mark)	/* for our handle_mm_fault() callback */
			rcuf_fault_mark(addr, regs, mark);
	} else {
		rcuf_fault_memcg_oom_end();
	}
	percpu_ref_put(&rcuf_fault_inflight.ref);
	return vma;
}

/* mmap_region(), then the record of the VMA it made (fault accounting) */
static unsigned long rcuf_mmap_region(struct file *file, unsigned long addr,
				      unsigned long len, vm_flags_t vm_flags,
				      unsigned long pgoff, struct list_head *uf)
{
	unsigned long ret = rcuf_sym.mmap_region(file, addr, len, vm_flags,
						 pgoff, uf);

	if (!IS_ERR_VALUE(ret))
		rcuf_shadow_mmap_created(current->mm, ret);
	percpu_ref_put(&rcuf_fault_inflight.ref);
	return ret;
}

static vm_fault_t rcuf_handle_mm_fault_completed(struct vm_area_struct *vma,
						 unsigned long addr,
						 unsigned int flags,
						 struct pt_regs *regs)
{
	/* a retry after stock's own I/O is major too (mm_account_fault()) */
	rcuf_fault_account(addr, regs, vma == &rcuf_sentinel_major_vma ||
			   (flags & FAULT_FLAG_TRIED));
	rcuf_stat_inc(RCUF_STAT_SENTINEL_COMPLETIONS);
	rcuf_fault_memcg_oom_end();
	percpu_ref_put(&rcuf_fault_inflight.ref);
	return VM_FAULT_COMPLETED;
}

/*
 * The stock attempt of a fault whose lockless allocation or memcg charge
 * failed: it fails the same way without charging again (see
 * rcuf_fault_fallback_mark()). mmap_lock is held, as for any stock
 * attempt; do_user_addr_fault() releases it.
 */
static vm_fault_t rcuf_handle_mm_fault_oom(struct vm_area_struct *vma,
					   unsigned long addr,
					   unsigned int flags,
					   struct pt_regs *regs)
{
	rcuf_fault_account_entry();
	rcuf_stat_inc(RCUF_STAT_STOCK_OOM);
	percpu_ref_put(&rcuf_fault_inflight.ref);
	return VM_FAULT_OOM;
}

/**
 * struct rcuf_vma_free - a VMA whose free waits for a grace period
 * @rcu: the grace period
 * @vma: the VMA
 */
struct rcuf_vma_free {
	struct rcu_head rcu;
	struct vm_area_struct *vma;
};

static void rcuf_vma_free_rcu(struct rcu_head *head)
{
	struct rcuf_vma_free *f = container_of(head, struct rcuf_vma_free, rcu);

	rcuf_sym.vm_area_free(f->vma);
	kfree(f);
}

/*
 * Free @vma after a grace period. Without memory to track it, wait for the
 * grace period here: vm_area_free() is only called from process context
 * (remove_vma(), __vma_adjust(), exit_mmap(), dup_mmap() and execve error
 * paths, all may sleep). Should it ever come from atomic context instead,
 * leaking the VMA is the safe choice.
 */
static void rcuf_vma_free_deferred(struct vm_area_struct *vma)
{
	struct rcuf_vma_free *f = kmalloc(sizeof(*f), GFP_ATOMIC | __GFP_NOWARN);

	if (likely(f)) {
		f->vma = vma;
		call_rcu(&f->rcu, rcuf_vma_free_rcu);
		rcuf_stat_inc(RCUF_STAT_VMA_FREES_DEFERRED);
	} else if (preemptible() && !rcu_preempt_depth()) {
		synchronize_rcu();
		rcuf_sym.vm_area_free(vma);
		rcuf_stat_inc(RCUF_STAT_VMA_FREES_SYNC);
	} else {
		rcuf_stat_inc(RCUF_STAT_VMA_FREES_LEAKED);
	}
}

static void rcuf_vm_area_free(struct vm_area_struct *vma)
{
	if (rcuf_shadow_vma_free(vma))
		rcuf_vma_free_deferred(vma);
	else
		rcuf_sym.vm_area_free(vma);
	percpu_ref_put(&rcuf_free_inflight.ref);
}

/*
 * Off by default, by measurement: a process with one thread gains almost
 * nothing from lockless faults (only a task of its own could wait for its
 * mmap_lock: a remote writer such as khugepaged, or readers queued behind
 * one), while the shadow tree costs it (records made at stock faults,
 * dropped and RCU-deferred at every VMA free): stress-ng's single-threaded
 * fault stressor ran at 0.64x of no module with it on, 0.90 (not shown
 * different from 1) with it off. Test builds default to 1, so that the
 * test lanes' single-threaded programs exercise the lockless path.
 */
static bool lockless_single_thread = RCUF_TEST_BUILD;
module_param(lockless_single_thread, bool, 0600);
MODULE_PARM_DESC(lockless_single_thread,
		 "try lockless faults in processes with one thread too (default 0: their faults take the stock path; single_thread_faults counts them)");

/*
 * May @mm's fault try the lockless path? Not when @mm has one user and
 * lockless_single_thread is off. mm_users may change right after: either
 * way the fault is served correctly (the stock path always is).
 */
static bool rcuf_lock_may_try(struct mm_struct *mm)
{
	if (READ_ONCE(lockless_single_thread) ||
	    atomic_read(&mm->mm_users) > 1)
		return true;
	rcuf_stat_inc(RCUF_STAT_SINGLE_THREAD_FAULTS);
	return false;
}

static void notrace rcuf_lock_cb(unsigned long ip, unsigned long parent_ip,
				 struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	struct pt_regs *regs = rcuf_hook_regs(fregs);

	if (within_module(parent_ip, THIS_MODULE))
		return;		/* our own call of the original */
	rcuf_stat_inc(RCUF_STAT_FAULTS_SEEN);
	/* lock_mm_and_find_vma(mm, addr, regs) */
	if (!READ_ONCE(rcuf_enabled) ||
	    !rcuf_lock_may_try((struct mm_struct *)regs->di))
		return;
	percpu_ref_get(&rcuf_fault_inflight.ref);
	regs->ip = (unsigned long)rcuf_lock_mm_and_find_vma;
}

static void notrace rcuf_vm_area_free_cb(unsigned long ip,
					 unsigned long parent_ip,
					 struct ftrace_ops *op,
					 struct ftrace_regs *fregs)
{
	struct pt_regs *regs = rcuf_hook_regs(fregs);

	if (within_module(parent_ip, THIS_MODULE))
		return;		/* our own (deferred) call of the original */
	/* vm_area_free(vma): never seen by a lockless reader, freed at once */
	if (!rcuf_shadow_vma_shadowed((struct vm_area_struct *)regs->di))
		return;
	percpu_ref_get(&rcuf_free_inflight.ref);
	regs->ip = (unsigned long)rcuf_vm_area_free;
}

/*
 * Off by default, by measurement: the record costs every mmap() a B-tree
 * insert, which cost stress-ng's mmap stressor 13% and its fault stressor
 * 2% (5 interleaved rounds each), while it only spares each new mapping
 * its first stock fault.
 */
static bool shadow_at_mmap;
module_param(shadow_at_mmap, bool, 0600);
MODULE_PARM_DESC(shadow_at_mmap,
		 "record the VMA of every new mapping at mmap() time (default 0: at its first stock fault)");

static void notrace rcuf_mmap_region_cb(unsigned long ip,
					unsigned long parent_ip,
					struct ftrace_ops *op,
					struct ftrace_regs *fregs)
{
	struct pt_regs *regs = rcuf_hook_regs(fregs);

	if (within_module(parent_ip, THIS_MODULE))
		return;		/* our own call of the original */
	/* mmap_region(file, addr, len, ...): src/write_range.c, even when off */
	rcuf_range_mmap_region(current->mm, (struct file *)regs->di, regs->si,
			       regs->dx);
	if (!READ_ONCE(rcuf_enabled) || !READ_ONCE(shadow_at_mmap) ||
	    !percpu_ref_tryget_live(&rcuf_fault_inflight.ref))
		return;		/* off, or being removed */
	regs->ip = (unsigned long)rcuf_mmap_region;
}

/* hugepage_madvise(), or 0 (a kernel without THP or without the symbol) */
static unsigned long rcuf_hugepage_madvise_addr(void)
{
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	return (unsigned long)rcuf_sym.hugepage_madvise;
#else
	return 0;
#endif
}

static void notrace rcuf_hugepage_madvise_cb(unsigned long ip,
					     unsigned long parent_ip,
					     struct ftrace_ops *op,
					     struct ftrace_regs *fregs)
{
	struct pt_regs *regs = rcuf_hook_regs(fregs);

	/* hugepage_madvise(vma, vm_flags, advice): src/write_range.c */
	rcuf_range_madvise((struct vm_area_struct *)regs->di, (int)regs->dx);
}

static void notrace rcuf_vma_merge_cb(unsigned long ip,
				      unsigned long parent_ip,
				      struct ftrace_ops *op,
				      struct ftrace_regs *fregs)
{
	struct pt_regs *regs = rcuf_hook_regs(fregs);

	/* vma_merge(mm, prev, addr, end, ...): src/write_range.c */
	rcuf_range_madvise_merge((struct mm_struct *)regs->di, regs->dx,
				 parent_ip);
}

static void notrace rcuf_handle_mm_fault_cb(unsigned long ip,
					    unsigned long parent_ip,
					    struct ftrace_ops *op,
					    struct ftrace_regs *fregs)
{
	struct pt_regs *regs = rcuf_hook_regs(fregs);
	unsigned int mark;

	if (unlikely(rcuf_is_sentinel((struct vm_area_struct *)regs->di))) {
		regs->ip = (unsigned long)rcuf_handle_mm_fault_completed;
		return;
	}
	rcuf_stat_inc(RCUF_STAT_STOCK_FAULTS);
	/* handle_mm_fault(vma, address, flags, regs): a lockless attempt's mark */
	mark = rcuf_fault_mark_take(regs->si, (struct pt_regs *)regs->cx);
	if (likely(!mark))
		return;
	if (mark & RCUF_FAULT_MARK_TRIED)
		regs->dx |= FAULT_FLAG_TRIED;
	if ((mark & RCUF_FAULT_MARK_OOM) &&
	    percpu_ref_tryget_live(&rcuf_fault_inflight.ref))
		regs->ip = (unsigned long)rcuf_handle_mm_fault_oom;
}

static void notrace rcuf_mmdrop_cb(unsigned long ip, unsigned long parent_ip,
				   struct ftrace_ops *op,
				   struct ftrace_regs *fregs)
{
	rcuf_mm_release((struct mm_struct *)rcuf_hook_regs(fregs)->di);
}

enum {
	RCUF_HOOK_MMDROP, RCUF_HOOK_HANDLE_MM_FAULT, RCUF_HOOK_PTLOCK_FREE,
	RCUF_HOOK_VMA_FREE,
	RCUF_HOOK_MMAP_REGION, RCUF_HOOK_HUGEPAGE_MADVISE, RCUF_HOOK_VMA_MERGE,
	RCUF_HOOK_LOCK,
	RCUF_NR_HOOKS
};

/*
 * In install order; removed in reverse. vm_area_free comes before the fault
 * entry and mmap_region: shadow records only appear once those are hooked,
 * and every one of their VMAs must be freed through the hook; so does
 * ptlock_free (an address of 0: not hooked on this kernel).
 */
static struct rcuf_hook rcuf_hooks[RCUF_NR_HOOKS] = {
	[RCUF_HOOK_MMDROP] = RCUF_HOOK(__mmdrop, rcuf_mmdrop_cb, 0),
	[RCUF_HOOK_HANDLE_MM_FAULT] = RCUF_HOOK(handle_mm_fault, rcuf_handle_mm_fault_cb,
						FTRACE_OPS_FL_IPMODIFY),
	[RCUF_HOOK_PTLOCK_FREE] = RCUF_HOOK(ptlock_free, RCUF_PTLOCK_FREE_CB,
					    FTRACE_OPS_FL_IPMODIFY),
	[RCUF_HOOK_VMA_FREE] = RCUF_HOOK(vm_area_free, rcuf_vm_area_free_cb,
					 FTRACE_OPS_FL_IPMODIFY),
	[RCUF_HOOK_MMAP_REGION] = RCUF_HOOK(mmap_region, rcuf_mmap_region_cb,
					    FTRACE_OPS_FL_IPMODIFY),
	[RCUF_HOOK_HUGEPAGE_MADVISE] = RCUF_HOOK(hugepage_madvise,
						 rcuf_hugepage_madvise_cb, 0),
	[RCUF_HOOK_VMA_MERGE] = RCUF_HOOK(vma_merge, rcuf_vma_merge_cb, 0),
	[RCUF_HOOK_LOCK] = RCUF_HOOK(lock_mm_and_find_vma, rcuf_lock_cb,
				     FTRACE_OPS_FL_IPMODIFY),
};

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
	rcuf_hooks[RCUF_HOOK_PTLOCK_FREE].addr = rcuf_ptlock_free_addr();
	rcuf_hooks[RCUF_HOOK_VMA_FREE].addr = (unsigned long)rcuf_sym.vm_area_free;
	rcuf_hooks[RCUF_HOOK_MMAP_REGION].addr = (unsigned long)rcuf_sym.mmap_region;
	rcuf_hooks[RCUF_HOOK_HUGEPAGE_MADVISE].addr = rcuf_hugepage_madvise_addr();
	if (rcuf_range_madvise_merge_init())
		rcuf_hooks[RCUF_HOOK_VMA_MERGE].addr = (unsigned long)rcuf_sym.vma_merge;
	rcuf_hooks[RCUF_HOOK_LOCK].addr = (unsigned long)rcuf_sym.lock_mm_and_find_vma;
	ret = rcuf_inflight_init(&rcuf_fault_inflight, "faults and mmap_region() calls");
	if (!ret)
		ret = rcuf_inflight_init(&rcuf_free_inflight, "VMA frees");
	if (ret) {
		rcuf_inflight_exit(&rcuf_fault_inflight);
		return ret;
	}
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
	int i;

	rcuf_hook_remove(&rcuf_hooks[RCUF_HOOK_LOCK]);
	rcuf_inflight_kill_wait(&rcuf_fault_inflight);
	rcuf_hook_remove(&rcuf_hooks[RCUF_HOOK_VMA_MERGE]);
	rcuf_hook_remove(&rcuf_hooks[RCUF_HOOK_HUGEPAGE_MADVISE]);
	rcuf_hook_remove(&rcuf_hooks[RCUF_HOOK_MMAP_REGION]);
	/* no lockless reader and no shadow writer left: frees may be immediate */
	rcuf_hook_remove(&rcuf_hooks[RCUF_HOOK_VMA_FREE]);
	rcuf_hook_remove(&rcuf_hooks[RCUF_HOOK_PTLOCK_FREE]);
	rcuf_inflight_kill_wait(&rcuf_free_inflight);
	rcuf_fill_sync_drain();	/* no fault left, so no fill: no new wait */
	synchronize_rcu_tasks();
	rcuf_inflight_exit(&rcuf_free_inflight);
	rcuf_inflight_exit(&rcuf_fault_inflight);
	rcuf_hook_remove(&rcuf_hooks[RCUF_HOOK_HANDLE_MM_FAULT]);
	rcuf_hook_remove(&rcuf_hooks[RCUF_HOOK_MMDROP]);
	/* a hook the order above left out would outlive the module's text */
	for (i = 0; i < RCUF_NR_HOOKS; i++)
		if (WARN_ON_ONCE(rcuf_hooks[i].installed))
			rcuf_hook_remove(&rcuf_hooks[i]);
}
