// SPDX-License-Identifier: GPL-2.0
/*
 * The first fault in a 2 MiB range that has no PTE table yet: the table is
 * allocated with no lock held and published into the empty PMD entry as
 * mm/memory.c pmd_install() does (6.1), but without mmap_lock.
 *
 * Who else writes a PMD entry, in 6.1, and why each is safe against us:
 *
 * (a) Under the PMD lock (pmd_lock()): pmd_install() for stock faults,
 *     userfaultfd and change_pmd_range(); do_huge_pmd_anonymous_page(),
 *     do_set_pmd(), zap_huge_pmd() and zap_deposited_table(),
 *     __split_huge_pmd(), the THP migration and NUMA paths. We take the
 *     same lock (a trylock: a holder may wait, with it held, for a
 *     TLB-flush IPI to this CPU, where interrupts are off:
 *     pmdp_invalidate()) and populate only an entry still pmd_none()
 *     under it, as pmd_install(). MADV_DONTNEED/MADV_FREE and the OOM
 *     reaper (read lock) zap entries but free no PTE table in 6.1.
 * (b) Without the PMD lock, or with an empty entry left between two holds
 *     of it, only inside a write section of mmap_lock:
 *     - free_pgtables() (free_pte_range(): pmd_clear() and the table's
 *       free; free_pmd_range() frees the PMD table itself) from
 *       unmap_region() (munmap and brk, in their downgraded part too; a
 *       failed mmap_region()), exit_mmap() and fs/exec.c
 *       shift_arg_pages();
 *     - mremap's move_normal_pmd() (checks pmd_none() of the target with
 *       no lock, then VM_BUG_ON()s it under the lock);
 *     - fork's copy_pmd_range() (skips empty source entries, no lock);
 *     - khugepaged's collapse_huge_page(): pmdp_collapse_flush() under
 *       the PMD lock, then the entry stays empty with the lock dropped
 *       until pmd_populate() or set_pmd_at(), each behind
 *       BUG_ON(!pmd_none()) (mm/khugepaged.c);
 *     - collapse_and_free_pmd() (clears and frees a table with no PMD
 *       lock) from retract_page_tables() (mmap_write_trylock() of any
 *       mm), collapse_pte_mapped_thp() and MADV_COLLAPSE.
 *     free_pgtables() reads each entry once, with no lock, and skips an
 *     empty one: a table published after that read would stay behind in
 *     an unmapped range (leaked, and counted in pgtables_bytes: "BUG:
 *     non-zero pgtables_bytes" when the mm is freed), or be written into
 *     a PMD table that is being freed. In the khugepaged and mremap
 *     windows a publication would hit a BUG_ON. Only the epoch, begun by
 *     every one of these sections, keeps us out of all of them.
 *
 * So (b) must see our table or we must not publish it. Each write section
 * begins with the epoch's increment (write_epoch.c, from the
 * acquire_returned probe, before the section changes anything), followed
 * by rcuf_pte_table_writer_sync():
 *
 *   publisher (interrupts off)         writer
 *   P1 publishers++                    W1 epoch++ (odd)
 *   P2 smp_mb()                        W2 smp_mb()
 *   P3 read epoch: still @seq?         W3 wait for publishers == 0 (acquire)
 *   P4 PMD lock, pmd_none(), populate  W4 the section: free_pgtables() ...
 *   P5 publishers-- (release)
 *
 * With full barriers on both sides (P2, W2), either P3 sees W1 (then the
 * publisher does not publish) or W3 sees P1 (then W3 waits for P5, and the
 * release/acquire pair orders P4's store before W4's reads). P3 through P5
 * run with interrupts off, so W3 waits for a few hundred instructions (a
 * hypercall more under Xen PV, longer if the publisher's vCPU is
 * preempted: the writer spins with preemption off, as a spinlock waiter
 * would) and never for a task that could wait for it: the publisher only
 * ever trylocks. A busy PMD lock is tried again (RCUF_TABLE_TRIES), each
 * time from P1 after a pause with interrupts as on entry. An unchanged epoch at P3 also means no writer freed the PUD's
 * PMD table, so P4's walk and lock are of live tables: a writer that
 * began after P3 waits at W3 before it frees anything.
 *
 * A section that declared a range (src/write_range.c) lets P3 pass for an
 * address outside it: a publisher that read the epoch before W1 is still
 * waited out at W3 as at any begin, and what the section frees lies inside
 * its cover (the second part of a split mmap section, src/write_range.c,
 * begins with W1 to W3 of its own; its first part frees nothing).
 * free_pgtables() frees only the tables that map nothing below its floor (the end of the VMA before the
 * unmapped range) or at or above its ceiling (the start of the VMA
 * after), both at or inside the cover's bounds (munmap's cover ends at
 * them; free_pgd_range() rounds inwards), so the PMD entry we populate,
 * which maps our address outside the cover, and the PMD table that holds
 * it, are never among them; mprotect() and mmap() free no table outside
 * their range either, and the other windows above (khugepaged, mremap)
 * are never ranged sections.
 *
 * The table is only published for an address inside a VMA the shadow tree
 * gave at @seq, in a range where the stock fault would also have made a
 * PTE table (no THP would be tried: rcuf_anon_table_check()), so the table
 * is what stock would have left there, and munmap and exit free it.
 */
