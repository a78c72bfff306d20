// SPDX-License-Identifier: GPL-2.0
/*
 * A fault on a missing PTE of a private anonymous VMA, served without
 * mmap_lock: 6.1's do_anonymous_page(), split around its sleeping part.
 *
 * 1. Under RCU, while the write epoch is still the one the VMA was seen
 *    with, check the VMA as access_error() and do_anonymous_page() would
 *    and copy what the commit needs. The VMA's memory is RCU-safe while it
 *    is in the shadow tree (its free is deferred), and an unchanged even
 *    epoch means no writer has touched it.
 * 2. Outside RCU, prepare: a zeroed, memcg-charged page for a write, the
 *    zero page for a read. Nothing is visible yet.
 * 3. Lock the PTE table validated against the epoch (pte_lock.c), re-check
 *    pte_none() under the lock, and only then commit: RSS, rmap, LRU,
 *    set_pte_at(). VM_LOCKED VMAs fall back: mlock's LRU batch would turn
 *    interrupts back on under the PTE lock.
 * Any failure undoes step 2 and falls back to the stock path, counted.
 */
#include <linux/gfp.h>
#include <linux/memcontrol.h>
#include <linux/mempolicy.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/userfaultfd_k.h>
#include <asm/trap_pf.h>
#include "rcufault/fault_anon.h"
#include "rcufault/mm_state.h"
#include "rcufault/pgtable_walk.h"
#include "rcufault/pte_lock.h"
#include "rcufault/symbols.h"
#include "rcufault/test_params.h"
#include "rcufault/vma_access.h"

static bool rcuf_anon_epoch_changed(struct rcuf_mm *m, unsigned int seq)
{
	return !rcuf_test_skip_epoch_recheck() && rcuf_mm_epoch_changed(m, seq);
}

/**
 * struct rcuf_anon_fault - what the commit needs, copied under RCU
 * @vma: the VMA (valid while the epoch is unchanged, under RCU)
 * @prot: its vm_page_prot
 * @writable: its VM_WRITE
 * @write: the fault is a write
 */
struct rcuf_anon_fault {
	struct vm_area_struct *vma;
	pgprot_t prot;
	bool writable;
	bool write;
};

/* The VMA flags that make do_anonymous_page() not apply, or need the lock. */
#define RCUF_ANON_UNSUPPORTED (VM_SHARED | VM_HUGETLB | VM_PFNMAP | VM_IO | \
			       VM_MIXEDMAP | VM_UFFD_MISSING | VM_UFFD_WP | \
			       VM_UFFD_MINOR)

/* Step 1. Context: RCU read side. */
static enum rcuf_stat rcuf_anon_check(struct vm_area_struct *vma,
				      unsigned long addr,
				      unsigned long error_code,
				      struct rcuf_anon_fault *af)
{
	unsigned long flags = READ_ONCE(vma->vm_flags);

	if (addr < READ_ONCE(vma->vm_start) || addr >= READ_ONCE(vma->vm_end))
		return RCUF_STAT_FB_VMA_RANGE;
	if (!rcuf_vma_access_ok(vma, flags, error_code))
		return RCUF_STAT_FB_ACCESS;
	if (READ_ONCE(vma->vm_ops) || READ_ONCE(vma->vm_file) ||
	    (flags & RCUF_ANON_UNSUPPORTED) ||
	    READ_ONCE(vma->vm_userfaultfd_ctx.ctx))
		return RCUF_STAT_FB_VMA_KIND;
	if (!READ_ONCE(vma->anon_vma) || vma_policy(vma))
		return RCUF_STAT_FB_VMA_SETUP;
	if (flags & VM_LOCKED)
		return RCUF_STAT_FB_VMA_MLOCKED;
	af->vma = vma;
	af->prot = READ_ONCE(vma->vm_page_prot);
	af->writable = flags & VM_WRITE;
	af->write = error_code & X86_PF_WRITE;
	return RCUF_STAT_LOCKLESS_SUCCESS;
}

