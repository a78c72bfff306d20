/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hardware error code of the fault being handled.
 */
#ifndef _RCUFAULT_FAULT_ENTRY_H
#define _RCUFAULT_FAULT_ENTRY_H

#include <linux/types.h>

struct pt_regs;

/* Marks a lockless attempt leaves for the stock attempt of the same fault. */
#define RCUF_FAULT_MARK_TRIED	0x1	/* I/O was done: a retry (FAULT_FLAG_TRIED) */
#define RCUF_FAULT_MARK_OOM	0x2	/* the charge failed: VM_FAULT_OOM */

int rcuf_fault_entry_register(void);
void rcuf_fault_entry_unregister(void);
bool rcuf_fault_error_code(unsigned long addr, struct pt_regs *regs,
			   unsigned long *error_code);
void rcuf_fault_mark(unsigned long addr, struct pt_regs *regs,
		     unsigned int mark);
unsigned int rcuf_fault_mark_take(unsigned long addr, struct pt_regs *regs);

#endif /* _RCUFAULT_FAULT_ENTRY_H */