#include <linux/atomic.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/spinlock.h>
#include <asm/pgalloc.h>
#include "rcufault/mm_state.h"
#include "rcufault/pgtable_walk.h"
#include "rcufault/pte_table.h"
#include "rcufault/stats.h"
#include "rcufault/symbols.h"
#include "rcufault/test_params.h"

/*
 * Free a table that was never published: 6.1's pte_free()
 * (include/asm-generic/pgalloc.h) is pgtable_pte_page_dtor()
 * (include/linux/mm.h) and __free_page(); where the dtor's ptlock_free()
 * is a function (RCUF_PTLOCK_DEFER kernels) it is not exported, so the
 * dtor is spelled out. No walker can have seen the table.
 */
static void rcuf_pte_table_free_unused(struct page *table)
{
#if RCUF_PTLOCK_DEFER
	rcuf_sym.ptlock_free(table);
#endif
	__ClearPageTable(table);
	dec_lruvec_page_state(table, NR_PAGETABLE);
	__free_page(table);
}

/*
 * P4: with interrupts off, find the PMD entry of @addr and, under its
 * lock, populate it with @table if it is still empty (pmd_install()).
 * Return: RCUF_STAT_PTE_TABLES_PUBLISHED, RCUF_STAT_PTE_TABLES_RACED (a
 * table or a huge page got there first: @table unused), or a fallback.
 */
static enum rcuf_stat rcuf_pte_table_install(struct mm_struct *mm,
					     unsigned long addr,
					     struct page *table)
{
	enum rcuf_walk_result walk;
	enum rcuf_stat res;
	spinlock_t *ptl;
	pmd_t *pmdp, pmd;

	walk = rcuf_pmd_find_irqs_off(mm, addr, &pmdp, &pmd);
	if (walk == RCUF_WALK_PTE)
		return RCUF_STAT_PTE_TABLES_RACED;
	if (walk != RCUF_WALK_NO_TABLE)
		return RCUF_STAT_FB_PGTABLE;
	if (!pmdp)	/* no PMD table either: stock's pmd_alloc() */
		return RCUF_STAT_FB_NO_PTE_TABLE;
	ptl = pmd_lockptr(mm, pmdp);
	if (!spin_trylock(ptl))
		return RCUF_STAT_FB_PMD_LOCK_BUSY;
	res = RCUF_STAT_PTE_TABLES_RACED;
	if (pmd_none(READ_ONCE(*pmdp))) {
		mm_inc_nr_ptes(mm);
		smp_wmb();	/* the table's setup before it is reachable */
		pmd_populate(mm, pmdp, table);
		res = RCUF_STAT_PTE_TABLES_PUBLISHED;
	}
	spin_unlock(ptl);
	return res;
}

/* P1-P5 above: publish @table if no writer began since @seq. */
static enum rcuf_stat rcuf_pte_table_publish_synced(struct rcuf_mm *m,
						    unsigned int seq,
						    unsigned long addr,
						    struct page *table)
{
	enum rcuf_stat res = RCUF_STAT_FB_EPOCH_CHANGED;
	unsigned long flags;

	local_irq_save(flags);
	atomic_inc(&m->table_publishers);
	smp_mb__after_atomic();		/* P2: pairs with W2 */
	if (!rcuf_mm_epoch_moved(m, seq, addr))
		res = rcuf_pte_table_install(m->mm, addr, table);
	smp_mb__before_atomic();	/* P5: P4's store before the decrement */
	atomic_dec(&m->table_publishers);
	local_irq_restore(flags);
	return res;
}

