/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Take a PTE lock for a lockless commit, validated against the write epoch.
 */
#ifndef _RCUFAULT_PTE_LOCK_H
#define _RCUFAULT_PTE_LOCK_H

#include <linux/mm_types.h>
#include <linux/spinlock.h>
#include "rcufault/stats.h"

struct rcuf_mm;

/**
 * struct rcuf_pte_locked - a PTE table locked by rcuf_pte_lock_at_epoch()
 * @ptl: its PTE lock, held
 * @ptep: the entry for the address asked for (mapped)
 * @pmdp: the PMD entry that pointed to the table
 * @pmd: its value when the lock was validated
 * @irq_flags: the interrupt state before the lock, restored by the unlock
 */
struct rcuf_pte_locked {
	spinlock_t *ptl;
	pte_t *ptep;
	pmd_t *pmdp;
	pmd_t pmd;
	unsigned long irq_flags;
};

enum rcuf_stat rcuf_pte_lock_at_epoch(struct rcuf_mm *m, unsigned int seq,
				      bool check_epoch, unsigned long addr,
				      struct rcuf_pte_locked *pl);
void rcuf_pte_unlock(struct rcuf_pte_locked *pl);
bool rcuf_pte_lock_irqs_on(struct rcuf_pte_locked *pl);
bool rcuf_pte_lock_still_valid(struct rcuf_mm *m, unsigned int seq,
			       bool check_epoch, unsigned long addr,
			       struct rcuf_pte_locked *pl);

#endif /* _RCUFAULT_PTE_LOCK_H */
