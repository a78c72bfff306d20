/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hardware error code of the fault being handled.
 */
#ifndef _RCUFAULT_FAULT_ENTRY_H
#define _RCUFAULT_FAULT_ENTRY_H

#include <linux/types.h>

struct pt_regs;

int rcuf_fault_entry_register(void);
void rcuf_fault_entry_unregister(void);
bool rcuf_fault_error_code(unsigned long addr, struct pt_regs *regs,
			   unsigned long *error_code);

#endif /* _RCUFAULT_FAULT_ENTRY_H */
