/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lockless file-backed page faults, with their I/O done holding no lock.
 */
#ifndef _RCUFAULT_FAULT_FILE_H
#define _RCUFAULT_FAULT_FILE_H

#include "rcufault/stats.h"

struct rcuf_mm;
struct vm_area_struct;

enum rcuf_stat rcuf_fault_file(struct rcuf_mm *m, struct vm_area_struct *vma,
			       unsigned long addr, unsigned long error_code,
			       unsigned int seq, bool shared, bool may_fill);

#endif /* _RCUFAULT_FAULT_FILE_H */
