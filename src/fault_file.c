// SPDX-License-Identifier: GPL-2.0
/*
 * A fault on a missing PTE of a file-backed VMA, served without mmap_lock,
 * and the I/O such a fault needs, done holding no lock: reads and execs map
 * the page-cache page; writes to a private VMA map a copy of it (COW).
 *
 * Page-cache hit. Which page a file VMA maps at an offset is the page
 * cache's uptodate folio there whenever the VMA's map_pages is
 * filemap_map_pages(): 6.1's fault-around maps such folios without calling
 * ->fault, and so do we. Under RCU, at the write epoch the shadow record
 * was current at, check the VMA as access_error() would, look the folio up
 * and trylock it; check it is still in this mapping, uptodate, small and
 * below EOF (the checks filemap_map_pages() makes, which keep truncation
 * and hole punching out: both lock the folio and unmap it after clearing
 * ->mapping). Then lock the PTE table validated against the epoch
 * (pte_lock.c) and map it, plus the uptodate neighbours of the
 * fault-around window (the kernel's fault_around_bytes) whose PTEs are
 * empty, as 6.1 would.
 *
 * Miss (refcount on I/O). When the folio is missing, locked by I/O in
 * flight, or marked for readahead, take a reference on the VMA's file
 * under RCU while the epoch still vouches for the VMA (get_file_rcu(): the
 * file may be on its way out; its memory is RCU-freed), leave RCU, do
 * 6.1's mmap readahead (read-around, sequential or none, as the VMA's
 * madvise hints ask) and wait for the folio with no lock held, drop the
 * reference and let the caller retry from the shadow lookup. Only mappings
 * whose ->fault is filemap_fault(), or ext4's wrapper of it (which adds
 * the invalidate lock that readahead takes anyway), get this; other misses
 * fall back to the stock path, except tmpfs/shmem's: see fault_shmem.c.
 *
 * Shared write. A write to a shared VMA falls back (->page_mkwrite, dirty
 * accounting), except on shmem, which has neither: there the page-cache
 * folio is mapped writable and dirty and marked dirty under its lock, as
 * do_shared_fault() does, with no fault-around (stock's is for reads
 * only); fault_shmem.c has the rest.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mempolicy.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/pagemap.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>
#include <linux/rmap.h>
#include <linux/shmem_fs.h>
#include <linux/timekeeping.h>
#include <linux/userfaultfd_k.h>
#include <asm/trap_pf.h>
#include "rcufault/fault.h"
#include "rcufault/fault_anon.h"
#include "rcufault/fault_file.h"
#include "rcufault/fault_shmem.h"
#include "rcufault/fill_sync.h"
#include "rcufault/mm_state.h"
#include "rcufault/pte_lock.h"
#include "rcufault/symbols.h"
#include "rcufault/test_params.h"
#include "rcufault/trace_events.h"
#include "rcufault/vma_access.h"

static unsigned int fault_around_pages;
module_param(fault_around_pages, uint, 0600);
MODULE_PARM_DESC(fault_around_pages,
		 "map up to this many cached pages around a lockless file fault (default 0: as many as the kernel's fault_around_bytes, like stock faults; 1: only the faulting page)");

/* mm/filemap.c's MMAP_LOTSAMISS: stop read-around after this many misses */
#define RCUF_MMAP_LOTSAMISS 100

/**
 * struct rcuf_file_fault - what the fault needs, copied under RCU
 * @vma: the VMA (valid while the epoch is unchanged, under RCU)
 * @file: its file
 * @mapping: the file's page cache
 * @index: the page index of the faulting address in the file
 * @addr: the faulting address, page aligned
 * @around_start: first address of the fault-around window
 * @around_end: end of the window (within the VMA and the PTE table)
 * @prot: the VMA's vm_page_prot
 * @vm_flags: its vm_flags
 * @cow: for a write fault on a private VMA, the new anonymous page the
 *	file page is copied to (consumed when mapped); else NULL
 * @io_ok: a miss may be served by readahead with no lock held
 * @shmem: the VMA is shmem's (a miss is filled by rcuf_shmem_fill())
 * @shared_write: a write to a shared (shmem) VMA: map the folio writable
 * @anon: for a write fault (a private copy), what its anonymous commit
 *	needs (rcuf_anon_fault_fill())
 */
