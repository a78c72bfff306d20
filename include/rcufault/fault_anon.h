/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lockless anonymous page faults.
 */
#ifndef _RCUFAULT_FAULT_ANON_H
#define _RCUFAULT_FAULT_ANON_H

#include "rcufault/stats.h"

struct rcuf_mm;
struct vm_area_struct;

enum rcuf_stat rcuf_fault_anon(struct rcuf_mm *m, struct vm_area_struct *vma,
			       unsigned long addr, unsigned long error_code,
			       unsigned int seq);
enum rcuf_stat rcuf_fault_broken_cow(struct rcuf_mm *m, unsigned long addr,
				     unsigned long error_code);

#endif /* _RCUFAULT_FAULT_ANON_H */
