// SPDX-License-Identifier: GPL-2.0
/*
 * A fault on a swapped-out page of a private anonymous VMA, served without
 * mmap_lock when 6.1's do_swap_page() would skip the swap cache: the swap
 * device does synchronous I/O (SWP_SYNCHRONOUS_IO: zram, pmem, brd) and
 * the entry has one user. The memcg charge (and the reclaim it may run)
 * and the read then happen with no lock held, then the page is mapped
 * under the epoch-validated PTE lock with do_swap_page()'s commit.
 *
 * Where stock reads through the swap cache instead (an asynchronous
 * device, or an entry shared after fork), the read, its charge and the
 * wait for it are done with no lock held (rcuf_swap_read_cache()), and the
 * fault is retried. A page in the swap cache, so found, is mapped from it
 * by src/fault_swap_cache.c; what that path cannot map falls back to the
 * stock path, which maps it from the swap cache with no I/O under
 * mmap_lock.
 *
 * The steps, against mm/memory.c do_swap_page() (6.1):
 * 1. Under RCU at the fault's epoch, the VMA checks of the anonymous path
 *    (rcuf_anon_vma_check(): an anon_vma, no mempolicy, not mlocked, no
 *    userfaultfd). Entries that are not swap entries (migration, device,
 *    markers, hwpoison, swapin errors) and entries with the uffd-wp bit
 *    fall back.
 * 2. get_swap_device() (swapoff waits for us). If the device is not
 *    synchronous, or __swap_count() != 1, stock reads through the swap
 *    cache with readahead: fall back (swap_cache). swapcache_prepare()
 *    sets SWAP_HAS_CACHE, as stock does before skipping the cache: while
 *    it is set the entry cannot be freed and reused, so pte_same() under
 *    the lock proves the PTE still holds this swap-out of the page; it
 *    fails with -EEXIST when the page is in the swap cache (mapped from
 *    there: src/fault_swap_cache.c) or another swap-in of the entry runs:
 *    stock then sleeps a tick with mmap_lock held and returns to retry
 *    the access; we sleep the tick holding nothing (swap_waits).
 * 3. With no lock held: a new folio (folio_alloc(): the task's memory
 *    policy; the anonymous path excludes VMA policies, and only under a
 *    task MPOL_INTERLEAVE does vma_alloc_folio() pick another node, by
 *    address), locked and swap-backed, charged by
 *    mem_cgroup_swapin_charge_folio() to the memcg that owns the entry;
 *    workingset_refault() of the shadow, folio_add_lru() (both inside the
 *    fault's multi-gen LRU marking, as handle_mm_fault()'s),
 *    swap_readpage(synchronous), PGMAJFAULT (vm and memcg); the folio
 *    locked again (the read's completion unlocked it; an asynchronous
 *    read, zram's writeback device, is waited for there, as by stock's
 *    folio_lock_or_retry()); cgroup_throttle_swaprate().
 * 4. Under the PTE lock validated at the epoch (pte_lock.c): pte_same()
 *    with the swap PTE read at the start, the folio uptodate, then the
 *    commit: a fresh page not exposed to the swap cache is exclusive;
 *    arch_swap_restore() (nothing on x86); swap_free() (the count drops
 *    to SWAP_HAS_CACHE, so no slot is freed and nothing here turns
 *    interrupts on: free_swap_slot() runs at step 5); the folio is not in
 *    the swap cache, so should_try_to_free_swap() is false; MM_ANONPAGES
 *    and MM_SWAPENTS; mk_pte() with the VMA's protection, dirty and
 *    writable for a write fault (VM_WRITE: the access check), soft-dirty
 *    from the swap PTE; page_add_anon_rmap(RMAP_EXCLUSIVE) done VMA-free
 *    (rcuf_anon_rmap_new()); set_pte_at(); arch_do_swap_page() and
 *    update_mmu_cache() (nothing on x86); folio_unlock().
 * 5. After the PTE lock: mem_cgroup_swapin_uncharge_swap() (cgroup v1's
 *    memory+swap; stock does it right after the charge, we after the
 *    commit, so that a fallback leaves the entry's record to the stock
 *    retry), swapcache_clear() (frees the slot), then put_swap_device(),
 *    as stock does.
 * Anything off before the commit undoes steps 2-3 (the folio's last put
 * uncharges it and takes it off the LRU) and falls back, counted. A failed
 * allocation or charge is stock's VM_FAULT_OOM (RCUF_STAT_FB_NO_MEMORY).
 * A fallback after the read (a writer began, the PTE changed, a read
 * error: stock would SIGBUS, its retry reads again and decides) throws
 * the read away: the stock retry reads again, counting PSWPIN and
 * PGMAJFAULT a second time (swap_reads_wasted counts these).
 */
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <asm/trap_pf.h>
#include "rcufault/fault.h"
#include "rcufault/fault_anon.h"
#include "rcufault/fault_swap.h"
#include "rcufault/fault_swap_cache.h"
#include "rcufault/mm_state.h"
#include "rcufault/pte_lock.h"
#include "rcufault/stats.h"
#include "rcufault/symbols.h"
#include "rcufault/test_params.h"
#include "rcufault/trace_events.h"

