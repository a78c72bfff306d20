/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stock VMA tree (the mm's maple tree) walked under RCU, for faults
 * that find no shadow record (src/maple_lookup.c).
 */
#ifndef _RCUFAULT_MAPLE_LOOKUP_H
#define _RCUFAULT_MAPLE_LOOKUP_H

#include <linux/types.h>

struct rcuf_mm;
struct vm_area_struct;

bool rcuf_maple_lookup_on(void);
struct vm_area_struct *rcuf_maple_lookup(struct rcuf_mm *m, unsigned long addr);

#endif /* _RCUFAULT_MAPLE_LOOKUP_H */
