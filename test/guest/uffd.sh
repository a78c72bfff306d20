#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# userfaultfd beside lockless faults (test/prog/uffdtorture.c): faults
# that userfaultfd owns (missing pages of a registered area, writes to
# write-protected pages) must reach its handler, never be served by
# rcufault. Both modes must pass with lockless faults on, with at least
# one fallback per registered fault (nearly all fallback_vma_kind; a few
# meet the registration's write section first), and with a clean guest
# log (vm-run checks it).
#
#   UFFD_SECONDS=N      seconds of each mode (default 5)
#   UFFD_EXPECT_FAIL=1  the broken build (test_uffd_ignored=uffdtorture):
#                       anonymous lockless faults ignore userfaultfd;
#                       passes only if both modes catch it
. "$(dirname "$0")/lib.sh"

S=${UFFD_SECONDS:-5}
case $S in ''|*[!0-9]*|0) fail "UFFD_SECONDS must be a positive integer, not '$S'" ;; esac
U=$BIN/uffdtorture
[ -x "$U" ] || fail "$U missing: run 'make test-progs'"

if [ "${UFFD_EXPECT_FAIL:-0}" != 0 ]; then
	load_module enable=1 test_uffd_ignored=uffdtorture
	for mode in missing wp; do
		out=$("$U" $mode "$S" 2>&1)
		[ $? = 1 ] || fail "uffdtorture $mode did not catch the broken build: $out"
		note "caught ($mode): $out"
	done
	echo 0 > $D/enable
	unload_module
	echo "PASS: uffd (broken build caught)"
	exit 0
fi

load_module enable=1
for mode in missing wp; do
	snap
	k0=$(stat fallback_vma_kind) s0=$(stat lockless_success) a0=$(stat lockless_attempts)
	out=$("$U" $mode "$S" 2>&1) || fail "uffdtorture $mode: $out"
	snap
	k=$(($(stat fallback_vma_kind) - k0)) s=$(($(stat lockless_success) - s0))
	f=$(($(stat lockless_attempts) - a0 - s))
	pages=$(echo "$out" | sed -n 's/.* pages \([0-9]*\).*/\1/p')
	note "$out"
	note "$mode: fallbacks +$f (fallback_vma_kind +$k), lockless_success +$s"
	at_least "$f" "$pages" "registered faults that fell back ($mode)"
	at_least "$k" $((pages * 9 / 10)) "registered faults counted as fallback_vma_kind ($mode)"
done
echo 0 > $D/enable
unload_module
echo "PASS: uffd"
