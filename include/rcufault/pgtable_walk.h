/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lockless page-table reads, GUP-fast style.
 */
#ifndef _RCUFAULT_PGTABLE_WALK_H
#define _RCUFAULT_PGTABLE_WALK_H

#include <linux/mm_types.h>
#include <linux/pgtable.h>

/**
 * enum rcuf_walk_result - outcome of a lockless page-table walk
 * @RCUF_WALK_PTE: reached a PTE page; the PTE value was read
 * @RCUF_WALK_NO_TABLE: an upper level is empty (no PTE page yet)
 * @RCUF_WALK_HUGE: an upper level maps a huge page or is changing
 */
enum rcuf_walk_result {
	RCUF_WALK_PTE,
	RCUF_WALK_NO_TABLE,
	RCUF_WALK_HUGE,
};

enum rcuf_walk_result rcuf_pte_read_lockless(struct mm_struct *mm,
					     unsigned long addr, pte_t *pte);
enum rcuf_walk_result rcuf_pmd_find_irqs_off(struct mm_struct *mm,
					     unsigned long addr, pmd_t **pmdp,
					     pmd_t *pmd);

#endif /* _RCUFAULT_PGTABLE_WALK_H */
