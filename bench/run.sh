#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make bench: does schedml help, and what does it cost? (docs/bench.md explains every figure)
#
#   bench/run.sh [quick|soak|all]     quick (default): sections 1-6; soak: the 10-minute soak only
#
# Knobs (environment, or make bench VAR=...):
#   REPS=3            repetitions of every interleaved configuration (median and spread printed)
#   DURATION=10       seconds per latency run (steady state = after the first WARMUP=2 s)
#   HOG_FACTORS="2 4" hogs per CPU for the latency section
#   SECTIONS="latency reaction overhead pipeline scale micro"   which quick sections to run
#   PIPE_LOOPS=300000 HACKBENCH="-g 8 -l 500" OVERHEAD_REPS=max(REPS,5)   overhead workloads
#   REACT_COUNT=20 REACT_SPREAD=30               reaction-time hogs and the window they start in
#   PIPE_SECONDS=5                               event-pipeline load length
#   SCALE_THREADS=10000 SCALE_SECONDS=30         scale section
#   SOAK_DURATION=600                            soak length in seconds
#   MODEL=models/default.json CONFIG=systemd/config.json SCHEDML_ARGS=   passed to `schedml run`
#   RESULTS=bench/results                        where <date>.json and the plots go
set -u
umask 022
cd "$(dirname "$0")/.." || exit 1

OUT=${OUT:-build}
MODE=${1:-${BENCH_MODE:-quick}}
REPS=${REPS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
HOG_FACTORS=${HOG_FACTORS:-"2 4"}
SECTIONS=${SECTIONS:-"latency reaction overhead pipeline scale micro"}
PIPE_LOOPS=${PIPE_LOOPS:-300000}
OVERHEAD_REPS=${OVERHEAD_REPS:-$(( REPS > 5 ? REPS : 5 ))}
HACKBENCH=${HACKBENCH:-"-g 8 -l 500"}
REACT_COUNT=${REACT_COUNT:-20}
REACT_SPREAD=${REACT_SPREAD:-30}
SCALE_THREADS=${SCALE_THREADS:-10000}
SCALE_SECONDS=${SCALE_SECONDS:-30}
SOAK_DURATION=${SOAK_DURATION:-600}
PIPE_SECONDS=${PIPE_SECONDS:-5}
MODEL=${MODEL:-models/default.json}
CONFIG=${CONFIG:-$( [ -r systemd/config.json ] && echo systemd/config.json )}
SCHEDML_ARGS=${SCHEDML_ARGS:-}
RESULTS=${RESULTS:-bench/results}
SCHEDML=${SCHEDML:-$OUT/schedml}
B=$OUT/bench
NCPU=$(nproc)
ROOTPID=$$   # the bench's own process tree: schedml is always confined to --scope pid:$ROOTPID
STAMP=$(date -u +%Y-%m-%dT%H%M%SZ)

die() { echo "bench: $*" >&2; exit 1; }
note() { echo "bench: $*" >&2; NOTES+=("$*"); }
[ "$(id -u)" -eq 0 ] || die "needs root (BPF, cgroups, sched_setattr)"
case $MODE in quick | soak | all) ;; *) die "unknown mode '$MODE' (quick, soak, all)" ;; esac
for b in latprobe hog forkstorm sleepers reaction floorload floor.bpf.o; do
	[ -e "$B/$b" ] || die "$B/$b missing: run make bench (or make all) first"
done
for c in stress-ng xz perf hackbench taskset gnuplot awk; do
	command -v $c >/dev/null || die "$c not installed (make deps installs it)"
done

TMP=$(mktemp -d /tmp/schedml-bench.XXXXXX)
RAW=$TMP/raw.tsv      # section group config rep metric value
SPEC=$TMP/spec.txt    # ratio/goal definitions for bench/report.awk
EXTRA=$TMP/extra      # free-text outputs (bench_scorer, train) embedded in the JSON
RTDIR=$TMP/rt         # schedml's --runtime-dir (state file, status socket)
mkdir -p "$EXTRA" "$TMP/dumps" "$RTDIR"
: >"$RAW"
: >"$SPEC"
NOTES=()
PIDS=()          # every background job we start (process-group leaders via timeout)
CGROUPS=()       # every cgroup we create
DAEMON_PID=

