#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# No testing-only knob in the shipped module: build/<release>/rcufault.ko
# (`make module`, what DKMS builds; test/host/dkms.sh checks the DKMS one
# the same way) has no test_* parameter, while the test build
# build/<release>-test/rcufault.ko (`make test-module`) has every one that
# src/test_params.c defines, so this check can fail.
set -euo pipefail
cd "$(dirname "$0")/../.."
. test/host/lib.sh
kdir=$(scripts/kdir 6.1)
rel=$(basename "$(dirname "$kdir")")
log=$(mktemp)
trap 'rm -f "$log"' EXIT
make -s KDIR="$kdir" module test-module >"$log" 2>&1 || { cat "$log"; echo "FAIL: build failed"; exit 1; }
fails=0

want=$(sed -n 's/^module_param_named(\(test_[A-Za-z0-9_]*\),.*/\1/p' src/test_params.c | sort)
[ -n "$want" ] || { echo "FAIL: no test_* parameter found in src/test_params.c"; exit 1; }
got=$(ko_test_params "build/$rel-test/rcufault.ko" | sort)
if [ "$got" = "$want" ]; then
	echo "PASS: the test build has each of" $want
else
	echo "FAIL: the test build's test_* parameters:" $got "; want:" $want
	fails=$((fails + 1))
fi
ko_symbols "build/$rel-test/rcufault.ko" | grep ' rcuf_test_params$' >/dev/null ||
	{ echo "FAIL: the test build has no rcuf_test_params"; fails=$((fails + 1)); }

expect_no_test_params "build/$rel/rcufault.ko" "the shipped build" || fails=$((fails + 1))

# Only src/test_params.c may declare a test_* parameter.
if grep -nE 'module_param[a-z_]*\( *test_' src/*.c | grep -v '^src/test_params.c:'; then
	echo "FAIL: test_* parameters outside src/test_params.c"
	fails=$((fails + 1))
fi
[ "$fails" = 0 ] || { echo "FAIL shipped-ko: $fails checks"; exit 1; }
echo "PASS shipped-ko"