struct rcuf_file_fault {
	struct vm_area_struct *vma;
	struct file *file;
	struct address_space *mapping;
	pgoff_t index;
	unsigned long addr;
	unsigned long around_start;
	unsigned long around_end;
	pgprot_t prot;
	unsigned long vm_flags;
	struct folio *cow;
	bool io_ok;
	bool shmem;
	bool shared_write;
	struct rcuf_anon_fault anon;
};

/* The VMA flags that make a file VMA need the stock fault path. */
#define RCUF_FILE_UNSUPPORTED (VM_HUGETLB | VM_PFNMAP | VM_IO | VM_MIXEDMAP | \
			       VM_UFFD_MISSING | VM_UFFD_WP | VM_UFFD_MINOR | \
			       VM_HUGEPAGE)

/* Is a miss on this VMA's file one our readahead serves as ->fault would? */
static bool rcuf_file_io_ok(const struct vm_operations_struct *ops,
			    struct file *file)
{
	const struct address_space_operations *aops = file->f_mapping->a_ops;

	if (!aops->read_folio && !aops->readahead)
		return false;
	if (ops->fault == filemap_fault)
		return true;
	return !strcmp(file_inode(file)->i_sb->s_type->name, "ext4");
}

/*
 * The fault-around window: aligned, inside the VMA and the PTE table. Its
 * size is read per fault from mm/memory.c's fault_around_bytes (debugfs
 * fault_around_bytes: a power of two from one page to a PTE table, as
 * do_fault_around() reads it), unless fault_around_pages overrides it.
 */
static void rcuf_file_window(struct rcuf_file_fault *ff, unsigned long vm_start,
			     unsigned long vm_end)
{
	unsigned long nr = READ_ONCE(fault_around_pages);
	unsigned long size;

	if (!nr)
		nr = READ_ONCE(*rcuf_sym.fault_around_bytes) >> PAGE_SHIFT;
	nr = clamp_val(nr, 1, PTRS_PER_PTE);
	size = rounddown_pow_of_two(nr) << PAGE_SHIFT;

	ff->around_start = max3(ff->addr & ~(size - 1), vm_start,
				ff->addr & PMD_MASK);
	ff->around_end = min3(ff->around_start + size, vm_end,
			      (ff->addr & PMD_MASK) + PMD_SIZE);
}

/* Step 1: the VMA checks. Context: RCU read side, epoch unchanged. */
static enum rcuf_stat rcuf_file_check(struct vm_area_struct *vma,
				      unsigned long addr,
				      unsigned long error_code,
				      struct rcuf_file_fault *ff)
{
	unsigned long flags = READ_ONCE(vma->vm_flags);
	const struct vm_operations_struct *ops = READ_ONCE(vma->vm_ops);
	unsigned long start = READ_ONCE(vma->vm_start);
	unsigned long end = READ_ONCE(vma->vm_end);
	struct file *file = READ_ONCE(vma->vm_file);

	if (addr < start || addr >= end)
		return RCUF_STAT_FB_VMA_RANGE;
	if (!rcuf_vma_access_ok(vma, flags, error_code))
		return RCUF_STAT_FB_ACCESS;
	if (!file || !ops || ops->map_pages != filemap_map_pages ||
	    (flags & RCUF_FILE_UNSUPPORTED) ||
	    READ_ONCE(vma->vm_userfaultfd_ctx.ctx) || IS_DAX(file_inode(file)))
		return RCUF_STAT_FB_VMA_KIND;
	if (flags & VM_LOCKED)
		return RCUF_STAT_FB_VMA_MLOCKED;
	ff->shmem = rcuf_shmem_ops(ops);
	/* shmem's getter BUG()s on another mapping: a driver's swapped file */
	if (ff->shmem && !shmem_mapping(file->f_mapping))
		return RCUF_STAT_FB_VMA_KIND;
	ff->shared_write = (error_code & X86_PF_WRITE) && (flags & VM_SHARED);
	if (ff->shared_write && !ff->shmem)
		return RCUF_STAT_FB_FILE_WRITE;	/* page_mkwrite and dirtying */
	/*
	 * A private copy: as for anonymous faults, and the file's own policy
	 * where stock's allocation would ask the VMA's get_policy().
	 */
	if ((error_code & X86_PF_WRITE) && !ff->shared_write &&
	    (!READ_ONCE(vma->anon_vma) || vma_policy(vma) ||
	     (ops->get_policy && (!ff->shmem ||
				  rcuf_shmem_shared_policy(file_inode(file))))))
		return RCUF_STAT_FB_VMA_SETUP;
	ff->vma = vma;
	ff->file = file;
	ff->mapping = file->f_mapping;
	ff->addr = addr;
	ff->index = ((addr - start) >> PAGE_SHIFT) + READ_ONCE(vma->vm_pgoff);
	ff->prot = READ_ONCE(vma->vm_page_prot);
	ff->vm_flags = flags;
	ff->io_ok = rcuf_file_io_ok(ops, file);
	if ((error_code & X86_PF_WRITE) && !ff->shared_write)
		rcuf_anon_fault_fill(&ff->anon, vma, flags, addr, true);
	rcuf_file_window(ff, start, end);
	return RCUF_STAT_LOCKLESS_SUCCESS;
}