/**
 * rcuf_anon_folio_new() - a new anonymous page for @mm, memcg-charged
 * @mm: the faulting mm
 * @zero: zero it (and mark it uptodate); else the caller fills it and
 *	marks it uptodate (which orders the filling before set_pte_at())
 *
 * Context: process, no locks held; may sleep.
 * Return: the folio, or NULL without memory (or over the memcg limit): the
 * allocator or try_charge_memcg() has then reclaimed and OOM-killed as it
 * does for stock's allocation, which must not be done again (the caller
 * reports RCUF_STAT_FB_NO_MEMORY, which fails the stock attempt at once).
 */
struct folio *rcuf_anon_folio_new(struct mm_struct *mm, bool zero)
{
	struct folio *folio = folio_alloc(GFP_HIGHUSER_MOVABLE |
					  (zero ? __GFP_ZERO : 0), 0);

	if (!folio)
		return NULL;
	if (!mem_cgroup_disabled()) {
		if (rcuf_sym.__mem_cgroup_charge(folio, mm, GFP_KERNEL)) {
			folio_put(folio);
			return NULL;
		}
		/* as do_anonymous_page() and do_cow_fault() after the charge */
		rcuf_sym.__cgroup_throttle_swaprate(&folio->page, GFP_KERNEL);
	}
	if (zero)
		__folio_mark_uptodate(folio);
	return folio;
}

/**
 * rcuf_anon_pte() - the PTE a new anonymous page is mapped with
 * @folio: the page, or NULL for the zero page at @addr
 * @prot: the VMA's vm_page_prot
 * @writable: the VMA has VM_WRITE (a new page is mapped writable, dirty)
 * @addr: the faulting address
 *
 * Return: the entry, young, as do_anonymous_page() and do_cow_fault() make it.
 */
pte_t rcuf_anon_pte(struct folio *folio, pgprot_t prot, bool writable,
		    unsigned long addr)
{
	pte_t entry;

	if (!folio)
		return pte_mkspecial(pfn_pte(my_zero_pfn(addr), prot));
	entry = pte_sw_mkyoung(mk_pte(&folio->page, prot));
	if (writable)
		entry = pte_mkwrite(pte_mkdirty(entry));
	return entry;
}

/**
 * rcuf_anon_map() - map a new anonymous page (or the zero page)
 * @vma: the VMA, stable: its epoch was re-checked under the PTE lock
 * @folio: the new page, or NULL for the zero page
 * @addr: the faulting address
 * @ptep: the empty PTE, its lock held
 * @entry: what rcuf_anon_pte() made
 *
 * RSS, rmap, LRU, set_pte_at(): the commit of do_anonymous_page().
 * Context: PTE lock held, interrupts off (VM_LOCKED excluded by the caller).
 */
void rcuf_anon_map(struct vm_area_struct *vma, struct folio *folio,
		   unsigned long addr, pte_t *ptep, pte_t entry)
{
	if (folio) {
		current->rss_stat.count[MM_ANONPAGES]++;	/* inc_mm_counter_fast */
		rcuf_sym.page_add_new_anon_rmap(&folio->page, vma, addr);
		rcuf_sym.lru_cache_add_inactive_or_unevictable(&folio->page, vma);
	}
	set_pte_at(vma->vm_mm, addr, ptep, entry);
	update_mmu_cache(vma, addr, ptep);
}

/* Step 3: the locked part. Return: the outcome; commits only on success. */
static enum rcuf_stat rcuf_anon_install(struct rcuf_mm *m, unsigned int seq,
					struct rcuf_anon_fault *af,
					struct folio *folio, unsigned long addr)
{
	pte_t entry = rcuf_anon_pte(folio, af->prot, af->writable, addr);
	struct rcuf_pte_locked pl;
	enum rcuf_stat res;

	res = rcuf_pte_lock_at_epoch(m, seq, !rcuf_test_skip_epoch_recheck(), addr, &pl);
	if (res != RCUF_STAT_LOCKLESS_SUCCESS)
		return res;
	if (pte_none(ptep_get(pl.ptep)))
		rcuf_anon_map(af->vma, folio, addr, pl.ptep, entry);
	else
		res = RCUF_STAT_FB_RACED;	/* someone else mapped it */
	rcuf_pte_unlock(&pl);
	return res;
}