# ---------------------------------------------------------------- cleanup: restore everything
cleanup() {
	local p cg
	trap - EXIT INT TERM
	[ -n "$DAEMON_PID" ] && daemon_stop
	for p in "${PIDS[@]}"; do
		kill -KILL -- "-$p" 2>/dev/null
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	for cg in "${CGROUPS[@]}"; do
		[ -d "$cg" ] || continue
		# anything still inside (should be nothing) goes back to the root of its hierarchy
		if [ -r "$cg/cgroup.procs" ]; then
			while read -r p; do echo "$p" >"$(dirname "$cg")/cgroup.procs"; done <"$cg/cgroup.procs" 2>/dev/null
		fi
		rmdir "$cg" 2>/dev/null || echo "bench: could not remove cgroup $cg" >&2
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Start "secs cmd..." in the background in its own process group, bounded by timeout (which kills
# the whole group on expiry); its pid in BG.
bg() {
	local secs=$1; shift
	timeout -s KILL "$secs" "$@" &
	BG=$!
	PIDS+=("$BG")
}
stop_bg() { # pid...: TERM the group, then KILL after 3 s
	local p n
	for p in "$@"; do kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null; done
	for p in "$@"; do
		n=30
		while kill -0 "$p" 2>/dev/null && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
		kill -KILL -- "-$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
}

rec() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RAW"; } # section group config rep metric value
kv() { sed -n "s/.*\\b$2=\\([-0-9.e+]*\\).*/\\1/p" "$1" | head -1; } # file key -> value

# ---------------------------------------------------------------- the daemon
DAEMON_OK=0
if [ -x "$SCHEDML" ] && "$SCHEDML" run --help >/dev/null 2>&1; then
	DAEMON_OK=1
else
	note "schedml run is not available ($SCHEDML run --help failed): schedml configurations skipped"
fi
CLK_TCK=$(getconf CLK_TCK)

# schedml's CPU ticks (utime+stime) of a pid
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }
nfds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
npidfds() { find "/proc/$1/fd" -mindepth 1 -lname 'anon_inode:*pidfd*' 2>/dev/null | wc -l; }

# A counter from `schedml status` (JSON or key: value): first number after the key.
status_num() { # key [file]
	local f=${2:-$TMP/status.txt}
	grep -o -m1 -E "\"?$1\"?[[:space:]]*[:=][[:space:]]*[0-9.]+" "$f" 2>/dev/null | grep -o -E '[0-9.]+$'
}
status_snap() { # -> $TMP/status.txt; 0 if the daemon answered
	"$SCHEDML" status --runtime-dir "$RTDIR" --json >"$TMP/status.txt" 2>&1
}

# The config schedml runs with: $CONFIG, with its batch cgroup renamed to one of our own so that
# another schedml instance on the host (a test, the service) never shares or removes it under us.
BENCH_CONFIG=
if [ -n "$CONFIG" ]; then
	[ -r "$CONFIG" ] || die "CONFIG=$CONFIG not readable"
	BENCH_CONFIG=$TMP/config.json
	sed -E "s/(\"cgroup_name\"[[:space:]]*:[[:space:]]*)\"[^\"]*\"/\1\"schedml-bench-$$.batch\"/" "$CONFIG" >"$BENCH_CONFIG"
	# removed at exit if schedml leaves it behind
	for cg in /sys/fs/cgroup/cpu /sys/fs/cgroup /sys/fs/cgroup/unified; do CGROUPS+=("$cg/schedml-bench-$$.batch"); done
fi

# daemon_start dry|act [label]: start confined to our tree, wait until it is ready.
daemon_start() {
	# a private runtime dir: our own state file and status socket, never the host's /run/schedml
	local mode=$1 label=${2:-run} args=(run --foreground --scope "pid:$ROOTPID" --runtime-dir "$RTDIR")
	[ -n "$MODEL" ] && args+=(--model "$MODEL")
	[ -n "$BENCH_CONFIG" ] && args+=(--config "$BENCH_CONFIG")
	[ "$mode" = dry ] && args+=(--dry-run)
	# shellcheck disable=SC2206
	args+=($SCHEDML_ARGS)
	DAEMON_LOG=$TMP/daemon-$label.log
	"$SCHEDML" "${args[@]}" >"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	local n=100
	while [ $n -gt 0 ]; do
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		status_snap && break
		grep -qiE 'ready|attached|started' "$DAEMON_LOG" && break
		sleep 0.1
		n=$((n - 1))
	done
	if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
		wait "$DAEMON_PID" 2>/dev/null
		note "schedml run ($mode) exited at start: $(tail -3 "$DAEMON_LOG" | tr '\n' ' ')"
		DAEMON_PID=
		return 1
	fi
	[ $n -eq 0 ] && note "schedml run ($mode): no readiness signal after 10 s; measuring anyway"
	D_T0=$(date +%s.%N)
	D_TICKS0=$(cpu_ticks "$DAEMON_PID")
	return 0
}
# daemon_stop: SIGTERM (schedml restores what it changed), record its CPU/RSS in D_* vars.
daemon_stop() {
	local n=100
	[ -n "$DAEMON_PID" ] || return 0
	D_TICKS1=$(cpu_ticks "$DAEMON_PID")
	D_HWM=$(status_kb "$DAEMON_PID" VmHWM)
	D_T1=$(date +%s.%N)
	kill -TERM "$DAEMON_PID" 2>/dev/null
	while kill -0 "$DAEMON_PID" 2>/dev/null && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
	if kill -0 "$DAEMON_PID" 2>/dev/null; then
		note "schedml did not exit 10 s after SIGTERM; killed"
		kill -KILL "$DAEMON_PID" 2>/dev/null
	fi
	wait "$DAEMON_PID" 2>/dev/null
	D_RC=$?
	DAEMON_PID=
	D_CPU_PCT=$(awk -v a="$D_TICKS0" -v b="$D_TICKS1" -v t0="$D_T0" -v t1="$D_T1" -v hz="$CLK_TCK" \
		'BEGIN { printf "%.3f", (t1 > t0) ? 100 * (b - a) / hz / (t1 - t0) : 0 }')
	D_ERRORS=$(grep -ciE '(^|[^a-z])(error|failed)' "$DAEMON_LOG")
}
daemon_rec() { # section group config rep: the daemon's own cost in this run
	rec "$1" "$2" "$3" "$4" schedml_cpu_pct "$D_CPU_PCT"
	rec "$1" "$2" "$3" "$4" schedml_hwm_kb "${D_HWM:-0}"
	rec "$1" "$2" "$3" "$4" schedml_log_errors "${D_ERRORS:-0}"
}

# ---------------------------------------------------------------- the oracle's cgroup
ORACLE_CG='' ORACLE_KIND=''
oracle_setup() {
	local root
	for root in /sys/fs/cgroup /sys/fs/cgroup/unified; do
		if [ -r "$root/cgroup.controllers" ] && grep -qw cpu "$root/cgroup.controllers"; then
			grep -qw cpu "$root/cgroup.subtree_control" || echo +cpu >"$root/cgroup.subtree_control" 2>/dev/null
			ORACLE_CG=$root/schedml-bench-$$
			mkdir "$ORACLE_CG" && CGROUPS+=("$ORACLE_CG") || { ORACLE_CG=; continue; }
			echo 1 >"$ORACLE_CG/cpu.weight" && ORACLE_KIND="v2 cpu.weight=1" && return 0
		fi
	done
	if [ -w /sys/fs/cgroup/cpu/cpu.shares ] || [ -r /sys/fs/cgroup/cpu/cpu.shares ]; then
		ORACLE_CG=/sys/fs/cgroup/cpu/schedml-bench-$$
		mkdir "$ORACLE_CG" && CGROUPS+=("$ORACLE_CG") && echo 2 >"$ORACLE_CG/cpu.shares" &&
			ORACLE_KIND="v1 cpu.shares=2" && return 0
	fi
	ORACLE_CG=
	note "no cpu cgroup controller found: oracle configuration skipped"
	return 1
}
# The command prefix that starts a hog inside the oracle cgroup (when config = oracle), else nothing.
cg_prefix() { # config -> PRE array
	PRE=()
	[ "$1" = oracle ] && PRE=(bash -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$ORACLE_CG")
	return 0
}

# ---------------------------------------------------------------- section 1: latency under contention
PROBES=(sleep work)
probe_args() { case $1 in sleep) echo "-p 1000" ;; work) echo "-p 2000 -w 500" ;; esac; }

