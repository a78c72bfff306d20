#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Load, count, switch, reject bad input, unload.
. "$(dirname "$0")/lib.sh"

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
l0=$(stat lockless_success)
"$BIN/workload" fault -t 2 -p 256 -i 2 >/dev/null || fail "workload fault"
snap
at_least $(($(stat lockless_success) - l0)) 512 "lockless faults of a threaded process with lockless_single_thread=0"
note "lockless_single_thread=0: one-thread processes' faults +$(($(stat single_thread_faults) - s0)) stock, a threaded one's +$(($(stat lockless_success) - l0)) lockless"
echo 0 > $D/enable
expect_fail "lockless_single_thread accepted 'x'" sh -c "echo x > $P"
echo 1 > $P && [ "$(cat $P)" = Y ] || fail "lockless_single_thread=1"

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
