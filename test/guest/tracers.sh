#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rcufault beside the tracers a real host runs: profilers and tracing
# tools attach kprobes, kretprobes, the function and function_graph
# tracers, and trace events to the very functions and tracepoints
# rcufault hooks, before or after it loads, and come and go while it runs.
#
# 1. The mmap_lock trace events keep their memcg_path field. rcufault
#    mutes the memcg-path formatting its own probes would cost while they
#    are alone (src/memcg_path_mute.c, memcg_path_mutes); a tracer's
#    events must name the memcg of the locking task all the same, whether
#    the tracer came before the module, after it (memcg_path_unmutes), or
#    stays after it is gone, and unloading must leave the kernel's path
#    count as it was.
# 2. Under lockless faults, range write sections and forks (torture
#    integrity, fork and mprotect; rangetorture), a background loop flips
#    the function tracer, the function_graph tracer and kprobe and
#    kretprobe events on lock_mm_and_find_vma, handle_mm_fault,
#    vm_area_free, mmap_region, hugepage_madvise, vma_merge, __vm_munmap,
#    do_mprotect_pkey and vm_mmap_pgoff (hooked, or kretprobed for range
#    tokens) on and off, with the mmap_lock events on, and perf samples
#    every CPU with call chains where this guest's perf can. Every program must pass,
#    lockless faults and declared ranges must still happen, the tracers
#    must see their events, and the guest log must stay clean (vm-run
#    checks it). It runs under --tcg-single: QEMU 7.2's multi-threaded
#    TCG can execute a stale int3 of kernel text being patched (see
#    scripts/vm-run), and this loop patches hot text all the time: it
#    crashed the stock kernel with no module loaded (a call to address 0
#    from do_user_addr_fault(), 3 of 3 boots), never under --tcg-single.
#    Two bpftrace profilers, one started before the module loads and one
#    after, count fentry and fexit hits (BPF trampolines, which ftrace
#    shares with rcufault's IPMODIFY hooks) on the same functions and the
#    mmap_lock acquire event of tasks in a memcg: every probe must fire,
#    and the event must name the memcg.
# 3. The module unloads with the kprobes and the first bpftrace still
#    attached, and they keep firing afterwards.
#
#   TRACERS_SECONDS=N  seconds of each timed program (default 5)
. "$(dirname "$0")/lib.sh"

S=${TRACERS_SECONDS:-5}
case $S in ''|*[!0-9]*|0) fail "TRACERS_SECONDS must be a positive integer, not '$S'" ;; esac
T=/sys/kernel/tracing
ML=$T/events/mmap_lock
CGN=rcuftracers
CG=/sys/fs/cgroup/$CGN
MNT=/tmp/tracers
HOOKED="lock_mm_and_find_vma handle_mm_fault vm_area_free mmap_region hugepage_madvise vma_merge __vm_munmap do_mprotect_pkey vm_mmap_pgoff"
# the hooked functions the bpftrace profilers count (fentry, and fexit but
# for vm_area_free; not vma_merge, which takes a struct by value, which
# bpftrace 0.17 cannot generate code for)
BPF_HOOKED="lock_mm_and_find_vma handle_mm_fault vm_area_free mmap_region hugepage_madvise __vm_munmap"
for p in torture rangetorture; do
	[ -x "$BIN/$p" ] || fail "$BIN/$p missing: run 'make test-progs'"
done
[ -d $ML ] || fail "no mmap_lock trace events on $REL"
grep -qw memory /sys/fs/cgroup/cgroup.subtree_control ||
	echo +memory > /sys/fs/cgroup/cgroup.subtree_control ||
	fail "cannot enable the memory controller"
mkdir -p $CG || fail "mkdir $CG"
echo 8192 > $T/buffer_size_kb || fail "cannot size the trace buffer"
echo 1 > $T/tracing_on