# Hogs for N: ceil(N/2) stress-ng cpu workers (renamed copy), N/4 xz -9, the rest make -j lanes.
hog_mix() { # N -> "cpu xz storm"
	local n=$1 c x s
	c=$(((n + 1) / 2)); x=$((n / 4)); [ $x -lt 1 ] && [ $n -ge 3 ] && x=1
	s=$((n - c - x)); [ $s -lt 0 ] && s=0
	echo "$c $x $s"
}

RAND=$TMP/random.bin
prepare_hogs() {
	cp "$(command -v stress-ng)" "$TMP/worker"     # a name no model has seen
	cp "$B/hog" "$TMP/qz7"                        # reaction-time hog, neutral name
	cp "$B/forkstorm" "$TMP/mk"                   # the "make"
	local mb=$(( DURATION * 8 > 128 ? DURATION * 8 : 128 ))
	head -c "${mb}M" /dev/urandom >"$RAND"
}

# lat_run NHOGS PROBE CONFIG REP
lat_run() {
	local nh=$1 probe=$2 cfg=$3 rep=$4 grp sec=latency c x s hp=() i st='' k
	grp=h$nh-$probe
	[ "$cfg" = nohogs ] && grp=h0-$probe
	case $cfg in
	dryrun) [ $DAEMON_OK = 1 ] && daemon_start dry "lat" || return 0 ;;
	schedml) [ $DAEMON_OK = 1 ] && daemon_start act "lat" || return 0 ;;
	oracle) [ -n "$ORACLE_CG" ] || return 0 ;;
	esac
	local d=$DURATION hd=$((DURATION + 20)) w=$TMP/run
	rm -rf "$w"; mkdir -p "$w"
	if [ "$cfg" != nohogs ]; then
		read -r c x s <<<"$(hog_mix "$nh")"
		cg_prefix "$cfg"
		if [ "$c" -gt 0 ]; then
			bg "$hd" "${PRE[@]}" "$TMP/worker" --cpu "$c" --cpu-method int64 \
				--timeout "${d}s" --metrics-brief >"$w/stress.out" 2>&1
			hp+=("$BG")
		fi
		for ((i = 0; i < x; i++)); do
			bg "$hd" "${PRE[@]}" xz -9 -T1 -c "$RAND" >/dev/null 2>"$w/xz$i.err"
			hp+=("$BG"); echo "$BG" >"$w/xz$i.pid"
		done
		if [ "$s" -gt 0 ]; then
			bg "$hd" "${PRE[@]}" "$TMP/mk" -j "$s" -d "$d" >"$w/storm.out" 2>&1
			hp+=("$BG")
		fi
	fi
	# shellcheck disable=SC2046
	"$B/latprobe" $(probe_args "$probe") -d "$d" -s "$WARMUP" -o "$TMP/dumps/$grp-$cfg-$rep.txt" >"$w/probe.out"
	# xz never finishes in time: its throughput is what it had read when the probe ended
	for ((i = 0; i < ${x:-0}; i++)); do
		local xzpid rchar
		xzpid=$(pgrep -P "$(cat "$w/xz$i.pid")" -x xz | head -1)
		[ -z "$xzpid" ] && xzpid=$(cat "$w/xz$i.pid")
		rchar=$(awk '$1 == "rchar:" { print $2 }' "/proc/$xzpid/io" 2>/dev/null)
		[ -n "$rchar" ] && rec $sec "$grp" "$cfg" "$rep" "xz${i}_MBps" \
			"$(awk -v r="$rchar" -v d="$d" 'BEGIN { printf "%.3f", r / d / 1e6 }')"
		stop_bg "$(cat "$w/xz$i.pid")"
	done
	for i in "${hp[@]}"; do wait "$i" 2>/dev/null; done
	if [ -n "$DAEMON_PID" ]; then
		if status_snap; then
			for k in actions errors drops decisions_in_force; do
				i=$(status_num "$k"); [ -n "$i" ] && rec $sec "$grp" "$cfg" "$rep" "schedml_$k" "$i"
			done
		fi
		daemon_stop
		daemon_rec $sec "$grp" "$cfg" "$rep"
		tail -60 "$DAEMON_LOG" >"$EXTRA/latency-daemon-log-tail-$grp-$cfg.txt"
	fi
	for k in p50 p99 p999 max missed_pct ss_p50 ss_p99 ss_p999 ss_max ss_missed_pct; do
		rec $sec "$grp" "$cfg" "$rep" "$k" "$(awk -v k="$k" '{ for (i = 1; i <= NF; i++) { split($i, a, "="); if (a[1] == k) print a[2] } }' "$w/probe.out" | head -1)"
	done
	if [ -s "$w/stress.out" ]; then
		st=$(awk '/metrc/ && $4 == "cpu" { print $9 }' "$w/stress.out" | head -1)
		[ -n "$st" ] && rec $sec "$grp" "$cfg" "$rep" stress_bogo_ops_s "$st"
	fi
	if [ -s "$w/storm.out" ]; then
		st=$(kv "$w/storm.out" jobs_per_s)
		[ -n "$st" ] && rec $sec "$grp" "$cfg" "$rep" storm_jobs_s "$st"
	fi
	printf '  %-4s %-6s %-8s rep %d: p99 %8s us (steady %8s)  missed %6s%%\n' "h$nh" "$probe" "$cfg" "$rep" \
		"$(kv "$w/probe.out" p99)" "$(kv "$w/probe.out" ss_p99)" "$(kv "$w/probe.out" ss_missed_pct)"
}

