// SPDX-License-Identifier: GPL-2.0
/*
 * A fault on a swap PTE whose page is in the swap cache, mapped without
 * mmap_lock: what 6.1's do_swap_page() does when swap_cache_get_folio()
 * finds the page (an asynchronous device's swap-in after our unlocked read,
 * an entry shared after fork, a page whose swap-out has not finished),
 * minus the cases it would copy or that need the VMA (those fall back).
 *
 * The steps, against mm/memory.c do_swap_page() (6.1), the swap device
 * pinned by the caller (get_swap_device()) and @af checked under RCU at
 * the fault's epoch (rcuf_anon_vma_check_at(): an anon_vma, no mempolicy,
 * not VM_LOCKED, no userfaultfd; the PTE has no uffd-wp bit):
 * 1. With no lock held: swap_cache_get_folio(entry, NULL, addr): a
 *    reference, and the readahead hit counted globally (a NULL VMA: the
 *    per-VMA readahead window is not updated, as for shmem's swap-ins).
 *    Large folios (a THP in the swap cache) and hwpoisoned pages fall back
 *    (stock maps one subpage of the former and fails on the latter).
 *    The folio lock: if it is busy, stock's folio_lock_or_retry() drops
 *    mmap_lock, waits and retries the fault, a major one then
 *    (FAULT_FLAG_TRIED): so it is major here too, waited for with
 *    folio_lock_killable(). Under the folio lock the page stays in the
 *    swap cache (folio_free_swap(), __remove_mapping() and swapoff all hold
 *    it), and an unmapped page gains no mapping but by another locked
 *    swap-in (fork only copies mappings that exist): then re-check, as
 *    stock, that it is still the swap cache's page for @entry.
 * 2. A KSM page falls back (swap_cache), tested under the folio lock as
 *    stock's ksm_might_need_to_copy(): ksmd makes a page KSM under its
 *    lock (try_to_merge_one_page(): set_page_stable_node(page, NULL),
 *    mapping PAGE_MAPPING_KSM with no node, then the node later under
 *    the lock again), so a test before the lock can be stale by the time
 *    we hold it, and step 3's anon_vma read would then follow the KSM
 *    mapping (address 2). The page is exclusive, as stock decides it, if
 *    the swap PTE says so (pte_swp_exclusive()) unless it is under
 *    writeback to a SWP_STABLE_WRITES device. A write fault on a page
 *    that is not exclusive falls back (swap_shared): stock would try
 *    folio_free_swap() and, failing that, map it read-only and copy it in
 *    do_wp_page(). An exclusive page already mapped elsewhere cannot be
 *    (the entry would have other users); it falls back all the same.
 *    cgroup_throttle_swaprate(); for a write, lru_add_drain() if the folio
 *    is not on the LRU yet, as stock (so that the reference count below is
 *    the one stock sees).
 * 3. Under the PTE lock validated at the epoch (pte_lock.c; interrupts
 *    off): pte_same() with the swap PTE read at the start, the folio
 *    uptodate (else stock's SIGBUS: fall back and let it decide),
 *    PG_mappedtodisk clear (it is PG_anon_exclusive on anonymous pages:
 *    stock BUG_ON()s either; fall back), ksm_might_need_to_copy()'s test
 *    (an anonymous page whose anon_vma root or linear index differ from
 *    @af's would be copied: fall back, swap_cache; read here, where the
 *    validated epoch keeps @af's anon_vma alive and RCU the memory of the
 *    page's, SLAB_TYPESAFE_BY_RCU), then the commit:
 *    arch_swap_restore() (nothing on x86); swap_free(): the entry keeps
 *    SWAP_HAS_CACHE, so its usage stays non-zero and no slot is freed here
 *    (free_swap_slot() takes spin_lock_irq(): it must not run with our
 *    interrupts off); MM_ANONPAGES and MM_SWAPENTS; mk_pte() with the
 *    VMA's protection, dirty and writable (if VM_WRITE) for a write fault
 *    on an exclusive page; soft-dirty from the swap PTE; the rmap as
 *    page_add_anon_rmap() does it, from @af rather than the VMA (see
 *    rcuf_anon_add_new() for why the VMA's fields must not be read here):
 *    the mapcount, NR_ANON_MAPPED on the first mapping, and for a page not
 *    anonymous yet __page_set_anon_rmap()'s mapping (@af's anon_vma if
 *    exclusive, else its root) and index; PageAnonExclusive if exclusive;
 *    set_pte_at(); update_mmu_cache() (nothing on x86, nor is
 *    arch_do_swap_page(), not called). The lookup's folio reference
 *    becomes the mapping's, as stock's; we took one more of our own
 *    before the lock (step 4 needs it).
 * 4. After the PTE lock, the folio still locked: should_try_to_free_swap()
 *    (stock calls it before the rmap, under the PTE lock; here the
 *    interrupt rule above moves it after: the page is mapped and still in
 *    the swap cache meanwhile, which is what stock leaves whenever the
 *    free fails) and folio_free_swap(); folio_unlock(); then our own
 *    reference is dropped. Once the PTE lock is dropped, another thread's
 *    MADV_DONTNEED or munmap may zap the new PTE and drop the mapping's
 *    reference (its free_swap_cache() fails the trylock of our folio
 *    lock): without a reference of our own, folio_free_swap()'s
 *    folio_ref_sub() could take the count to 0 without freeing (a page
 *    leaked on the LRU, its memcg charge with it), or the zap's put could
 *    free the page between folio_free_swap() and folio_unlock() (a locked
 *    page freed, which only a CONFIG_DEBUG_VM kernel reports, as "Bad page
 *    state"; test builds warn, rcuf_test_swap_cache_zap_window()).
 *    Stock's count test (2: the swap cache and the reference becoming the
 *    mapping's) is 3 here for the same state, ours added.
 * A minor fault, as stock's swap-cache hit, unless the folio lock was busy
 * (above); the retry after our own read into the swap cache was made major
 * by the caller. The readahead hit is counted without the VMA: with
 * VMA-based readahead it goes to the global swapin_readahead_hits instead
 * of the VMA's window (statistics only).
 */
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pgtable.h>
#include <linux/rmap.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include "rcufault/fault_anon.h"
#include "rcufault/fault_swap.h"
#include "rcufault/fault_swap_cache.h"
#include "rcufault/pte_lock.h"
#include "rcufault/stats.h"
#include "rcufault/symbols.h"
#include "rcufault/test_params.h"

