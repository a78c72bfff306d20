// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module for test/guest/downgrade-nest.sh: the task that
 * downgraded its mmap_lock in munmap() takes and drops the read lock again
 * inside the downgraded section, as 6.1 can through BPF build-id stack maps,
 * bpf_find_vma() or MGLRU's walk_mm() trylock.
 *
 * A kprobe on free_pgtables(), which do_mas_align_munmap() reaches through
 * unmap_region() after mmap_write_downgrade() and after unmap_vmas(), does
 * mmap_read_trylock() + mmap_read_unlock() on the mm being unmapped, in
 * tasks named by comm= only, then busy-waits delay_us to widen the window
 * in which a module that took that unlock for the end of the section lets
 * lockless faults in.
 */
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/kprobes.h>
#include <linux/minmax.h>
#include <linux/mm_types.h>
#include <linux/mmap_lock.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#define DGNEST_DELAY_MAX_US 10000

static char comm[TASK_COMM_LEN];
module_param_string(comm, comm, sizeof(comm), 0400);
MODULE_PARM_DESC(comm, "act only in tasks of this name (required)");

static unsigned int delay_us;
module_param(delay_us, uint, 0600);
MODULE_PARM_DESC(delay_us, "busy-wait this long after the nested read unlock (at most 10000)");

static atomic_long_t calls, nested;

static int dgnest_count_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(kp->arg));
}

static const struct kernel_param_ops dgnest_count_ops = {
	.get = dgnest_count_get,
};

module_param_cb(calls, &dgnest_count_ops, &calls, 0444);
MODULE_PARM_DESC(calls, "free_pgtables() calls on the current mm in tasks named comm");
module_param_cb(nested, &dgnest_count_ops, &nested, 0444);
MODULE_PARM_DESC(nested, "of those, the nested read trylocks that succeeded");

/* free_pgtables(tlb, mt, vma, floor, ceiling): the first VMA to free */
static int dgnest_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct vm_area_struct *vma = (struct vm_area_struct *)regs_get_kernel_argument(regs, 2);
	struct mm_struct *mm = current->mm;
	unsigned int us;

	if (!mm || vma->vm_mm != mm || strncmp(current->comm, comm, TASK_COMM_LEN))
		return 0;
	atomic_long_inc(&calls);
	/* fails when held for write: then this is no downgraded section */
	if (!mmap_read_trylock(mm))
		return 0;
	mmap_read_unlock(mm);
	atomic_long_inc(&nested);
	us = min_t(unsigned int, READ_ONCE(delay_us), DGNEST_DELAY_MAX_US);
	if (us)
		udelay(us);
	return 0;
}

static struct kprobe dgnest_kp = {
	.symbol_name = "free_pgtables",
	.pre_handler = dgnest_pre,
};

static int __init dgnest_init(void)
{
	int ret;

	if (!comm[0]) {
		pr_err("rcufault_test_dgnest: comm= is required\n");
		return -EINVAL;
	}
	ret = register_kprobe(&dgnest_kp);
	if (ret)
		pr_err("rcufault_test_dgnest: cannot kprobe free_pgtables (%d)\n", ret);
	return ret;
}

static void __exit dgnest_exit(void)
{
	unregister_kprobe(&dgnest_kp);
}

module_init(dgnest_init);
module_exit(dgnest_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rcufault test: nested mmap read lock in munmap's downgraded section");