section_latency() {
	local rep f nh probe cfg cfgs=(hogs dryrun schedml oracle) order
	echo "== 1. latency under contention: REPS=$REPS DURATION=${DURATION}s, hogs per CPU: $HOG_FACTORS"
	oracle_setup && echo "   oracle: $ORACLE_KIND ($ORACLE_CG)"
	for ((rep = 1; rep <= REPS; rep++)); do
		for probe in "${PROBES[@]}"; do
			lat_run 0 "$probe" nohogs "$rep"
			for f in $HOG_FACTORS; do
				nh=$((f * NCPU))
				# interleave, rotating the order each repetition so no configuration always runs first
				order=()
				for ((i = 0; i < ${#cfgs[@]}; i++)); do order+=("${cfgs[$(((i + rep - 1) % ${#cfgs[@]}))]}"); done
				for cfg in "${order[@]}"; do lat_run "$nh" "$probe" "$cfg" "$rep"; done
			done
		done
	done
	for f in $HOG_FACTORS; do
		nh=$((f * NCPU))
		for probe in "${PROBES[@]}"; do
			local g=h$nh-$probe
			echo "ratio p99x_vs_nodaemon_$g latency $g ss_p99 hogs schedml" >>"$SPEC"
			echo "ratio p99_vs_oracle_$g latency $g ss_p99 schedml oracle" >>"$SPEC"
			echo "ratio p99x_dryrun_vs_nodaemon_$g latency $g ss_p99 hogs dryrun" >>"$SPEC"
			echo "ratio wholerun_p99x_vs_nodaemon_$g latency $g p99 hogs schedml" >>"$SPEC"
			echo "ratio stress_tput_$g latency $g stress_bogo_ops_s schedml hogs" >>"$SPEC"
			echo "ratio xz_tput_$g latency $g xz0_MBps schedml hogs" >>"$SPEC"
			echo "ratio storm_tput_$g latency $g storm_jobs_s schedml hogs" >>"$SPEC"
			# what the best lever costs the hogs: on a shared host demoted hogs yield to everyone
			echo "ratio stress_tput_oracle_$g latency $g stress_bogo_ops_s oracle hogs" >>"$SPEC"
			echo "ratio xz_tput_oracle_$g latency $g xz0_MBps oracle hogs" >>"$SPEC"
		done
	done
	# goals: 2 cores, 4 hogs
	local g4=h$((2 * NCPU))
	cat >>"$SPEC" <<EOF
goal p99_within_1.5x_oracle_sleep ratio p99_vs_oracle_$g4-sleep <= 1.5
goal p99_within_1.5x_oracle_work ratio p99_vs_oracle_$g4-work <= 1.5
goal p99_5x_better_than_nodaemon_sleep ratio p99x_vs_nodaemon_$g4-sleep >= 5
goal p99_10x_better_than_nodaemon_work ratio p99x_vs_nodaemon_$g4-work >= 10
goal p999_under_500us_sleep value latency $g4-sleep schedml ss_p999 < 500
goal p999_under_500us_work value latency $g4-work schedml ss_p999 < 500
goal work_probe_missed_le_0.5pct value latency $g4-work schedml ss_missed_pct <= 0.5
goal stress_tput_ge_95pct ratio stress_tput_$g4-sleep >= 0.95
goal xz_tput_ge_95pct ratio xz_tput_$g4-sleep >= 0.95
goal storm_tput_ge_95pct ratio storm_tput_$g4-sleep >= 0.95
goal schedml_cpu_lt_2pct value latency $g4-sleep schedml schedml_cpu_pct < 2
goal schedml_rss_lt_32MB value latency $g4-sleep schedml schedml_hwm_kb < 32768
EOF
}

# ---------------------------------------------------------------- section 2: reaction time
section_reaction() {
	echo "== 2. reaction time: $REACT_COUNT hogs at random times over ${REACT_SPREAD}s, /proc polled every 5 ms"
	[ $DAEMON_OK = 1 ] || { note "reaction: no daemon"; return; }
	daemon_start act react || return
	# a periodic sleeper beside them, so there is something interactive to protect
	bg $((REACT_SPREAD + 30)) "$B/latprobe" -d $((REACT_SPREAD + 6)) >/dev/null
	local lp=$BG
	timeout -s KILL $((REACT_SPREAD + 60)) "$B/reaction" --hog "$TMP/qz7" --count "$REACT_COUNT" \
		--spread "$REACT_SPREAD" --hog-seconds 4 --poll-ms 5 >"$TMP/reaction.out"
	stop_bg "$lp"
	daemon_stop
	daemon_rec reaction all schedml 1
	cp "$TMP/reaction.out" "$EXTRA/reaction.txt"
	tail -100 "$DAEMON_LOG" >"$EXTRA/reaction-daemon-log-tail.txt"
	local k
	tail -1 "$TMP/reaction.out" >"$TMP/reaction.sum"
	for k in demoted median_ms max_ms min_ms at_birth; do rec reaction all schedml 1 "$k" "$(kv "$TMP/reaction.sum" $k)"; done
	rec reaction all schedml 1 count "$REACT_COUNT"
	tail -1 "$TMP/reaction.out" | sed 's/^/   /'
	cat >>"$SPEC" <<EOF
goal demotion_median_le_1s value reaction all schedml median_ms <= 1000
goal demotion_max_le_2s value reaction all schedml max_ms <= 2000
goal every_hog_demoted value reaction all schedml demoted >= $REACT_COUNT
EOF
}

# ---------------------------------------------------------------- section 3: overhead
pipe_time() { taskset -c 0 perf bench sched pipe -l "$PIPE_LOOPS" 2>&1 | awk '/Total time/ { print $3 }'; }
hack_time() { # shellcheck disable=SC2086
	hackbench $HACKBENCH 2>&1 | awk '/^Time:/ { print $2 }'; }
section_overhead() {
	local rep cfg cfgs=(none floor dryrun) order i fl t
	echo "== 3. overhead: perf bench sched pipe -l $PIPE_LOOPS (taskset -c 0), hackbench $HACKBENCH, $OVERHEAD_REPS reps"
	for ((rep = 1; rep <= OVERHEAD_REPS; rep++)); do
		order=()
		for ((i = 0; i < ${#cfgs[@]}; i++)); do order+=("${cfgs[$(((i + rep - 1) % ${#cfgs[@]}))]}"); done
		for cfg in "${order[@]}"; do
			fl=
			case $cfg in
			floor)
				"$B/floorload" -o "$B/floor.bpf.o" >"$TMP/floor.out" 2>&1 &
				fl=$!; PIDS+=("$fl")
				i=50; while [ $i -gt 0 ] && ! grep -q ready "$TMP/floor.out"; do sleep 0.1; i=$((i - 1)); done
				grep -q ready "$TMP/floor.out" || { note "floor program failed: $(cat "$TMP/floor.out")"; continue; } ;;
			dryrun) [ $DAEMON_OK = 1 ] && daemon_start dry overhead || continue ;;
			esac
			t=$(pipe_time); rec overhead pipe "$cfg" "$rep" seconds "$t"
			local h; h=$(hack_time); rec overhead hackbench "$cfg" "$rep" seconds "$h"
			[ -n "$fl" ] && { kill -INT "$fl"; wait "$fl"; }
			[ "$cfg" = dryrun ] && { daemon_stop; daemon_rec overhead all dryrun "$rep"; }
			printf '   rep %d %-7s pipe %6ss  hackbench %6ss\n' "$rep" "$cfg" "$t" "$h"
		done
		# derived per repetition: overhead in % of the no-tracing time, and schedml's vs the floor's
		awk -F'\t' -v rep="$rep" '$1 == "overhead" && $4 == rep && $5 == "seconds" { t[$2 "," $3] = $6 }
			END {
				for (w in t) { split(w, k, ","); if (k[2] != "none" && t[k[1] ",none"] > 0)
					printf "overhead\t%s\t%s\t%s\toverhead_pct\t%.3f\n", k[1], k[2], rep, 100 * (t[w] / t[k[1] ",none"] - 1) }
				if (t["pipe,none"] > 0 && t["pipe,floor"] > t["pipe,none"] && t["pipe,dryrun"] != "")
					printf "overhead\tpipe\tdryrun\t%s\tvs_floor_overhead\t%.3f\n", rep,
						(t["pipe,dryrun"] / t["pipe,none"] - 1) / (t["pipe,floor"] / t["pipe,none"] - 1)
			}' "$RAW" >>"$RAW"
	done
	echo "ratio pipe_time_dryrun_vs_none overhead pipe seconds dryrun none" >>"$SPEC"
	echo "ratio pipe_time_floor_vs_none overhead pipe seconds floor none" >>"$SPEC"
	echo "ratio hackbench_time_dryrun_vs_none overhead hackbench seconds dryrun none" >>"$SPEC"
	echo "ratio hackbench_time_floor_vs_none overhead hackbench seconds floor none" >>"$SPEC"
	cat >>"$SPEC" <<EOF
goal pipe_overhead_le_1.5x_floor ovratio pipe_time_dryrun_vs_none pipe_time_floor_vs_none <= 1.5
goal hackbench_overhead_le_3pct value overhead hackbench dryrun overhead_pct <= 3
EOF
}

# ---------------------------------------------------------------- section 4: event pipeline
# The heaviest context-switch loads we can make, each for PIPE_SECONDS: unpinned perf bench sched
# pipe (both CPUs) and hackbench in a loop.
load_for() { # load seconds
	case $1 in
	pipe) timeout -k 2 "$2" perf bench sched pipe -l 1000000000 >/dev/null 2>&1 ;;
	hackbench) # shellcheck disable=SC2086
		timeout -k 2 "$2" bash -c "while :; do hackbench $HACKBENCH >/dev/null 2>&1; done" ;;
	esac
	return 0
}
section_pipeline() {
	echo "== 4. event pipeline: ${PIPE_SECONDS}s of each heaviest context-switch load"
	local load ev0 ev1 dr0 dr1 t0 t1 c0 c1 el j cpu k tp
	for load in pipe hackbench; do
		# (a) the tracer alone: schedml trace's own summary (events/s, drops, BPF ns/event)
		if "$SCHEDML" trace --help >/dev/null 2>&1; then
			j=$TMP/trace-$load.json
			{ TIMEFORMAT='%U %S'; time "$SCHEDML" trace -q -j -d "$((PIPE_SECONDS + 1))" >"$j" 2>"$TMP/trace-$load.err"; } 2>"$TMP/trace-$load.cpu" &
			tp=$!
			sleep 0.5
			load_for "$load" "$PIPE_SECONDS"
			wait "$tp"
			if grep -q '"type":"summary"' "$j"; then
				tail -1 "$j" >"$EXTRA/trace-summary-$load.json"
				for k in events_per_s dropped bpf_ns_per_event seconds events; do
					rec pipeline "$load" trace 1 "$k" "$(tail -1 "$j" | grep -o "\"$k\":[0-9.e+-]*" | head -1 | cut -d: -f2)"
				done
				cpu=$(tail -1 "$TMP/trace-$load.cpu")
				rec pipeline "$load" trace 1 cpu_pct "$(awk -v u="${cpu% *}" -v s="${cpu#* }" -v d="$((PIPE_SECONDS + 1))" 'BEGIN { printf "%.2f", 100 * (u + s) / d }')"
			else
				note "pipeline: schedml trace gave no summary: $(tail -2 "$TMP/trace-$load.err" | tr '\n' ' ')"
			fi
		fi
		# (b) the whole daemon (tracer + features + scorer + policy), --dry-run, from its status counters
		[ $DAEMON_OK = 1 ] || continue
		daemon_start dry "pipe-$load" || continue
		sleep 1
		status_snap; ev0=$(status_num events); dr0=$(status_num drops); [ -z "$dr0" ] && dr0=$(status_num dropped)
		c0=$(cpu_ticks "$DAEMON_PID"); t0=$(date +%s.%N)
		load_for "$load" "$PIPE_SECONDS"
		t1=$(date +%s.%N); c1=$(cpu_ticks "$DAEMON_PID")
		sleep 0.5
		status_snap; cp "$TMP/status.txt" "$EXTRA/status-pipeline-$load.txt"
		ev1=$(status_num events); dr1=$(status_num drops); [ -z "$dr1" ] && dr1=$(status_num dropped)
		el=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
		if [ -n "$ev0" ] && [ -n "$ev1" ]; then
			rec pipeline "$load" dryrun 1 events_per_s "$(awk -v a="$ev0" -v b="$ev1" -v e="$el" 'BEGIN { printf "%.0f", (b - a) / e }')"
		else
			note "pipeline: schedml status shows no 'events' counter; daemon events/s not measured"
		fi
		[ -n "$dr0" ] && [ -n "$dr1" ] && rec pipeline "$load" dryrun 1 drops "$((${dr1%.*} - ${dr0%.*}))"
		rec pipeline "$load" dryrun 1 schedml_cpu_pct "$(awk -v a="$c0" -v b="$c1" -v e="$el" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", 100 * (b - a) / hz / e }')"
		daemon_stop
		rec pipeline "$load" dryrun 1 schedml_hwm_kb "${D_HWM:-0}"
	done
	echo "   $(grep -P '^pipeline\t' "$RAW" | awk -F'\t' '{ printf "%s/%s:%s=%s ", $2, $3, $5, $6 }')"
	cat >>"$SPEC" <<EOF
goal pipe_storm_no_drops_tracer value pipeline pipe trace dropped <= 0
goal pipe_storm_no_drops_daemon value pipeline pipe dryrun drops <= 0
EOF
}

# ---------------------------------------------------------------- section 5: scale
section_scale() {
	echo "== 5. scale: $SCALE_THREADS sleeping threads, schedml --dry-run for ${SCALE_SECONDS}s"
	[ $DAEMON_OK = 1 ] || { note "scale: no daemon"; return; }
	daemon_start dry scale || return
	bg $((SCALE_SECONDS + 60)) "$B/sleepers" -n "$SCALE_THREADS" -d $((SCALE_SECONDS + 10)) >"$TMP/sleepers.out" 2>&1
	local sp=$BG n=300 c0 c1 t0 t1
	while [ $n -gt 0 ] && ! grep -q ready "$TMP/sleepers.out"; do sleep 0.1; n=$((n - 1)); done
	rec scale threads dryrun 1 threads_started "$(kv "$TMP/sleepers.out" threads)"
	sleep 3 # let the daemon discover them
	c0=$(cpu_ticks "$DAEMON_PID"); t0=$(date +%s.%N)
	sleep "$SCALE_SECONDS"
	c1=$(cpu_ticks "$DAEMON_PID"); t1=$(date +%s.%N)
	status_snap && cp "$TMP/status.txt" "$EXTRA/status-scale.txt"
	local tracked loop
	for k in threads_tracked processes_tracked drops ticks; do
		tracked=$(status_num "$k"); [ -n "$tracked" ] && rec scale threads dryrun 1 "$k" "$tracked"
	done
	for k in loop_us loop_max_us tick_us tick_max_us step_us step_max_us control_us; do
		loop=$(status_num "$k"); [ -n "$loop" ] && rec scale threads dryrun 1 "status_$k" "$loop"
	done
	rec scale threads dryrun 1 schedml_cpu_pct "$(awk -v a="$c0" -v b="$c1" -v t0="$t0" -v t1="$t1" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", 100 * (b - a) / hz / (t1 - t0) }')"
	# CPU per 250 ms control interval (all work, events included): an upper bound on the loop time
	rec scale threads dryrun 1 cpu_ms_per_250ms "$(awk -v a="$c0" -v b="$c1" -v t0="$t0" -v t1="$t1" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", 1000 * (b - a) / hz / ((t1 - t0) / 0.25) }')"
	rec scale threads dryrun 1 schedml_rss_kb "$(status_kb "$DAEMON_PID" VmRSS)"
	stop_bg "$sp"
	daemon_stop
	rec scale threads dryrun 1 schedml_hwm_kb "${D_HWM:-0}"
	echo "   $(grep -P '^scale\t' "$RAW" | awk -F'\t' '{ printf "%s=%s ", $5, $6 }')"
}

