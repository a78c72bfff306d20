/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The access check of x86's access_error(), on a VMA read under RCU.
 */
#ifndef _RCUFAULT_VMA_ACCESS_H
#define _RCUFAULT_VMA_ACCESS_H

#include <linux/mm.h>
#include <asm/mmu_context.h>
#include <asm/trap_pf.h>

/**
 * rcuf_vma_access_ok() - may this fault access @vma?
 * @vma: the VMA (stable for the caller)
 * @flags: its vm_flags, as read once by the caller
 * @error_code: the hardware error code (PK, SGX and RSVD already excluded)
 *
 * Return: what access_error() would say, protection keys included.
 */
static inline bool rcuf_vma_access_ok(struct vm_area_struct *vma,
				      unsigned long flags,
				      unsigned long error_code)
{
	bool write = error_code & X86_PF_WRITE;
	bool exec = error_code & X86_PF_INSTR;

	if (!arch_vma_access_permitted(vma, write, exec, false))
		return false;
	if (write)
		return flags & VM_WRITE;
	if (exec)
		return flags & VM_EXEC;
	return flags & (VM_READ | VM_WRITE | VM_EXEC);
}

#endif /* _RCUFAULT_VMA_ACCESS_H */
