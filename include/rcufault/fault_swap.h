/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lockless swap-in of anonymous pages from synchronous swap devices.
 */
#ifndef _RCUFAULT_FAULT_SWAP_H
#define _RCUFAULT_FAULT_SWAP_H

#include <linux/mm_types.h>
#include <linux/pgtable.h>
#include <linux/swap.h>
#include "rcufault/stats.h"

struct rcuf_mm;
struct rcuf_pte_locked;

bool rcuf_swap_cache_has(swp_entry_t entry);
enum rcuf_stat rcuf_swap_pte_lock(struct rcuf_mm *m, unsigned int seq,
				  struct folio *folio, unsigned long addr,
				  pte_t orig, struct rcuf_pte_locked *pl);
enum rcuf_stat rcuf_fault_swap(struct rcuf_mm *m, struct vm_area_struct *vma,
			       unsigned long addr, unsigned long error_code,
			       unsigned int seq, pte_t orig, bool *major,
			       bool may_read);

#endif /* _RCUFAULT_FAULT_SWAP_H */
