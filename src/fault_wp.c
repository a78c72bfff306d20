// SPDX-License-Identifier: GPL-2.0
/*
 * A write fault on a present, read-only PTE of a private anonymous VMA,
 * served without mmap_lock: 6.1's do_wp_page() for anonymous pages
 * (mm/memory.c), with its two outcomes.
 *
 * - Reuse: the page is PageAnonExclusive, so do_wp_page() goes straight to
 *   wp_page_reuse(): the same PTE made young, dirty and writable. No page,
 *   reference or rmap changes; nothing to flush (a permission upgrade; a
 *   CPU holding the old read-only entry faults again and finds the PTE
 *   already allows the write). Or the page is not exclusive but holds no
 *   reference beyond its mapping's (a fork child has gone): made exclusive
 *   under the folio lock first, as do_wp_page() does.
 * - Copy: the zero page, or a page shared with another mm (after fork) that
 *   do_wp_page() would copy: wp_page_copy(), with the page allocated,
 *   charged and copied before any lock, then switched under the PTE lock
 *   exactly as wp_page_copy() does (clear and flush, rmap, LRU, set, and
 *   the old page's rmap dropped after the switch).
 *
 * Everything else falls back, counted: a page do_wp_page() might reuse
 * after an LRU drain or freeing its swap slot, KSM, large,
 * swap-cache or poisoned pages, special PTEs other than the zero page, an
 * mm with MMU notifiers (secondary MMUs need invalidate_range_start/end
 * around the switch), a fault taken with interrupts off (the flush needs
 * IPIs), and every VMA rcuf_anon_vma_check() refuses (shared, file, uffd,
 * mlocked, mempolicy, no anon_vma).
 *
 * Why a commit is safe (check against linux-source-6.1 mm/memory.c,
 * do_wp_page() and wp_page_copy()):
 * 1. The PTE lock is taken by rcuf_pte_lock_at_epoch(): the PMD still
 *    points to the table, and no mmap_lock writer began since the epoch
 *    the VMA was checked at. Every writer bumps the epoch before
 *    touching anything, and changes this PTE only under this lock. A
 *    writer that begins after the check may still change the VMA's fields
 *    without this lock, so the commit uses the copies made at the check
 *    (rcuf_anon_fault_fill(), rcuf_anon_add_new()), never the VMA.
 * 2. pte_same() with the PTE read when the fault classified it: the page
 *    is still the one mapped here. Fork clears PageAnonExclusive without
 *    changing an already read-only PTE (copy_present_pte()), but under
 *    mmap_lock for write: the epoch check of (1) covers it. Everything
 *    else that clears PageAnonExclusive of a mapped page (try_to_unmap,
 *    try_to_migrate, KSM's write_protect_page) changes the PTE under this
 *    lock first, so the re-check of the bit under the lock is decisive
 *    for a reuse. The bit can also be set without a PTE change, under
 *    this lock: GUP's unshare fault (FAULT_FLAG_UNSHARE, a read-only pin
 *    such as io_uring's or vfio's) makes the page exclusive through
 *    do_wp_page()'s reuse branch once a fork child has let it go. A copy
 *    decided before that must not replace a page that is now exclusive:
 *    the pin would keep a page the process no longer writes to, where
 *    stock reuses it (do_wp_page() tests the bit under this lock first).
 *    So the copy re-checks the bit under the lock and falls back if set.
 * 3. Copy: we hold a reference on the old page from the moment it was
 *    found mapped (taken with interrupts off, as GUP-fast does, then the
 *    PTE re-read) until after the TLB flush: no other mm can reuse it in
 *    place (do_wp_page() reuses only exclusive pages or a sole
 *    reference), so the copied contents are final and no CPU can write
 *    the old page through a stale entry once it is someone else's. The
 *    old PTE is cleared and flushed before the new one is set, as
 *    ptep_clear_flush() does: no two CPUs ever see both pages at this
 *    address. The flush runs with interrupts on and this PTE lock held,
 *    see rcuf_pte_lock_irqs_on() for why the table stays alive then.
 * 4. Copy: after the flush the epoch and the PMD are checked once more,
 *    because mremap may move the table itself while interrupts are on
 *    (rcuf_wp_copy()); on a change the old entry is put back.
 * 5. The reference the old PTE held is dropped under the lock after its
 *    rmap, as wp_page_copy() does; ours after the unlock.
 */
