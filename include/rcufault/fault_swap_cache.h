/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lockless mapping of anonymous pages found in the swap cache.
 */
#ifndef _RCUFAULT_FAULT_SWAP_CACHE_H
#define _RCUFAULT_FAULT_SWAP_CACHE_H

#include <linux/mm_types.h>
#include <linux/pgtable.h>
#include <linux/swap.h>
#include "rcufault/stats.h"

struct rcuf_anon_fault;
struct rcuf_mm;

enum rcuf_stat rcuf_fault_swap_cached(struct rcuf_mm *m, unsigned int seq,
				      const struct rcuf_anon_fault *af,
				      struct swap_info_struct *si,
				      swp_entry_t entry, unsigned long addr,
				      pte_t orig, bool *major);
bool rcuf_swap_cache_mappable(void);

#endif /* _RCUFAULT_FAULT_SWAP_CACHE_H */