# memcg_named WHEN: a task in $CG takes its mmap_lock (exec, then cat's
# faults); the acquire_returned event must name the memcg
memcg_named() {
	echo > $T/trace
	sh -c "echo \$\$ > $CG/cgroup.procs && exec cat /proc/self/maps" >/dev/null ||
		fail "cannot run a task in $CG"
	n=$(grep -c "memcg_path=/$CGN " $T/trace)
	all=$(grep -c 'mmap_lock_acquire_returned:' $T/trace)
	[ "$n" -gt 0 ] ||
		fail "$1: no mmap_lock_acquire_returned event named memcg /$CGN ($all events; e.g. $(grep -m1 'mmap_lock_acquire_returned:' $T/trace))"
	note "$1: $n of $all acquire events name /$CGN"
}

ml_event() {
	echo "$2" > $ML/mmap_lock_$1/enable || fail "cannot set mmap_lock_$1 to $2"
}

# 1. memcg paths
ml_event acquire_returned 1
memcg_named "no module"
ml_event acquire_returned 0
load_module
"$BIN/torture" mprotect -s 1 >/dev/null 2>&1 || fail "torture mprotect, module alone"
snap
at_least "$(stat memcg_path_mutes)" 1 "memcg_path_mutes with rcufault's probes alone"
[ "$(stat memcg_path_unmutes)" = 0 ] || fail "memcg_path_unmutes $(stat memcg_path_unmutes) with no tracer"
ml_event acquire_returned 1
memcg_named "tracer after the module"
snap
at_least "$(stat memcg_path_unmutes)" 1 "memcg_path_unmutes once a tracer shares the event"
ml_event released 1
ml_event released 0
memcg_named "a second event on and off again"
unload_module
memcg_named "after unloading under the tracer"
load_module
memcg_named "tracer before the module"
ml_event acquire_returned 0
"$BIN/torture" mprotect -s 1 >/dev/null 2>&1 || fail "torture mprotect, tracer gone"
snap
at_least "$(stat memcg_path_mutes)" 1 "memcg_path_mutes once the tracer left"
unload_module
ml_event acquire_returned 1
memcg_named "after the last load and unload"

# 2. tracers flipping under lockless faults
kprobes() {
	for f in $HOOKED; do
		echo "p:rcuft/p_$f $f"
		echo "r:rcuft/r_$f $f"
	done > $T/kprobe_events || fail "cannot add kprobe events on: $HOOKED"
}

tracer() {
	echo "$1" > $T/current_tracer || fail "cannot set the $1 tracer"
}

# flip ACTION...: until $MNT/stop exists, cycle through the actions
# (fn, graph, nop: the current tracer; kon, koff: the kprobe events), then
# leave no tracer on; counts the actions in $MNT/flips
flip() {
	i=0
	while [ ! -e $MNT/stop ]; do
		for a in "$@"; do
			case $a in
			fn) tracer function ;;
			graph) tracer function_graph ;;
			nop) tracer nop ;;
			kon) echo 1 > $T/events/rcuft/enable ;;
			koff) echo 0 > $T/events/rcuft/enable ;;
			esac
			i=$((i + 1))
			sleep 0.3
		done
	done
	tracer nop
	echo 0 > $T/events/rcuft/enable
	echo $((i + $(cat $MNT/flips))) > $MNT/flips
}

# beside FLIPS PROGRAM...: run the torture programs while flip FLIPS runs
beside() {
	flips=$1
	shift
	rm -f $MNT/stop
	flip $flips &
	flip_pid=$!
	for prog in "$@"; do
		case $prog in
		range) out=$("$BIN/rangetorture" $MNT/file "$S" 2>&1) ;;
		*) out=$("$BIN/torture" $prog -s "$S" 2>&1) ;;
		esac || fail "$prog beside the tracers ($flips): $(echo "$out" | tail -3)"
		note "$prog ($flips): $(echo "$out" | tail -1)"
	done
	touch $MNT/stop
	wait $flip_pid
}

