// SPDX-License-Identifier: GPL-2.0
/*
 * The audit of declared write ranges (test builds, test_range_audit, on by
 * default there; never in the shipped module, where
 * rcuf_test_range_audit() is constant false).
 *
 * When a section declares [lo, hi) (src/write_range.c), every VMA of the
 * mm not wholly inside it is recorded: pointer, bounds, flags, page_prot,
 * pgoff, file, anon_vma, policy and userfaultfd context. When the section
 * ends (the mmap_lock still held) they are compared with what the mm has
 * then: the same VMAs, in the same order, with the same fields. Any
 * difference is counted in range_audit_diffs and reported once per
 * section (a first anon_vma that a stock fault gave a VMA beside a
 * downgraded section is not the section's change, and is not counted); every guest test fails on a non-zero count (test/guest/lib.sh).
 * A VMA straddling the range's bound at the declaration is recorded too,
 * so a range that is not a run of whole VMAs shows up as soon as the
 * section changes the straddling VMA.
 *
 * Page-table entries outside the range are not compared: lockless faults
 * outside the range legitimately change them during the section, which is
 * the point. But the PTE tables that map the addresses just outside each
 * bound (lo - 1 and hi) are: a table there at the declaration must still
 * be there, the same table, at the end. No section frees or replaces a
 * table that maps an address outside its range (free_pgtables() between
 * floor and ceiling at or inside the bounds, see src/write_range.c), and
 * nothing else can while the section holds the mmap_lock (lockless faults
 * only fill empty entries; khugepaged's collapse and retract need the
 * lock for write). Sections on an mm with more VMAs than the snapshot could be
 * allocated for (GFP_ATOMIC, in a tracepoint probe) are counted in
 * range_audits_skipped.
 */
#include <linux/mempolicy.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/userfaultfd_k.h>
#include "rcufault/mm_state.h"
#include "rcufault/pgtable_walk.h"
#include "rcufault/range_audit.h"
#include "rcufault/write_range.h"
#include "rcufault/stats.h"
#include "rcufault/test_params.h"

/**
 * struct rcuf_range_vma - one VMA outside a declared range, as it was
 * @vma: the VMA
 * @start: vm_start
 * @end: vm_end
 * @flags: vm_flags
 * @prot: pgprot_val(vm_page_prot)
 * @pgoff: vm_pgoff
 * @file: vm_file
 * @anon_vma: anon_vma
 * @policy: vma_policy()
 * @uffd: vm_userfaultfd_ctx.ctx
 */
struct rcuf_range_vma {
	struct vm_area_struct *vma;
	unsigned long start, end, flags, prot, pgoff;
	void *file, *anon_vma, *policy, *uffd;
};

/**
 * struct rcuf_range_audit - the VMAs outside a declared range
 * @lo: the range's first address
 * @hi: its end
 * @table: the PFNs of the PTE tables that mapped lo - 1 and hi, 0 for none
 * @nr: how many VMAs were recorded
 * @v: them, in address order
 */
struct rcuf_range_audit {
	unsigned long lo, hi;
	unsigned long table[2];
	int nr;
	struct rcuf_range_vma v[];
};

/* The PFN of the PTE table that maps @addr in @mm, 0 if none. */
static unsigned long rcuf_range_table_at(struct mm_struct *mm,
					 unsigned long addr)
{
	unsigned long flags, pfn = 0;
	pmd_t *pmdp, pmd;

	local_irq_save(flags);
	if (rcuf_pmd_find_irqs_off(mm, addr, &pmdp, &pmd) == RCUF_WALK_PTE)
		pfn = pmd_pfn(pmd);
	local_irq_restore(flags);
	return pfn;
}

/* The addresses just outside @a's bounds (0: none, for a bound at an end). */
static unsigned long rcuf_range_outside(struct rcuf_range_audit *a, int i)
{
	if (i == 0)
		return a->lo ? a->lo - 1 : 0;
	return a->hi < TASK_SIZE_MAX ? a->hi : 0;
}

static void rcuf_range_tables_record(struct rcuf_mm *m,
				     struct rcuf_range_audit *a)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(a->table); i++)
		a->table[i] = rcuf_range_outside(a, i) ?
			rcuf_range_table_at(m->mm, rcuf_range_outside(a, i)) : 0;
}

/* Is a table recorded by rcuf_range_tables_record() gone or replaced? */
static bool rcuf_range_tables_changed(struct rcuf_mm *m,
				      struct rcuf_range_audit *a)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(a->table); i++)
		if (a->table[i] &&
		    rcuf_range_table_at(m->mm, rcuf_range_outside(a, i)) !=
		    a->table[i])
			return true;
	return false;
}

static void rcuf_range_vma_record(struct rcuf_range_vma *r,
				  struct vm_area_struct *vma)
{
	r->vma = vma;
	r->start = vma->vm_start;
	r->end = vma->vm_end;
	r->flags = vma->vm_flags;
	r->prot = pgprot_val(vma->vm_page_prot);
	r->pgoff = vma->vm_pgoff;
	r->file = vma->vm_file;
	r->anon_vma = vma->anon_vma;
	r->policy = vma_policy(vma);
#ifdef CONFIG_USERFAULTFD
	r->uffd = vma->vm_userfaultfd_ctx.ctx;
#else
	r->uffd = NULL;
#endif
}