# ---------------------------------------------------------------- section 6: microbenchmarks
section_micro() {
	echo "== 6. scorer/feature and training microbenchmarks"
	local found=0 f
	for f in "$B/bench_scorer" "$B/bench_train" bench/bench_train.sh; do
		[ -x "$f" ] || continue
		found=1
		echo "   $f"
		timeout 600 "$f" >"$EXTRA/$(basename "$f").txt" 2>&1 || note "$f exited with $?"
		sed 's/^/     /' "$EXTRA/$(basename "$f").txt" | head -40
	done
	[ $found = 1 ] || note "micro: no bench_scorer/bench_train built yet"
}

# ---------------------------------------------------------------- soak (issue 7, Load)
section_soak() {
	echo "== soak: ${SOAK_DURATION}s of mixed hogs, sleepers and a fork storm, schedml acting"
	[ $DAEMON_OK = 1 ] || { note "soak: no daemon"; return; }
	daemon_start act soak || return
	# the workload outlives the sampling window, so the restore check at the end sees it running
	local d=$SOAK_DURATION wd=$((SOAK_DURATION + 60)) hd=$((SOAK_DURATION + 120)) pids=() rss0 fds0 t=0 rssmax=0 fdsmin=99999 fdsmax=0
	bg "$hd" "$TMP/worker" --cpu 2 --cpu-method int64 --timeout "${wd}s" >/dev/null 2>&1; pids+=("$BG")
	bg "$hd" bash -c "while :; do xz -9 -T1 -c '$RAND' >/dev/null; done"; pids+=("$BG")
	bg "$hd" "$TMP/mk" -j 2 -d "$wd" >/dev/null 2>&1; pids+=("$BG")
	bg "$hd" "$B/sleepers" -n 500 -w 0.05 -d "$wd" >/dev/null 2>&1; pids+=("$BG")
	bg "$hd" "$B/latprobe" -d "$((d - 5))" -s 30 >"$TMP/soak-probe.out"; local probe=$BG
	echo "t_s rss_kb fds pidfds" >"$EXTRA/soak-series.txt"
	sleep 30; t=30
	# pidfds come and go with the tasks schedml has changed; every other fd must stay put
	rss0=$(status_kb "$DAEMON_PID" VmRSS); fds0=$(nfds "$DAEMON_PID")
	local pfd pfd0; pfd0=$(npidfds "$DAEMON_PID")
	local ofdmin=$((fds0 - pfd0)) ofdmax=$((fds0 - pfd0))
	fdsmin=$fds0; fdsmax=$fds0
	echo "   t=30s rss ${rss0} kB fds $fds0 (pidfds $pfd0)"
	echo "30 $rss0 $fds0 $pfd0" >>"$EXTRA/soak-series.txt"
	while [ $t -lt "$d" ] && kill -0 "$DAEMON_PID" 2>/dev/null; do
		sleep 10; t=$((t + 10))
		local r f; r=$(status_kb "$DAEMON_PID" VmRSS); f=$(nfds "$DAEMON_PID"); pfd=$(npidfds "$DAEMON_PID")
		echo "$t $r $f $pfd" >>"$EXTRA/soak-series.txt"
		[ $((f - pfd)) -gt $ofdmax ] && ofdmax=$((f - pfd)); [ $((f - pfd)) -lt $ofdmin ] && ofdmin=$((f - pfd))
		[ "${r:-0}" -gt $rssmax ] && rssmax=$r
		[ "${f:-0}" -gt $fdsmax ] && fdsmax=$f; [ "${f:-99999}" -lt $fdsmin ] && fdsmin=$f
		[ $((t % 60)) -eq 0 ] && echo "   t=${t}s rss $r kB fds $f (pidfds $pfd)"
	done
	kill -0 "$DAEMON_PID" 2>/dev/null || note "soak: schedml died during the soak"
	status_snap && cp "$TMP/status.txt" "$EXTRA/status-soak.txt"
	local errs k; errs=$(status_num errors)
	# proof that it acted at all (a restore check of untouched tasks proves nothing)
	for k in actions restores decisions_in_force backoffs drops events; do
		rec soak all schedml 1 "status_$k" "$(status_num "$k")"
	done
	# stop schedml while the workload still runs, then check every task of ours is back as it was
	local rss1 fds1 p bad=0 checked=0 mycg; rss1=$(status_kb "$DAEMON_PID" VmRSS); fds1=$(nfds "$DAEMON_PID"); pfd=$(npidfds "$DAEMON_PID")
	daemon_stop
	mycg=$(cat /proc/$$/cgroup)
	local myni mypol
	myni=$(awk '{ sub(/^.*\) /, ""); print $17 }' /proc/$$/stat)
	mypol=$(awk '{ sub(/^.*\) /, ""); print $39 }' /proc/$$/stat)
	# every task (thread) in our process tree must be back to the nice/policy/cgroup we run with
	for p in $(ps -e -o pid=,ppid= | awk -v root=$$ '{ par[$1] = $2 } END {
			for (p in par) { q = p; while (q in par && q != root && q > 1) q = par[q]; if (q == root && p != root) print p } }'); do
		local t
		for t in /proc/$p/task/*; do
			[ -r "$t/stat" ] || continue
			local ni pol
			ni=$(awk '{ sub(/^.*\) /, ""); print $17 }' "$t/stat" 2>/dev/null)
			pol=$(awk '{ sub(/^.*\) /, ""); print $39 }' "$t/stat" 2>/dev/null)
			[ -z "$ni" ] && continue
			checked=$((checked + 1))
			if [ "$ni" != "$myni" ] || [ "$pol" != "$mypol" ] || [ "$(cat "$t/cgroup" 2>/dev/null)" != "$mycg" ]; then
				[ -e "$t" ] && { bad=$((bad + 1)); [ $bad -le 10 ] && echo "   not restored: task ${t##*/} ($(cat "$t/comm" 2>/dev/null)) nice $ni policy $pol"; }
			fi
		done
	done
	for p in "${pids[@]}"; do stop_bg "$p"; done
	wait "$probe" 2>/dev/null
	for k in ss_p99 ss_p999 ss_missed_pct; do rec soak all schedml 1 "probe_$k" "$(kv "$TMP/soak-probe.out" "$k")"; done
	rec soak all schedml 1 rss_start_kb "$rss0"
	rec soak all schedml 1 rss_end_kb "$rss1"
	rec soak all schedml 1 rss_max_kb "$rssmax"
	rec soak all schedml 1 rss_growth_pct "$(awk -v a="$rss0" -v b="$rss1" 'BEGIN { printf "%.2f", (a > 0) ? 100 * (b - a) / a : 0 }')"
	rec soak all schedml 1 fds_start "$fds0"
	rec soak all schedml 1 fds_end "$fds1"
	rec soak all schedml 1 fds_spread "$((fdsmax - fdsmin))"
	rec soak all schedml 1 other_fds_spread "$((ofdmax - ofdmin))"
	rec soak all schedml 1 other_fds_growth "$(((fds1 - pfd) - (fds0 - pfd0)))"
	rec soak all schedml 1 pidfds_end "$pfd"
	rec soak all schedml 1 status_errors "${errs:--1}"
	rec soak all schedml 1 log_errors "${D_ERRORS:-0}"
	rec soak all schedml 1 exit_code "$D_RC"
	rec soak all schedml 1 tasks_checked "$checked"
	rec soak all schedml 1 tasks_not_restored "$bad"
	rec soak all schedml 1 schedml_cpu_pct "$D_CPU_PCT"
	cp "$DAEMON_LOG" "$EXTRA/soak-daemon-log-tail.txt" 2>/dev/null && tail -200 "$DAEMON_LOG" >"$EXTRA/soak-daemon-log-tail.txt"
	cat >>"$SPEC" <<EOF
