#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Lockless file faults and their I/O (build/test/filetorture): what file
# mappings read is what the file holds while it is written, hole-punched,
# truncated and re-extended, its cache dropped and its mappings zapped and
# protected, and written through private mappings (copy-on-write) and
# shared ones (what a shared store wrote must reach the file), on tmpfs
# (a miss there is filled through shmem's getter with no lock held, then
# retried; shared writes are lockless) and on ext4 over a loop device
# (misses do readahead with no lock held, then retry; shared writes fall
# back for page_mkwrite). The lockless file path must really have served
# faults in each, on ext4 some after I/O, on tmpfs some after a fill and
# some shared writes.
# Then accounting: reading and writing HOLES pages of holes of a tmpfs
# file through a shared mapping counts exactly HOLES minor and no major
# faults, with enable=0 and with enable=1, and with enable=1 nearly all of
# the reads were filled and all the writes were mapped without the lock.
# Then accounting: SWAPPED pages of a tmpfs file paged out to zram swap
# (page-cluster 0: no swap readahead), then read one word each: every
# swapped page is exactly one major fault (maj_flt, and /proc/vmstat
# pgmajfault: the guest is otherwise idle), with enable=0 and enable=1,
# and with enable=1 nearly all were swapped in with no lock held and
# completed locklessly (lockless_major).
# Then accounting: reading ACCOUNT pages of a file dropped from the page
# cache through a MADV_RANDOM mapping (one read per fault) counts exactly
# ACCOUNT major and no minor faults, with enable=0 and with enable=1, and
# with enable=1 nearly all of them completed locklessly after their I/O.
# Last, private writes to a file of a tmpfs mounted with mpol=bind:0 (a
# memory policy of the file's own) must all fall back (vma_setup).
#
#   FILEFAULT_SECONDS=N   seconds per file system (default 15)
#   FILEFAULT_EXPECT_FAIL=1
#                         "does it bite": load the deliberately broken module
#                         (test_skip_epoch_recheck=1 test_commit_delay_us=20000:
#                         no epoch re-check, 20 ms between the VMA check and
#                         the commit) and run only the PROT_NONE flipper and
#                         its prober on tmpfs: it must report a read that
#                         succeeded after mprotect(PROT_NONE) returned.
#   FILEFAULT_EXPECT_FAIL=wprotect
#                         the same broken module, with only the PROT_READ
#                         flipper of a shared tmpfs mapping and its writing
#                         prober: it must report a write that succeeded
#                         after mprotect(PROT_READ) returned.
. "$(dirname "$0")/lib.sh"

S=${FILEFAULT_SECONDS:-15}
T=$BIN/filetorture
MNT=/tmp/filefault
case $S in ''|*[!0-9]*|0) fail "FILEFAULT_SECONDS must be a positive integer, not '$S'" ;; esac
[ -x "$T" ] || fail "$T missing: run 'make test-progs'"

# torture NAME FILE: run the torture there; sets the counter deltas
torture() {
	local out
	snap
	f0=$(stat lockless_file) io0=$(stat file_io_unlocked) mj0=$(stat lockless_major)
	a0=$(stat file_around_pages) c0=$(stat lockless_file_cow)
	fi0=$(stat shmem_fills_unlocked) sw0=$(stat lockless_shmem_write)
	out=$("$T" "$2" "$S" 2>&1) || fail "$1: $out"
	snap
	file=$(($(stat lockless_file) - f0)) io=$(($(stat file_io_unlocked) - io0))
	major=$(($(stat lockless_major) - mj0)) around=$(($(stat file_around_pages) - a0))
	cow=$(($(stat lockless_file_cow) - c0))
	fills=$(($(stat shmem_fills_unlocked) - fi0))
	swrites=$(($(stat lockless_shmem_write) - sw0))
	note "$1: $out"
	note "$1: lockless_file +$file (major +$major, cow +$cow, shmem_write +$swrites), file_io_unlocked +$io, shmem_fills_unlocked +$fills, file_around_pages +$around"
}

mkdir -p $MNT/shm
mount -t tmpfs -o size=64m tmpfs $MNT/shm || fail "mount tmpfs"
ext4_mount $MNT

case ${FILEFAULT_EXPECT_FAIL:-0} in
1) bite_mode=0 bite="read of page .* after mprotect(PROT_NONE)" ;;
wprotect) bite_mode=wprotect bite="write to page .* after mprotect(PROT_READ)" ;;
0) bite_mode= ;;
*) fail "FILEFAULT_EXPECT_FAIL must be 0, 1 or wprotect, not '$FILEFAULT_EXPECT_FAIL'" ;;
esac
if [ -n "$bite_mode" ]; then
	load_module enable=1 test_skip_epoch_recheck=1 test_commit_delay_us=20000
	out=$("$T" $MNT/shm/data "$S" $bite_mode 2>&1) &&
		fail "the broken module went unnoticed: $out"
	echo "$out" | grep -q "VIOLATION: $bite" ||
		fail "filetorture failed, but not as expected: $out"
	note "caught: $out"
	echo 0 > $D/enable
	echo "PASS filefault (the broken module was caught)"
	exit 0
fi

load_module
echo 1 > $D/enable
torture tmpfs $MNT/shm/data
at_least "$file" $((50 * S)) "lockless file faults on tmpfs"
at_least "$cow" $((5 * S)) "lockless copy-on-write faults of private file pages on tmpfs"
at_least "$fills" "$S" "tmpfs misses filled with no lock held, then served locklessly"
at_least "$swrites" $((10 * S)) "lockless write faults of shared tmpfs pages"
torture ext4 $MNT/ext4/data
at_least "$file" $((50 * S)) "lockless file faults on ext4"
at_least "$cow" $((5 * S)) "lockless copy-on-write faults of private file pages on ext4"
at_least "$io" 10 "faults whose I/O was done with no lock held, on ext4"
at_least "$major" 5 "major faults completed locklessly after their I/O, on ext4"

