# SPDX-License-Identifier: GPL-2.0
# What the guest sides of the benchmarks (scripts/ab-guest,
# scripts/profile-guest) share: whether the module is loaded, and the
# order of the modes in each round. Sourced (sh), not run.

loaded() {
	grep -q '^rcufault ' /proc/modules
}

# round_order R MODES: the mode order of round R. Each mode inherits what
# the one before it leaves in the guest, so rotating the modes alone, which
# keeps their cycle (off, stock, lockless, off, ...) and always puts stock
# after off, biased the ratios: file-cow read lockless/stock 0.78
# [0.69-0.89] that way, and 1.03 n.d. with stock and lockless alone. So the
# modes are rotated every second round and reversed in even rounds: over
# 2 x (number of modes) rounds, every mode follows every other equally
# often.
round_order() {
	local order=$2 rev="" m i=1
	while [ $i -le $((($1 - 1) / 2)) ]; do
		order=$(echo $(echo "$order" | cut -s -d' ' -f2-) $(echo "$order" | cut -d' ' -f1))
		i=$((i + 1))
	done
	[ $(($1 % 2)) = 0 ] || { echo $order; return; }
	for m in $order; do
		rev="$m $rev"
	done
	echo $rev
}
