// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module: emits one real WARN when loaded, so that the test
 * harness can prove scripts/vm-run turns a guest kernel splat into failure.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init rcuf_test_warn_init(void)
{
	WARN(1, "rcufault_test_warn: deliberate warning for the harness self-test\n");
	return 0;
}

static void __exit rcuf_test_warn_exit(void)
{
}

module_init(rcuf_test_warn_init);
module_exit(rcuf_test_warn_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rcufault harness self-test: WARN on load");
