// SPDX-License-Identifier: GPL-2.0
/*
 * The hardware error code of a fault, which lock_mm_and_find_vma() is not
 * given (x86 entry code overwrites regs->orig_ax with -1).
 *
 * The x86 fault-entry tracepoints (page_fault_user, page_fault_kernel) see
 * it first, with interrupts off, on the faulting CPU. Our probe records it
 * in a per-CPU slot with the task, address, regs and the task's context
 * switch count. The lock hook trusts the slot only if all of them still
 * match: then the task has not left this CPU since its fault entry, and no
 * other fault entered here in between (interrupt and NMI context faults are
 * not recorded). Otherwise the fault falls back to the stock path.
 */
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/tracepoint.h>
#include "rcufault/fault_entry.h"
#include "rcufault/symbols.h"

/**
 * struct rcuf_fault_slot - the last fault that entered on this CPU
 * @task: the faulting task
 * @regs: its registers at the fault
 * @addr: the faulting address
 * @error_code: the hardware error code
 * @switches: @task's context switch count at the fault
 */
struct rcuf_fault_slot {
	struct task_struct *task;
	struct pt_regs *regs;
	unsigned long addr;
	unsigned long error_code;
	unsigned long switches;
};

static DEFINE_PER_CPU(struct rcuf_fault_slot, rcuf_fault_slot);

static unsigned long rcuf_switches(struct task_struct *t)
{
	return t->nvcsw + t->nivcsw;
}

static void rcuf_probe_page_fault(void *data, unsigned long addr,
				  struct pt_regs *regs, unsigned long error_code)
{
	struct rcuf_fault_slot *s;

	if (in_interrupt() || in_nmi())
		return;
	s = this_cpu_ptr(&rcuf_fault_slot);
	s->task = current;
	s->regs = regs;
	s->addr = addr;
	s->error_code = error_code;
	s->switches = rcuf_switches(current);
}

/**
 * rcuf_fault_error_code() - the error code of the current task's fault
 * @addr: the faulting address
 * @regs: the fault's registers
 * @error_code: filled on success
 *
 * Context: process, the fault path before mmap_lock.
 * Return: true if the error code is known for certain.
 */
bool rcuf_fault_error_code(unsigned long addr, struct pt_regs *regs,
			   unsigned long *error_code)
{
	struct rcuf_fault_slot *s;
	bool ok;

	preempt_disable();
	s = this_cpu_ptr(&rcuf_fault_slot);
	ok = s->task == current && s->regs == regs && s->addr == addr &&
	     s->switches == rcuf_switches(current);
	if (ok)
		*error_code = s->error_code;
	preempt_enable();
	return ok;
}

/**
 * rcuf_fault_entry_register() - start recording fault error codes
 *
 * Return: 0 or the tracepoint core's error (nothing stays registered).
 */
int rcuf_fault_entry_register(void)
{
	int ret;

	ret = tracepoint_probe_register(rcuf_sym.__tracepoint_page_fault_user,
					rcuf_probe_page_fault, NULL);
	if (ret)
		goto err;
	ret = tracepoint_probe_register(rcuf_sym.__tracepoint_page_fault_kernel,
					rcuf_probe_page_fault, NULL);
	if (!ret)
		return 0;
	tracepoint_probe_unregister(rcuf_sym.__tracepoint_page_fault_user,
				    rcuf_probe_page_fault, NULL);
err:
	pr_err("cannot register the x86 page_fault tracepoint probes (%d)\n", ret);
	return ret;
}

/**
 * rcuf_fault_entry_unregister() - stop recording; waits for running probes
 */
void rcuf_fault_entry_unregister(void)
{
	tracepoint_probe_unregister(rcuf_sym.__tracepoint_page_fault_kernel,
				    rcuf_probe_page_fault, NULL);
	tracepoint_probe_unregister(rcuf_sym.__tracepoint_page_fault_user,
				    rcuf_probe_page_fault, NULL);
	tracepoint_synchronize_unregister();
}