/* Start timing a read for the unlocked_io tracepoint: 0 when it is off. */
static u64 rcuf_swap_trace_start(void)
{
	return trace_unlocked_io_enabled() ? ktime_get_ns() : 0;
}

/* The unlocked_io event of a one-page read started at @t0 (if traced). */
static void rcuf_swap_trace(unsigned long addr, const char *what, u64 t0,
			    bool ok)
{
	if (t0)
		trace_unlocked_io(addr, what, PAGE_SIZE, ktime_get_ns() - t0, ok);
}

/* mm/swap.h's SWAP_ADDRESS_SPACE_SHIFT (6.1): 64 MiB of swap per space */
#define RCUF_SWAP_ADDRESS_SPACE_SHIFT	14

/**
 * rcuf_swap_cache_has() - is a page in the swap cache for @entry?
 * @entry: a swap entry whose device the caller holds (get_swap_device())
 *
 * A plain look-up, without swap_cache_get_folio()'s readahead statistics
 * or a reference: the answer can be stale at once, callers only choose a
 * path with it.
 *
 * Return: true if the swap cache holds a folio for @entry.
 */
bool rcuf_swap_cache_has(swp_entry_t entry)
{
	struct address_space *space;
	void *cached;

	space = &rcuf_sym.swapper_spaces[swp_type(entry)]
			[swp_offset(entry) >> RCUF_SWAP_ADDRESS_SPACE_SHIFT];
	cached = xa_load(&space->i_pages, swp_offset(entry));
	return cached && !xa_is_value(cached);
}

/*
 * Step 2: how is @entry to be swapped in? RCUF_STAT_LOCKLESS_SUCCESS: here,
 * skipping the swap cache, the entry claimed. RCUF_STAT_SWAP_READ_UNLOCKED:
 * stock would read it through the swap cache (an asynchronous device, or
 * an entry with other users: swapin_readahead()), and the cache lacks it.
 * RCUF_STAT_SWAP_WAITS: another task is swapping it in skipping the cache
 * (the entry claimed, no page in the cache); stock sleeps a tick with
 * mmap_lock held and returns, to retry the access: so do we, holding
 * nothing. RCUF_STAT_FB_SWAP_CACHE: the page is in the swap cache (mapped
 * from there by src/fault_swap_cache.c, or by stock with no I/O), or this
 * kernel predates the claim.
 */
static enum rcuf_stat rcuf_swap_claim(struct swap_info_struct *si,
				      swp_entry_t entry)
{
	bool cache_path;

	/* a racy read of the flags, as do_swap_page()'s */
	cache_path = !(data_race(si->flags) & SWP_SYNCHRONOUS_IO) ||
		     rcuf_sym.__swap_count(entry) != 1;
	if (cache_path)
		return rcuf_swap_cache_has(entry) ? RCUF_STAT_FB_SWAP_CACHE :
						    RCUF_STAT_SWAP_READ_UNLOCKED;
	if (!rcuf_sym.swapcache_clear)	/* a kernel from before the claim */
		return RCUF_STAT_FB_SWAP_CACHE;
	if (!rcuf_sym.swapcache_prepare(entry))
		return RCUF_STAT_LOCKLESS_SUCCESS;
	return rcuf_swap_cache_has(entry) ? RCUF_STAT_FB_SWAP_CACHE :
					    RCUF_STAT_SWAP_WAITS;
}

