/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lockless fault attempt and the sentinel VMA that reports it.
 */
#ifndef _RCUFAULT_FAULT_H
#define _RCUFAULT_FAULT_H

#include <linux/mm_types.h>
#include <linux/vm_event_item.h>

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

void rcuf_fault_init(void);
struct vm_area_struct *rcuf_fault_try(struct mm_struct *mm, unsigned long addr,
				      struct pt_regs *regs, unsigned int *mark);
void rcuf_fault_count_event(enum vm_event_item event);
void rcuf_fault_account_entry(void);
void rcuf_fault_account(unsigned long addr, struct pt_regs *regs, bool major);

#endif /* _RCUFAULT_FAULT_H */
