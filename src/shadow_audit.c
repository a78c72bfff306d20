// SPDX-License-Identifier: GPL-2.0
/*
 * Audit a process's shadow VMA tree against its stock VMA tree, for tests
 * (debugfs `check`). Under mmap_read_lock with an even write epoch the
 * stock tree is stable and no VMA is being freed, so every record can be
 * judged: its VMA pointer must be a live VMA of the mm (no record outlives
 * its VMA), a record stamped with the current epoch must equal its VMA
 * exactly, and a stale one its VMA spans must have that VMA as the mm's at
 * its start. The live VMAs are collected into a sorted array first, so a
 * record's VMA is only dereferenced once it is known to be live.
 */
#include <linux/bsearch.h>
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include "rcufault/mm_state.h"
#include "rcufault/shadow.h"
#include "rcufault/shadow_audit.h"

/* Tries while a downgraded write section holds the epoch odd. */
#define RCUF_AUDIT_TRIES	200

static int rcuf_cmp_ptr(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return (x > y) - (x < y);
}

static bool rcuf_vma_is_live(unsigned long *live, unsigned long nr,
			     struct vm_area_struct *vma)
{
	unsigned long key = (unsigned long)vma;

	return bsearch(&key, live, nr, sizeof(*live), rcuf_cmp_ptr);
}

static bool rcuf_record_hashed(struct rcuf_mm *m, struct rcuf_shadow_vma *r)
{
	struct rcuf_shadow_vma *h;

	hash_for_each_possible(m->vma_hash, h, hnode, (unsigned long)r->vma)
		if (h == r)
			return true;
	return false;
}

/*
 * A stale record whose live VMA spans it is trusted by faults again
 * (src/fault.c): that VMA must then be the mm's VMA at the record's start.
 * One it no longer spans is only ever a fallback (shadow_stale).
 */
static bool rcuf_audit_stale_ok(struct mm_struct *mm, struct rcuf_shadow_vma *r,
				unsigned long start)
{
	if (!rcuf_shadow_within(r, r->vma->vm_start, r->vma->vm_end))
		return true;
	return vma_lookup(mm, start) == r->vma;
}

/* Judge every record; caller holds mmap_lock for read and the tree lock. */
static void rcuf_audit_records(struct mm_struct *mm, struct rcuf_mm *m,
			       unsigned long *live, unsigned long nr,
			       struct rcuf_shadow_audit *res)
{
	struct rcuf_shadow_vma *r;
	struct vm_area_struct *v;
	unsigned long start, end, hashed = 0;
	int bkt;

	rcuf_btree_for_each(&m->tree, r, start, end) {
		res->records++;
		if (!rcuf_record_hashed(m, r))
			res->unhashed++;
		if (!rcuf_vma_is_live(live, nr, r->vma)) {
			res->dead++;
			res->mismatches++;
			continue;
		}
		if (r->epoch != res->epoch) {
			if (rcuf_audit_stale_ok(mm, r, start))
				res->stale_ok++;
			else
				res->mismatches++;
			continue;
		}
		v = vma_lookup(mm, start);
		if (v == r->vma && start == r->start && end == r->end &&
		    v->vm_start == start && v->vm_end == end)
			res->cur++;
		else
			res->mismatches++;
	}
	hash_for_each(m->vma_hash, bkt, r, hnode)
		hashed++;
	if (hashed > res->records)
		res->unhashed += hashed - res->records;
	res->tree_ok = !rcuf_btree_check(&m->tree, NULL);
}

/* One audit under mmap_read_lock; -EAGAIN while the epoch is odd. */
static int rcuf_audit_locked(struct mm_struct *mm, struct rcuf_shadow_audit *res)
{
	VMA_ITERATOR(vmi, mm, 0);
	struct vm_area_struct *vma;
	unsigned long *live, nr = 0, max = mm->map_count;
	struct rcuf_mm *m;

	rcu_read_lock();
	m = rcuf_mm_find(mm);	/* stays valid: we hold a reference on mm */
	rcu_read_unlock();
	if (!m)
		return -ENOENT;
	memset(res, 0, sizeof(*res));
	res->epoch = rcuf_mm_epoch_begin(m);
	if (res->epoch & 1)
		return -EAGAIN;
	live = kvmalloc_array(max ? max : 1, sizeof(*live), GFP_KERNEL);
	if (!live)
		return -ENOMEM;
	for_each_vma(vmi, vma) {
		if (nr == max)
			break;
		live[nr++] = (unsigned long)vma;
	}
	res->vmas = nr;
	sort(live, nr, sizeof(*live), rcuf_cmp_ptr, NULL);
	spin_lock(&m->tree_lock);
	rcuf_audit_records(mm, m, live, nr, res);
	spin_unlock(&m->tree_lock);
	kvfree(live);
	return 0;
}

/**
 * rcuf_shadow_audit_pid() - audit the shadow tree of a process
 * @pid: the process (any of its threads)
 * @res: filled in
 *
 * Context: process, sleeps (takes the process's mmap_lock for read).
 * Return: 0; -ESRCH without such a process or mm; -ENOENT if its mm is not
 * tracked; -EBUSY if a write section kept running; -EINTR if killed.
 */
int rcuf_shadow_audit_pid(pid_t pid, struct rcuf_shadow_audit *res)
{
	struct task_struct *task;
	struct mm_struct *mm;
	int ret = -EBUSY, i;

	rcu_read_lock();
	task = get_pid_task(find_vpid(pid), PIDTYPE_PID);
	rcu_read_unlock();
	if (!task)
		return -ESRCH;
	mm = get_task_mm(task);
	put_task_struct(task);
	if (!mm)
		return -ESRCH;
	for (i = 0; i < RCUF_AUDIT_TRIES; i++) {
		if (mmap_read_lock_killable(mm)) {
			ret = -EINTR;
			break;
		}
		ret = rcuf_audit_locked(mm, res);
		mmap_read_unlock(mm);
		if (ret != -EAGAIN)
			break;
		usleep_range(2000, 5000);
	}
	if (ret == -EAGAIN)
		ret = -EBUSY;
	mmput(mm);
	return ret;
}
