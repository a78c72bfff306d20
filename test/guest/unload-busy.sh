#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Unload rcufault while tasks are inside the mm calls its range hooks
# redirect into module text until they return (src/range_token.c: mmap,
# munmap, mprotect, brk, mlock, munlock).
#
# Parked: `longcalls park 15` holds an mlock() in the kernel for 15 s (a
# userfaultfd monitor answers its populate's fault late). Once it is
# parked, rmmod must not return before the monitor answered, and the
# mlock must return 0 (for at least 5 of those seconds the unload says
# what it waits for).
# Busy: 3 longcalls threads map, populate, protect, lock and unmap 48 MiB
# each while the module loads (enable=1) and unloads CYCLES times
# (default 4): every call returns its right result, and the guest log
# stays clean (vm-run).
#
# UNLOAD_EXPECT_FAIL=1: the test build's test_unload_nowait, which unloads
# without waiting: the parked mlock returns into freed module text and the
# kernel oopses, which test/host/bites-caught.sh requires. This script
# itself then always fails, so that nothing else can pass the lane.
# Run it with vm-run --tcg-single (see load-cycles.sh).
. "$(dirname "$0")/lib.sh"

CYCLES=${CYCLES:-4}
PARK=15

# now: CLOCK_REALTIME in nanoseconds
now() {
	date +%s%N
}

# parked_unload PARAM...: load with PARAM, park an mlock, unload; sets
# PARK_OUT (the parked program's output) and UNLOADED (when rmmod returned)
parked_unload() {
	local i=0 pk
	load_module enable=1 "$@"
	"$BIN/longcalls" park $PARK >/tmp/park.out 2>&1 &
	pk=$!
	while ! grep -q '^parked' /tmp/park.out; do
		[ $i -lt 100 ] || fail "longcalls park never parked: $(cat /tmp/park.out)"
		sleep 0.1
		i=$((i + 1))
	done
	dmesg -C
	rmmod rcufault || fail "rmmod with a parked mlock"
	UNLOADED=$(now)
	wait $pk
	PARK_OUT=$(cat /tmp/park.out)
}

if [ "${UNLOAD_EXPECT_FAIL:-0}" != 0 ]; then
	need_test_build
	parked_unload test_unload_nowait=1
	sleep 2
	fail "test_unload_nowait: the parked mlock returned after the unload unnoticed ($PARK_OUT)"
fi

parked_unload
answered=$(echo "$PARK_OUT" | sed -n 's/^answered at \([0-9]*\)\.\([0-9]*\)$/\1\2/p')
[ -n "$answered" ] || fail "no answer time from longcalls park: $PARK_OUT"
echo "$PARK_OUT" | grep -q '^longcalls PASS' || fail "parked mlock: $PARK_OUT"
[ "$UNLOADED" -ge "$answered" ] ||
	fail "rmmod returned $(((answered - UNLOADED) / 1000000)) ms before the parked mlock was answered"
dmesg | grep -q 'rcufault: unload waits for mmap, munmap, mprotect, brk and mlock calls still running' ||
	fail "no line saying what the unload waited for: $(dmesg | grep rcufault)"
note "parked: rmmod returned $(((UNLOADED - answered) / 1000000)) ms after the mlock was answered"

"$BIN/longcalls" $((CYCLES * 4 + 5)) 48 3 >/tmp/longcalls.out 2>&1 &
lc=$!
sleep 1
i=0
while [ $i -lt "$CYCLES" ]; do
	load_module enable=1
	sleep 0.7
	no_desync
	rmmod rcufault || fail "unload $i failed"
	sleep 0.7
	i=$((i + 1))
done
wait $lc || fail "mm calls across unloads: $(cat /tmp/longcalls.out)"
note "$CYCLES unloads during long mm calls: $(cat /tmp/longcalls.out)"
[ "$(hooked)" = 0 ] || fail "hooks left after the last unload"
echo "PASS unload-busy"
