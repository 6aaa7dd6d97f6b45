#!/usr/bin/env bash
# Acceptance 1: `schedml run --foreground` with the shipped model, then a CPU hog (3 threads) and a
# periodic sleeper it has never seen by name: within 2 s the hog is demoted on every thread
# (SCHED_IDLE, nice 19, the batch cgroup: the shipped config) and the sleeper is not.
# Also: pause restores, resume re-demotes, status reports, malformed requests are refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
require_root

make_config
build_workloads
printf '%s\n%s\n' "$HOG" "$SLEEPER" > "$TMP/wl.cmds"
start_workload 40
start_daemon
cg0=$(cpu_cgroup_of /proc/$$/cgroup | head -1)
go
wait_for 50 'H=$(pid_of "$HOG"); S=$(pid_of "$SLEEPER"); [ -n "$H" ] && [ -n "$S" ]' || fail "workload did not start"
wait_for 50 "demoted $H" || { thread_state "$H"; cat "$DLOG"; fail "hog not demoted within 5 s"; }
ms=$(( ($(date +%s%N) - GO_NS) / 1000000 ))
echo "hog demoted on every thread $ms ms after it started (goal: 2000 ms)"
thread_state "$H"
[ "$(ls /proc/$H/task | wc -l)" -eq 3 ] || fail "hog should have 3 threads"
read -r _ bmax < <(reaction_budget)
[ "$ms" -le "$bmax" ] || fail "hog demoted after $ms ms (> $bmax ms)"
grep -q "pid $H (${HOG##*/}): neutral -> batch" "$DLOG" || fail "no decision logged for the hog"

# The sleeper is never demoted (it may get the latency treatment: slice/timer slack only).
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	untouched "$S" "$cg0" || { thread_state "$S"; fail "sleeper was demoted"; }
	sleep 0.1
done
ok "sleeper left at SCHED_OTHER / nice 0 / its cgroup"

# status: tracked tasks with class and reason, counters, model.
daemon_status > "$TMP/status.txt" || fail "status failed"
cat "$TMP/status.txt"
grep -q "^ *$H .* batch " "$TMP/status.txt" || fail "status does not list the hog as batch"
grep -q "counters:.*events=[1-9]" "$TMP/status.txt" || fail "status has no event counter"
grep -q "default" "$TMP/status.txt" || fail "status does not name the model"
daemon_status --json | grep -q '"decisions_in_force":[ ]*[1-9]' || fail "status --json lacks decisions"

# Malformed requests are refused without harm.
python3 - "$RT/schedml.sock" <<'PY' || fail "malformed request not refused"
import socket, sys
for req in (b"\x00\xff garbage\n", b"status" * 100, b"\n", b"pause now\n"):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(req)
    r = s.recv(65536); s.close()
    assert b'"ok":false' in r or b'"ok": false' in r, r
PY
kill -0 "$DPID" || fail "daemon died on a malformed request"

# pause restores every original value without stopping; resume acts again.
"$SCHEDML" pause --runtime-dir "$RT" || fail "pause failed"
untouched "$H" "$cg0" || { thread_state "$H"; fail "pause did not restore the hog"; }
daemon_status | grep -q PAUSED || fail "status does not say paused"
sleep 1
untouched "$H" "$cg0" || fail "schedml acted while paused"
"$SCHEDML" resume --runtime-dir "$RT" || fail "resume failed"
wait_for 40 "demoted $H" || fail "hog not demoted again after resume"
ok "pause restored, resume re-demoted"

stop_daemon TERM
[ "$DRC" -eq 0 ] || fail "daemon exit code $DRC"
untouched "$H" "$cg0" || { thread_state "$H"; fail "SIGTERM did not restore the hog"; }
[ ! -e "$RT/state.json" ] || fail "state file left after a clean exit"
ok "reaction $ms ms; SIGTERM restored"
