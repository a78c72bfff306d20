#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Correctness torture of lockless faults (build/test/torture): data integrity
# under VMA churn, mprotect, fork isolation, mremap() growth and shrinking,
# userfaultfd, protection keys and memcg limits, with the module loaded and
# enable=1. Every subcommand must pass, the lockless path must really have
# served faults meanwhile (else the run proves nothing), and the guest log
# must stay clean (vm-run checks it).
#
#   TORTURE_SECONDS=N    seconds for each timed subcommand (default 20; the
#                        whole script then takes about 2 minutes under TCG)
#   TORTURE_EXPECT_FAIL=1
#                        "does the suite bite": load a deliberately broken
#                        module (test_skip_epoch_recheck=1: no write-epoch
#                        re-checks; test_commit_delay_us=20000: 20 ms between
#                        checking the VMA and committing the PTE) and pass
#                        only if some subcommand catches a violation
#                        (mprotect should: a writable PTE installed after
#                        mprotect(PROT_READ) returned). Stops at the first
#                        catch: later subcommands can crash the guest
#                        kernel with the broken module (a stale VMA reaches
#                        page_add_new_anon_rmap: BUG at mm/rmap.c).
#   TORTURE_EXPECT_FAIL=cow
#                        the same with a module that has the classic COW
#                        bug (test_broken_cow=torture: in tasks named
#                        torture, write faults on read-only anonymous PTEs
#                        make them writable in place, so a page shared with
#                        a fork child is written through): only fork runs,
#                        and it must catch it.
#   TORTURE_EXPECT_FAIL=wpreuse
#                        the same with the write-protect path's broken
#                        build (test_wp_reuse_shared=torture: its lockless
#                        write faults reuse pages that are not exclusive,
#                        so a page shared with a fork child is written in
#                        place): only fork runs, and it must catch it.
#   TORTURE_EXPECT_FAIL=tables
#                        the same with the PTE table publication's broken
#                        build (test_pte_table_unsynced=torture: new PTE
#                        tables are published without waiting out
#                        mmap_lock writers, after a 1 ms pause, so one can
#                        land in a range munmap() already freed the page
#                        tables of): only tables runs, and it must catch
#                        the leaked table.
#   TORTURE_EXPECT_FAIL=vmaend
#                        the same with the bounds rule's broken build
#                        (test_vma_end_unchecked=torture: a stale shadow
#                        record is trusted when its VMA begins at or below
#                        it, wherever the VMA ends, and the anonymous path
#                        skips its address check): only resize runs, and
#                        it must catch a read that works past the end of a
#                        VMA mremap() shrank.
#   TORTURE_EXPECT_FAIL_ALL=1
#                        with TORTURE_EXPECT_FAIL=1: run every subcommand
#                        anyway, to see which ones catch the broken module.
#
# Run: scripts/vm-run --timeout 600 -- test/guest/torture.sh
# init_on_alloc (on by default in Debian) zeroes every page allocation, so
# a page mapped without __GFP_ZERO still reads zero; add
# --append init_on_alloc=0 to vm-run to make the zero checks see that bug.
. "$(dirname "$0")/lib.sh"

S=${TORTURE_SECONDS:-20}
XF=${TORTURE_EXPECT_FAIL:-0}
T=$BIN/torture
CG=/sys/fs/cgroup
OUT=/tmp/torture.out
case $S in ''|*[!0-9]*|0) fail "TORTURE_SECONDS must be a positive integer, not '$S'" ;; esac
# Lockless faults the racing subcommands must each see (they see hundreds
# to thousands a second under TCG; without the lockless anonymous path,
# only the rare faults that find their PTE already set by a racing thread).
MIN_EACH=$((100 * S))
[ -x "$T" ] || fail "$T missing: run 'make test-progs'"

if dmesg | grep -q 'heap alloc:on' && ! grep -q 'init_on_alloc=0' /proc/cmdline; then
	note "init_on_alloc is on: a page mapped without zeroing would still read zero here"
fi

