// SPDX-License-Identifier: GPL-2.0
/*
 * The locked step of every lockless fault: with local interrupts off (page
 * tables cannot be freed under us, see pgtable_walk.c), find the PTE table,
 * trylock its PTE lock (spinning could deadlock against a lock holder
 * waiting for a TLB-flush IPI to this CPU), then re-check under it that the
 * PMD still points to this table, that no mmap_lock writer ran since the
 * epoch the fault speculated on, and that the mm is not being reaped. A
 * busy lock is tried again a few times (RCUF_PTL_TRIES), each time after
 * interrupts were back on for a short pause and from a fresh walk: a
 * holder waiting for our IPI gets it, and nothing found before the pause
 * is trusted after it. Most holders are other faults on the same table,
 * which the stock path would simply wait for.
 *
 * Once all that holds, no writer can change this table's VMA until the
 * lock is dropped: a writer bumps the epoch first, and every zap or free of
 * the table's entries takes this lock. Interrupts stay off until
 * rcuf_pte_unlock(), so callers must not call anything that enables them
 * (mlock's LRU batch does: VM_LOCKED VMAs fall back). The interrupt state
 * is saved and restored, never forced on: a fault taken with interrupts
 * off (kernel code; x86 keeps them off then) returns with them still off.
 */
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include "rcufault/mm_state.h"
#include "rcufault/pgtable_walk.h"
#include "rcufault/pte_lock.h"
#include "rcufault/stats.h"

/* Tries of a busy PTE lock, and cpu_relax() pauses between two. */
#define RCUF_PTL_TRIES	8
#define RCUF_PTL_PAUSE	32

/* With interrupts off: find @addr's PTE table and trylock its lock. */
static enum rcuf_stat rcuf_pte_trylock(struct mm_struct *mm, unsigned long addr,
				       struct rcuf_pte_locked *pl)
{
	enum rcuf_walk_result walk;

	walk = rcuf_pmd_find_irqs_off(mm, addr, &pl->pmdp, &pl->pmd);
	if (walk != RCUF_WALK_PTE)
		return walk == RCUF_WALK_NO_TABLE ? RCUF_STAT_FB_NO_PTE_TABLE :
						    RCUF_STAT_FB_PGTABLE;
	pl->ptl = pte_lockptr(mm, &pl->pmd);
	return spin_trylock(pl->ptl) ? RCUF_STAT_LOCKLESS_SUCCESS :
				       RCUF_STAT_FB_PTL_BUSY;
}

/* A pause with interrupts as on entry, before trying a busy lock again. */
static bool rcuf_pte_lock_pause(struct rcuf_pte_locked *pl, int tries)
{
	int i;

	local_irq_restore(pl->irq_flags);
	if (tries >= RCUF_PTL_TRIES || need_resched())
		return false;
	rcuf_stat_inc(RCUF_STAT_PTL_RETRIES);
	for (i = 0; i < RCUF_PTL_PAUSE; i++)
		cpu_relax();
	local_irq_save(pl->irq_flags);
	return true;
}

/**
 * rcuf_pte_lock_at_epoch() - lock the PTE table of @addr, if still valid
 * @m: the state of the faulting mm (current->mm)
 * @seq: the even write epoch the caller speculated on
 * @check_epoch: re-check @seq (false only in deliberately broken tests)
 * @addr: the user address
 * @pl: filled in on success
 *
 * Context: process, preemption allowed; disables local interrupts.
 * Return: RCUF_STAT_LOCKLESS_SUCCESS with the PTE lock held and interrupts
 * off (undo with rcuf_pte_unlock()), else the reason to fall back, with
 * nothing held and the interrupt state as it was on entry.
 */
enum rcuf_stat rcuf_pte_lock_at_epoch(struct rcuf_mm *m, unsigned int seq,
				      bool check_epoch, unsigned long addr,
				      struct rcuf_pte_locked *pl)
{
	struct mm_struct *mm = m->mm;
	enum rcuf_stat res;
	int tries = 1;

	local_irq_save(pl->irq_flags);
	while ((res = rcuf_pte_trylock(mm, addr, pl)) == RCUF_STAT_FB_PTL_BUSY)
		if (!rcuf_pte_lock_pause(pl, tries++))
			return res;
	if (res != RCUF_STAT_LOCKLESS_SUCCESS) {
		local_irq_restore(pl->irq_flags);
		return res;
	}
	pl->ptep = pte_offset_map(&pl->pmd, addr);
	if (pmd_same(READ_ONCE(*pl->pmdp), pl->pmd) &&
	    !(check_epoch && rcuf_mm_epoch_moved(m, seq, addr)) &&
	    !test_bit(MMF_UNSTABLE, &mm->flags))
		return RCUF_STAT_LOCKLESS_SUCCESS;
	rcuf_pte_unlock(pl);
	return RCUF_STAT_FB_EPOCH_CHANGED;
}

