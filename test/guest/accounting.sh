#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Fault accounting reads the same whether faults are served by the stock
# path or without mmap_lock: `torture account -p PAGES` touches PAGES fresh
# pages (MADV_NOHUGEPAGE, one fault each) in one thread, with the module
# not loaded (off), loaded with enable=0 (stock) and with enable=1
# (lockless). In every run:
#   - over the touch loop, getrusage min_flt and the process's own perf
#     software counters (minor-faults, page-faults) are exactly PAGES, and
#     majflt is 0;
#   - RssAnon (/proc/self/status) grows by exactly PAGES * 4 kB;
#   - perf stat -e page-faults,minor-faults of the whole process (startup
#     included, ASLR off): startup varies by a few faults from run to run
#     even with ASLR off and the module unloaded, so the tolerance comes
#     from the off runs themselves: with S their spread (max - min, at
#     least 2), each mode's median lies within +-S of the off runs'
#     median, and every run within [off min - S, off max + S];
# and with enable=1 the lockless path served at least 90% of the faults.
# File faults that each read their page (`torture account -f`: a file on
# ext4 over a loop device, dropped from the page cache, read through a
# MADV_RANDOM mapping) count exactly as stock, per fault one majflt, one
# perf major fault, one /proc/vmstat pgmajfault and nothing minor: off,
# stock, lockless (at least 90% completed locklessly after their I/O) and
# "fallback" (test_io_fallback=1: after its unlocked I/O each fault takes
# the stock path, which must count it as the retry stock's own I/O makes).
# page-faults is counted by the x86 fault entry before the hooked
# lock_mm_and_find_vma(), so only minor-faults (and min_flt) can show a
# lockless fault that was not accounted.
# If perf cannot run on this kernel, /proc/vmstat pgfault deltas (system
# wide, so a wider tolerance) stand in for perf stat, and the script says so.
#
#   ACCOUNT_PAGES (default 2000), ACCOUNT_RUNS (runs per mode, default 5),
#   ACCOUNT_FILE_PAGES (default 200),
#   ACCOUNT_FORCE_VMSTAT=1 (use the fallback even if perf works)
#
# Run: scripts/vm-run -- test/guest/accounting.sh
. "$(dirname "$0")/lib.sh"

PAGES=${ACCOUNT_PAGES:-2000}
RUNS=${ACCOUNT_RUNS:-5}
T=$BIN/torture
PF=/tmp/account.perf
RES=/tmp/account.res
[ -x "$T" ] || fail "$T missing: run 'make test-progs'"
[ ! -d $D ] || unload_module
: > $RES

pgfault() {
	awk '$1 == "pgfault" { print $2 }' /proc/vmstat
}

# field NAME: the value after NAME in $out
field() {
	echo "$out" | awk -v n="$1" '{ for (i = 1; i < NF; i++) if ($i == n) print $(i + 1) }'
}

# no ASLR: fewer startup faults that vary from run to run
NORAND=""
if setarch "$(uname -m)" -R true 2>/dev/null; then
	NORAND="setarch $(uname -m) -R"
fi
use_perf=0
if [ "${ACCOUNT_FORCE_VMSTAT:-0}" != 1 ] &&
	perf stat -x, -o $PF -e page-faults,minor-faults -- true >/dev/null 2>&1 &&
	awk -F, '$3 == "minor-faults" && $1 ~ /^[0-9]+$/ { ok = 1 } END { exit !ok }' $PF; then
	use_perf=1 MIN_TOL=2 counter="perf page-faults/minor-faults"
	note "$(perf version 2>&1 | head -1): perf stat -e page-faults,minor-faults works on $REL"
else
	MIN_TOL=20 counter="vmstat pgfault"
	note "perf stat cannot run here${ACCOUNT_FORCE_VMSTAT:+ (or was not asked for)}:" \
		"comparing system-wide /proc/vmstat pgfault deltas instead (tolerance at least +-$MIN_TOL)"
fi
[ -n "$NORAND" ] || note "no setarch -R: ASLR stays on, startup fault counts vary more"

# sample MODE: one run of the workload; appends
# "MODE minflt majflt rss perf_minor perf_all pf mf ls" to $RES
sample() {
	ls0=0
	if [ -d $D ]; then
		snap
		ls0=$(stat lockless_success)
	fi
	if [ $use_perf = 1 ]; then
		out=$(perf stat -x, -o $PF -e page-faults,minor-faults -- $NORAND "$T" account -p $PAGES 2>&1) ||
			fail "account ($1): $out"
		pf=$(awk -F, '$3 == "page-faults" { print $1 }' $PF)
		mf=$(awk -F, '$3 == "minor-faults" { print $1 }' $PF)
	else
		v0=$(pgfault)
		out=$($NORAND "$T" account -p $PAGES 2>&1) || fail "account ($1): $out"
		pf=$(($(pgfault) - v0)) mf=$pf
	fi
	ls=-
	if [ -d $D ]; then
		snap
		ls=$(($(stat lockless_success) - ls0))
	fi
	minflt=$(field minflt) majflt=$(field majflt) rss=$(field rss_anon_delta_kb)
	pmin=$(field perf_minor_faults) pall=$(field perf_page_faults)
	[ -n "$minflt" ] && [ -n "$rss" ] && [ -n "$pmin" ] && [ -n "$pf" ] && [ -n "$mf" ] ||
		fail "cannot parse: $out / $pf / $mf"
	echo "$1 $minflt $majflt $rss $pmin $pall $pf $mf $ls" >> $RES
	note "$1: loop: minflt $minflt majflt $majflt, perf minor $pmin all $pall, RssAnon +$rss kB;" \
		"process: $counter $pf/$mf; lockless_success +$ls"
}

