/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Write sections wait out the shmem fills their mm had in flight
 * (src/fill_sync.c).
 */
#ifndef _RCUFAULT_FILL_SYNC_H
#define _RCUFAULT_FILL_SYNC_H

#include <linux/list.h>
#include <linux/types.h>

struct rcuf_mm;

/**
 * struct rcuf_fill - a shmem fill in flight, on its mm's list
 * @node: in rcuf_mm.fills
 * @seq: the write epoch at which the fault's VMA was checked
 * @hidden: the broken test build hid it from writers (decided once)
 */
struct rcuf_fill {
	struct list_head node;
	unsigned int seq;
	bool hidden;
};

int rcuf_fill_sync_init(void);
bool rcuf_fill_begin(struct rcuf_mm *m, unsigned int seq, unsigned long addr,
		     struct rcuf_fill *fill);
void rcuf_fill_end(struct rcuf_mm *m, struct rcuf_fill *fill);
void rcuf_fill_writer_sync(struct rcuf_mm *m);
void rcuf_fill_sync_drain(void);
void rcuf_fill_sync_exit(void);

#endif /* _RCUFAULT_FILL_SYNC_H */
