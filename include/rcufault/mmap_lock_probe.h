/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Write-epoch tracking from the mmap_lock tracepoints.
 */
#ifndef _RCUFAULT_MMAP_LOCK_PROBE_H
#define _RCUFAULT_MMAP_LOCK_PROBE_H

int rcuf_mmap_lock_probe_register(void);
void rcuf_mmap_lock_probe_unregister(void);

#endif /* _RCUFAULT_MMAP_LOCK_PROBE_H */