# sample_file MODE: file faults that each read their page count as stock
FPAGES=${ACCOUNT_FILE_PAGES:-200}
FMNT=/tmp/account
sample_file() {
	[ ! -d $D ] || { snap; fj0=$(stat lockless_major) ff0=$(stat fallback_file_io_failed); }
	out=$("$T" account -p $FPAGES -f $FMNT/ext4/acct 2>&1) || fail "account -f ($1): $out"
	note "$1: file: $out"
	for f in majflt perf_major_faults pgmajfault; do
		[ "$(field $f)" = $FPAGES ] ||
			fail "$1: $f $(field $f) over $FPAGES file faults that each read their page, want $FPAGES"
	done
	for f in minflt perf_minor_faults; do
		[ "$(field $f)" = 0 ] || fail "$1: $f $(field $f) over $FPAGES major file faults, want 0"
	done
	[ -d $D ] || return 0
	snap
	fj=$(($(stat lockless_major) - fj0)) ff=$(($(stat fallback_file_io_failed) - ff0))
	note "$1: file: lockless_major +$fj, fallback_file_io_failed +$ff"
	case $1 in
	lockless) at_least $fj $((FPAGES * 9 / 10)) "faults completed locklessly after I/O" ;;
	fallback) at_least $ff $((FPAGES * 9 / 10)) "faults that fell back after unlocked I/O" ;;
	esac
}
ext4_mount $FMNT
sample_file off

i=0
while [ $i -lt "$RUNS" ]; do
	sample off
	i=$((i + 1))
done
load_module
echo 0 > $D/enable
sample_file stock
echo 1 > $D/enable
sample_file lockless
echo 1 > /sys/module/rcufault/parameters/test_io_fallback
sample_file fallback
echo 0 > /sys/module/rcufault/parameters/test_io_fallback
i=0
while [ $i -lt "$RUNS" ]; do
	echo 0 > $D/enable
	sample stock
	echo 1 > $D/enable
	sample lockless
	i=$((i + 1))
done
echo 0 > $D/enable
unload_module
ext4_umount $FMNT || fail "cannot unmount $FMNT"

# median MODE COLUMN: the median of one mode's runs in a column of $RES
median() {
	awk -v m=$1 -v c=$2 '$1 == m { print $c }' $RES | sort -n |
		awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
# extreme MODE COLUMN min|max: the smallest or largest value of a column
extreme() {
	awk -v m=$1 -v c=$2 '$1 == m { print $c }' $RES | sort -n |
		if [ $3 = min ]; then head -1; else tail -1; fi
}
# spread COLUMN: the off runs' max - min in a column, at least MIN_TOL
spread() {
	s=$(($(extreme off $1 max) - $(extreme off $1 min)))
	[ $s -ge $MIN_TOL ] && echo $s || echo $MIN_TOL
}
ref_pf=$(median off 7) ref_mf=$(median off 8)
tol_pf=$(spread 7) tol_mf=$(spread 8)
note "reference (off runs): $counter median $ref_pf/$ref_mf," \
	"range $(extreme off 7 min)-$(extreme off 7 max)/$(extreme off 8 min)-$(extreme off 8 max)," \
	"tolerance +-$tol_pf/$tol_mf"
# near WHAT VALUE REF TOLERANCE
near() {
	d=$(($2 - $3))
	[ $d -le $4 ] && [ $d -ge $((-$4)) ] ||
		fail "$1 $2 differs from the off runs' median $3 by $d (tolerance +-$4, the off runs' spread)"
}
# within WHAT VALUE COLUMN TOLERANCE: VALUE in [off min - TOL, off max + TOL]
within() {
	lo=$(($(extreme off $3 min) - $4)) hi=$(($(extreme off $3 max) + $4))
	[ $2 -ge $lo ] && [ $2 -le $hi ] ||
		fail "$1 $2 is outside the off runs' range widened by their spread: [$lo, $hi]"
}
while read -r mode minflt majflt rss pmin pall pf mf ls; do
	[ "$minflt" = "$PAGES" ] || fail "$mode: min_flt over the touch loop is $minflt, want exactly $PAGES"
	[ "$majflt" = 0 ] || fail "$mode: majflt $majflt, want 0"
	[ "$rss" = $((PAGES * 4)) ] || fail "$mode: RssAnon grew by $rss kB, want exactly $((PAGES * 4)) kB"
	if [ "$pmin" != -1 ]; then
		[ "$pmin" = "$PAGES" ] || fail "$mode: perf minor-faults over the touch loop $pmin, want $PAGES"
		[ "$pall" = "$PAGES" ] || fail "$mode: perf page-faults over the touch loop $pall, want $PAGES"
	fi
	within "$mode run: ${counter%%/*}" $pf 7 $tol_pf
	[ $use_perf = 0 ] || within "$mode run: perf minor-faults" $mf 8 $tol_mf
	case $mode in
	stock) [ "$ls" = 0 ] || fail "stock: $ls lockless faults with enable=0" ;;
	lockless) at_least "$ls" $((PAGES * 9 / 10)) "lockless faults in an enable=1 run of $PAGES faults" ;;
	esac
done < $RES
for mode in stock lockless; do
	note "$mode: median $counter $(median $mode 7)/$(median $mode 8)"
	near "$mode median: ${counter%%/*}" $(median $mode 7) $ref_pf $tol_pf
	[ $use_perf = 0 ] || near "$mode median: perf minor-faults" $(median $mode 8) $ref_mf $tol_mf
done
echo "PASS accounting ($counter, $PAGES pages, $RUNS runs per mode)"
