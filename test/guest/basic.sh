#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Load, count, switch, reject bad input, unload.
. "$(dirname "$0")/lib.sh"

# threaded_lockless WHAT: 2 threads fault 256-page mappings; at least 512
# of their faults must be lockless; sets gained to how many were.
threaded_lockless() {
	local l0
	l0=$(stat lockless_success)
	"$BIN/workload" fault -t 2 -p 256 -i 2 >/dev/null || fail "workload fault ($1)"
	snap
	gained=$(($(stat lockless_success) - l0))
	at_least $gained 512 "lockless faults of a threaded process with $1"
}

# param_restore PARAM VALUE SHOWN: junk is refused; VALUE reads back as SHOWN
param_restore() {
	echo 0 > $D/enable
	expect_fail "$(basename $1) accepted 'x'" sh -c "echo x > $1"
	echo $2 > $1 && [ "$(cat $1)" = "$3" ] || fail "$(basename $1)=$2"
}

load_module
[ "$(cat $D/enable)" = 0 ] || fail "enable should start at 0"
[ "$(hooked)" = "$(nr_hooks)" ] || fail "expected $(nr_hooks) ftrace hooks, found $(hooked)"
snap
[ "$(stat mm_tracked)" -ge 0 ] || fail "mm_tracked unreadable"

# enable=0: faults are counted and all go the stock way.
echo 1 > $D/reset || fail "reset"
out=$("$BIN/workload" fault -t 2 -p 256 -i 4) || fail "workload (enable=0): $out"
note "enable=0: $out"
snap
at_least "$(stat faults_seen)" 2048 "faults_seen after 2x256 pages x4"
at_least "$(stat stock_faults)" 2048 "stock_faults"
[ "$(stat lockless_attempts)" = 0 ] || fail "lockless attempts with enable=0"
at_least "$(stat write_epochs)" 1 "write_epochs (mmap/munmap ran)"

# enable=1: every fault is attempted and accounted for by one outcome.
echo 1 > $D/enable || fail "enable=1"
echo 1 > $D/reset
out=$("$BIN/workload" mixed -t 2 -p 256 -i 4) || fail "workload (enable=1): $out"
note "enable=1: $out"
echo 0 > $D/enable	# freeze the lockless counters, then read them
sleep 0.2
snap
att=$(stat lockless_attempts)
at_least "$att" 2048 "lockless_attempts"
sum=$(awk '$1 == "lockless_success" || $1 ~ /^fallback_/ { s += $2 } END { print s }' $SNAP)
[ "$sum" = "$att" ] || fail "outcomes ($sum) != attempts ($att)"
[ "$(stat lockless_success)" = "$(stat sentinel_completions)" ] ||
	fail "lockless_success != sentinel_completions"
at_least "$(stat mm_tracked)" 1 "mm_tracked"
# the error code is known for nearly every fault
unk=$(stat fallback_error_code_unknown)
[ $((unk * 10)) -le "$att" ] || fail "error code unknown for $unk of $att faults"

# enable=0 again: attempts stop.
a0=$(stat lockless_attempts)
"$BIN/workload" fault -t 1 -p 64 -i 2 >/dev/null || fail "workload"
snap
[ "$(stat lockless_attempts)" = "$a0" ] || fail "attempts moved with enable=0"

# One-thread processes: with lockless_single_thread=0 (the shipped
# default; test builds default to 1) their faults take the stock path,
# counted; a process with threads still tries the lockless path.
P=/sys/module/rcufault/parameters/lockless_single_thread
[ "$(cat $P)" = Y ] || fail "the test build's lockless_single_thread is $(cat $P), not Y"
echo 0 > $P || fail "lockless_single_thread=0"
echo 1 > $D/enable
snap
a0=$(stat lockless_attempts) s0=$(stat single_thread_faults)
# dd has one thread; read() faults its 4 MiB buffer in (kernel-mode faults)
dd if=/dev/zero of=/dev/null bs=4M count=2 2>/dev/null || fail "dd"
snap
[ "$(stat lockless_attempts)" = "$a0" ] ||
	fail "faults of a one-thread process tried the lockless path ($a0 -> $(stat lockless_attempts) attempts)"
at_least $(($(stat single_thread_faults) - s0)) 256 "single_thread_faults of dd's 4 MiB buffer (huge pages may serve some)"
threaded_lockless "lockless_single_thread=0"
note "lockless_single_thread=0: one-thread processes' faults +$(($(stat single_thread_faults) - s0)) stock, a threaded one's +$gained lockless"
param_restore $P 1 Y

