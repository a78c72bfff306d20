# SPDX-License-Identifier: GPL-2.0
# Summarise scripts/ab-guest CSV: per workload, threads and metric, the
# median and min-max of each mode and the ratios between modes. A ratio
# whose two modes' min-max ranges overlap is reported as "no difference".
# Then, for the lockless mode, what the counters say (lockless share and
# fallbacks by reason). With -v DAT=FILE, also writes the medians as
# "workload threads metric off stock lockless upstream" rows for plotting.
# The table leaves out the metrics only the plot and the CSV need (writer
# percentiles other than p50 and p99, majflt); DAT has them all.
# Portable awk (mawk).
BEGIN { FS = "," }
NR == 1 { next }
$1 == "stats" {
	split($5, kv, ":")
	if ($3 == "lockless")
		stat[kv[1] SUBSEP kv[2]] += $6
	next
}
{
	key = $1 SUBSEP $2 SUBSEP $5
	if (!(key in seen)) { seen[key] = 1; keys[++nkeys] = key }
	n = ++cnt[key, $3]
	val[key, $3, n] = $6 + 0
	modes[$3] = 1
}
function median_range(key, mode,    n, i, j, a, t) {
	n = cnt[key, mode]
	if (!n) { MED = ""; return }
	for (i = 1; i <= n; i++) a[i] = val[key, mode, i]
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	MED = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	LO = a[1]; HI = a[n]
}
function cell(key, mode) {
	median_range(key, mode)
	if (MED == "") return sprintf("%24s", "-")
	lo[mode] = LO; hi[mode] = HI; med[mode] = MED
	return sprintf("%26s", sprintf("%.0f [%.0f-%.0f]", MED, LO, HI))
}
function hidden(metric) {
	return metric == "majflt" || (metric ~ /^writer_p/ && metric !~ /^writer_p(50|99)_us$/)
}
function ratio(a, b) {
	if (!(a in med) || !(b in med) || med[b] == 0) return sprintf("%15s", "-")
	if (lo[a] <= hi[b] && lo[b] <= hi[a]) return sprintf("%15s", sprintf("%.2f n.d.", med[a] / med[b]))
	return sprintf("%15.2f", med[a] / med[b])
}
END {
	up = ("upstream" in modes)
	printf "%-16s %3s %-14s %26s %26s %26s %15s %15s", "workload", "thr", "metric",
	       "off (no module)", "stock (enable=0)", "lockless (enable=1)",
	       "stock/off", "lockless/stock"
	if (up)
		printf " %26s %15s", "upstream 6.12 (own boot)", "lockless/upst."
	printf "\n"
	for (k = 1; k <= nkeys; k++) {
		split(keys[k], p, SUBSEP)
		delete med; delete lo; delete hi
		c1 = cell(keys[k], "off"); c2 = cell(keys[k], "stock"); c3 = cell(keys[k], "lockless")
		c4 = up ? cell(keys[k], "upstream") : ""
		if (!hidden(p[3])) {
			printf "%-16s %3s %-14s %s %s %s %s %s", p[1], p[2], p[3], c1, c2, c3,
			       ratio("stock", "off"), ratio("lockless", "stock")
			if (up)
				printf " %s %s", c4, ratio("lockless", "upstream")
			printf "\n"
		}
		if (DAT != "")
			printf "%s %s %s %s %s %s %s\n", p[1], p[2], p[3], med["off"] + 0, med["stock"] + 0,
			       med["lockless"] + 0, med["upstream"] + 0 > DAT
	}
	print ""
	print "lockless mode, counters summed over rounds (per workload):"
	for (s in stat) {
		split(s, q, SUBSEP)
		wl[q[1]] = 1
	}
	for (w in wl) {
		att = stat[w, "lockless_attempts"]
		printf "  %-16s attempts %d, lockless %d (%.1f%%)", w, att, stat[w, "lockless_success"],
		       att ? 100 * stat[w, "lockless_success"] / att : 0
		for (s in stat) {
			split(s, q, SUBSEP)
			if (q[1] == w && q[2] ~ /^fallback_/ && stat[s] > 0)
				printf ", %s %d", substr(q[2], 10), stat[s]
		}
		printf "\n"
	}
	print ""
	print "Medians with [min-max] over rounds; n.d. = the two ranges overlap: no difference."
	print "faults_per_s, bogo_ops_per_s (stress-ng, 2 instances): higher is better; writer_p50/p99_us (one mmap+fault+mprotect+munmap round of the writer thread): lower is better."
	print "mixed: 2 threads fault anonymous pages while the writer runs (mixed-1: 1 thread, so no thread waits for a vCPU). filefault: 2 threads map a file read-only and fault it in cold"
	print "(page cache dropped each iteration) from a throttled virtio disk while the writer runs; faults_per_s = file pages read per second."
	print "reclaim: 2 threads write twice their memory cgroup's limit (swap on zram), so first-touch faults enter direct reclaim and the"
	print "verify pass swaps pages back in; the writer, in the same cgroup, reclaims too. All data is verified; other percentiles: samples.csv, ab.png."
}
