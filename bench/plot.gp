# SPDX-License-Identifier: GPL-2.0
# gnuplot -e "datadir='DIR'; out='FILE.png'; title='h4'" bench/plot.gp
# DIR holds <probe>-<config>.dat: "latency_us fraction_of_samples_later", from bench/plot.sh.
set terminal pngcairo size 1400,560 font ",10"
set output out
set multiplot layout 1,2 title sprintf("schedml bench: probe wake-up lateness beside %s hogs (steady state, all reps pooled)", title[2:])
set logscale xy
set xlabel "wake-up lateness (us)"
set ylabel "fraction of wake-ups later than x"
set grid
set key top right
set yrange [1e-5:1.2]
set xrange [10:*]
cfgs = "nohogs hogs dryrun schedml oracle"
names = "'no hogs' 'hogs, no daemon' 'hogs + schedml --dry-run' 'hogs + schedml' 'hogs + oracle cgroup'"
do for [p in "sleep work"] {
	set title (p eq "sleep" ? "sleep-only probe, 1 ms period" : "working probe, 0.5 ms work every 2 ms")
	plot for [i=1:words(cfgs)] sprintf("%s/%s-%s.dat", datadir, p, word(cfgs, i)) \
		using 1:2 with lines lw 2 title word(names, i)
}
unset multiplot
