# SPDX-License-Identifier: GPL-2.0
# Helpers for tests that run inside the test guest (scripts/vm-run).
# Sourced; every check either passes or ends the test with a message.

set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
REL=$(uname -r)
BIN=$TOP/build/test
D=/sys/kernel/debug/rcufault

fail() {
	echo "FAIL: $*"
	dmesg | tail -8 | sed 's/^/  dmesg: /'
	exit 1
}

note() {
	echo "  $*"
}

# snap: take a snapshot of $D/stats for stat to read
SNAP=/tmp/rcufault-stats
snap() {
	cat $D/stats > $SNAP || fail "cannot read $D/stats"
}

# stat NAME: one counter from the last snapshot
stat() {
	awk -v n="$1" '$1 == n { print $2; f = 1 } END { if (!f) exit 1 }' $SNAP ||
		fail "no counter '$1' in $D/stats"
}

# expect DESCRIPTION COMMAND...: the command must succeed
expect() {
	local what=$1
	shift
	"$@" || fail "$what (command: $*)"
}

# expect_fail DESCRIPTION COMMAND...: the command must fail
expect_fail() {
	local what=$1
	shift
	! "$@" 2>/dev/null || fail "$what (command unexpectedly succeeded: $*)"
}

# at_least A B DESCRIPTION: A >= B
at_least() {
	[ "$1" -ge "$2" ] || fail "$3: $1 < $2"
}

# need_test_build: the guest's rcufault is the test build (the shipped one
# has no test_* parameter, and modprobe ignores unknown ones)
need_test_build() {
	modinfo -F parm rcufault | grep -q '^test_' ||
		fail "rcufault here is the shipped build; this test needs the test build (scripts/vm-run --module test)"
}

# load_module [PARAM=VALUE...]: load rcufault (a test_* PARAM needs the test build)
load_module() {
	case " $* " in *" test_"*) need_test_build ;; esac
	modprobe rcufault "$@" || fail "modprobe rcufault $*"
	[ -d $D ] || fail "$D missing after load"
}

# no_desync: the write epoch never disagreed with mmap_lock (reading stats
# also checks every tracked mm at rest), and no write section that declared
# a range changed a VMA outside it (range_audit_diffs, audited in every
# test of the test build); a test that provokes either on purpose sets
# EXPECT_DESYNC=1 or EXPECT_AUDIT_DIFFS=1
no_desync() {
	snap
	[ "${EXPECT_AUDIT_DIFFS:-0}" = 1 ] || [ "$(stat range_audit_diffs)" = 0 ] ||
		fail "range_audit_diffs is $(stat range_audit_diffs): a write section changed a VMA outside the range it declared"
	[ "${EXPECT_DESYNC:-0}" = 1 ] && return 0
	[ "$(stat epoch_desync)" = 0 ] ||
		fail "epoch_desync is $(stat epoch_desync): the write epoch disagreed with mmap_lock"
}

unload_module() {
	no_desync
	rmmod rcufault || fail "rmmod rcufault"
	[ ! -d $D ] || fail "$D still there after unload"
}

# hooked: how many of our ftrace hooks are installed
hooked() {
	grep -c '\[rcufault\]' /sys/kernel/tracing/enabled_functions
}

# ext4_mount DIR: an ext4 file system at DIR/ext4 over a loop device whose
# image is on a tmpfs at DIR/back (misses there really read); sets LOOP
ext4_mount() {
	mkdir -p "$1/back" "$1/ext4"
	mount -t tmpfs -o size=160m tmpfs "$1/back" || fail "mount tmpfs"
	modprobe loop && modprobe ext4 || fail "modprobe loop ext4"
	truncate -s 128M "$1/back/img" || fail "truncate"
	mkfs.ext4 -q -F "$1/back/img" || fail "mkfs.ext4"
	LOOP=$(losetup -f --show "$1/back/img") || fail "losetup"
	mount -t ext4 "$LOOP" "$1/ext4" || fail "mount ext4 on $LOOP"
}

# ext4_umount DIR: undo ext4_mount DIR
ext4_umount() {
	umount "$1/ext4" && losetup -d "$LOOP" && umount "$1/back"
}

# split_ptlocks: this kernel frees PTE lock objects in ptlock_free(), which
# rcufault then hooks too (src/ptlock_defer.c)
split_ptlocks() {
	grep -qx ptlock_free /sys/kernel/tracing/available_filter_functions
}

# nr_hooks: how many ftrace hooks a loaded rcufault installs here
nr_hooks() {
	if split_ptlocks; then echo 8; else echo 7; fi
}