[ "$XF" = 0 ] || need_test_build
# load_broken WHAT PARAM...: load a deliberately broken module for
# expect-fail mode WHAT, with enable=1 and PARAMs; smaller memcg runs
load_broken() {
	note "expect-fail mode: $1"
	shift
	modprobe rcufault enable=1 "$@" || fail "cannot load rcufault with $*"
	[ -d $D ] || fail "$D missing after load"
	MC_MAX=8 MC_OVER=16 MC_UNDER=4
}
if [ "$XF" = cow ]; then
	load_broken "the module makes read-only anonymous PTEs writable without COW" \
		test_broken_cow=torture
elif [ "$XF" = wpreuse ]; then
	load_broken "lockless write-protect faults reuse pages shared with a fork child" \
		test_wp_reuse_shared=torture
elif [ "$XF" = tables ]; then
	load_broken "lockless faults publish PTE tables without waiting out writers" \
		shadow_at_mmap=1 test_pte_table_unsynced=torture
elif [ "$XF" = vmaend ]; then
	# test_range_audit=0: resize's single thread then declares no ranges
	# (src/write_range.c), so its mremap() sections stay whole and leave
	# the stale records the broken build trusts; with the audit on, its
	# in-place shrink declares and its end refreshes the record
	load_broken "stale records are trusted wherever their VMA ends, and addresses are not checked against the VMA" \
		test_vma_end_unchecked=torture test_range_audit=0
elif [ "$XF" = 1 ]; then
	load_broken "the module skips its write-epoch re-checks and sleeps 20 ms before each commit" \
		test_skip_epoch_recheck=1 test_commit_delay_us=20000
else
	# shadow_at_mmap=1: new mappings' faults are lockless from the first,
	# which doubles the lockless faults this run sees
	load_module enable=1 shadow_at_mmap=1
	MC_MAX=16 MC_OVER=32 MC_UNDER=8
fi
[ "$(cat $D/enable)" = 1 ] || fail "enable should be 1 after loading with enable=1"
echo 1 > $D/reset

violations="" errors=""
ms() {
	date +%s%3N
}

# run NAME COMMAND...: run one subcommand, show its output, its time and the
# lockless faults it saw (ls_NAME); sets rc. Judging is the caller's.
run() {
	name=$1
	shift
	snap
	s0=$(stat lockless_success) a0=$(stat lockless_attempts) t0=$(ms)
	c0=$(stat lockless_wp_copy) r0=$(stat lockless_wp_reuse)
	"$@" >$OUT 2>&1
	rc=$?
	t1=$(ms)
	snap
	ls=$(($(stat lockless_success) - s0))
	sed 's/^/    /' $OUT
	note "$name: status $rc in $(((t1 - t0) / 1000)).$(((t1 - t0) % 1000 / 100)) s; lockless_success +$ls of +$(($(stat lockless_attempts) - a0)) attempts" \
	     "(write-protect copies +$(($(stat lockless_wp_copy) - c0)), reuses +$(($(stat lockless_wp_reuse) - r0)))"
	eval "ls_$name=$ls"
}

# judge NAME STATUS: 0 pass, 1 violation, anything else the test could not run
judge() {
	case $2 in
	0) ;;
	1) violations="$violations $1" ;;
	*) errors="$errors $1(status $2)" ;;
	esac
	if [ "$XF" != 0 ] && [ -n "$violations" ] && [ "${TORTURE_EXPECT_FAIL_ALL:-0}" != 1 ]; then
		expect_fail_done
	fi
}

# expect-fail mode: report what caught the broken module; exit
expect_fail_done() {
	echo 0 > $D/enable
	unload_module
	[ -z "$errors" ] || note "could not run:$errors"
	[ -n "$violations" ] ||
		fail "the broken module ($XF) was not caught by any subcommand"
	case "$XF $violations " in
	"1 "*" mprotect "* | "cow "*" fork "* | "wpreuse "*" fork "* | "tables "*" tables "* | \
	"vmaend "*" resize "*) ;;
	*) note "not caught by the subcommand expected to catch it" ;;
	esac
	echo "PASS torture (expect-fail): the broken module was caught by:$violations"
	exit 0
}