goal soak_rss_growth_lt_10pct value soak all schedml rss_growth_pct < 10
goal soak_fds_stable value soak all schedml other_fds_growth <= 2
goal soak_zero_log_errors value soak all schedml log_errors <= 0
goal soak_every_task_restored value soak all schedml tasks_not_restored <= 0
goal soak_clean_exit value soak all schedml exit_code <= 0
goal soak_schedml_acted value soak all schedml status_actions >= 1
EOF
	echo "   rss ${rss0} -> ${rss1} kB, fds ${fds0} -> ${fds1}, log errors ${D_ERRORS:-0}, not restored $bad of $checked"
}

# ---------------------------------------------------------------- main
T_START=$(date +%s)
echo "schedml bench ($MODE) on $(uname -n): $NCPU CPUs, kernel $(uname -r), $(date -u)"
echo "  schedml: $SCHEDML ($([ $DAEMON_OK = 1 ] && echo available || echo 'NOT available')), scope pid:$ROOTPID"
prepare_hogs
if [ "$MODE" != soak ]; then
	for s in $SECTIONS; do
		declare -F "section_$s" >/dev/null || die "unknown section '$s'"
		"section_$s"
	done
fi
[ "$MODE" = soak ] || [ "$MODE" = all ] && section_soak
T_END=$(date +%s)