/*
 * The swap-cache path's read, with no lock held: what do_swap_page()'s
 * swapin_readahead() does under mmap_lock, by swap_cluster_readahead()
 * (page-cluster's window around the entry; stock's VMA-based readahead,
 * used on non-rotational devices, walks the page table under mmap_lock and
 * is not reproduced). It uses the VMA only to pick the node
 * (vma_alloc_folio(): a NULL VMA gives the task's policy, and the
 * anonymous path excludes VMA policies); the charge goes to the entry's
 * memcg (mem_cgroup_swapin_charge_folio(folio, NULL, ...)). Then the read
 * is waited for (the folio's lock), so that the stock retry finds the page
 * in the swap cache, uptodate: it maps it with no I/O, as a major fault
 * (RCUF_FAULT_MARK_TRIED). PGMAJFAULT is counted here, as stock counts it
 * when the swap cache lacked the entry.
 * Return: RCUF_STAT_SWAP_READ_UNLOCKED (a retry follows), or a fallback.
 */
static enum rcuf_stat rcuf_swap_read_cache(swp_entry_t entry,
					   unsigned long addr,
					   unsigned long vm_flags)
{
	struct vm_fault vmf = { .vma = NULL, .address = addr };
	u64 t0 = rcuf_swap_trace_start();
	struct page *page;
	int locked = 0;

	rcuf_fault_lru_enter(vm_flags);
	page = rcuf_sym.swap_cluster_readahead(entry, GFP_HIGHUSER_MOVABLE,
					       &vmf);
	rcuf_fault_lru_exit();
	if (page) {
		rcuf_fault_count_event(PGMAJFAULT);
		locked = !folio_lock_killable(page_folio(page));
		if (locked)
			folio_unlock(page_folio(page));
		put_page(page);
	}
	rcuf_swap_trace(addr, "swap_cache_read", t0, locked);
	/* no page: stock's VM_FAULT_OOM, unless the entry went meanwhile */
	return locked ? RCUF_STAT_SWAP_READ_UNLOCKED : RCUF_STAT_FB_SWAP_FAILED;
}

/* Step 3's new folio, locked, swap-backed and charged; NULL if none. */
static struct folio *rcuf_swap_folio_new(swp_entry_t entry)
{
	struct folio *folio = folio_alloc(GFP_HIGHUSER_MOVABLE, 0);

	if (!folio)
		return NULL;
	__folio_set_locked(folio);
	__folio_set_swapbacked(folio);
	if (rcuf_sym.mem_cgroup_swapin_charge_folio(folio, current->mm,
						    GFP_KERNEL, entry)) {
		folio_unlock(folio);
		folio_put(folio);
		return NULL;
	}
	return folio;
}

/*
 * Step 3: read @entry into a new folio, charged, on the LRU and locked
 * again after the read (its completion unlocks it: page_endio(),
 * end_swap_bio_read(); an asynchronous read, from zram's writeback device,
 * is waited for there, as stock's folio_lock_or_retry() does). The swap
 * uncharge (cgroup v1's memory+swap) waits for the commit, so that a
 * fallback leaves the entry's record for the stock retry. Return:
 * RCUF_STAT_LOCKLESS_SUCCESS with *@folio set, or a fallback.
 */
static enum rcuf_stat rcuf_swap_read(swp_entry_t entry,
				     unsigned long vm_flags,
				     struct folio **folio)
{
	struct folio *f = rcuf_swap_folio_new(entry);
	void *shadow;

	if (!f)
		return RCUF_STAT_FB_NO_MEMORY;
	rcuf_fault_lru_enter(vm_flags);
	shadow = rcuf_sym.get_shadow_from_swap_cache(entry);
	if (shadow)
		rcuf_sym.workingset_refault(f, shadow);
	folio_add_lru(f);
	folio_set_swap_entry(f, entry);	/* for swap_readpage() */
	rcuf_sym.swap_readpage(&f->page, true, NULL);
	f->private = NULL;
	rcuf_fault_lru_exit();
	rcuf_fault_count_event(PGMAJFAULT);	/* had to read: a major fault */
	*folio = f;
	if (folio_lock_killable(f))
		return RCUF_STAT_FB_SWAP_FAILED;	/* not locked */
	if (!mem_cgroup_disabled())	/* cgroup_throttle_swaprate() */
		rcuf_sym.__cgroup_throttle_swaprate(&f->page, GFP_KERNEL);
	return RCUF_STAT_LOCKLESS_SUCCESS;
}

