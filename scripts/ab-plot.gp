# SPDX-License-Identifier: GPL-2.0
# Plots for scripts/ab. Call with -e "dat='medians.dat'; lat='lat.dat'; out='ab.png'".
# medians.dat rows: workload threads metric off stock lockless upstream
# lat.dat rows: workload x pNN off stock lockless upstream, one per writer
# latency percentile, x = -log10(1 - NN/100); 0 = no such column
set terminal pngcairo size 1400,900 font ",10"
set output out
# rows of other workloads are NaN: missing, so the lines join across them
set datafile missing NaN
stats dat using 7 nooutput
last = STATS_max > 0 ? 7 : 6	# the upstream column, when there is one
array mode[4] = ["off (no module)", "stock (enable=0)", "lockless (enable=1)", "upstream 6.12"]
set multiplot layout 2,2 title "rcufault A/B (medians; QEMU TCG, compare ratios only)"

set title "anonymous fault throughput vs threads"
set xlabel "threads"
set ylabel "faults/s"
set key bottom right
set logscale x 2
set xrange [0.8:*]
set offsets 0, graph 0.05, graph 0.05, graph 0.05
ok(w) = strcol(1) eq w && strcol(3) eq "faults_per_s"
plot for [c = 4:last] dat using (ok("fault-threads") ? $2 : NaN):c with linespoints lt c - 3 title mode[c - 3], \
     '' using (ok("fault-procs") ? $2 : NaN):5 with linespoints lt 5 dashtype 2 \
	title "processes, stock (no shared mmap_lock)" noenhanced
unset logscale x
set offsets 0, 0, 0, 0

# one panel per writer workload: the writer's latency percentiles
array wl[3] = ["mixed", "filefault", "reclaim"]
array wt[3] = ["writer latency: 2 anonymous-fault threads + writer (mixed)", \
	       "writer latency: cold file faults, throttled disk (filefault)", \
	       "writer latency: faults in memcg direct reclaim (reclaim)"]
set xlabel "percentile (the first point: p10)"
set ylabel "µs per mmap+fault+mprotect+munmap round"
set logscale y
set xtics ("" 0.0458, "p25" 0.1249, "p50" 0.301, "p75" 0.602, "p90" 1, "p99" 2, "p99.9" 3)
set xrange [0:3.1]
set grid xtics ytics
set key bottom right
do for [i = 1:3] {
	set title wt[i]
	plot for [c = 4:last] lat using (strcol(1) eq wl[i] ? $2 : NaN):(column(c) > 0 ? column(c) : NaN) \
		with linespoints lt c - 3 title mode[c - 3]
}
unset multiplot
