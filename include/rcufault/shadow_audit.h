/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Audit of a process's shadow VMA tree against its stock VMA tree.
 */
#ifndef _RCUFAULT_SHADOW_AUDIT_H
#define _RCUFAULT_SHADOW_AUDIT_H

#include <linux/types.h>

/**
 * struct rcuf_shadow_audit - what an audit found
 * @records: records in the shadow tree
 * @cur: records of the current epoch that match their VMA exactly
 * @mismatches: records of the current epoch that do not (wrong VMA at
 *	their start, or another range), plus every @dead record
 * @stale_ok: records of an older epoch whose VMA is live
 * @dead: records whose VMA is not a live VMA of the mm
 * @unhashed: records missing from the reverse index, plus index entries
 *	missing from the tree
 * @vmas: live VMAs of the mm
 * @epoch: the mm's write epoch during the audit
 * @tree_ok: rcuf_btree_check() found the tree consistent
 */
struct rcuf_shadow_audit {
	unsigned long records;
	unsigned long cur;
	unsigned long mismatches;
	unsigned long stale_ok;
	unsigned long dead;
	unsigned long unhashed;
	unsigned long vmas;
	unsigned int epoch;
	bool tree_ok;
};

int rcuf_shadow_audit_pid(pid_t pid, struct rcuf_shadow_audit *res);

#endif /* _RCUFAULT_SHADOW_AUDIT_H */