# Small VMAs: with record_min_pages=32 (the shipped default; test builds
# default to 0) the writer's 16-page mappings get no record. With
# maple_lookup=0 each of their faults falls back (no_shadow), while
# 256-page mappings still get theirs and are served locklessly; with
# maple_lookup=1 (the default) their faults find the VMA in the mm's own
# tree, and all are served: each mapping's first write finds no anon_vma,
# gets it under a short read lock (anon_vma_setups, src/anon_vma_setup.c)
# and is served on its retry: the vma_setup fallbacks left are reads.
P=/sys/module/rcufault/parameters/record_min_pages
[ "$(cat $P)" = 0 ] || fail "the test build's record_min_pages is $(cat $P), not 0"
echo 1 > $D/enable
snap
k0=$(stat records_skipped_small) r0=$(stat refreshes)
"$BIN/workload" writer -t 2 -i 64 >/dev/null || fail "workload writer (record_min_pages=0)"
snap
at_least $(($(stat refreshes) - r0)) 64 "records made for 64 16-page mappings with record_min_pages=0"
[ "$(stat records_skipped_small)" = "$k0" ] || fail "records skipped with record_min_pages=0"
echo 32 > $P || fail "record_min_pages=32"
M=/sys/module/rcufault/parameters/maple_lookup
[ "$(cat $M)" = Y ] || fail "maple_lookup is $(cat $M), not Y (the default)"
echo 0 > $M || fail "maple_lookup=0"
snap
k0=$(stat records_skipped_small) n0=$(stat fallback_no_shadow)
"$BIN/workload" writer -t 2 -i 64 >/dev/null || fail "workload writer (record_min_pages=32)"
snap
at_least $(($(stat records_skipped_small) - k0)) 64 "records_skipped_small for 64 16-page mappings"
at_least $(($(stat fallback_no_shadow) - n0)) $((64 * 16)) "no_shadow fallbacks: every fault of the 16-page mappings"
threaded_lockless "record_min_pages=32"
note "record_min_pages=32: +$(($(stat records_skipped_small) - k0)) records skipped, 256-page mappings +$gained lockless"
param_restore $M 1 Y
echo 1 > $D/enable
snap
m0=$(stat maple_lookups) n0=$(stat fallback_no_shadow)
v0=$(stat anon_vma_setups) f0=$(stat fallback_vma_setup)
"$BIN/workload" writer -t 2 -i 64 >/dev/null || fail "workload writer (maple_lookup=1)"
snap
at_least $(($(stat anon_vma_setups) - v0)) 64 "anon_vmas set up under a short read lock: each 16-page mapping's first write"
at_least 32 $(($(stat fallback_vma_setup) - f0)) "vma_setup fallbacks of 64 new mappings' writes (at most 32: the rest are reads, which stock serves with the zero page and no anon_vma)"
at_least $(($(stat maple_lookups) - m0)) $((64 * 15)) "maple lookups: the 16-page mappings' faults after their first"
at_least 64 $(($(stat fallback_no_shadow) - n0)) "no_shadow fallbacks with maple_lookup=1 (at most 64)"
note "record_min_pages=32, maple_lookup=1: +$(($(stat maple_lookups) - m0)) maple lookups, +$(($(stat fallback_no_shadow) - n0)) no_shadow"
param_restore $P 0 0

# Bad writes: -EINVAL, nothing changes.
for bad in 2 -1 on 11 "1 " x "0\n\n"; do
	expect_fail "enable accepted '$bad'" sh -c "printf '%s' '$bad' > $D/enable"
done
expect_fail "reset accepted 0" sh -c "echo 0 > $D/reset"
expect_fail "reset accepted junk" sh -c "echo junk > $D/reset"
expect_fail "stats is writable" sh -c "echo 1 > $D/stats"
[ "$(cat $D/enable)" = 0 ] || fail "a bad write changed enable"
echo 1 > $D/enable && [ "$(cat $D/enable)" = 1 ] || fail "enable=1 with newline"
printf 0 > $D/enable && [ "$(cat $D/enable)" = 0 ] || fail "enable=0 without newline"

# Busy module: rmmod while a file is open is refused and changes nothing.
exec 3<$D/stats
expect_fail "rmmod with debugfs open" rmmod rcufault
exec 3<&-

unload_module
[ "$(hooked)" = 0 ] || fail "hooks left after unload"
echo "PASS basic"
