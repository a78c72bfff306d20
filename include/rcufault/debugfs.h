/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /sys/kernel/debug/rcufault/: the runtime switch and the counters.
 */
#ifndef _RCUFAULT_DEBUGFS_H
#define _RCUFAULT_DEBUGFS_H

int rcuf_debugfs_init(void);
void rcuf_debugfs_exit(void);

#endif /* _RCUFAULT_DEBUGFS_H */
