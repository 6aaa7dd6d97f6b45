#!/usr/bin/env bash
# Acceptance 2: --dry-run on the same scene (a new CPU hog and a periodic sleeper) changes no
# task's nice, policy, cgroup, slice or timer slack, and logs the changes it would have made.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
require_root

make_config
build_workloads
printf '%s\n%s\n' "$HOG" "$SLEEPER" > "$TMP/wl.cmds"
start_workload 30
start_daemon --dry-run -v
go
wait_for 50 'H=$(pid_of "$HOG"); S=$(pid_of "$SLEEPER"); [ -n "$H" ] && [ -n "$S" ]' || fail "workload did not start"
wait_for 50 "grep -q 'dry-run: would change pid $H ' '$DLOG'" || { cat "$DLOG"; fail "no would-be change logged for the hog"; }
grep "dry-run: would change pid $H " "$DLOG" | grep -q "action: cgroup=batch policy=idle nice=19" ||
	fail "the would-be change does not name the action"
grep -q "pid $H features: cpu_share=" "$DLOG" || fail "no features logged with -v"
grep -q "pid $H explain: " "$DLOG" || fail "no explanation logged with -v"
# Over 3 s (12 ticks) nothing changes on any thread of the workload.
for i in $(seq 1 15); do
	for p in "$H" "$S"; do
		pristine "$p" || { thread_state "$p"; fail "dry run changed pid $p"; }
	done
	sleep 0.2
done
[ ! -d "/sys/fs/cgroup/cpu/$CGNAME" ] && [ ! -d "/sys/fs/cgroup/unified/$CGNAME" ] && [ ! -d "/sys/fs/cgroup/$CGNAME" ] ||
	fail "dry run created the batch cgroup"
[ ! -e "$RT/state.json" ] || fail "dry run wrote a state file"
daemon_status | grep -q "dry-run" || fail "status does not say dry-run"
stop_daemon TERM
[ "$DRC" -eq 0 ] || fail "exit code $DRC"
grep "dry-run: would change" "$DLOG" | head -5
ok "dry run logged $(grep -c 'dry-run: would change' "$DLOG") would-be change(s) and changed nothing"