# memcg NAME MAX_MIB TOUCH_MIB: torture memcg in a new cgroup v2 child with
# memory.max MAX_MIB and no swap. Over the limit it must be OOM-killed
# (oom_kill >= 1); under it, it must pass with no kill. Never memory.peak >
# memory.max.
memcg() {
	cg=$CG/rcufault-torture-$1
	grep -qw memory $CG/cgroup.subtree_control ||
		echo +memory > $CG/cgroup.subtree_control || fail "cannot enable the memory controller in $CG"
	rmdir $cg 2>/dev/null
	mkdir $cg || fail "mkdir $cg"
	echo $(($2 << 20)) > $cg/memory.max || fail "set $cg/memory.max"
	if [ -e $cg/memory.swap.max ]; then
		echo 0 > $cg/memory.swap.max || fail "set $cg/memory.swap.max"
	fi
	run $1 sh -c 'echo $$ > "$1/cgroup.procs" && exec "$2" memcg -m "$3" -t "$4"' sh $cg "$T" $2 $3
	peak=$(cat $cg/memory.peak) lim=$(cat $cg/memory.max) ||
		fail "no memory.peak/memory.max in $cg"
	oom=$(awk '$1 == "oom_kill" { print $2 }' $cg/memory.events)
	note "$1: memory.max $lim, memory.peak $peak, oom_kill $oom"
	st=$rc
	if [ "$peak" -gt "$lim" ]; then
		echo "    VIOLATION: memory.peak $peak > memory.max $lim"
		st=1
	elif [ $3 -gt $2 ]; then
		case $rc in
		137) if [ "$oom" -ge 1 ]; then st=0; else
			echo "    VIOLATION: killed, but memory.events has no oom_kill"; st=1; fi ;;
		0|1) echo "    VIOLATION: touched $3 MiB with memory.max $2 MiB and was not OOM-killed"; st=1 ;;
		esac
	elif [ "$rc" = 0 ] && [ "$oom" != 0 ]; then
		echo "    VIOLATION: $3 MiB under a $2 MiB limit caused $oom OOM kills"
		st=1
	fi
	judge $1 $st
	rmdir $cg || note "could not remove $cg"
}

if [ "$XF" = cow ] || [ "$XF" = wpreuse ]; then
	# These builds let a fork child write into its parent's pages, its
	# stack and libc's locks included: the parent may report it, crash,
	# or hang (once in 26 runs of make check). A hang is caught too (in a
	# normal run the same hang fails the suite by vm-run's timeout), so
	# the run is bounded here and a timeout counts as a violation.
	run fork timeout -k 10 $((S + 60)) "$T" fork -s $S
	case $rc in
	124|137)
		note "fork: still running after $((S + 60)) s: killed (the broken build hung it)"
		pkill -KILL -x torture
		rc=1 ;;
	esac
	judge fork $rc
	expect_fail_done
fi
if [ "$XF" = tables ]; then
	run tables "$T" tables -s $S
	judge tables $rc
	expect_fail_done
fi
# resize: mremap() grows a VMA in place, then shrinks it; sets rs_rounds
# and rs_reval (revalidated during it)
run_resize() {
	snap
	rv0=$(stat revalidated)
	run resize "$T" resize -s $((S / 4 > 3 ? S / 4 : 3))
	judge resize $rc
	rs_reval=$(($(stat revalidated) - rv0))
	rs_rounds=$(sed -n 's/.* rounds \([0-9]*\) .*/\1/p' $OUT)
	note "resize: revalidated +$rs_reval over ${rs_rounds:-?} rounds"
}
if [ "$XF" = vmaend ]; then
	run_resize
	expect_fail_done
