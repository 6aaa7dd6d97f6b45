#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Record the labelled training/evaluation corpus: artifacts/corpus/<scene>/scheduling_events.log.gz
# plus artifacts/corpus/MANIFEST.tsv (scene, set, class, label rule, command).
#
# Every scene starts its workloads (each bounded by `timeout`), lets them settle, then runs
# `schedml record --duration SECS --label CLASS=comm:^NAME$ ...` with the scene's manifest in the
# trace header (--note). The label comes from how a program was started, never from its features.
# The recording is then reduced to the labelled processes' own events
# (tools/trace-keep-labelled.sh), which leaves their feature vectors unchanged.
# Workload names are unique (smw-* programs set their comm), so other processes on the host
# are not labelled.
#
# Programs are split in two disjoint sets:
#   TRAIN (t-*):    sleepers at 1/5/20 ms, pipe ping-pong (3 variants), typist | spinner, gzip, md5sum,
#                   zstd -T2, fork/exec storm (cc1-like workers), memory-bound loop
#   HELD-OUT (h-*): sleepers at 2/10 ms, cyclictest --policy=other, unix and TCP ping-pong |
#                   xz (-T1 and -T2), bzip2, sha256sum, gcc (cc1, as), stress-ng --cpu/--vm
# each alone and mixed, at load levels of 0, 2 and 4 CPU hogs (hogs from the same set).
#
# Usage: tools/gen-corpus.sh [-d SECS] [-o DIR] [SCENE-PREFIX]   (root; ~3 minutes; e.g. "h-")
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=4
OUTDIR=artifacts/corpus
while getopts "d:o:" opt; do
	case $opt in
	d) DUR=$OPTARG ;;
	o) OUTDIR=$OPTARG ;;
	*) echo "usage: $0 [-d SECS] [-o DIR] [SCENE-PREFIX]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
FILTER=${1:-}
SCHEDML=${SCHEDML:-build/schedml}
W=build/workloads
[ "$(id -u)" -eq 0 ] || { echo "$0: needs root (BPF tracing)" >&2; exit 1; }
make -s "$SCHEDML" workloads
for t in stress-ng cyclictest xz bzip2 gzip zstd md5sum sha256sum gcc; do
	command -v "$t" >/dev/null || { echo "$0: $t missing (make deps; apt-get install zstd for zstd)" >&2; exit 1; }
done

