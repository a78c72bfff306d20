#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Range write sections (src/write_range.c): mprotect, munmap, mmap, brk,
# mlock/munlock, madvise(MADV_[NO]HUGEPAGE) and mremap in place declare
# the range they can change, and lockless faults outside it go on.
#
# build/test/rangetorture on tmpfs: readers fault the pages below the split
# point of file mappings whose tails a writer protects (PROT_NONE) and
# unprotects, anonymous workers write and check their own cells (one of
# them in the brk heap), a second writer does a mixed workload's
# mmap/write/mprotect/munmap rounds, and a third moves the break up and
# down above the heap cell, mlocks the growth and splits the cell with
# madvise() flag changes (whole sections). The second writer's rounds also
# mremap() its cell in place: a growth that merges the VMA after its range,
# a shrink and a growth.
# It must pass (data read is data written; a tail read after
# mprotect(PROT_NONE) returned, or a scratch write after
# mprotect(PROT_READ) returned, must fault); every kind of section must
# have declared a range, faults must have been served during writers
# (lockless_during_writer), and the audit (test_range_audit, on) must have
# audited sections and found no VMA outside a range changed. Then
# stress-ng's mmap, mremap, madvise, mlock and brk stressors run with the
# audit on: still no difference. Between them, build/test/unmapneighbour:
# threads fault on a VMA while munmap() removes the VMA below it; munmap's
# range stops at that neighbour, so more of their faults that met a writer
# must have been served during it than sent back. Then unmapneighbour
# split: mprotect() splits the threads' VMA and merges it back; the
# sections leave shadow records for the VMAs they split, so the threads'
# faults find one (at most one no_shadow or shadow_stale fallback per two
# rounds), and the merge back, which grows the threads' VMA, keeps its
# record (at most 2.5 section records per round). Then unmapneighbour mmap: an anonymous mmap() of a page far
# from the threads' VMA, and its munmap(), send back at most one of the
# threads' faults per five rounds (the mmap section is split at its
# mmap_region(): it declares nothing to change before). Then
# unmapneighbour madvise: MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTDUMP
# and MADV_DODUMP of a VMA far from theirs (split at their first VMA): more of their faults that met
# a writer must have been served during it than sent back, and every
# section must have declared.
# Then build/test/exitwork: io_uring's task_work closes a userfaultfd on
# madvise(MADV_DONTDUMP)'s way out, and its release changes two VMAs with
# madvise's registers still saved: no audit difference.
# Then build/test/lsmfault with the test module rcufault_test_mmapfault:
# a fault in mmap()'s security hook grows the stack before mmap's own
# write section; that growth must stay whole (the audit finds nothing).
# Then range_idle_sections=4 (the test build's default is 0: always
# declare): the ab's writer row alone (build/test/workload writer) must
# declare at most 4 ranges and leave the rest of its sections whole
# (whole_sections_idle), and unmapneighbour's fault threads, which meet
# munmap's sections, must make them declare again.
#
#   RANGES_SECONDS=N      seconds of torture (default 15)
#   RANGES_EXPECT_FAIL=1  "does it bite": load the deliberately broken
#                         module (test_range_uncovered=rangewriter: its
#                         writers declare the bare system call range, with
#                         no cover of whole VMAs and neighbours;
#                         test_commit_delay_us=1000) with the audit off:
#                         the torture alone must report a tail read that
#                         succeeded after mprotect(PROT_NONE). Then the
#                         audit, turned on, must count differences. Then
#                         test_range_narrow=rangewriter (every class takes
#                         munmap's cover, without the neighbours): the
#                         audit must catch mprotect's, brk's, madvise's
#                         and mremap's merges.
#                         Then test_mmap_unsplit=rangewriter (anonymous
#                         mmap sections keep their first part's empty
#                         range): the audit must catch them.
#                         Then test_madvise_split_late=rangewriter
#                         (madvise sections split after the call's first
#                         VMA changed): the audit of the first part must
#                         catch them.
#                         Then test_madvise_any_caller=exitwork
#                         (flag changes split at a vma_merge() from
#                         any caller): the audit must catch exitwork's
#                         userfaultfd releases.
#                         Then test_token_unspent=lsmfault (read acquires
#                         keep the call's token): lsmfault's stack growths
#                         take mmap's empty range, and the audit must
#                         count one per round.
. "$(dirname "$0")/lib.sh"

