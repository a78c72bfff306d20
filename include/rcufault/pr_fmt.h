/* SPDX-License-Identifier: GPL-2.0 */
/* Prefix every message of the module with its name (included by Kbuild). */
#ifndef _RCUFAULT_PR_FMT_H
#define _RCUFAULT_PR_FMT_H
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#endif