fi
# mprotect first: it is the one the broken build must fail.
run mprotect "$T" mprotect -s $S
judge mprotect $rc
run integrity "$T" integrity -s $S
judge integrity $rc
wp0=$(stat lockless_wp_copy) wr0=$(stat lockless_wp_reuse)
run fork "$T" fork -s $S
judge fork $rc
wp_copy=$(($(stat lockless_wp_copy) - wp0)) wp_reuse=$(($(stat lockless_wp_reuse) - wr0))
note "fork: lockless write-protect faults: copies +$wp_copy, reuses +$wp_reuse"
grep -q 'soft-dirty: not in this kernel' $OUT && no_soft_dirty=1 || no_soft_dirty=0
tp0=$(stat pte_tables_published)
run tables "$T" tables -s $S
judge tables $rc
tables=$(($(stat pte_tables_published) - tp0))
note "tables: PTE tables published locklessly +$tables (whole run so far: raced $(stat pte_tables_raced)," \
	"writer waits $(stat pte_table_writer_waits), fallback_pte_table_thp $(stat fallback_pte_table_thp))"
run_resize
run uffd "$T" uffd -s $((S / 2 > 3 ? S / 2 : 3))
judge uffd $rc
run pkeys "$T" pkeys
if [ $rc = 0 ] && grep -q 'skipped: no pkeys' $OUT; then
	grep -qw pku /proc/cpuinfo && pku="the CPU has pku" || pku="no pku in /proc/cpuinfo"
	echo "    pkeys were skipped ($pku); QEMU -cpu max has PKU, so this is a failure"
	rc=2
fi
judge pkeys $rc
memcg memcg_over $MC_MAX $MC_OVER
memcg memcg_under $MC_MAX $MC_UNDER

echo 0 > $D/enable	# freeze the lockless counters, then read them
sleep 0.2
snap
total=$(stat lockless_success)
note "whole run: lockless_success $total of $(stat lockless_attempts) attempts" \
	"(fallback: epoch_changed $(stat fallback_epoch_changed), writer_active $(stat fallback_writer_active)," \
	"pte_cow $(stat fallback_pte_cow), wp_page $(stat fallback_wp_page), wp_maybe_reuse $(stat fallback_wp_maybe_reuse)," \
	"vma_setup $(stat fallback_vma_setup), vma_kind $(stat fallback_vma_kind), access $(stat fallback_access)," \
	"no_pte_table $(stat fallback_no_pte_table), raced $(stat fallback_raced), ptl_busy $(stat fallback_ptl_busy))"
[ "$total" = "$(stat sentinel_completions)" ] ||
	fail "lockless_success $total != sentinel_completions $(stat sentinel_completions)"

[ "$XF" != 0 ] && expect_fail_done

[ -z "$violations$errors" ] || fail "violations:${violations:- none}; could not run:${errors:- none}"
for t in integrity mprotect fork tables; do
	eval "n=\$ls_$t"
	at_least "$n" $MIN_EACH "lockless faults during $t (too few: the run proves nothing)"
done
# fork's writes after fork are copies (parent and child), and after each
# soft-dirty clear reuses: both lockless paths must have run, or fork
# proved nothing (a kernel without soft-dirty makes no reuse faults)
at_least "$wp_copy" $((10 * S)) "lockless write-protect copies during fork"
if [ $no_soft_dirty = 1 ]; then
	note "no soft-dirty tracking in this kernel: write-protect reuses not required"
else
	at_least "$wp_reuse" $((10 * S)) "lockless write-protect reuses during fork"
fi
# tables: the first faults in fresh 2 MiB ranges made their PTE tables
at_least "$tables" $((10 * S)) "PTE tables published locklessly during tables"
# resize: after each growth, the 16 faults on V's unwritten half find the
# record the first fault made, stale, within the grown V: each is served
# through revalidation (a record that merely lies within its VMA is
# trusted), none takes the stock path to remake it
at_least "${rs_rounds:-0}" 10 "resize rounds"
at_least "$rs_reval" $((8 * rs_rounds)) "faults revalidated during resize (8 per round at least)"
# the under-limit memcg run: most of its faults, or its charge check proved nothing
at_least "$ls_memcg_under" $((MC_UNDER * 256 / 2)) "lockless faults during memcg_under ($MC_UNDER MiB touched)"
at_least "$total" $((4 * MIN_EACH)) "lockless faults during the whole run"
unload_module
echo "PASS torture"
