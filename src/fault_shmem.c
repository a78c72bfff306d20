// SPDX-License-Identifier: GPL-2.0
/*
 * tmpfs/shmem faults without mmap_lock: what differs from other page-cache
 * files (fault_file.c serves both).
 *
 * A miss. shmem's ->fault, shmem_fault(), reads nothing from a disk: it
 * calls shmem_get_folio_gfp(SGP_CACHE) to find the folio, swap it in, or
 * allocate, zero and charge one for a hole (or a fallocated, not yet
 * uptodate folio), under no lock but the folio's. The getter's uses of the VMA
 * (mm/shmem.c, 6.1) are: the memcg charged (charge_mm = vma->vm_mm),
 * whether a huge folio is tried (shmem_is_huge()), userfaultfd's
 * minor/missing handling, and the major-fault count of a swap-in;
 * shmem_fault() itself waits on a hole being punched (inode->i_private);
 * handle_mm_fault() adds the multi-gen LRU's in_lru_fault hint around it,
 * which fault_file.c sets around the fill as it does around readahead
 * (rcuf_fault_lru_enter()). shmem_read_mapping_page_gfp() is
 * the same getter with no VMA, so rcufault calls it holding only a
 * reference on the file (taken while the write epoch vouched for the VMA),
 * with no lock, then retries the fault, which finds the folio cached. It
 * does so only where the missing VMA makes no difference:
 * - memcg: with no mm, get_mem_cgroup_from_mm(NULL) charges the active
 *   memcg if one is set, else current->mm's; the fault is on current->mm
 *   (rcuf_fault_try()), so a task with an active memcg falls back;
 * - huge: with no VMA, shmem_is_huge() still answers false when the
 *   global shmem_huge is "deny", or when it is not "force" and the mount's
 *   huge= is "never"; any other setting falls back (VM_NOHUGEPAGE,
 *   MMF_DISABLE_THP and VM_HUGEPAGE would count);
 * - userfaultfd: VMAs registered when the epoch was checked never get
 *   here (fault_file.c's VMA checks); a UFFDIO_REGISTER that begins while
 *   the getter runs returns only after the fill landed, as stock's waits
 *   for its fill under mmap_lock (src/fill_sync.c, which any write
 *   section obeys: a munmap() too), and the retry then falls back (the
 *   epoch moved) to a stock fault that finds the page cached;
 * - swap-in: shmem_swapin_folio() uses the VMA only to count the major
 *   fault (PGMAJFAULT, VM_FAULT_MAJOR, when the entry is not in the swap
 *   cache: the I/O it starts), which the VMA-less getter skips; the swap
 *   cache charge (__read_swap_cache_async()) never uses the mm, and the
 *   readahead uses shmem's own pseudo-VMA. So the entry is looked up in
 *   the swap cache first, without swap_cache_get_folio()'s readahead-hit
 *   side effects, under get_swap_device() (swapoff frees the swap cache's
 *   address spaces); if absent, the major fault is counted here and the
 *   retry reported major. A swap-in racing with ours can make the two
 *   lookups disagree, as it can for two stock faults; the count is then
 *   the one the other order would have given. So can a swap-out racing
 *   with the first lookup (a folio locked by reclaim is a miss here, then
 *   a swap entry for the getter): that swap-in is then counted minor;
 * - a hole being punched falls back (shmem_fault() waits there, with
 *   mmap_lock dropped, so that faults do not refill the hole forever);
 *   the flag it reads, inode->i_private, is set by any fallocate(), which
 *   falls back too (shmem_falloc), the waiting range being private to
 *   mm/shmem.c;
 * - the global and per-mount huge settings are read once, before the
 *   getter reads them again: an administrator's change in between can
 *   make the getter try a huge folio where the VMA's VM_NOHUGEPAGE would
 *   have refused it (a placement difference only).
 * Errors: -ENOMEM is what stock's vmf_error() turns into VM_FAULT_OOM,
 * after the charge or the allocator already reclaimed and OOM-killed:
 * reported as no_memory (see rcuf_fault_fallback_mark()); any other error
 * (EOF, ENOSPC, EIO) falls back and the stock path meets it again.
 *
 * A write to a shared mapping. shmem has no ->page_mkwrite and its
 * mappings no dirty accounting (noop_dirty_folio(), a bdi without
 * writeback), so stock's do_shared_fault() is: map the page writable and
 * dirty (do_set_pte(): maybe_mkwrite(pte_mkdirty())), mark the folio
 * dirty under its lock, then fault_dirty_shared_page()'s
 * balance_dirty_pages_ratelimited(), which returns at once for a bdi
 * without writeback, and file_update_time(). fault_file.c commits the PTE
 * and the dirty bit, and pins the file for rcuf_shmem_update_time() after
 * RCU when rcuf_shmem_time_due() says, as file_update_time() would, that
 * the times change.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/iversion.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/shmem_fs.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/xarray.h>
#include "rcufault/fault.h"
#include "rcufault/fault_shmem.h"
#include "rcufault/fault_swap.h"
#include "rcufault/symbols.h"
#include "rcufault/test_params.h"

/* mm/shmem.c's SHMEM_HUGE_NEVER, _DENY and _FORCE (6.1) */
#define RCUF_SHMEM_HUGE_NEVER	0
#define RCUF_SHMEM_HUGE_DENY	(-1)
#define RCUF_SHMEM_HUGE_FORCE	(-2)

