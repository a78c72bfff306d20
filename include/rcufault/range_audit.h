/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The audit of declared write ranges, for the test lanes
 * (src/range_audit.c): what a section that declared a range left alone.
 */
#ifndef _RCUFAULT_RANGE_AUDIT_H
#define _RCUFAULT_RANGE_AUDIT_H

struct rcuf_mm;

void rcuf_range_audit_begin(struct rcuf_mm *m, unsigned long lo,
			    unsigned long hi);
void rcuf_range_audit_end(struct rcuf_mm *m);
void rcuf_range_audit_drop(struct rcuf_mm *m);

#endif /* _RCUFAULT_RANGE_AUDIT_H */