S=${RANGES_SECONDS:-15}
T=$BIN/rangetorture
MNT=/tmp/ranges
case $S in ''|*[!0-9]*|0) fail "RANGES_SECONDS must be a positive integer, not '$S'" ;; esac
[ -x "$T" ] || fail "$T missing: run 'make test-progs'"
need_test_build
mkdir -p $MNT && mount -t tmpfs -o size=16m tmpfs $MNT || fail "mount tmpfs"

# audit_catches WHAT PATTERN...: run the torture (3 s) until the range
# audit has reported, since this call, a section matching each PATTERN
# (a grep pattern of its dmesg line), at most 5 times: the torture stops
# as soon as it catches the broken build itself, maybe before every kind
# of section has run. The kernel log is read from a mark this call writes
# (from its start if the mark has scrolled out: all lines are new then).
audit_catches() {
	what=$1
	shift
	echo "rcufault-test: audit_catches $what" > /dev/kmsg
	for try in 1 2 3 4 5; do
		timeout -k 10 60 "$T" $MNT/file 3 >/dev/null 2>&1
		dmesg | awk '/rcufault-test: audit_catches/ { n = NR } { l[NR] = $0 }
			END { for (i = n + 1; i <= NR; i++) print l[i] }' |
			grep "range audit: " > /tmp/ranges-audit.log
		missing=
		for p in "$@"; do
			grep -q "$p" /tmp/ranges-audit.log || missing="$missing '$p'"
		done
		[ -z "$missing" ] && return 0
	done
	fail "the audit caught no section matching$missing in 5 runs ($what)"
}

# lsmfault_run: build/test/lsmfault's 8 rounds with the test module
# rcufault_test_mmapfault loaded (a fault in mmap()'s security hook grows
# the stack); the program must pass (the stack grew, the page held its
# data)
lsmfault_run() {
	[ -x $BIN/lsmfault ] || fail "$BIN/lsmfault missing: run 'make test-progs'"
	modprobe rcufault_test_mmapfault || fail "cannot load rcufault_test_mmapfault"
	out=$($BIN/lsmfault 8 2>&1)
	rc=$?
	rmmod rcufault_test_mmapfault || fail "rmmod rcufault_test_mmapfault"
	[ $rc = 0 ] || fail "lsmfault (status $rc): $out"
}

# broken_audited PARAM WHAT PATTERN...: load the broken module (PARAM), and
# the audit must catch sections matching each PATTERN (audit_catches)
broken_audited() {
	param=$1
	what=$2
	shift 2
	load_module enable=1 "$param"
	audit_catches "$what" "$@"
	snap
	note "$what: the audit counted $(stat range_audit_diffs) sections"
	echo 0 > $D/enable
	EXPECT_AUDIT_DIFFS=1 no_desync
	rmmod rcufault || fail "rmmod rcufault"
}

if [ "${RANGES_EXPECT_FAIL:-0}" = 1 ]; then
	load_module enable=1 test_range_uncovered=rangewriter test_range_audit=0 \
		test_commit_delay_us=1000
	out=$(timeout -k 10 $((S + 60)) "$T" $MNT/file "$S" 2>&1)
	rc=$?
	echo "$out" | tail -3 | sed 's/^/  /'
	case "$out" in
	*"after mprotect(PROT_NONE) of it returned"*) note "caught: a fault mapped a page of a range protected before it committed" ;;
	*) fail "the broken build was not caught (status $rc): $out" ;;
	esac
	snap
	d0=$(stat range_audit_diffs)
	echo 1 > /sys/module/rcufault/parameters/test_range_audit
	audit_catches "bare ranges" "(mprotect) and changed" "(brk) and changed" \
		"(mlock) and changed" "(madvise) and changed" "(mremap) and changed"
	snap
	note "the audit counted $(($(stat range_audit_diffs) - d0)) sections that changed a VMA outside their range"
	note "caught sections of mprotect, brk, mlock, madvise and mremap"
	echo 0 > $D/enable
	EXPECT_AUDIT_DIFFS=1 no_desync
	rmmod rcufault || fail "rmmod rcufault"

	# munmap's cover, which stops at the neighbours, taken by every class
	broken_audited test_range_narrow=rangewriter "munmap's narrow cover" \
		"(mprotect) and changed" "(brk) and changed" "(madvise) and changed" \
		"(mremap) and changed"
	# mmap sections left unsplit: the empty range of their first part
	# stays while mmap_region() maps the scratch cell
	broken_audited test_mmap_unsplit=rangewriter "unsplit mmap sections" \
		"declared \[0, 0) (mmap) and changed"
	# flag changes split at vma_merge() from any caller: exitwork's
	# userfaultfd release on madvise()'s way out must be caught
	load_module enable=1 test_madvise_any_caller=exitwork
	$BIN/exitwork 20 >/dev/null 2>&1 || fail "exitwork with test_madvise_any_caller"
	snap
	at_least "$(stat range_audit_diffs)" 1 "audit differences with madvise's flag changes split at any vma_merge() (exitwork)"
	note "vma_merge() from any caller: the audit counted $(stat range_audit_diffs) sections"
	echo 0 > $D/enable
	EXPECT_AUDIT_DIFFS=1 no_desync
	rmmod rcufault || fail "rmmod rcufault"

	# madvise sections split at the call's second VMA, after its first
	# one changed, with the first part declared empty all the same
	broken_audited test_madvise_split_late=rangewriter "late madvise splits" \
		"declared \[0, 0) (madvise) and changed"

	# read acquires that leave the call's token: the stack growth of a
	# fault in mmap()'s security hook takes mmap's empty range
	load_module enable=1 test_token_unspent=lsmfault
	lsmfault_run
	snap
	at_least "$(stat range_audit_diffs)" 8 "audited growths of the stack that took mmap's range (one per lsmfault round)"
	note "unspent tokens: the audit counted $(stat range_audit_diffs) sections"
	echo 0 > $D/enable
	EXPECT_AUDIT_DIFFS=1 no_desync
	rmmod rcufault || fail "rmmod rcufault"
	umount $MNT
	echo "PASS: ranges (broken build caught)"
	exit 0
