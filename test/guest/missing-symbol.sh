#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# An unsupported kernel (a required symbol missing, forced through a test
# parameter) is refused with one clear line, and leaves nothing behind. An
# optional symbol missing (swapcache_clear, a kernel from before its 2024
# backport) loads with one line saying what is off, and that path then
# falls back: swapped-out pages are swapped in by the stock path; so
# without swap_cache_get_folio does the mapping of swap-cache pages. A call
# whose range kretprobe cannot be registered (do_mprotect_pkey) loads with
# one line, and its write sections stay whole-mm; so do madvise()'s
# without hugepage_madvise, or without vma_merge for its flag changes,
# whose hook is then left out. A hook whose registration
# 6.1 refuses while a BPF trampoline on its function is busy (-EAGAIN) is
# registered again, for up to 5 s, and then refused with one clear line.
. "$(dirname "$0")/lib.sh"
need_test_build

# a first load prints the once-per-boot taint lines
load_module
unload_module
for sym in lock_mm_and_find_vma trace_mmap_lock_unreg kallsyms_lookup_name; do
	dmesg -C
	expect_fail "load with $sym missing" modprobe rcufault test_missing_symbol=$sym
	dmesg | grep -q "rcufault: unsupported kernel: .*$sym" ||
		fail "no clear refusal naming $sym in the kernel log"
	[ "$(dmesg | grep -c 'rcufault: ')" = 1 ] || fail "more than one message for a refused load"
	[ ! -d $D ] || fail "debugfs left behind"
	grep -q '^rcufault ' /proc/modules && fail "module still loaded"
	[ "$(hooked)" = 0 ] || fail "ftrace hooks left behind"
	grep -q rcuf_probe /sys/kernel/tracing/enabled_functions && fail "probes left"
done
note "refusals: $(dmesg | grep 'rcufault: unsupported')"
dmesg -C
load_module enable=1 test_missing_symbol=swapcache_clear
dmesg | grep -q 'rcufault: symbol swapcache_clear not found: lockless swap-in is off' ||
	fail "no line saying lockless swap-in is off without swapcache_clear"
modprobe zram && echo 16M > /sys/block/zram0/disksize &&
	mkswap /dev/zram0 >/dev/null && swapon /dev/zram0 || fail "zram swap set-up"
echo 0 > /proc/sys/vm/page-cluster
out=$("$BIN/torture" swapin -s 1 2>&1) || fail "torture swapin without swapcache_clear: $out"
note "$(echo "$out" | grep 'account read')"
snap
[ "$(stat lockless_swapin)" = 0 ] && [ "$(stat lockless_swapin_cached)" = 0 ] ||
	fail "lockless_swapin $(stat lockless_swapin), lockless_swapin_cached $(stat lockless_swapin_cached) without swapcache_clear: the path must be off"
at_least "$(stat fallback_swap_cache)" 200 "swap-ins left to the stock path without swapcache_clear"
echo 0 > $D/enable
unload_module
# without swap_cache_get_folio, swap-ins that skip the cache stay lockless,
# and pages found in the swap cache are the stock path's
dmesg -C
load_module enable=1 test_missing_symbol=swap_cache_get_folio
dmesg | grep -q 'rcufault: symbol swap_cache_get_folio not found: lockless mapping from the swap cache is off' ||
	fail "no line saying mapping from the swap cache is off without swap_cache_get_folio"
out=$("$BIN/torture" swapin -s 2 2>&1) || fail "torture swapin without swap_cache_get_folio: $out"
snap
[ "$(stat lockless_swapin_cached)" = 0 ] ||
	fail "lockless_swapin_cached $(stat lockless_swapin_cached) without swap_cache_get_folio"
at_least "$(stat lockless_swapin)" 200 "lockless swap-ins without swap_cache_get_folio"
echo 0 > $D/enable
unload_module
swapoff /dev/zram0 || fail "swapoff"
# without_range SYM LINE NONE SOME HOOKS: load with SYM missing; the kernel
# log must have LINE and HOOKS ftrace hooks be installed; after
# rangetorture, counter NONE must be 0 and SOME at least 10 (another class
# still declares)
without_range() {
	dmesg -C
	load_module enable=1 test_missing_symbol=$1
	dmesg | grep -q "$2" || fail "no line '$2' without $1"
	[ "$(hooked)" = "$5" ] || fail "expected $5 ftrace hooks without $1, found $(hooked)"
	mkdir -p /tmp/ms && mount -t tmpfs -o size=8m tmpfs /tmp/ms || fail "mount tmpfs"
	out=$("$BIN/rangetorture" /tmp/ms/file 3 2>&1) || fail "rangetorture without $1: $out"
	umount /tmp/ms
	snap
	[ "$(stat $3)" = 0 ] || fail "$3 $(stat $3) without $1"
	at_least "$(stat $4)" 10 "$4 with only $1 missing"
	note "without $1: $(stat whole_sections) whole sections, $(stat $4) $4, 0 $3"
	echo 0 > $D/enable
	unload_module
}
# a kretprobe that cannot be registered leaves its call's sections whole
without_range do_mprotect_pkey \
	'rcufault: cannot probe do_mprotect_pkey (-2): its write sections stay whole-mm' \
	range_sections_mprotect range_sections_munmap "$(nr_hooks)"
# so does a hook whose function is missing: madvise's without hugepage_madvise
without_range hugepage_madvise \
	'rcufault: symbol hugepage_madvise not found: declaring the range of madvise(MADV_HUGEPAGE, MADV_NOHUGEPAGE) is off' \
	madvise_section_splits madvise_flag_splits $(($(nr_hooks) - 1))
# and madvise()'s flag changes without vma_merge
without_range vma_merge \
	'rcufault: symbol vma_merge not found: declaring the range of madvise() flag changes is off' \
	madvise_flag_splits madvise_section_splits $(($(nr_hooks) - 1))
# A BPF trampoline being changed on a hooked function (a bpftrace kfunc
# probe attaching) makes 6.1's register_ftrace_function() fail with
# -EAGAIN: the load retries, for up to 5 s, with a line per hook that had
# to (test_hook_busy fails each hook's first registrations that way).
dmesg -C
load_module test_hook_busy=20
[ "$(hooked)" = "$(nr_hooks)" ] || fail "expected $(nr_hooks) ftrace hooks after busy registrations, found $(hooked)"
[ "$(dmesg | grep -c 'rcufault: hook .*: 20 retries while a BPF trampoline on it was busy')" = "$(nr_hooks)" ] ||
	fail "no retry line for each of $(nr_hooks) hooks: $(dmesg | grep 'rcufault: hook')"
unload_module
# one that stays busy: a clear refusal after 5 s, nothing left behind
dmesg -C
t0=$(date +%s)
expect_fail "load with its hooks' trampolines busy for good" modprobe rcufault test_hook_busy=1000000
dmesg | grep -q 'rcufault: cannot hook .* (-11): a BPF trampoline on it stayed busy for 5 s' ||
	fail "no clear refusal for a trampoline busy for good: $(dmesg | grep rcufault)"
at_least $(($(date +%s) - t0)) 5 "seconds the load waited for the busy trampoline"
[ ! -d $D ] || fail "debugfs left behind"
grep -q '^rcufault ' /proc/modules && fail "module still loaded"
[ "$(hooked)" = 0 ] || fail "ftrace hooks left behind"
# and a normal load still works afterwards
load_module
unload_module
echo "PASS missing-symbol"