# ---------------------------------------------------------------- report
mkdir -p "$RESULTS"
JSON=$RESULTS/$STAMP${RESULT_SUFFIX:-}.json
[ "$MODE" = soak ] && JSON=$RESULTS/$STAMP-soak.json
{
	echo "meta date $STAMP"
	echo "meta mode $MODE"
	echo "meta host $(uname -n)"
	echo "meta kernel $(uname -r)"
	echo "meta cpus $NCPU"
	echo "meta cpu_model $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "meta mem_kb $(awk '/MemTotal/ { print $2 }' /proc/meminfo)"
	echo "meta loadavg_at_start $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "meta schedml_commit $(git rev-parse --short HEAD 2>/dev/null)"
	echo "meta reps $REPS"
	echo "meta overhead_reps $OVERHEAD_REPS"
	echo "meta pipe_loops $PIPE_LOOPS"
	echo "meta hackbench $HACKBENCH"
	echo "meta duration_s $DURATION"
	echo "meta warmup_s $WARMUP"
	echo "meta hog_factors $HOG_FACTORS"
	echo "meta oracle ${ORACLE_KIND:-none}"
	echo "meta model $MODEL"
	echo "meta wall_s $((T_END - T_START))"
	for n in "${NOTES[@]}"; do echo "note $n"; done
} >"$TMP/meta.txt"
awk -f bench/report.awk -v json="$JSON" -v md="${JSON%.json}.md" -v extradir="$EXTRA" "$TMP/meta.txt" "$SPEC" "$RAW" || die "report failed"
if [ "$MODE" != soak ] && grep -qP '^latency\t' "$RAW"; then
	bench/plot.sh "$TMP/dumps" "$RESULTS/$STAMP" "$WARMUP" || note "plot failed"
fi
echo "results: $JSON, ${JSON%.json}.md (wall time $((T_END - T_START)) s)"
