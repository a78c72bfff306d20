// SPDX-License-Identifier: GPL-2.0
/*
 * The lockless fault attempt, tried before the stock path takes mmap_lock.
 *
 * What it serves: a fault whose PTE another thread already made valid for
 * this very access needs no work (the access is retried); a missing PTE in
 * an existing PTE table of a VMA whose shadow record is current is filled
 * by rcuf_fault_anon() (private anonymous) or rcuf_fault_file() (read of a
 * page-cache file, private copy, or write to shared shmem; its I/O, or a
 * shmem miss's fill, is done holding a file reference only, then the
 * attempt is retried); a write to a read-only PTE of an anonymous VMA is
 * reused or copied by rcuf_fault_wp(). Anything else falls back to the
 * stock path, counted by reason.
 *
 * A handled fault is reported to do_user_addr_fault() as the sentinel VMA;
 * its hook on handle_mm_fault() answers VM_FAULT_COMPLETED for it, so no
 * mmap_lock is taken or released. The sentinel must pass access_error() for
 * the fault's error code, or bad_area_access_error() would unlock an
 * mmap_lock nobody took: it allows read, write and exec, and its vm_mm is
 * not the current mm, so arch_vma_access_permitted() treats it as foreign
 * and skips the protection-key check. Error codes access_error() always
 * rejects (PK, SGX, read with PROT) are never handled here.
 */
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/perf_event.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/memcontrol.h>
#include <linux/vmstat.h>
#include <asm/trap_pf.h>
#include "rcufault/anon_vma_setup.h"
#include "rcufault/btree.h"
#include "rcufault/fault.h"
#include "rcufault/fault_anon.h"
#include "rcufault/fault_entry.h"
#include "rcufault/fault_file.h"
#include "rcufault/fault_swap.h"
#include "rcufault/fault_wp.h"
#include "rcufault/maple_lookup.h"
#include "rcufault/mm_state.h"
#include "rcufault/pgtable_walk.h"
#include "rcufault/procs.h"
#include "rcufault/pte_table.h"
#include "rcufault/shadow.h"
#include "rcufault/stats.h"
#include "rcufault/symbols.h"
#include "rcufault/test_params.h"
#include "rcufault/trace_events.h"
#include "rcufault/write_epoch.h"

struct vm_area_struct rcuf_sentinel_vma, rcuf_sentinel_major_vma;

/*
 * What a fault served without mmap_lock needed, as the lockless_fault
 * tracepoint names it: nothing (a racing fault had made the PTE valid
 * already), a new anonymous page, page-cache pages mapped, a private copy
 * of a file page, a shmem page mapped writable and dirty, or a read-only
 * anonymous page reused in place or replaced by a copy.
 */
enum rcuf_fault_kind {
	RCUF_KIND_MAPPED,
	RCUF_KIND_ANON,
	RCUF_KIND_FILE,
	RCUF_KIND_FILE_COW,
	RCUF_KIND_SHMEM_WRITE,
	RCUF_KIND_WP_REUSE,
	RCUF_KIND_WP_COPY,
	RCUF_KIND_SWAPIN,
};

static const char *const rcuf_fault_kind_names[] = {
	[RCUF_KIND_MAPPED] = "mapped",
	[RCUF_KIND_ANON] = "anon",
	[RCUF_KIND_FILE] = "file",
	[RCUF_KIND_FILE_COW] = "file_cow",
	[RCUF_KIND_SHMEM_WRITE] = "shmem_write",
	[RCUF_KIND_WP_REUSE] = "wp_reuse",
	[RCUF_KIND_WP_COPY] = "wp_copy",
	[RCUF_KIND_SWAPIN] = "swapin",
};

/**
 * rcuf_fault_kind_name() - the lockless_fault tracepoint's name of a kind
 * @kind: an enum rcuf_fault_kind
 *
 * Return: a static string.
 */
const char *rcuf_fault_kind_name(int kind)
{
	return rcuf_fault_kind_names[kind];
}

/* mm/memory.c's TASK_RSS_EVENTS_THRESH: fold cached RSS every 64 faults */
#define RCUF_TASK_RSS_EVENTS_THRESH 64

