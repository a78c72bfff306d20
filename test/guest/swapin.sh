#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Lockless swap-in of anonymous pages (src/fault_swap.c), on zram swap
# (a synchronous device: the path where 6.1's do_swap_page() skips the swap
# cache) with page-cluster 0 (no readahead), inside a memory cgroup whose
# memory.max the workload exceeds, so that reclaim swaps it out too.
# build/test/torture swapin runs, with enable=0 (stock) and then enable=1:
# - accounting: 256 pages paged out, then read (and, paged out again,
#   written) back one by one: every page holds its data, and majflt,
#   /proc/vmstat pgmajfault and pswpin each equal the pages swapped out, as
#   stock counts them;
# - a race: threads verify and rewrite their pages while a pager thread
#   pages ranges out, a flipper makes a swapped-out range read-only (a
#   write after mprotect(PROT_READ) returned must SIGSEGV, whether its
#   fault found a swap PTE or not) and forks share swap entries (an entry
#   with two users is stock's, through the swap cache).
# The lockless runs are traced (rcufault:unlocked_io): every read into the
# swap cache with no lock held is one swap_cache_read event with ok=1, and
# every lockless swap-in one swap_read event with ok=1 at least.
# Both runs must pass; memory.peak never above memory.max and no OOM kill;
# with enable=1 the lockless path must have swapped pages in (at least 9
# in 10 of the accounting runs' swap-ins, and more during the race).
# Then the same on swap over a loop device (asynchronous: stock reads
# through the swap cache): with enable=1 at least 9 in 10 of the
# accounting swap-ins must have been read with no lock held
# (swap_reads_unlocked) and then mapped from the swap cache by the
# lockless retry (lockless_swapin_cached), with the same accounting as
# stock. On zram the race's forks share swap entries: those swap-ins go
# through the swap cache too (src/fault_swap_cache.c), and a write to a
# shared one falls back (fallback_swap_shared).
# Last, on the loop device, the zap race (build/test/swapzap): swap-ins
# from the swap cache, each sleeping 2 ms after its commit with the page
# mapped (test_swap_cache_zap_window), while another thread zaps the page
# just mapped, in a cgroup whose swap is "full" (memory.swap.max twice the
# area), so that every swap-in frees its swap-cache entry: pages read back
# what was written (or zero after the zap), the kernel log stays clean (a
# page freed while the swap-in still held it locked warns in the test
# build), and the lockless path mapped pages from the swap cache meanwhile.
#
#   SWAPIN_SECONDS=N       seconds of the race (default 15)
#   SWAPIN_EXPECT_FAIL=1   "does it bite": the deliberately broken module
#                          (test_skip_epoch_recheck=1 test_commit_delay_us=
#                          20000: no epoch re-check, 20 ms between the VMA
#                          check and the commit) must be caught by the
#                          race's flipper: a swap-in write fault that
#                          checked the VMA before mprotect(PROT_READ) and
#                          maps the page writable after it returned.
#   SWAPIN_EXPECT_FAIL=shared  the broken module that maps swap-cache pages
#                          as exclusive (test_swap_cache_exclusive=torture)
#                          must be caught: a write to a page whose swap
#                          entry parent and child share lands in the page
#                          the other side maps (a torture violation), or,
#                          more often, the other side's stock swap-in finds
#                          the page exclusive and BUG()s: run-all accepts
#                          that splat (test/host/bites-caught.sh).
#   SWAPIN_EXPECT_FAIL=unpinned  the broken module whose swap-cache faults
#                          hold no folio reference of their own after the
#                          commit (test_swap_cache_unpinned=swapzap, the
#                          code before it) must be caught by the zap race:
#                          the zap frees the page still locked (the test
#                          build's warning, or "Bad page state" on a
#                          CONFIG_DEBUG_VM kernel; run-all accepts either
#                          splat).
. "$(dirname "$0")/lib.sh"

S=${SWAPIN_SECONDS:-15}
XF=${SWAPIN_EXPECT_FAIL:-0}
T=$BIN/torture
CG=/sys/fs/cgroup/rcufault-swapin
OUT=/tmp/swapin.out
MAX_MIB=6
case $S in ''|*[!0-9]*|0) fail "SWAPIN_SECONDS must be a positive integer, not '$S'" ;; esac
[ -x "$T" ] || fail "$T missing: run 'make test-progs'"

modprobe zram && echo 128M > /sys/block/zram0/disksize &&
	mkswap /dev/zram0 >/dev/null && swapon /dev/zram0 ||
	fail "zram swap set-up"
echo 0 > /proc/sys/vm/page-cluster

