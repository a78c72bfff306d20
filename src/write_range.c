// SPDX-License-Identifier: GPL-2.0
/*
 * Range write sections: lockless faults that a write section cannot touch
 * go on through it.
 *
 * A write section (an odd write epoch, src/write_epoch.c) begins whole: it
 * may change anything, and every lockless fault of the mm falls back or
 * fails its re-check. Some sections can only change a known range; they
 * declare it before they change anything, and a fault whose address lies
 * outside it goes on, through the whole section (rcuf_range_excludes()).
 *
 * THE RULE. A section declares [lo, hi) only if, from the declaration to
 * its end, it changes nothing a fault at an address outside [lo, hi) reads:
 * the VMA that holds the address (its struct: bounds, flags, page_prot,
 * pgoff, file, anon_vma, policy, uffd context; and its being attached and
 * not freed), the page tables on the way to the address (PGD to PTE table,
 * and whether they are freed), and the PTE itself.
 *
 * THE COVER. The range is never the system call's [start, end) alone but
 * rcuf_range_cover() of it, taken under the write lock at the declaration:
 * from the start of the VMA before the first VMA that overlaps [start, end)
 * to the end of the VMA after the last one that does (0 and ULONG_MAX where
 * there is none). It is a run of whole VMAs and the gaps between them, so
 * every VMA that exists at the declaration lies wholly inside or wholly
 * outside it, and a fault's address outside it means the fault's VMA is
 * outside. Inside it are the VMAs the call splits (the first and last
 * overlapping ones) and its neighbours, whose bounds, pgoff and anon_vma
 * chains merges move (vma_merge(), __vma_adjust(): remove_next == 2 reaches
 * one VMA past the range's last overlapping VMA, which is that neighbour).
 *
 * WHICH SECTIONS DECLARE (the proof; check it against linux-source-6.1):
 * a section declares only when the write acquire comes from current's own
 * system call, read from its saved user registers: task_pt_regs(current),
 * a 64-bit call (not in_ia32_syscall(); x32 numbers have
 * __X32_SYSCALL_BIT and match nothing), and @mm == current->mm. The
 * numbers used, 9, 10 and 11, can never be a user page fault's error code
 * in orig_ax (X86_PF_USER, 4, is clear in all three), kernel threads and
 * io_uring workers have zeroed registers (copy_thread()), and a kernel-mode
 * fault inside a system call leaves task_pt_regs() alone. The arguments
 * are the ones the call runs with: ptrace and seccomp change them only
 * before dispatch, and nothing else writes another task's pt_regs.
 *
 *  - munmap(addr, len), __NR_munmap: __do_sys_munmap() -> __vm_munmap():
 *    mmap_write_lock_killable() (our declaration, its only write acquire)
 *    -> do_mas_munmap(): validation, arch_unmap() (x86: nothing), the
 *    first VMA overlapping [start, end) -> do_mas_align_munmap():
 *    __split_vma() of the first and last overlapping VMAs (inside the
 *    cover), mas_store_gfp() of the overlapping VMAs into a detached tree,
 *    userfaultfd_unmap_prep() of [start, end), mas_store_prealloc() of NULL
 *    over [start, end), mm->locked_vm and map_count (no fault reads
 *    them), mmap_write_downgrade() (the section goes on read-held, see
 *    write_epoch.c), unmap_region(): unmap_vmas() of the detached VMAs
 *    only, free_pgtables() of the detached VMAs between floor
 *    prev->vm_end and ceiling next->vm_start, with prev and next the VMAs
 *    around [start, end) after the splits: both inside the cover, and
 *    free_pgd_range() never frees a table that maps an address below floor
 *    or at or above ceiling, so no table on the way to an address outside
 *    the cover; unlink_anon_vmas() and unlink_file_vma() of the detached
 *    VMAs (an anon_vma they share with a VMA outside keeps that VMA's
 *    chain and is not freed); remove_mt() frees the detached VMAs only.
 *    Length zero, misalignment and overflow are classified whole, and an
 *    address range with no VMA changes nothing.
 *  - mprotect(start, len, prot), __NR_mprotect, and pkey_mprotect():
 *    do_mprotect_pkey(): PROT_GROWSDOWN/PROT_GROWSUP are classified whole
 *    (they move start to the VMA's start); mmap_write_lock_killable() (our
 *    declaration); the loop over the VMAs overlapping [start, end) calls
 *    mprotect_fixup(vma, &prev, nstart, tmp, newflags) on each, with
 *    nstart and tmp inside [start, end): walk_page_range() (PFN checks,
 *    read-only) over [start, end); may_expand_vm() and
 *    security_vm_enough_memory_mm() (mm counters); vma_merge(mm, prev,
 *    start, end, ...) with prev the VMA before start or the overlapping
 *    VMA itself, whose __vma_adjust() changes prev, the overlapping VMA
 *    and at most the VMA after end (all inside the cover); split_vma() of
 *    the overlapping VMA; vm_flags, vma_set_page_prot() and
 *    change_protection() over [start, end) of that VMA; and for VM_LOCKED
 *    made writable, populate_vma_page_range() over the same range (GUP
 *    faults on that VMA only). tlb_gather_mmu()/tlb_finish_mmu() flush
 *    only what was changed.
 *  - mmap(), __NR_mmap: the write acquire is whole; ksys_mmap_pgoff() ->
 *    vm_mmap_pgoff() -> do_mmap() changes nothing before mmap_region()
 *    (get_unmapped_area() only reads; execute_only_pkey() changes the
 *    mm's pkey bitmap and current's PKRU, which no fault of ours reads:
 *    protection-key faults always fall back), so the section declares in
 *    mmap_region()'s ftrace callback, before it runs, for anonymous
 *    mappings and regular files only (a device's ->mmap() is not
 *    audited here): [addr, addr + len)'s cover. mmap_region():
 *    arch_validate_flags(), mapping_map_writable() (the file's counter),
 *    may_expand_vm(), do_mas_munmap() of [addr, addr + len) as above,
 *    vma_expand() or vma_merge() with the VMAs before and after the range,
 *    call_mmap() on the new VMA (a regular file's ->mmap() sets its own
 *    VMA's vm_ops and flags), shmem_zero_setup() for shared anonymous
 *    memory, vma_link()/mas_store_prealloc() of the new VMA,
 *    khugepaged_enter_vma() (adds the mm to a list), perf_event_mmap(),
 *    vm_stat_account(), uprobe_mmap() (breakpoints in the new VMA), and
 *    on error unmap_region() of the new VMA between its prev and next.
 *
 * Everything else stays whole: fork, exec, exit, brk, mremap, madvise,
 * mlock, prctl, userfaultfd, khugepaged and other kernel threads, stack
 * expansion from the fault path, GUP, io_uring, and every system call not
 * listed. A section whose begin was out of step (write_epoch.c) never
 * declares.
 *
 * THE PROTOCOL (rcuf_range_excludes()). The writer clears @ranged and
 * issues smp_wmb() before it makes the epoch odd (rcuf_range_reset()), and
 * a begin that finds the epoch odd moves it on by two, so that a section
 * is never confused with the one before it. It writes the range, then sets
 * @ranged with release semantics, once, before it changes anything.
 * The range stays until the next section's reset. A fault at epoch @seq
 * with the epoch now @cur goes on iff @cur == @seq and even, or exactly one
 * section (the odd one of @seq and @cur) is concerned, @cur - @seq <= 1,
 * and that section's range, read between two reads of the epoch that both
 * give @cur, excludes the address. Torn reads are safe: a declared range
 * is only ever narrowed from whole.
 */