# bpf_start NAME: a bpftrace profiler on the hooked functions (fentry and
# fexit BPF trampolines, which ftrace shares with rcufault's IPMODIFY
# hooks) and on the mmap_lock acquire event (a BPF probe beside ours);
# returns once its probes are attached
bpf_start() {
	[ -n "$NO_BTF" ] && return
	BPFTRACE_KERNEL_BUILD=$KBUILD BPFTRACE_KERNEL_SOURCE=$KSRC bpftrace -e '
kfunc:lock_mm_and_find_vma, kfunc:handle_mm_fault, kfunc:vm_area_free,
kfunc:mmap_region, kfunc:hugepage_madvise, kfunc:__vm_munmap { @in[probe] = count(); }
kretfunc:lock_mm_and_find_vma, kretfunc:handle_mm_fault,
kretfunc:mmap_region, kretfunc:hugepage_madvise, kretfunc:__vm_munmap { @out[probe] = count(); }
tracepoint:mmap_lock:mmap_lock_acquire_returned
/str(args->memcg_path) == "/'$CGN'"/ { @memcg = count(); }' > $MNT/$1.bpf 2>&1 &
	eval "bpf_pid_$1=$!"
	i=0
	until grep -q '^Attaching' $MNT/$1.bpf; do
		[ $i -lt 300 ] && kill -0 $! 2>/dev/null ||
			fail "bpftrace $1 did not attach: $(tail -3 $MNT/$1.bpf)"
		sleep 1
		i=$((i + 1))
	done
	note "bpftrace $1: $(grep '^Attaching' $MNT/$1.bpf) after ${i} s"
}

# bpf_stop NAME: stop it; every one of its probes must have fired, and its
# mmap_lock probe must have seen a task of $CG with its memcg path.
# bpftrace 0.17 (Debian 12) only acts on a SIGINT that interrupts its
# epoll_wait(): one that comes while it runs between two waits sets its
# exit flag, which its poll loop never reads again (a task dump of a lane
# stuck here showed it asleep in epoll_wait(), the shell waiting for it).
# So SIGINT is sent again every 5 s until it exits (at most 60 s): its
# exit (maps printed, probes detached) takes a few seconds under TCG.
bpf_stop() {
	[ -n "$NO_BTF" ] && return
	eval "pid=\$bpf_pid_$1"
	n=1
	kill -INT $pid 2>/dev/null
	t=0
	while sleep 1 && kill -0 $pid 2>/dev/null; do
		t=$((t + 1))
		[ $t -lt 60 ] || fail "bpftrace $1 did not exit after $n SIGINTs in $t s"
		[ $((t % 5)) = 0 ] || continue
		kill -INT $pid 2>/dev/null
		n=$((n + 1))
	done
	wait $pid
	[ $n = 1 ] || note "bpftrace $1 exited after $n SIGINTs (its poll loop missed the first)"
	for f in $BPF_HOOKED; do
		grep -Eq "^@in\[kfunc:(vmlinux:)?$f\]: [1-9]" $MNT/$1.bpf ||
			fail "bpftrace $1: kfunc:$f never fired: $(cat $MNT/$1.bpf)"
		[ $f = vm_area_free ] ||
			grep -Eq "^@out\[kretfunc:(vmlinux:)?$f\]: [1-9]" $MNT/$1.bpf ||
			fail "bpftrace $1: kretfunc:$f never fired: $(cat $MNT/$1.bpf)"
	done
	grep -q "^@memcg: [1-9]" $MNT/$1.bpf ||
		fail "bpftrace $1: no mmap_lock event named memcg /$CGN: $(cat $MNT/$1.bpf)"
	note "bpftrace $1: $(grep -c '^@' $MNT/$1.bpf) maps, e.g. $(grep -m1 '^@in' $MNT/$1.bpf)"
}

mkdir -p $MNT && mount -t tmpfs -o size=16m tmpfs $MNT || fail "mount tmpfs"
kprobes
echo "$HOOKED" | tr ' ' '\n' > $T/set_ftrace_filter ||
	fail "cannot filter the function tracer to: $HOOKED"
echo "$HOOKED" | tr ' ' '\n' > $T/set_graph_function ||
	fail "cannot filter the function_graph tracer to: $HOOKED"
