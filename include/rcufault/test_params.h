/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Testing-only knobs. They exist only in the test build (`make test-module`,
 * build/<release>-test/, compiled with -DRCUFAULT_TEST_BUILD), as the
 * test_* module parameters of src/test_params.c; some of them make the
 * deliberately broken module the torture tests must catch. In the shipped
 * build (`make`, DKMS) src/test_params.c is not compiled and every accessor
 * below is a constant, so the code behind it compiles away: the module has
 * no test_* parameter. Code outside these two files reads the knobs only
 * through the accessors, never with #ifdef.
 */
#ifndef _RCUFAULT_TEST_PARAMS_H
#define _RCUFAULT_TEST_PARAMS_H

#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/types.h>

#ifdef RCUFAULT_TEST_BUILD
#define RCUF_TEST_BUILD	1
#else
#define RCUF_TEST_BUILD	0
#endif

/**
 * struct rcuf_test_params - the knobs (module parameters, test build only)
 * @skip_epoch_recheck: test_skip_epoch_recheck, UNSAFE: skip the write-epoch
 *	re-checks of lockless faults
 * @commit_delay_us: test_commit_delay_us: wait between the VMA check and the
 *	commit of a lockless fault
 * @fault_delay_us: test_fault_delay_us: sleep before each lockless
 *	page-table read
 * @shadow_nomem: test_shadow_nomem: fail every Nth shadow tree update as if
 *	out of memory (0: never)
 * @shadow_nomem_count: shadow tree updates seen while @shadow_nomem is set
 * @broken_cow: test_broken_cow, UNSAFE: the name of the tasks whose write
 *	faults on read-only anonymous PTEs make them writable, without COW
 * @wp_reuse_shared: test_wp_reuse_shared, UNSAFE: the name of the tasks
 *	whose lockless write-protect faults reuse pages that are not
 *	exclusive (shared with a fork child) instead of copying them
 * @swap_cache_exclusive: test_swap_cache_exclusive, UNSAFE: the name of
 *	the tasks whose lockless faults map swap-cache pages as exclusive
 *	even when their swap entry is shared with a fork child
 * @swap_cache_unpinned: test_swap_cache_unpinned, UNSAFE: the name of
 *	the tasks whose lockless swap-cache faults hold no folio reference of
 *	their own after the commit (src/fault_swap_cache.c, step 4)
 * @swap_cache_zap_window: test_swap_cache_zap_window: the name of the tasks
 *	whose lockless swap-cache faults sleep 2 ms in step 4, between
 *	folio_free_swap() and folio_unlock()
 * @shmem_fill_window: test_shmem_fill_window: the name of the tasks whose
 *	lockless shmem fills sleep 200 ms before the getter
 * @shmem_fill_unsynced: test_shmem_fill_unsynced, UNSAFE: the name of the
 *	tasks whose lockless shmem fills are hidden from write sections,
 *	which then return without waiting for them (src/fill_sync.c)
 * @pte_table_unsynced: test_pte_table_unsynced, UNSAFE: the name of the
 *	tasks whose lockless faults publish new PTE tables without waiting
 *	out writers (src/pte_table.c)
 * @maple_unsafe: test_maple_unsafe, UNSAFE: the name of the tasks whose
 *	faults walk the mm's maple tree without VMA frees deferred for it,
 *	and pause after the walk (src/maple_lookup.c)
 * @uffd_ignored: test_uffd_ignored, UNSAFE: the name of the tasks whose
 *	lockless anonymous faults ignore userfaultfd (src/fault_anon.c)
 * @vma_end_unchecked: test_vma_end_unchecked, UNSAFE: the name of the
 *	tasks whose faults trust a stale shadow record whose VMA begins at or
 *	below the record's start, wherever the VMA ends, and whose anonymous
 *	path does not check the address against the VMA's bounds
 * @range_uncovered: test_range_uncovered, UNSAFE: the name of the tasks
 *	whose write sections declare their system call's bare range, without
 *	the cover of whole VMAs and neighbours (src/write_range.c)
 * @range_narrow: test_range_narrow, UNSAFE: the name of the tasks whose
 *	write sections of every class take munmap's cover, which stops at
 *	the neighbours (src/write_range.c)
 * @mmap_unsplit: test_mmap_unsplit, UNSAFE: the name of the tasks whose
 *	anonymous mmap sections are not split at mmap_region(): the empty
 *	range their first part declared stays (src/write_range.c)
 * @madvise_split_late: test_madvise_split_late, UNSAFE: the name of the
 *	tasks whose madvise() sections are split at the call's second VMA,
 *	after the first one changed (src/write_range.c)
 * @madvise_any_caller: test_madvise_any_caller, UNSAFE: the name of the
 *	tasks whose madvise() flag changes are split at a vma_merge() called
 *	from anywhere, not only from do_madvise() (src/write_range.c)
 * @token_unspent: test_token_unspent, UNSAFE: the name of the tasks whose
 *	read acquires leave their call's range token (src/range_token.c)
 * @range_audit: test_range_audit (default on): audit every declared write
 *	range at the end of its section (src/range_audit.c)
 * @missing_symbol: test_missing_symbol: a kernel symbol to treat as missing
 * @hook_busy: test_hook_busy: fail each ftrace hook's first this many
 *	registrations with -EAGAIN after 1 ms, as 6.1 does beside a busy BPF
 *	trampoline (src/ftrace_hook.c)
 * @ptl_nomem: test_ptl_nomem: free every Nth split PTE lock as if out of
 *	memory (after an IPI; lockdep kernels only)
 * @ptl_nomem_count: PTE lock frees seen while @ptl_nomem is set
 * @io_fallback: test_io_fallback: after I/O done with no lock held, take
 *	the stock path instead of retrying locklessly
 *
 * Defined only in the test build: the accessors never reach it otherwise.
 */