/*
 * Step 3: would ksm_might_need_to_copy() copy @folio (not KSM) for @af?
 * Under the validated PTE lock and RCU (see the top of this file).
 */
static bool rcuf_swap_cache_needs_copy(const struct rcuf_anon_fault *af,
				       struct folio *folio)
{
	struct anon_vma *anon_vma;

	if (!folio_test_anon(folio))
		return false;	/* no anon_vma yet (mm/internal.h's folio_anon_vma()) */
	anon_vma = (void *)((unsigned long)folio->mapping - PAGE_MAPPING_ANON);
	return folio->index != af->index ||
	       anon_vma->root != af->anon_vma->root;
}

/* Step 2's exclusivity, as do_swap_page() decides it for a cached page. */
static bool rcuf_swap_cache_exclusive(struct swap_info_struct *si,
				      struct folio *folio, pte_t orig)
{
	bool stable_writes;

	if (unlikely(rcuf_test_swap_cache_exclusive()))
		return true;
	/* a racy read of the flags, as do_swap_page()'s */
	stable_writes = data_race(si->flags) & SWP_STABLE_WRITES;
	return pte_swp_exclusive(orig) &&
	       !(folio_test_writeback(folio) && stable_writes);
}

/* Step 3's rmap: page_add_anon_rmap() of a small page, VMA-free. */
static void rcuf_swap_cache_rmap(const struct rcuf_anon_fault *af,
				 struct folio *folio, bool exclusive)
{
	struct page *page = &folio->page;
	struct anon_vma *anon_vma;

