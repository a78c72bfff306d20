// SPDX-License-Identifier: GPL-2.0
/*
 * Faults that find no shadow record (a VMA under record_min_pages, a new
 * mapping, a tree not populated yet) look their VMA up in the stock VMA
 * tree, the mm's maple tree, under RCU, as 6.4's lock_vma_under_rcu()
 * does; the VMA is then used exactly as one a stale record gave and
 * revalidation accepted (src/fault.c): its contents are read live, and
 * only trusted at an epoch re-checked inside each RCU section that reads
 * them and under the PTE lock at the commit.
 *
 * WHY THE WALK IS SAFE (check against linux-source-6.1):
 *  - The tree's nodes: 6.1 creates every mm's tree with MT_FLAGS_USE_RCU
 *    (MM_MT_FLAGS, include/linux/mm_types.h; kernel/fork.c mm_init()), so
 *    a writer replaces a node that readers may see and frees the old one
 *    after a grace period (mas_free() -> ma_free_rcu(), lib/maple_tree.c),
 *    and mas_walk() restarts at a dead node. The mode is off only in
 *    dup_mmap() (the child's tree, before any task runs in it) and from
 *    exit_mmap()'s mt_clear_in_rcu() on (mm_users is 0: no task of the mm
 *    faults any more). The walk still checks mt_in_rcu() first.
 *  - The VMA it returns: 6.1 frees VMAs at once (vm_area_free()). A walk
 *    runs only once the mm's state says its VMA frees wait for a grace
 *    period (rcuf_shadow_vma_frees_deferred(), with acquire). The flag is
 *    set with release under the mmap_lock, by a stock fault at an even
 *    epoch (read-held, so no write or downgraded section runs then) or by
 *    a writer itself, and never cleared. Every vm_area_free() of the mm
 *    runs in a write or downgraded section or at exit_mmap(); one that
 *    runs after the flag was set sees it through the rwsem and is
 *    deferred (src/hooks.c) past every RCU reader that may hold the VMA.
 *    One that ran before it, in a section, freed a VMA never in the tree
 *    (the error paths of mm/mmap.c that free a VMA they made, a fork
 *    child's or an exec's new mm) or one its section had already removed
 *    from it (__vma_adjust() and vma_expand() overwrite next's range with
 *    vma_mas_store() of the VMA that absorbs it before vm_area_free(next);
 *    do_mas_align_munmap() stores NULL over the range before remove_mt()),
 *    and the walk reads the tree only after its acquire of the flag: it
 *    cannot reach that VMA. exit_mmap() frees VMAs still in the tree, but
 *    runs at mm_users 0, when no task of the mm faults (the walk is only
 *    for current->mm, which the faulting task keeps a user of).
 *  - The VMA being the mm's VMA for the address: the walk runs at the
 *    epoch the fault speculates on. An even epoch re-checked unchanged
 *    later means no write section changed the tree in between; an odd one
 *    is only speculated on outside the range its section declared, which
 *    changes no VMA there (src/write_range.c), and the tree's RCU mode
 *    gives a reader the entry of an address whose range no store touched,
 *    from the old node or the new one.
 *
 * A gap (stack expansion, SIGSEGV) finds no VMA and takes the stock path,
 * as a missing record does (no_shadow).
 */
#include <linux/delay.h>
#include <linux/maple_tree.h>
#include <linux/mm.h>
#include <linux/mm_types.h>
#include <linux/module.h>
#include "rcufault/maple_lookup.h"
#include "rcufault/mm_state.h"
#include "rcufault/shadow.h"
#include "rcufault/test_params.h"

static bool maple_lookup = true;
module_param(maple_lookup, bool, 0600);
MODULE_PARM_DESC(maple_lookup,
		 "faults with no shadow record look their VMA up in the mm's own VMA tree under RCU (default 1; 0: they take the stock path, no_shadow)");

/**
 * rcuf_maple_lookup_on() - should a stock fault open the lookup for its mm?
 *
 * A stock fault that sees it makes its mm's VMA frees wait for a grace
 * period (rcuf_shadow_fault_refresh()), which the lookup needs.
 *
 * Return: the maple_lookup parameter (false in the tasks of the broken
 * test build, test_maple_unsafe).
 */
bool rcuf_maple_lookup_on(void)
{
	return READ_ONCE(maple_lookup) && !rcuf_test_maple_unsafe();
}

/**
 * rcuf_maple_lookup() - the VMA of @m's mm that holds @addr, from its
 * maple tree
 * @m: the state of current->mm
 * @addr: the faulting address
 *
 * Context: RCU read side, at the epoch the fault speculates on (read
 * before the call). The VMA may be read only inside this RCU section, or
 * in a later one whose epoch check passes (see the header).
 * Return: the VMA, or NULL: the lookup is off or not open for @m, the tree
 * is not in RCU mode, or no VMA holds @addr.
 */
struct vm_area_struct *rcuf_maple_lookup(struct rcuf_mm *m, unsigned long addr)
{
	MA_STATE(mas, &m->mm->mm_mt, addr, addr);
	struct vm_area_struct *vma;

	if (!READ_ONCE(maple_lookup) || !mt_in_rcu(mas.tree) ||
	    (!rcuf_shadow_vma_frees_deferred(m) && !rcuf_test_maple_unsafe()))
		return NULL;
	vma = mas_walk(&mas);
	if (unlikely(rcuf_test_maple_unsafe()))
		mdelay(5);
	if (!vma || READ_ONCE(vma->vm_start) > addr ||
	    READ_ONCE(vma->vm_end) <= addr)
		return NULL;
	return vma;
}
