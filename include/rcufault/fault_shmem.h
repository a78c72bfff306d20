/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tmpfs/shmem faults: misses filled through shmem's own getter with no lock
 * held, and the stock side effects of a write to a shared shmem mapping.
 */
#ifndef _RCUFAULT_FAULT_SHMEM_H
#define _RCUFAULT_FAULT_SHMEM_H

#include <linux/mm_types.h>
#include <linux/types.h>
#include "rcufault/stats.h"

struct file;

bool rcuf_shmem_ops(const struct vm_operations_struct *ops);
bool rcuf_shmem_shared_policy(struct inode *inode);
enum rcuf_stat rcuf_shmem_fill(struct file *file, pgoff_t index);
bool rcuf_shmem_time_due(struct file *file);
void rcuf_shmem_update_time(struct file *file);

#endif /* _RCUFAULT_FAULT_SHMEM_H */