static unsigned int writer_spin_ns;
module_param(writer_spin_ns, uint, 0600);
MODULE_PARM_DESC(writer_spin_ns,
		 "spin up to this long for a running mmap_lock writer to finish before falling back (0: off)");

/**
 * rcuf_fault_init() - set up the sentinel VMA
 */
void rcuf_fault_init(void)
{
	rcuf_sentinel_vma.vm_start = 0;
	rcuf_sentinel_vma.vm_end = TASK_SIZE_MAX;
	rcuf_sentinel_vma.vm_flags = VM_READ | VM_WRITE | VM_EXEC |
				     VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
	rcuf_sentinel_vma.vm_mm = NULL;	/* foreign: no pkey check */
	rcuf_sentinel_major_vma = rcuf_sentinel_vma;
}

/* Error codes whose access_error() verdict does not depend on the VMA. */
static bool rcuf_error_code_unhandled(unsigned long error_code)
{
	if (error_code & (X86_PF_PK | X86_PF_SGX | X86_PF_RSVD))
		return true;
	return !(error_code & (X86_PF_WRITE | X86_PF_INSTR)) &&
	       (error_code & X86_PF_PROT);
}

/* Does @pte already allow the access that faulted? */
static bool rcuf_pte_allows(pte_t pte, unsigned long error_code)
{
	if (!pte_access_permitted(pte, error_code & X86_PF_WRITE))
		return false;
	return !(error_code & X86_PF_INSTR) || pte_exec(pte);
}

static bool shadow_revalidate = true;
module_param(shadow_revalidate, bool, 0600);
MODULE_PARM_DESC(shadow_revalidate,
		 "trust a record a writer made stale if its VMA still spans the record's range (0: only records refreshed since the last writer)");

/*
 * May a record that a writer made stale still be trusted for a fault at
 * an address of its range? Yes if its VMA still spans that range: the
 * record's bounds or wider (a merge that grew the VMA, an mremap() that
 * grew it in place). This check is a filter: it reads the bounds with no
 * epoch check of its own. What makes the VMA it passes safe to use (check
 * against linux-source-6.1):
 *  - the VMA is attached to the mm at its current bounds until it is
 *    freed, outside the write sections that change it. 6.1 changes
 *    bounds, detaches and frees VMAs of a live mm only with the mmap_lock
 *    held for write (__vma_adjust(), vma_expand(), do_brk_flags(),
 *    expand_downwards() and expand_upwards(), which 6.1.0-57 reaches only
 *    from lock_mm_and_find_vma(), expand_stack() and exec's
 *    get_arg_page(), setup_arg_pages() and create_elf_tables(), all with
 *    the lock held for write: the stack-expansion change whose
 *    lock_mm_and_find_vma() we hook and require) or in munmap's downgraded
 *    section, which frees what it detached while the lock was held for
 *    write (do_mas_align_munmap() -> remove_mt()); both run at an odd
 *    epoch. The free removes the record first (rcuf_shadow_vma_free()),
 *    and exit_mmap(), which frees VMAs still attached, runs when no task
 *    of the mm faults;
 *  - the mm's VMAs do not overlap, so an attached VMA whose range holds
 *    the address is the mm's VMA for it; whether the record's range was
 *    once exactly the VMA's does not matter, only that it holds the
 *    address (the tree lookup that found the record says it does);
 *  - each path then checks the address against the VMA's live bounds
 *    (vma_range) and reads its contents (flags, protection, anon_vma,
 *    file) live, and trusts what it read only at the epoch the fault
 *    began at, re-checked in each RCU section that reads the VMA and under
 *    the PTE lock at the commit, so whatever a writer changed is seen. If
 *    sections ran since, the fault goes on only if every one of them
 *    declared a range without the address, whose VMAs keep their bounds
 *    and stay attached (src/write_range.c).
 * A VMA that shrank or split off part of the record's range falls back
 * (shadow_stale) and the stock path refreshes it. The maple lookup trusts
 * the VMA the mm's tree gives for the address on the same grounds
 * (src/maple_lookup.c). Context: RCU read side (the section that found
 * @r).
 */
