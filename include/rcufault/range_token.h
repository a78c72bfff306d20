/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which mm call a write acquire comes from, told by kretprobes on the
 * calls themselves (src/range_token.c).
 */
#ifndef _RCUFAULT_RANGE_TOKEN_H
#define _RCUFAULT_RANGE_TOKEN_H

struct mm_struct;

void rcuf_range_tokens_register(void);
void rcuf_range_tokens_unregister(void);
void rcuf_range_token_spend(void);
int rcuf_range_token_take(struct mm_struct *mm, unsigned long *start,
			  unsigned long *len, unsigned long *prot);

#endif /* _RCUFAULT_RANGE_TOKEN_H */
