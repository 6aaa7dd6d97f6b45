#!/usr/bin/env bash
# Acceptance 6: kernel threads, PID 1, schedml itself, real-time tasks and excluded tasks are never
# changed, over a run with hogs. Part A: --dry-run with no scope at all (every task is a candidate)
# must not even consider them. Part B: acting, confined to the workload, which holds a hog, a hog
# matched by the exclude list and a SCHED_FIFO sleeper: only the plain hog changes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
require_root

make_config
EXCL=$TMP/qx${RANDOM}excl
sed -i 's/"comm": \["\^(sshd/"comm": ["^qx[0-9]*excl$", "^(sshd/' "$TMP/config.json"
grep -q 'qx\[0-9\]\*excl' "$TMP/config.json" || fail "could not add the exclude rule"
build_workloads
cp "$HOG" "$EXCL"
printf '%s\n%s\n%s\n' "$HOG" "$EXCL" "chrt -f 1 $SLEEPER" > "$TMP/wl.cmds"
start_workload 60

kthreads() { ps -e -o pid=,ppid= | awk '$1 == 2 || $2 == 2 { print $1 }'; }
snapshot() { ps -L -o tid=,ni=,cls=,pri= -p "1 $(kthreads | tr '\n' ' ')" 2>/dev/null | sort; }
snapshot > "$TMP/before"
# Kernel threads with their start time: a pid reused during the run (kworkers come and go, a
# user process may have had that pid) is not the same task.
kt_ids() { for k in $(kthreads); do echo "$k $(awk '{print $22}' /proc/$k/stat 2>/dev/null)"; done | sort; }
kt_ids > "$TMP/kt.before"

# Part A: dry run, every task in scope.
SCOPE_ALL=1 start_daemon --dry-run
go
wait_for 50 'H=$(pid_of "$HOG"); X=$(pid_of "$EXCL"); R=$(pid_of "$SLEEPER"); [ -n "$H" ] && [ -n "$X" ] && [ -n "$R" ]' ||
	fail "workload did not start"
[ "$(awk '{print $41}' /proc/$R/stat)" = 1 ] || fail "the RT sleeper is not SCHED_FIFO"
wait_for 50 "grep -q 'would change pid $H ' '$DLOG'" || { tail -20 "$DLOG"; fail "dry run did not consider the hog"; }
sleep 2
stop_daemon TERM
bad=0
kt_ids > "$TMP/kt.after"
stable_kt=$(comm -12 "$TMP/kt.before" "$TMP/kt.after" | cut -d' ' -f1)
for p in 1 2 $stable_kt "$X" "$R" "$DPID"; do
	if grep -q "would change pid $p " "$DLOG"; then
		echo "considered: $(grep "would change pid $p " "$DLOG" | head -1)"
		bad=1
	fi
done
[ "$bad" -eq 0 ] || fail "dry run with no scope would have changed a protected task"
ok "no scope, dry run: $(grep -c 'would change' "$DLOG") would-be changes, none to PID 1, $(echo $stable_kt | wc -w) kernel threads, schedml, the excluded or the RT task"

# Part B: acting, confined to the workload.
: > "$DLOG"
rt0=$(thread_state "$R")
start_daemon
wait_for 50 "demoted $H" || fail "hog not demoted"
for i in $(seq 1 15); do
	untouched "$X" "$CG0" || { thread_state "$X"; fail "excluded hog changed"; }
	st=$(thread_state "$R")
	echo "$st" | grep -q "pol=1 nice=0 cg=$CG0 " || { echo "$st"; fail "RT task changed"; }
	[ "$st" = "$rt0" ] || { echo "$st"; fail "RT task's slice or timer slack changed"; }
	sleep 0.2
done
stop_daemon TERM
snapshot > "$TMP/after"
diff "$TMP/before" "$TMP/after" || fail "PID 1 or a kernel thread changed during the run"
ok "acting: hog demoted; excluded hog, RT task, PID 1 and kernel threads untouched"
