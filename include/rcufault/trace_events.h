/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rcufault's own tracepoints, for perf, trace-cmd and bpftrace:
 *
 *   rcufault:lockless_fault  a fault served without mmap_lock
 *   rcufault:fallback        a fault handed to the stock path, and why
 *   rcufault:unlocked_io     I/O or a shmem fill done holding no mmap_lock
 *
 * Names are strings (the debugfs stats counter a fallback is counted in,
 * the kind of a served fault), so that no tool needs the module's enums;
 * callers pass the enums, looked up by name only when the event is on.
 * Off, each costs a static branch; nothing is formatted or copied.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM rcufault

#if !defined(_RCUFAULT_TRACE_EVENTS_H) || defined(TRACE_HEADER_MULTI_READ)
#define _RCUFAULT_TRACE_EVENTS_H

#include <linux/tracepoint.h>
#include "rcufault/stats.h"

const char *rcuf_fault_kind_name(int kind);

/**
 * lockless_fault - a fault served without mmap_lock
 * @address: the faulting address
 * @kind: what was done (an enum rcuf_fault_kind of fault.c; recorded by
 *	its name, rcuf_fault_kind_name())
 * @major: it waited for I/O done with no lock held, and is counted major
 */
TRACE_EVENT(lockless_fault,
	TP_PROTO(unsigned long address, int kind, bool major),
	TP_ARGS(address, kind, major),
	TP_STRUCT__entry(
		__field(unsigned long, address)
		__string(kind, rcuf_fault_kind_name(kind))
		__field(bool, major)
	),
	TP_fast_assign(
		__entry->address = address;
		__assign_str(kind, rcuf_fault_kind_name(kind));
		__entry->major = major;
	),
	TP_printk("address=0x%lx kind=%s major=%d",
		  __entry->address, __get_str(kind), __entry->major)
);

/**
 * fallback - a lockless attempt that gave the fault to the stock path
 * @address: the faulting address
 * @reason: the fallback counter it was counted in (debugfs stats),
 *	recorded by its name
 */
TRACE_EVENT(fallback,
	TP_PROTO(unsigned long address, enum rcuf_stat reason),
	TP_ARGS(address, reason),
	TP_STRUCT__entry(
		__field(unsigned long, address)
		__string(reason, rcuf_stat_name(reason))
	),
	TP_fast_assign(
		__entry->address = address;
		__assign_str(reason, rcuf_stat_name(reason));
	),
	TP_printk("address=0x%lx reason=%s",
		  __entry->address, __get_str(reason))
);

/**
 * unlocked_io - a miss brought in holding a file reference, no mmap_lock
 * @address: the faulting address
 * @what: file_read, shmem_fill or shmem_swapin
 * @bytes: what the file's page cache grew by meanwhile (readahead
 *	included; racing readers and reclaim of the same file blur it)
 * @wait_ns: how long the fault spent in it
 * @ok: the page was there afterwards, and the fault is retried
 */
TRACE_EVENT(unlocked_io,
	TP_PROTO(unsigned long address, const char *what, unsigned long bytes,
		 u64 wait_ns, bool ok),
	TP_ARGS(address, what, bytes, wait_ns, ok),
	TP_STRUCT__entry(
		__field(unsigned long, address)
		__string(what, what)
		__field(unsigned long, bytes)
		__field(u64, wait_ns)
		__field(bool, ok)
	),
	TP_fast_assign(
		__entry->address = address;
		__assign_str(what, what);
		__entry->bytes = bytes;
		__entry->wait_ns = wait_ns;
		__entry->ok = ok;
	),
	TP_printk("address=0x%lx what=%s bytes=%lu wait_ns=%llu ok=%d",
		  __entry->address, __get_str(what), __entry->bytes,
		  __entry->wait_ns, __entry->ok)
);

#endif /* _RCUFAULT_TRACE_EVENTS_H */

/* Outside the guard: define_trace.h reads this file again. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH rcufault
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace_events
#include <trace/define_trace.h>