static bool rcuf_fault_shadow_revalidate(struct rcuf_shadow_vma *r)
{
	struct vm_area_struct *vma = READ_ONCE(r->vma);
	unsigned long end;

	if (!READ_ONCE(shadow_revalidate))
		return false;
	end = READ_ONCE(vma->vm_end);
	if (unlikely(rcuf_test_vma_end_unchecked()))
		end = ULONG_MAX;
	return rcuf_shadow_within(r, READ_ONCE(vma->vm_start), end);
}

/*
 * The VMA the shadow tree holds for @addr, if its record is current at
 * epoch @seq (refreshed under mmap_lock with no writer since; never at an
 * odd @seq, whose writer may have made the record in its own section) or
 * can be revalidated, or else the VMA the mm's own tree holds for @addr
 * (src/maple_lookup.c), whether it maps a file and whether it is shared. A
 * VMA is freed only after a grace period that starts once its record has
 * left the tree (and once it has left the mm's tree), so finding it under
 * RCU makes it safe to read in the same section (its contents are only
 * trusted once the epoch is re-checked).
 */
static enum rcuf_stat rcuf_fault_shadow_vma(struct rcuf_mm *m,
					    unsigned long addr, unsigned int seq,
					    struct vm_area_struct **vma,
					    bool *file, bool *shared)
{
	enum rcuf_stat res = RCUF_STAT_LOCKLESS_SUCCESS;
	struct rcuf_shadow_vma *r;

	rcu_read_lock();
	r = rcuf_btree_lookup(&m->tree, addr, NULL, NULL);
	if (!r) {
		*vma = rcuf_maple_lookup(m, addr);
		if (!*vma) {
			res = RCUF_STAT_FB_NO_SHADOW;
			goto out;
		}
		rcuf_stat_inc(RCUF_STAT_MAPLE_LOOKUPS);
	} else if (READ_ONCE(r->epoch) == seq && !(seq & 1)) {
		*vma = READ_ONCE(r->vma);
	} else if (rcuf_fault_shadow_revalidate(r)) {
		rcuf_stat_inc(RCUF_STAT_SHADOW_REVALIDATED);
		*vma = READ_ONCE(r->vma);
	} else {
		res = RCUF_STAT_FB_SHADOW_STALE;
		goto out;
	}
	*file = READ_ONCE((*vma)->vm_file);
	*shared = READ_ONCE((*vma)->vm_flags) & VM_SHARED;
out:
	rcu_read_unlock();
	return res;
}

/*
 * No PTE table covers @addr yet: make one, where the anonymous path will
 * then serve the fault (rcuf_anon_table_check(), src/pte_table.c).
 */
static enum rcuf_stat rcuf_fault_new_table(struct rcuf_mm *m,
					   unsigned long addr,
					   unsigned long error_code,
					   unsigned int seq)
{
	struct vm_area_struct *vma;
	bool file, shared;
	enum rcuf_stat res;

	res = rcuf_fault_shadow_vma(m, addr, seq, &vma, &file, &shared);
	if (res != RCUF_STAT_LOCKLESS_SUCCESS)
		return res;
	if (file)
		return RCUF_STAT_FB_NO_PTE_TABLE;
	res = rcuf_anon_table_check(m, vma, addr, error_code, seq);
	if (res != RCUF_STAT_LOCKLESS_SUCCESS)
		return res;
	return rcuf_pte_table_publish(m, seq, addr);
}

/* Why a fault on a PTE that is not empty needs the stock path. */
static enum rcuf_stat rcuf_fault_pte_reason(pte_t pte, unsigned long error_code)
{
	if (!pte_present(pte))
		return RCUF_STAT_FB_PTE_SWAP;		/* swap or migration entry */
	if (pte_protnone(pte))
		return RCUF_STAT_FB_PTE_NUMA;		/* NUMA hinting */
	if ((error_code & X86_PF_WRITE) && !pte_write(pte))
		return RCUF_STAT_FB_PTE_COW;		/* COW or reuse */
	return RCUF_STAT_FB_PTE_PRESENT;
}

