#!/usr/bin/env bash
# Acceptance 3: SIGTERM restores every original value (policy, nice, cgroup, slice, timer slack);
# SIGKILL then restart restores them from the state file, before anything else.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
require_root

make_config
build_workloads
printf '%s\n%s\n' "$HOG" "$SLEEPER" > "$TMP/wl.cmds"
start_workload 60
start_daemon
go
wait_for 50 'H=$(pid_of "$HOG"); S=$(pid_of "$SLEEPER"); [ -n "$H" ] && [ -n "$S" ]' || fail "workload did not start"
wait_for 50 "demoted $H" || fail "hog not demoted"
wait_for 30 "! pristine $S" || echo "note: the sleeper was not given the latency treatment"
thread_state "$H"; thread_state "$S"
stop_daemon TERM
for p in "$H" "$S"; do
	pristine "$p" || { thread_state "$p"; fail "SIGTERM left pid $p changed"; }
done
[ ! -e "$RT/state.json" ] || fail "state file left after SIGTERM"
[ ! -d "/sys/fs/cgroup/cpu/$CGNAME" ] && [ ! -d "/sys/fs/cgroup/$CGNAME" ] ||
	fail "the batch cgroup was not removed at exit"
ok "SIGTERM restored policy, nice, cgroup, slice and timer slack"

: > "$DLOG"
start_daemon
wait_for 50 "demoted $H" || fail "hog not demoted (second run)"
sleep 0.5
[ -s "$RT/state.json" ] || fail "no state file while acting"
grep -q "\"tgid\":$H" "$RT/state.json" || fail "state file does not list the hog"
stop_daemon KILL
demoted "$H" || fail "hog restored without anyone doing it?"
# Restart confined to a process that is not the workload: all it does is restore from the file.
bg_bounded 30 sleep 30
other=$BG_PID
: > "$DLOG"
"$SCHEDML" run --foreground -c "$TMP/config.json" --runtime-dir "$RT" --scope "pid:$other" >>"$DLOG" 2>&1 &
DPID=$!
cleanup_add "kill -TERM $DPID"
wait_for 100 "grep -q 'started:' '$DLOG'" || { cat "$DLOG"; fail "restart failed"; }
cat "$DLOG" | grep -i restor
grep -q "Restored [1-9][0-9]* process(es) changed by a previous instance" "$DLOG" || fail "no restore logged"
# The restore happens before the start line (before BPF attach).
[ "$(grep -n 'Restored' "$DLOG" | cut -d: -f1)" -lt "$(grep -n 'started:' "$DLOG" | cut -d: -f1)" ] ||
	fail "restore did not come first"
for p in "$H" "$S"; do
	pristine "$p" || { thread_state "$p"; fail "restart did not restore pid $p"; }
done
stop_daemon TERM
ok "SIGKILL + restart restored every value from the state file"
