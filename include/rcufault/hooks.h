/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ftrace hooks on the fault path and on mm teardown.
 */
#ifndef _RCUFAULT_HOOKS_H
#define _RCUFAULT_HOOKS_H

#include <linux/types.h>

extern bool rcuf_enabled;

int rcuf_hooks_install(void);
void rcuf_hooks_remove(void);

#endif /* _RCUFAULT_HOOKS_H */
