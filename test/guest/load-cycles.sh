#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Load and unload the module many times while a 2-thread fault workload and
# an mmap/munmap/mprotect thread run: every load and unload succeeds, the
# workload's data stays intact, and the guest log stays clean (vm-run).
# Run it with vm-run --tcg-single: every load and unload patches hot kernel
# text (ftrace sites, tracepoint keys), and QEMU 7.2's multi-threaded TCG can
# leave a vCPU looping on a stale int3 at a patched site (soft lockup at
# e.g. handle_mm_fault+0x0 while memory already holds the new instruction).
. "$(dirname "$0")/lib.sh"

CYCLES=${CYCLES:-100}
rm -f /tmp/wl-stop /tmp/wl-fail
(
	n=0
	while [ ! -e /tmp/wl-stop ]; do
		"$BIN/workload" mixed -t 2 -p 64 -i 20 >/tmp/wl-out 2>&1 ||
			cp /tmp/wl-out /tmp/wl-fail
		n=$((n + 1))
	done
	echo "$n" >/tmp/wl-runs
) &
wl=$!

i=0
while [ $i -lt "$CYCLES" ]; do
	modprobe rcufault enable=$((i % 2 == 0)) || fail "load $i failed"
	"$BIN/workload" fault -t 1 -p 16 -i 2 >/dev/null || fail "fault workload with the module loaded ($i)"
	no_desync
	rmmod rcufault || fail "unload $i failed"
	i=$((i + 1))
done
touch /tmp/wl-stop
wait $wl
[ ! -e /tmp/wl-fail ] || fail "workload failed: $(cat /tmp/wl-fail)"
note "$CYCLES load/unload cycles; $(cat /tmp/wl-runs) workload runs, all verified"
[ "$(hooked)" = 0 ] || fail "hooks left after the last unload"
echo "PASS load-cycles"
