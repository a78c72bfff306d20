# SPDX-License-Identifier: GPL-2.0
# Common settings for rcufault's scripts. Sourced, not run.

RCUFAULT_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RCUFAULT_CACHE=${RCUFAULT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rcufault}
RCUFAULT_BUILD=${RCUFAULT_BUILD:-$RCUFAULT_TOP/build}

die() {
	echo "$(basename "$0"): $*" >&2
	exit 2
}

# kernel_dir NAME: the unpacked kernel tree for 6.1 or 6.12 (resolved by fetch-kernels).
kernel_dir() {
	local link="$RCUFAULT_CACHE/kernel-$1"
	[ -d "$link" ] || die "kernel $1 not fetched: run scripts/fetch-kernels"
	readlink -f "$link"
}

# kernel_release DIR: the uname -r of an unpacked kernel tree.
kernel_release() {
	local d
	for d in "$1"/lib/modules/*/; do
		[ -e "$d/modules.order" ] && { basename "$d"; return; }
	done
	die "no module tree in $1"
}
