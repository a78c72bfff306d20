// SPDX-License-Identifier: GPL-2.0
/*
 * Testing only: the test_* module parameters behind the accessors of
 * include/rcufault/test_params.h, in the test build only
 * (RCUFAULT_TEST_BUILD, `make test-module`); in the shipped module this
 * file is empty. Some are UNSAFE: the deliberately broken build the
 * torture tests must catch.
 */
#include <linux/moduleparam.h>
#include "rcufault/test_params.h"

#ifdef RCUFAULT_TEST_BUILD
struct rcuf_test_params rcuf_test_params = { .range_audit = true };

module_param_named(test_skip_epoch_recheck, rcuf_test_params.skip_epoch_recheck,
		   bool, 0400);
MODULE_PARM_DESC(test_skip_epoch_recheck,
		 "testing only, UNSAFE: skip the write-epoch re-checks of lockless faults");

module_param_named(test_commit_delay_us, rcuf_test_params.commit_delay_us,
		   uint, 0600);
MODULE_PARM_DESC(test_commit_delay_us,
		 "testing only: wait this long between checking the VMA and committing the PTE");

module_param_named(test_fault_delay_us, rcuf_test_params.fault_delay_us,
		   uint, 0600);
MODULE_PARM_DESC(test_fault_delay_us,
		 "testing only: sleep this long before each lockless page-table read");

module_param_named(test_shadow_nomem, rcuf_test_params.shadow_nomem, uint, 0600);
MODULE_PARM_DESC(test_shadow_nomem,
		 "testing only: fail every Nth shadow tree update as if out of memory");

module_param_named(test_broken_cow, rcuf_test_params.broken_cow, charp, 0400);
MODULE_PARM_DESC(test_broken_cow,
		 "testing only, UNSAFE: in tasks of this name, make read-only anonymous PTEs writable on write faults, without COW");

module_param_named(test_wp_reuse_shared, rcuf_test_params.wp_reuse_shared,
		   charp, 0400);
MODULE_PARM_DESC(test_wp_reuse_shared,
		 "testing only, UNSAFE: in tasks of this name, lockless write-protect faults reuse pages shared with another mm instead of copying them");

module_param_named(test_swap_cache_exclusive,
		   rcuf_test_params.swap_cache_exclusive, charp, 0400);
MODULE_PARM_DESC(test_swap_cache_exclusive,
		 "testing only, UNSAFE: in tasks of this name, lockless faults map swap-cache pages as exclusive (writable) even when a fork child shares their swap entry");

module_param_named(test_swap_cache_unpinned,
		   rcuf_test_params.swap_cache_unpinned, charp, 0400);
MODULE_PARM_DESC(test_swap_cache_unpinned,
		 "testing only, UNSAFE: in tasks of this name, lockless swap-cache faults hold no folio reference of their own after the commit (a zap can free the page while it is locked)");

module_param_named(test_swap_cache_zap_window,
		   rcuf_test_params.swap_cache_zap_window, charp, 0600);
MODULE_PARM_DESC(test_swap_cache_zap_window,
		 "testing only: in tasks of this name, lockless swap-cache faults sleep 2 ms after folio_free_swap() and before folio_unlock()");

module_param_named(test_shmem_fill_window,
		   rcuf_test_params.shmem_fill_window, charp, 0600);
MODULE_PARM_DESC(test_shmem_fill_window,
		 "testing only: in tasks of this name, lockless shmem fills sleep 200 ms before the getter");

module_param_named(test_shmem_fill_unsynced,
		   rcuf_test_params.shmem_fill_unsynced, charp, 0400);
MODULE_PARM_DESC(test_shmem_fill_unsynced,
		 "testing only, UNSAFE: in tasks of this name, lockless shmem fills are hidden from write sections (a fill can land after a munmap() and a hole punch that followed it)");

module_param_named(test_pte_table_unsynced,
		   rcuf_test_params.pte_table_unsynced, charp, 0400);
MODULE_PARM_DESC(test_pte_table_unsynced,
		 "testing only, UNSAFE: in tasks of this name, lockless faults publish new PTE tables without waiting out mmap_lock writers (tables can leak into unmapped ranges)");

module_param_named(test_maple_unsafe, rcuf_test_params.maple_unsafe, charp,
		   0400);