/* The next VMA from @vma on (NULL: the first) not wholly inside @a's range. */
static struct vm_area_struct *rcuf_range_next_outside(struct rcuf_mm *m,
						      struct rcuf_range_audit *a,
						      struct vm_area_struct *vma)
{
	for (vma = find_vma(m->mm, vma ? vma->vm_end : 0); vma;
	     vma = find_vma(m->mm, vma->vm_end))
		if (vma->vm_start < a->lo || vma->vm_end > a->hi)
			return vma;
	return NULL;
}

/**
 * rcuf_range_audit_begin() - record the VMAs outside a range being declared
 * @m: the state; current write-owns its mm and is declaring
 * @lo: the range's first address
 * @hi: its end
 *
 * Context: a probe or ftrace callback (atomic).
 */
void rcuf_range_audit_begin(struct rcuf_mm *m, unsigned long lo,
			    unsigned long hi)
{
	struct vm_area_struct *vma = NULL;
	int max = READ_ONCE(m->mm->map_count);
	struct rcuf_range_audit *a;

	if (!rcuf_test_range_audit())
		return;
	a = kmalloc(struct_size(a, v, max), GFP_ATOMIC | __GFP_NOWARN);
	if (!a) {
		rcuf_stat_inc(RCUF_STAT_RANGE_AUDITS_SKIPPED);
		return;
	}
	a->lo = lo;
	a->hi = hi;
	a->nr = 0;
	while ((vma = rcuf_range_next_outside(m, a, vma)) && a->nr < max)
		rcuf_range_vma_record(&a->v[a->nr++], vma);
	rcuf_range_tables_record(m, a);
	if (vma) {	/* more VMAs than map_count: never expected */
		kfree(a);
		rcuf_stat_inc(RCUF_STAT_RANGE_AUDITS_SKIPPED);
		return;
	}
	m->range_audit = a;
}

/*
 * Which field of @now differs from @was, or NULL. After mmap_write_downgrade()
 * (munmap), stock faults of other tasks run beside the section under the
 * read lock, and their anon_vma_prepare() may give a VMA its first
 * anon_vma: that is theirs, not the section's (@downgraded).
 */
static const char *rcuf_range_vma_diff(const struct rcuf_range_vma *was,
				       const struct rcuf_range_vma *now,
				       bool downgraded)
{
	if (was->vma != now->vma)
		return "vma";
	if (was->start != now->start || was->end != now->end)
		return "bounds";
	if (was->flags != now->flags)
		return "vm_flags";
	if (was->prot != now->prot)
		return "vm_page_prot";
	if (was->pgoff != now->pgoff)
		return "vm_pgoff";
	if (was->file != now->file)
		return "vm_file";
	if (was->anon_vma != now->anon_vma &&
	    !(downgraded && !was->anon_vma))
		return "anon_vma";
	if (was->policy != now->policy)
		return "policy";
	return was->uffd != now->uffd ? "userfaultfd" : NULL;
}

/* Compare the VMAs outside the range now with @a; report the first change. */
static bool rcuf_range_audit_compare(struct rcuf_mm *m,
				     struct rcuf_range_audit *a)
{
	struct vm_area_struct *vma = NULL;
	struct rcuf_range_vma now;
	const char *what = NULL;
	int i = 0;

	while (!what && (vma = rcuf_range_next_outside(m, a, vma))) {
		rcuf_range_vma_record(&now, vma);
		what = i < a->nr ? rcuf_range_vma_diff(&a->v[i], &now,
						       m->downgraded) : "added";
		i++;
	}
	if (!what && i < a->nr)
		what = "removed";
	if (!what && rcuf_range_tables_changed(m, a)) {
		what = "a PTE table just outside the range";
		vma = NULL;
	}
	if (!what)
		return true;
	pr_err("range audit: a write section declared [%lx, %lx) (%s) and changed a VMA outside it (%s, VMA %d, now [%lx, %lx))\n",
	       a->lo, a->hi, rcuf_range_class_name(m->range_class), what, i,
	       vma ? vma->vm_start : 0, vma ? vma->vm_end : 0);
	return false;
}

/**
 * rcuf_range_audit_end() - compare, at the end of its section, what
 * rcuf_range_audit_begin() recorded
 * @m: the state; current still holds its mm's mmap_lock
 *
 * Context: the release probe.
 */
void rcuf_range_audit_end(struct rcuf_mm *m)
{
	struct rcuf_range_audit *a = m->range_audit;

	if (!a)
		return;
	rcuf_stat_inc(RCUF_STAT_RANGE_AUDITS);
	if (!rcuf_range_audit_compare(m, a))
		rcuf_stat_inc(RCUF_STAT_RANGE_AUDIT_DIFFS);
	rcuf_range_audit_drop(m);
}

/**
 * rcuf_range_audit_drop() - forget a recorded range
 * @m: the state
 */
void rcuf_range_audit_drop(struct rcuf_mm *m)
{
	kfree(m->range_audit);
	m->range_audit = NULL;
}