/**
 * rcuf_fault_anon() - serve a missing-PTE fault of an anonymous VMA
 * @m: the faulting mm's state (current->mm)
 * @vma: the VMA the shadow tree gave for @addr at epoch @seq
 * @addr: the faulting address
 * @error_code: the hardware error code
 * @seq: the even write epoch at which @vma was current
 *
 * @vma is only dereferenced under RCU while the epoch is still @seq.
 *
 * Context: process, no locks held, not under RCU; may sleep (allocation).
 * Return: RCUF_STAT_LOCKLESS_SUCCESS if the page is mapped (the access can
 * be retried), else the reason to fall back; nothing changed then.
 */
enum rcuf_stat rcuf_fault_anon(struct rcuf_mm *m, struct vm_area_struct *vma,
			       unsigned long addr, unsigned long error_code,
			       unsigned int seq)
{
	struct rcuf_anon_fault af;
	struct folio *folio = NULL;
	enum rcuf_stat res;

	addr &= PAGE_MASK;
	/*
	 * An unchanged epoch at the start of this RCU section means @vma was
	 * not freed before it; a free after it waits for the section's end.
	 * The second check catches a writer that started while we read.
	 */
	rcu_read_lock();
	res = RCUF_STAT_FB_EPOCH_CHANGED;
	if (!rcuf_anon_epoch_changed(m, seq)) {
		res = rcuf_anon_check(vma, addr, error_code, &af);
		if (rcuf_anon_epoch_changed(m, seq))
			res = RCUF_STAT_FB_EPOCH_CHANGED;
	}
	rcu_read_unlock();
	if (res != RCUF_STAT_LOCKLESS_SUCCESS)
		return res;
	rcuf_test_commit_delay(false);
	if (af.write) {
		folio = rcuf_anon_folio_new(current->mm, true);
		if (!folio)
			return RCUF_STAT_FB_NO_MEMORY;
	}
	rcu_read_lock();
	res = rcuf_anon_install(m, seq, &af, folio, addr);
	rcu_read_unlock();
	if (res != RCUF_STAT_LOCKLESS_SUCCESS && folio)
		folio_put(folio);	/* uncharges too */
	return res;
}

/* The broken build's "COW": under the PTE lock, mark the PTE writable. */
static bool rcuf_anon_broken_cow_locked(struct mm_struct *mm, unsigned long addr)
{
	spinlock_t *ptl;
	pmd_t *pmdp, pmd;
	pte_t *ptep, pte;
	bool done = false;

	if (rcuf_pmd_find_irqs_off(mm, addr, &pmdp, &pmd) != RCUF_WALK_PTE)
		return false;
	ptl = pte_lockptr(mm, &pmd);
	if (!spin_trylock(ptl))
		return false;
	ptep = pte_offset_map(&pmd, addr);
	pte = ptep_get(ptep);
	if (pte_present(pte) && !pte_write(pte) && !pte_special(pte) &&
	    PageAnon(pte_page(pte))) {
		set_pte_at(mm, addr, ptep, pte_mkwrite(pte_mkdirty(pte)));
		done = true;
	}
	pte_unmap(ptep);
	spin_unlock(ptl);
	return done;
}

/**
 * rcuf_fault_broken_cow() - testing only: the deliberately broken COW
 * @m: the faulting mm's state
 * @addr: the faulting address
 * @error_code: the hardware error code
 *
 * The classic COW bug (what made 6.4's lockless faults racing with fork
 * corrupt Go builds: a page shared with a child written in place): a write
 * fault on a present read-only anonymous PTE just makes the PTE writable.
 * The fork torture must catch it. Only in the test build, with the
 * test_broken_cow parameter, in tasks of that name (rcuf_test_broken_cow()).
 *
 * Return: RCUF_STAT_LOCKLESS_SUCCESS if the PTE was made writable in place,
 * else RCUF_STAT_FB_PTE_COW.
 */
enum rcuf_stat rcuf_fault_broken_cow(struct rcuf_mm *m, unsigned long addr,
				     unsigned long error_code)
{
	unsigned long flags;
	bool done;

	if (!rcuf_test_broken_cow() || !(error_code & X86_PF_WRITE))
		return RCUF_STAT_FB_PTE_COW;
	local_irq_save(flags);
	done = rcuf_anon_broken_cow_locked(m->mm, addr & PAGE_MASK);
	local_irq_restore(flags);
	return done ? RCUF_STAT_LOCKLESS_SUCCESS : RCUF_STAT_FB_PTE_COW;
}