struct rcuf_test_params {
	bool skip_epoch_recheck;
	unsigned int commit_delay_us;
	unsigned int fault_delay_us;
	unsigned int shadow_nomem;
	atomic_t shadow_nomem_count;
	char *broken_cow;
	char *wp_reuse_shared;
	char *swap_cache_exclusive;
	char *swap_cache_unpinned;
	char *swap_cache_zap_window;
	char *shmem_fill_window;
	char *shmem_fill_unsynced;
	char *pte_table_unsynced;
	char *maple_unsafe;
	char *uffd_ignored;
	char *vma_end_unchecked;
	char *range_uncovered;
	char *range_narrow;
	char *mmap_unsplit;
	char *madvise_split_late;
	char *madvise_any_caller;
	char *token_unspent;
	bool range_audit;
	char *missing_symbol;
	unsigned int hook_busy;
	bool io_fallback;
	unsigned int ptl_nomem;
	atomic_t ptl_nomem_count;
};

extern struct rcuf_test_params rcuf_test_params;

/**
 * rcuf_test_skip_epoch_recheck() - skip the write-epoch re-checks? (UNSAFE)
 *
 * With rcuf_test_commit_delay(), a VMA change racing with a lockless fault
 * (an mprotect() returning while the fault waits between its VMA check and
 * its commit) is missed, by the anonymous and the file paths alike.
 *
 * Return: true only in the test build with test_skip_epoch_recheck=1.
 */
static inline bool rcuf_test_skip_epoch_recheck(void)
{
	return RCUF_TEST_BUILD && rcuf_test_params.skip_epoch_recheck;
}

/**
 * rcuf_test_commit_delay() - wait test_commit_delay_us before a commit
 * @atomic: the caller may not sleep (e.g. under RCU): busy-wait, rounded
 *	up to milliseconds
 *
 * Context: may sleep unless @atomic. A no-op outside the test build.
 */
