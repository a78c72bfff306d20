/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Testing-only module parameters shared by the lockless paths: together
 * they make the deliberately broken build the torture tests must catch.
 */
#ifndef _RCUFAULT_TEST_PARAMS_H
#define _RCUFAULT_TEST_PARAMS_H

#include <linux/types.h>

extern bool rcuf_test_skip_epoch_recheck;
extern unsigned int rcuf_test_commit_delay_us;

#endif /* _RCUFAULT_TEST_PARAMS_H */
