#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rcufault's tracepoints (rcufault:lockless_fault, :fallback, :unlocked_io)
# tell the same story as its counters. With every event on, anonymous
# faults beside an mmap/munmap churn thread, cold reads of an ext4 file
# (I/O with no lock held), private writes to a file and shared writes to
# tmpfs run while lockless faults are enabled; then, exactly:
# - one lockless_fault event per lockless_success, with major=1 as often
#   as lockless_major counts, and per kind as the kind counters count;
# - one fallback event per failed attempt, and per reason name exactly
#   the count of the fallback counter of that name;
# - one unlocked_io event per bring-in, those that succeeded matching
#   file_io_unlocked and shmem_fills_unlocked, and cold reads that grew
#   the page cache.
# Tracing is on for the whole time lockless faults are enabled, and no
# event may be lost.
. "$(dirname "$0")/lib.sh"

T=/sys/kernel/tracing
E=$T/events/rcufault
MNT=/tmp/tracepoints
LOG=/tmp/rcufault-trace

load_module
for ev in lockless_fault fallback unlocked_io; do
	[ -f $E/$ev/format ] || fail "no tracepoint rcufault:$ev"
done
grep -q "field:__data_loc char\[\] reason" $E/fallback/format ||
	fail "rcufault:fallback has no reason string: $(cat $E/fallback/format)"

mkdir -p $MNT/shm
mount -t tmpfs -o size=32m tmpfs $MNT/shm || fail "mount tmpfs"
ext4_mount $MNT
"$BIN/workload" mkfile -f $MNT/ext4/cold -p 512 >/dev/null || fail "mkfile"

echo 0 > $T/tracing_on
echo > $T/trace
echo 16384 > $T/buffer_size_kb || fail "cannot size the trace buffer"
echo 1 > $E/enable || fail "cannot enable the rcufault events"
echo 1 > $D/reset
echo 1 > $T/tracing_on
echo 1 > $D/enable
expect "anonymous faults beside a writer" "$BIN/workload" mixed -t 2 -p 256 -i 4
expect "cold ext4 reads" "$BIN/workload" filefault -f $MNT/ext4/cold -t 2 -p 128 -i 2
expect "private file writes" "$BIN/workload" filewrite -f $MNT/shm/cow -t 2 -p 64 -i 2
expect "shared tmpfs writes" "$BIN/workload" filewrite -f $MNT/shm/shared -s -t 2 -p 64 -i 2
echo 0 > $D/enable
sleep 0.2
echo 0 > $T/tracing_on
echo 0 > $E/enable
snap
cat $T/trace > $LOG
lost=$(cat $T/per_cpu/cpu*/stats | awk '$1 == "overrun:" { n += $2 } END { print n + 0 }')
[ "$lost" = 0 ] || fail "the trace buffer overran: $lost events lost"

# events NAME [FIELD=VALUE]: how many NAME events (with that field) were traced
events() {
	grep -c ": $1: .*${2:-}" $LOG
}

# same COUNT COUNTER WHAT: an event count equals a counter
same() {
	[ "$1" = "$(stat "$2")" ] || fail "$3: $1 events, $2 is $(stat "$2")"
}

attempts=$(stat lockless_attempts) success=$(stat lockless_success)
note "attempts $attempts, lockless $success, events: $(events lockless_fault) lockless," \
	"$(events fallback) fallback, $(events unlocked_io) unlocked_io"
at_least "$success" 1000 "lockless faults served"
same "$(events lockless_fault)" lockless_success "lockless_fault events"
same "$(events lockless_fault 'major=1')" lockless_major "major lockless_fault events"
same "$(events lockless_fault 'kind=file_cow ')" lockless_file_cow "kind=file_cow events"
same "$(events lockless_fault 'kind=shmem_write ')" lockless_shmem_write "kind=shmem_write events"
same "$(events lockless_fault 'kind=wp_reuse ')" lockless_wp_reuse "kind=wp_reuse events"
same "$(events lockless_fault 'kind=wp_copy ')" lockless_wp_copy "kind=wp_copy events"
same "$(($(events lockless_fault 'kind=file ') + $(events lockless_fault 'kind=file_cow ') +
	$(events lockless_fault 'kind=shmem_write ')))" lockless_file "file kinds' events"
at_least "$(events lockless_fault 'kind=anon ')" 500 "kind=anon events"
at_least "$(stat lockless_major)" 1 "major lockless faults (cold ext4 reads)"
at_least "$(stat lockless_file_cow)" 10 "private file writes served"
at_least "$(stat lockless_shmem_write)" 10 "shared tmpfs writes served"

[ "$(events fallback)" = $((attempts - success)) ] ||
	fail "fallback events: $(events fallback), attempts - lockless: $((attempts - success))"
sed -n 's/.*: fallback: .*reason=\([a-z_]*\).*/\1/p' $LOG | sort | uniq -c |
	while read -r n reason; do
		same "$n" "$reason" "fallback events with reason=$reason"
	done || exit 1
awk '/^fallback_/ && $2 > 0 { print $1 }' $SNAP | while read -r c; do
	[ "$(events fallback "reason=$c\$")" -gt 0 ] ||
		fail "$c is $(stat "$c"), but no fallback event names it"
done || exit 1

same "$(events unlocked_io 'what=file_read .*ok=1')" file_io_unlocked "successful file_read events"
same "$(events unlocked_io 'what=shmem_fill .*ok=1')" shmem_fills_unlocked "successful shmem_fill events"
same "$(events unlocked_io 'what=shmem_swapin .*ok=1')" shmem_swapins_unlocked "successful shmem_swapin events"
at_least "$(stat file_io_unlocked)" 1 "cold reads done with no lock held"
read_bytes=$(sed -n 's/.*what=file_read bytes=\([0-9]*\).*/\1/p' $LOG |
	awk '{ n += $1 } END { print n + 0 }')
at_least "$read_bytes" $(($(stat file_io_unlocked) * 4096)) "bytes the cold reads brought in"
note "file_read events brought in $read_bytes bytes"

ext4_umount $MNT && umount $MNT/shm || fail "cleanup: a mount is still busy"
unload_module
echo "PASS tracepoints"
