/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel internals rcufault reaches through kallsyms.
 */
#ifndef _RCUFAULT_SYMBOLS_H
#define _RCUFAULT_SYMBOLS_H

#include <linux/gfp.h>
#include <linux/jump_label.h>
#include <linux/mm_types.h>
#include <linux/vm_event_item.h>
#include "rcufault/ptlock_defer.h"

struct exception_table_entry;
struct file;
struct folio;
struct kmem_cache;
struct list_head;
struct mem_cgroup;
struct page;
struct tracepoint;
struct mm_struct;
struct swap_info_struct;
struct swap_iocb;
struct vm_fault;
struct address_space;
struct pt_regs;
struct vm_area_struct;

/**
 * struct rcuf_symbols - addresses of unexported kernel functions
 * @lock_mm_and_find_vma: the fault path's lock + lookup (6.1.37+)
 * @vm_area_free: frees a VMA at once (kernel/fork.c); hooked to defer it
 * @trace_mmap_lock_reg: mmap_lock tracepoints' register hook (memcg paths)
 * @trace_mmap_lock_unreg: its counterpart
 * @__count_memcg_events: memcg vm-event counting (behind count_memcg_events())
 * @__perf_sw_event: perf software events (behind perf_sw_event())
 * @perf_swevent_enabled: which perf software events have users
 * @__tracepoint_page_fault_user: x86 fault-entry tracepoint, user mode
 * @__tracepoint_page_fault_kernel: the same for faults from kernel mode
 * @__mem_cgroup_charge: memcg charge of a new page (behind mem_cgroup_charge())
 * @sync_mm_rss: fold a task's cached RSS counts into its mm
 * @page_add_file_rmap: rmap of a page-cache page mapped by a PTE
 * @mmap_region: creates the VMA of an mmap(); hooked to record it
 * @search_exception_tables: the fixup entry of a kernel IP, or NULL
 * @__anon_vma_prepare: give a VMA its anon_vma (behind anon_vma_prepare())
 * @vma_merge: merges a range of a VMA with its neighbours (mm/mmap.c),
 *	only hooked (optional, as the next two: without them madvise()'s
 *	flag changes stay whole)
 * @do_madvise: madvise(2)'s body (mm/madvise.c), only its text's bounds
 * @kallsyms_lookup_size_offset: the size of the symbol at an address
 * @__cgroup_throttle_swaprate: throttle a task whose memcg swaps fast
 * @fault_around_bytes: mm/memory.c's fault-around size (a variable)
 * @mem_cgroup_oom_synchronize: end (or wait out) the memcg OOM a user
 *	fault's charge recorded (cgroup v1 oom_kill_disable)
 * @flush_tlb_mm_range: flush a range of an mm's TLB entries on every CPU
 * @page_remove_rmap: drop a mapping's rmap of a page (wp_page_copy())
 * @shmem_vm_ops: shmem's VMA operations (a variable, mm/shmem.c)
 * @pte_alloc_one: a new, memcg-charged user PTE table (arch/x86/mm/pgtable.c)
 * @__swap_count: a swap entry's count of users (mm/swapfile.c)
 * @swapcache_prepare: set SWAP_HAS_CACHE on an entry; -EEXIST if set
 * @swapcache_clear: clear it again, freeing the slot if unused (optional:
 *	NULL on kernels from before its backport, where do_swap_page() does
 *	not claim the entry either, and lockless swap-in is off)
 * @swap_free: drop one user of a swap entry
 * @mem_cgroup_swapin_charge_folio: charge a swap-in to the entry's memcg
 * @mem_cgroup_swapin_uncharge_swap: uncharge the entry's swap usage
 * @get_shadow_from_swap_cache: a swapped-out page's workingset shadow
 * @workingset_refault: account a refault from that shadow
 * @swap_readpage: read a page from swap (mm/page_io.c)
 * @swap_cluster_readahead: read an entry into the swap cache, with
 *	page-cluster's readahead (mm/swap_state.c)
 * @swap_cache_get_folio: the swap cache's folio of an entry, referenced
 *	(optional, as the next three: without them no fault is mapped from the
 *	swap cache locklessly)
 * @folio_free_swap: drop a locked folio from the swap cache, freeing its slot
 * @mem_cgroup_swap_full: is the folio's memcg (or the system) short of swap
 * @lru_add_drain: add this CPU's batched folios to the LRU (mm/swap.c)
 * @shmem_huge: shmem's global huge page policy (a variable, THP kernels)
 * @hugepage_vma_check: would a fault try a huge page in this VMA (THP
 *	kernels; mm/huge_memory.c)
 * @hugepage_madvise: MADV_HUGEPAGE/MADV_NOHUGEPAGE's flags for one VMA
 *	(THP kernels; mm/khugepaged.c), only hooked (optional: without it
 *	those madvise() sections stay whole)
 * @get_swap_device: pin a swap device against swapoff (put_swap_device())
 * @swapper_spaces: the swap cache's address spaces, per swap type (an array)
 * @page_cpupid_xchg_last: reset a page's NUMA-balancing last cpupid
 *	(a function where it is kept in page->flags, NUMA balancing kernels)
 * @ptlock_free: frees a PTE table's lock object (RCUF_PTLOCK_DEFER kernels);
 *	hooked to defer it
 * @page_ptl_cachep: the kmem_cache of those lock objects (mm/memory.c)
 */
