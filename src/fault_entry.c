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
 *
 * Fault marks: what a lockless attempt that fell back must tell the stock
 * attempt of the same fault, which runs after lock_mm_and_find_vma() (the
 * task may have slept and moved to another CPU by then): "I/O was done"
 * (the stock attempt is a retry, FAULT_FLAG_TRIED) or "the memory charge
 * failed" (the stock attempt must fail the same way, not charge again).
 * They live in a small table indexed by a hash of the fault's pt_regs,
 * which are unique among the faults in flight (they are on the faulting
 * task's stack). A slot is only claimed from empty, and only its owner
 * (the task whose regs it names) reads or empties it; the fault-entry probe
 * empties the slot of its regs, so a mark never outlives its fault (e.g. a
 * stock attempt that ended in bad_area before handle_mm_fault()). A busy
 * slot loses the mark: the stock attempt then runs as if there was none.
 */
#include <linux/hash.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/tracepoint.h>
#include "rcufault/fault_entry.h"
#include "rcufault/stats.h"
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

/**
 * struct rcuf_fault_mark_slot - a mark for the stock attempt of one fault
 * @regs: the fault's registers (the owner), NULL if the slot is free
 * @addr: the faulting address
 * @mark: RCUF_FAULT_MARK_* bits
 */
struct rcuf_fault_mark_slot {
	struct pt_regs *regs;
	unsigned long addr;
	unsigned int mark;
};

#define RCUF_FAULT_MARK_BITS 6
static struct rcuf_fault_mark_slot rcuf_fault_marks[1 << RCUF_FAULT_MARK_BITS];

static struct rcuf_fault_mark_slot *rcuf_fault_mark_slot(struct pt_regs *regs)
{
	return &rcuf_fault_marks[hash_ptr(regs, RCUF_FAULT_MARK_BITS)];
}

/**
 * rcuf_fault_mark() - leave a mark for this fault's stock attempt
 * @addr: the faulting address
 * @regs: the fault's registers
 * @mark: RCUF_FAULT_MARK_* bits
 *
 * Context: process, the faulting task, before its handle_mm_fault().
 */
void rcuf_fault_mark(unsigned long addr, struct pt_regs *regs,
		     unsigned int mark)
{
	struct rcuf_fault_mark_slot *m = rcuf_fault_mark_slot(regs);

	if (READ_ONCE(m->regs) != regs && cmpxchg(&m->regs, NULL, regs)) {
		rcuf_stat_inc(RCUF_STAT_FAULT_MARKS_LOST);
		return;
	}
	m->addr = addr;
	m->mark = mark;
}

/**
 * rcuf_fault_mark_take() - the mark left for this fault, cleared
 * @addr: the faulting address
 * @regs: the fault's registers, or NULL (GUP: never marked)
 *
 * Context: the faulting task, from the handle_mm_fault() ftrace callback.
 * Return: the RCUF_FAULT_MARK_* bits, 0 if none.
 */
unsigned int notrace rcuf_fault_mark_take(unsigned long addr,
					  struct pt_regs *regs)
{
	struct rcuf_fault_mark_slot *m;
	unsigned int mark;

	if (!regs)
		return 0;
	m = rcuf_fault_mark_slot(regs);
	if (likely(READ_ONCE(m->regs) != regs))
		return 0;
	mark = READ_ONCE(m->addr) == addr ? READ_ONCE(m->mark) : 0;
	smp_store_release(&m->regs, NULL);	/* the slot is free after the reads */
	return mark;
}

static unsigned long rcuf_switches(struct task_struct *t)
{
	return t->nvcsw + t->nivcsw;
}

static void rcuf_probe_page_fault(void *data, unsigned long addr,
				  struct pt_regs *regs, unsigned long error_code)
{
	struct rcuf_fault_mark_slot *m;
	struct rcuf_fault_slot *s;

	if (in_interrupt() || in_nmi())
		return;
	m = rcuf_fault_mark_slot(regs);
	if (unlikely(READ_ONCE(m->regs) == regs))
		WRITE_ONCE(m->regs, NULL);	/* a previous fault's, unused */
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
