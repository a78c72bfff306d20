/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Split PTE locks freed after a grace period, on kernels that allocate them
 * (see src/ptlock_defer.c).
 */
#ifndef _RCUFAULT_PTLOCK_DEFER_H
#define _RCUFAULT_PTLOCK_DEFER_H

#include <linux/ftrace.h>
#include <linux/mm_types.h>

#ifndef SPINLOCK_SIZE
#error "SPINLOCK_SIZE (generated/bounds.h) is needed to tell ALLOC_SPLIT_PTLOCKS"
#endif

/*
 * RCUF_PTLOCK_DEFER: this kernel has ptlock_free() (mm/memory.c), which
 * frees a PTE table's lock object at once. 0 on Debian's kernel (spinlock_t
 * fits in struct page); 1 with lockdep or DEBUG_SPINLOCK.
 */
#define RCUF_PTLOCK_DEFER (USE_SPLIT_PTE_PTLOCKS && ALLOC_SPLIT_PTLOCKS && \
			   IS_ENABLED(CONFIG_MMU))

#if RCUF_PTLOCK_DEFER
void rcuf_ptlock_free_cb(unsigned long ip, unsigned long parent_ip,
			 struct ftrace_ops *op, struct ftrace_regs *fregs);
#define RCUF_PTLOCK_FREE_CB rcuf_ptlock_free_cb
#else
#define RCUF_PTLOCK_FREE_CB NULL
#endif

unsigned long rcuf_ptlock_free_addr(void);

#endif /* _RCUFAULT_PTLOCK_DEFER_H */
