#!/usr/bin/env bash
# Acceptance 4: a task reniced by hand after schedml acted is left alone afterwards (schedml backs
# off for good, logs it once, and puts back only what is still as it set it).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
require_root

make_config
build_workloads
printf '%s\n' "$HOG" > "$TMP/wl.cmds"
start_workload 40
start_daemon
go
wait_for 50 'H=$(pid_of "$HOG"); [ -n "$H" ]' || fail "workload did not start"
wait_for 50 "demoted $H" || fail "hog not demoted"
renice -n 5 -p "$H" >/dev/null || fail "renice failed"
wait_for 30 "grep -q 'pid $H .*backing off for good' '$DLOG'" || { cat "$DLOG"; fail "no back-off logged"; }
# For 4 s (16 ticks) the hand-set nice stays, and schedml never demotes the hog again.
for i in $(seq 1 20); do
	st=$(thread_state "$H")
	echo "$st" | grep -q "^$H pol=0 nice=5 cg=$CG0 " || { echo "$st"; fail "main thread not left at the operator's nice 5"; }
	! echo "$st" | grep -q "pol=5\|cg=/$CGNAME" || { echo "$st"; fail "schedml acted on a backed-off task"; }
	sleep 0.2
done
[ "$(grep -c "pid $H .*backing off" "$DLOG")" -eq 1 ] || fail "back-off logged more than once"
daemon_status | grep -q "^ *$H .*backed off" || fail "status does not show the back-off"
echo "$st"
stop_daemon TERM
thread_state "$H" | grep -q "^$H pol=0 nice=5 " || fail "SIGTERM overwrote the operator's nice"
ok "hand renice respected; other changes restored; never touched again"
