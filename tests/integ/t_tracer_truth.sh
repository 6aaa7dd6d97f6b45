#!/usr/bin/env bash
# Truth check: on-CPU time summed from the recorded event stream agrees with the kernel's own
# /proc/<tid>/schedstat delta within 5% for every task that ran >= 100 ms, and the sleeper's
# wakeups in the trace agree with its own count of sleeps within 2%.
# Workload (tests/integ/tracer_truth.c): spinner, 2ms duty cycler and 1ms sleeper pinned to CPU 0.
source "$(dirname "$0")/lib.sh"
require_root
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF"
cc -O2 -o "$TMP/truth" "$(dirname "$0")/tracer_truth.c" || fail "cannot build the workload"

bg_bounded 120 "$SCHEDML" record --out "$TMP/rec" --mode bpf --tick 100ms --note truth-check 2>"$TMP/rec.err"
rec=$BG_PID
wait_for 300 "grep -q 'Recording to' '$TMP/rec.err'" || { cat "$TMP/rec.err"; fail "record did not start"; }
timeout 60 "$TMP/truth" 3 "$TMP/truth.out" || fail "workload failed"
sleep 0.3
kill -TERM "$rec"
wait "$rec" || { cat "$TMP/rec.err"; fail "record exited with an error"; }
cat "$TMP/rec.err"
grep -q ' 0 dropped' "$TMP/rec.err" || fail "events were dropped"
cat "$TMP/truth.out"

zcat "$TMP/rec/scheduling_events.log.gz" | awk '
FNR == NR { role[$2] = $1; t0[$2] = $3; t1[$2] = $4; kern[$2] = $6 - $5; sleeps[$2] = $7; next }
$1 == "S" {
	if (($6 in role) && ($6 in since)) {
		a = since[$6]; b = $2
		if (a < t0[$6]) a = t0[$6]
		if (b > t1[$6]) b = t1[$6]
		if (b > a) oncpu[$6] += b - a
		delete since[$6]
	}
	if ($4 in role) since[$4] = $2
}
$1 == "W" && ($4 in role) && $2 >= t0[$4] && $2 <= t1[$4] { wakeups[$4]++ }
END {
	bad = 0; checked = 0
	for (p in role) {
		err = kern[p] > 0 ? (oncpu[p] - kern[p]) / kern[p] * 100 : 0
		printf "%-6s pid %-7s schedstat %8.2f ms  trace %8.2f ms  (%+.2f%%)  sleeps %d  wakeups %d\n",
			role[p], p, kern[p] / 1e6, oncpu[p] / 1e6, err, sleeps[p], wakeups[p]
		if (kern[p] >= 100e6) {
			checked++
			if (err > 5 || err < -5) { print "  on-CPU time off by more than 5%"; bad = 1 }
		}
		if (role[p] == "sleep") {
			if (sleeps[p] < 100) { print "  too few sleeps to judge"; bad = 1 }
			d = (wakeups[p] - sleeps[p]) / sleeps[p] * 100
			if (d > 2 || d < -2) { printf "  wakeups off by %.2f%%\n", d; bad = 1 }
		}
	}
	if (checked < 1) { print "  no task ran 100 ms: nothing checked"; bad = 1 }
	exit bad
}' "$TMP/truth.out" - || fail "trace disagrees with the kernel"
ok "per-task on-CPU time within 5% of schedstat, sleeper wakeups within 2% of its sleeps"
