// SPDX-License-Identifier: GPL-2.0
/*
 * Read a PTE without mmap_lock or page-table locks. As in GUP-fast, local
 * interrupts are off for the walk: x86 frees page tables only after an IPI
 * or an RCU-sched grace period (MMU_GATHER_RCU_TABLE_FREE), which waits for
 * us. Every level is read once; huge or unstable entries stop the walk.
 */
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include "rcufault/pgtable_walk.h"

static enum rcuf_walk_result rcuf_walk_pmd(pmd_t *pmdp, unsigned long addr,
					   pte_t *pte)
{
	pmd_t pmd = READ_ONCE(*pmdp);	/* one word on x86-64 */
	pte_t *ptep;

	if (pmd_none(pmd))
		return RCUF_WALK_NO_TABLE;
	if (!pmd_present(pmd) || pmd_trans_huge(pmd) || pmd_devmap(pmd) ||
	    pmd_bad(pmd))
		return RCUF_WALK_HUGE;
	ptep = pte_offset_map(&pmd, addr);
	*pte = ptep_get_lockless(ptep);
	pte_unmap(ptep);
	return RCUF_WALK_PTE;
}

/**
 * rcuf_pte_read_lockless() - read the PTE mapping @addr in @mm
 * @mm: the mm (normally current->mm)
 * @addr: the user address
 * @pte: filled with the PTE value on RCUF_WALK_PTE
 *
 * The value is a snapshot: the caller revalidates it under the PTE lock
 * before acting on it, or only uses it to decide to retry the access.
 *
 * Context: any; disables local interrupts for the walk.
 * Return: how far the walk got.
 */
enum rcuf_walk_result rcuf_pte_read_lockless(struct mm_struct *mm,
					     unsigned long addr, pte_t *pte)
{
	enum rcuf_walk_result res = RCUF_WALK_NO_TABLE;
	unsigned long flags;
	pgd_t *pgdp, pgd;
	p4d_t *p4dp, p4d;
	pud_t *pudp, pud;

	local_irq_save(flags);
	pgdp = pgd_offset(mm, addr);
	pgd = READ_ONCE(*pgdp);
	if (pgd_none(pgd) || pgd_bad(pgd))
		goto out;
	p4dp = p4d_offset_lockless(pgdp, pgd, addr);
	p4d = READ_ONCE(*p4dp);
	if (p4d_none(p4d) || p4d_bad(p4d))
		goto out;
	pudp = pud_offset_lockless(p4dp, p4d, addr);
	pud = READ_ONCE(*pudp);
	if (pud_none(pud))
		goto out;
	res = RCUF_WALK_HUGE;
	if (pud_leaf(pud) || pud_devmap(pud) || pud_bad(pud))
		goto out;
	res = rcuf_walk_pmd(pmd_offset_lockless(pudp, pud, addr), addr, pte);
out:
	local_irq_restore(flags);
	return res;
}
