// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow VMA tree of each tracked mm (struct rcuf_mm.tree), kept beside
 * the stock VMA tree (DESIGN.md §3.2, §3.5).
 *
 * Who writes it, always under the state's tree_lock:
 *  - the stock fault path (rcuf_shadow_fault_refresh(), from the
 *    lock_mm_and_find_vma() hook) with mmap_lock held for read and the
 *    write epoch even: it populates the whole tree once from the stock VMA
 *    tree, then refreshes the record of the VMA being served when it is
 *    missing or stale. No writer section can start while it holds the read
 *    lock, so every VMA it sees is live and its range stable, and records
 *    are stamped with the current epoch. An odd epoch there means a
 *    downgraded munmap section runs beside us (it frees VMAs): skip.
 *  - a write section, with mmap_lock held for write (or for read after
 *    munmap's downgrade) and the write epoch odd: the mmap_region() hook
 *    (rcuf_shadow_mmap_created(), with shadow_at_mmap) and the end of a
 *    section that declared a range (rcuf_shadow_section_refresh()). Their
 *    records carry the odd epoch, so faults only trust them through
 *    revalidation.
 *  - the vm_area_free() hook (rcuf_shadow_vma_free()): removes the record
 *    of the VMA being freed, whose free then waits for a grace period.
 *
 * Invariants (checked by debugfs `check`, src/shadow_audit.c):
 *  - every record in the tree is in the state's vma_hash and vice versa;
 *    at most one record per VMA;
 *  - no record in the tree points at a VMA whose free has started;
 *  - once a tree has held a record, every VMA free of its mm waits for a
 *    grace period, so a VMA that a lockless reader may have reached through
 *    a record (even one removed since, e.g. by a clear) stays readable
 *    until the reader's RCU section ends;
 *  - a record whose epoch is the current epoch is exact (its VMA's pointer
 *    and range).
 *
 * A failed allocation never leaves a stale entry: the record is not
 * inserted, and a failed tree update clears the whole tree (a miss is
 * always safe).
 */
#include <linux/atomic.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include "rcufault/maple_lookup.h"
#include "rcufault/mm_state.h"
#include "rcufault/shadow.h"
#include "rcufault/stats.h"
#include "rcufault/test_params.h"

#define RCUF_SHADOW_GFP	(GFP_NOWAIT | __GFP_NOWARN)

static atomic_long_t rcuf_shadow_allocated = ATOMIC_LONG_INIT(0);

/*
 * A record costs its VMA's writers even when no fault ever meets one: it
 * is made at the VMA's first stock fault (allocation, B-tree path copy)
 * and removed at its munmap (path copy, two RCU-deferred frees). In a
 * 2-thread guest loop of mmap, 16 faults, mprotect and munmap of 16 pages
 * (one boot, means), a round took 423 us with every VMA recorded, 374
 * with this default and 348 stock: without a record, each of the 15
 * faults that the record would have served locklessly pays a failed
 * lookup instead (no_shadow), far less than making and removing it. The
 * lockless path can serve at most one fault per page of a populated
 * anonymous VMA, so small VMAs gain the least. 32 pages is glibc's
 * default M_MMAP_THRESHOLD (128 KiB): malloc() serves smaller requests
 * from its arenas (large VMAs) and maps each larger one on its own, so
 * every malloc()-made mapping still gets records. Test builds default to
 * 0 (every VMA), so that the lanes' small mappings take the lockless path.
 */
static unsigned int record_min_pages = RCUF_TEST_BUILD ? 0 : 32;
module_param(record_min_pages, uint, 0600);
MODULE_PARM_DESC(record_min_pages,
		 "make shadow records only for VMAs of at least this many pages (default 32; smaller ones' faults take the stock path, counted in records_skipped_small)");

/*
 * Is @vma large enough to be recorded (record_min_pages)? A VMA without a
 * record is always safe: its faults find none and fall back (no_shadow).
 */
static bool rcuf_shadow_worth_recording(const struct vm_area_struct *vma)
{
	if ((vma->vm_end - vma->vm_start) >> PAGE_SHIFT >=
	    READ_ONCE(record_min_pages))
		return true;
	rcuf_stat_inc(RCUF_STAT_SHADOW_SMALL_SKIPS);
	return false;
}

/**
 * rcuf_shadow_init() - set up an empty shadow tree in a new state
 * @m: the state, zeroed
 *
 * Context: any (atomic: the state is made in a tracepoint probe).
 */
void rcuf_shadow_init(struct rcuf_mm *m)
{
	rcuf_btree_init(&m->tree);
	spin_lock_init(&m->tree_lock);
	hash_init(m->vma_hash);
	m->fill = RCUF_SHADOW_EMPTY;
}

static struct rcuf_shadow_vma *rcuf_shadow_alloc(struct vm_area_struct *vma,
						 unsigned int epoch)
{
	struct rcuf_shadow_vma *r = kmalloc(sizeof(*r), RCUF_SHADOW_GFP);

	if (!r) {
		rcuf_stat_inc(RCUF_STAT_SHADOW_ALLOC_FAILED);
		return NULL;
	}
	r->vma = vma;
	r->start = vma->vm_start;
	r->end = vma->vm_end;
	r->epoch = epoch;
	refcount_set(&r->ref, 1);
	INIT_HLIST_NODE(&r->hnode);
	atomic_long_inc(&rcuf_shadow_allocated);
	return r;
}

/* Free a record that was never published. */
static void rcuf_shadow_discard(struct rcuf_shadow_vma *r)
{
	kfree(r);
	atomic_long_dec(&rcuf_shadow_allocated);
}

static void rcuf_shadow_free_rcu(struct rcu_head *head)
{
	rcuf_shadow_discard(container_of(head, struct rcuf_shadow_vma, rcu));
}

/**
 * rcuf_shadow_get() - take a reference on a record found under RCU
 * @r: the record
 *
 * Context: RCU read side. The reference keeps the record (not its VMA).
 * Return: false if the record is already on its way out.
 */
bool rcuf_shadow_get(struct rcuf_shadow_vma *r)
{
	return refcount_inc_not_zero(&r->ref);
}

/**
 * rcuf_shadow_put() - drop a reference; the last frees after a grace period
 * @r: the record
 *
 * Context: any.
 */
void rcuf_shadow_put(struct rcuf_shadow_vma *r)
{
	if (refcount_dec_and_test(&r->ref))
		call_rcu(&r->rcu, rcuf_shadow_free_rcu);
}

/**
 * rcuf_shadow_records_allocated() - records allocated and not yet freed
 *
 * Return: the count, including records waiting for their grace period.
 */
long rcuf_shadow_records_allocated(void)
{
	return atomic_long_read(&rcuf_shadow_allocated);
}

/* The tree's release callback: @entry has left the tree of state @arg. */
static void rcuf_shadow_release(void *entry, void *arg)
{
	struct rcuf_shadow_vma *r = entry;

	hash_del(&r->hnode);
	rcuf_shadow_put(r);
}

static void rcuf_shadow_clear(struct rcuf_mm *m)
{
	rcuf_btree_clear(&m->tree, rcuf_shadow_release, m);
	WRITE_ONCE(m->fill, RCUF_SHADOW_EMPTY);
}

/**
 * rcuf_shadow_discard_all() - drop every record of a live state
 * @m: the state
 *
 * Context: process, not under tree_lock; takes it.
 */
void rcuf_shadow_discard_all(struct rcuf_mm *m)
{
	spin_lock(&m->tree_lock);
	rcuf_shadow_clear(m);
	spin_unlock(&m->tree_lock);
}

/**
 * rcuf_shadow_destroy() - drop every record of a state being freed
 * @m: the state, already unreachable for writers
 *
 * Context: any; never fails.
 */
void rcuf_shadow_destroy(struct rcuf_mm *m)
{
	rcuf_shadow_clear(m);
}

/*
 * Replace whatever overlaps [@start, @end) by @r (NULL: remove only). On
 * failure the whole tree is cleared and @r is not inserted (the caller
 * still owns it). Caller holds tree_lock.
 */
static int rcuf_shadow_update(struct rcuf_mm *m, unsigned long start,
			      unsigned long end, struct rcuf_shadow_vma *r)
{
	int ret = -ENOMEM;

	lockdep_assert_held(&m->tree_lock);
	if (!rcuf_test_shadow_nomem())
		ret = rcuf_btree_replace_range(&m->tree, start, end, r,
					       rcuf_shadow_release, m,
					       RCUF_SHADOW_GFP);
	if (ret) {
		rcuf_shadow_clear(m);
		rcuf_stat_inc(RCUF_STAT_SHADOW_CLEARS_ENOMEM);
		return ret;
	}
	if (r)
		hash_add(m->vma_hash, &r->hnode, (unsigned long)r->vma);
	return 0;
}

/*
 * From now on every VMA free of @m's mm waits for a grace period, so that
 * lockless readers may hold its VMAs: a record's, or one the maple lookup
 * found (src/maple_lookup.c says why the release and the mmap_lock order
 * this store before every free that must see it). Caller holds the
 * mmap_lock: for read at an even epoch, or as the writer of the section.
 */
static void rcuf_shadow_defer_vma_frees(struct rcuf_mm *m)
{
	if (READ_ONCE(m->shadowed))
		return;
	/* release: pairs with rcuf_shadow_vma_frees_deferred()'s acquire */
	smp_store_release(&m->shadowed, true);
}

/**
 * rcuf_shadow_vma_frees_deferred() - may lockless readers hold @m's VMAs?
 * @m: a state
 *
 * Context: any; a lockless reader calls it under RCU before it looks a VMA
 * up (the acquire pairs with rcuf_shadow_defer_vma_frees()).
 * Return: true once every VMA free of @m's mm waits for a grace period.
 */
bool rcuf_shadow_vma_frees_deferred(struct rcuf_mm *m)
{
	/* acquire: the walk after it sees every removal from the mm's tree */
	return smp_load_acquire(&m->shadowed);
}

static struct rcuf_shadow_vma *rcuf_shadow_of_vma(struct rcuf_mm *m,
						  struct vm_area_struct *vma)
{
	struct rcuf_shadow_vma *r;

	hash_for_each_possible(m->vma_hash, r, hnode, (unsigned long)vma)
		if (r->vma == vma)
			return r;
	return NULL;
}

/* Is @r @vma's record, spanning exactly its range? */
static bool rcuf_shadow_spans(const struct rcuf_shadow_vma *r,
			      const struct vm_area_struct *vma)
{
	return r && r->vma == vma && r->start == vma->vm_start &&
	       r->end == vma->vm_end;
}

static bool rcuf_shadow_exact(const struct rcuf_shadow_vma *r,
			      const struct vm_area_struct *vma, unsigned int epoch)
{
	return rcuf_shadow_spans(r, vma) && r->epoch == epoch;
}

/*
 * Make @vma's record exact, using @r (made for @vma at @epoch) if needed;
 * consumes @r. Caller holds tree_lock and mmap_lock (for read at an even
 * epoch, or for write).
 * Return: true if the tree changed.
 */
static bool rcuf_shadow_set(struct rcuf_mm *m, struct vm_area_struct *vma,
			    unsigned int epoch, struct rcuf_shadow_vma *r)
{
	struct rcuf_shadow_vma *old = rcuf_shadow_of_vma(m, vma);

	rcuf_shadow_defer_vma_frees(m);	/* before the first record is seen */
	if (old && rcuf_shadow_exact(old, vma, epoch))
		goto discard;
	/* the VMA left its old record's range: drop that record too */
	if (old && (old->end <= vma->vm_start || old->start >= vma->vm_end) &&
	    rcuf_shadow_update(m, old->start, old->end, NULL))
		goto discard;
	if (rcuf_shadow_update(m, vma->vm_start, vma->vm_end, r))
		goto discard;
	return true;
discard:
	rcuf_shadow_discard(r);
	return false;
}

/* Fill the tree from the stock VMA tree; mmap_lock held for read. */
static void rcuf_shadow_populate(struct rcuf_mm *m, struct mm_struct *mm,
				 unsigned int epoch)
{
	VMA_ITERATOR(vmi, mm, 0);
	struct vm_area_struct *vma;
	struct rcuf_shadow_vma *r;
	bool cleared;

	if (cmpxchg(&m->fill, RCUF_SHADOW_EMPTY, RCUF_SHADOW_POPULATING) !=
	    RCUF_SHADOW_EMPTY)
		return;		/* another thread of this mm is at it */
	WRITE_ONCE(m->pid, current->tgid);
	for_each_vma(vmi, vma) {
		if (!rcuf_shadow_worth_recording(vma))
			continue;
		r = rcuf_shadow_alloc(vma, epoch);
		if (!r)
			break;	/* partly filled; faults refresh the rest */
		spin_lock(&m->tree_lock);
		rcuf_shadow_set(m, vma, epoch, r);
		cleared = READ_ONCE(m->fill) == RCUF_SHADOW_EMPTY;
		spin_unlock(&m->tree_lock);
		if (cleared)
			return;	/* out of memory: try again on a later fault */
		cond_resched();
	}
	cmpxchg(&m->fill, RCUF_SHADOW_POPULATING, RCUF_SHADOW_POPULATED);
	rcuf_stat_inc(RCUF_STAT_SHADOW_POPULATIONS);
}

/**
 * rcuf_shadow_fault_refresh() - bring the shadow tree up to date for a fault
 * @mm: the faulting mm, current->mm
 * @vma: the VMA lock_mm_and_find_vma() found; @mm's mmap_lock is held
 *
 * Populates the tree if it is empty, else makes @vma's record exact if it
 * is missing or stale. Does nothing while the write epoch is odd (the read
 * lock may be the downgraded end of a write section) or for an untracked mm.
 * The state stays valid throughout: the caller holds a reference on @mm
 * (its own mm) and runs inside the unload accounting of src/hooks.c.
 *
 * Context: process, may sleep (only to reschedule while populating).
 */
void rcuf_shadow_fault_refresh(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct rcuf_shadow_vma *r;
	unsigned int epoch;
	struct rcuf_mm *m;
	bool changed;

	rcu_read_lock();
	m = rcuf_mm_find(mm);
	if (!m)
		goto out;
	epoch = rcuf_mm_epoch_begin(m);
	if (epoch & 1) {
		rcuf_stat_inc(RCUF_STAT_SHADOW_SKIP_WRITER);
		goto out;
	}
	if (READ_ONCE(m->quarantined))	/* the epoch was wrong: see write_epoch.c */
		goto out;
	if (rcuf_maple_lookup_on())	/* faults with no record may walk */
		rcuf_shadow_defer_vma_frees(m);
	if (READ_ONCE(m->fill) == RCUF_SHADOW_EMPTY) {
		rcu_read_unlock();
		rcuf_shadow_populate(m, mm, epoch);
		return;
	}
	r = rcuf_btree_lookup(&m->tree, vma->vm_start, NULL, NULL);
	if (r && rcuf_shadow_exact(r, vma, epoch))
		goto out;
	if ((!r || r->vma != vma) && !rcuf_shadow_worth_recording(vma))
		goto out;
	rcu_read_unlock();

	r = rcuf_shadow_alloc(vma, epoch);
	if (!r)
		return;
	spin_lock(&m->tree_lock);
	changed = rcuf_shadow_set(m, vma, epoch, r);
	spin_unlock(&m->tree_lock);
	if (changed)
		rcuf_stat_inc(RCUF_STAT_SHADOW_REFRESHES);
	return;
out:
	rcu_read_unlock();
}

/*
 * Make @vma's record exact, stamped with the odd @epoch of the write
 * section current runs, counting a change in @stat. The mmap_lock is held.
 * Return: false if no record could be allocated.
 */
static bool rcuf_shadow_set_in_section(struct rcuf_mm *m,
				       struct vm_area_struct *vma,
				       unsigned int epoch, enum rcuf_stat stat)
{
	struct rcuf_shadow_vma *r = rcuf_shadow_alloc(vma, epoch);

	if (!r)
		return false;
	spin_lock(&m->tree_lock);
	if (rcuf_shadow_set(m, vma, epoch, r))
		rcuf_stat_inc(stat);
	spin_unlock(&m->tree_lock);
	return true;
}

/**
 * rcuf_shadow_mmap_created() - record the VMA a successful mmap_region() made
 * @mm: the mm (current->mm)
 * @addr: the address mmap_region() returned
 *
 * The record is stamped with the writer's odd epoch, so it is never
 * current: faults use it through revalidation (its VMA must still span the
 * record's range), and the first fault that falls back refreshes it. Until
 * then a new mapping's first fault need not take the stock path. Only for
 * trees already populated (population makes every record anyway).
 *
 * Context: process, @mm's mmap_lock held for write.
 */
void rcuf_shadow_mmap_created(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *vma;
	struct rcuf_mm *m;

	rcu_read_lock();
	m = rcuf_mm_find(mm);	/* lives until the mm's last drop: ours */
	rcu_read_unlock();
	if (!m || READ_ONCE(m->fill) != RCUF_SHADOW_POPULATED ||
	    READ_ONCE(m->quarantined))
		return;
	vma = find_vma(mm, addr);
	if (!vma || vma->vm_start > addr || !rcuf_shadow_worth_recording(vma))
		return;
	rcuf_shadow_set_in_section(m, vma, rcuf_mm_epoch_begin(m),
				   RCUF_STAT_SHADOW_MMAP_RECORDS);
}

/*
 * Has @vma a record that faults trust again through revalidation (its
 * range within @vma's, src/fault.c)? Then a section need not remake it: a
 * merge that grew @vma leaves the old record serving its old range, and
 * the VMA's next split back to that range (a mixed workload's mprotect()
 * of what its mmap() merged) gives it the record's bounds again (its
 * epoch stays stale: still trusted only through revalidation). Faults in
 * the grown part find no record (the maple lookup serves them, or else
 * the stock path makes the record exact) or the stale record of a
 * neighbour that shrank, which its VMA no longer spans: they fall back
 * (shadow_stale). The mmap_lock is held.
 */
static bool rcuf_shadow_trusted_in(struct rcuf_mm *m,
				   struct vm_area_struct *vma)
{
	struct rcuf_shadow_vma *r;
	bool trusted;

	spin_lock(&m->tree_lock);
	r = rcuf_shadow_of_vma(m, vma);
	trusted = r && rcuf_shadow_within(r, vma->vm_start, vma->vm_end);
	spin_unlock(&m->tree_lock);
	return trusted;
}

/**
 * rcuf_shadow_section_refresh() - record the VMAs a write section left in
 * and beside the range it declared
 * @m: the state; current ends its write section of @m->mm, which declared
 *	[@lo, @hi), and still holds the mmap_lock (for write, or for read
 *	after a downgrade)
 * @lo: the range's first address
 * @hi: its end
 *
 * A split leaves one part of its VMA in a new VMA with no record, and a
 * munmap removes the record of a VMA that covered a neighbour's range;
 * without this the next fault there would take the stock path only to
 * make the record. Each VMA that overlaps [@lo - 1, @hi] and has no record
 * that faults trust through revalidation (rcuf_shadow_trusted_in()) gets
 * one, stamped with the section's odd epoch, as rcuf_shadow_mmap_created()
 * does: never current, so faults use it only through revalidation (its VMA
 * must still span the record's range) and read its contents live under the
 * epoch, and the stock path refreshes it.
 * The VMAs are final: the section makes no change after its release. Only
 * for trees already populated. Not for anonymous memory without an
 * anon_vma (a new mapping, an untouched part of a split): its first
 * lockless fault falls back for that anyway (fallback_vma_setup), and
 * that stock fault makes the record. Only a VMA given its anon_vma by GUP
 * (MAP_POPULATE, mlock), which takes no fault path, then falls back once
 * more (no_shadow); a record made here would cost every section an
 * allocation.
 *
 * Context: the release probe (atomic); allocates with GFP_NOWAIT.
 */
void rcuf_shadow_section_refresh(struct rcuf_mm *m, unsigned long lo,
				 unsigned long hi)
{
	struct mm_struct *mm = m->mm;
	unsigned int epoch = rcuf_mm_epoch_begin(m);
	struct vm_area_struct *vma;

	if (READ_ONCE(m->fill) != RCUF_SHADOW_POPULATED ||
	    READ_ONCE(m->quarantined) || !(epoch & 1))
		return;
	for (vma = find_vma(mm, lo ? lo - 1 : 0); vma && vma->vm_start <= hi;
	     vma = find_vma(mm, vma->vm_end)) {
		if (!vma->anon_vma && !vma->vm_file)
			continue;	/* its first fault falls back anyway */
		if (!rcuf_shadow_worth_recording(vma))
			continue;	/* before the lookup: no record made */
		if (rcuf_shadow_trusted_in(m, vma))
			continue;
		if (!rcuf_shadow_set_in_section(m, vma, epoch,
						RCUF_STAT_SHADOW_SECTION_RECORDS))
			return;
	}
}

/**
 * rcuf_shadow_vma_shadowed() - may lockless readers see @vma?
 * @vma: the VMA passed to vm_area_free()
 *
 * False if @vma's mm never had its VMA frees deferred (no record was made
 * and no stock fault opened the maple lookup): then no lockless reader can
 * hold @vma, and none can come to (the flag is only set under the
 * mmap_lock, for read at an even epoch or by the section's writer, while
 * the free's caller holds it for write or in munmap's downgraded section,
 * or runs at no users left, when no fault looks VMAs up), so @vma may be
 * freed at once without rcuf_shadow_vma_free(). The same test
 * rcuf_shadow_vma_free() makes.
 *
 * Context: any (the vm_area_free() ftrace callback); takes no lock.
 * Return: true if @vma must go through rcuf_shadow_vma_free().
 */
bool rcuf_shadow_vma_shadowed(struct vm_area_struct *vma)
{
	struct rcuf_mm *m;
	bool shadowed;

	rcu_read_lock();
	m = rcuf_mm_find(vma->vm_mm);
	shadowed = m && READ_ONCE(m->shadowed);
	rcu_read_unlock();
	return shadowed;
}

/**
 * rcuf_shadow_vma_free() - a VMA is about to be freed: drop its record
 * @vma: the VMA passed to vm_area_free()
 *
 * Removes the record pointing at @vma, if any (at exit_mmap(), when the mm
 * has no users left, the whole tree at once). The caller must then free
 * @vma only after a grace period if this returns true.
 *
 * Context: process (vm_area_free() runs under the mm's mmap_lock or at
 * exit_mmap(); the caller holds a reference on the mm).
 * Return: true if @vma's mm has a tree that held records, whose lockless
 * readers may still see @vma.
 */
bool rcuf_shadow_vma_free(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;
	struct rcuf_shadow_vma *r;
	struct rcuf_mm *m;
	bool shadowed;

	rcu_read_lock();
	m = rcuf_mm_find(mm);
	shadowed = m && READ_ONCE(m->shadowed);
	if (!shadowed)
		goto out;
	spin_lock(&m->tree_lock);
	if (!atomic_read(&mm->mm_users)) {	/* exit_mmap(): no more faults */
		if (READ_ONCE(m->tree.nr_entries)) {
			rcuf_shadow_clear(m);
			rcuf_stat_inc(RCUF_STAT_SHADOW_CLEARS_EXIT);
		}
	} else {
		r = rcuf_shadow_of_vma(m, vma);
		if (r) {
			rcuf_shadow_update(m, r->start, r->end, NULL);
			rcuf_stat_inc(RCUF_STAT_SHADOW_RECORD_REMOVALS);
		}
	}
	spin_unlock(&m->tree_lock);
out:
	rcu_read_unlock();
	return shadowed;
}

/**
 * rcuf_shadow_show_mm() - print a state's tree for debugfs `maps`
 * @s: the seq_file
 * @m: the state
 *
 * One header line "mm pid P epoch E records N nodes N height N", then one
 * line per record: "start-end epoch N ref N current|stale". Reads the tree
 * locklessly and never dereferences a record's VMA.
 *
 * Context: RCU read side.
 */
void rcuf_shadow_show_mm(struct seq_file *s, struct rcuf_mm *m)
{
	unsigned int epoch = raw_read_seqcount(&m->write_seq);
	struct rcuf_btree_stats st;
	struct rcuf_shadow_vma *r;
	unsigned long start, end;

	rcuf_btree_get_stats(&m->tree, &st);
	seq_printf(s, "mm pid %d epoch %u records %lu nodes %lu height %u\n",
		   READ_ONCE(m->pid), epoch, st.entries, st.nodes, st.height);
	rcuf_btree_for_each(&m->tree, r, start, end)
		seq_printf(s, "%08lx-%08lx epoch %u ref %u %s\n", start, end,
			   r->epoch, refcount_read(&r->ref),
			   r->epoch == epoch ? "current" : "stale");
}

static void rcuf_shadow_add_stats(struct rcuf_mm *m, void *arg)
{
	struct rcuf_btree_stats *tot = arg, st;

	rcuf_btree_get_stats(&m->tree, &st);
	tot->entries += st.entries;
	tot->nodes += st.nodes;
	tot->bytes += st.bytes;
	tot->height = max(tot->height, st.height);
}

/**
 * rcuf_shadow_totals() - the trees of all tracked mms, summed
 * @tot: filled in; @tot->height is the largest height
 *
 * Racy against writers, as any statistic.
 */
void rcuf_shadow_totals(struct rcuf_btree_stats *tot)
{
	memset(tot, 0, sizeof(*tot));
	rcuf_mm_for_each(rcuf_shadow_add_stats, tot);
}