/*
 * The write epoch to speculate on: even, or odd if a writer holds the mm.
 * With writer_spin_ns set, and unless the writer declared a range without
 * @addr (src/write_range.c), wait a bounded time for a write owner that is
 * running on a CPU (its section is likely short) instead of falling back
 * at once. The owner is read from the rwsem, never from the state (see
 * rcuf_mmap_writer_running()).
 */
static unsigned int rcuf_fault_epoch(struct rcuf_mm *m, unsigned long addr)
{
	unsigned int seq = rcuf_mm_epoch_begin(m);
	u64 deadline;

	if (!(seq & 1) || !READ_ONCE(writer_spin_ns) ||
	    rcuf_range_excludes(m, seq, addr))
		return seq;
	rcuf_stat_inc(RCUF_STAT_WRITER_SPINS);
	deadline = local_clock() + READ_ONCE(writer_spin_ns);
	rcu_read_lock();
	while ((seq = rcuf_mm_epoch_begin(m)) & 1) {
		if (!rcuf_mmap_writer_running(m->mm) || need_resched() ||
		    local_clock() > deadline)
			break;
		cpu_relax();
	}
	rcu_read_unlock();
	if (!(seq & 1))
		rcuf_stat_inc(RCUF_STAT_WRITER_SPIN_WON);
	return seq;
}

/*
 * Why the mm's epoch forbids speculating at @addr: a writer is active and
 * did not declare a range without @addr (src/write_range.c), or the epoch
 * was found out of step with mmap_lock (an odd epoch while nobody holds
 * the lock is checked here, where a stuck epoch would show).
 */
static enum rcuf_stat rcuf_fault_epoch_reason(struct rcuf_mm *m,
					      unsigned int seq,
					      unsigned long addr)
{
	if (READ_ONCE(m->quarantined) || ((seq & 1) && rcuf_epoch_verify(m, seq)))
		return RCUF_STAT_FB_EPOCH_DESYNC;
	if ((seq & 1) && !rcuf_range_excludes(m, seq, addr))
		return RCUF_STAT_FB_WRITER_ACTIVE;
	return RCUF_STAT_LOCKLESS_SUCCESS;
}

/* The kind of a served file fault: decided by the access and the mapping. */
static enum rcuf_fault_kind rcuf_fault_file_kind(unsigned long error_code,
						 bool shared)
{
	if (!(error_code & X86_PF_WRITE))
		return RCUF_KIND_FILE;
	return shared ? RCUF_KIND_SHMEM_WRITE : RCUF_KIND_FILE_COW;
}

/*
 * The lockless attempt proper, on a tracked mm, at epoch @seq. A PTE already valid for the
 * access (a racing thread's fault resolved it) needs nothing; a missing PTE
 * in an existing table of an anonymous VMA is served by rcuf_fault_anon(),
 * a write to a read-only one by rcuf_fault_wp(). @kind is set to what a
 * served fault needed (only meaningful on success). Without @may_fill, a
 * file miss falls back instead of being read or filled.
 */