# loop_swap: swap on a loop device over a tmpfs file instead of zram
loop_swap() {
	swapoff /dev/zram0 || fail "swapoff zram"
	mkdir -p /tmp/swapin-back && mount -t tmpfs -o size=160m tmpfs /tmp/swapin-back &&
		truncate -s 128M /tmp/swapin-back/swap && modprobe loop &&
		LOOP=$(losetup -f --show /tmp/swapin-back/swap) &&
		mkswap "$LOOP" >/dev/null && swapon "$LOOP" || fail "loop swap set-up"
}
grep -qw memory /sys/fs/cgroup/cgroup.subtree_control ||
	echo +memory > /sys/fs/cgroup/cgroup.subtree_control ||
	fail "cannot enable the memory controller"

TR=/sys/kernel/tracing
# trace ON: the unlocked_io tracepoint on (1, buffer emptied) or off (0,
# then its events are checked against the counters' deltas ls and ru)
trace() {
	if [ "$1" = 1 ]; then
		echo > $TR/trace && echo 16384 > $TR/buffer_size_kb &&
			echo 1 > $TR/events/rcufault/unlocked_io/enable ||
			fail "cannot enable rcufault:unlocked_io"
		return
	fi
	echo 0 > $TR/events/rcufault/unlocked_io/enable
	lost=$(cat $TR/per_cpu/cpu*/stats | awk '$1 == "overrun:" { n += $2 } END { print n + 0 }')
	[ "$lost" = 0 ] || fail "the trace buffer overran: $lost events lost"
	ev_sr=$(grep -c 'what=swap_read .*ok=1' $TR/trace)
	ev_scr=$(grep -c 'what=swap_cache_read .*ok=1' $TR/trace)
	note "unlocked_io events: swap_read ok=1 $ev_sr, swap_cache_read ok=1 $ev_scr"
	at_least "$ev_sr" "$ls" "swap_read events with ok=1 (lockless swap-ins $ls)"
	[ "$ev_scr" = "$ru" ] ||
		fail "$ev_scr swap_cache_read events with ok=1 for $ru reads counted in swap_reads_unlocked"
}

# run ENABLE: torture swapin in a fresh cgroup with lockless faults ENABLE;
# sets rc, ls (lockless swap-ins meanwhile)
run() {
	rmdir $CG 2>/dev/null
	mkdir $CG || fail "mkdir $CG"
	echo ${MAX_MIB}M > $CG/memory.max || fail "set memory.max"
	echo "$1" > $D/enable
	snap
	ls0=$(stat lockless_swapin) ru0=$(stat swap_reads_unlocked) lc0=$(stat lockless_swapin_cached)
	[ "$1" = 0 ] || [ "$XF" != 0 ] || trace 1
	sh -c 'echo $$ > "$1/cgroup.procs" && exec "$2" swapin -s "$3"' sh $CG "$T" $S >$OUT 2>&1
	rc=$?
	echo 0 > $D/enable	# no event or count after the snapshot
	snap
	ls=$(($(stat lockless_swapin) - ls0)) ru=$(($(stat swap_reads_unlocked) - ru0))
	lc=$(($(stat lockless_swapin_cached) - lc0))
	sed 's/^/    /' $OUT
	peak=$(cat $CG/memory.peak) lim=$(cat $CG/memory.max)
	oom=$(awk '$1 == "oom_kill" { print $2 }' $CG/memory.events)
	evmax=$(awk '$1 == "max" { print $2 }' $CG/memory.events)
	note "enable=$1: status $rc; memory.max $lim, memory.peak $peak, memory.events max $evmax oom_kill $oom;" \
	     "lockless_swapin +$ls, swap_reads_unlocked +$ru, lockless_swapin_cached +$lc" \
	     "(whole run so far: fallback swap_cache $(stat fallback_swap_cache), swap_shared $(stat fallback_swap_shared)," \
	     "swap_failed $(stat fallback_swap_failed), swap_waits $(stat swap_waits), swap_reads_wasted $(stat swap_reads_wasted))"
	rmdir $CG || note "could not remove $CG"
	[ "$1" = 0 ] || [ "$XF" != 0 ] || trace 0
	[ "$peak" -le "$lim" ] || fail "enable=$1: memory.peak $peak > memory.max $lim"
	[ "$XF" != 0 ] || [ "$oom" = 0 ] || fail "enable=$1: $oom OOM kills under memory.max $lim"
}

# swapped_total: the pages the two accounting runs swapped out (from $OUT)
swapped_total() {
	awk '/torture swapin: account/ { for (i = 1; i < NF; i++) if ($i == "swapped") n += $(i + 1) }
	     END { print n + 0 }' $OUT
}

