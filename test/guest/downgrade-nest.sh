#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A nested read lock inside munmap's downgraded section must not end the
# write epoch. After mmap_write_downgrade(), the task that downgraded can
# take and drop the read lock again (6.1: BPF build-id stack maps,
# bpf_find_vma(), MGLRU's walk_mm() trylock) while munmap is still zapping
# and freeing page tables; if that read unlock ended the section, lockless
# faults would be let in there.
#
# test/kmod/rcufault_test_dgnest.c does such a trylock + unlock from
# free_pgtables() in tasks named dgnest-unmap, then busy-waits
# DGNEST_DELAY_US (default 300); `torture dgnest` maps and unmaps a range R
# whose PTE table a neighbour keeps, while 2 threads write into R. A page a
# lockless fault installs during munmap stays in that table: the next
# mapping of R then finds it resident, holding a value written to the old
# R. The nested trylocks and the lockless faults must really have happened
# (else the run proves nothing), and the guest log must stay clean (vm-run:
# "Bad rss-counter", "Bad page state", KASAN are all splats).
#
#   DGNEST_SECONDS=N    length of the run (default 30)
. "$(dirname "$0")/lib.sh"

S=${DGNEST_SECONDS:-30}
DELAY=${DGNEST_DELAY_US:-300}
P=/sys/module/rcufault_test_dgnest/parameters
OUT=/tmp/dgnest.out
[ -x "$BIN/torture" ] || fail "$BIN/torture missing: run 'make test-progs'"

load_module enable=1
modprobe rcufault_test_dgnest comm=dgnest-unmap delay_us="$DELAY" ||
	fail "cannot load rcufault_test_dgnest (run 'make test-kmod')"
echo 1 > $D/reset
"$BIN/torture" dgnest -s "$S" >$OUT 2>&1
rc=$?
sed 's/^/  /' $OUT
snap
calls=$(cat $P/calls) nested=$(cat $P/nested)
ll=$(stat lockless_success)
gens=$(sed -n 's/.* generations \([0-9]*\) .*/\1/p' $OUT)
note "free_pgtables() in dgnest-unmap: $calls calls, $nested nested read trylock+unlock (${DELAY} us each);" \
	"lockless faults: $ll; writer_active fallbacks: $(stat fallback_writer_active)"
[ "$rc" = 0 ] || fail "torture dgnest: status $rc"
[ -n "$gens" ] || fail "no summary line from torture dgnest"
at_least "$gens" 100 "generations of R mapped and unmapped"
at_least "$calls" "$gens" "free_pgtables() calls seen (one per munmap of R)"
at_least "$nested" $((gens / 2)) "nested read trylocks inside the downgraded section"
at_least "$ll" $((gens * 4)) "lockless faults during the run"
# the writers did fault inside munmap's write sections (and fell back)
at_least "$(stat fallback_writer_active)" 10 "faults that found a write section in progress"
# a module that counts nested reads saw every one the test module made
if grep -rqs downgrade_nested_reads "$TOP/src"; then
	at_least "$(stat downgrade_nested_reads)" "$nested" "nested reads counted by rcufault"
fi
! dmesg | grep -Eq 'Bad rss-counter|Bad page|BUG:' || fail "kernel log: $(dmesg | grep -E -m 3 'Bad rss-counter|Bad page|BUG:')"
rmmod rcufault_test_dgnest || fail "rmmod rcufault_test_dgnest"
unload_module
echo "PASS downgrade-nest"
