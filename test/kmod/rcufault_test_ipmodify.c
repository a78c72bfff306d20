// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module: holds an IPMODIFY ftrace hook (that changes nothing) on
 * one kernel function, as a livepatch would, so that a test can check that
 * rcufault refuses to load when it cannot hook that function itself.
 */
#include <linux/ftrace.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

static char *func = "ptlock_free";
module_param(func, charp, 0400);
MODULE_PARM_DESC(func, "the function to hold (default ptlock_free)");

static void notrace rcuf_test_ipmodify_cb(unsigned long ip,
					  unsigned long parent_ip,
					  struct ftrace_ops *op,
					  struct ftrace_regs *fregs)
{
}

static struct ftrace_ops rcuf_test_ipmodify_ops = {
	.func = rcuf_test_ipmodify_cb,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY,
};

static int __init rcuf_test_ipmodify_init(void)
{
	int ret = ftrace_set_filter(&rcuf_test_ipmodify_ops, func, strlen(func), 0);

	if (!ret)
		ret = register_ftrace_function(&rcuf_test_ipmodify_ops);
	if (ret)
		pr_err("cannot hold %s (%d)\n", func, ret);
	return ret;
}

static void __exit rcuf_test_ipmodify_exit(void)
{
	unregister_ftrace_function(&rcuf_test_ipmodify_ops);
}

module_init(rcuf_test_ipmodify_init);
module_exit(rcuf_test_ipmodify_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rcufault test: hold an IPMODIFY ftrace hook on one function");
