/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-style helpers for the user-space test programs of test/prog, so
 * that they read (and pass checkpatch) like kernel code.
 */
#ifndef RCUFAULT_TEST_PROG_KERNEL_COMPAT_H
#define RCUFAULT_TEST_PROG_KERNEL_COMPAT_H

/*
 * One load or store of @x, of @x's own width, at each use: a relaxed
 * atomic, which GCC, as for a volatile access, never drops, merges, tears
 * or reorders with another (a plain mov on x86). The tests that must fault
 * on every access rely on this.
 */
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, val)	__atomic_store_n(&(x), (val), __ATOMIC_RELAXED)

/*
 * barrier(): no memory access moves across it at compile time. A macro, so
 * that a program may still name a variable barrier (vma_churn does).
 */
static inline void compiler_barrier(void)
{
	__asm__ __volatile__("" : : : "memory");
}

#define barrier()		compiler_barrier()

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

/* include/linux/compiler_attributes.h */
#define __printf(a, b)		__attribute__((__format__(printf, a, b)))
#define __maybe_unused		__attribute__((__unused__))
#define __noreturn		__attribute__((__noreturn__))
#define __aligned(x)		__attribute__((__aligned__(x)))
#define noinline		__attribute__((__noinline__))

#endif /* RCUFAULT_TEST_PROG_KERNEL_COMPAT_H */