static inline void rcuf_test_commit_delay(bool atomic)
{
	unsigned int us;

	if (!RCUF_TEST_BUILD)
		return;
	us = READ_ONCE(rcuf_test_params.commit_delay_us);
	if (likely(!us))
		return;
	if (atomic)
		mdelay(DIV_ROUND_UP(us, 1000));
	else
		usleep_range(us, us + 10);
}

/* Is this call the @n-th (0: never) since @count started, counting it? */
static inline bool rcuf_test_every_nth(unsigned int n, atomic_t *count)
{
	return unlikely(n) && atomic_inc_return(count) % n == 0;
}

/**
 * rcuf_test_ptl_nomem() - should this PTE lock free act as out of memory?
 *
 * Context: any.
 * Return: true for every test_ptl_nomem-th call (test build only).
 */
static inline bool rcuf_test_ptl_nomem(void)
{
	return RCUF_TEST_BUILD &&	/* never reads the params otherwise */
	       rcuf_test_every_nth(READ_ONCE(rcuf_test_params.ptl_nomem),
				   &rcuf_test_params.ptl_nomem_count);
}

/**
 * rcuf_test_io_fallback() - fall back after the unlocked I/O of a fault?
 *
 * Lets the accounting test reach the stock attempt that follows our I/O.
 *
 * Return: true only in the test build with test_io_fallback=1.
 */
static inline bool rcuf_test_io_fallback(void)
{
	return RCUF_TEST_BUILD && READ_ONCE(rcuf_test_params.io_fallback);
}

/**
 * rcuf_test_fault_delay() - sleep test_fault_delay_us before a page-table read
 *
 * Context: process, may sleep. A no-op outside the test build.
 */
static inline void rcuf_test_fault_delay(void)
{
	unsigned int us;

	if (!RCUF_TEST_BUILD)
		return;
	us = READ_ONCE(rcuf_test_params.fault_delay_us);
	if (unlikely(us))
		usleep_range(us, us + 10);
}

/**
 * rcuf_test_shadow_nomem() - should this shadow tree update fail?
 *
 * Context: any.
 * Return: true for every test_shadow_nomem-th call (test build only).
 */
static inline bool rcuf_test_shadow_nomem(void)
{
	return RCUF_TEST_BUILD &&	/* never reads the params otherwise */
	       rcuf_test_every_nth(READ_ONCE(rcuf_test_params.shadow_nomem),
				   &rcuf_test_params.shadow_nomem_count);
}

/* Is current a task named @comm (a test parameter; NULL: none)? */
static inline bool rcuf_test_comm_is(const char *comm)
{
	return comm && !strcmp(current->comm, comm);
}

/**
 * rcuf_test_broken_cow() - is current a task the broken COW applies to?
 *
 * Confined to tasks named by test_broken_cow: the rest of the system must
 * keep working.
 *
 * Return: true only in the test build, in tasks named by test_broken_cow.
 */
static inline bool rcuf_test_broken_cow(void)
{
	if (!RCUF_TEST_BUILD)
		return false;
	return rcuf_test_comm_is(rcuf_test_params.broken_cow);
}

/**
 * rcuf_test_wp_reuse_shared() - reuse shared pages on write faults? (UNSAFE)
 *
 * The write-protect path's broken build: its exclusivity rule
 * (PageAnonExclusive) ignored, so a page shared with a fork child is
 * written in place by whichever side faults first. Confined to tasks named
 * by test_wp_reuse_shared; the fork torture must catch it.
 *
 * Return: true only in the test build, in tasks named by test_wp_reuse_shared.
 */
static inline bool rcuf_test_wp_reuse_shared(void)
{
	if (!RCUF_TEST_BUILD)
		return false;
	return rcuf_test_comm_is(rcuf_test_params.wp_reuse_shared);
}

/**
 * rcuf_test_swap_cache_exclusive() - map shared swap-cache pages as
 * exclusive? (UNSAFE)
 *
 * The swap-cache path's broken build: its exclusivity rule (the swap PTE's
 * exclusive bit) ignored, so a page whose entry a fork child shares is
 * mapped writable by whichever side faults on it first. Confined to tasks
 * named by test_swap_cache_exclusive; the swap-in torture's forks must
 * catch it.
 *
 * Return: true only in the test build, in tasks named by
 * test_swap_cache_exclusive.
 */
