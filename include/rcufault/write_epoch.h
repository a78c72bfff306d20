/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-mm write epoch: transitions from the mmap_lock probes, and the
 * run-time check that the epoch agrees with the mmap_lock (src/write_epoch.c).
 */
#ifndef _RCUFAULT_WRITE_EPOCH_H
#define _RCUFAULT_WRITE_EPOCH_H

#include <linux/types.h>

struct mm_struct;
struct rcuf_mm;

void rcuf_epoch_go_live(void);
void rcuf_epoch_stop(void);
void rcuf_epoch_write_acquired(struct mm_struct *mm);
void rcuf_epoch_section_split(struct rcuf_mm *m);
void rcuf_epoch_write_released(struct mm_struct *mm);
void rcuf_epoch_read_acquired(struct mm_struct *mm);
void rcuf_epoch_read_released(struct mm_struct *mm);
bool rcuf_epoch_verify(struct rcuf_mm *m, unsigned int seq);
unsigned long rcuf_epoch_verify_all(void);
bool rcuf_mmap_writer_running(struct mm_struct *mm);
bool rcuf_mmap_write_owner(struct mm_struct *mm);
void rcuf_epoch_forget(struct rcuf_mm *m);

#endif /* _RCUFAULT_WRITE_EPOCH_H */