/*
 * The folio at @index, referenced and locked, if it may be mapped as it is:
 * still in @mapping, uptodate, small, not poisoned and below EOF. Else
 * NULL, with *@io set when the folio is missing or busy with I/O, or, with
 * @want_ra, carries the readahead mark (a hit on it starts the next
 * readahead, which needs the I/O path). Context: RCU read side; never
 * sleeps.
 */
static struct folio *rcuf_file_folio(struct address_space *mapping,
				     pgoff_t index, bool want_ra, bool *io)
{
	struct folio *folio = __filemap_get_folio(mapping, index, 0, 0);
	bool ra;

	if (!folio) {
		*io = true;
		return NULL;
	}
	ra = folio_test_readahead(folio);
	*io = folio_test_locked(folio) || !folio_test_uptodate(folio) ||
	      (ra && want_ra);
	if (*io || ra || !folio_trylock(folio))
		goto put;
	if (folio->mapping == mapping && folio_test_uptodate(folio) &&
	    !folio_test_large(folio) && !folio_test_hwpoison(folio) &&
	    index < DIV_ROUND_UP(i_size_read(mapping->host), PAGE_SIZE))
		return folio;
	folio_unlock(folio);
put:
	folio_put(folio);
	return NULL;
}

/*
 * Map @folio, locked, at @addr; its reference becomes the mapping's. As
 * do_set_pte(): young, and for a shared write (the faulting page only)
 * dirty and writable, which rcuf_file_check() found VM_WRITE.
 */
static void rcuf_file_map(struct rcuf_file_fault *ff, struct folio *folio,
			  unsigned long addr, pte_t *ptep)
{
	struct page *page = &folio->page;
	pte_t entry = pte_sw_mkyoung(mk_pte(page, ff->prot));

	if (ff->shared_write && addr == ff->addr)
		entry = pte_mkwrite(pte_mkdirty(entry));
	current->rss_stat.count[mm_counter_file(page)]++; /* inc_mm_counter_fast */
	rcuf_sym.page_add_file_rmap(page, ff->vma, false);
	set_pte_at(ff->vma->vm_mm, addr, ptep, entry);
	update_mmu_cache(ff->vma, addr, ptep);
}

/* Under the PTE lock: map the window's other cached pages whose PTEs are empty. */
static void rcuf_file_map_around(struct rcuf_file_fault *ff, pte_t *ptep)
{
	unsigned long addr;
	struct folio *folio;
	bool io;

	for (addr = ff->around_start; addr < ff->around_end; addr += PAGE_SIZE) {
		pte_t *p = ptep + (long)(addr - ff->addr) / (long)PAGE_SIZE;

		if (addr == ff->addr || !pte_none(ptep_get(p)))
			continue;
		folio = rcuf_file_folio(ff->mapping,
					ff->index + (long)(addr - ff->addr) / (long)PAGE_SIZE,
					false, &io);
		if (!folio)
			continue;
		rcuf_file_map(ff, folio, addr, p);
		folio_unlock(folio);
		rcuf_stat_inc(RCUF_STAT_FILE_AROUND_PAGES);
	}
}

/* The hit: map @folio (locked) and its neighbours. Context: RCU read side. */
static enum rcuf_stat rcuf_file_install(struct rcuf_mm *m, unsigned int seq,
					struct rcuf_file_fault *ff,
					struct folio *folio)
{
	struct rcuf_pte_locked pl;
	enum rcuf_stat res;