/**
 * rcuf_shmem_ops() - are these a tmpfs/shmem VMA's operations?
 * @ops: the VMA's vm_ops, as read once by the caller
 *
 * Return: true for shmem's own VMAs (tmpfs files, memfd, shared anonymous
 * memory), whose ->fault is shmem_fault(); false for wrappers such as
 * SysV shm's.
 */
bool rcuf_shmem_ops(const struct vm_operations_struct *ops)
{
	return ops && ops == rcuf_sym.shmem_vm_ops;
}

/**
 * rcuf_shmem_shared_policy() - does a tmpfs/shmem file carry a memory
 *	policy of its own?
 * @inode: the file's inode (shmem's: rcuf_shmem_ops() of its VMA)
 *
 * Its shared policy (a tmpfs mpol= mount option, set at the inode's
 * creation, or mbind() through any mapping of the file) places stock's
 * private copies: do_cow_fault()'s alloc_page_vma() asks
 * get_vma_policy(), which asks shmem_get_policy(). Ours are allocated
 * without the VMA (rcuf_anon_folio_new()): such a write falls back. A
 * racy read, as stock's lookup races with an mbind() as well.
 *
 * Return: true if the file has a shared policy.
 */
bool rcuf_shmem_shared_policy(struct inode *inode)
{
#ifdef CONFIG_NUMA
	return !RB_EMPTY_ROOT(&SHMEM_I(inode)->policy.root);
#else
	return false;
#endif
}

/* Would shmem_is_huge() answer false without the VMA, as with it? */
static bool rcuf_shmem_small_only(struct inode *inode)
{
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	struct shmem_sb_info *sbinfo = inode->i_sb->s_fs_info;	/* SHMEM_SB() */
	int huge = READ_ONCE(*rcuf_sym.shmem_huge);

	if (huge == RCUF_SHMEM_HUGE_DENY)
		return true;
	return huge != RCUF_SHMEM_HUGE_FORCE &&
	       READ_ONCE(sbinfo->huge) == RCUF_SHMEM_HUGE_NEVER;
#else
	return true;
#endif
}

/* Would a charge with no mm go to another memcg than current->mm's? */
static bool rcuf_shmem_remote_memcg(void)
{
#ifdef CONFIG_MEMCG
	return READ_ONCE(current->active_memcg);	/* task context */
#else
	return false;
#endif
}

/*
 * A swapped-out page: RCUF_STAT_SHMEM_SWAPIN_UNLOCKED if the getter will
 * read it, RCUF_STAT_SHMEM_FILL_UNLOCKED if the swap cache has it, or a fallback if
 * the swap device is going away.
 */
static enum rcuf_stat rcuf_shmem_swapin_kind(swp_entry_t swap)
{
	struct swap_info_struct *si;
	bool cached;

	if (is_swapin_error_entry(swap))
		return RCUF_STAT_FB_SHMEM_SWAPPED;	/* -EIO: SIGBUS */
	si = rcuf_sym.get_swap_device(swap);
	if (!si)
		return RCUF_STAT_FB_SHMEM_SWAPPED;
	cached = rcuf_swap_cache_has(swap);
	put_swap_device(si);
	if (cached)
		return RCUF_STAT_SHMEM_FILL_UNLOCKED;
	return RCUF_STAT_SHMEM_SWAPIN_UNLOCKED;
}