fi

load_module enable=1
snap
COUNTERS="range_sections_munmap range_sections_mprotect range_sections_mmap
	range_sections_brk range_sections_mlock range_sections_madvise
	range_sections_mremap
	madvise_section_splits madvise_flag_splits whole_sections
	lockless_during_writer range_audits file_around_pages"
for c in $COUNTERS; do
	eval "b_$c=$(stat $c)"
done
out=$("$T" $MNT/file "$S" 2>&1) || fail "rangetorture: $out"
note "$out"
snap
for c in $COUNTERS; do
	eval "n=\$(( $(stat $c) - b_$c ))"
	note "$c +$n"
	case $c in whole_sections) ;; *) at_least "$n" 10 "$c during the torture" ;; esac
done
[ "$(stat range_audit_diffs)" = 0 ] || fail "range_audit_diffs is $(stat range_audit_diffs)"

# munmap of the VMA below a VMA that threads fault on: its range stops at
# that neighbour, so they go on through the munmap section (only the short
# mmap section of the same round covers them)
N=$BIN/unmapneighbour
[ -x "$N" ] || fail "$N missing: run 'make test-progs'"
# counters_before C...: remember counters; counters_after LABEL C...: set
# d_C to how far each moved since, and note it
counters_before() {
	snap
	for c in "$@"; do
		eval "b_$c=$(stat $c)"
	done
}
# rounds_of OUTPUT: the "rounds N" of a program's output
rounds_of() {
	echo "$1" | awk '{ for (i = 1; i < NF; i++) if ($i == "rounds") print $(i + 1) }'
}
counters_after() {
	label=$1
	shift
	snap
	for c in "$@"; do
		eval "d_$c=\$(( $(stat $c) - b_$c ))"
		eval "note \"$label: $c +\$d_$c\""
	done
}
# neighbour_run MODE C...: unmapneighbour MODE ("" for the default) with
# counters C; sets d_C and rounds
neighbour_run() {
	mode=$1
	shift
	counters_before "$@"
	out=$("$N" $((S / 3 + 2)) $mode 2>&1) || fail "unmapneighbour $mode: $out"
	note "$out"
	counters_after "unmapneighbour${mode:+ $mode}" "$@"
	rounds=$(rounds_of "$out")
	at_least "${rounds:-0}" 20 "unmapneighbour${mode:+ $mode} rounds"
}
NB_COUNTERS="lockless_during_writer fallback_writer_active
	fallback_epoch_changed range_sections_munmap"
neighbour_run "" $NB_COUNTERS
at_least "$d_range_sections_munmap" 10 "munmap sections declared beside the fault threads"
at_least "$d_lockless_during_writer" 100 \
	"faults served while munmap removed the VMA below theirs"
at_least "$d_lockless_during_writer" $((d_fallback_writer_active + d_fallback_epoch_changed)) \
	"faults served during a writer against those it sent back (writer_active + epoch_changed): the neighbour of a munmap is outside its range"
