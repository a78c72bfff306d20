/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shadow VMA records: what the per-mm B-tree (struct rcuf_mm.tree) maps
 * address ranges to, and how the tree is kept beside the stock VMA tree.
 */
#ifndef _RCUFAULT_SHADOW_H
#define _RCUFAULT_SHADOW_H

#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/seq_file.h>
#include <linux/types.h>
#include "rcufault/btree.h"

struct rcuf_mm;

/**
 * struct rcuf_shadow_vma - one shadow record: a VMA as it was at refresh
 * @vma: the VMA. Only a pointer to compare and to read scalars from: the
 *	VMA's memory stays valid for an RCU grace period after it leaves the
 *	stock tree (the vm_area_free hook defers the free), but everything it
 *	points to (vm_file, anon_vma, vm_ops, policy) may already be released
 *	when vm_area_free() starts. A lockless reader must check, after
 *	reading what it needs, that the mm's write epoch still equals @epoch
 *	(rcuf_mm_epoch_changed()) before trusting anything derived from @vma.
 * @start: @vma->vm_start at refresh time; the record's key in the tree
 * @end: @vma->vm_end at refresh time
 * @epoch: the mm's write epoch (even) at refresh time; the record is exact
 *	only while the epoch has not moved
 * @ref: references: one for the tree, plus one per holder (the later I/O
 *	path); the record is freed after a grace period when the last drops
 * @hnode: link in the mm's reverse index (struct rcuf_mm.vma_hash, keyed by
 *	@vma), present exactly while the record is in the tree
 * @rcu: deferred free
 *
 * Records are created under the mm's mmap_lock: held for read at an even
 * epoch (the stock fault path), or by a write section at its odd epoch
 * once it has made its changes (src/shadow.c), so @vma is live and
 * [@start, @end) is its range then.
 */
struct rcuf_shadow_vma {
	struct vm_area_struct *vma;
	unsigned long start;
	unsigned long end;
	unsigned int epoch;
	refcount_t ref;
	struct hlist_node hnode;
	struct rcu_head rcu;
};

/**
 * rcuf_shadow_within() - does [@start, @end) span @r's range?
 * @r: a record
 * @start: a VMA's vm_start (now)
 * @end: its vm_end
 *
 * A stale record whose VMA still spans its range may be trusted again
 * (src/fault.c says why), so it need not be remade.
 * Return: true if the record's bounds lie within [@start, @end).
 */
static inline bool rcuf_shadow_within(const struct rcuf_shadow_vma *r,
				      unsigned long start, unsigned long end)
{
	return start <= r->start && r->end <= end;
}

void rcuf_shadow_init(struct rcuf_mm *m);
void rcuf_shadow_destroy(struct rcuf_mm *m);
void rcuf_shadow_discard_all(struct rcuf_mm *m);
void rcuf_shadow_fault_refresh(struct mm_struct *mm, struct vm_area_struct *vma);
void rcuf_shadow_mmap_created(struct mm_struct *mm, unsigned long addr);
void rcuf_shadow_section_refresh(struct rcuf_mm *m, unsigned long lo,
				 unsigned long hi);
bool rcuf_shadow_vma_shadowed(struct vm_area_struct *vma);
bool rcuf_shadow_vma_frees_deferred(struct rcuf_mm *m);
bool rcuf_shadow_vma_free(struct vm_area_struct *vma);
bool rcuf_shadow_get(struct rcuf_shadow_vma *r);
void rcuf_shadow_put(struct rcuf_shadow_vma *r);
long rcuf_shadow_records_allocated(void);
void rcuf_shadow_show_mm(struct seq_file *s, struct rcuf_mm *m);
void rcuf_shadow_totals(struct rcuf_btree_stats *tot);

#endif /* _RCUFAULT_SHADOW_H */