#include <linux/err.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mm_types.h>
#include <linux/mmu_notifier.h>
#include <linux/page-flags.h>
#include <linux/pagemap.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>
#include <linux/vmstat.h>
#include <asm/tlbflush.h>
#include "rcufault/fault_anon.h"
#include "rcufault/fault_wp.h"
#include "rcufault/mm_state.h"
#include "rcufault/pgtable_walk.h"
#include "rcufault/pte_lock.h"
#include "rcufault/symbols.h"
#include "rcufault/test_params.h"

/* do_wp_page(): above this many references a shared page is copied at once */
#define RCUF_WP_COPY_REFS	3

/**
 * struct rcuf_wp_fault - a write-protect fault, as classified
 * @af: the VMA's checked state
 * @orig: the PTE, present and read-only, as read when classified
 * @page: the mapped page (NULL: the zero page); for a copy, referenced
 * @reuse: make the PTE writable in place: the page is exclusive, or
 *	@sole
 * @sole: the page is not exclusive, but may be the mapping's only
 *	reference: reuse it if do_wp_page()'s folio-lock checks say so
 */
struct rcuf_wp_fault {
	struct rcuf_anon_fault af;
	pte_t orig;
	struct page *page;
	bool reuse;
	bool sole;
};

/*
 * What do_wp_page() does with the page of @pte: reuse or copy, or a case
 * left to the stock path. For a copy of a real page, takes a reference.
 * Context: interrupts off (the page cannot be freed while its PTE is seen).
 */
static enum rcuf_stat rcuf_wp_page_kind(pte_t *ptep, pte_t pte,
					unsigned long addr,
					struct rcuf_wp_fault *wf)
{
	struct folio *folio;
	struct page *page;

	wf->orig = pte;
	wf->page = NULL;
	wf->reuse = false;
	wf->sole = false;
	if (pte_special(pte))	/* vm_normal_page(): NULL; in anon VMAs only the zero page */
		return is_zero_pfn(pte_pfn(pte)) ? RCUF_STAT_LOCKLESS_SUCCESS :
						   RCUF_STAT_FB_WP_PAGE;
	if (!pfn_valid(pte_pfn(pte)))
		return RCUF_STAT_FB_WP_PAGE;
	page = pte_page(pte);
	folio = page_folio(page);
	if (!folio_test_anon(folio) || PageHWPoison(page))
		return RCUF_STAT_FB_WP_PAGE;
	wf->page = page;
	if (PageAnonExclusive(page) || rcuf_test_wp_reuse_shared()) {
		wf->reuse = true;	/* re-checked under the PTE lock */
		return RCUF_STAT_LOCKLESS_SUCCESS;
	}
	if (folio_test_ksm(folio) || folio_test_large(folio) ||
	    folio_test_swapcache(folio))
		return RCUF_STAT_FB_WP_PAGE;
	/*
	 * do_wp_page() copies at once above 3 references, and after its LRU
	 * drain whenever more than one is left: mapped by another PTE (a
	 * fork child), it always copies. Otherwise it may reuse the page
	 * under the folio lock: decided under the PTE lock
	 * (rcuf_wp_may_reuse()). A mapping that goes away meanwhile only
	 * makes this a copy where stock might have reused: as correct, and
	 * as racy as stock's test.
	 */
	if (folio_ref_count(folio) <= RCUF_WP_COPY_REFS &&
	    page_mapcount(page) <= 1) {
		wf->reuse = true;
		wf->sole = true;
		return RCUF_STAT_LOCKLESS_SUCCESS;
	}
	if (!folio_try_get(folio))
		return RCUF_STAT_FB_RACED;
	if (page_folio(page) != folio ||
	    !pte_same(ptep_get_lockless(ptep), pte)) {
		wf->page = NULL;
		folio_put(folio);	/* not the last reference: it was mapped */
		return RCUF_STAT_FB_RACED;
	}
	return RCUF_STAT_LOCKLESS_SUCCESS;
}