# bites WHAT PATTERN PARAM...: the race with the broken module (PARAM...)
# must end in a violation matching PATTERN
bites() {
	local what=$1 pattern=$2
	shift 2
	note "expect-fail mode: $what"
	load_module enable=1 "$@"
	run 1
	echo 0 > $D/enable
	unload_module
	swapoff /dev/zram0 || fail "swapoff"
	grep -q "$pattern" $OUT ||
		fail "the broken module ($what) was not caught by the swap-in race (status $rc)"
	echo "PASS swapin (expect-fail $XF): the broken module was caught"
	exit 0
}
# zap_race: build/test/swapzap on the loop device, with swap-cache
# swap-ins in it sleeping in their window; sets zc (lockless_swapin_cached
# meanwhile)
zap_race() {
	printf swapzap > /sys/module/rcufault/parameters/test_swap_cache_zap_window &&
		echo 1 > $D/enable || fail "zap race: set-up"
	snap
	zc=$(stat lockless_swapin_cached)
	# swap "full" for the cgroup (usage at least half of swap.max:
	# mem_cgroup_swap_full()): every swap-in frees its swap-cache entry
	rmdir $CG 2>/dev/null
	mkdir $CG && echo 512K > $CG/memory.swap.max || fail "zap race: cgroup set-up"
	sh -c 'echo $$ > "$1/cgroup.procs" && exec "$2" "$3"' sh $CG "$BIN/swapzap" "$S" > $OUT 2>&1
	rc=$?
	rmdir $CG || note "could not remove $CG"
	echo 0 > $D/enable
	echo > /sys/module/rcufault/parameters/test_swap_cache_zap_window
	snap
	zc=$(($(stat lockless_swapin_cached) - zc))
	sed 's/^/    /' $OUT
	note "zap race: lockless_swapin_cached +$zc"
	freed='Bad page state|still locked has no reference'
	if dmesg | grep -Eq "$freed"; then
		dmesg | grep -Em1 "$freed"
		[ "$XF" = 0 ] || { echo "PASS swapin (expect-fail $XF): the broken module was caught"; exit 0; }
		fail "zap race: a page freed under a swap-in that still held it locked"
	fi
	[ $rc = 0 ] || fail "zap race: swapzap failed (status $rc)"
}
case $XF in
0) ;;
unpinned)
	note "expect-fail mode: swap-cache faults with no folio reference of their own after the commit"
	loop_swap
	load_module enable=0 test_swap_cache_unpinned=swapzap
	zap_race
	fail "the broken module (no reference of its own) was not caught by the zap race" ;;
shared) bites "swap-cache pages mapped as exclusive in torture, even when a fork child shares their entry" \
	'VIOLATION' test_swap_cache_exclusive=torture ;;
*) bites "no write-epoch re-checks, and 20 ms before each commit" \
	'VIOLATION.*after mprotect(PROT_READ)' test_skip_epoch_recheck=1 test_commit_delay_us=20000 ;;
esac

# stock_then_lockless SWAP: both runs on swap device SWAP must pass; sets
# sw (pages the lockless run's accounting swapped out), ls and ru
stock_then_lockless() {
	run 0
	[ $rc = 0 ] || fail "$1: the stock run failed (status $rc): the test itself is wrong here"
	run 1
	[ $rc = 0 ] || fail "$1, enable=1: torture swapin failed (status $rc)"
	sw=$(swapped_total)
}

load_module enable=0
stock_then_lockless zram
at_least "$ls" $((sw * 9 / 10 + 1)) "zram: pages swapped in locklessly with enable=1 (accounting runs swapped out $sw)"
loop_swap
S=$(((S + 2) / 3))
stock_then_lockless "loop swap"
at_least "$ru" $((sw * 9 / 10 + 1)) "loop swap: pages read into the swap cache with no lock held (accounting runs swapped out $sw)"
at_least "$lc" $((sw * 9 / 10 + 1)) "loop swap: pages mapped from the swap cache locklessly (accounting runs swapped out $sw)"
zap_race
at_least "$zc" 100 "zap race: pages mapped from the swap cache locklessly"
echo 0 > $D/enable
snap
[ "$(stat lockless_success)" = "$(stat sentinel_completions)" ] ||
	fail "lockless_success $(stat lockless_success) != sentinel_completions $(stat sentinel_completions)"
unload_module
swapoff "$LOOP" && losetup -d "$LOOP" && umount /tmp/swapin-back || fail "loop swap clean-up"
echo "PASS swapin"
