#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The shadow VMA tree beside the stock mm: multithreaded processes churn
# their address space (mmap, munmap, mprotect, mremap, madvise, brk, fork)
# with lockless mode on; at quiescent points each has the module audit its
# shadow tree against its VMA tree (vma_churn): no mismatch, no record of a
# freed VMA, plenty of current records. Then the counters, the maps file,
# an out-of-memory round, and the tree gauges back at their baseline.
. "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-16}
OUT=/tmp/rcufault-shadow
mkdir -p $OUT

grep -qx vm_area_free /sys/kernel/tracing/available_filter_functions ||
	fail "vm_area_free is not in available_filter_functions"
# shadow_revalidate=0: every fault on a record a writer made stale takes the
# stock path and refreshes it, so after a quiescent point every touched VMA
# must have a current record (what the audits check). Revalidation only
# changes which faults take the stock path, not how the tree is kept; the
# out-of-memory run below has it on. shadow_at_mmap=1: mmap() makes
# records too. maple_lookup=0 likewise: a fault on a VMA with no record
# takes the stock path, which makes it (the maple lane tests the lookup).
load_module shadow_revalidate=0 shadow_at_mmap=1 maple_lookup=0
[ "$(hooked)" = "$(nr_hooks)" ] || fail "expected $(nr_hooks) ftrace hooks, found $(hooked)"
grep -q 'vm_area_free.*\[rcufault\]' /sys/kernel/tracing/enabled_functions ||
	fail "vm_area_free is not hooked"

settle() {	# freeze refreshes, let grace periods pass, snapshot
	echo 0 > $D/enable
	sleep 1
	snap
}
maps_records() {	# record lines in the maps file
	grep -vc '^mm ' $D/maps
}

# Baseline: lockless mode on for a while, then frozen. The shell's own tree
# fills on its first stock fault: command substitutions fork (copy-on-write
# faults afterwards); plain commands may use vfork.
echo 1 > $D/enable
"$BIN/workload" fault -t 1 -p 16 -i 2 >/dev/null || fail "warm-up workload"
for i in 1 2 3; do
	w=$(echo $i)
done
settle
base_rec=$(stat shadow_records) base_nodes=$(stat shadow_nodes)
note "baseline: shadow_records $base_rec shadow_nodes $base_nodes"
[ "$(stat shadow_records_allocated)" = "$base_rec" ] ||
	fail "records allocated $(stat shadow_records_allocated) != records in trees $base_rec (leak?)"
echo 1 > $D/reset

# The churn: two processes at once, plus faulting threads for company.
echo 1 > $D/enable
"$BIN/vma_churn" -t 4 -r "$ROUNDS" -o 40 -f 20 -s 1 -m $D/maps >$OUT/c1 2>&1 &
p1=$!
"$BIN/vma_churn" -t 3 -r "$ROUNDS" -o 60 -f 10 -s 2 >$OUT/c2 2>&1 &
p2=$!
"$BIN/workload" mixed -t 2 -p 128 -i 8 >$OUT/wl 2>&1 || fail "workload beside the churn: $(cat $OUT/wl)"
wait $p1 || fail "vma_churn 1 failed: $(grep -m3 -e BAD -e cannot $OUT/c1; tail -1 $OUT/c1)"
wait $p2 || fail "vma_churn 2 failed: $(grep -m3 -e BAD -e cannot $OUT/c2; tail -1 $OUT/c2)"
for f in $OUT/c1 $OUT/c2; do
	note "$(tail -1 $f)"
	sum=$(awk '/^audit parent/ { n++ } END { print n + 0 }' $f)
	[ "$sum" = "$ROUNDS" ] || fail "$f: $sum parent audits, expected $ROUNDS"
	at_least "$(awk '/^audit child/ { n++ } END { print n + 0 }' $f)" 1 "$f: child audits"
	# every audit line: zero mismatches, dead and unindexed records
	bad=$(awk '/^audit/ && !/mismatches 0 stale_ok [0-9]+ dead 0 unhashed 0 .* tree ok/' $f | wc -l)
	[ "$bad" = 0 ] || fail "$f: $bad bad audits: $(grep -m2 '^audit' $f)"
	minc=$(sed -n 's/.* min_current \([0-9]*\) .*/\1/p' $f)
	at_least "${minc:-0}" 10 "$f: current records at the worst audit"