#include <linux/atomic.h>
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <asm/unistd.h>
#include "rcufault/mm_state.h"
#include "rcufault/range_audit.h"
#include "rcufault/stats.h"
#include "rcufault/test_params.h"
#include "rcufault/write_range.h"

/**
 * rcuf_range_excludes() - may a fault at @addr that began at epoch @seq
 * go on?
 * @m: the faulting mm's state
 * @seq: the epoch the fault began at (odd: a section was running)
 * @addr: the faulting address
 *
 * Context: any; takes no lock.
 * Return: true if no write section began since @seq, or the only one that
 * is concerned declared a range without @addr (see the header).
 */
bool rcuf_range_excludes(struct rcuf_mm *m, unsigned int seq,
			 unsigned long addr)
{
	unsigned int cur = raw_read_seqcount(&m->write_seq);
	unsigned long lo, hi;

	if (cur == seq && !(seq & 1))
		return true;
	if (cur - seq > 1)
		return false;
	if (!smp_load_acquire(&m->ranged))	/* pairs with the declaration */
		return false;
	lo = READ_ONCE(m->range_lo);
	hi = READ_ONCE(m->range_hi);
	smp_rmb();	/* the range before the epoch's re-read */
	if (raw_read_seqcount(&m->write_seq) != cur)
		return false;
	return addr < lo || addr >= hi;
}

/**
 * rcuf_range_reset() - the next section begins whole
 * @m: the state; current write-owns its mm
 *
 * Context: the write acquire probe, before the epoch is made odd or moved.
 */
void rcuf_range_reset(struct rcuf_mm *m)
{
	rcuf_range_audit_drop(m);
	WRITE_ONCE(m->ranged, false);
	m->range_class = RCUF_RANGE_WHOLE;
	smp_wmb();	/* cleared before the epoch moves: rcuf_range_excludes() */
}

/*
 * Widen [*lo, *hi) to whole VMAs and their neighbours (see the header).
 * The mmap_lock is held for write by current.
 */