# acct_run WHAT ENABLE ARGS...: one accounting run of filetorture ARGS
# with enable=ENABLE; sets out, maj, min
acct_run() {
	local what=$1 enable=$2
	shift 2
	echo "$enable" > $D/enable
	out=$("$T" "$@" 2>&1) || fail "$what enable=$enable: $out"
	note "$what, enable=$enable: $out"
	maj=$(echo "$out" | awk '{ print $2 }') min=$(echo "$out" | awk '{ print $4 }')
}

# off_on FN: FN 0, then FN 1 (a run with lockless faults off, then on);
# afterwards delta NAME is counter NAME's change over the FN 1 run
off_on() {
	"$1" 0
	snap
	cp $SNAP $SNAP.off
	"$1" 1
	snap
}
delta() {
	echo $(($(stat "$1") - $(SNAP=$SNAP.off stat "$1")))
}

# account ENABLE: reads of a cold ext4 file, one major fault each
ACCOUNT=200
account() {
	acct_run accounting "$1" --account $MNT/ext4/acct $ACCOUNT
	[ "$maj" = $ACCOUNT ] && [ "$min" = 0 ] ||
		fail "enable=$1: $ACCOUNT faults that each read a page counted majflt $maj minflt $min"
}

# holes ENABLE: the holes accounting run on tmpfs
HOLES=200
holes() {
	acct_run holes "$1" --holes $MNT/shm/holes $HOLES
	[ "$out" = "majflt 0 minflt $HOLES" ] ||
		fail "enable=$1: $HOLES faults that each filled a tmpfs hole counted $out"
}
off_on holes
at_least "$(delta shmem_fills_unlocked)" $((HOLES * 9 / 10)) "tmpfs holes filled with no lock held"
at_least "$(delta lockless_shmem_write)" $((HOLES / 2 * 9 / 10)) "shared tmpfs writes served locklessly"

# swapped ENABLE: the swap-in accounting run on tmpfs; sets sw
SWAPPED=200
swapped() {
	acct_run swapped "$1" --swapped $MNT/shm/swapped $SWAPPED
	sw=$(echo "$out" | awk '{ print $6 }') pgmaj=$(echo "$out" | awk '{ print $8 }')
	at_least "$sw" $((SWAPPED * 9 / 10)) "enable=$1: tmpfs pages paged out to swap"
	[ "$maj" = "$sw" ] && [ "$pgmaj" = "$sw" ] ||
		fail "enable=$1: $sw swapped-out tmpfs pages read back counted majflt $maj, pgmajfault $pgmaj"
}
modprobe zram && echo 64M > /sys/block/zram0/disksize &&
	mkswap /dev/zram0 >/dev/null && swapon /dev/zram0 ||
	fail "zram swap set-up"
echo 0 > /proc/sys/vm/page-cluster
off_on swapped
at_least "$(delta shmem_swapins_unlocked)" $((sw * 9 / 10)) "swapped-out tmpfs pages swapped in with no lock held"
at_least "$(delta lockless_major)" $((sw * 9 / 10)) "faults on swapped-out tmpfs pages completed locklessly"
swapoff /dev/zram0 || fail "swapoff"
off_on account
at_least "$(delta lockless_major)" $((ACCOUNT * 9 / 10)) "major faults served locklessly in the accounting run"

# Private writes to a file of a tmpfs mounted with a memory policy
# (mpol=bind:0, the file's shared policy) fall back (vma_setup): stock
# places their copies by that policy (alloc_page_vma() asks
# shmem_get_policy()), ours would not be; on the tmpfs without one they
# are lockless copies (the torture above).
POLICY_PAGES=256
mkdir -p $MNT/mpol && mount -t tmpfs -o size=16m,mpol=bind:0 tmpfs $MNT/mpol ||
	fail "mount tmpfs -o mpol=bind:0"
echo 1 > $D/enable
snap
c0=$(stat lockless_file_cow) v0=$(stat fallback_vma_setup)
out=$("$BIN/workload" filewrite -f $MNT/mpol/cow -t 2 -p $POLICY_PAGES -i 1 2>&1) ||
	fail "workload filewrite on the tmpfs with mpol=bind:0: $out"
snap
cow=$(($(stat lockless_file_cow) - c0)) vs=$(($(stat fallback_vma_setup) - v0))
note "tmpfs mpol=bind:0, private writes: lockless_file_cow +$cow, fallback_vma_setup +$vs"
# lockless_file_cow is global: the guest's other tasks (this shell's
# helpers: the test build serves single-threaded processes too) may copy a
# file page meanwhile; the workload's own 512 writes were 511 copies before
[ "$cow" -le 8 ] ||
	fail "$cow private writes (the workload made $((2 * POLICY_PAGES))) to a file with a memory policy were copied locklessly"
at_least "$vs" $((2 * POLICY_PAGES)) "private writes to a file with a memory policy, left to the stock path"
umount $MNT/mpol || fail "umount $MNT/mpol"
echo 0 > $D/enable
snap
[ "$(stat lockless_success)" = "$(stat sentinel_completions)" ] ||
	fail "lockless_success $(stat lockless_success) != sentinel_completions $(stat sentinel_completions)"
unload_module
ext4_umount $MNT && umount $MNT/shm ||
	fail "cleanup: a mount or the loop device is still busy"
echo "PASS filefault"