static inline bool rcuf_test_swap_cache_exclusive(void)
{
	if (!RCUF_TEST_BUILD)
		return false;
	return rcuf_test_comm_is(rcuf_test_params.swap_cache_exclusive);
}

/**
 * rcuf_test_swap_cache_unpinned() - map swap-cache pages with no folio
 * reference of our own? (UNSAFE)
 *
 * The swap-cache path's broken build: the code before its own reference,
 * whose step 4 runs on a folio only the new mapping holds, so a zap of
 * that mapping can free the page while it is still locked. Confined to
 * tasks named by test_swap_cache_unpinned; the swap-in test's zap race,
 * with rcuf_test_swap_cache_zap_window(), must catch it.
 *
 * Return: true only in the test build, in tasks named by
 * test_swap_cache_unpinned.
 */
static inline bool rcuf_test_swap_cache_unpinned(void)
{
	return RCUF_TEST_BUILD &&
	       rcuf_test_comm_is(rcuf_test_params.swap_cache_unpinned);
}

/**
 * rcuf_test_swap_cache_zap_window() - widen step 4's window to a zap
 * @folio: the folio just mapped, still locked
 *
 * In tasks named by test_swap_cache_zap_window, sleep 2 ms after
 * folio_free_swap() and before folio_unlock(), while the page is mapped
 * and the PTE lock dropped: another thread's MADV_DONTNEED then zaps it
 * there. Then, in every task, warn if @folio has no reference left: a
 * locked folio freed under us, which 6.1 without CONFIG_DEBUG_VM would
 * not report (order-0 frees are checked only when their per-CPU list is
 * drained, by when the unlock has cleared PG_locked). A no-op outside
 * the test build.
 *
 * Context: may sleep.
 */
static inline void rcuf_test_swap_cache_zap_window(struct folio *folio)
{
	if (!RCUF_TEST_BUILD)
		return;
	if (rcuf_test_comm_is(READ_ONCE(rcuf_test_params.swap_cache_zap_window)))
		usleep_range(2000, 2100);
	WARN_ONCE(folio_ref_count(folio) <= 0,
		  "rcufault: a swap-cache folio still locked has no reference left");
}

/**
 * rcuf_test_shmem_fill_window() - widen a shmem fill's window to a writer
 *
 * In tasks named by test_shmem_fill_window, sleep 200 ms before the getter
 * of a lockless shmem fill, so that another thread's write section (and a
 * hole punch after it) comes first. A no-op outside the test build.
 *
 * Context: may sleep.
 */
static inline void rcuf_test_shmem_fill_window(void)
{
	if (RCUF_TEST_BUILD &&
	    rcuf_test_comm_is(READ_ONCE(rcuf_test_params.shmem_fill_window)))
		msleep(200);
}

/**
 * rcuf_test_shmem_fill_unsynced() - hide shmem fills from writers? (UNSAFE)
 *
 * The fill synchronisation's broken build: the code before it, whose
 * write sections return while a fill they began beside still runs, so
 * that it lands after a hole punch that followed. Confined to tasks named
 * by test_shmem_fill_unsynced (a parameter that cannot change while
 * loaded); the holefill test must catch it.
 *
 * Return: true only in the test build, in tasks named by
 * test_shmem_fill_unsynced.
 */
static inline bool rcuf_test_shmem_fill_unsynced(void)
{
	return RCUF_TEST_BUILD &&
	       rcuf_test_comm_is(rcuf_test_params.shmem_fill_unsynced);
}

