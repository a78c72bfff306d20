#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A kernel-mode fault on a user address from an instruction with no
# exception-table entry (a kernel bug; the stock path's
# get_mmap_lock_carefully() treats it specially) always takes the stock
# path: the test module rcufault_test_kfault makes exactly one such fault
# on a page whose neighbour put_user() just faulted (a lockless fault would
# be possible there), with lockless faults on; fallback_kernel_no_fixup
# must count exactly one, and the read must still succeed (read 0).
#
# Run: scripts/vm-run -- test/guest/kfault.sh
. "$(dirname "$0")/lib.sh"

load_module
echo 1 > $D/enable
snap
k0=$(stat fallback_kernel_no_fixup)
out=$(modprobe rcufault_test_kfault 2>&1) && fail "rcufault_test_kfault stayed loaded"
dmesg | grep -q "rcufault_test_kfault: read 0" || fail "no 'read 0' from rcufault_test_kfault: $out"
snap
k=$(($(stat fallback_kernel_no_fixup) - k0))
note "fallback_kernel_no_fixup +$k"
[ "$k" = 1 ] || fail "fallback_kernel_no_fixup +$k for one kernel fault with no fixup, want +1"
echo 0 > $D/enable
unload_module
echo "PASS kfault"