static enum rcuf_stat rcuf_fault_try_at(struct rcuf_mm *m, unsigned int seq,
					unsigned long addr,
					unsigned long error_code,
					enum rcuf_fault_kind *kind, bool *major,
					bool may_fill)
{
	enum rcuf_walk_result walk;
	struct vm_area_struct *vma;
	bool file, shared, wp, swap = false, reuse = false;
	enum rcuf_stat res;
	pte_t pte;

	res = rcuf_fault_epoch_reason(m, seq, addr);
	if (res != RCUF_STAT_LOCKLESS_SUCCESS)
		return res;
	if (unlikely(rcuf_test_broken_cow()) && (error_code & X86_PF_PROT))
		return rcuf_fault_broken_cow(m, addr, error_code);
	walk = rcuf_pte_read_lockless(m->mm, addr, &pte);
	if (walk == RCUF_WALK_NO_TABLE) {
		res = rcuf_fault_new_table(m, addr, error_code, seq);
		if (res != RCUF_STAT_LOCKLESS_SUCCESS)
			return res;
		walk = rcuf_pte_read_lockless(m->mm, addr, &pte);
	}
	if (walk != RCUF_WALK_PTE)
		return walk == RCUF_WALK_NO_TABLE ? RCUF_STAT_FB_NO_PTE_TABLE :
						    RCUF_STAT_FB_PGTABLE;
	*kind = RCUF_KIND_MAPPED;
	if (rcuf_pte_allows(pte, error_code))
		return rcuf_mm_epoch_moved(m, seq, addr) ? RCUF_STAT_FB_EPOCH_CHANGED :
							   RCUF_STAT_LOCKLESS_SUCCESS;
	wp = !pte_none(pte);
	if (wp) {
		res = rcuf_fault_pte_reason(pte, error_code);
		swap = res == RCUF_STAT_FB_PTE_SWAP;
		if (res != RCUF_STAT_FB_PTE_COW && !swap)
			return res;
	}
	res = rcuf_fault_shadow_vma(m, addr, seq, &vma, &file, &shared);
	if (res != RCUF_STAT_LOCKLESS_SUCCESS)
		return res;
	if (swap) {	/* anonymous pages of file VMAs too: still stock */
		*kind = RCUF_KIND_SWAPIN;
		return file ? RCUF_STAT_FB_PTE_SWAP :
			      rcuf_fault_swap(m, vma, addr, error_code, seq,
					      pte, major, may_fill);
	}
	if (wp && file)	/* write-protect of a file page: still the stock path */
		return shared ? RCUF_STAT_FB_FILE_WRITE : RCUF_STAT_FB_PTE_COW;
	if (wp) {	/* write-protect: reuse or copy */
		res = rcuf_fault_wp(m, vma, addr, error_code, seq, &reuse);
		*kind = reuse ? RCUF_KIND_WP_REUSE : RCUF_KIND_WP_COPY;
		return res;
	}
	if (file) {	/* shared writes: shmem only (rcuf_file_check()) */
		*kind = rcuf_fault_file_kind(error_code, shared);
		return rcuf_fault_file(m, vma, addr, error_code, seq, shared,
				       may_fill);
	}
	*kind = RCUF_KIND_ANON;
	return rcuf_fault_anon(m, vma, addr, error_code, seq);
}

/*
 * rcuf_fault_try_at() at the epoch of now; a fault served while a write
 * section ran (one that declared a range without @addr: src/write_range.c)
 * is counted as such.
 */
static enum rcuf_stat rcuf_fault_try_mm(struct rcuf_mm *m, unsigned long addr,
					unsigned long error_code,
					enum rcuf_fault_kind *kind, bool *major,
					bool may_fill)
{
	unsigned int seq = rcuf_fault_epoch(m, addr);
	enum rcuf_stat res = rcuf_fault_try_at(m, seq, addr, error_code, kind,
					       major, may_fill);

	if (res == RCUF_STAT_LOCKLESS_SUCCESS &&
	    ((seq & 1) || rcuf_mm_epoch_changed(m, seq)))
		rcuf_stat_inc(RCUF_STAT_LOCKLESS_DURING_WRITER);
	return res;
}

/*
 * The attempt, once more after an anonymous VMA was given its anon_vma
 * under a short read lock (src/anon_vma_setup.c), and once more after I/O
 * done with no lock held (the I/O, a file's read or shmem's swap-in, makes
 * it a major fault, reported through the major sentinel) or after a shmem
 * miss was filled from memory (a minor fault, as shmem_fault()'s
 * allocation or swap-cache hit is).
 */
static enum rcuf_stat rcuf_fault_try_io(struct rcuf_mm *m, unsigned long addr,
					unsigned long error_code, bool *major,
					enum rcuf_fault_kind *kind)
{
	enum rcuf_stat res = rcuf_fault_try_mm(m, addr, error_code, kind,
					       major, true);

	if (res == RCUF_STAT_FB_VMA_SETUP &&
	    rcuf_anon_vma_setup(m->mm, addr, error_code))
		res = rcuf_fault_try_mm(m, addr, error_code, kind, major, true);
	if (!rcuf_fault_filled(res))
		return res;
	rcuf_stat_inc(res);
	if (res != RCUF_STAT_SHMEM_FILL_UNLOCKED) {
		*major = true;
		if (unlikely(rcuf_test_io_fallback()))
			return RCUF_STAT_FB_FILE_IO_FAILED;
	}
	/* Still missing (reclaimed, punched, a new readahead mark): give up. */
	return rcuf_fault_try_mm(m, addr, error_code, kind, major, false);
}