	rcuf_test_commit_delay(true);		/* under RCU: busy-wait */
	res = rcuf_pte_lock_at_epoch(m, seq, !rcuf_test_skip_epoch_recheck(),
				     ff->addr, &pl);
	if (res != RCUF_STAT_LOCKLESS_SUCCESS)
		return res;
	if (pte_none(ptep_get(pl.ptep))) {
		rcuf_file_map(ff, folio, ff->addr, pl.ptep);
		if (!ff->shared_write)
			rcuf_file_map_around(ff, pl.ptep);
	} else {
		res = RCUF_STAT_FB_RACED;
	}
	rcuf_pte_unlock(&pl);
	return res;
}

/*
 * A write to a private file VMA: copy the locked page-cache @folio into the
 * new anonymous page and map that instead, as do_cow_fault() does. The copy
 * is taken under the folio lock, which writers of the page cache hold while
 * they change it. Context: RCU read side.
 */
static enum rcuf_stat rcuf_file_install_cow(struct rcuf_mm *m, unsigned int seq,
					    struct rcuf_file_fault *ff,
					    struct folio *folio)
{
	struct rcuf_pte_locked pl;
	enum rcuf_stat res;

	copy_user_highpage(&ff->cow->page, &folio->page, ff->addr, ff->vma);
	__folio_mark_uptodate(ff->cow);		/* the copy before set_pte_at() */
	res = rcuf_pte_lock_at_epoch(m, seq, !rcuf_test_skip_epoch_recheck(),
				     ff->addr, &pl);
	if (res != RCUF_STAT_LOCKLESS_SUCCESS)
		return res;
	if (pte_none(ptep_get(pl.ptep))) {
		rcuf_anon_map(&ff->anon, ff->cow, ff->addr, pl.ptep,
			      rcuf_anon_pte(ff->cow, ff->prot, true, ff->addr));
		ff->cow = NULL;
		rcuf_stat_inc(RCUF_STAT_LOCKLESS_FILE_COW);
	} else {
		res = RCUF_STAT_FB_RACED;
	}
	rcuf_pte_unlock(&pl);
	return res;
}

/* 6.1's mmap readahead for a miss at @index. Context: may sleep. */
static void rcuf_file_readahead(struct file *file, pgoff_t index,
				unsigned long vm_flags)
{
	struct file_ra_state *ra = &file->f_ra;
	DEFINE_READAHEAD(ractl, file, ra, file->f_mapping, index);
	pgoff_t eof = DIV_ROUND_UP(i_size_read(file_inode(file)), PAGE_SIZE);
	unsigned int miss = READ_ONCE(ra->mmap_miss);
	unsigned long nr = 1, lookahead = 0;

	if (index >= eof)
		return;		/* beyond EOF: nothing to read */
	if ((vm_flags & VM_SEQ_READ) && ra->ra_pages) {
		page_cache_sync_ra(&ractl, ra->ra_pages);
		return;
	}
	if (!(vm_flags & VM_RAND_READ) && ra->ra_pages) {
		if (miss < RCUF_MMAP_LOTSAMISS * 10)
			WRITE_ONCE(ra->mmap_miss, ++miss);
		if (miss <= RCUF_MMAP_LOTSAMISS) {	/* read-around */
			ra->start = index - min_t(pgoff_t, index, ra->ra_pages / 2);
			ra->size = ra->ra_pages;
			ra->async_size = ra->ra_pages / 4;
			ractl._index = ra->start;
			nr = min_t(unsigned long, ra->size, eof - ra->start);
			lookahead = min_t(unsigned long, ra->async_size, nr - 1);
		}
	}
	page_cache_ra_unbounded(&ractl, nr, lookahead);
}

/*
 * Bring the folio at @index uptodate into the page cache, holding only a
 * reference on @file. Return: true if it is there, uptodate, afterwards.
 * Context: process, no locks held; sleeps.
 */
