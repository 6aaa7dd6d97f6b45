#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bench/plot.sh DUMPDIR PREFIX WARMUP_S: one PNG per hog level, PREFIX-h<N>.png, showing the probe's
# steady-state wake-up lateness distribution (complementary CDF, log-log) per configuration, sleep
# probe and working probe side by side. Samples of every repetition are pooled.
set -eu
dumps=$1 prefix=$2 warm=${3:-2}
here=$(dirname "$0")
tmp=$(mktemp -d /tmp/schedml-plot.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cfgs="nohogs hogs dryrun schedml oracle"
# CCDF points, log-spaced in rank so a 100k-sample run becomes ~300 points
ccdf() { # files... -> stdout "latency_us fraction_later"
	awk -v w="$warm" '$1 >= w * 1e6 { print $2 }' "$@" | sort -g | awk '
		{ v[NR] = $1 } END { n = NR; if (!n) exit; last = 0
			for (i = 1; i <= n; i++) { f = (n - i + 1) / n
				if (i == 1 || i == n || f <= last / 1.03) { printf "%s %.8g\n", v[i], f; last = f } } }'
}
for lvl in $(ls "$dumps" | sed -n 's/^\(h[0-9]*\)-.*/\1/p' | sort -u); do
	[ "$lvl" = h0 ] && continue
	for probe in sleep work; do
		for c in $cfgs; do
			g=$lvl-$probe; [ $c = nohogs ] && g=h0-$probe
			set -- "$dumps/$g-$c-"*.txt
			if [ -e "$1" ]; then ccdf "$@" >"$tmp/$probe-$c.dat"; else : >"$tmp/$probe-$c.dat"; fi
		done
	done
	gnuplot -e "datadir='$tmp'; out='$prefix-$lvl.png'; title='$lvl'" "$here/plot.gp"
	echo "plot: $prefix-$lvl.png"
done
