// SPDX-License-Identifier: GPL-2.0
/*
 * Testing only: a deliberately broken build, to prove the torture tests
 * bite. With both set, a VMA change racing with a lockless fault (an
 * mprotect(PROT_READ) or PROT_NONE returning while the fault waits between
 * its VMA check and its commit) is missed, by the anonymous and the file
 * paths alike.
 */
#include <linux/moduleparam.h>
#include "rcufault/test_params.h"

bool rcuf_test_skip_epoch_recheck;
module_param_named(test_skip_epoch_recheck, rcuf_test_skip_epoch_recheck,
		   bool, 0400);
MODULE_PARM_DESC(test_skip_epoch_recheck,
		 "testing only, UNSAFE: skip the write-epoch re-checks of lockless faults");

unsigned int rcuf_test_commit_delay_us;
module_param_named(test_commit_delay_us, rcuf_test_commit_delay_us, uint, 0600);
MODULE_PARM_DESC(test_commit_delay_us,
		 "testing only: wait this long between checking the VMA and committing the PTE");
