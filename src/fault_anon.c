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

/**
 * rcuf_anon_epoch_changed() - may a writer have changed @addr's VMA since @seq?
 * @m: the faulting mm's state
 * @seq: the write epoch the fault speculates on
 * @addr: the faulting address
 *
 * Return: true if so (rcuf_mm_epoch_moved()); always false in the deliberately broken test build
 * (test_skip_epoch_recheck).
 */
bool rcuf_anon_epoch_changed(struct rcuf_mm *m, unsigned int seq,
			     unsigned long addr)
{
	return !rcuf_test_skip_epoch_recheck() &&
	       rcuf_mm_epoch_moved(m, seq, addr);
}

/* The VMA flags that make do_anonymous_page() not apply, or need the lock. */
#define RCUF_ANON_UNSUPPORTED (VM_SHARED | VM_HUGETLB | VM_PFNMAP | VM_IO | \
			       VM_MIXEDMAP | VM_UFFD_MISSING | VM_UFFD_WP | \
			       VM_UFFD_MINOR)

/**
 * rcuf_anon_vma_check() - may a private anonymous VMA's fault be served?
 * @vma: the VMA the shadow tree gave for @addr
 * @addr: the faulting address
 * @error_code: the hardware error code
 * @af: filled in on success with what the commit needs
 *
 * Step 1: the VMA checks of access_error() and do_anonymous_page() (and of
 * do_wp_page() for anonymous pages): range, access and protection keys, a
 * private anonymous VMA with an anon_vma, no userfaultfd, no VMA
 * mempolicy, not mlocked.
 *
 * Context: RCU read side, the write epoch still the one @vma was found at
 * (the caller re-checks it after this returns).
 * Return: RCUF_STAT_LOCKLESS_SUCCESS, or the reason to fall back.
 */
enum rcuf_stat rcuf_anon_vma_check(struct vm_area_struct *vma,
				   unsigned long addr, unsigned long error_code,
				   struct rcuf_anon_fault *af)
{
	unsigned long flags = READ_ONCE(vma->vm_flags);

	if ((addr < READ_ONCE(vma->vm_start) ||
	     addr >= READ_ONCE(vma->vm_end)) &&
	    likely(!rcuf_test_vma_end_unchecked()))
		return RCUF_STAT_FB_VMA_RANGE;
	if (!rcuf_vma_access_ok(vma, flags, error_code))
		return RCUF_STAT_FB_ACCESS;
	if (unlikely(rcuf_test_uffd_ignored()))
		flags &= ~__VM_UFFD_FLAGS;
	else if (READ_ONCE(vma->vm_userfaultfd_ctx.ctx))
		return RCUF_STAT_FB_VMA_KIND;
	if (READ_ONCE(vma->vm_ops) || READ_ONCE(vma->vm_file) ||
	    (flags & RCUF_ANON_UNSUPPORTED))
		return RCUF_STAT_FB_VMA_KIND;
	if (!READ_ONCE(vma->anon_vma) || vma_policy(vma))
		return RCUF_STAT_FB_VMA_SETUP;
	if (flags & VM_LOCKED)
		return RCUF_STAT_FB_VMA_MLOCKED;
	rcuf_anon_fault_fill(af, vma, flags, addr, error_code & X86_PF_WRITE);
	return RCUF_STAT_LOCKLESS_SUCCESS;
}

/*
 * Would 6.1's __handle_mm_fault() try a huge page for @addr instead of a
 * PTE table? It does when pmd_none() and hugepage_vma_check(vma,
 * vm_flags, false, true, true); do_huge_pmd_anonymous_page() then falls
 * back, with nothing done, only if !transhuge_vma_suitable().
 */
static bool rcuf_anon_thp_fault(struct vm_area_struct *vma,
				unsigned long flags, unsigned long addr)
{
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	return rcuf_sym.hugepage_vma_check(vma, flags, false, true, true) &&
	       transhuge_vma_suitable(vma, addr & HPAGE_PMD_MASK);
#else
	return false;
#endif
}

