/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Give an empty PMD entry a PTE table without mmap_lock.
 */
#ifndef _RCUFAULT_PTE_TABLE_H
#define _RCUFAULT_PTE_TABLE_H

#include "rcufault/stats.h"

struct rcuf_mm;

enum rcuf_stat rcuf_pte_table_publish(struct rcuf_mm *m, unsigned int seq,
				      unsigned long addr);
void rcuf_pte_table_writer_sync(struct rcuf_mm *m);

#endif /* _RCUFAULT_PTE_TABLE_H */
