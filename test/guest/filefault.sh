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
# Then accounting: reading ACCOUNT pages of a file dropped from the page
# cache through a MADV_RANDOM mapping (one read per fault) counts exactly
# ACCOUNT major and no minor faults, with enable=0 and with enable=1, and
# with enable=1 nearly all of them completed locklessly after their I/O.
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

# account ENABLE: majflt and minflt of one accounting run; sets maj, min
ACCOUNT=200
account() {
	local out
	echo "$1" > $D/enable
	out=$("$T" --account $MNT/ext4/acct $ACCOUNT) || fail "account enable=$1: $out"
	maj=$(echo "$out" | awk '{ print $2 }') min=$(echo "$out" | awk '{ print $4 }')
	note "accounting, enable=$1: $out"
	[ "$maj" = $ACCOUNT ] && [ "$min" = 0 ] ||
		fail "enable=$1: $ACCOUNT faults that each read a page counted majflt $maj minflt $min"
}

# holes ENABLE: the holes accounting run on tmpfs
HOLES=200
holes() {
	local out
	echo "$1" > $D/enable
	out=$("$T" --holes $MNT/shm/holes $HOLES 2>&1) || fail "holes enable=$1: $out"
	note "holes, enable=$1: $out"
	[ "$out" = "majflt 0 minflt $HOLES" ] ||
		fail "enable=$1: $HOLES faults that each filled a tmpfs hole counted $out"
}
holes 0
snap
fi0=$(stat shmem_fills_unlocked) sw0=$(stat lockless_shmem_write)
holes 1
snap
at_least $(($(stat shmem_fills_unlocked) - fi0)) $((HOLES * 9 / 10)) "tmpfs holes filled with no lock held"
at_least $(($(stat lockless_shmem_write) - sw0)) $((HOLES / 2 * 9 / 10)) "shared tmpfs writes served locklessly"
account 0
snap
mj0=$(stat lockless_major)
account 1
snap
at_least $(($(stat lockless_major) - mj0)) $((ACCOUNT * 9 / 10)) "major faults served locklessly in the accounting run"
echo 0 > $D/enable
snap
[ "$(stat lockless_success)" = "$(stat sentinel_completions)" ] ||
	fail "lockless_success $(stat lockless_success) != sentinel_completions $(stat sentinel_completions)"
unload_module
ext4_umount $MNT && umount $MNT/shm ||
	fail "cleanup: a mount or the loop device is still busy"
echo "PASS filefault"