/*
 * The deliberately broken test build (test_pte_table_unsynced): no P1-P3,
 * and a pause between the VMA check and the publication, so that a racing
 * munmap() frees the range's page tables first.
 */
static enum rcuf_stat rcuf_pte_table_publish_unsynced(struct rcuf_mm *m,
						      unsigned long addr,
						      struct page *table)
{
	enum rcuf_stat res;
	unsigned long flags;

	usleep_range(1000, 1100);
	local_irq_save(flags);
	res = rcuf_pte_table_install(m->mm, addr, table);
	local_irq_restore(flags);
	return res;
}

/* Tries of a busy PMD lock (one per 1 GiB: first touches share it). */
#define RCUF_TABLE_TRIES	8
#define RCUF_TABLE_PAUSE	32

/* P1-P5, again while the PMD lock is busy (for a few short pauses). */
static enum rcuf_stat rcuf_pte_table_publish_tries(struct rcuf_mm *m,
						   unsigned int seq,
						   unsigned long addr,
						   struct page *table)
{
	enum rcuf_stat res;
	int tries, i;

	for (tries = 1; ; tries++) {
		res = rcuf_pte_table_publish_synced(m, seq, addr, table);
		if (res != RCUF_STAT_FB_PMD_LOCK_BUSY ||
		    tries >= RCUF_TABLE_TRIES || need_resched())
			return res;
		rcuf_stat_inc(RCUF_STAT_PTL_RETRIES);
		for (i = 0; i < RCUF_TABLE_PAUSE; i++)
			cpu_relax();
	}
}

/**
 * rcuf_pte_table_publish() - give @addr's empty PMD entry a PTE table
 * @m: the faulting mm's state (current->mm)
 * @seq: the even write epoch at which @addr's VMA was found and checked
 *	(rcuf_anon_table_check())
 * @addr: the faulting address
 *
 * Allocates the table (memcg-charged, as pte_alloc_one() always is) with
 * no lock held, then publishes it as described at the top of this file.
 *
 * Context: process, no locks held, not under RCU; may sleep.
 * Return: RCUF_STAT_LOCKLESS_SUCCESS if @addr now has a PTE table (ours or
 * one that got there first), else the reason to fall back: nothing was
 * published then. RCUF_STAT_FB_NO_MEMORY if the table could not be had:
 * every check stock's do_anonymous_page() makes before its pte_alloc()
 * has passed, and that failure is its VM_FAULT_OOM (the allocator or the
 * memcg charge has reclaimed and OOM-killed already).
 */
enum rcuf_stat rcuf_pte_table_publish(struct rcuf_mm *m, unsigned int seq,
				      unsigned long addr)
{
	struct page *table = rcuf_sym.pte_alloc_one(m->mm);
	enum rcuf_stat res;

	if (!table)	/* stock's do_anonymous_page(): VM_FAULT_OOM */
		return RCUF_STAT_FB_NO_MEMORY;
	if (unlikely(rcuf_test_pte_table_unsynced()))
		res = rcuf_pte_table_publish_unsynced(m, addr, table);
	else
		res = rcuf_pte_table_publish_tries(m, seq, addr, table);
	if (res != RCUF_STAT_PTE_TABLES_PUBLISHED)
		rcuf_pte_table_free_unused(table);
	if (res != RCUF_STAT_PTE_TABLES_PUBLISHED &&
	    res != RCUF_STAT_PTE_TABLES_RACED)
		return res;
	rcuf_stat_inc(res);
	return RCUF_STAT_LOCKLESS_SUCCESS;
}

/**
 * rcuf_pte_table_writer_sync() - W2 and W3: wait out in-flight publishers
 * @m: the state of an mm whose write section just began (its epoch odd)
 *
 * Context: the write-acquire probe, right after the epoch's increment,
 * before the section changes anything; preemption may be off.
 */
void rcuf_pte_table_writer_sync(struct rcuf_mm *m)
{
	smp_mb();	/* W2: pairs with P2 */
	if (likely(!atomic_read_acquire(&m->table_publishers)))
		return;
	rcuf_stat_inc(RCUF_STAT_PTE_TABLE_WRITER_WAITS);
	atomic_cond_read_acquire(&m->table_publishers, !VAL);
}
