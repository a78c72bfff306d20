#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# PTE tables freed under lockless faults (build/test/ptlstorm): munmap and
# mmap(MAP_FIXED) free the tables of one 2 MiB region while faults walk
# them. On a kernel that allocates PTE locks (ALLOC_SPLIT_PTLOCKS: lockdep,
# the debug lane) ptlock_free() must be hooked, every lock freed there must
# be deferred (ptl_frees_deferred moves, nothing leaks), also through the
# IPI fallback (test_ptl_nomem) and from under the PMD lock (THP deposited
# tables), and a kernel where the hook cannot be installed must be refused
# with one line. On any other kernel nothing may be hooked there and the
# counters stay 0. vm-run fails the test on any KASAN, lockdep or WARN
# report.
#
#   PTLFREE_SECONDS=N   length of the first storm (default 20; the others
#                       take half as long each)
#
# Run: scripts/vm-run --kernel debug --timeout 600 -- test/guest/ptlfree.sh
. "$(dirname "$0")/lib.sh"

S=${PTLFREE_SECONDS:-20}
case $S in ''|*[!0-9]*|0) fail "PTLFREE_SECONDS must be a positive integer, not '$S'" ;; esac
[ -x "$BIN/ptlstorm" ] || fail "$BIN/ptlstorm missing: run 'make test-progs'"
TR=/sys/kernel/tracing
split=0
split_ptlocks && split=1
note "ptlock_free in available_filter_functions: $([ $split = 1 ] && echo yes || echo 'no (PTE locks live in struct page)')"

# refused load: one line, nothing left behind
refused() {
	[ "$(dmesg | grep -c 'rcufault: ')" = 1 ] || fail "not one message for a refused load: $(dmesg | grep 'rcufault: ')"
	[ ! -d $D ] || fail "debugfs left behind"
	grep -q '^rcufault ' /proc/modules && fail "module still loaded"
	[ "$(hooked)" = 0 ] || fail "ftrace hooks left behind"
	note "refused: $(dmesg | grep 'rcufault: ')"
}

load_module	# the once-per-boot taint lines
unload_module
if [ $split = 1 ]; then
	dmesg -C
	expect_fail "load with ptlock_free missing" modprobe rcufault test_missing_symbol=ptlock_free
	dmesg | grep -q 'rcufault: unsupported kernel: .*ptlock_free' ||
		fail "no clear refusal naming ptlock_free"
	refused
	modprobe rcufault_test_ipmodify || fail "cannot load rcufault_test_ipmodify"
	dmesg -C
	expect_fail "load with ptlock_free hooked by someone else" modprobe rcufault
	dmesg | grep -q 'rcufault: cannot hook ptlock_free' ||
		fail "no clear refusal naming ptlock_free"
	refused
	rmmod rcufault_test_ipmodify || fail "rmmod rcufault_test_ipmodify"
fi

load_module enable=1
if [ $split = 1 ]; then
	grep -q '^ptlock_free .*\[rcufault\]' $TR/enabled_functions ||
		fail "ptlock_free is not hooked by rcufault: $(grep ptlock_free $TR/enabled_functions)"
else
	grep -q '^ptlock_free ' $TR/enabled_functions && fail "ptlock_free hooked on a kernel without split PTE lock objects"
fi
# storm WHAT ARGS...: run ptlstorm ARGS from zeroed counters, check it and
# what the lockless path did; sets rounds, def, sync, leak
storm() {
	what=$1
	shift
	echo 1 > $D/enable
	echo 1 > $D/reset
	thp0=$(awk '$1 == "thp_fault_alloc" { print $2 }' /proc/vmstat)
	out=$("$BIN/ptlstorm" "$@")
	rc=$?
	echo "    $what: $out"
	[ $rc = 0 ] || fail "ptlstorm $*: status $rc"
	echo 0 > $D/enable
	sleep 0.2
	snap
	thp=$(($(awk '$1 == "thp_fault_alloc" { print $2 }' /proc/vmstat) - thp0))
	rounds=$(echo "$out" | awk '{ print $3 }')
	def=$(stat ptl_frees_deferred) sync=$(stat ptl_frees_sync) leak=$(stat ptl_frees_leaked)
	ls=$(stat lockless_success)
	note "$what: rounds $rounds; ptl_frees_deferred $def, ptl_frees_sync $sync, ptl_frees_leaked $leak;" \
		"thp_fault_alloc +$thp; lockless_success $ls of $(stat lockless_attempts) attempts" \
		"(fallback: no_pte_table $(stat fallback_no_pte_table), epoch_changed $(stat fallback_epoch_changed)," \
		"writer_active $(stat fallback_writer_active), ptl_busy $(stat fallback_ptl_busy), pgtable $(stat fallback_pgtable))"
	at_least "$rounds" $((5 * $2)) "$what: unmap rounds"
	if [ $split = 1 ]; then
		[ "$leak" = 0 ] || fail "$what: $leak PTE locks leaked"
	else
		[ "$def$sync$leak" = 000 ] || fail "$what: PTE lock frees counted on a kernel that has none"
	fi
}

H=$(((S + 1) / 2))
# 1: PTE tables freed under lockless faults; every lock freed after RCU
storm pte -s $S
at_least "$ls" $((100 * S)) "lockless faults during the storm"
# every round frees the region's PTE table at least
[ $split = 0 ] || at_least "$def" "$rounds" "deferred PTE lock frees"
# 2 and 3 (split PTE lock kernels): every other free as if out of memory,
# freed after an IPI instead; then THP, whose deposited tables are freed
# under the PMD lock
if [ $split = 1 ]; then
	echo 2 > /sys/module/rcufault/parameters/test_ptl_nomem
	storm pte-nomem -s $H
	at_least "$sync" $((rounds / 4)) "PTE lock frees after an IPI"
	at_least "$def" $((rounds / 4)) "deferred PTE lock frees"
	storm thp-nomem -s $H -H
	echo 0 > /sys/module/rcufault/parameters/test_ptl_nomem
	at_least "$sync" $((rounds / 4)) "PTE lock frees after an IPI"
else
	storm thp -s $H -H
fi
if [ "$thp" = 0 ]; then
	[ $split = 0 ] || fail "no THP was allocated: PTE lock frees under the PMD lock were not exercised"
	note "no THP was allocated"
fi
unload_module	# waits for the deferred frees (rcu_barrier)
echo "PASS ptlfree"
