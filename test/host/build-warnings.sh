#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The module, shipped and test build, builds with zero compiler warnings at W=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
kdir=$(scripts/kdir 6.1)
rel=$(basename "$(dirname "$kdir")")
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rm -rf "build/$rel/src" "build/$rel-test/src"
make -s KDIR="$kdir" W=1 module test-module >"$log" 2>&1 || { cat "$log"; echo "FAIL: build failed"; exit 1; }
if grep -E "warning:|error:" "$log"; then
	echo "FAIL: compiler warnings at W=1"
	exit 1
fi
echo "PASS build-warnings: rcufault.ko (shipped and test build) builds W=1-clean"
