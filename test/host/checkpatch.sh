#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Kernel coding style: checkpatch.pl --no-tree (from linux-source-6.1) finds
# no error or warning in our C sources, the user-space test programs
# (test/prog) included.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
cp=$RCUFAULT_CACHE/linux-source-6.1/scripts/checkpatch.pl
[ -f "$cp" ] || { echo "FAIL: $cp missing (scripts/fetch-kernels source)"; exit 1; }
ignore=SPDX_LICENSE_TAG,FILE_PATH_CHANGES
# checkpatch IGNORE FILE...
checkpatch() {
	local ign=$1
	shift
	perl "$cp" --no-tree --terse --show-types --ignore "$ign" -f "$@" 2>&1 || true
}
# test/prog is user space, where errno ENOSYS is what it should mean (no
# such system call); kernel_compat.h defines the attribute macros
# (__printf(), __maybe_unused...) that checkpatch asks for.
out=$(checkpatch $ignore src/*.c include/rcufault/*.h test/kmod/*.c
      checkpatch $ignore,ENOSYS test/prog/*.c
      checkpatch $ignore,PREFER_DEFINED_ATTRIBUTE_MACRO test/prog/*.h)
if echo "$out" | grep -E "ERROR|WARNING"; then
	echo "FAIL: checkpatch"
	exit 1
fi
echo "PASS checkpatch: $(ls src/*.c include/rcufault/*.h test/kmod/*.c test/prog/*.c test/prog/*.h | wc -l) files clean"
