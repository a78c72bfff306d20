# SPDX-License-Identifier: GPL-2.0
# Helpers for the host tests (test/host/*.sh). Sourced.

# ko_test_params KO: the names of KO's test_* module parameters, one a line
# (modinfo reads compressed modules too).
ko_test_params() (
	set -o pipefail
	modinfo -F parm "$1" | sed -n 's/^\(test_[A-Za-z0-9_]*\):.*/\1/p'
)

# ko_symbols KO: KO's symbol table (nm), decompressing KO if needed.
ko_symbols() {
	local tmp rc=0
	tmp=$(mktemp)
	case $1 in
	*.xz) xz -dc "$1" >"$tmp" ;;
	*.zst) zstd -qdc "$1" >"$tmp" ;;
	*.gz) gzip -dc "$1" >"$tmp" ;;
	*) cp "$1" "$tmp" ;;
	esac && nm "$tmp" || rc=1
	rm -f "$tmp"
	return $rc
}

# expect_no_test_params KO WHAT: KO (WHAT, for messages) is a shipped
# build: no test_* parameter, nothing of include/rcufault/test_params.h
# left (no rcuf_test_ symbol, no __param_test_ entry). Prints PASS or FAIL;
# returns non-zero on failure.
expect_no_test_params() {
	local ko=$1 what=$2 params syms
	params=$(ko_test_params "$ko") || { echo "FAIL: modinfo $ko"; return 1; }
	syms=$(set -o pipefail; ko_symbols "$ko" |
	       awk '$NF ~ /^(rcuf_test_|__param_(str_)?test_)/ { print $NF }') ||
		{ echo "FAIL: nm $ko"; return 1; }
	if [ -n "$params" ] || [ -n "$syms" ]; then
		echo "FAIL: $what ($ko) carries testing-only knobs:" $params $syms
		return 1
	fi
	echo "PASS: $what has no test_* parameter"
}