/* Read the PTE with interrupts off and classify it (rcuf_wp_page_kind()). */
static enum rcuf_stat rcuf_wp_classify(struct mm_struct *mm, unsigned long addr,
				       struct rcuf_wp_fault *wf)
{
	enum rcuf_walk_result walk;
	enum rcuf_stat res;
	unsigned long flags;
	pmd_t *pmdp, pmd;
	pte_t *ptep, pte;

	local_irq_save(flags);
	walk = rcuf_pmd_find_irqs_off(mm, addr, &pmdp, &pmd);
	if (walk != RCUF_WALK_PTE) {
		local_irq_restore(flags);
		return walk == RCUF_WALK_NO_TABLE ? RCUF_STAT_FB_NO_PTE_TABLE :
						    RCUF_STAT_FB_PGTABLE;
	}
	ptep = pte_offset_map(&pmd, addr);
	pte = ptep_get_lockless(ptep);
	if (!pte_present(pte) || pte_protnone(pte) || pte_write(pte))
		res = RCUF_STAT_FB_RACED;	/* changed since the first read */
	else
		res = rcuf_wp_page_kind(ptep, pte, addr, wf);
	pte_unmap(ptep);
	local_irq_restore(flags);
	return res;
}

/*
 * May the page be reused? do_wp_page(): an exclusive page always; one that
 * is not, only if it is the mapping's sole reference, checked again under
 * the folio lock, and then made exclusive to this VMA's anon_vma
 * (page_move_anon_rmap(), from the copy rcuf_anon_fault_fill() made). A
 * page in a per-CPU LRU batch holds a second reference, which stock may
 * drain away first: left to stock, as is a swap-cache page (stock frees
 * its swap slot first), KSM and large pages.
 * Context: PTE lock held (validated, pte_same()), interrupts off.
 */
static enum rcuf_stat rcuf_wp_may_reuse(struct rcuf_wp_fault *wf)
{
	struct folio *folio = page_folio(wf->page);

	if (PageAnonExclusive(wf->page) || rcuf_test_wp_reuse_shared())
		return RCUF_STAT_LOCKLESS_SUCCESS;
	if (!wf->sole)
		return RCUF_STAT_FB_RACED;	/* no longer exclusive */
	if (folio_test_ksm(folio) || folio_test_swapcache(folio) ||
	    folio_test_large(folio) || folio_ref_count(folio) != 1 ||
	    !folio_trylock(folio))
		return RCUF_STAT_FB_WP_MAYBE_REUSE;
	if (folio_test_ksm(folio) || folio_test_swapcache(folio) ||
	    folio_ref_count(folio) != 1) {
		folio_unlock(folio);
		return RCUF_STAT_FB_WP_MAYBE_REUSE;
	}
	WRITE_ONCE(folio->mapping, (struct address_space *)
		   ((unsigned long)wf->af.anon_vma | PAGE_MAPPING_ANON));
	SetPageAnonExclusive(wf->page);
	folio_unlock(folio);
	return RCUF_STAT_LOCKLESS_SUCCESS;
}

/*
 * wp_page_reuse(): the same page, young, dirty and writable (maybe_mkwrite:
 * the VMA has VM_WRITE, checked). No flush: see the file comment.
 * Context: PTE lock held, interrupts off.
 */
static void rcuf_wp_reuse(struct rcuf_wp_fault *wf, unsigned long addr,
			  pte_t *ptep)
{
	pte_t entry = pte_mkwrite(pte_mkdirty(pte_mkyoung(wf->orig)));

	/* the old cpupid may belong to a now unrelated process */
#if defined(CONFIG_NUMA_BALANCING) && !defined(LAST_CPUPID_NOT_IN_PAGE_FLAGS)
	rcuf_sym.page_cpupid_xchg_last(wf->page, (1 << LAST_CPUPID_SHIFT) - 1);
#else
	page_cpupid_xchg_last(wf->page, (1 << LAST_CPUPID_SHIFT) - 1);
#endif
	/*
	 * x86's ptep_set_access_flags(): set_pte(), not set_pte_at(): the
	 * page stays mapped once, so page_table_check must not count it again.
	 */
	set_pte(ptep, entry);
	update_mmu_cache(wf->af.vma, addr, ptep);
	count_vm_event(PGREUSE);
}