MODULE_PARM_DESC(test_maple_unsafe,
		 "testing only, UNSAFE: in tasks of this name, faults walk the maple tree although VMA frees are not deferred, and pause after the walk (a use after free)");

module_param_named(test_uffd_ignored, rcuf_test_params.uffd_ignored, charp,
		   0400);
MODULE_PARM_DESC(test_uffd_ignored,
		 "testing only, UNSAFE: in tasks of this name, lockless anonymous faults ignore userfaultfd registrations (missing and write-protect faults bypass the handler)");

module_param_named(test_vma_end_unchecked,
		   rcuf_test_params.vma_end_unchecked, charp, 0400);
MODULE_PARM_DESC(test_vma_end_unchecked,
		 "testing only, UNSAFE: in tasks of this name, faults trust a stale shadow record whose VMA begins at or below its start wherever the VMA ends, and the anonymous path does not check the address against the VMA's bounds");

module_param_named(test_range_uncovered, rcuf_test_params.range_uncovered,
		   charp, 0400);
MODULE_PARM_DESC(test_range_uncovered,
		 "testing only, UNSAFE: in tasks of this name, write sections declare their system call's bare range, without the cover of whole VMAs and neighbours");

module_param_named(test_range_narrow, rcuf_test_params.range_narrow,
		   charp, 0400);
MODULE_PARM_DESC(test_range_narrow,
		 "testing only, UNSAFE: in tasks of this name, write sections of every class take munmap's cover, which leaves out the neighbours that merges move");

module_param_named(test_madvise_split_late, rcuf_test_params.madvise_split_late,
		   charp, 0400);
MODULE_PARM_DESC(test_madvise_split_late,
		 "testing only, UNSAFE: in tasks of this name, madvise(MADV_HUGEPAGE/NOHUGEPAGE) sections are split after the call's first VMA changed");

module_param_named(test_madvise_any_caller,
		   rcuf_test_params.madvise_any_caller, charp, 0400);
MODULE_PARM_DESC(test_madvise_any_caller,
		 "testing only, UNSAFE: in tasks of this name, madvise() flag changes are split at a vma_merge() from any caller");

module_param_named(test_mmap_unsplit, rcuf_test_params.mmap_unsplit,
		   charp, 0400);
MODULE_PARM_DESC(test_mmap_unsplit,
		 "testing only, UNSAFE: in tasks of this name, an anonymous mmap() section keeps the empty range declared before its mmap_region() while that changes VMAs");

module_param_named(test_token_unspent, rcuf_test_params.token_unspent,
		   charp, 0400);
MODULE_PARM_DESC(test_token_unspent,
		 "testing only, UNSAFE: in tasks of this name, a read acquire of mmap_lock inside an mmap, munmap or mprotect call leaves the call's range token, which a stack growth's write section then takes");

module_param_named(test_range_audit, rcuf_test_params.range_audit, bool, 0600);
MODULE_PARM_DESC(test_range_audit,
		 "testing only (default 1): at the end of each write section that declared a range, compare every VMA outside it with its state at the declaration (range_audits, range_audit_diffs)");

module_param_named(test_missing_symbol, rcuf_test_params.missing_symbol,
		   charp, 0400);
MODULE_PARM_DESC(test_missing_symbol,
		 "testing only: behave as if this kernel symbol were missing");

module_param_named(test_hook_busy, rcuf_test_params.hook_busy, uint, 0400);
MODULE_PARM_DESC(test_hook_busy,
		 "testing only: fail each ftrace hook's first N registrations with -EAGAIN after 1 ms, as 6.1 does beside a busy BPF trampoline");

module_param_named(test_io_fallback, rcuf_test_params.io_fallback, bool, 0600);
MODULE_PARM_DESC(test_io_fallback,
		 "testing only: after I/O done with no lock held, take the stock path instead of retrying locklessly (counted as fallback_file_io_failed)");

module_param_named(test_ptl_nomem, rcuf_test_params.ptl_nomem, uint, 0600);
MODULE_PARM_DESC(test_ptl_nomem,
		 "testing only: free every Nth split PTE lock as if out of memory (after an IPI; lockdep kernels)");

#endif /* RCUFAULT_TEST_BUILD */