	if (!atomic_inc_and_test(&page->_mapcount))
		return;		/* not exclusive: checked before the lock */
	__mod_lruvec_page_state(page, NR_ANON_MAPPED, 1);
	if (!PageAnon(page)) {
		anon_vma = exclusive ? af->anon_vma : af->anon_vma->root;
		/* one store, for page_idle's lockless rmap walk */
		WRITE_ONCE(page->mapping, (struct address_space *)
			   ((unsigned long)anon_vma | PAGE_MAPPING_ANON));
		page->index = af->index;
	}
	if (exclusive)
		SetPageAnonExclusive(page);
}

/* Step 3's commit, the PTE lock held and the swap PTE @orig still there. */
static void rcuf_swap_cache_map(const struct rcuf_anon_fault *af,
				struct folio *folio, swp_entry_t entry,
				bool exclusive, unsigned long addr,
				pte_t *ptep, pte_t orig)
{
	pte_t pte;

	arch_swap_restore(entry, folio);
	rcuf_sym.swap_free(entry);
	current->rss_stat.count[MM_ANONPAGES]++;	/* inc_mm_counter_fast */
	current->rss_stat.count[MM_SWAPENTS]--;		/* dec_mm_counter_fast */
	pte = mk_pte(&folio->page, af->prot);
	if (af->write) {		/* exclusive: checked before the lock */
		pte = pte_mkdirty(pte);
		if (af->writable)	/* maybe_mkwrite() */
			pte = pte_mkwrite(pte);
	}
	if (pte_swp_soft_dirty(orig))
		pte = pte_mksoft_dirty(pte);
	rcuf_swap_cache_rmap(af, folio, exclusive);
	set_pte_at(af->mm, addr, ptep, pte);
	update_mmu_cache(af->vma, addr, ptep);	/* x86: nothing */
}

/* Step 3. Return: the outcome; the folio is mapped on success. */
static enum rcuf_stat rcuf_swap_cache_install(struct rcuf_mm *m,
					      unsigned int seq,
					      const struct rcuf_anon_fault *af,
					      struct folio *folio,
					      swp_entry_t entry, bool exclusive,
					      unsigned long addr, pte_t orig)
{
	struct rcuf_pte_locked pl;
	enum rcuf_stat res;

	res = rcuf_swap_pte_lock(m, seq, folio, addr, orig, &pl);
	if (res != RCUF_STAT_LOCKLESS_SUCCESS)
		return res;
	if (PageMappedToDisk(&folio->page) ||	/* stock: BUG_ON */
	    rcuf_swap_cache_needs_copy(af, folio))
		res = RCUF_STAT_FB_SWAP_CACHE;
	else
		rcuf_swap_cache_map(af, folio, entry, exclusive, addr,
				    pl.ptep, orig);
	rcuf_pte_unlock(&pl);
	return res;
}

/*
 * Step 4: should_try_to_free_swap() (VM_LOCKED VMAs never get here), with
 * @ours references of our own held: stock's count of 2 is 2 + @ours here.
 * KSM pages were excluded in step 2.
 */
static void rcuf_swap_cache_free_swap(struct folio *folio, bool write,
				      int ours)
{
	if (!folio_test_swapcache(folio))
		return;
	if (rcuf_sym.mem_cgroup_swap_full(folio) || folio_test_mlocked(folio) ||
	    (write && folio_ref_count(folio) == 2 + ours))
		rcuf_sym.folio_free_swap(folio);
}

/*
 * Steps 1 and 2: the locked folio of @entry, to be mapped with *@exclusive;
 * NULL with *@res the reason to fall back.
 */
static struct folio *rcuf_swap_cache_get(struct swap_info_struct *si,
					 const struct rcuf_anon_fault *af,
					 swp_entry_t entry, unsigned long addr,
					 pte_t orig, bool *exclusive, bool *major,
					 enum rcuf_stat *res)
{
	struct folio *folio = rcuf_sym.swap_cache_get_folio(entry, NULL, addr);