struct rcuf_symbols {
	struct vm_area_struct *(*lock_mm_and_find_vma)(struct mm_struct *mm,
						       unsigned long addr,
						       struct pt_regs *regs);
	void (*vm_area_free)(struct vm_area_struct *vma);
	int (*trace_mmap_lock_reg)(void);
	void (*trace_mmap_lock_unreg)(void);
	void (*__count_memcg_events)(struct mem_cgroup *memcg,
				     enum vm_event_item idx, unsigned long count);
	void (*__perf_sw_event)(u32 event_id, u64 nr, struct pt_regs *regs,
				u64 addr);
	struct static_key *perf_swevent_enabled;
	struct tracepoint *__tracepoint_page_fault_user;
	struct tracepoint *__tracepoint_page_fault_kernel;
	int (*__mem_cgroup_charge)(struct folio *folio, struct mm_struct *mm,
				   gfp_t gfp);
	void (*sync_mm_rss)(struct mm_struct *mm);
	void (*page_add_file_rmap)(struct page *page, struct vm_area_struct *vma,
				   bool compound);
	unsigned long (*mmap_region)(struct file *file, unsigned long addr,
				     unsigned long len, vm_flags_t vm_flags,
				     unsigned long pgoff, struct list_head *uf);
	const struct exception_table_entry *
		(*search_exception_tables)(unsigned long addr);
	int (*__anon_vma_prepare)(struct vm_area_struct *vma);
	struct vm_area_struct *(*vma_merge)(struct mm_struct *mm,
			struct vm_area_struct *prev, unsigned long addr,
			unsigned long end, unsigned long vm_flags,
			struct anon_vma *anon_vma, struct file *file,
			pgoff_t pgoff, struct mempolicy *policy,
			struct vm_userfaultfd_ctx uffd_ctx,
			struct anon_vma_name *anon_name);
	int (*do_madvise)(struct mm_struct *mm, unsigned long start,
			  size_t len_in, int behavior);
	int (*kallsyms_lookup_size_offset)(unsigned long addr,
					   unsigned long *symbolsize,
					   unsigned long *offset);
	void (*__cgroup_throttle_swaprate)(struct page *page, gfp_t gfp_mask);
	unsigned long *fault_around_bytes;
	bool (*mem_cgroup_oom_synchronize)(bool handle);
	void (*flush_tlb_mm_range)(struct mm_struct *mm, unsigned long start,
				   unsigned long end, unsigned int stride_shift,
				   bool freed_tables);
	void (*page_remove_rmap)(struct page *page, struct vm_area_struct *vma,
				 bool compound);
	const struct vm_operations_struct *shmem_vm_ops;
	struct swap_info_struct *(*get_swap_device)(swp_entry_t entry);
	struct address_space **swapper_spaces;
	pgtable_t (*pte_alloc_one)(struct mm_struct *mm);
	int (*__swap_count)(swp_entry_t entry);
	int (*swapcache_prepare)(swp_entry_t entry);
	void (*swapcache_clear)(struct swap_info_struct *si, swp_entry_t entry);
	void (*swap_free)(swp_entry_t entry);
	int (*mem_cgroup_swapin_charge_folio)(struct folio *folio,
					      struct mm_struct *mm, gfp_t gfp,
					      swp_entry_t entry);
	void (*mem_cgroup_swapin_uncharge_swap)(swp_entry_t entry);
	void *(*get_shadow_from_swap_cache)(swp_entry_t entry);
	void (*workingset_refault)(struct folio *folio, void *shadow);
	int (*swap_readpage)(struct page *page, bool synchronous,
			     struct swap_iocb **plug);
	struct page *(*swap_cluster_readahead)(swp_entry_t entry, gfp_t gfp,
					       struct vm_fault *vmf);
	struct folio *(*swap_cache_get_folio)(swp_entry_t entry,
					      struct vm_area_struct *vma,
					      unsigned long addr);
	bool (*folio_free_swap)(struct folio *folio);
	bool (*mem_cgroup_swap_full)(struct folio *folio);
	void (*lru_add_drain)(void);
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	int *shmem_huge;
	bool (*hugepage_vma_check)(struct vm_area_struct *vma,
				   unsigned long vm_flags, bool smaps,
				   bool in_pf, bool enforce_sysfs);
	int (*hugepage_madvise)(struct vm_area_struct *vma,
				unsigned long *vm_flags, int advice);
#endif
#if defined(CONFIG_NUMA_BALANCING) && !defined(LAST_CPUPID_NOT_IN_PAGE_FLAGS)
	int (*page_cpupid_xchg_last)(struct page *page, int cpupid);
#endif
#if RCUF_PTLOCK_DEFER
	void (*ptlock_free)(struct page *page);
	struct kmem_cache **page_ptl_cachep;
#endif
};

extern struct rcuf_symbols rcuf_sym;

int rcuf_symbols_resolve(void);

#endif /* _RCUFAULT_SYMBOLS_H */