/* Step 4's commit, the PTE lock held and the swap PTE @orig still there. */
static void rcuf_swap_map(const struct rcuf_anon_fault *af,
			  struct folio *folio, swp_entry_t entry,
			  unsigned long addr, pte_t *ptep, pte_t orig)
{
	pte_t pte;

	arch_swap_restore(entry, folio);
	rcuf_sym.swap_free(entry);
	current->rss_stat.count[MM_ANONPAGES]++;	/* inc_mm_counter_fast */
	current->rss_stat.count[MM_SWAPENTS]--;		/* dec_mm_counter_fast */
	pte = mk_pte(&folio->page, af->prot);
	if (af->write) {
		pte = pte_mkdirty(pte);
		if (af->writable)		/* maybe_mkwrite() */
			pte = pte_mkwrite(pte);
	}
	if (pte_swp_soft_dirty(orig))
		pte = pte_mksoft_dirty(pte);
	rcuf_anon_rmap_new(af, folio);
	set_pte_at(af->mm, addr, ptep, pte);
	update_mmu_cache(af->vma, addr, ptep);	/* x86: nothing */
	folio_unlock(folio);
}

/**
 * rcuf_swap_pte_lock() - lock @addr's PTE table at @seq for a swap-in's
 * commit: the swap PTE still @orig, @folio read
 * @m: the faulting mm's state (current->mm)
 * @seq: the even write epoch the fault speculated on
 * @folio: the page to map, locked
 * @addr: the faulting address
 * @orig: the swap PTE read for @addr
 * @pl: filled in
 *
 * Context: under RCU; disables local interrupts (rcuf_pte_lock_at_epoch()).
 * Return: RCUF_STAT_LOCKLESS_SUCCESS with the PTE lock held (undo with
 * rcuf_pte_unlock()), else the reason to fall back, with nothing held:
 * another fault mapped it (raced) or the read failed (stock would
 * SIGBUS; its retry reads again and decides).
 */
enum rcuf_stat rcuf_swap_pte_lock(struct rcuf_mm *m, unsigned int seq,
				  struct folio *folio, unsigned long addr,
				  pte_t orig, struct rcuf_pte_locked *pl)
{
	enum rcuf_stat res;

	res = rcuf_pte_lock_at_epoch(m, seq, !rcuf_test_skip_epoch_recheck(),
				     addr, pl);
	if (res != RCUF_STAT_LOCKLESS_SUCCESS)
		return res;
	if (!pte_same(ptep_get(pl->ptep), orig))
		res = RCUF_STAT_FB_RACED;
	else if (!folio_test_uptodate(folio))
		res = RCUF_STAT_FB_SWAP_FAILED;	/* stock: VM_FAULT_SIGBUS */
	else
		return res;
	rcuf_pte_unlock(pl);
	return res;
}

/* Step 4. Return: the outcome; the folio is mapped on success. */
static enum rcuf_stat rcuf_swap_install(struct rcuf_mm *m, unsigned int seq,
					const struct rcuf_anon_fault *af,
					struct folio *folio, swp_entry_t entry,
					unsigned long addr, pte_t orig)
{
	struct rcuf_pte_locked pl;
	enum rcuf_stat res;

	res = rcuf_swap_pte_lock(m, seq, folio, addr, orig, &pl);
	if (res != RCUF_STAT_LOCKLESS_SUCCESS)
		return res;
	rcuf_swap_map(af, folio, entry, addr, pl.ptep, orig);
	rcuf_pte_unlock(&pl);
	return res;
}

