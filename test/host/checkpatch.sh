#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Kernel coding style: checkpatch.pl --no-tree (from linux-source-6.1) finds
# no error or warning in our C sources.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
cp=$RCUFAULT_CACHE/linux-source-6.1/scripts/checkpatch.pl
[ -f "$cp" ] || { echo "FAIL: $cp missing (scripts/fetch-kernels source)"; exit 1; }
out=$(perl "$cp" --no-tree --terse --show-types --ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES \
	-f src/*.c include/rcufault/*.h test/kmod/*.c 2>&1 || true)
if echo "$out" | grep -E "ERROR|WARNING"; then
	echo "FAIL: checkpatch"
	exit 1
fi
echo "PASS checkpatch: $(ls src/*.c include/rcufault/*.h test/kmod/*.c | wc -l) files clean"