/*
 * wp_page_copy()'s switch: clear and flush the old PTE, map the new page,
 * then drop the old page's rmap and the reference its PTE held. Our own
 * reference on the old page is dropped by the caller, after all that.
 *
 * After the flush, the lock's validity is checked again, because with
 * interrupts on a writer that began after rcuf_pte_lock_at_epoch() may
 * have moved this very table: mremap's move_normal_pmd() and
 * move_normal_pud() (mm/mremap.c) clear the PMD and populate another one
 * with the same table under the PMD lock only, then flush the old range.
 * Had it moved, the entry cleared belongs to the new address, whose TLB
 * entries our flush of @addr missed; the old entry is put back (nothing
 * else was changed, and everyone who would fill the empty entry meanwhile
 * either waits for this lock or falls back on the epoch) and the fault
 * falls back. If the epoch is still @seq after the clear, no writer began
 * before it: a move, an MMU notifier registration (mmap_lock for write)
 * or anything else that follows sees the cleared entry or the new one.
 * Context: PTE lock held, interrupts on (rcuf_pte_lock_irqs_on()).
 */
static enum rcuf_stat rcuf_wp_copy(struct rcuf_mm *m, unsigned int seq,
				   struct rcuf_wp_fault *wf,
				   struct folio *folio, unsigned long addr,
				   struct rcuf_pte_locked *pl)
{
	struct vm_area_struct *vma = wf->af.vma;
	struct mm_struct *mm = wf->af.mm;
	pte_t old;

	/* ptep_clear_flush(): the old entry is present, so accessible */
	old = ptep_get_and_clear(mm, addr, pl->ptep);
	rcuf_sym.flush_tlb_mm_range(mm, addr, addr + PAGE_SIZE, PAGE_SHIFT, false);
	if (!rcuf_pte_lock_still_valid(m, seq, !rcuf_test_skip_epoch_recheck(),
				       addr, pl)) {
		set_pte_at(mm, addr, pl->ptep, old);
		return RCUF_STAT_FB_EPOCH_CHANGED;
	}
	if (!wf->page)
		current->rss_stat.count[MM_ANONPAGES]++;	/* inc_mm_counter_fast */
	rcuf_anon_add_new(&wf->af, folio);
	set_pte_at(mm, addr, pl->ptep,
		   rcuf_anon_pte(folio, wf->af.prot, true, addr));
	update_mmu_cache(vma, addr, pl->ptep);
	if (wf->page) {
		/*
		 * Only munlock_vma_page() reads the VMA here (vm_flags): a
		 * racing mlock_fixup() may make it munlock a page that was
		 * never mlocked, which it tolerates.
		 */
		rcuf_sym.page_remove_rmap(wf->page, vma, false);
		put_page(wf->page);	/* the PTE's; ours is still held */
	}
	return RCUF_STAT_LOCKLESS_SUCCESS;
}

/* Under the PTE lock validated at @seq: reuse or copy. */
static enum rcuf_stat rcuf_wp_commit_locked(struct rcuf_mm *m, unsigned int seq,
					    struct rcuf_wp_fault *wf,
					    struct folio *folio,
					    unsigned long addr,
					    struct rcuf_pte_locked *pl)
{
	enum rcuf_stat res;

	if (!pte_same(ptep_get(pl->ptep), wf->orig))
		return RCUF_STAT_FB_RACED;
	if (wf->reuse) {
		res = rcuf_wp_may_reuse(wf);
		if (res == RCUF_STAT_LOCKLESS_SUCCESS)
			rcuf_wp_reuse(wf, addr, pl->ptep);
		return res;
	}
	/* a copy: the page became exclusive since? stock reuses it (2.) */
	if (wf->page && PageAnonExclusive(wf->page))
		return RCUF_STAT_FB_RACED;
	if (mm_has_notifiers(m->mm))
		return RCUF_STAT_FB_WP_NOTIFIER;
	if (!rcuf_pte_lock_irqs_on(pl))
		return RCUF_STAT_FB_IRQS_OFF;
	return rcuf_wp_copy(m, seq, wf, folio, addr, pl);
}

/* Lock the PTE table at @seq and commit. */
static enum rcuf_stat rcuf_wp_commit(struct rcuf_mm *m, unsigned int seq,
				     struct rcuf_wp_fault *wf,
				     struct folio *folio, unsigned long addr)
{
	struct rcuf_pte_locked pl;
	enum rcuf_stat res;