/* Why the VMA-less getter would not do what shmem_fault() does here. */
static enum rcuf_stat rcuf_shmem_fill_reason(struct inode *inode,
					     pgoff_t index)
{
	void *entry;

	if (READ_ONCE(inode->i_private))
		return RCUF_STAT_FB_SHMEM_FALLOC;	/* shmem_fallocate() runs */
	if (!rcuf_shmem_small_only(inode) || rcuf_shmem_remote_memcg())
		return RCUF_STAT_FB_SHMEM_KIND;
	entry = xa_load(&inode->i_mapping->i_pages, index);
	if (xa_is_value(entry))
		return rcuf_shmem_swapin_kind(radix_to_swp_entry(entry));
	return RCUF_STAT_SHMEM_FILL_UNLOCKED;
}

/**
 * rcuf_shmem_fill() - fill a shmem miss with no lock held
 * @file: the VMA's file, pinned by the caller
 * @index: the missing page's index in it
 *
 * Context: process, no locks held, not under RCU; may sleep (allocation,
 * reclaim). For a user-mode fault, inside its
 * mem_cgroup_enter_user_fault().
 * Return: RCUF_STAT_SHMEM_FILL_UNLOCKED if the folio is now cached and
 * uptodate (retry the fault), RCUF_STAT_SHMEM_SWAPIN_UNLOCKED if that took
 * a read from swap (a major fault, PGMAJFAULT counted); else the reason to
 * fall back.
 */
enum rcuf_stat rcuf_shmem_fill(struct file *file, pgoff_t index)
{
	struct address_space *mapping = file->f_mapping;
	enum rcuf_stat res;
	struct page *page;

	res = rcuf_shmem_fill_reason(file_inode(file), index);
	if (res != RCUF_STAT_SHMEM_FILL_UNLOCKED &&
	    res != RCUF_STAT_SHMEM_SWAPIN_UNLOCKED)
		return res;
	if (res == RCUF_STAT_SHMEM_SWAPIN_UNLOCKED)	/* the read it starts */
		rcuf_fault_count_event(PGMAJFAULT);	/* shmem_swapin_folio() */
	rcuf_test_shmem_fill_window();
	page = shmem_read_mapping_page_gfp(mapping, index,
					   mapping_gfp_mask(mapping));
	if (IS_ERR(page))
		return PTR_ERR(page) == -ENOMEM ? RCUF_STAT_FB_NO_MEMORY :
						  RCUF_STAT_FB_FILE_IO_FAILED;
	put_page(page);
	return res;
}

/**
 * rcuf_shmem_time_due() - would a write now change @file's times?
 * @file: a shmem VMA's file
 *
 * What do_shared_fault() does after a shmem write, fault_dirty_shared_page()
 * for a mapping without ->page_mkwrite, is balance_dirty_pages_ratelimited(),
 * which has nothing to do on shmem's bdi (no BDI_CAP_WRITEBACK), then
 * file_update_time(). That changes something about once a clock tick
 * (current_time() is the coarse clock), so the file only needs pinning
 * for it then: a reference taken on every write would bounce the one
 * struct file that all writers of the file share. This is the test
 * file_update_time() makes first (fs/inode.c's inode_needs_update_time(),
 * 6.1), with its unlocked reads: times on a NOCMTIME inode never change;
 * else a change is due if mtime or ctime differs from current_time(), or
 * i_version wants an increment (tmpfs sets SB_I_VERSION).
 *
 * Context: RCU read side, in the section whose epoch vouched for the VMA
 * (so @file and its inode are not yet freed).
 * Return: true if file_update_time() would change something now.
 */
bool rcuf_shmem_time_due(struct file *file)
{
	struct inode *inode = file_inode(file);
	struct timespec64 now = current_time(inode);

	if (IS_NOCMTIME(inode))
		return false;
	return !timespec64_equal(&inode->i_mtime, &now) ||
	       !timespec64_equal(&inode->i_ctime, &now) ||
	       (IS_I_VERSION(inode) && inode_iversion_need_inc(inode));
}

/**
 * rcuf_shmem_update_time() - file_update_time() after a shmem write
 * @file: the VMA's file, pinned by the caller
 *
 * Context: process, no locks held, not under RCU; may sleep.
 */
void rcuf_shmem_update_time(struct file *file)
{
	file_update_time(file);
}
