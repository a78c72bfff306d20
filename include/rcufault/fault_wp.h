/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lockless write-protect faults of anonymous pages (reuse and copy).
 */
#ifndef _RCUFAULT_FAULT_WP_H
#define _RCUFAULT_FAULT_WP_H

#include <linux/mm_types.h>
#include "rcufault/stats.h"

struct rcuf_mm;

enum rcuf_stat rcuf_fault_wp(struct rcuf_mm *m, struct vm_area_struct *vma,
			     unsigned long addr, unsigned long error_code,
			     unsigned int seq, bool *reuse);

#endif /* _RCUFAULT_FAULT_WP_H */
