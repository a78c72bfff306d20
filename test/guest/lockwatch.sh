#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The mmap_lock watch (debugfs watch, watch_report, watch_reset).
# - Off at load; bad writes fail with EINVAL and change nothing.
# - Its numbers add up: the hold histograms hold every completed hold, the
#   wait histograms every wait (queued), acquired = completed + active
#   once it is off, and blamed (to a holder's stack, or to short clean
#   holds) + unattributed = the measured wait, with at least BLAME_PCT% of
#   it blamed and some of it on stacks (cold file faults beside an
#   mmap/munmap writer, with enable=0 and enable=1); no task was dropped,
#   left stale or skipped by the recursion guard.
# - The lockless file path does its I/O with no lock: with enable=1 no
#   I/O seen under mmap_lock has a page fault in its stack.
# - I/O under mmap_lock where 6.1 does it: reading a cold file mapping
#   through /proc/self/mem (GUP that cannot drop the lock) is block I/O
#   under the lock in filemap_fault's readahead, named by its non-fault
#   site (__access_remote_vm), with enable=0 and enable=1 alike. (6.1's
#   own file faults drop mmap_lock around their I/O: they show none.)
# - Reclaim under mmap_lock: anonymous first-touch faults over a memcg
#   limit (swap on zram) run memcg reclaim inside the fault's charge under
#   the lock with enable=0; with enable=1 the lockless anonymous path
#   charges with no lock, and that site falls to at most 1/5 of it. (The
#   swap-in faults that still fall back keep theirs: noted.)
# - watch=2 prints a rate-limited warning line per new offending stack.
# - watch_reset zeroes it; the report stays readable once off.
# - rcufault-stat --watch refuses with the watch off and with -p, and
#   prints its rates (and --json) while a workload runs.
# - Unloading with the watch on works.
. "$(dirname "$0")/lib.sh"

MNT=/tmp/lockwatch
R=/tmp/lockwatch-report
CG=/sys/fs/cgroup/lockwatch
BLAME_PCT=70
RS=$TOP/scripts/rcufault-stat

report() {
	cat $D/watch_report > $R || fail "cannot read $D/watch_report"
}

# field LINE KEY: the number after KEY on the report's LINE line
field() {
	awk -v l="$1" -v k="$2" '$1 == l { for (i = 2; i < NF; i++) if ($i == k) { print $(i + 1); f = 1 } }
		END { if (!f) exit 1 }' $R || fail "no '$2' on the '$1' line of watch_report"
}

# event NAME count|amount
event() {
	awk -v n="$1" -v k="$2" '$1 == "event" && $2 == n { for (i = 3; i < NF; i++) if ($i == k) print $(i + 1) }' $R
}

# hist_sum hold|wait: the entries of those histograms, from their totals
hist_sum() {
	awk -v w="$1" '$1 == "hist" && $2 == w { for (i = 3; i < NF; i++) if ($i == "total") s += $(i + 1) }
		END { print s + 0 }' $R
}

# site_sum EVENT INCLUDE [EXCLUDE]: EVENT's count over the "io" sites whose
# frames (innermost first, joined by ",") match the ERE INCLUDE, not EXCLUDE
site_sum() {
	awk -v ev="$1" -v inc="$2" -v exc="${3:-^$}" '
		function flush() {
			if (kind == "io" && fr ~ inc && fr !~ exc)
				s += n
			kind = ""
		}
		/^(io|blame)\t/ {
			flush(); kind = $1; n = 0; fr = ""
			for (i = 2; i < NF; i++)
				if ($i == ev) { split($(i + 1), a, "/"); n = a[1] }
			next
		}
		/^\t  / { fr = fr "," $1; next }
		{ flush() }
		END { flush(); print s + 0 }' $R
}

# consistent WHAT: the watch is off; its totals must add up
consistent() {
	local c act a wn b u sh f
	report
	c=$(field holds completed) act=$(field holds active)
	a=$(($(field acquired read) + $(field acquired write)))
	[ "$(hist_sum hold)" = "$c" ] ||
		fail "$1: the hold histograms hold $(hist_sum hold), not the $c completed holds"
	[ "$a" = $((c + act)) ] ||
		fail "$1: $a acquisitions, but $c completed and $act active holds"
	[ "$(hist_sum wait)" = "$(field waits queued)" ] ||
		fail "$1: the wait histograms hold $(hist_sum wait), not the $(field waits queued) waits"
	wn=$(field waits wait_ns) b=$(field waits blamed_ns) u=$(field waits unattributed_ns)
	sh=$(field waits short_ns)
	[ $((b + sh + u)) = "$wn" ] || fail "$1: blamed $b + short $sh + unattributed $u != wait_ns $wn"
	for f in tasks_dropped stale recursion; do
		[ "$(field holds $f)" = 0 ] || fail "$1: holds $f is $(field holds $f)"
	done
	[ "$(field sites dropped)" = 0 ] || fail "$1: the site table dropped stacks"
	grep -qx "unavailable	none" $R || fail "$1: $(grep ^unavailable $R)"
}

