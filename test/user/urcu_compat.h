/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space shim for src/btree.c and its tests: maps the kernel primitives
 * the B-tree uses onto liburcu (memb flavour), malloc and compiler builtins.
 *
 * Under ThreadSanitizer, rcu_assign_pointer()/rcu_dereference() are real
 * release/acquire operations (they are plain moves on x86 anyway) and the
 * grace period is modelled with __tsan_release() in rcu_read_unlock() and
 * __tsan_acquire() before memory is freed (rcuf_compat_after_gp()), which
 * is what RCU guarantees.
 *
 * kmalloc() supports fault injection for the tests: see
 * rcuf_compat_fail_after.
 */
#ifndef _RCUF_URCU_COMPAT_H
#define _RCUF_URCU_COMPAT_H

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RCUF_COMPAT_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define RCUF_COMPAT_TSAN 1
#endif

/* Inline read-side fast paths, except under TSan (keep urcu uninstrumented). */
#if !defined(RCUF_COMPAT_TSAN) && !defined(_LGPL_SOURCE)
#define _LGPL_SOURCE
#endif

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <urcu.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef unsigned int gfp_t;

#define GFP_KERNEL	0x1u
#define GFP_ATOMIC	0x2u
#define GFP_NOWAIT	0x4u

#define __rcu
#define __force
#ifndef __always_inline
#define __always_inline	inline __attribute__((__always_inline__))
#endif
#define ____cacheline_aligned	__attribute__((__aligned__(64)))
#define BUILD_BUG_ON(c)	_Static_assert(!(c), #c)
#ifndef container_of
#define container_of(ptr, type, member)	caa_container_of(ptr, type, member)
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif
#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif

#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* Replace liburcu's pointer macros with TSan-visible equivalents. */
#undef rcu_dereference
#undef rcu_assign_pointer
#define rcu_dereference(p)	__atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define rcu_dereference_check(p, c)	rcu_dereference(p)
#define rcu_dereference_protected(p, c)	__atomic_load_n(&(p), __ATOMIC_RELAXED)
#define rcu_assign_pointer(p, v)	__atomic_store_n(&(p), (v), __ATOMIC_RELEASE)
#define RCU_INIT_POINTER(p, v)	__atomic_store_n(&(p), (v), __ATOMIC_RELAXED)

#ifdef RCUF_COMPAT_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
extern char rcuf_compat_gp_sync;
__attribute__((weak)) char rcuf_compat_gp_sync;

static inline void rcuf_compat_reader_done(void)
{
	__tsan_release(&rcuf_compat_gp_sync);
}

/**
 * rcuf_compat_after_gp() - declare that a grace period has elapsed
 *
 * Call in an RCU callback before touching memory readers may have read.
 */
static inline void rcuf_compat_after_gp(void)
{
	__tsan_acquire(&rcuf_compat_gp_sync);
}

/* Everything before call_rcu() happens before the callback. */
static inline void rcuf_compat_call_rcu(struct rcu_head *head,
					void (*func)(struct rcu_head *head))
{
	__tsan_release(&rcuf_compat_gp_sync);
	urcu_memb_call_rcu(head, func);
}
#undef call_rcu
#define call_rcu(head, func)	rcuf_compat_call_rcu(head, func)

static inline void rcuf_compat_read_unlock(void)
{
	rcuf_compat_reader_done();
	urcu_memb_read_unlock();
}
#undef rcu_read_unlock
#define rcu_read_unlock()	rcuf_compat_read_unlock()
#else
static inline void rcuf_compat_after_gp(void)
{
}
#endif

/*
 * Fault injection: when > 0, decremented by every kmalloc(); the
 * allocation that brings it to 0 fails.  0 disables injection.
 */
extern unsigned long rcuf_compat_fail_after;
__attribute__((weak)) unsigned long rcuf_compat_fail_after;
/* Number of successful kmalloc() calls, for the tests. */
extern unsigned long rcuf_compat_allocs;
__attribute__((weak)) unsigned long rcuf_compat_allocs;

static inline void *kmalloc(size_t size, gfp_t gfp)
{
	(void)gfp;
	if (rcuf_compat_fail_after && --rcuf_compat_fail_after == 0)
		return NULL;
	rcuf_compat_allocs++;
	return aligned_alloc(64, (size + 63) & ~(size_t)63);
}

static inline void kfree(const void *p)
{
	rcuf_compat_after_gp();
	free((void *)p);
}

#endif /* _RCUF_URCU_COMPAT_H */