TMP=$(mktemp -d /tmp/schedml-corpus.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
head -c 24M /dev/urandom >"$TMP/rand"
mkdir -p "$OUTDIR"
MANIFEST=$OUTDIR/MANIFEST.tsv
[ -n "$FILTER" ] && [ -e "$MANIFEST" ] || printf 'scene\tset\tclass\tcomm\tcommand\n' >"$MANIFEST"

LIFE=$((DUR + 4))  # every workload dies by itself shortly after its scene
# Workload catalogue: NAME -> "CLASS|COMM-REGEX|COMMAND". COMMAND runs in its own process group.
declare -A WL=(
	# TRAIN, interactive
	[sleep1]="interactive|smw-sleep-1ms|$W/smw-sleeper 1000 100 smw-sleep-1ms"
	[sleep5]="interactive|smw-sleep-5ms|$W/smw-sleeper 5000 300 smw-sleep-5ms"
	[sleep20]="interactive|smw-sleep-20ms|$W/smw-sleeper 20000 1000 smw-sleep-20ms"
	[pipe]="interactive|smw-pipe(-srv)?|$W/smw-pingpong pipe 300 150 smw-pipe"
	[pipe2]="interactive|smw-pipe2(-srv)?|$W/smw-pingpong pipe 100 1000 smw-pipe2"
	[pipe3]="interactive|smw-pipe3(-srv)?|$W/smw-pingpong pipe 200 300 smw-pipe3 400"
	[typist]="interactive|smw-typist|$W/smw-typist 8 800 smw-typist"
	# TRAIN, batch
	[spin]="batch|smw-spin|$W/smw-spin smw-spin"
	[gzip]="batch|gzip|sh -c 'while :; do gzip -1 -c <$TMP/rand >/dev/null; done'"
	[md5]="batch|md5sum|sh -c 'while :; do md5sum $TMP/rand >/dev/null; done'"
	[storm]="batch|smw-cc1|$W/smw-forkstorm 2 20 200 smw-cc1"
	[membw]="batch|smw-membw|$W/smw-membw 256 smw-membw"
	[zstd]="batch|zstd|sh -c 'while :; do zstd -q -T2 -12 -c <$TMP/rand >/dev/null; done'"
	# HELD-OUT, interactive
	[sleep2]="interactive|smw-sleep-2ms|$W/smw-sleeper 2000 200 smw-sleep-2ms"
	[sleep10]="interactive|smw-sleep-10ms|$W/smw-sleeper 10000 500 smw-sleep-10ms"
	[cyclic]="interactive|cyclictest|cyclictest --policy=other -i 1000 -t 1 -q -D $LIFE"
	[unix]="interactive|smw-unix(-srv)?|$W/smw-pingpong unix 300 150 smw-unix"
	[tcp]="interactive|smw-tcp(-srv)?|$W/smw-pingpong tcp 200 500 smw-tcp"
	# HELD-OUT, batch
	[sngcpu]="batch|stress-ng-cpu|stress-ng --cpu 1 -q"
	[xz]="batch|xz|sh -c 'while :; do xz -1 -T1 -c <$TMP/rand >/dev/null; done'"
	[bzip2]="batch|bzip2|sh -c 'while :; do bzip2 -1 -c <$TMP/rand >/dev/null; done'"
	[sha]="batch|sha256sum|sh -c 'while :; do sha256sum $TMP/rand >/dev/null; done'"
	[sngvm]="batch|stress-ng-vm|stress-ng --vm 1 --vm-bytes 256M -q"
	[xzmt]="batch|xz|sh -c 'while :; do xz -1 -T2 -c <$TMP/rand >/dev/null; done'"
	[gcc]="batch|cc1|sh -c 'while :; do gcc -O2 -c tools/workloads/smw-pingpong.c -o /dev/null; done'"
)

# scene NAME SET WORKLOAD... (a workload may be given as NAME*COUNT)
scene() {
	local name=$1 set=$2; shift 2
	local labels=() note="set=$set;" w n i spec cls comm cmd seen=" "
	case $name in "$FILTER"*) ;; *) return 0 ;; esac
	PIDS=()
	for w in "$@"; do
		n=1
		case $w in *'*'*) n=${w#*\*}; w=${w%%\**} ;; esac
		spec=${WL[$w]}
		IFS='|' read -r cls comm cmd <<<"$spec"
		for ((i = 0; i < n; i++)); do
			setsid timeout -s KILL "$LIFE" bash -c "exec $cmd" </dev/null >/dev/null 2>&1 &
			PIDS+=($!)
		done
		case $seen in *" $w "*) ;; *)
			seen="$seen$w "
			labels+=(--label "$cls=comm:^$comm\$")
			note="$note $w*$n($cls:$cmd);"
			printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$set" "$cls" "$comm" "${cmd//$TMP/TMP} x$n" >>"$MANIFEST"
			;;
		esac
	done
	sleep 1.5 # let the workloads reach their steady state
	echo "== $name ($set): $*" >&2
	rm -rf "${OUTDIR:?}/$name" "$TMP/raw"
	"$SCHEDML" record --duration "$DUR" --out "$TMP/raw" --note "${note//$TMP/TMP}" "${labels[@]}" >&2
	# Keep the labelled processes' events only: the host is shared, and other people's
	# benchmarks would otherwise make up most of the (committed) corpus.
	mkdir -p "$OUTDIR/$name"
	tools/trace-keep-labelled.sh "$TMP/raw/scheduling_events.log.gz" "$OUTDIR/$name/scheduling_events.log.gz"
	local p
	{
		for p in "${PIDS[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; done
		wait
	} 2>/dev/null || true
	PIDS=()
	ls -l "$OUTDIR/$name" >&2
}

# ---- TRAIN ----
scene t-sleep-l0 train sleep1 sleep5 sleep20 typist
scene t-sleep-l2 train sleep1 sleep5 sleep20 typist spin*2
scene t-sleep-l4 train sleep1 sleep5 sleep20 typist spin*4
scene t-pipe-l0 train pipe pipe2 pipe3 typist
scene t-pipe-l2 train pipe pipe2 pipe3 spin*2
scene t-pipe-l4 train pipe pipe2 pipe3 spin*4
scene t-batch-l1 train spin storm
scene t-batch-mix train gzip md5 storm membw
scene t-batch-mt train zstd
scene t-mixed-l2 train sleep1 sleep20 pipe gzip md5
scene t-mixed-l4 train sleep5 pipe3 typist gzip zstd storm membw
# ---- HELD-OUT ----
scene h-sleep-l0 heldout sleep2 sleep10 cyclic
scene h-sleep-l2 heldout sleep2 sleep10 cyclic sngcpu*2
scene h-sleep-l4 heldout sleep2 sleep10 cyclic sngcpu*4
scene h-sock-l0 heldout unix tcp
scene h-sock-l2 heldout unix tcp sngcpu*2
scene h-sock-l4 heldout unix tcp sngcpu*4
scene h-batch-l1 heldout xz
scene h-batch-mix heldout xz bzip2 sha sngvm
scene h-batch-mt heldout xzmt gcc
scene h-mixed-l4 heldout sleep2 sleep10 cyclic unix tcp xzmt bzip2 gcc
du -sh "$OUTDIR" >&2
