#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The per-process view (debugfs procs) and scripts/rcufault-stat.
# - procs is off at load; a bad write fails with EINVAL and changes nothing.
# - Counting on, two processes fault at once (plain anonymous faults, and
#   faults beside an mmap/munmap writer): each has its own row under its
#   pid and name; every attempt is in some row, so the rows (and "other")
#   add up exactly to lockless_attempts and lockless_success; the plain
#   one is nearly all lockless; a row's reasons never exceed the counters.
# - rcufault-stat prints rates while a workload runs, per process with -p,
#   as JSON with --json, and refuses clearly: bad arguments, -p while procs
#   is off or for a pid with no row, not root, module not loaded.
. "$(dirname "$0")/lib.sh"

RS=$TOP/scripts/rcufault-stat
OUT=/tmp/rcufault-procs

load_module
grep -qx "collecting 0" $D/procs || fail "procs is not off at load: $(head -1 $D/procs)"
for bad in 2 on "1 1" 10; do
	expect_fail "procs refuses '$bad'" sh -c "printf '%s' '$bad' > $D/procs"
done
grep -qx "collecting 0" $D/procs || fail "a bad write switched procs on"
out=$("$RS" -p 1 1 1 2>&1) && fail "rcufault-stat -p with procs off succeeded: $out"
echo "$out" | grep -q "per-process counting is off" ||
	fail "rcufault-stat -p with procs off said: $out"

echo 1 > $D/procs
echo 1 > $D/reset
echo 1 > $D/enable
"$BIN/workload" fault -t 2 -p 256 -i 400 > $OUT.plain &
plain=$!
"$BIN/workload" mixed -t 2 -p 256 -i 100 > $OUT.mixed &
mixed=$!
sleep 1
kill -0 $plain 2>/dev/null || kill -0 $mixed 2>/dev/null ||
	note "both workloads ended within a second: the rcufault-stat check sees idle"
stat_out=$("$RS" 1 2 2>&1) || fail "rcufault-stat 1 2: $stat_out"
wait $plain || fail "workload fault: $(cat $OUT.plain)"
wait $mixed || fail "workload mixed: $(cat $OUT.mixed)"
echo 0 > $D/enable
sleep 0.2
echo 0 > $D/procs
snap
cat $D/procs > $OUT
note "$(cat $OUT)"
note "rcufault-stat:"
note "$stat_out"

# row PID FIELD: a field of PID's row ("attempts", "lockless" or a reason)
row() {
	awk -v p="$1" -v f="$2" '$1 == "pid" && $2 == p {
		for (i = 3; i < NF; i += 2) if ($i == f) { print $(i + 1); found = 1 } }
		END { if (!found) print 0 }' $OUT
}
for p in $plain $mixed; do
	grep -q "^pid $p comm workload " $OUT || fail "no row for workload pid $p"
done
at_least "$(row $plain attempts)" $((2 * 256 * 400)) "attempts counted for the plain workload"
at_least "$(row $plain lockless)" $(($(row $plain attempts) * 9 / 10)) \
	"lockless faults of the plain workload (90% of its attempts)"
sums=$(awk '$1 == "pid" { a += $6; l += $8 } END { print a, l }' $OUT)
[ "$sums" = "$(stat lockless_attempts) $(stat lockless_success)" ] ||
	fail "the rows add up to attempts/lockless $sums, the counters say $(stat lockless_attempts) $(stat lockless_success)"
awk '$1 == "pid" { for (i = 9; i < NF; i += 2) print $i, $(i + 1) }' $OUT |
	while read -r reason n; do
		[ "$n" -le "$(stat "$reason")" ] ||
			fail "a row counts $reason $n, more than the counter's $(stat "$reason")"
	done || exit 1

# rcufault-stat: a header and two lines of numbers, the workloads' faults seen
[ "$(echo "$stat_out" | wc -l)" = 3 ] || fail "rcufault-stat 1 2 printed: $stat_out"
echo "$stat_out" | head -1 | grep -q "attempts/s" || fail "rcufault-stat has no header: $stat_out"
echo "$stat_out" | sed -n 2p | awk '{ exit !($1 > 0 && $2 > 0) }' ||
	fail "rcufault-stat saw no attempts while the workloads ran: $stat_out"

echo 1 > $D/procs
echo 1 > $D/enable
"$BIN/workload" fault -t 1 -p 256 -i 2000 > $OUT.plain &
plain=$!
sleep 0.5
out=$("$RS" -p $plain --json 1 1 2>&1) || fail "rcufault-stat -p $plain --json: $out"
note "rcufault-stat -p $plain --json: $out"
echo "$out" | grep -Eq "^\{\"time\":[0-9]+,\"interval\":1,\"pid\":$plain,\"attempts\":[0-9.]+,\"lockless\":[0-9.]+,\"lockless_share\":[0-9.]+,\"fallbacks\":[0-9.]+,\"top_fallbacks\":\{.*\}\}$" ||
	fail "rcufault-stat --json printed: $out"
echo "$out" | grep -q '"attempts":0.0,' && fail "rcufault-stat -p $plain saw no attempts: $out"
out=$("$RS" --json 1 1 2>&1) || fail "rcufault-stat --json: $out"
echo "$out" | grep -q '"major":' || fail "rcufault-stat --json has no major: $out"
kill $plain
wait $plain 2>/dev/null
echo 0 > $D/enable

for args in "-p" "-p x" "0" "1 x" "1 2 3" "--bogus"; do
	# shellcheck disable=SC2086 # the arguments are meant to split
	out=$("$RS" $args 2>&1) && fail "rcufault-stat $args succeeded: $out"
	echo "$out" | grep -q "^rcufault-stat: " || fail "rcufault-stat $args said: $out"
done
out=$("$RS" -p 999999 1 1 2>&1) && fail "rcufault-stat -p 999999 succeeded: $out"
echo "$out" | grep -q "no lockless attempts counted for pid 999999" ||
	fail "rcufault-stat -p 999999 said: $out"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$RS" 1 1 2>&1) &&
	fail "rcufault-stat as nobody succeeded: $out"
echo "$out" | grep -q "must be root" || fail "rcufault-stat as nobody said: $out"

unload_module
out=$("$RS" 1 1 2>&1) && fail "rcufault-stat without the module succeeded: $out"
echo "$out" | grep -q "module is not loaded" || fail "rcufault-stat without the module said: $out"
echo "PASS procs"
