/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lockless anonymous page faults.
 */
#ifndef _RCUFAULT_FAULT_ANON_H
#define _RCUFAULT_FAULT_ANON_H

#include <linux/mm_types.h>
#include <linux/pgtable.h>
#include "rcufault/stats.h"

struct rcuf_mm;

/**
 * struct rcuf_anon_fault - what the commit needs, copied under RCU
 * @vma: the VMA (valid while the epoch is unchanged, under RCU)
 * @mm: its vm_mm
 * @anon_vma: its anon_vma
 * @index: linear_page_index() of the faulting address
 * @prot: its vm_page_prot
 * @vm_flags: its vm_flags, as checked
 * @writable: its VM_WRITE
 * @write: the fault is a write
 */
struct rcuf_anon_fault {
	struct vm_area_struct *vma;
	struct mm_struct *mm;
	struct anon_vma *anon_vma;
	pgoff_t index;
	pgprot_t prot;
	unsigned long vm_flags;
	bool writable;
	bool write;
};

enum rcuf_stat rcuf_fault_anon(struct rcuf_mm *m, struct vm_area_struct *vma,
			       unsigned long addr, unsigned long error_code,
			       unsigned int seq);
bool rcuf_anon_epoch_changed(struct rcuf_mm *m, unsigned int seq,
			     unsigned long addr);
enum rcuf_stat rcuf_anon_vma_check_at(struct rcuf_mm *m,
				      struct vm_area_struct *vma,
				      unsigned long addr,
				      unsigned long error_code,
				      unsigned int seq,
				      struct rcuf_anon_fault *af);
enum rcuf_stat rcuf_anon_table_check(struct rcuf_mm *m,
				     struct vm_area_struct *vma,
				     unsigned long addr,
				     unsigned long error_code, unsigned int seq);
enum rcuf_stat rcuf_anon_vma_check(struct vm_area_struct *vma,
				   unsigned long addr, unsigned long error_code,
				   struct rcuf_anon_fault *af);
struct folio *rcuf_anon_folio_new(struct mm_struct *mm, bool zero);
pte_t rcuf_anon_pte(struct folio *folio, pgprot_t prot, bool writable,
		    unsigned long addr);
void rcuf_anon_fault_fill(struct rcuf_anon_fault *af,
			  struct vm_area_struct *vma, unsigned long flags,
			  unsigned long addr, bool write);
void rcuf_anon_rmap_new(const struct rcuf_anon_fault *af, struct folio *folio);
void rcuf_anon_add_new(const struct rcuf_anon_fault *af, struct folio *folio);
void rcuf_anon_map(const struct rcuf_anon_fault *af, struct folio *folio,
		   unsigned long addr, pte_t *ptep, pte_t entry);
enum rcuf_stat rcuf_fault_broken_cow(struct rcuf_mm *m, unsigned long addr,
				     unsigned long error_code);

#endif /* _RCUFAULT_FAULT_ANON_H */