/**
 * rcuf_test_pte_table_unsynced() - publish PTE tables unsynced? (UNSAFE)
 *
 * The PTE table publication's broken build: no wait-out of writers and a
 * pause before publishing, so a table can land in a range munmap() has
 * already freed the page tables of (leaked). Confined to tasks named by
 * test_pte_table_unsynced; the torture's tables subcommand must catch it.
 *
 * Return: true only in the test build, in tasks named by
 * test_pte_table_unsynced.
 */
static inline bool rcuf_test_pte_table_unsynced(void)
{
	return RCUF_TEST_BUILD &&
	       rcuf_test_comm_is(rcuf_test_params.pte_table_unsynced);
}

/**
 * rcuf_test_maple_unsafe() - walk the maple tree unsafely? (UNSAFE)
 *
 * The maple lookup's broken build: stock faults do not make the mm's VMA
 * frees wait for a grace period, the walk does not require it, and it
 * pauses 5 ms after finding a VMA, so a munmap() racing with it frees
 * the VMA before the walk reads it. Confined to tasks named by
 * test_maple_unsafe; the maple lane, on a KASAN kernel, must catch the
 * use after free.
 *
 * Return: true only in the test build, in tasks named by test_maple_unsafe.
 */
static inline bool rcuf_test_maple_unsafe(void)
{
	return RCUF_TEST_BUILD &&
	       rcuf_test_comm_is(rcuf_test_params.maple_unsafe);
}

/**
 * rcuf_test_uffd_ignored() - ignore userfaultfd in anonymous faults? (UNSAFE)
 *
 * The broken build of the userfaultfd rule: rcuf_anon_vma_check() passes
 * VMAs registered for missing or write-protect faults, so their faults
 * are served locklessly instead of reaching the handler. Confined to
 * tasks named by test_uffd_ignored; the uffd test must catch it.
 *
 * Return: true only in the test build, in tasks named by test_uffd_ignored.
 */
static inline bool rcuf_test_uffd_ignored(void)
{
	return RCUF_TEST_BUILD &&
	       rcuf_test_comm_is(rcuf_test_params.uffd_ignored);
}

/**
 * rcuf_test_vma_end_unchecked() - trust VMAs whatever their end? (UNSAFE)
 *
 * The broken build of the bounds rule: a stale record is trusted again
 * when its VMA begins at or below the record's start, wherever the VMA
 * now ends (src/fault.c), and rcuf_anon_vma_check() does not check the
 * address against the VMA's bounds, so a fault past the end of a VMA that
 * mremap() shrank is served from the VMA. Confined to tasks named by
 * test_vma_end_unchecked; the torture's resize subcommand must catch it.
 *
 * Return: true only in the test build, in tasks named by
 * test_vma_end_unchecked.
 */
static inline bool rcuf_test_vma_end_unchecked(void)
{
	return RCUF_TEST_BUILD &&
	       rcuf_test_comm_is(rcuf_test_params.vma_end_unchecked);
}

/**
 * rcuf_test_range_uncovered() - declare bare write ranges? (UNSAFE)
 *
 * The range sections' broken build: a write section declares its system
 * call's [start, end) instead of its cover, so a fault on the part of a VMA
 * the call splits off, or on a neighbour a merge moves, goes on through
 * the change. Confined to writers named by test_range_uncovered; the
 * torture's ranges subcommand must catch it.
 *
 * Return: true only in the test build, in tasks named by
 * test_range_uncovered.
 */
static inline bool rcuf_test_range_uncovered(void)
{
	return RCUF_TEST_BUILD &&
	       rcuf_test_comm_is(rcuf_test_params.range_uncovered);
}

/**
 * rcuf_test_range_narrow() - stop every cover at the neighbours? (UNSAFE)
 *
 * The broken build of munmap's narrow cover: sections of every class take
 * it, so mprotect's, mmap's, brk's and mlock's merges move a neighbour
 * outside their range. Confined to writers named by test_range_narrow;
 * the range audit must catch it.
 *
 * Return: true only in the test build, in tasks named by
 * test_range_narrow.
 */