static bool rcuf_file_io(struct file *file, pgoff_t index,
			 unsigned long vm_flags)
{
	struct address_space *mapping = file->f_mapping;
	DEFINE_READAHEAD(ractl, file, &file->f_ra, mapping, index);
	struct folio *folio = filemap_get_folio(mapping, index);
	bool ok;

	if (!folio) {
		if (index >= DIV_ROUND_UP(i_size_read(mapping->host), PAGE_SIZE))
			return false;	/* SIGBUS for filemap_fault() */
		/* a miss: major, counted here as filemap_fault() does */
		rcuf_fault_count_event(PGMAJFAULT);
		rcuf_file_readahead(file, index, vm_flags);
		folio = filemap_get_folio(mapping, index);
		if (!folio)
			return false;
	} else if (folio_test_readahead(folio)) {
		page_cache_async_ra(&ractl, folio, file->f_ra.ra_pages);
	}
	if (folio_lock_killable(folio)) {
		folio_put(folio);
		return false;
	}
	ok = folio->mapping == mapping && folio_test_uptodate(folio);
	folio_unlock(folio);
	folio_put(folio);
	return ok;
}

/* What the unlocked_io tracepoint calls a bring-in that returned @res. */
static const char *rcuf_file_bring_in_name(enum rcuf_stat res, bool shmem)
{
	if (!shmem)
		return "file_read";
	return res == RCUF_STAT_SHMEM_SWAPIN_UNLOCKED ? "shmem_swapin" :
							"shmem_fill";
}

/*
 * A shmem fill, announced to @m's write sections (src/fill_sync.c), which
 * wait for it before they return, as stock's wait for its fill under
 * mmap_lock. Return: as rcuf_shmem_fill(), or fallback_epoch_changed if a
 * section that may change the VMA began since @seq.
 */
static enum rcuf_stat rcuf_file_fill(struct rcuf_mm *m, unsigned int seq,
				     struct file *file,
				     const struct rcuf_file_fault *ff)
{
	struct rcuf_fill fill;
	enum rcuf_stat res;

	if (!rcuf_fill_begin(m, seq, ff->addr, &fill))
		return RCUF_STAT_FB_EPOCH_CHANGED;
	res = rcuf_shmem_fill(file, ff->index);
	rcuf_fill_end(m, &fill);
	return res;
}

/*
 * Bring a miss in holding only @file's reference, as @res says: a file's
 * read (RCUF_STAT_FILE_IO_UNLOCKED) or a shmem fill (_SHMEM_FILL_), timed
 * for the unlocked_io tracepoint when it is on; @m and @seq as for
 * rcuf_fault_file(). Context: process, no locks held, not under RCU.
 * Return: @res, or _SHMEM_SWAPIN_ if the fill read swap, if the page is
 * now there for a retry; else the reason to fall back.
 */
static enum rcuf_stat rcuf_file_bring_in(struct rcuf_mm *m, unsigned int seq,
					 struct file *file,
					 const struct rcuf_file_fault *ff,
					 enum rcuf_stat res)
{
	struct address_space *mapping = file->f_mapping;
	bool traced = trace_unlocked_io_enabled();
	unsigned long pages = 0;
	u64 t0 = 0;

	if (traced) {
		pages = READ_ONCE(mapping->nrpages);
		t0 = ktime_get_ns();
	}
	rcuf_fault_lru_enter(ff->vm_flags);
	if (res == RCUF_STAT_SHMEM_FILL_UNLOCKED)
		res = rcuf_file_fill(m, seq, file, ff);	/* or _SWAPIN_ */
	else if (!rcuf_file_io(file, ff->index, ff->vm_flags))
		res = RCUF_STAT_FB_FILE_IO_FAILED;
	rcuf_fault_lru_exit();
	if (traced) {
		pages = max_t(long, READ_ONCE(mapping->nrpages) - pages, 0);
		trace_unlocked_io(ff->addr, rcuf_file_bring_in_name(res, ff->shmem),
				  pages << PAGE_SHIFT, ktime_get_ns() - t0,
				  rcuf_fault_filled(res));
	}
	return res;
}

/* A miss: pin the file while the epoch still vouches for the VMA. */
static struct file *rcuf_file_pin(struct rcuf_mm *m, unsigned int seq,
				  struct rcuf_file_fault *ff)
{
	struct file *file = ff->file;

	if (!get_file_rcu(file))
		return NULL;
	if (rcuf_mm_epoch_moved(m, seq, ff->addr)) {
		fput(file);
		return NULL;
	}
	return file;
}

