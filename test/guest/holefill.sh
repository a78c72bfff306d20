#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A tmpfs hole filled with no lock held lands before a write section that
# began beside it returns (src/fill_sync.c), as stock's fill under
# mmap_lock does: build/test/holefill begins a write section over a memfd
# while a second thread's lockless fill of it sleeps (the test build's
# test_shmem_fill_window), then punches the file; the file must hold no
# block afterwards. Three sections: mmap(MAP_FIXED) over it, munmap(), and
# UFFDIO_REGISTER (MISSING), after which the fill's retry maps the page
# or, once the punch came first, reaches the userfaultfd as a MISSING
# event. Every round's fill must have been lockless, and at least half
# of the sections must have waited for one (writer_fill_waits); the guest
# log must stay clean (vm-run checks it).
#
#   HOLEFILL_ROUNDS=N       rounds (default 10)
#   HOLEFILL_EXPECT_FAIL=1  the broken build (test_shmem_fill_unsynced:
#                           fills hidden from write sections); passes only
#                           if holefill catches a fill landing after the
#                           punch
. "$(dirname "$0")/lib.sh"

N=${HOLEFILL_ROUNDS:-10}
case $N in ''|*[!0-9]*|0) fail "HOLEFILL_ROUNDS must be a positive integer, not '$N'" ;; esac
H=$BIN/holefill
[ -x "$H" ] || fail "$H missing: run 'make test-progs'"

if [ "${HOLEFILL_EXPECT_FAIL:-0}" != 0 ]; then
	load_module enable=1 test_shmem_fill_window=holefill test_shmem_fill_unsynced=holefill
	for mode in mmap munmap uffd; do
		out=$("$H" $mode "$N" 2>&1)
		[ $? = 1 ] || fail "holefill $mode did not catch the broken build: $out"
		note "caught: $out"
	done
	echo 0 > $D/enable
	unload_module
	echo "PASS: holefill (broken build caught)"
	exit 0
fi

load_module enable=1 test_shmem_fill_window=holefill
for mode in mmap munmap uffd; do
	snap
	f0=$(stat shmem_fills_unlocked) w0=$(stat writer_fill_waits)
	out=$("$H" $mode "$N" 2>&1) || fail "$out"
	snap
	f=$(($(stat shmem_fills_unlocked) - f0)) w=$(($(stat writer_fill_waits) - w0))
	note "$out"
	note "$mode: shmem_fills_unlocked +$f, writer_fill_waits +$w"
	at_least "$f" "$N" "$mode: holes filled with no lock held"
	# a round whose reader had not begun its fill 50 ms in (a slow
	# guest) falls back instead: at least half must have waited
	at_least "$w" $(((N + 1) / 2)) "$mode: write sections that waited for a fill"
done
[ "$(stat writer_fill_waits_lost)" = 0 ] || fail "write sections that could not wait for a fill: $(stat writer_fill_waits_lost)"
echo 0 > $D/enable
unload_module
echo "PASS: holefill"
