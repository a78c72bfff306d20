#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# scripts/vm-run reports the guest command's status, and turns a kernel
# splat or a hung guest into failure with the console log kept, naming
# where the vCPUs were; a boot that never starts the command is retried.
set -uo pipefail
cd "$(dirname "$0")/../.."
fails=0
check() {	# check WHAT EXPECTED-STATUS VM-RUN-ARGS...
	local what=$1 want=$2 t0=$SECONDS
	shift 2
	scripts/vm-run "$@" >/tmp/vm-run-test.out 2>&1
	local got=$?
	if [ "$got" = "$want" ]; then
		echo "  ok: $what -> $got ($((SECONDS - t0))s)"
	else
		echo "  FAIL: $what -> $got, want $want"; sed 's/^/    /' /tmp/vm-run-test.out
		fails=$((fails + 1))
	fi
}
check "true" 0 -- /bin/true
check "false" 1 -- /bin/false
check "exit 7, output passes through" 7 -- sh -c 'echo hello-from-guest; exit 7'
grep -q hello-from-guest /tmp/vm-run-test.out || { echo "  FAIL: guest output lost"; fails=$((fails + 1)); }
check "a WARN in the guest" 125 -- modprobe rcufault_test_warn
grep -q "guest console log: " /tmp/vm-run-test.out ||
	{ echo "  FAIL: no console log named after a splat"; fails=$((fails + 1)); }
check "a hung guest" 124 --timeout 20 -- sleep 600
grep -q "vm-run: a vCPU at [0-9a-f]" /tmp/vm-run-test.out ||
	{ echo "  FAIL: no vCPU's place named after a hang"; fails=$((fails + 1)); }
RCUFAULT_BOOT_TIMEOUT=10 check "a boot that never starts the command" 124 \
	--append vmrun.boothold=600 -- /bin/true
[ "$(grep -c "the guest's boot hung" /tmp/vm-run-test.out)" = 3 ] ||
	{ echo "  FAIL: a hung boot not booted again 3 times"; sed 's/^/    /' /tmp/vm-run-test.out; fails=$((fails + 1)); }
[ "$fails" = 0 ] || { echo "FAIL vm-run: $fails checks"; exit 1; }
echo "PASS vm-run"