/**
 * rcuf_anon_vma_check_at() - rcuf_anon_vma_check() at the epoch @seq
 * @m: the faulting mm's state (current->mm)
 * @vma: the VMA the shadow tree gave for @addr at epoch @seq
 * @addr: the faulting address, page-aligned
 * @error_code: the hardware error code
 * @seq: the even write epoch at which @vma was current
 * @af: filled in on success
 *
 * An unchanged epoch at the start of the RCU section means @vma was not
 * freed before it; a free after it waits for the section's end. The second
 * check catches a writer that started while we read.
 *
 * Context: process, not under RCU.
 * Return: RCUF_STAT_LOCKLESS_SUCCESS, or the reason to fall back.
 */
enum rcuf_stat rcuf_anon_vma_check_at(struct rcuf_mm *m,
				      struct vm_area_struct *vma,
				      unsigned long addr,
				      unsigned long error_code,
				      unsigned int seq,
				      struct rcuf_anon_fault *af)
{
	enum rcuf_stat res = RCUF_STAT_FB_EPOCH_CHANGED;

	rcu_read_lock();
	if (!rcuf_anon_epoch_changed(m, seq, addr)) {
		res = rcuf_anon_vma_check(vma, addr, error_code, af);
		if (rcuf_anon_epoch_changed(m, seq, addr))
			res = RCUF_STAT_FB_EPOCH_CHANGED;
	}
	rcu_read_unlock();
	return res;
}

/**
 * rcuf_anon_table_check() - may @addr's missing PTE table be made here?
 * @m: the faulting mm's state (current->mm)
 * @vma: the VMA the shadow tree gave for @addr at epoch @seq
 * @addr: the faulting address
 * @error_code: the hardware error code
 * @seq: the even write epoch at which @vma was current
 *
 * Only where rcuf_fault_anon() would then serve the fault (the checks of
 * rcuf_anon_vma_check()), and where the stock fault would make a PTE table
 * too, not try a transparent huge page. File VMAs never get here: a
 * page-cache fault maps a large folio by its PMD into an empty PMD entry
 * (do_set_pmd()).
 *
 * Context: process, not under RCU.
 * Return: RCUF_STAT_LOCKLESS_SUCCESS, or the reason to fall back.
 */
enum rcuf_stat rcuf_anon_table_check(struct rcuf_mm *m,
				     struct vm_area_struct *vma,
				     unsigned long addr,
				     unsigned long error_code, unsigned int seq)
{
	enum rcuf_stat res = RCUF_STAT_FB_EPOCH_CHANGED;
	struct rcuf_anon_fault af;

	addr &= PAGE_MASK;
	rcu_read_lock();	/* as in rcuf_anon_vma_check_at() */
	if (!rcuf_anon_epoch_changed(m, seq, addr)) {
		res = rcuf_anon_vma_check(vma, addr, error_code, &af);
		if (res == RCUF_STAT_LOCKLESS_SUCCESS &&
		    rcuf_anon_thp_fault(vma, af.vm_flags, addr))
			res = RCUF_STAT_FB_PTE_TABLE_THP;
		if (rcuf_anon_epoch_changed(m, seq, addr))
			res = RCUF_STAT_FB_EPOCH_CHANGED;
	}
	rcu_read_unlock();
	return res;
}

/**
 * rcuf_anon_fault_fill() - copy what an anonymous commit needs from @vma
 * @af: filled in
 * @vma: the VMA, checked (an anon_vma, not VM_LOCKED)
 * @flags: its vm_flags, as read by the check
 * @addr: the faulting address, page-aligned
 * @write: the fault is a write
 *
 * The commit uses these copies, never the VMA's fields (see
 * rcuf_anon_add_new()).
 *
 * Context: RCU read side, the write epoch still the one @vma was found at
 * (the caller re-checks it afterwards).
 */