/* Steps 2 to 5 with the device pinned and the entry claimed. */
static enum rcuf_stat rcuf_swap_in(struct rcuf_mm *m, unsigned int seq,
				   const struct rcuf_anon_fault *af,
				   swp_entry_t entry, unsigned long addr,
				   pte_t orig, bool *major)
{
	u64 t0 = rcuf_swap_trace_start();
	struct folio *folio = NULL;
	enum rcuf_stat res;

	res = rcuf_swap_read(entry, af->vm_flags, &folio);
	rcuf_swap_trace(addr, "swap_read", t0, res == RCUF_STAT_LOCKLESS_SUCCESS);
	if (!folio)
		return res;
	*major = true;
	if (res == RCUF_STAT_LOCKLESS_SUCCESS) {
		rcuf_test_commit_delay(false);
		rcu_read_lock();
		res = rcuf_swap_install(m, seq, af, folio, entry, addr, orig);
		rcu_read_unlock();
		if (res == RCUF_STAT_LOCKLESS_SUCCESS) {
			rcuf_sym.mem_cgroup_swapin_uncharge_swap(entry);
			return res;
		}
		folio_unlock(folio);
	}
	/* the stock retry reads it again: counted, as a cost of the race */
	rcuf_stat_inc(RCUF_STAT_SWAP_READS_WASTED);
	folio_put(folio);	/* uncharges, off the LRU */
	return res;
}

/**
 * rcuf_fault_swap() - serve a fault on a swap PTE of an anonymous VMA
 * @m: the faulting mm's state (current->mm)
 * @vma: the VMA the shadow tree gave for @addr at epoch @seq
 * @addr: the faulting address
 * @error_code: the hardware error code
 * @seq: the even write epoch at which @vma was current
 * @orig: the swap PTE read for @addr
 * @major: set if the page was read from swap (PGMAJFAULT is counted here;
 *	the caller reports the fault major, maj_flt and perf, as stock's
 *	VM_FAULT_MAJOR, also when it then falls back)
 * @may_read: a swap-cache path's entry may be read (not on the retry)
 *
 * See the top of this file.
 *
 * Context: process, no locks held, not under RCU; may sleep.
 * Return: RCUF_STAT_LOCKLESS_SUCCESS if the page is mapped (or another
 * task's swap-in was waited out: the access retries),
 * RCUF_STAT_SWAP_READ_UNLOCKED if it was read into the swap cache (the
 * caller retries the fault, which then falls back to stock's mapping from
 * the swap cache), else the reason to fall back; nothing changed then (but PGMAJFAULT, if the read
 * ran: the stock retry then finds no swap entry, or reads again).
 */
enum rcuf_stat rcuf_fault_swap(struct rcuf_mm *m, struct vm_area_struct *vma,
			       unsigned long addr, unsigned long error_code,
			       unsigned int seq, pte_t orig, bool *major,
			       bool may_read)
{
	swp_entry_t entry = pte_to_swp_entry(orig);
	struct swap_info_struct *si;
	struct rcuf_anon_fault af;
	enum rcuf_stat res;

	addr &= PAGE_MASK;
	if (non_swap_entry(entry) || pte_swp_uffd_wp(orig))
		return RCUF_STAT_FB_PTE_SWAP;
	res = rcuf_anon_vma_check_at(m, vma, addr, error_code, seq, &af);
	if (res != RCUF_STAT_LOCKLESS_SUCCESS)
		return res;
	si = rcuf_sym.get_swap_device(entry);
	if (!si)
		return RCUF_STAT_FB_SWAP_FAILED;	/* swapoff, or a bad entry */
	res = rcuf_swap_claim(si, entry);
	if (res == RCUF_STAT_LOCKLESS_SUCCESS) {
		res = rcuf_swap_in(m, seq, &af, entry, addr, orig, major);
		rcuf_sym.swapcache_clear(si, entry);
	} else if (res == RCUF_STAT_SWAP_READ_UNLOCKED) {
		res = may_read ? rcuf_swap_read_cache(entry, addr, af.vm_flags) :
				 RCUF_STAT_FB_SWAP_CACHE;
	} else if (res == RCUF_STAT_FB_SWAP_CACHE && rcuf_sym.swapcache_clear &&
		   rcuf_swap_cache_mappable()) {
		res = rcuf_fault_swap_cached(m, seq, &af, si, entry, addr, orig,
					     major);
		put_swap_device(si);
		return res;	/* counted there */
	}
	put_swap_device(si);
	if (res == RCUF_STAT_SWAP_WAITS) {
		rcuf_stat_inc(res);
		schedule_timeout_uninterruptible(1);
		return RCUF_STAT_LOCKLESS_SUCCESS;	/* the access retries */
	}
	if (res == RCUF_STAT_LOCKLESS_SUCCESS)
		rcuf_stat_inc(RCUF_STAT_LOCKLESS_SWAPIN);
	return res;
}
