// SPDX-License-Identifier: GPL-2.0
/*
 * Split PTE locks outlive every lockless walk that may still take them.
 *
 * The bug (6.1, kernels with ALLOC_SPLIT_PTLOCKS: spinlock_t larger than a
 * long, as with lockdep or DEBUG_SPINLOCK; the debug lane's kernel):
 *
 * - include/linux/mm.h: ptlock_ptr() returns page->ptl, a pointer to an
 *   object of its own; mm/memory.c ptlock_alloc() takes it from the
 *   page_ptl_cachep kmem_cache, ptlock_free() returns it with
 *   kmem_cache_free(), at once.
 * - ptlock_free() runs in the table's destructor, pgtable_pte_page_dtor()
 *   (mm.h; PMD tables: pgtable_pmd_page_dtor() through pmd_ptlock_free()).
 *   arch/x86/mm/pgtable.c ___pte_free_tlb() calls that destructor first and
 *   only then hands the table page to the mmu_gather
 *   (paravirt_tlb_remove_table()). free_pgtables() gets there through
 *   mm/memory.c free_pte_range() (pmd_clear(), then pte_free_tlb()), from
 *   munmap's downgraded section (mm/mmap.c unmap_region()), mmap() over an
 *   old mapping, exit and execve.
 * - The table page itself waits for every CPU that may walk it with
 *   interrupts off: natively x86's tlb_remove_table is tlb_remove_page
 *   (arch/x86/kernel/paravirt.c), freed after the TLB flush, which for
 *   freed tables IPIs every CPU of the mm and waits (arch/x86/mm/tlb.c
 *   native_flush_tlb_multi()); with a paravirt TLB flush (kvm.c, hyperv,
 *   xen) it is mm/mmu_gather.c tlb_remove_table(): call_rcu(), or
 *   tlb_remove_table_sync_one()'s IPI when no batch page can be had.
 *   Either way an interrupts-off walk holds the page's free off.
 * - src/pte_lock.c walks to the PMD with interrupts off, then
 *   spin_trylock()s pte_lockptr(): a walk that read the PMD before
 *   pmd_clear() still finds the table, but its lock may already be freed,
 *   and the trylock (and unlock) writes into freed, maybe reused, memory.
 *
 * The fix: an IPMODIFY ftrace hook (src/hooks.c) sends ptlock_free() to
 * rcuf_ptlock_free(), which frees the lock object only once no walk that
 * could have found it is left, as the table page is:
 * - normally after an RCU grace period (call_rcu()): since v5.0 a region
 *   with interrupts off is an RCU read-side critical section
 *   (kernel/rcu/tree.c, call_rcu()), so every walk that started before the
 *   call has ended, its unlock included;
 * - with no memory for the bookkeeping, after an IPI to every other online
 *   CPU, waited for (smp_call_function(..., 1), as
 *   tlb_remove_table_sync_one()): each of them has had interrupts on since,
 *   so no walk that began before is still running, and a walk that begins
 *   after it reads the PMD that pmd_clear() emptied before this call.
 * The lock's own bytes are never written here: a racing trylock may still
 * lock and unlock it until the grace period ends. The bookkeeping is a
 * separate small allocation (GFP_NOWAIT).
 *
 * Calling contexts of ptlock_free() in 6.1 x86: always a task, interrupts
 * on. free_pgtables() and fs/exec.c shift_arg_pages() may sleep;
 * mm/huge_memory.c zap_deposited_table() runs under the PMD lock
 * (pte_free()); mm/khugepaged.c collapse_and_free_pmd() under mmap_lock
 * and rmap locks, after its own IPI; pmd_free() of kernel tables in
 * pud_free_pmd_page(). Tables that were never installed (__pte_alloc(),
 * __pmd_alloc() and do_fault() losing a race, in mm/memory.c itself, where
 * the compiler may inline ptlock_free() past the hook) were never walked.
 * So nothing here may sleep, and the IPI goes out with interrupts on (as
 * every TLB shootdown under a page-table lock does). Should this ever run
 * with interrupts off or outside a task, the lock is leaked and counted:
 * the only safe choice then.
 *
 * PMD tables' locks take this path too. rcufault takes them only to
 * publish a PTE table (src/pte_table.c), and only while it holds the mm's
 * publisher count, which every write section waits out before it can free
 * a PMD table: for them the delay only costs memory for a grace period.
 *
 * Where ALLOC_SPLIT_PTLOCKS is 0 (Debian's kernel: a 4-byte spinlock_t
 * inside struct page, as long-lived as the table page), nothing of this is
 * built or hooked.
 */