[ "$(stat range_audit_diffs)" = 0 ] || fail "range_audit_diffs is $(stat range_audit_diffs) after unmapneighbour"

# mprotect() of the top of the threads' VMA splits it (their part moves to
# a new VMA) and the merge back moves its bounds: each section leaves
# records for the VMAs in and beside its range, so the threads' next fault
# finds one (no_shadow, shadow_stale: at most one per two rounds). The
# merge back grows the threads' VMA over the top's range: the record the
# split made for it still spans no more than the VMA, so faults trust it
# again and the merge section makes none (src/shadow.c,
# rcuf_shadow_trusted_in()): two records per round (the threads' new VMA
# and the shrunk top), not three.
SP_COUNTERS="fallback_no_shadow fallback_shadow_stale section_records"
neighbour_run split $SP_COUNTERS
at_least "$((rounds / 2))" "$((d_fallback_no_shadow + d_fallback_shadow_stale))" \
	"split rounds against the threads' faults that found no current record (no_shadow + shadow_stale)"
at_least "$((rounds * 5 / 2))" "$d_section_records" \
	"split rounds x 2.5 against the records their sections made (section_records: a merge that grew a VMA must keep its record)"
[ "$(stat range_audit_diffs)" = 0 ] || fail "range_audit_diffs is $(stat range_audit_diffs) after unmapneighbour split"

# an anonymous mmap() of a page far from the threads' VMA, and its
# munmap(): before its mmap_region() the mmap section changes nothing, and
# then only the range there (src/write_range.c), so the threads' faults
# go on through both sections: at most one is sent back per five rounds
MM_COUNTERS="lockless_during_writer fallback_writer_active
	fallback_epoch_changed range_sections_mmap mmap_section_splits"
neighbour_run mmap $MM_COUNTERS
at_least "$((rounds / 5))" $((d_fallback_writer_active + d_fallback_epoch_changed)) \
	"mmap rounds over 5 against the threads' faults sent back by a writer (writer_active + epoch_changed)"
at_least "$d_mmap_section_splits" "$rounds" "mmap sections split at their mmap_region()"
[ "$(stat range_audit_diffs)" = 0 ] || fail "range_audit_diffs is $(stat range_audit_diffs) after unmapneighbour mmap"

# madvise(MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTDUMP, then MADV_DODUMP)
# of the halves of a VMA far
# from the threads' (splits and merges back): each section is split at its
# first VMA (src/write_range.c), so the threads' faults go on through the
# rest of it: more of their faults that met a writer must have been served
# during it than sent back (whole sections: 22 served against 207)
MA_COUNTERS="lockless_during_writer fallback_writer_active
	fallback_epoch_changed range_sections_madvise madvise_section_splits
	madvise_flag_splits"
neighbour_run madvise $MA_COUNTERS
at_least "$d_lockless_during_writer" 100 \
	"faults served while madvise() changed a VMA far from theirs"
at_least "$d_lockless_during_writer" $((d_fallback_writer_active + d_fallback_epoch_changed)) \
	"faults served during a writer against those it sent back (writer_active + epoch_changed): the threads' VMA is outside the madvise() range"
at_least "$d_range_sections_madvise" "$((rounds * 8))" "madvise sections that declared a range (eight a round: MADV_DONTDUMP and MADV_DODUMP split at vma_merge())"
[ "$(stat range_audit_diffs)" = 0 ] || fail "range_audit_diffs is $(stat range_audit_diffs) after unmapneighbour madvise"

# a fault inside mmap()'s security hook (a sleepable BPF LSM program's read
# of user memory) that grows the stack: a write section inside the mmap
# call, before mmap's own. The fault's read acquire spends the call's
# token (src/range_token.c), so the growth is whole and never takes mmap's
# empty range: the audit finds no VMA changed outside a declared range.
counters_before whole_sections range_sections_mmap
lsmfault_run
note "$out"
counters_after lsmfault whole_sections range_sections_mmap
at_least "$d_whole_sections" 8 "whole sections (the stack's growths in the hook)"
at_least "$d_range_sections_mmap" 8 "mmap sections"
[ "$(stat range_audit_diffs)" = 0 ] ||
	fail "range_audit_diffs is $(stat range_audit_diffs) after lsmfault: a stack growth inside mmap's security hook declared mmap's range"