/*
 * What the stock attempt that follows a fallback must know (a fault mark,
 * see fault_entry.c), so that users see what the stock path alone shows:
 *
 * - After I/O done with no lock held, the stock attempt is the retry that
 *   stock's own I/O would have caused (filemap_fault() drops mmap_lock for
 *   I/O and returns VM_FAULT_RETRY; do_user_addr_fault() retries with
 *   FAULT_FLAG_TRIED). In 6.1 TRIED makes mm_account_fault() count the
 *   fault as major (maj_flt, perf MAJ), makes filemap_fault() skip async
 *   readahead, fault_flag_allow_retry_first() false (no second dropping of
 *   the lock: folio locks are waited for under it) and handle_pte_fault()
 *   skip the spurious-fault TLB flush: all as in stock's second attempt.
 *   PGMAJFAULT itself was counted at the page-cache miss, as
 *   filemap_fault() does (rcuf_file_io()).
 * - After a failed allocation or memcg charge, stock's do_anonymous_page()
 *   or do_cow_fault() returns VM_FAULT_OOM: try_charge_memcg() has already
 *   raised MEMCG_MAX, reclaimed, and (via mem_cgroup_oom()) raised
 *   MEMCG_OOM and OOM-killed; the allocator likewise ran the global OOM
 *   killer. Charging again under the lock would do all of that twice (two
 *   rounds of reclaim, twice the memory.events max and oom, a second kill
 *   or a second oom event for a victim that is already dying). So the
 *   stock attempt does not run: it returns VM_FAULT_OOM at once (after the
 *   PGFAULT accounting handle_mm_fault() does first), and the arch code
 *   does what it does for stock's OOM: a kernel-mode fault takes its
 *   exception fixup, a user fault calls pagefault_out_of_memory() (which
 *   runs a cgroup v1 OOM the charge deferred, mem_cgroup_oom_synchronize())
 *   and returns to retry the access unless the task was killed. The mark
 *   is only left when every check before the allocation passed, as stock's
 *   would have up to its charge.
 */
static unsigned int rcuf_fault_fallback_mark(enum rcuf_stat res, bool major)
{
	if (res == RCUF_STAT_FB_NO_MEMORY)
		return RCUF_FAULT_MARK_OOM | (major ? RCUF_FAULT_MARK_TRIED : 0);
	return major ? RCUF_FAULT_MARK_TRIED : 0;
}

/*
 * A kernel-mode fault on a user address whose instruction has no exception
 * table entry is a kernel bug (user memory is only touched by uaccess
 * instructions, each with a fixup). The stock path treats it specially:
 * lock_mm_and_find_vma()'s get_mmap_lock_carefully() refuses to sleep on
 * a contended mmap_lock for it (the faulting code might hold the lock) and
 * lets it oops instead. Such a fault always takes the stock path, so it
 * gets exactly the stock behaviour.
 */
static bool rcuf_fault_kernel_no_fixup(struct pt_regs *regs)
{
	return !user_mode(regs) &&
	       !rcuf_sym.search_exception_tables(exception_ip(regs));
}

/**
 * rcuf_fault_try() - try to resolve a fault without mmap_lock
 * @mm: the faulting mm
 * @addr: the faulting address
 * @regs: the fault's registers
 * @mark: set to the RCUF_FAULT_MARK_* bits the stock attempt must get, if
 *	NULL is returned (see rcuf_fault_fallback_mark())
 *
 * Context: process, from the lock_mm_and_find_vma() hook; may sleep.
 * Return: the sentinel VMA if the fault is resolved, NULL to take the stock
 * path. Either way the outcome is counted.
 */
struct vm_area_struct *rcuf_fault_try(struct mm_struct *mm, unsigned long addr,
				      struct pt_regs *regs, unsigned int *mark)
{
	enum rcuf_fault_kind kind = RCUF_KIND_MAPPED;
	unsigned long error_code;
	bool major = false;
	enum rcuf_stat res;
	struct rcuf_mm *m;

