/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lockless fault attempt and the sentinel VMA that reports it.
 */
#ifndef _RCUFAULT_FAULT_H
#define _RCUFAULT_FAULT_H

#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/vm_event_item.h>
#include "rcufault/stats.h"

struct pt_regs;

extern struct vm_area_struct rcuf_sentinel_vma, rcuf_sentinel_major_vma;

/**
 * rcuf_is_sentinel() - is @vma the VMA rcufault returns for a handled fault?
 * @vma: a VMA pointer passed to handle_mm_fault()
 *
 * There are two: the major one reports a fault that waited for I/O.
 *
 * Return: true for a sentinel.
 */
static inline bool rcuf_is_sentinel(const struct vm_area_struct *vma)
{
	return vma == &rcuf_sentinel_vma || vma == &rcuf_sentinel_major_vma;
}

/**
 * rcuf_fault_lru_enter() - what handle_mm_fault()'s lru_gen_enter_fault() does
 * @vm_flags: the faulting VMA's flags
 *
 * Around work that adds folios to the LRU for a fault (readahead, a shmem
 * fill): with multi-gen LRU enabled, folio_add_lru() makes them active
 * unless the VMA is marked sequential or random. Undo with
 * rcuf_fault_lru_exit().
 */
static inline void rcuf_fault_lru_enter(unsigned long vm_flags)
{
#ifdef CONFIG_LRU_GEN
	current->in_lru_fault = !(vm_flags & (VM_SEQ_READ | VM_RAND_READ));
#endif
}

/** rcuf_fault_lru_exit() - undo rcuf_fault_lru_enter() */
static inline void rcuf_fault_lru_exit(void)
{
#ifdef CONFIG_LRU_GEN
	current->in_lru_fault = false;
#endif
}

/**
 * rcuf_fault_filled() - did an attempt bring its page in, for a retry?
 * @res: an attempt's outcome
 *
 * Return: true if @res says the page was read or filled with no lock held
 * (the fault is retried from the top), false for success or a fallback.
 */
static inline bool rcuf_fault_filled(enum rcuf_stat res)
{
	return res == RCUF_STAT_FILE_IO_UNLOCKED ||
	       res == RCUF_STAT_SHMEM_FILL_UNLOCKED ||
	       res == RCUF_STAT_SHMEM_SWAPIN_UNLOCKED ||
	       res == RCUF_STAT_SWAP_READ_UNLOCKED;
}

void rcuf_fault_init(void);
struct vm_area_struct *rcuf_fault_try(struct mm_struct *mm, unsigned long addr,
				      struct pt_regs *regs, unsigned int *mark);
void rcuf_fault_count_event(enum vm_event_item event);
void rcuf_fault_account_entry(void);
void rcuf_fault_account(unsigned long addr, struct pt_regs *regs, bool major);

#endif /* _RCUFAULT_FAULT_H */