/*
 * A write to a shared shmem VMA, @folio locked: map the folio writable and
 * dirty, then mark it dirty under its lock, as do_shared_fault() does
 * (after the PTE lock: fault_dirty_shared_page()). The file is pinned for
 * the time update (rcuf_shmem_update_time(), after RCU) only when one is
 * due (rcuf_shmem_time_due(): about once a clock tick). Checked before the
 * commit, while the epoch still vouches for the VMA, which holds a
 * reference on the file: a failed pin means the VMA went, and the fault
 * falls back with nothing mapped, so a committed write whose update was
 * due always gets it. Checked again after the commit, for an update that
 * fell due meanwhile (a tick boundary crossed within the commit): there a
 * failed pin (the VMA unmapped and the file closed within those
 * microseconds) leaves that one update out.
 * Context: RCU read side.
 */
static enum rcuf_stat rcuf_file_try_shared_write(struct rcuf_mm *m,
						 unsigned int seq,
						 struct rcuf_file_fault *ff,
						 struct folio *folio,
						 struct file **pinned)
{
	struct file *file = ff->file;
	enum rcuf_stat res = RCUF_STAT_FB_EPOCH_CHANGED;

	if (rcuf_shmem_time_due(file)) {
		if (!get_file_rcu(file))
			goto out;	/* its last VMA went: a writer ran */
		*pinned = file;
	}
	res = rcuf_file_install(m, seq, ff, folio);
	if (res == RCUF_STAT_LOCKLESS_SUCCESS) {
		folio_mark_dirty(folio);
		if (!*pinned && rcuf_shmem_time_due(file) && get_file_rcu(file))
			*pinned = file;
	}
out:
	folio_unlock(folio);
	if (res != RCUF_STAT_LOCKLESS_SUCCESS)
		folio_put(folio);
	return res;
}

/* Steps under RCU: checks, lookup, map; or pin the file for I/O. */
static enum rcuf_stat rcuf_file_try(struct rcuf_mm *m, unsigned int seq,
				    struct vm_area_struct *vma,
				    unsigned long addr, unsigned long error_code,
				    struct rcuf_file_fault *ff,
				    struct file **pinned)
{
	struct folio *folio;
	enum rcuf_stat res;
	unsigned int miss;
	bool io;

	/* As in rcuf_fault_anon(): the epoch, checked at the section's start. */
	if (rcuf_mm_epoch_moved(m, seq, addr))
		return RCUF_STAT_FB_EPOCH_CHANGED;
	res = rcuf_file_check(vma, addr, error_code, ff);
	if (res != RCUF_STAT_LOCKLESS_SUCCESS)
		return res;
	folio = rcuf_file_folio(ff->mapping, ff->index,
				!(ff->vm_flags & VM_RAND_READ) &&
				READ_ONCE(ff->file->f_ra.ra_pages), &io);
	if (!folio) {
		if (!io)
			return RCUF_STAT_FB_FILE_PAGE;
		if (!ff->io_ok && !ff->shmem)
			return RCUF_STAT_FB_FILE_NO_IO;
		res = ff->shmem ? RCUF_STAT_SHMEM_FILL_UNLOCKED :
				  RCUF_STAT_FILE_IO_UNLOCKED;
		*pinned = rcuf_file_pin(m, seq, ff);
		return *pinned ? res : RCUF_STAT_FB_EPOCH_CHANGED;
	}
	if (ff->shared_write)
		return rcuf_file_try_shared_write(m, seq, ff, folio, pinned);
	if (error_code & X86_PF_WRITE) {
		if (!ff->cow) {		/* the caller saw a shared VMA */
			folio_unlock(folio);
			folio_put(folio);
			return RCUF_STAT_FB_RACED;
		}
		res = rcuf_file_install_cow(m, seq, ff, folio);
		folio_unlock(folio);
		folio_put(folio);	/* the page cache's page is not mapped */
		return res;
	}
	res = rcuf_file_install(m, seq, ff, folio);
	folio_unlock(folio);
	if (res != RCUF_STAT_LOCKLESS_SUCCESS) {
		folio_put(folio);
		return res;
	}
	miss = READ_ONCE(ff->file->f_ra.mmap_miss);
	if (miss)	/* a hit, counted as filemap_map_pages() does */
		WRITE_ONCE(ff->file->f_ra.mmap_miss, miss - 1);
	return res;
}

