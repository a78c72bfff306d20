# SPDX-License-Identifier: GPL-2.0
# Plots for scripts/ab. Call with -e "dat='medians.dat'; lat='lat.dat'; out='ab.png'".
# medians.dat rows: workload threads metric off stock lockless upstream
# lat.dat rows: p50|p99 off stock lockless upstream (mixed workload)
set terminal pngcairo size 1200,500 font ",10"
set output out
set multiplot layout 1,2 title "rcufault A/B (medians; QEMU TCG, compare ratios only)"
set title "anonymous fault throughput vs threads"
set xlabel "threads"
set ylabel "faults/s"
set key top left
set logscale x 2
plot dat using (strcol(1) eq "fault-threads" && strcol(3) eq "faults_per_s" ? $2 : 1/0):4 with linespoints title "off (no module)", \
     '' using (strcol(1) eq "fault-threads" && strcol(3) eq "faults_per_s" ? $2 : 1/0):5 with linespoints title "stock (enable=0)", \
     '' using (strcol(1) eq "fault-threads" && strcol(3) eq "faults_per_s" ? $2 : 1/0):6 with linespoints title "lockless (enable=1)", \
     '' using (strcol(1) eq "fault-threads" && strcol(3) eq "faults_per_s" && $7 > 0 ? $2 : 1/0):7 with linespoints title "upstream 6.12", \
     '' using (strcol(1) eq "fault-procs" && strcol(3) eq "faults_per_s" ? $2 : 1/0):5 with linespoints dashtype 2 title "processes, stock (no shared mmap_lock)"
unset logscale x
set title "writer latency, 2 faulting threads + 1 writer (mixed)"
set xlabel ""
set ylabel "microseconds per mmap+fault+mprotect+munmap round"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.6 border -1
set xtics nomirror
plot lat using 2:xtic(1) title "off", '' using 3 title "stock", \
     '' using 4 title "lockless", '' using 5 title "upstream 6.12"
unset multiplot
