// SPDX-License-Identifier: GPL-2.0
/*
 * The locked step of every lockless fault: with local interrupts off (page
 * tables cannot be freed under us, see pgtable_walk.c), find the PTE table,
 * trylock its PTE lock (spinning could deadlock against a lock holder
 * waiting for a TLB-flush IPI to this CPU), then re-check under it that the
 * PMD still points to this table, that no mmap_lock writer ran since the
 * epoch the fault speculated on, and that the mm is not being reaped.
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
#include <linux/sched/coredump.h>
#include "rcufault/mm_state.h"
#include "rcufault/pgtable_walk.h"
#include "rcufault/pte_lock.h"

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
	enum rcuf_walk_result walk;
	pmd_t *pmdp, pmd;

	local_irq_save(pl->irq_flags);
	walk = rcuf_pmd_find_irqs_off(mm, addr, &pmdp, &pmd);
	if (walk != RCUF_WALK_PTE) {
		local_irq_restore(pl->irq_flags);
		return walk == RCUF_WALK_NO_TABLE ? RCUF_STAT_FB_NO_PTE_TABLE :
						    RCUF_STAT_FB_PGTABLE;
	}
	pl->ptl = pte_lockptr(mm, &pmd);
	if (!spin_trylock(pl->ptl)) {
		local_irq_restore(pl->irq_flags);
		return RCUF_STAT_FB_PTL_BUSY;
	}
	pl->ptep = pte_offset_map(&pmd, addr);
	if (pmd_same(READ_ONCE(*pmdp), pmd) &&
	    !(check_epoch && rcuf_mm_epoch_changed(m, seq)) &&
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
