// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module: a fault inside mmap()'s security hook, as a sleepable
 * BPF LSM program on security_mmap_file() makes when it reads user memory
 * (bpf_copy_from_user()). vm_mmap_pgoff() calls the hook before it takes
 * mmap_lock for write: rcufault's range token for the call is armed, and
 * the fault runs a write section of its own when it grows the stack
 * (6.1's lock_mm_and_find_vma() drops the read lock and takes the write
 * lock to expand). That section must not take the mmap call's token
 * (src/range_token.c).
 *
 * For tasks named @comm, security_mmap_file() is replaced by a function
 * that reads one byte at @addr (get_user(), which has a fixup) and allows
 * the mapping; every other task runs the hook as it is. Meant for a test
 * VM: the replaced hook skips the LSMs for @comm's mappings.
 */
#include <linux/ftrace.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/uaccess.h>

static char *comm = "lsmfault";
module_param(comm, charp, 0400);
MODULE_PARM_DESC(comm, "tasks of this name fault in the hook (default lsmfault)");

static unsigned long addr;
module_param(addr, ulong, 0600);
MODULE_PARM_DESC(addr, "the user address read in the hook (0: none)");

static int rcuf_test_mmap_file(struct file *file, unsigned long prot,
			       unsigned long flags)
{
	unsigned long a = READ_ONCE(addr);
	u8 c;

	if (a && get_user(c, (u8 __user *)a))
		pr_info_ratelimited("rcufault_test_mmapfault: the read of %#lx failed\n", a);
	return 0;
}

static void notrace rcuf_test_mmapfault_cb(unsigned long ip,
					   unsigned long parent_ip,
					   struct ftrace_ops *op,
					   struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (!strncmp(current->comm, comm, TASK_COMM_LEN - 1))
		regs->ip = (unsigned long)rcuf_test_mmap_file;
}

static struct ftrace_ops rcuf_test_mmapfault_ops = {
	.func = rcuf_test_mmapfault_cb,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY,
};

static int __init rcuf_test_mmapfault_init(void)
{
	static const char func[] = "security_mmap_file";
	int ret = ftrace_set_filter(&rcuf_test_mmapfault_ops, (unsigned char *)func,
				    strlen(func), 0);

	if (!ret)
		ret = register_ftrace_function(&rcuf_test_mmapfault_ops);
	if (ret)
		pr_err("cannot hook %s (%d)\n", func, ret);
	return ret;
}

static void __exit rcuf_test_mmapfault_exit(void)
{
	unregister_ftrace_function(&rcuf_test_mmapfault_ops);
}

module_init(rcuf_test_mmapfault_init);
module_exit(rcuf_test_mmapfault_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rcufault test: a user fault that grows the stack inside mmap's security hook");