	res = rcuf_pte_lock_at_epoch(m, seq, !rcuf_test_skip_epoch_recheck(),
				     addr, &pl);
	if (res != RCUF_STAT_LOCKLESS_SUCCESS)
		return res;
	res = rcuf_wp_commit_locked(m, seq, wf, folio, addr, &pl);
	rcuf_pte_unlock(&pl);
	return res;
}

/*
 * The new page of a copy: zeroed for the zero page, else a copy. Return:
 * the page, NULL without memory, or ERR_PTR(-EHWPOISON) if the old page
 * has a memory error (queued for memory_failure() as stock does).
 */
static struct folio *rcuf_wp_new_page(struct rcuf_wp_fault *wf,
				      unsigned long addr)
{
	struct folio *folio = rcuf_anon_folio_new(current->mm, !wf->page);

	if (!folio || !wf->page)
		return folio;
	/* as __wp_page_copy_user(); x86's copy does not use the VMA */
	if (copy_mc_user_highpage(&folio->page, wf->page, addr, NULL)) {
		memory_failure_queue(page_to_pfn(wf->page), 0);
		folio_put(folio);
		return ERR_PTR(-EHWPOISON);	/* the stock path's copy: SIGBUS */
	}
	__folio_mark_uptodate(folio);
	return folio;
}

/**
 * rcuf_fault_wp() - serve a write fault on a read-only anonymous PTE
 * @m: the faulting mm's state (current->mm)
 * @vma: the VMA the shadow tree gave for @addr at epoch @seq
 * @addr: the faulting address
 * @error_code: the hardware error code (a write to a present page)
 * @seq: the even write epoch at which @vma was current
 * @reuse: set, on success, to whether the page was reused (else copied)
 *
 * @vma is only dereferenced under RCU while the epoch is still @seq.
 *
 * Context: process, no locks held, not under RCU; may sleep (allocation).
 * Return: RCUF_STAT_LOCKLESS_SUCCESS if the PTE now allows the write (the
 * access can be retried), else the reason to fall back; nothing changed
 * then.
 */
enum rcuf_stat rcuf_fault_wp(struct rcuf_mm *m, struct vm_area_struct *vma,
			     unsigned long addr, unsigned long error_code,
			     unsigned int seq, bool *reuse)
{
	struct folio *folio = NULL;
	struct rcuf_wp_fault wf;
	enum rcuf_stat res;

	addr &= PAGE_MASK;
	if (irqs_disabled())	/* a copy's flush needs IPIs; reuse is rare then */
		return RCUF_STAT_FB_IRQS_OFF;
	res = rcuf_anon_vma_check_at(m, vma, addr, error_code, seq, &wf.af);
	if (res != RCUF_STAT_LOCKLESS_SUCCESS)
		return res;
	if (mm_has_notifiers(m->mm))
		return RCUF_STAT_FB_WP_NOTIFIER;
	res = rcuf_wp_classify(m->mm, addr, &wf);
	if (res != RCUF_STAT_LOCKLESS_SUCCESS)
		return res;
	rcuf_test_commit_delay(false);
	if (!wf.reuse) {
		folio = rcuf_wp_new_page(&wf, addr);
		if (IS_ERR_OR_NULL(folio)) {
			if (wf.page)
				put_page(wf.page);
			return folio ? RCUF_STAT_FB_WP_PAGE : RCUF_STAT_FB_NO_MEMORY;
		}
	}
	rcu_read_lock();
	res = rcuf_wp_commit(m, seq, &wf, folio, addr);
	rcu_read_unlock();
	if (folio && res != RCUF_STAT_LOCKLESS_SUCCESS)
		folio_put(folio);	/* uncharges too */
	if (!wf.reuse && wf.page)
		put_page(wf.page);	/* after the flush, if switched */
	if (res == RCUF_STAT_LOCKLESS_SUCCESS) {
		rcuf_stat_inc(wf.reuse ? RCUF_STAT_LOCKLESS_WP_REUSE :
					 RCUF_STAT_LOCKLESS_WP_COPY);
		*reuse = wf.reuse;
	}
	return res;
}