#include <linux/ftrace.h>
#include <linux/hardirq.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include "rcufault/ftrace_hook.h"
#include "rcufault/ptlock_defer.h"
#include "rcufault/stats.h"
#include "rcufault/symbols.h"
#include "rcufault/test_params.h"

#if RCUF_PTLOCK_DEFER

/**
 * struct rcuf_ptl_free - a PTE lock whose free waits for a grace period
 * @rcu: the grace period
 * @ptl: the lock object (page->ptl of a table being freed)
 */
struct rcuf_ptl_free {
	struct rcu_head rcu;
	spinlock_t *ptl;
};

static struct rcuf_ptl_free *rcuf_ptl_free_alloc(void)
{
	if (rcuf_test_ptl_nomem())
		return NULL;
	return kmalloc(sizeof(struct rcuf_ptl_free), GFP_NOWAIT | __GFP_NOWARN);
}

/* What ptlock_free() does, for an object no walk can reach any more. */
static void rcuf_ptl_free_now(spinlock_t *ptl)
{
	kmem_cache_free(*rcuf_sym.page_ptl_cachep, ptl);
}

static void rcuf_ptl_free_rcu(struct rcu_head *head)
{
	struct rcuf_ptl_free *f = container_of(head, struct rcuf_ptl_free, rcu);

	rcuf_ptl_free_now(f->ptl);
	kfree(f);
}

static void rcuf_ptl_ipi(void *unused)
{
}

/* ptlock_free() as redirected: never sleeps (see the top of this file). */
static void rcuf_ptlock_free(struct page *page)
{
	spinlock_t *ptl = ptlock_ptr(page);
	struct rcuf_ptl_free *f = rcuf_ptl_free_alloc();

	if (likely(f)) {
		f->ptl = ptl;
		call_rcu(&f->rcu, rcuf_ptl_free_rcu);
		rcuf_stat_inc(RCUF_STAT_PTL_FREES_DEFERRED);
	} else if (!irqs_disabled() && in_task()) {
		smp_call_function(rcuf_ptl_ipi, NULL, 1);
		rcuf_ptl_free_now(ptl);
		rcuf_stat_inc(RCUF_STAT_PTL_FREES_SYNC);
	} else {
		rcuf_stat_inc(RCUF_STAT_PTL_FREES_LEAKED);
	}
}

/**
 * rcuf_ptlock_free_cb() - ftrace callback on ptlock_free(): redirect it
 * @ip: ptlock_free()
 * @parent_ip: its caller
 * @op: our ftrace_ops
 * @fregs: the registers; the IP is set to rcuf_ptlock_free()
 *
 * The replacement never calls the original, so there is no own call to let
 * pass. It never sleeps either: once the hook is unregistered, an RCU-tasks
 * grace period (rcuf_hooks_remove()) outlasts every task still in it, and
 * the caller's rcu_barrier() every callback it queued.
 *
 * Context: whatever ptlock_free() is called in; never sleeps.
 */
void notrace rcuf_ptlock_free_cb(unsigned long ip, unsigned long parent_ip,
				 struct ftrace_ops *op,
				 struct ftrace_regs *fregs)
{
	rcuf_hook_regs(fregs)->ip = (unsigned long)rcuf_ptlock_free;
}

#endif /* RCUF_PTLOCK_DEFER */

/**
 * rcuf_ptlock_free_addr() - where to hook ptlock_free(), if at all
 *
 * Context: after rcuf_symbols_resolve().
 * Return: ptlock_free()'s address on kernels where it frees the PTE lock
 * object at once (RCUF_PTLOCK_DEFER), else 0: nothing to hook.
 */
unsigned long rcuf_ptlock_free_addr(void)
{
#if RCUF_PTLOCK_DEFER
	return (unsigned long)rcuf_sym.ptlock_free;
#else
	return 0;
#endif
}