# io_uring's task_work closes a userfaultfd on madvise()'s way out: its
# release's vma_merge() calls must not split with madvise's range
[ -x $BIN/exitwork ] || fail "$BIN/exitwork missing: run 'make test-progs'"
counters_before madvise_flag_splits
out=$($BIN/exitwork 20 2>&1) || fail "exitwork: $out"
note "$out"
counters_after exitwork madvise_flag_splits
at_least "$d_madvise_flag_splits" 20 "madvise flag sections split (exitwork's own madvise() calls)"
[ "$(stat range_audit_diffs)" = 0 ] ||
	fail "range_audit_diffs is $(stat range_audit_diffs) after exitwork: a userfaultfd's release on madvise()'s way out took madvise's range"

command -v stress-ng >/dev/null || fail "stress-ng missing (scripts/setup installs it)"
a0=$(stat range_audits)
SNG_COUNTERS="range_sections_brk range_sections_mlock range_sections_mremap"
for c in $SNG_COUNTERS; do
	eval "b_$c=$(stat $c)"
done
# without CAP_SYS_ADMIN: the madvise stressor would inject memory failures
# (MADV_HWPOISON) and may then die of one (SIGBUS), an unsuccessful run
out=$(cd $MNT && setpriv --bounding-set -sys_admin \
	stress-ng --mmap 1 --mremap 1 --madvise 1 --mlock 1 --brk 1 \
	-t $((S / 3 + 2)) 2>&1) || fail "stress-ng: $out"
snap
# the mremap stressor mostly grows with MREMAP_MAYMOVE (whole); its
# shrinks stay in place and declare (37 in 8 s on its own)
for c in $SNG_COUNTERS; do
	eval "n=\$(( $(stat $c) - b_$c ))"
	note "stress-ng: $c +$n"
	case $c in range_sections_mremap) min=3 ;; *) min=10 ;; esac
	at_least "$n" $min "$c under stress-ng"
done
note "stress-ng mmap/mremap/madvise/mlock/brk: $(($(stat range_audits) - a0)) sections audited, $(stat range_audit_diffs) differences"
at_least $(($(stat range_audits) - a0)) 10 "range sections audited under stress-ng"
[ "$(stat range_audit_diffs)" = 0 ] || fail "range_audit_diffs is $(stat range_audit_diffs) after stress-ng"

# range_idle_sections (default 64 in the shipped module, 0 here): a writer
# whose faults meet none of its sections stops declaring after that many,
# and a fault that meets one makes it declare again. The audit declares
# always, so it is off for this part.
echo 0 > /sys/module/rcufault/parameters/test_range_audit
echo 4 > /sys/module/rcufault/parameters/range_idle_sections ||
	fail "cannot set range_idle_sections"
IDLE_COUNTERS="whole_sections_idle range_sections_munmap
	range_sections_mprotect range_sections_mmap"
counters_before $IDLE_COUNTERS
out=$("$BIN/workload" writer -t 2 -i 200 2>&1) || fail "workload writer: $out"
counters_after "workload writer, range_idle_sections=4" $IDLE_COUNTERS
declared=$((d_range_sections_munmap + d_range_sections_mprotect + d_range_sections_mmap))
[ "$declared" -le 4 ] ||
	fail "a writer alone declared $declared ranges with range_idle_sections=4 (at most 4)"
at_least "$d_whole_sections_idle" 500 "sections left whole by a writer alone (3 a round, 200 rounds, less 4)"
neighbour_run "" $NB_COUNTERS
at_least "$d_range_sections_munmap" 10 "munmap sections declared beside the fault threads, range_idle_sections=4"
at_least "$d_lockless_during_writer" $((d_fallback_writer_active + d_fallback_epoch_changed)) \
	"faults served during a writer against those it sent back, range_idle_sections=4"
echo 0 > /sys/module/rcufault/parameters/range_idle_sections
echo 1 > /sys/module/rcufault/parameters/test_range_audit

# lockless faults off: no fault needs a range, so no call claims a token
# (src/range_token.c) and every section is whole
echo 0 > $D/enable
neighbour_run "" range_sections_munmap range_sections_mmap whole_sections
[ "$d_range_sections_munmap" = 0 ] && [ "$d_range_sections_mmap" = 0 ] ||
	fail "sections declared with enable=0: munmap +$d_range_sections_munmap, mmap +$d_range_sections_mmap"
at_least "$d_whole_sections" "$rounds" "whole sections with enable=0"
unload_module
umount $MNT
echo "PASS: ranges"