static void rcuf_range_cover(struct mm_struct *mm, unsigned long *lo,
			     unsigned long *hi)
{
	struct vm_area_struct *first = find_vma(mm, *lo);
	struct vm_area_struct *prev, *last, *next;

	prev = mt_prev(&mm->mm_mt, first ? first->vm_start : *lo, 0);
	last = find_vma(mm, *hi - 1);
	next = last && last->vm_start < *hi ? find_vma(mm, last->vm_end) : last;
	*lo = prev ? prev->vm_start : 0;
	*hi = next ? next->vm_end : ULONG_MAX;
}

/* Declare [lo, hi) (page-aligned, lo < hi) for current's section of @m. */
static void rcuf_range_declare(struct rcuf_mm *m, int class,
			       unsigned long lo, unsigned long hi)
{
	if (!rcuf_test_range_uncovered())
		rcuf_range_cover(m->mm, &lo, &hi);
	m->range_class = class;
	WRITE_ONCE(m->range_lo, lo);
	WRITE_ONCE(m->range_hi, hi);
	rcuf_range_audit_begin(m);
	smp_store_release(&m->ranged, true);	/* see rcuf_range_excludes() */
}

/* Page-aligned [start, start + len) in user space, or false. */
static bool rcuf_range_of(unsigned long start, unsigned long len,
			  unsigned long *lo, unsigned long *hi)
{
	if (offset_in_page(start) || !len || start >= TASK_SIZE_MAX ||
	    len > TASK_SIZE_MAX - start)
		return false;
	*lo = start;
	*hi = start + PAGE_ALIGN(len);
	return *hi <= TASK_SIZE_MAX;
}

/* current's 64-bit system call, or -1 (see the header) */
static long rcuf_range_syscall_nr(struct rcuf_mm *m)
{
	if ((current->flags & PF_KTHREAD) || m->mm != current->mm ||
	    in_ia32_syscall() || !m->clean || m->writer != current)
		return -1;
	return task_pt_regs(current)->orig_ax;
}

/**
 * rcuf_range_syscall() - declare a write section's range from its system
 * call, if it is one that has one
 * @m: the state; current has just begun its write section
 *
 * Context: the write acquire probe, after the epoch was made odd and the
 * table publishers were waited for.
 */
void rcuf_range_syscall(struct rcuf_mm *m)
{
	struct pt_regs *regs = task_pt_regs(current);
	unsigned long lo, hi;

	switch (rcuf_range_syscall_nr(m)) {
	case __NR_munmap:
		if (rcuf_range_of(regs->di, regs->si, &lo, &hi))
			rcuf_range_declare(m, RCUF_RANGE_MUNMAP, lo, hi);
		break;
	case __NR_mprotect:
	case __NR_pkey_mprotect:
		if (!(regs->dx & (PROT_GROWSDOWN | PROT_GROWSUP)) &&
		    rcuf_range_of(regs->di, regs->si, &lo, &hi))
			rcuf_range_declare(m, RCUF_RANGE_MPROTECT, lo, hi);
		break;
	}
}

/**
 * rcuf_range_mmap_region() - mmap(2) is about to call mmap_region()
 * @mm: current->mm
 * @file: mmap_region()'s file (NULL: anonymous memory)
 * @addr: its address
 * @len: its length
 *
 * Context: the mmap_region() ftrace callback; current holds @mm's
 * mmap_lock for write.
 */
void rcuf_range_mmap_region(struct mm_struct *mm, struct file *file,
			    unsigned long addr, unsigned long len)
{
	unsigned long lo, hi;
	struct rcuf_mm *m;

	rcu_read_lock();
	m = rcuf_mm_find(mm);
	rcu_read_unlock();
	if (!m || (file && !S_ISREG(file_inode(file)->i_mode)) || m->ranged || m->downgraded ||
	    !(raw_read_seqcount(&m->write_seq) & 1) ||
	    rcuf_range_syscall_nr(m) != __NR_mmap ||
	    !rcuf_range_of(addr, len, &lo, &hi))
		return;
	rcuf_range_declare(m, RCUF_RANGE_MMAP, lo, hi);
}

/**
 * rcuf_range_section_end() - count the section, audit its range
 * @m: the state; current ends its section (the epoch is still odd)
 * @in_step: current began the section, whose begin was seen
 *
 * Context: the release probe; current holds the mmap_lock.
 */
void rcuf_range_section_end(struct rcuf_mm *m, bool in_step)
{
	static const enum rcuf_stat stat[] = {
		[RCUF_RANGE_WHOLE] = RCUF_STAT_WHOLE_SECTIONS,
		[RCUF_RANGE_MUNMAP] = RCUF_STAT_RANGE_SECTIONS_MUNMAP,
		[RCUF_RANGE_MPROTECT] = RCUF_STAT_RANGE_SECTIONS_MPROTECT,
		[RCUF_RANGE_MMAP] = RCUF_STAT_RANGE_SECTIONS_MMAP,
	};

	if (in_step) {
		rcuf_stat_inc(stat[m->ranged ? m->range_class : RCUF_RANGE_WHOLE]);
		rcuf_range_audit_end(m);
	}
	rcuf_range_audit_drop(m);
}