	rcuf_stat_inc(RCUF_STAT_LOCKLESS_ATTEMPTS);
	if (mm != current->mm) {
		res = RCUF_STAT_FB_FOREIGN_MM;
	} else if (rcuf_fault_kernel_no_fixup(regs)) {
		res = RCUF_STAT_FB_KERNEL_NO_FIXUP;
	} else if (!rcuf_fault_error_code(addr, regs, &error_code)) {
		res = RCUF_STAT_FB_ERROR_CODE_UNKNOWN;
	} else if (rcuf_error_code_unhandled(error_code)) {
		res = RCUF_STAT_FB_ERROR_CODE;
	} else {
		rcuf_test_fault_delay();
		/* The state lives until the mm's last drop: we are its task. */
		rcu_read_lock();
		m = rcuf_mm_find(mm);
		rcu_read_unlock();
		/* as handle_mm_fault(): memcg OOM handling for user faults */
		if (user_mode(regs))
			mem_cgroup_enter_user_fault();
		res = m ? rcuf_fault_try_io(m, addr, error_code, &major, &kind) :
			  RCUF_STAT_FB_UNTRACKED_MM;
		if (user_mode(regs))
			mem_cgroup_exit_user_fault();
	}
	rcuf_stat_inc(res);
	rcuf_procs_note(res);
	if (res != RCUF_STAT_LOCKLESS_SUCCESS) {
		trace_fallback(addr, res);
		*mark = rcuf_fault_fallback_mark(res, major);
		return NULL;
	}
	trace_lockless_fault(addr, kind, major);
	if (!major)
		return &rcuf_sentinel_vma;
	rcuf_stat_inc(RCUF_STAT_LOCKLESS_MAJOR);
	return &rcuf_sentinel_major_vma;
}

/**
 * rcuf_fault_count_event() - count_vm_event() and count_memcg_event_mm()
 * @event: the event, counted for current->mm's memcg too
 */
void rcuf_fault_count_event(enum vm_event_item event)
{
	struct mem_cgroup *memcg;
	unsigned long flags;

	count_vm_event(event);
	if (mem_cgroup_disabled())
		return;
	rcu_read_lock();
	memcg = mem_cgroup_from_task(rcu_dereference(current->mm->owner));
	if (likely(memcg)) {
		local_irq_save(flags);
		rcuf_sym.__count_memcg_events(memcg, event, 1);
		local_irq_restore(flags);
	}
	rcu_read_unlock();
}

/**
 * rcuf_fault_account_entry() - what handle_mm_fault() counts for any fault
 *
 * The PGFAULT vm and memcg events and the task's cached RSS fold, counted
 * before the fault is handled, whatever its outcome.
 */
void rcuf_fault_account_entry(void)
{
	rcuf_fault_count_event(PGFAULT);
	if (current->rss_stat.events++ > RCUF_TASK_RSS_EVENTS_THRESH)
		rcuf_sym.sync_mm_rss(current->mm);	/* check_sync_rss_stat() */
}

/**
 * rcuf_fault_account() - account a fault completed without the stock path
 * @addr: the faulting address
 * @regs: the fault's registers
 * @major: the fault waited for I/O, or is a retry (FAULT_FLAG_TRIED)
 *
 * Does what handle_mm_fault() and mm_account_fault() do: the PGFAULT vm
 * and memcg events, the task's cached RSS fold, min_flt or maj_flt and the
 * perf software event, so that counters read the same with and without
 * rcufault. PGMAJFAULT is counted where filemap_fault() counts it, at the
 * page-cache miss (rcuf_file_io()).
 */
void rcuf_fault_account(unsigned long addr, struct pt_regs *regs, bool major)
{
	u32 event = major ? PERF_COUNT_SW_PAGE_FAULTS_MAJ :
			    PERF_COUNT_SW_PAGE_FAULTS_MIN;

	rcuf_fault_account_entry();
	if (major)
		current->maj_flt++;
	else
		current->min_flt++;
	if (static_key_enabled(&rcuf_sym.perf_swevent_enabled[event]))
		rcuf_sym.__perf_sw_event(event, 1, regs, addr);
}