/*
 * The copy could not be allocated or charged. Stock's do_cow_fault() fails
 * with VM_FAULT_OOM then, but only once access_error() and the VMA lookup
 * passed: report no_memory (which fails the stock attempt the same way,
 * see rcuf_fault_fallback_mark()) only if the VMA checks pass too, else
 * their reason, so that the stock path decides.
 */
static enum rcuf_stat rcuf_file_no_memory(struct rcuf_mm *m,
					  struct vm_area_struct *vma,
					  unsigned long addr,
					  unsigned long error_code,
					  unsigned int seq)
{
	struct rcuf_file_fault ff = { .cow = NULL };
	enum rcuf_stat res = RCUF_STAT_FB_EPOCH_CHANGED;

	rcu_read_lock();
	if (!rcuf_mm_epoch_moved(m, seq, addr)) {
		res = rcuf_file_check(vma, addr & PAGE_MASK, error_code, &ff);
		if (rcuf_mm_epoch_moved(m, seq, addr))
			res = RCUF_STAT_FB_EPOCH_CHANGED;
	}
	rcu_read_unlock();
	return res == RCUF_STAT_LOCKLESS_SUCCESS ? RCUF_STAT_FB_NO_MEMORY : res;
}

/**
 * rcuf_fault_file() - serve a missing-PTE fault of a file VMA
 * @m: the faulting mm's state (current->mm)
 * @vma: the VMA the shadow tree gave for @addr at epoch @seq
 * @addr: the faulting address
 * @error_code: the hardware error code
 * @seq: the even write epoch at which @vma was current
 * @shared: @vma looked shared when the caller found it (a write then
 *	needs no copy)
 * @may_fill: a miss may be read or filled (false on the retry after one:
 *	a page missing again falls back, as file_io_failed, with no second
 *	read)
 *
 * @vma is only dereferenced under RCU while the epoch is still @seq.
 *
 * A read maps the page-cache page (and its cached neighbours); a write to a
 * private VMA maps a new anonymous copy of it; a write to a shared shmem
 * VMA maps the page writable and dirty; a write to any other shared VMA
 * falls back (page_mkwrite, dirty accounting). The VMA's flags are checked
 * again under RCU; @shared only decides whether a copy is allocated first.
 *
 * Context: process, no locks held, not under RCU; may sleep for I/O.
 * Return: RCUF_STAT_LOCKLESS_SUCCESS if the page is mapped;
 * RCUF_STAT_FILE_IO_UNLOCKED if I/O was done, RCUF_STAT_SHMEM_FILL_UNLOCKED
 * or RCUF_STAT_SHMEM_SWAPIN_UNLOCKED if a shmem miss was filled (nothing
 * mapped: retry the fault from the top); else the reason to fall back,
 * nothing changed.
 */
enum rcuf_stat rcuf_fault_file(struct rcuf_mm *m, struct vm_area_struct *vma,
			       unsigned long addr, unsigned long error_code,
			       unsigned int seq, bool shared, bool may_fill)
{
	struct rcuf_file_fault ff = { .cow = NULL };
	struct file *pinned = NULL;
	enum rcuf_stat res;

	if ((error_code & X86_PF_WRITE) && !shared) {	/* the copy, first */
		ff.cow = rcuf_anon_folio_new(current->mm, false);
		if (!ff.cow)
			return rcuf_file_no_memory(m, vma, addr, error_code, seq);
	}
	rcu_read_lock();
	res = rcuf_file_try(m, seq, vma, addr & PAGE_MASK, error_code, &ff,
			    &pinned);
	rcu_read_unlock();
	if (ff.cow)
		folio_put(ff.cow);	/* not mapped: uncharges too */
	if (res == RCUF_STAT_LOCKLESS_SUCCESS) {
		rcuf_stat_inc(RCUF_STAT_LOCKLESS_FILE);
		if (ff.shared_write)
			rcuf_stat_inc(RCUF_STAT_LOCKLESS_SHMEM_WRITE);
	}
	if (!pinned)
		return res;
	if (rcuf_fault_filled(res))
		res = may_fill ? rcuf_file_bring_in(m, seq, pinned, &ff, res) :
				 RCUF_STAT_FB_FILE_IO_FAILED;
	else if (res == RCUF_STAT_LOCKLESS_SUCCESS)	/* a shared write */
		rcuf_shmem_update_time(pinned);
	fput(pinned);
	return res;
}
