#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# dkms.conf is valid: `dkms add` and `dkms build` work against the fetched
# Debian headers, and the built module is ours and the shipped build (no
# test_* parameter). The host's dkms state is put back as it was (the module
# is never installed or loaded on the host).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
. test/host/lib.sh
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
kdir=$(scripts/kdir 6.1)
krel=$(basename "$(dirname "$kdir")")
src=/usr/src/rcufault-$ver
command -v dkms >/dev/null || { echo "FAIL: dkms missing (scripts/setup)"; exit 1; }
[ ! -e "$src" ] && ! dkms status rcufault 2>/dev/null | grep -q . ||
	{ echo "FAIL: rcufault is already known to dkms here; not touching it"; exit 1; }

cleanup() {
	dkms remove -m rcufault -v "$ver" --all >/dev/null 2>&1 || true
	rm -rf "$src"
}
trap cleanup EXIT
mkdir -p "$src"
git ls-files -z | xargs -0 cp --parents -t "$src"
log=$(mktemp)
dkms add -m rcufault -v "$ver" >"$log" 2>&1 || { cat "$log"; echo "FAIL: dkms add"; exit 1; }
dkms build -m rcufault -v "$ver" -k "$krel" --kernelsourcedir "$kdir" >"$log" 2>&1 ||
	{ cat "$log" /var/lib/dkms/rcufault/"$ver"/build/make.log 2>/dev/null | tail -30; echo "FAIL: dkms build"; exit 1; }
ko=$(find /var/lib/dkms/rcufault/"$ver"/"$krel" -name 'rcufault.ko*' | head -1)
[ -n "$ko" ] || { echo "FAIL: dkms build left no rcufault.ko"; exit 1; }
modinfo "$ko" | grep -q "^vermagic: *$krel " || { echo "FAIL: $ko is not built for $krel"; exit 1; }
expect_no_test_params "$ko" "the DKMS-built module" || exit 1
echo "PASS dkms: add + build against $krel"