ml_event released 1
command -v bpftrace >/dev/null || fail "bpftrace missing: run scripts/setup"
# Debian splits the headers bpftrace parses tracepoint arguments with:
# the arch's build tree and its -common sibling; a kernel built out of
# tree (make O=, the debug lane's) links its source tree as source
KBUILD=$(readlink -f /lib/modules/$REL/build)
KSRC=${KBUILD%-amd64}-common
[ -f "$KSRC/include/linux/kconfig.h" ] || KSRC=$(readlink -f /lib/modules/$REL/source)
[ -f "$KSRC/include/linux/kconfig.h" ] || fail "no kernel headers for bpftrace at ${KBUILD%-amd64}-common or $KSRC"
# their fentry and fexit probes need the kernel's BTF: the debug lane's
# kernel (scripts/debug-kernel) is built without it
NO_BTF=
if [ ! -e /sys/kernel/btf/vmlinux ]; then
	NO_BTF=1
	note "no bpftrace profilers: this kernel has no BTF (CONFIG_DEBUG_INFO_BTF)"
fi
bpf_start before
load_module enable=1
bpf_start after
# the hooks modify the IP (I) beside the BPF trampolines (D), ours shared
for f in lock_mm_and_find_vma handle_mm_fault mmap_region; do
	grep "^$f " $T/enabled_functions | grep -q " I " ||
		fail "$f not hooked beside bpftrace: $(grep "^$f " $T/enabled_functions)"
done
note "$(grep '^lock_mm_and_find_vma ' $T/enabled_functions)"
perf_pid=
if perf record -o /dev/null -a -- true >/dev/null 2>&1; then
	perf record -q -a -g -F 499 -o $MNT/perf.data >/dev/null 2>&1 &
	perf_pid=$!
else
	note "perf cannot record on this guest: no sampling profiler in this run"
fi
snap
s0=$(stat lockless_success)
r0=$(($(stat range_sections_munmap) + $(stat range_sections_mprotect) + $(stat range_sections_mmap)))
m0=$(stat madvise_section_splits)
f0=$(stat madvise_flag_splits)
echo 0 > $MNT/flips
beside "fn kon graph nop koff" integrity fork mprotect range
if [ -n "$perf_pid" ]; then
	kill -INT $perf_pid
	wait $perf_pid
	note "perf: $(perf script -i $MNT/perf.data 2>/dev/null | grep -c ' cpu-clock\| cycles') samples with call chains"
fi
snap
ls=$(($(stat lockless_success) - s0))
rs=$(($(stat range_sections_munmap) + $(stat range_sections_mprotect) + $(stat range_sections_mmap) - r0))
ms=$(($(stat madvise_section_splits) - m0))
fs=$(($(stat madvise_flag_splits) - f0))
note "$(cat $MNT/flips) tracer flips; lockless_success +$ls, range sections +$rs, madvise splits +$ms and +$fs (flags)"
at_least "$ls" $((100 * S)) "lockless faults beside the tracers"
at_least "$rs" 10 "range sections declared beside the tracers"
at_least "$ms" 1 "madvise sections split at the hooked hugepage_madvise() beside the tracers"
at_least "$fs" 1 "madvise sections split at the hooked vma_merge() beside the tracers"

# every kprobe and kretprobe fires, through the hooks, once more
# (rangetorture's anonymous writer calls madvise(MADV_HUGEPAGE))
echo > $T/trace
echo 1 > $T/events/rcuft/enable
"$BIN/torture" mprotect -s 1 >/dev/null 2>&1 || fail "torture mprotect with the kprobes on"
"$BIN/rangetorture" $MNT/file 1 >/dev/null 2>&1 || fail "rangetorture with the kprobes on"
for f in $HOOKED; do
	for k in p r; do
		grep -q " ${k}_$f:" $T/trace || fail "no ${k}_$f event with rcufault loaded"
	done
done
memcg_named "mmap_lock events beside the kprobes and bpftrace"
bpf_stop after

# 3. unload under the kprobes; they go on firing
echo 0 > $D/enable
unload_module
echo > $T/trace
"$BIN/torture" mprotect -s 1 >/dev/null 2>&1 || fail "torture mprotect after unloading"
grep -q " r_lock_mm_and_find_vma:" $T/trace ||
	fail "the kretprobe on lock_mm_and_find_vma stopped firing when rcufault unloaded"
memcg_named "after unloading beside bpftrace"
bpf_stop before
echo 0 > $T/events/rcuft/enable
echo > $T/kprobe_events
ml_event released 0
ml_event acquire_returned 0
echo > $T/set_ftrace_filter
echo > $T/set_graph_function
umount $MNT
echo "PASS: tracers"
