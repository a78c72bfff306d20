#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A bites run whose broken module the kernel itself may catch first:
#
#   test/host/bites-caught.sh PATTERN... -- scripts/vm-run ARGS... -- CMD...
#
# Passes if the guest test caught the broken module (status 0), or if the
# guest died of a kernel splat (scripts/vm-run's status 125) whose kept
# console log carries every PATTERN: a BUG_ON of the stock kernel that
# checks exactly the rule the broken module breaks. Any other splat, a
# timeout, or a guest test that did not catch it fails.
set -uo pipefail
patterns=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	patterns+=("$1")
	shift
done
[ $# -ge 2 ] && [ ${#patterns[@]} -gt 0 ] ||
	{ echo "usage: $0 PATTERN... -- CMD..." >&2; exit 2; }
shift
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] && exit 0
[ "$rc" = 125 ] || { echo "FAIL: status $rc"; exit 1; }
log=$(sed -n 's/.*guest console log: //p' "$out" | tail -1)
[ -n "$log" ] && [ -f "$log" ] || { echo "FAIL: a splat, and no console log"; exit 1; }
for p in "${patterns[@]}"; do
	grep -q -- "$p" "$log" || { echo "FAIL: a splat without '$p' (console log: $log)"; exit 1; }
done
echo "PASS: the kernel caught the broken module: $(grep -m1 -- "${patterns[0]}" "$log")"