done
awk '/^audit parent/ { split($0, a, " current "); split(a[2], b, " "); c = b[1] }
     END { print "  last parent audit of c1: " c " current records" }' $OUT/c1
# the maps section was checked against each audit by vma_churn -m
grep '^audit parent' $OUT/c1 | grep -q 'maps [0-9]*/[0-9]*' || fail "no maps cross-check in c1"
pids=$(awk '/^audit/ { print $3 == "pid" ? $4 : "" }' $OUT/c1 $OUT/c2 | sort -u)

snap
for c in populations refreshes mmap_records record_removals vma_frees_deferred tree_clears_exit; do
	at_least "$(stat $c)" 1 "$c"
done
at_least "$(stat refreshes)" 200 "refreshes"
[ "$(stat vma_frees_leaked)" = 0 ] || fail "VMAs leaked: $(stat vma_frees_leaked)"
note "populations $(stat populations) refreshes $(stat refreshes) record_removals $(stat record_removals) vma_frees_deferred $(stat vma_frees_deferred) exit clears $(stat tree_clears_exit) max height $(stat shadow_max_height)"

# maps: a header per mm, records in /proc/PID/maps form
awk '/^mm / && !/^mm pid [0-9]+ epoch [0-9]+ records [0-9]+ nodes [0-9]+ height [0-9]+$/ { bad++ }
     !/^mm / && !/^[0-9a-f]+-[0-9a-f]+ epoch [0-9]+ ref [0-9]+ (current|stale)$/ { bad++ }
     END { exit bad > 0 }' $D/maps || fail "malformed maps lines: $(head -3 $D/maps)"
echo $$ > $D/check || fail "audit of the shell"
grep -q 'mismatches 0 stale_ok [0-9]* dead 0 unhashed 0 .* tree ok' $D/check ||
	fail "shell audit: $(cat $D/check)"
expect_fail "check accepted junk" sh -c "echo junk > $D/check"
expect_fail "check accepted a missing pid" sh -c "echo 999999 > $D/check"

# Out of memory: every 251st tree update fails; the tree is cleared, never
# left stale.
need_test_build
echo 1 > /sys/module/rcufault/parameters/shadow_revalidate || fail "shadow_revalidate"
echo 251 > /sys/module/rcufault/parameters/test_shadow_nomem || fail "test_shadow_nomem"
"$BIN/vma_churn" -t 3 -r 6 -o 40 -f 10 -s 3 -n >$OUT/c3 2>&1 ||
	fail "vma_churn with failing tree updates: $(grep -m3 -e BAD -e cannot $OUT/c3; tail -1 $OUT/c3)"
echo 0 > /sys/module/rcufault/parameters/test_shadow_nomem
snap
at_least "$(stat tree_clears_enomem)" 1 "tree_clears_enomem"
at_least "$(sed -n 's/.* max_records \([0-9]*\) .*/\1/p' $OUT/c3)" 1 "records seen by the audits between clears"
note "out of memory: $(tail -1 $OUT/c3); tree_clears_enomem $(stat tree_clears_enomem)"

# Back to the baseline once every test process is gone.
settle
for p in $pids; do
	grep "^mm pid $p " $D/maps | grep -vq ' records 0 ' &&
		fail "exited process $p still has shadow records"
done
rec=$(stat shadow_records) nodes=$(stat shadow_nodes)
note "after: shadow_records $rec shadow_nodes $nodes (baseline $base_rec/$base_nodes)"
[ "$(stat shadow_records_allocated)" = "$rec" ] ||
	fail "records allocated $(stat shadow_records_allocated) != records in trees $rec (leak?)"
[ "$(maps_records)" = "$rec" ] || fail "maps lists $(maps_records) records, stats $rec"
[ "$rec" -le $((base_rec + 16)) ] || fail "shadow_records $rec, baseline $base_rec"
[ "$nodes" -le $((base_nodes + 2)) ] || fail "shadow_nodes $nodes, baseline $base_nodes"

unload_module
[ "$(hooked)" = 0 ] || fail "hooks left after unload"
echo "PASS shadow"
