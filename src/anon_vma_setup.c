// SPDX-License-Identifier: GPL-2.0
/*
 * The first write fault of an anonymous VMA (a new mapping's, or a part
 * of one split before any write) finds no anon_vma, which only the
 * mmap_lock may give it, and falls back (fallback_vma_setup). The stock
 * path would then allocate, charge and clear the page under the lock,
 * with direct reclaim in it when memory or the memcg is short: the
 * allocation under mmap_lock that this module exists to remove, once per
 * new VMA. Instead, the fault read-locks the mm only for what needs the
 * lock, anon_vma_prepare() and the record the stock path would have made
 * there, then tries again with no lock held, where the page is allocated.
 *
 * WHY IT IS STOCK'S OWN STEP (check against linux-source-6.1):
 *  - __anon_vma_prepare() (mm/rmap.c) must be called with the mmap_lock
 *    held for reading; it allocates with GFP_KERNEL, links the VMA under
 *    the anon_vma's lock and mm->page_table_lock, and publishes
 *    vma->anon_vma with smp_store_release(), so that concurrent stock
 *    faults of the same VMA, each under the read lock, may race in it.
 *    Ours is one more such fault. A lockless fault reads vma->anon_vma
 *    with READ_ONCE() and either sees it unset (it falls back) or set,
 *    with the anon_vma's fields visible (the release pairs with the
 *    address dependency, as reusable_anon_vma() relies on).
 *  - It is called where stock would have called it for this fault and
 *    nowhere else: do_anonymous_page() calls anon_vma_prepare() for a
 *    write to a missing PTE of a private anonymous VMA (a read maps the
 *    zero page and gives the VMA no anon_vma: never here, so that the
 *    VMA merges as under stock) once access_error() (x86
 *    do_user_addr_fault()) and handle_mm_fault()'s checks passed; the
 *    lockless check that sent the fault here passed the same ones
 *    (rcuf_anon_vma_check(): range, access, protection keys, no
 *    userfaultfd, an anonymous VMA) and they are repeated here on the VMA
 *    found under the lock. A VMA with a memory policy falls back to stock
 *    as before (its page is placed by the policy).
 *  - The lock is only tried (mmap_read_trylock()): a writer holding or
 *    waiting for it sends the fault down the stock path, as before, which
 *    waits as stock does (killably for a user fault).
 *  - mem_cgroup_enter_user_fault() is in force (rcuf_fault_try()), as it
 *    is around stock's call: the anon_vma's accounted allocations see the
 *    same memcg OOM handling.
 *  - The mmap_lock probes see a read acquire and release of current, as
 *    for any stock fault: the epoch does not move, and a token of the
 *    call current may be in is spent (src/range_token.c), the safe
 *    direction.
 * The retry then serves the fault under the usual checks, or falls back.
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/mempolicy.h>
#include <linux/rmap.h>
#include <linux/sched.h>
#include <linux/userfaultfd_k.h>
#include "rcufault/anon_vma_setup.h"
#include "rcufault/shadow.h"
#include "rcufault/stats.h"
#include "rcufault/symbols.h"
#include "rcufault/vma_access.h"

/* Would stock's do_anonymous_page() give @vma its anon_vma for this fault? */
static bool rcuf_anon_vma_wanted(struct vm_area_struct *vma,
				 unsigned long addr, unsigned long error_code)
{
	return vma && vma->vm_start <= addr && (error_code & X86_PF_WRITE) &&
	       vma_is_anonymous(vma) && !(vma->vm_flags & VM_SHARED) &&
	       !vma->anon_vma && !vma_policy(vma) &&
	       !userfaultfd_armed(vma) &&
	       rcuf_vma_access_ok(vma, vma->vm_flags, error_code);
}

/**
 * rcuf_anon_vma_setup() - give the VMA of a write fault its anon_vma
 * @mm: current->mm
 * @addr: the faulting address
 * @error_code: the fault's hardware error code
 *
 * Context: the lockless fault path, no lock held, may sleep.
 * Return: true if the fault should be tried again with no lock held (the
 * VMA has an anon_vma now); false: it takes the stock path.
 */
bool rcuf_anon_vma_setup(struct mm_struct *mm, unsigned long addr,
			 unsigned long error_code)
{
	struct vm_area_struct *vma;
	bool ready = false;

	if (!mmap_read_trylock(mm))
		return false;
	vma = find_vma(mm, addr);
	if (rcuf_anon_vma_wanted(vma, addr, error_code) &&
	    !rcuf_sym.__anon_vma_prepare(vma)) {
		rcuf_shadow_fault_refresh(mm, vma);	/* as the stock path */
		rcuf_stat_inc(RCUF_STAT_ANON_VMA_SETUPS);
		ready = true;
	}
	mmap_read_unlock(mm);
	return ready;
}