void rcuf_anon_fault_fill(struct rcuf_anon_fault *af,
			  struct vm_area_struct *vma, unsigned long flags,
			  unsigned long addr, bool write)
{
	af->vma = vma;
	af->mm = vma->vm_mm;
	af->anon_vma = READ_ONCE(vma->anon_vma);
	af->index = ((addr - READ_ONCE(vma->vm_start)) >> PAGE_SHIFT) +
		    READ_ONCE(vma->vm_pgoff);	/* linear_page_index() */
	af->prot = READ_ONCE(vma->vm_page_prot);
	af->vm_flags = flags;
	af->writable = flags & VM_WRITE;
	af->write = write;
}

/**
 * rcuf_anon_rmap_new() - the first, exclusive rmap of a page, VMA-free
 * @af: the copies rcuf_anon_fault_fill() made
 * @folio: a small page that no page table maps yet (swap-backed already)
 *
 * What page_add_new_anon_rmap() does for a small page, and what
 * page_add_anon_rmap(RMAP_EXCLUSIVE) does for the first mapping of a page
 * that is not anonymous yet (a swap-in that skipped the swap cache): the
 * mapcount, NR_ANON_MAPPED, __page_set_anon_rmap(exclusive), from @af
 * rather than from the VMA (see rcuf_anon_add_new()).
 *
 * Context: PTE lock held.
 */
void rcuf_anon_rmap_new(const struct rcuf_anon_fault *af, struct folio *folio)
{
	struct page *page = &folio->page;

	atomic_set(&page->_mapcount, 0);	/* starts at -1 */
	__mod_lruvec_page_state(page, NR_ANON_MAPPED, 1);
	/* __page_set_anon_rmap(), exclusive: one store for page_idle's walk */
	WRITE_ONCE(page->mapping, (struct address_space *)
		   ((unsigned long)af->anon_vma | PAGE_MAPPING_ANON));
	page->index = af->index;
	SetPageAnonExclusive(page);
}

/**
 * rcuf_anon_add_new() - rmap and LRU of a new anonymous page, VMA-free
 * @af: the copies rcuf_anon_fault_fill() made
 * @folio: the new page (small)
 *
 * page_add_new_anon_rmap() and lru_cache_add_inactive_or_unevictable(),
 * but from @af rather than from the VMA. The epoch re-check under the PTE
 * lock only proves that no writer began before it: one that begins after
 * it changes VMA fields without this lock (vma_merge() clears the
 * anon_vma of the VMA it removes, in unlink_anon_vmas(); __vma_adjust()
 * moves vm_start and vm_pgoff; mlock_fixup() sets VM_LOCKED), so reading
 * them here could see NULL or a torn pair. Every such writer keeps the
 * rmap of pages already mapped valid (a merge needs the same anon_vma and
 * a continuous pgoff, so the same linear index), and handles their PTEs
 * under this PTE lock, after us (mlock_pte_range() mlocks the page then).
 *
 * Context: PTE lock held.
 */
void rcuf_anon_add_new(const struct rcuf_anon_fault *af, struct folio *folio)
{
	__folio_set_swapbacked(folio);
	rcuf_anon_rmap_new(af, folio);
	folio_add_lru(folio);	/* folio_add_lru_vma(): not VM_LOCKED */
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
 * @af: the copies rcuf_anon_fault_fill() made, epoch re-checked under the
 *	PTE lock
 * @folio: the new page, or NULL for the zero page
 * @addr: the faulting address
 * @ptep: the empty PTE, its lock held
 * @entry: what rcuf_anon_pte() made
 *
 * RSS, rmap, LRU, set_pte_at(): the commit of do_anonymous_page().
 * Context: PTE lock held (VM_LOCKED excluded by the caller).
 */
void rcuf_anon_map(const struct rcuf_anon_fault *af, struct folio *folio,
		   unsigned long addr, pte_t *ptep, pte_t entry)
{
	if (folio) {
		current->rss_stat.count[MM_ANONPAGES]++;	/* inc_mm_counter_fast */
		rcuf_anon_add_new(af, folio);
	}
	set_pte_at(af->mm, addr, ptep, entry);
	update_mmu_cache(af->vma, addr, ptep);	/* x86: nothing */
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
		rcuf_anon_map(af, folio, addr, pl.ptep, entry);
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
	res = rcuf_anon_vma_check_at(m, vma, addr, error_code, seq, &af);
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
