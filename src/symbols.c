// SPDX-License-Identifier: GPL-2.0
/*
 * Resolve the unexported kernel functions rcufault needs, refusing a kernel
 * that lacks any of them with one clear line. An optional one only turns
 * off the path that needs it, with one line saying so.
 */
#include <linux/kprobes.h>
#include <linux/module.h>
#include "rcufault/ptlock_defer.h"
#include "rcufault/symbols.h"
#include "rcufault/test_params.h"

struct rcuf_symbols rcuf_sym;

struct rcuf_symbol_ref {
	const char *name;
	void **addr;
	const char *without;	/* optional: what is off without it */
};

#define RCUF_SYM(field) { #field, (void **)&rcuf_sym.field, NULL }
#define RCUF_SYM_OPTIONAL(field, without) \
	{ #field, (void **)&rcuf_sym.field, without }
static const struct rcuf_symbol_ref rcuf_symbol_refs[] = {
	RCUF_SYM(lock_mm_and_find_vma),
	RCUF_SYM(vm_area_free),
	RCUF_SYM(trace_mmap_lock_reg),
	RCUF_SYM(trace_mmap_lock_unreg),
	RCUF_SYM(__count_memcg_events),
	RCUF_SYM(__perf_sw_event),
	RCUF_SYM(perf_swevent_enabled),
	RCUF_SYM(__tracepoint_page_fault_user),
	RCUF_SYM(__tracepoint_page_fault_kernel),
	RCUF_SYM(__mem_cgroup_charge),
	RCUF_SYM(sync_mm_rss),
	RCUF_SYM(page_add_file_rmap),
	RCUF_SYM(mmap_region),
	RCUF_SYM(search_exception_tables),
	RCUF_SYM(__anon_vma_prepare),
	RCUF_SYM_OPTIONAL(vma_merge, "declaring the range of madvise() flag changes"),
	RCUF_SYM_OPTIONAL(do_madvise, "declaring the range of madvise() flag changes"),
	RCUF_SYM_OPTIONAL(kallsyms_lookup_size_offset,
			  "declaring the range of madvise() flag changes"),
	RCUF_SYM(__cgroup_throttle_swaprate),
	RCUF_SYM(fault_around_bytes),
	RCUF_SYM(mem_cgroup_oom_synchronize),
	RCUF_SYM(flush_tlb_mm_range),
	RCUF_SYM(page_remove_rmap),
	RCUF_SYM(shmem_vm_ops),
	RCUF_SYM(get_swap_device),
	RCUF_SYM(swapper_spaces),
	RCUF_SYM(pte_alloc_one),
	RCUF_SYM(__swap_count),
	RCUF_SYM(swapcache_prepare),
	/* the 2024 stable backport of "mm/swap: fix race when skipping swapcache" */
	RCUF_SYM_OPTIONAL(swapcache_clear, "lockless swap-in"),
	RCUF_SYM(swap_free),
	RCUF_SYM(mem_cgroup_swapin_charge_folio),
	RCUF_SYM(mem_cgroup_swapin_uncharge_swap),
	RCUF_SYM(get_shadow_from_swap_cache),
	RCUF_SYM(workingset_refault),
	RCUF_SYM(swap_readpage),
	RCUF_SYM(swap_cluster_readahead),
	RCUF_SYM_OPTIONAL(swap_cache_get_folio, "lockless mapping from the swap cache"),
	RCUF_SYM_OPTIONAL(folio_free_swap, "lockless mapping from the swap cache"),
	RCUF_SYM_OPTIONAL(mem_cgroup_swap_full, "lockless mapping from the swap cache"),
	RCUF_SYM_OPTIONAL(lru_add_drain, "lockless mapping from the swap cache"),
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	RCUF_SYM(shmem_huge),
	RCUF_SYM(hugepage_vma_check),
	RCUF_SYM_OPTIONAL(hugepage_madvise, "declaring the range of madvise(MADV_HUGEPAGE, MADV_NOHUGEPAGE)"),
#endif
#if defined(CONFIG_NUMA_BALANCING) && !defined(LAST_CPUPID_NOT_IN_PAGE_FLAGS)
	RCUF_SYM(page_cpupid_xchg_last),
#endif
#if RCUF_PTLOCK_DEFER
	RCUF_SYM(ptlock_free),
	RCUF_SYM(page_ptl_cachep),
#endif
};

typedef unsigned long (*rcuf_kallsyms_fn)(const char *name);

/* kallsyms_lookup_name() is not exported since 5.7: find it with a kprobe. */
static rcuf_kallsyms_fn rcuf_find_kallsyms(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	rcuf_kallsyms_fn fn;

	if (register_kprobe(&kp) < 0)
		return NULL;
	fn = (rcuf_kallsyms_fn)kp.addr;
	unregister_kprobe(&kp);
	return fn;
}

/**
 * rcuf_symbols_resolve() - fill rcuf_sym from kallsyms
 *
 * Context: process (module init).
 * Return: 0, or -ENOENT after one pr_err line naming the first symbol this
 * kernel lacks.
 */
int rcuf_symbols_resolve(void)
{
	rcuf_kallsyms_fn lookup = rcuf_find_kallsyms();
	unsigned long addr;
	int i;

	if (!lookup || rcuf_test_symbol_missing("kallsyms_lookup_name")) {
		pr_err("unsupported kernel: cannot find kallsyms_lookup_name (needs CONFIG_KPROBES and CONFIG_KALLSYMS)\n");
		return -ENOENT;
	}
	for (i = 0; i < ARRAY_SIZE(rcuf_symbol_refs); i++) {
		const struct rcuf_symbol_ref *ref = &rcuf_symbol_refs[i];

		addr = rcuf_test_symbol_missing(ref->name) ? 0 : lookup(ref->name);
		if (!addr && ref->without) {
			pr_info("symbol %s not found: %s is off (it falls back)\n",
				ref->name, ref->without);
			*ref->addr = NULL;
			continue;
		}
		if (!addr) {
			pr_err("unsupported kernel: symbol %s not found (rcufault needs Debian 12's 6.1.37 or later)\n",
			       ref->name);
			return -ENOENT;
		}
		*ref->addr = (void *)addr;
	}
	return 0;
}
