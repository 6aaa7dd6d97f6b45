#!/usr/bin/env bash
# The tracer under load: per-event BPF cost (kernel.bpf_stats_enabled) under 300 ns on
# `perf bench sched pipe`, no drops at the default ring size there, consumer wake-ups batched
# (far fewer than events; and one per event with --wakeup-bytes 0, to prove the counter);
# hackbench: events/s and drops reported; the raw_tp fallback loads and delivers events.
source "$(dirname "$0")/lib.sh"
require_root
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF"
command -v perf >/dev/null || skip "perf not installed (linux-perf)"
command -v hackbench >/dev/null || skip "hackbench not installed (rt-tests)"

old=$(sysctl -n kernel.bpf_stats_enabled)
cleanup_add "sysctl -qw kernel.bpf_stats_enabled=$old"
sysctl -qw kernel.bpf_stats_enabled=1

num() { # key file -> the number after "key": in the summary line (before its "top" array)
	grep '"type":"summary"' "$2" | sed -e 's/,"top":.*//' -e "s/.*\"$1\":\([0-9.eE+-]*\).*/\1/"
}

# trace_under NAME ENV... -- LOAD...: run `schedml trace -q --json` around a load, summary in $TMP/NAME.json
trace_under() {
	local name=$1; shift
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done; shift
	bg_bounded 120 env "${envs[@]}" "$SCHEDML" trace -q --json --mode bpf "${TRACE_ARGS[@]}" \
		>"$TMP/$name.json" 2>"$TMP/$name.err"
	local tp=$BG_PID
	wait_for 300 "grep -q 'tracing (source' '$TMP/$name.err'" || { cat "$TMP/$name.err"; fail "$name: trace did not start"; }
	timeout 120 "$@" >"$TMP/$name.load" 2>&1 || fail "$name: load failed: $(tail -3 "$TMP/$name.load")"
	kill -TERM "$tp"
	wait "$tp" || { cat "$TMP/$name.err"; fail "$name: trace failed"; }
	grep -q '"type":"summary"' "$TMP/$name.json" || fail "$name: no summary"
	local ev ns drops wk rate src
	ev=$(num events "$TMP/$name.json"); drops=$(num dropped "$TMP/$name.json")
	wk=$(num wakeups "$TMP/$name.json"); ns=$(num bpf_ns_per_event "$TMP/$name.json")
	rate=$(num events_per_s "$TMP/$name.json")
	src=$(sed -n 's/.*"source":"\([a-z_]*\)".*/\1/p' "$TMP/$name.json")
	printf '%-10s source %-6s events %9s  %8.0f/s  dropped %s  forced wake-ups %s  BPF %.0f ns/event\n' \
		"$name" "$src" "$ev" "$rate" "$drops" "$wk" "$ns"
	eval "${name}_ev=$ev ${name}_drops=$drops ${name}_wk=$wk ${name}_ns=$ns ${name}_src=$src"
}

# The machine is shared: other load only inflates the per-event cost (cache and ring-buffer
# lock contention), never deflates it, so the best of up to three runs is the figure judged.
TRACE_ARGS=()
for try in 1 2 3; do
	trace_under pipe -- taskset -c 0 perf bench sched pipe -l 200000
	[ "$pipe_src" = tp_btf ] || fail "expected the tp_btf programs on this kernel, got $pipe_src"
	[ "$pipe_ev" -ge 400000 ] || fail "pipe: only $pipe_ev events for 200000 round trips"
	# Drops mean the consumer was starved of CPU for the ~0.3 s the 8 MiB ring holds at this
	# rate: other load on a shared machine can do that, so drops get the same best-of-3 rule.
	awk -v ns="$pipe_ns" -v d="$pipe_drops" 'BEGIN { exit !(ns > 0 && ns < 300 && d == 0) }' && break
	[ "$try" -lt 3 ] || fail "pipe: in the best of 3 runs, $pipe_drops events dropped at the default ring size, BPF cost $pipe_ns ns/event (limits: 0 drops, 300 ns)"
	echo "  $pipe_ns ns/event, $pipe_drops dropped: retrying (load average: $(cut -d' ' -f1 /proc/loadavg))"
done
[ $((pipe_wk * 100)) -lt "$pipe_ev" ] || fail "pipe: $pipe_wk forced wake-ups for $pipe_ev events: not batched"
ok "pipe: $pipe_ns ns/event, no drops, $pipe_wk wake-ups for $pipe_ev events"

TRACE_ARGS=(--wakeup-bytes 0)
trace_under perevent -- taskset -c 0 perf bench sched pipe -l 20000
[ $((perevent_wk * 10)) -ge $((perevent_ev * 9)) ] || fail "--wakeup-bytes 0: $perevent_wk wake-ups for $perevent_ev events"
ok "--wakeup-bytes 0 wakes the consumer per event ($perevent_wk for $perevent_ev): batching is what keeps the count low"

TRACE_ARGS=()
trace_under hackbench -- hackbench -g 4 -l 1000
[ "$hackbench_ev" -gt 0 ] || fail "hackbench: no events"
ok "hackbench: $hackbench_ev events, $hackbench_drops dropped"

trace_under rawtp SCHEDML_NO_TP_BTF=1 -- taskset -c 0 perf bench sched pipe -l 20000
[ "$rawtp_src" = raw_tp ] || fail "SCHEDML_NO_TP_BTF=1: expected raw_tp, got $rawtp_src"
[ "$rawtp_ev" -ge 40000 ] || fail "raw_tp: only $rawtp_ev events"
ok "raw_tp fallback: $rawtp_ev events, $rawtp_ns ns/event"