/**
 * rcuf_pte_unlock() - undo a successful rcuf_pte_lock_at_epoch()
 * @pl: what it filled in
 */
void rcuf_pte_unlock(struct rcuf_pte_locked *pl)
{
	pte_unmap(pl->ptep);
	spin_unlock(pl->ptl);
	local_irq_restore(pl->irq_flags);
}

/**
 * rcuf_pte_lock_irqs_on() - let interrupts in while the PTE lock is held
 * @pl: a lock taken by rcuf_pte_lock_at_epoch() on a table of a private
 *	anonymous VMA (no VM_SHARED, no vm_file)
 *
 * For a commit that must flush other CPUs' TLBs (an IPI needs interrupts
 * on: smp_call_function_many_cond() warns, and can deadlock, without).
 * Once interrupts are on, the RCU-sched delay of page-table frees no longer
 * covers the table; what keeps it alive is the PTE lock itself, validated
 * (PMD unchanged, no writer since the epoch) when it was taken. In 6.1 a
 * PTE table of an anonymous VMA is only freed:
 * - by free_pgtables() (munmap, exit, a failed mmap), after
 *   unmap_vmas() zapped the VMA's range: zap_pte_range() takes this lock
 *   for every PMD present in the range, so it waits for us;
 * - by zap_deposited_table() for a table khugepaged deposited:
 *   collapse_huge_page() takes this lock (spin_lock(pte_ptl)) after
 *   pmdp_collapse_flush() and before depositing, so it waits for us;
 * - never by retract_page_tables(), which walks a file's i_mmap and skips
 *   VMAs with an anon_vma (mm/khugepaged.c).
 * move_page_tables() does not free it, but move_normal_pmd() and
 * move_normal_pud() move it to another address under the PMD lock only
 * (and the PMD table it leaves may then be freed): after a change the
 * caller must check rcuf_pte_lock_still_valid() before doing anything that
 * depends on the address, and must not read the PMD entry otherwise. A
 * table of a file VMA can be freed by retract_page_tables() without its
 * lock: never call this for one.
 *
 * Context: the lock held by rcuf_pte_lock_at_epoch().
 * Return: true with interrupts on; false (nothing changed) if the fault
 * was taken with interrupts off, which must stay off.
 */
bool rcuf_pte_lock_irqs_on(struct rcuf_pte_locked *pl)
{
	if (irqs_disabled_flags(pl->irq_flags))
		return false;
	local_irq_enable();
	return true;
}

/**
 * rcuf_pte_lock_still_valid() - is a held PTE lock still at @seq, in place?
 * @m: the state of the faulting mm
 * @seq: the epoch the lock was validated at
 * @check_epoch: re-check @seq (false only in deliberately broken tests)
 * @addr: the faulting address
 * @pl: the lock, held
 *
 * After rcuf_pte_lock_irqs_on(), a writer that began after the lock was
 * validated may have moved the table (see there). The full barrier orders
 * the caller's PTE change before the epoch read: if the epoch is still
 * @seq, the writer's increment, and everything it does after it, comes
 * after that change. Such a writer may also free the PMD table the table
 * was moved from (mremap's do_munmap() of the old range, free_pmd_range():
 * its zap never takes our PTE lock, the entry being none by then), so the
 * PMD entry is read only if the epoch is unchanged, and with interrupts
 * off: a writer beginning after the epoch read frees a page table only
 * after a flush IPI or an RCU-sched grace period, both of which wait for
 * us.
 *
 * Context: the lock held, interrupts on or off (restored).
 * Return: true if no writer began and the PMD still points to the table.
 */
bool rcuf_pte_lock_still_valid(struct rcuf_mm *m, unsigned int seq,
			       bool check_epoch, unsigned long addr,
			       struct rcuf_pte_locked *pl)
{
	unsigned long flags;
	bool valid;

	local_irq_save(flags);
	smp_mb();	/* the caller's PTE change before the epoch read */
	valid = !(check_epoch && rcuf_mm_epoch_moved(m, seq, addr)) &&
		pmd_same(READ_ONCE(*pl->pmdp), pl->pmd);
	local_irq_restore(flags);
	return valid;
}