# watched ENABLE WHAT COMMAND...: run COMMAND under a reset watch; leaves
# the watch off and its report in $R
watched() {
	local e=$1 what=$2 out
	shift 2
	echo 1 > $D/watch_reset || fail "watch_reset"
	echo 1 > $D/watch || fail "watch on"
	echo "$e" > $D/enable
	out=$("$@" 2>&1) || fail "$what (enable=$e): $out"
	echo 0 > $D/enable
	echo 0 > $D/watch || fail "watch off"
	consistent "$what (enable=$e)"
	note "$what, enable=$e: $(grep -E '^(holds|waits)' $R | tr '\t\n' '  ')"
}

load_module
[ "$(cat $D/watch)" = 0 ] || fail "the watch is not off at load: $(cat $D/watch)"
grep -qx "state	off" $D/watch_report || fail "watch_report at load: $(head -1 $D/watch_report)"
for bad in 3 9 x -1 "1 1" 10; do
	expect_fail "watch refuses '$bad'" sh -c "printf '%s' '$bad' > $D/watch"
done
for bad in 0 2 x; do
	expect_fail "watch_reset refuses '$bad'" sh -c "printf '%s' '$bad' > $D/watch_reset"
done
[ "$(cat $D/watch)" = 0 ] || fail "a bad write switched the watch on"
report
[ "$(field acquired read)" = 0 ] || fail "the watch counted while off"

ext4_mount $MNT
"$BIN/workload" mkfile -f $MNT/ext4/f -p 4096 > /dev/null || fail "mkfile"

# enable=1 sees a fifth of enable=0's waits per iteration (the faults,
# the writer's own included, hold no mmap_lock), so it runs longer: with
# some 20 waits, one that no release accounts for (a waiter that queued
# after its holder's contention check) could carry a third of the total
for e in 0 1; do
	watched $e "cold file faults beside a writer" \
		"$BIN/workload" filefault -f $MNT/ext4/f -t 2 -p 1024 -i $((4 + 8 * e))
	wn=$(field waits wait_ns)
	at_least "$(field waits queued)" 1 "enable=$e: acquires that queued behind the writer"
	at_least $((($(field waits blamed_ns) + $(field waits short_ns)) * 100)) $((wn * BLAME_PCT)) \
		"enable=$e: wait blamed on a holder (x100, of wait_ns x$BLAME_PCT)"
	at_least "$(field waits blamed_ns)" 1 "enable=$e: wait blamed on a holder's stack"
	[ "$e" = 0 ] && continue
	for ev in bio iowait; do
		n=$(site_sum $ev exc_page_fault)
		[ "$n" = 0 ] || fail "enable=1: $n $ev events under mmap_lock from page faults: $(cat $R)"
	done
done

for e in 0 1; do
	watched $e "/proc/self/mem reads of a cold file" \
		"$BIN/workload" memread -f $MNT/ext4/f -p 1024 -i 3
	at_least "$(site_sum bio 'page_cache_ra.*filemap_fault.*__access_remote_vm')" 10 \
		"enable=$e: bios under mmap_lock in readahead from /proc/self/mem"
	at_least "$(field holds with_io)" 1 "enable=$e: holds with I/O inside"
done
ext4_umount $MNT || fail "cleanup: ext4 still busy"

modprobe zram && echo 256M > /sys/block/zram0/disksize &&
	mkswap /dev/zram0 > /dev/null && swapon /dev/zram0 || fail "zram swap set-up"
echo +memory > /sys/fs/cgroup/cgroup.subtree_control && mkdir -p $CG &&
	echo 32M > $CG/memory.max || fail "memory cgroup set-up"
