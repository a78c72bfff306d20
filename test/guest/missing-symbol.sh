#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# An unsupported kernel (a required symbol missing, forced through a test
# parameter) is refused with one clear line, and leaves nothing behind.
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
# and a normal load still works afterwards
load_module
unload_module
echo "PASS missing-symbol"
