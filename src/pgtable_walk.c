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

/* Classify a PMD value: a PTE table, nothing, or something else. */
static enum rcuf_walk_result rcuf_pmd_kind(pmd_t pmd)
{
	if (pmd_none(pmd))
		return RCUF_WALK_NO_TABLE;
	if (!pmd_present(pmd) || pmd_trans_huge(pmd) || pmd_devmap(pmd) ||
	    pmd_bad(pmd))
		return RCUF_WALK_HUGE;
	return RCUF_WALK_PTE;
}

/**
 * rcuf_pmd_find_irqs_off() - find the PMD entry covering @addr in @mm
 * @mm: the mm (normally current->mm)
 * @addr: the user address
 * @pmdp: filled with the PMD entry's address on RCUF_WALK_PTE, and on
 *	RCUF_WALK_NO_TABLE if that entry is the empty one (else NULL)
 * @pmd: filled with the value read from it where @pmdp is set
 *
 * Context: local interrupts disabled by the caller, and kept disabled for as
 * long as it uses the PTE table: that is what keeps the table from being
 * freed (MMU_GATHER_RCU_TABLE_FREE).
 * Return: RCUF_WALK_PTE if the PMD entry points to a PTE table.
 */
enum rcuf_walk_result rcuf_pmd_find_irqs_off(struct mm_struct *mm,
					     unsigned long addr, pmd_t **pmdp,
					     pmd_t *pmd)
{
	pgd_t *pgdp, pgd;
	p4d_t *p4dp, p4d;
	pud_t *pudp, pud;

	lockdep_assert_irqs_disabled();
	*pmdp = NULL;
	pgdp = pgd_offset(mm, addr);
	pgd = READ_ONCE(*pgdp);
	if (pgd_none(pgd) || pgd_bad(pgd))
		return RCUF_WALK_NO_TABLE;
	p4dp = p4d_offset_lockless(pgdp, pgd, addr);
	p4d = READ_ONCE(*p4dp);
	if (p4d_none(p4d) || p4d_bad(p4d))
		return RCUF_WALK_NO_TABLE;
	pudp = pud_offset_lockless(p4dp, p4d, addr);
	pud = READ_ONCE(*pudp);
	if (pud_none(pud))
		return RCUF_WALK_NO_TABLE;
	if (pud_leaf(pud) || pud_devmap(pud) || pud_bad(pud))
		return RCUF_WALK_HUGE;
	*pmdp = pmd_offset_lockless(pudp, pud, addr);
	*pmd = READ_ONCE(**pmdp);	/* one word on x86-64 */
	return rcuf_pmd_kind(*pmd);
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
	enum rcuf_walk_result res;
	unsigned long flags;
	pmd_t *pmdp, pmd;
	pte_t *ptep;

	local_irq_save(flags);
	res = rcuf_pmd_find_irqs_off(mm, addr, &pmdp, &pmd);
	if (res == RCUF_WALK_PTE) {
		ptep = pte_offset_map(&pmd, addr);
		*pte = ptep_get_lockless(ptep);
		pte_unmap(ptep);
	}
	local_irq_restore(flags);
	return res;
}
