/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lockless anonymous page faults.
 */
#ifndef _RCUFAULT_FAULT_ANON_H
#define _RCUFAULT_FAULT_ANON_H

#include <linux/mm_types.h>
#include <linux/pgtable.h>
#include "rcufault/stats.h"

struct rcuf_mm;

enum rcuf_stat rcuf_fault_anon(struct rcuf_mm *m, struct vm_area_struct *vma,
			       unsigned long addr, unsigned long error_code,
			       unsigned int seq);
struct folio *rcuf_anon_folio_new(struct mm_struct *mm, bool zero);
pte_t rcuf_anon_pte(struct folio *folio, pgprot_t prot, bool writable,
		    unsigned long addr);
void rcuf_anon_map(struct vm_area_struct *vma, struct folio *folio,
		   unsigned long addr, pte_t *ptep, pte_t entry);
enum rcuf_stat rcuf_fault_broken_cow(struct rcuf_mm *m, unsigned long addr,
				     unsigned long error_code);

#endif /* _RCUFAULT_FAULT_ANON_H */
