// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module: on load, makes a kernel-mode fault on a user address
 * from an instruction that has no exception-table entry (a raw read with
 * SMAP's AC flag set, as a buggy driver would), in the loading process's
 * mm. The page is first faulted next to it by put_user() (which has a
 * fixup), so that its page table exists and a lockless fault would be
 * possible. Then unmaps the range and refuses to stay loaded (-EAGAIN),
 * after one "rcufault_test_kfault: read N" line in the kernel log.
 */
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include <asm/smap.h>

static int __init rcuf_test_kfault_init(void)
{
	unsigned long addr = vm_mmap(NULL, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, 0);
	int v;

	if (IS_ERR_VALUE(addr))
		return (int)addr;
	if (put_user(7, (int __user *)addr)) {
		vm_munmap(addr, 2 * PAGE_SIZE);
		return -EFAULT;
	}
	stac();
	v = READ_ONCE(*(int *)(addr + PAGE_SIZE));	/* no fixup: the bug */
	clac();
	pr_info("rcufault_test_kfault: read %d\n", v);
	vm_munmap(addr, 2 * PAGE_SIZE);
	return -EAGAIN;
}

module_init(rcuf_test_kfault_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rcufault test: a kernel-mode user-address fault with no fixup");