for e in 0 1; do
	watched $e "anonymous faults over memory.max" sh -c \
		'echo $$ > "$0/cgroup.procs" && exec "$@"' $CG "$BIN/workload" reclaim -t 2 -p 8192 -i 2
	eval touch$e=$(site_sum memcg_reclaim '__mem_cgroup_charge.*exc_page_fault' do_swap_page)
	eval swapin$e=$(site_sum memcg_reclaim 'do_swap_page.*exc_page_fault')
done
note "memcg reclaim under mmap_lock: first touch $touch0 -> $touch1, swap-in (falls back) $swapin0 -> $swapin1"
at_least "$touch0" 20 "enable=0: memcg reclaims under mmap_lock in first-touch charges"
at_least $((touch0 / 5)) "$touch1" "enable=1: first-touch memcg reclaims under mmap_lock (at most 1/5 of stock's)"
swapoff /dev/zram0 || fail "swapoff"
rmdir $CG

dmesg -c > /dev/null
echo 1 > $D/watch_reset
echo 2 > $D/watch
[ "$(cat $D/watch)" = 2 ] || fail "watch=2 reads $(cat $D/watch)"
mkdir -p $MNT && ext4_mount $MNT
"$BIN/workload" mkfile -f $MNT/ext4/f -p 1024 > /dev/null || fail "mkfile"
"$BIN/workload" memread -f $MNT/ext4/f -p 1024 -i 2 > /dev/null || fail "memread (watch=2)"
report
warned=$(field sites warned) lines=$(dmesg | grep -cE "rcufault: mmap_lock (read|write)-held across ")
at_least "$warned" 1 "watch=2: warnings for new offending stacks"
[ "$lines" = "$warned" ] || fail "watch=2: $lines warning lines in the log, $warned counted"
at_least "$(field sites used)" "$warned" "watch=2: at most one warning per stack"
dmesg | grep "rcufault: mmap_lock read-held across " | grep -q "filemap_fault" ||
	fail "watch=2: no warning names filemap_fault: $(dmesg | grep 'held across')"
note "watch=2: $(dmesg | grep -m1 'held across')"

echo 1 > $D/watch_reset
[ "$(cat $D/watch)" = 2 ] || fail "watch_reset while on switched it to $(cat $D/watch)"
report
[ "$(field sites warned)" = 0 ] && [ "$(event bio count)" = 0 ] ||
	fail "watch_reset while on did not zero the report: $(head -12 $R)"
echo 0 > $D/watch
echo 1 > $D/watch_reset
report
[ "$(field holds completed)" = 0 ] && [ "$(field sites used)" = 0 ] &&
	[ "$(field waits wait_ns)" = 0 ] || fail "watch_reset while off left: $(head -8 $R)"
ext4_umount $MNT || fail "cleanup: ext4 still busy"

# rcufault-stat --watch: refuses with the watch off and with -p; with it on
# and a workload running, a header and a line per interval, or JSON lines
out=$("$RS" --watch 1 1 2>&1) && fail "rcufault-stat --watch with the watch off succeeded: $out"
echo "$out" | grep -q "the mmap_lock watch is off" ||
	fail "rcufault-stat --watch with the watch off said: $out"
out=$("$RS" --watch -p 1 1 1 2>&1) && fail "rcufault-stat --watch -p succeeded: $out"
echo "$out" | grep -q "cannot be combined" || fail "rcufault-stat --watch -p said: $out"
echo 1 > $D/watch || fail "watch on"
"$BIN/workload" mixed -t 2 -p 256 -i 100 > /dev/null &
busy=$!
out=$("$RS" --watch 1 2 2>&1) || fail "rcufault-stat --watch 1 2: $out"
[ "$(printf '%s\n' "$out" | wc -l)" -eq 3 ] || fail "rcufault-stat --watch 1 2 printed: $out"
at_least "$(printf '%s\n' "$out" | awk 'NR > 1 { s += $1 } END { print s + 0 }')" 1 \
	"holds per second in rcufault-stat --watch"
note "rcufault-stat --watch:"
note "$out"
json=$("$RS" --watch --json 1 1 2>&1) || fail "rcufault-stat --watch --json 1 1: $json"
[ "$(printf '%s\n' "$json" | wc -l)" -eq 1 ] || fail "rcufault-stat --watch --json 1 1 printed: $json"
case $json in
'{"time":'*'"io_ms":'*) ;;
*) fail "rcufault-stat --watch --json 1 1 printed: $json" ;;
esac
wait $busy || fail "workload mixed under rcufault-stat --watch"
no_desync
unload_module
echo "PASS lockwatch"
