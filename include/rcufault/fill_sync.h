/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Write sections wait out the shmem fills their mm had in flight
 * (src/fill_sync.c).
 */
#ifndef _RCUFAULT_FILL_SYNC_H
#define _RCUFAULT_FILL_SYNC_H

#include <linux/types.h>

struct rcuf_mm;

int rcuf_fill_sync_init(void);
bool rcuf_fill_begin(struct rcuf_mm *m, unsigned int seq, unsigned long addr,
		     int *idx);
void rcuf_fill_end(struct rcuf_mm *m, int idx);
void rcuf_fill_writer_sync(struct rcuf_mm *m);
void rcuf_fill_sync_drain(void);
void rcuf_fill_sync_exit(void);

#endif /* _RCUFAULT_FILL_SYNC_H */
