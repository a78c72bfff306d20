#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The sentinel short-circuit end to end: a fault that finds its page
# already mapped by a racing thread completes without mmap_lock, the data
# is right, and min_flt and the PGFAULT event still count it.
. "$(dirname "$0")/lib.sh"

PAGES=40
pgfault() {
	awk '$1 == "pgfault" { print $2 }' /proc/vmstat
}
# race: run the race workload; sets out, minflt and pgf (vmstat delta)
race() {
	local p0=$(pgfault)

	out=$("$BIN/workload" race -p $PAGES) || fail "race workload: $out"
	pgf=$(($(pgfault) - p0))
	minflt=$(echo "$out" | awk '{ print $6 }')
}

# Every lockless attempt sleeps 100 ms before reading the page table, so the
# second thread's fault on a page always finds the first thread's stock
# fault done. Without the module it finds nothing to do: no fault.
load_module test_fault_delay_us=100000
race
min0=$minflt pgf0=$pgf
echo 1 > $D/enable
echo 1 > $D/reset
race
echo 0 > $D/enable
sleep 0.2
snap
note "$out; lockless_success $(stat lockless_success) of $(stat lockless_attempts)"
note "minflt $min0 -> $minflt, pgfault events $pgf0 -> $pgf"
at_least "$(stat lockless_success)" $((PAGES - 2)) "faults served by the sentinel path"
[ "$(stat lockless_success)" = "$(stat sentinel_completions)" ] ||
	fail "lockless_success $(stat lockless_success) != sentinel_completions $(stat sentinel_completions)"
at_least $((minflt - min0)) $((PAGES - 4)) "min_flt counts the sentinel faults"
at_least $((pgf - pgf0)) $((PAGES / 2)) "PGFAULT events count the sentinel faults"
unload_module
echo "PASS sentinel"
