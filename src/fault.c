// SPDX-License-Identifier: GPL-2.0
/*
 * The lockless fault attempt, tried before the stock path takes mmap_lock.
 *
 * What it can do today: a fault whose PTE another thread already made
 * valid for this very access (two threads racing on one page) needs no
 * work: the access is retried. Anything else falls back to the stock path,
 * counted by reason. The full anonymous-fault path builds on this.
 *
 * A handled fault is reported to do_user_addr_fault() as the sentinel VMA;
 * its hook on handle_mm_fault() answers VM_FAULT_COMPLETED for it, so no
 * mmap_lock is taken or released. The sentinel must pass access_error() for
 * the fault's error code, or bad_area_access_error() would unlock an
 * mmap_lock nobody took: it allows read, write and exec, and its vm_mm is
 * not the current mm, so arch_vma_access_permitted() treats it as foreign
 * and skips the protection-key check. Error codes access_error() always
 * rejects (PK, SGX, read with PROT) are never handled here.
 */
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/perf_event.h>
#include <linux/memcontrol.h>
#include <linux/vmstat.h>
#include <asm/trap_pf.h>
#include "rcufault/fault.h"
#include "rcufault/fault_entry.h"
#include "rcufault/mm_state.h"
#include "rcufault/pgtable_walk.h"
#include "rcufault/stats.h"
#include "rcufault/symbols.h"

struct vm_area_struct rcuf_sentinel_vma;

static unsigned int test_fault_delay_us;
module_param(test_fault_delay_us, uint, 0600);
MODULE_PARM_DESC(test_fault_delay_us,
		 "testing only: sleep this long before each lockless page-table read");

/**
 * rcuf_fault_init() - set up the sentinel VMA
 */
void rcuf_fault_init(void)
{
	rcuf_sentinel_vma.vm_start = 0;
	rcuf_sentinel_vma.vm_end = TASK_SIZE_MAX;
	rcuf_sentinel_vma.vm_flags = VM_READ | VM_WRITE | VM_EXEC |
				     VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
	rcuf_sentinel_vma.vm_mm = NULL;	/* foreign: no pkey check */
}

/* Error codes whose access_error() verdict does not depend on the VMA. */
static bool rcuf_error_code_unhandled(unsigned long error_code)
{
	if (error_code & (X86_PF_PK | X86_PF_SGX | X86_PF_RSVD))
		return true;
	return !(error_code & (X86_PF_WRITE | X86_PF_INSTR)) &&
	       (error_code & X86_PF_PROT);
}

/* Does @pte already allow the access that faulted? */
static bool rcuf_pte_allows(pte_t pte, unsigned long error_code)
{
	if (!pte_access_permitted(pte, error_code & X86_PF_WRITE))
		return false;
	return !(error_code & X86_PF_INSTR) || pte_exec(pte);
}

static enum rcuf_stat rcuf_fault_try_resolved(struct rcuf_mm *m,
					      unsigned long addr,
					      unsigned long error_code)
{
	unsigned int seq = rcuf_mm_epoch_begin(m);
	pte_t pte;

	if (seq & 1)
		return RCUF_STAT_FB_WRITER_ACTIVE;
	switch (rcuf_pte_read_lockless(m->mm, addr, &pte)) {
	case RCUF_WALK_PTE:
		break;
	case RCUF_WALK_NO_TABLE:
		return RCUF_STAT_FB_NOT_PRESENT;
	default:
		return RCUF_STAT_FB_PGTABLE;
	}
	if (!rcuf_pte_allows(pte, error_code))
		return RCUF_STAT_FB_NOT_PRESENT;
	if (rcuf_mm_epoch_changed(m, seq))
		return RCUF_STAT_FB_EPOCH_CHANGED;
	return RCUF_STAT_LOCKLESS_SUCCESS;
}

/**
 * rcuf_fault_try() - try to resolve a fault without mmap_lock
 * @mm: the faulting mm
 * @addr: the faulting address
 * @regs: the fault's registers
 *
 * Context: process, from the lock_mm_and_find_vma() hook; may sleep.
 * Return: the sentinel VMA if the fault is resolved, NULL to take the stock
 * path. Either way the outcome is counted.
 */
struct vm_area_struct *rcuf_fault_try(struct mm_struct *mm, unsigned long addr,
				      struct pt_regs *regs)
{
	unsigned long error_code;
	enum rcuf_stat res;
	struct rcuf_mm *m;

	rcuf_stat_inc(RCUF_STAT_LOCKLESS_ATTEMPTS);
	if (mm != current->mm) {
		res = RCUF_STAT_FB_FOREIGN_MM;
	} else if (!rcuf_fault_error_code(addr, regs, &error_code)) {
		res = RCUF_STAT_FB_ERROR_CODE_UNKNOWN;
	} else if (rcuf_error_code_unhandled(error_code)) {
		res = RCUF_STAT_FB_ERROR_CODE;
	} else {
		if (unlikely(test_fault_delay_us))
			usleep_range(test_fault_delay_us, test_fault_delay_us + 10);
		rcu_read_lock();
		m = rcuf_mm_find(mm);
		res = m ? rcuf_fault_try_resolved(m, addr, error_code) :
			  RCUF_STAT_FB_UNTRACKED_MM;
		rcu_read_unlock();
	}
	rcuf_stat_inc(res);
	return res == RCUF_STAT_LOCKLESS_SUCCESS ? &rcuf_sentinel_vma : NULL;
}

/**
 * rcuf_fault_account() - account a fault completed without the stock path
 * @addr: the faulting address
 * @regs: the fault's registers
 *
 * Does what handle_mm_fault() and mm_account_fault() do for a minor fault:
 * the PGFAULT vm and memcg events, the task's min_flt and the perf software
 * event, so that counters read the same with and without rcufault.
 */
void rcuf_fault_account(unsigned long addr, struct pt_regs *regs)
{
	struct mem_cgroup *memcg;
	unsigned long flags;

	count_vm_event(PGFAULT);
	if (!mem_cgroup_disabled()) {	/* count_memcg_event_mm() */
		rcu_read_lock();
		memcg = mem_cgroup_from_task(rcu_dereference(current->mm->owner));
		if (likely(memcg)) {
			local_irq_save(flags);
			rcuf_sym.__count_memcg_events(memcg, PGFAULT, 1);
			local_irq_restore(flags);
		}
		rcu_read_unlock();
	}
	current->min_flt++;
	if (static_key_enabled(&rcuf_sym.perf_swevent_enabled[PERF_COUNT_SW_PAGE_FAULTS_MIN]))
		rcuf_sym.__perf_sw_event(PERF_COUNT_SW_PAGE_FAULTS_MIN, 1, regs, addr);
}