static inline bool rcuf_test_range_narrow(void)
{
	return RCUF_TEST_BUILD &&
	       rcuf_test_comm_is(rcuf_test_params.range_narrow);
}

/**
 * rcuf_test_madvise_split_late() - split a madvise() section late? (UNSAFE)
 *
 * The broken build of madvise's split: the callback skips the call's first
 * VMA, whose changes then come before the split, and its first part
 * declares the empty range after the fact all the same. Confined to
 * writers named by test_madvise_split_late; the range audit of the first
 * part must catch it.
 *
 * Return: true only in the test build, in tasks named by
 * test_madvise_split_late.
 */
static inline bool rcuf_test_madvise_split_late(void)
{
	return RCUF_TEST_BUILD &&
	       rcuf_test_comm_is(rcuf_test_params.madvise_split_late);
}

/**
 * rcuf_test_madvise_any_caller() - split at any vma_merge()? (UNSAFE)
 *
 * The broken build of madvise's flag-change split: vma_merge()'s caller
 * is not checked, so a write section run after the call's body with
 * madvise(2)'s registers still saved (io_uring's task_work closing a
 * userfaultfd) takes the call's range while it changes VMAs outside it.
 * Confined to tasks named by test_madvise_any_caller; the range audit
 * must catch it.
 *
 * Return: true only in the test build, in tasks named by
 * test_madvise_any_caller.
 */
static inline bool rcuf_test_madvise_any_caller(void)
{
	return RCUF_TEST_BUILD &&
	       rcuf_test_comm_is(rcuf_test_params.madvise_any_caller);
}

/**
 * rcuf_test_mmap_unsplit() - leave an mmap section unsplit? (UNSAFE)
 *
 * The broken build of the split: an anonymous mmap section keeps the
 * empty range its first part declared while mmap_region() changes VMAs.
 * Confined to writers named by test_mmap_unsplit; the range audit must
 * catch it.
 *
 * Return: true only in the test build, in tasks named by
 * test_mmap_unsplit.
 */
static inline bool rcuf_test_mmap_unsplit(void)
{
	return RCUF_TEST_BUILD &&
	       rcuf_test_comm_is(rcuf_test_params.mmap_unsplit);
}

/**
 * rcuf_test_token_unspent() - let a read acquire keep the token? (UNSAFE)
 *
 * The broken build of rcuf_range_token_spend(): a fault inside a tokened
 * call (in mmap()'s security hook) that grows the stack write-locks with
 * the call's token still there, and its section declares the call's range.
 * Confined to tasks named by test_token_unspent; the range audit must
 * catch it.
 *
 * Return: true only in the test build, in tasks named by
 * test_token_unspent.
 */
static inline bool rcuf_test_token_unspent(void)
{
	return RCUF_TEST_BUILD &&
	       rcuf_test_comm_is(rcuf_test_params.token_unspent);
}

/**
 * rcuf_test_range_audit() - audit declared write ranges?
 *
 * Return: true only in the test build, where it is on unless
 * test_range_audit=0.
 */
static inline bool rcuf_test_range_audit(void)
{
	return RCUF_TEST_BUILD && READ_ONCE(rcuf_test_params.range_audit);
}

/**
 * rcuf_test_symbol_missing() - behave as if this kernel symbol were missing?
 * @name: the symbol
 *
 * Return: true only in the test build, for the symbol test_missing_symbol names.
 */
static inline bool rcuf_test_symbol_missing(const char *name)
{
	if (!RCUF_TEST_BUILD)
		return false;
	return rcuf_test_params.missing_symbol &&
	       !strcmp(rcuf_test_params.missing_symbol, name);
}

/**
 * rcuf_test_hook_busy() - registrations of each hook to fail as busy
 *
 * Return: test_hook_busy in the test build, else 0.
 */
static inline unsigned int rcuf_test_hook_busy(void)
{
	return RCUF_TEST_BUILD ? READ_ONCE(rcuf_test_params.hook_busy) : 0;
}

#endif /* _RCUFAULT_TEST_PARAMS_H */