	*res = RCUF_STAT_FB_SWAP_CACHE;
	if (!folio)
		return NULL;	/* gone meanwhile: stock decides */
	if (folio_test_large(folio) || PageHWPoison(&folio->page))
		goto put;
	if (!folio_trylock(folio)) {
		*major = true;	/* stock: VM_FAULT_RETRY, then a TRIED retry */
		if (folio_lock_killable(folio))
			goto put;
	}
	if (!folio_test_swapcache(folio) ||
	    folio_swap_entry(folio).val != entry.val) {
		*res = RCUF_STAT_FB_RACED;
		goto unlock;
	}
	if (folio_test_ksm(folio))
		goto unlock;	/* under the lock: see step 2 */
	*exclusive = rcuf_swap_cache_exclusive(si, folio, orig);
	if ((af->write && !*exclusive) || (*exclusive && folio_mapped(folio))) {
		*res = RCUF_STAT_FB_SWAP_SHARED;
		goto unlock;
	}
	if (!mem_cgroup_disabled())	/* cgroup_throttle_swaprate() */
		rcuf_sym.__cgroup_throttle_swaprate(&folio->page, GFP_KERNEL);
	if (af->write && !folio_test_lru(folio))
		rcuf_sym.lru_add_drain();
	return folio;
unlock:
	folio_unlock(folio);
put:
	folio_put(folio);
	return NULL;
}

/**
 * rcuf_fault_swap_cached() - map @entry's page from the swap cache
 * @m: the faulting mm's state (current->mm)
 * @seq: the even write epoch at which @af was checked
 * @af: the anonymous fault's checked copies (rcuf_anon_vma_check_at())
 * @si: @entry's swap device, pinned by the caller (get_swap_device())
 * @entry: the swap entry of @orig
 * @addr: the faulting address, page-aligned
 * @orig: the swap PTE read for @addr (no uffd-wp bit)
 * @major: set if the fault waited for the folio lock (a major fault, as
 *	stock's retry after folio_lock_or_retry())
 *
 * See the top of this file. Available when rcuf_swap_cache_mappable().
 *
 * Context: process, no locks held, not under RCU; may sleep.
 * Return: RCUF_STAT_LOCKLESS_SUCCESS if the page is mapped, else the
 * reason to fall back, with nothing changed.
 */
enum rcuf_stat rcuf_fault_swap_cached(struct rcuf_mm *m, unsigned int seq,
				      const struct rcuf_anon_fault *af,
				      struct swap_info_struct *si,
				      swp_entry_t entry, unsigned long addr,
				      pte_t orig, bool *major)
{
	int ours = !rcuf_test_swap_cache_unpinned();
	bool exclusive = false;
	struct folio *folio;
	enum rcuf_stat res;

	folio = rcuf_swap_cache_get(si, af, entry, addr, orig, &exclusive,
				    major, &res);
	if (!folio)
		return res;
	rcuf_test_commit_delay(false);
	if (ours)	/* for step 4: see the top of this file */
		folio_get(folio);
	rcu_read_lock();
	res = rcuf_swap_cache_install(m, seq, af, folio, entry, exclusive,
				      addr, orig);
	rcu_read_unlock();
	if (res != RCUF_STAT_LOCKLESS_SUCCESS) {
		folio_unlock(folio);
		folio_put_refs(folio, 1 + ours);	/* not mapped */
		return res;
	}
	rcuf_swap_cache_free_swap(folio, af->write, ours);
	rcuf_test_swap_cache_zap_window(folio);
	folio_unlock(folio);
	if (ours)
		folio_put(folio);
	rcuf_stat_inc(RCUF_STAT_LOCKLESS_SWAPIN_CACHED);
	return res;
}

/**
 * rcuf_swap_cache_mappable() - does this kernel give what mapping from the
 * swap cache needs?
 *
 * Return: true if every optional symbol it calls was found.
 */
bool rcuf_swap_cache_mappable(void)
{
	return rcuf_sym.swap_cache_get_folio && rcuf_sym.folio_free_swap &&
	       rcuf_sym.mem_cgroup_swap_full && rcuf_sym.lru_add_drain;
}
