#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The maple lookup (src/maple_lookup.c): with no shadow record at all
# (record_min_pages above any VMA's size), every lockless fault finds its
# VMA in the mm's own VMA tree (its maple tree) under RCU. The torture's
# integrity, mprotect, fork and tables subcommands, rangetorture (faults
# outside a range section's range walk the tree while that section
# changes it) and vma_churn (every kind of VMA change, forks) must pass,
# with lockless faults served through the lookup, no record made, and a
# clean guest log (vm-run checks it; with KASAN in the debug lane).
#
#   MAPLE_SECONDS=N      seconds of each timed program (default 10)
#   MAPLE_EXPECT_FAIL=1  the broken build (test_maple_unsafe=torture):
#                        the torture's stock faults do not make its VMA
#                        frees wait for a grace period, and its walks
#                        pause 5 ms after finding a VMA, so a racing
#                        munmap() frees the VMA under the walk. Only a
#                        KASAN kernel sees that use after free: passes
#                        once the guest log has its report (in the debug
#                        lane, through test/host/bites-caught.sh, since
#                        vm-run then reports the splat).
. "$(dirname "$0")/lib.sh"

S=${MAPLE_SECONDS:-10}
XF=${MAPLE_EXPECT_FAIL:-0}
T=$BIN/torture
MNT=/tmp/maple
NO_RECORDS=4294967295
case $S in ''|*[!0-9]*|0) fail "MAPLE_SECONDS must be a positive integer, not '$S'" ;; esac
for p in torture rangetorture vma_churn; do
	[ -x "$BIN/$p" ] || fail "$BIN/$p missing: run 'make test-progs'"
done

if [ "$XF" != 0 ]; then
	dmesg | grep -q 'KernelAddressSanitizer initialized' ||
		fail "MAPLE_EXPECT_FAIL needs a KASAN kernel (RCUFAULT_KERNEL=debug)"
	load_module enable=1 record_min_pages=$NO_RECORDS test_maple_unsafe=torture
	note "expect-fail mode: the torture walks the maple tree with VMA frees not deferred"
	for try in 1 2 3 4 5 6; do
		"$T" integrity -s "$S" >/dev/null 2>&1
		if dmesg | grep -q 'KASAN: .*use-after-free'; then
			dmesg | grep -m1 'KASAN: '
			echo "PASS: maple (broken build caught)"
			exit 0
		fi
	done
	fail "no use after free reported in 6 runs of torture integrity"
fi

# lockless_run NAME COMMAND...: run it, note its output and the lockless
# faults it saw through the lookup; it must pass and have some
lockless_run() {
	name=$1
	shift
	snap
	s0=$(stat lockless_success) m0=$(stat maple_lookups)
	out=$("$@" 2>&1) || fail "$name: $(echo "$out" | tail -3)"
	snap
	ls=$(($(stat lockless_success) - s0)) ml=$(($(stat maple_lookups) - m0))
	note "$name: $(echo "$out" | tail -1)"
	note "$name: lockless_success +$ls, maple_lookups +$ml"
	at_least "$ml" $((50 * S)) "faults served through the maple lookup during $name"
}

load_module enable=1 record_min_pages=$NO_RECORDS
[ "$(cat /sys/module/rcufault/parameters/maple_lookup)" = Y ] ||
	fail "maple_lookup should default to Y"
snap
r0=$(($(stat refreshes) + $(stat mmap_records) + $(stat section_records)))
for sub in integrity mprotect fork tables; do
	lockless_run "torture $sub" "$T" $sub -s "$S"
done
mkdir -p $MNT && mount -t tmpfs -o size=16m tmpfs $MNT || fail "mount tmpfs"
lockless_run rangetorture "$BIN/rangetorture" $MNT/file "$S"
umount $MNT
lockless_run vma_churn "$BIN/vma_churn" -t 4 -r 8 -o 40 -f 20 -s 5 -n
snap
[ $(($(stat refreshes) + $(stat mmap_records) + $(stat section_records))) = "$r0" ] ||
	fail "records were made with record_min_pages=$NO_RECORDS"
note "whole run: lockless_success $(stat lockless_success) of $(stat lockless_attempts) attempts," \
	"maple_lookups $(stat maple_lookups), no_shadow $(stat fallback_no_shadow)," \
	"range_audits $(stat range_audits), records_skipped_small $(stat records_skipped_small)"
echo 0 > $D/enable
unload_module
echo "PASS: maple"
