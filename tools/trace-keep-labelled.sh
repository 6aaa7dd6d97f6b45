#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Keep only what concerns labelled processes in a recorded trace: the header, every L/Y/K line,
# T lines of labelled processes, and every event whose subject or prev/waker belongs to a
# labelled process. The labelled processes' own features are unchanged (their switch, wakeup and
# exit events are all kept; system context comes from Y lines), while the noise of a busy shared
# host (other people's benchmarks) is dropped. A '#' comment line records the filtering.
# `schedml eval --kernel` on a filtered trace only sees runnable sets among labelled processes.
#
# Usage: tools/trace-keep-labelled.sh IN.log.gz OUT.log.gz
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 IN.log.gz OUT.log.gz" >&2; exit 2; }
in=$1 out=$2
labels=$(zcat -f -- "$in" | awk '$1 == "L" { printf "%s ", $2 }')
zcat -f -- "$in" | awk -v labels="$labels" '
BEGIN { n = split(labels, a, " "); for (i = 1; i <= n; i++) lab[a[i]] = 1 }
NR == 1 { print; print "# filtered by tools/trace-keep-labelled.sh: events of labelled processes only"; next }
$1 == "L" || $1 == "Y" || $1 == "K" { print; next }
$1 == "T" { if ($3 in lab) print; next }
$1 == "S" || $1 == "W" || $1 == "N" { if (($5 in lab) || ($7 in lab)) print; next }
$1 == "X" { if ($5 in lab) print; next }
' | gzip -9 >"$out.tmp"
mv "$out.tmp" "$out"
