# SPDX-License-Identifier: GPL-2.0
# Summarise scripts/ab-guest CSV: per workload, threads and metric, the
# median and min-max of each mode and the ratios between modes (lockless/off:
# against the kernel without the module, what a user gains). Modes run
# in the same boot alternate round by round, so their ratio is paired: the
# geometric mean of the per-round ratios with its 95% confidence interval
# (Student's t on the logs); an interval that contains 1 is reported as
# "no difference" (n.d.). The other boot's column (upstream) cannot be
# paired: its ratio is n.d. when the two min-max ranges overlap.
# Then, for the lockless mode, what the counters say (lockless share and
# fallbacks by reason). With -v DAT=FILE, also writes the medians as
# "workload threads metric off stock lockless upstream" rows for plotting.
# The table leaves out the metrics only the plot and the CSV need (writer
# percentiles other than p50 and p99, majflt); DAT has them all.
# Portable awk (mawk).
BEGIN { FS = "," }
NR == 1 { next }
$1 == "watch" {
	split($5, kv, ":")
	if (!(kv[1] in wseen)) { wseen[kv[1]] = 1; wnames[++nw] = kv[1] }
	watch[kv[1], $3, kv[2]] = $6
	next
}
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
	byround[key, $3, $4] = $6 + 0
	if ($4 + 0 > maxround) maxround = $4 + 0
	modes[$3] = 1
}
# t(0.975) for df = 1..30 (beyond: 2.0)
function tq(df,    t) {
	if (df > 30) return 2.0
	split("12.706 4.303 3.182 2.776 2.571 2.447 2.365 2.306 2.262 2.228 2.201 2.179 " \
	      "2.160 2.145 2.131 2.120 2.110 2.101 2.093 2.086 2.080 2.074 2.069 2.064 " \
	      "2.060 2.056 2.052 2.048 2.045 2.042", t, " ")
	return t[df] + 0
}
# paired(key, a, b): ratio a/b over the rounds that ran both, as a cell
function paired(key, a, b,    r, n, x, sum, ss, mean, sd, half) {
	n = 0; sum = 0; ss = 0
	for (r = 1; r <= maxround; r++) {
		if (!((key, a, r) in byround) || !((key, b, r) in byround)) continue
		if (byround[key, a, r] <= 0 || byround[key, b, r] <= 0) continue
		x[++n] = log(byround[key, a, r] / byround[key, b, r]); sum += x[n]
	}
	if (n < 3) return sprintf("%22s", "-")
	mean = sum / n
	for (r = 1; r <= n; r++) ss += (x[r] - mean) ^ 2
	sd = sqrt(ss / (n - 1)); half = tq(n - 1) * sd / sqrt(n)
	return sprintf("%22s", sprintf("%.2f [%.2f-%.2f]%s", exp(mean), exp(mean - half),
				       exp(mean + half), (mean - half <= 0 && mean + half >= 0) ? " n.d." : ""))
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
	if (MED == "") return sprintf("%26s", "-")
	lo[mode] = LO; hi[mode] = HI; med[mode] = MED
	return sprintf("%26s", sprintf("%.0f [%.0f-%.0f]", MED, LO, HI))
}
function hidden(metric) {
	return metric == "majflt" || metric == "writer_oncpu_p50_us" ||
	       (metric ~ /^writer_p/ && metric !~ /^writer_p(50|99)_us$/)
}
# ratio(a, b): medians' ratio of two boots, n.d. when the min-max ranges overlap
function ratio(a, b) {
	if (!(a in med) || !(b in med) || med[b] == 0) return sprintf("%15s", "-")
	if (lo[a] <= hi[b] && lo[b] <= hi[a]) return sprintf("%15s", sprintf("%.2f n.d.", med[a] / med[b]))
	return sprintf("%15.2f", med[a] / med[b])
}
END {
	up = ("upstream" in modes)
	bs = ("base" in modes)
	printf "%-16s %3s %-19s %26s %26s %26s %22s %22s %22s", "workload", "thr", "metric",
	       "off (no module)", "stock (enable=0)", "lockless (enable=1)",
	       "stock/off", "lockless/stock", "lockless/off"
	if (bs)
		printf " %26s %22s", "baseline build, lockless", "lockless/base"
	if (up)
		printf " %26s %15s", "upstream 6.12 (own boot)", "lockless/upst."
	printf "\n"
	for (k = 1; k <= nkeys; k++) {
		split(keys[k], p, SUBSEP)
		delete med; delete lo; delete hi
		c1 = cell(keys[k], "off"); c2 = cell(keys[k], "stock"); c3 = cell(keys[k], "lockless")
		c4 = up ? cell(keys[k], "upstream") : ""
		if (!hidden(p[3])) {
			printf "%-16s %3s %-19s %s %s %s %s %s %s", p[1], p[2], p[3], c1, c2, c3,
			       paired(keys[k], "stock", "off"), paired(keys[k], "lockless", "stock"),
			       paired(keys[k], "lockless", "off")
			if (bs)
				printf " %s %s", cell(keys[k], "base"), paired(keys[k], "lockless", "base")
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
	if (nw) {
		print ""
		print "mmap_lock watch (one pass per mode, watch=1, in a boot of its own, single-threaded TCG): ms per second spent in I/O or reclaim"
		print "while holding mmap_lock; for lockless, the part at its top stacks that ran in page faults (the stock"
		print "fallback path), GUP, or other system calls (mmap/munmap writers and the like):"
		printf "  %-16s %10s %10s %10s %10s %10s\n", "workload", "stock", "lockless", "faults", "GUP", "syscalls"
		for (k = 1; k <= nw; k++) {
			w = wnames[k]
			printf "  %-16s %10.1f %10.1f %10.1f %10.1f %10.1f\n", w, watch[w, "stock", "io_ms_per_s"],
			       watch[w, "lockless", "io_ms_per_s"], watch[w, "lockless", "fault_ms_per_s"],
			       watch[w, "lockless", "gup_ms_per_s"], watch[w, "lockless", "syscall_ms_per_s"]
		}
	}
	print ""
	print "Modes: medians with [min-max] over rounds. stock/off, lockless/stock, lockless/off: geometric mean of the per-round ratios"
	print "(modes alternate in one boot) with its 95% confidence interval; n.d. = the interval contains 1: no difference shown."
	print "With some 25 rows at 95%, about one row per run reads a difference by chance: rerun a lone marginal verdict with --only."
	if (bs)
		print "lockless/base: this tree's module against the baseline build's (--baseline), both lockless, paired as above."
	if (up)
		print "lockless/upst.: another boot, so unpaired: ratio of medians, n.d. when the two min-max ranges overlap."
	print "faults_per_s, bogo_ops_per_s (stress-ng, 2 instances): higher is better; writer_p50/p99_us (one mmap+fault+mprotect+munmap round of the writer thread): lower is better."
	print "faults_per_s counts the fault threads' pages only; writer_rounds_per_s: the writer's rounds (16 pages each) per second of the same run."
	print "writer_oncpu_p99_us: the writer's p99 with its waits for a CPU (schedstat run delay) taken out of each round: its cost in the kernel,"
	print "apart from fault threads that, served without mmap_lock, no longer sleep and keep every vCPU busy (with 2 fault threads, mixed's"
	print "writer waits for a CPU about 3 times as long as under stock: compare writer_p99_us of mixed-1, whose thread leaves it a vCPU)."
	print "mixed: 2 threads fault anonymous pages while the writer runs (mixed-1: 1 thread, so no thread waits for a vCPU; writer: the writer alone,"
	print "beside one sleeping thread: its own cost, with no fault to wait for). filefault: 2 threads map a file read-only and fault it in cold"
	print "(page cache dropped each iteration) from a throttled virtio disk while the writer runs; faults_per_s = file pages read per second."
	print "file-cow: 2 threads write one word per page of their private mapping of a tmpfs file (each fault copies a file page);"
	print "shm-write: the same through a shared mapping (each fault dirties a page; the first pass fills holes); -procs: 2 processes."
	print "reclaim: 2 threads write twice their memory cgroup's limit (swap on zram), so first-touch faults enter direct reclaim and the"
	print "verify pass swaps pages back in; the writer, in the same cgroup, reclaims too. All data is verified; other percentiles: samples.csv, ab.png."
}
