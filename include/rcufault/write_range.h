/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Range write sections: a write section that can only change a known
 * address range declares it, and lockless faults outside it go on
 * (src/write_range.c).
 */
#ifndef _RCUFAULT_WRITE_RANGE_H
#define _RCUFAULT_WRITE_RANGE_H

#include <linux/types.h>

struct file;
struct mm_struct;
struct rcuf_mm;
struct vm_area_struct;

/**
 * enum rcuf_range_class - what declared a write section's range
 * @RCUF_RANGE_WHOLE: nothing: the section may change anything
 * @RCUF_RANGE_MUNMAP: munmap(2)
 * @RCUF_RANGE_MPROTECT: mprotect(2) or pkey_mprotect(2)
 * @RCUF_RANGE_MMAP: mmap(2), at its mmap_region()
 * @RCUF_RANGE_BRK: brk(2)
 * @RCUF_RANGE_MLOCK: mlock(2), mlock2(2) or munlock(2)
 * @RCUF_RANGE_MADVISE: madvise(2) with MADV_HUGEPAGE, MADV_NOHUGEPAGE or an
 *	advice that only changes flags, at
 *	its first VMA
 * @RCUF_RANGE_MREMAP: mremap(2) that shrinks or grows its mapping in place
 */
enum rcuf_range_class {
	RCUF_RANGE_WHOLE,
	RCUF_RANGE_MUNMAP,
	RCUF_RANGE_MPROTECT,
	RCUF_RANGE_MMAP,
	RCUF_RANGE_BRK,
	RCUF_RANGE_MLOCK,
	RCUF_RANGE_MADVISE,
	RCUF_RANGE_MREMAP,
};

const char *rcuf_range_class_name(int class);
bool rcuf_range_mremap_in_place(unsigned long old_len, unsigned long new_len,
				unsigned long flags);

void rcuf_range_reset(struct rcuf_mm *m, unsigned int epoch);
void rcuf_range_prepare(struct rcuf_mm *m, unsigned int epoch, bool clean);
void rcuf_range_section_whole(struct mm_struct *mm);
void rcuf_range_mmap_region(struct mm_struct *mm, struct file *file,
			    unsigned long addr, unsigned long len);
void rcuf_range_madvise(struct vm_area_struct *vma, int advice);
bool rcuf_range_madvise_merge_init(void);
void rcuf_range_madvise_merge(struct mm_struct *mm, unsigned long addr,
			      unsigned long caller);
void rcuf_range_section_end(struct rcuf_mm *m, bool in_step);

#endif /* _RCUFAULT_WRITE_RANGE_H */
