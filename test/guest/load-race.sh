#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The write epoch must be right from the moment the module is loaded, in
# mms that were busy with mmap_lock writers while it loaded. A write
# section whose start was traced but whose end was not (or the other way
# round) flips the epoch's parity: odd with no writer, even during every
# later write section, so that lockless faults can commit during mprotect()
# or munmap().
#
# LOADS (default 50) loads with enable=1 while 3 `torture storm` processes
# mmap/mprotect/munmap. After each load: stop the storms, read every
# tracked mm's epoch twice 0.5 s apart (odd and unchanged with every writer
# stopped: a flipped epoch), check the epoch_desync counter once the module
# has one, then resume the storms and make each run the mprotect race for a
# second in its own, possibly flipped, mm; stop them again and unload.
# Run it with vm-run --tcg-single (see load-cycles.sh).
. "$(dirname "$0")/lib.sh"

LOADS=${LOADS:-50}
NSTORM=3
W=/tmp/load-race
[ -x "$BIN/torture" ] || fail "$BIN/torture missing: run 'make test-progs'"
# epoch_desync: checked once the module counts it
desync=0
grep -rqs epoch_desync "$TOP/src" && desync=1
mkdir -p $W

# ms: milliseconds since boot, without a process (this runs 50 times)
ms() {
	read -r up _ </proc/uptime
	echo $((${up%.*}${up#*.} * 10))
}

# The storms run at nice 19: under --tcg-single both vCPUs share one host
# thread, and modprobe would wait for the storms' time slices.
pids="" outs="" stats="" pstats=""
i=1
while [ $i -le $NSTORM ]; do
	nice -n 19 "$BIN/torture" storm -s 1 >$W/storm.$i.out 2>$W/storm.$i.err &
	pids="$pids $!" outs="$outs $W/storm.$i.out"
	stats="$stats /proc/$!/task/*/stat" pstats="$pstats /proc/$!/stat"
	i=$((i + 1))
done

# storm_fail MESSAGE: a storm failed or died; show what it said
storm_fail() {
	for f in $W/storm.*.err; do
		[ -s "$f" ] && sed 's/^/  /' "$f"
	done
	fail "$*"
}

# stop_storms: SIGSTOP them and wait until every thread is stopped
stop_storms() {
	kill -STOP $pids
	t=0
	until awk '$3 != "T" { bad = 1 } END { exit bad }' $stats 2>/dev/null; do
		t=$((t + 1))
		[ $t -lt 300 ] || storm_fail "load $n: storms not stopped after 30 s"
		sleep 0.1
	done
}

# races_done N: 0 if every storm reported N passed mprotect races, 1 if
# not yet, 2 if one reported a failure, 3 if one died
races_done() {
	for p in $pids; do
		[ -e /proc/$p/stat ] || return 3
	done
	awk -v n="$1" 'FILENAME ~ /^\/proc\// { if ($3 == "Z") dead = 1; next }
		/^torture (mprotect|storm): (FAIL|ERROR)/ { bad = 1 }
		/^torture mprotect: PASS/ { c[FILENAME]++ }
		END {
			if (bad) exit 2
			if (dead) exit 3
			for (i = 1; i < ARGC; i++)
				if (ARGV[i] !~ /^\/proc\// && c[ARGV[i]] < n) exit 1
		}' $outs $pstats
}

sleep 1
t_begin=$(ms)
n=1 flipped_total=0 tracked_total=0 t_load=0 t_race=0 t_unload=0
while [ $n -le "$LOADS" ]; do
	t0=$(ms)
	modprobe rcufault enable=1 || storm_fail "load $n failed"
	t1=$(ms)
	stop_storms
	cat $D/maps >$W/maps.1
	sleep 0.5
	# maps headers: mm pid P epoch E records N nodes N height N; one
	# process for maps and stats (each exec is slow under TCG)
	set -- $(awk -v out=$W/stuck -v stats=$D/stats \
		'FILENAME == stats { if ($1 == "epoch_desync") d = $2; next }
		FNR == NR { if (/^mm / && $5 % 2) odd[$0]++; next }
		/^mm / { n++; if (odd[$0]-- > 0) { print > out; s++ } }
		END { print n + 0, s + 0, d == "" ? "absent" : d }' $W/maps.1 $D/maps $D/stats)
	tracked=$1 flipped=$2 dsy=$3
	tracked_total=$((tracked_total + tracked))
	flipped_total=$((flipped_total + flipped))
	[ $desync = 1 ] || dsy="not checked"
	t2=$(ms)
	kill -CONT $pids
	kill -USR1 $pids
	sleep 1		# each race runs for a second
	t=0
	while :; do
		races_done $n
		case $? in
		0) break ;;
		2) storm_fail "load $n: $(grep -hE '^torture (mprotect|storm): (FAIL|ERROR)' $outs)" ;;
		3) storm_fail "load $n: a storm died" ;;
		esac
		t=$((t + 1))
		[ $t -lt 1200 ] || storm_fail "load $n: the mprotect races did not end within 120 s"
		sleep 0.1
	done
	t3=$(ms)
	if [ "$flipped" != 0 ]; then
		note "load $n: the mprotect race then passed in all $NSTORM storms; storm pids:$pids"
		sed 's/^/  odd and unchanged 0.5 s later: /' $W/stuck
		fail "load $n: $flipped of $tracked tracked mm states have an odd write epoch with every writer stopped (parity flipped at load)"
	fi
	[ $desync = 0 ] || [ "$dsy" = 0 ] || fail "load $n: epoch_desync $dsy"
	# unload with the storms stopped: the RCU-tasks wait is much shorter
	stop_storms
	rmmod rcufault || storm_fail "unload $n failed"
	kill -CONT $pids
	t4=$(ms)
	t_load=$((t_load + t1 - t0)) t_race=$((t_race + t3 - t2)) t_unload=$((t_unload + t4 - t3))
	[ $((n % 10)) != 0 ] ||
		note "load $n: $tracked mm states tracked, none flipped; epoch_desync $dsy; mprotect races passed"
	n=$((n + 1))
done
kill -TERM $pids
for p in $pids; do
	wait "$p" || storm_fail "storm $p ended with status $?"
done
note "$LOADS loads under $NSTORM storms: $tracked_total mm states checked, $flipped_total flipped;" \
	"$((LOADS * NSTORM)) mprotect races in the storms' own mms"
note "$(($(ms) - t_begin)) ms in all; mean ms per load: modprobe $((t_load / LOADS)), races $((t_race / LOADS)), stop+rmmod $((t_unload / LOADS))"
[ "$(hooked)" = 0 ] || fail "hooks left after the last unload"
echo "PASS load-race"
