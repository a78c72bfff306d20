/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A write fault's anon_vma, set up under a short hold of the mmap_lock so
 * that the fault's page is then allocated with no lock held.
 */
#ifndef _RCUFAULT_ANON_VMA_SETUP_H
#define _RCUFAULT_ANON_VMA_SETUP_H

#include <linux/types.h>

struct mm_struct;

bool rcuf_anon_vma_setup(struct mm_struct *mm, unsigned long addr,
			 unsigned long error_code);

#endif /* _RCUFAULT_ANON_VMA_SETUP_H */
