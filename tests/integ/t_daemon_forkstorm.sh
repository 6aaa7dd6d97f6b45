#!/usr/bin/env bash
# A make -j like fork storm under a name schedml has never seen: the parent sleeps in wait() while
# it keeps forking CPU-bound jobs that live 5-60 ms, too briefly to be judged one by one. Their CPU
# is credited to the parent (feature child_cpu_share), so the parent is demoted within 2 s, and the
# jobs it forks afterwards inherit the demotion (cgroup, SCHED_IDLE, nice 19). A periodic sleeper
# beside it is not demoted; SIGTERM restores the parent.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
require_root
[ -x "$OUT/bench/forkstorm" ] || fail "$OUT/bench/forkstorm not built (make all)"

make_config
build_workloads
MK=$TMP/qx${RANDOM}mk
cp "$OUT/bench/forkstorm" "$MK"
printf '%s\n%s\n' "$MK -j 2 -d 30" "$SLEEPER" > "$TMP/wl.cmds"
start_workload 40
start_daemon
cg0=$(cpu_cgroup_of /proc/$$/cgroup | head -1)
go
wait_for 50 'M=$(pid_of "$MK"); S=$(pid_of "$SLEEPER"); [ -n "$M" ] && [ -n "$S" ]' || fail "workload did not start"
wait_for 50 "demoted $M" || { thread_state "$M"; cat "$DLOG"; fail "fork-storm parent not demoted within 5 s"; }
ms=$(( ($(date +%s%N) - GO_NS) / 1000000 ))
echo "fork-storm parent demoted $ms ms after it started (goal: 2000 ms)"
read -r _ bmax < <(reaction_budget)
[ "$ms" -le "$bmax" ] || fail "fork-storm parent demoted after $ms ms (> $bmax ms)"
grep -q "pid $M (${MK##*/}): .*-> batch.*fork storm" "$DLOG" || { cat "$DLOG"; fail "no fork-storm decision logged"; }

# Jobs forked from now on start demoted: sample them (one read of /proc/<pid>/stat each: they live
# 5-60 ms) for policy (field 41) and nice (field 19).
# Jobs forked before the demotion live on for up to ~60 ms of CPU: let them finish first.
sleep 0.3
seen=0
for i in $(seq 1 200); do
	for c in $(pgrep -P "$M"); do
		st=$(cat "/proc/$c/stat" 2>/dev/null) || continue
		set -- ${st##*) }
		[ -n "${39:-}" ] || continue
		[ "${39}" = 5 ] && [ "${17}" = 19 ] || fail "job $c: policy ${39} nice ${17}, not demoted"
		seen=$((seen + 1))
	done
	[ "$seen" -ge 5 ] && break
	sleep 0.01
done
[ "$seen" -ge 5 ] || fail "saw only $seen jobs"
ok "$seen jobs forked after the demotion inherited it"
untouched "$S" "$cg0" || { thread_state "$S"; fail "sleeper was demoted"; }
ok "sleeper untouched"

stop_daemon TERM
[ "$DRC" -eq 0 ] || fail "daemon exit $DRC"
untouched "$M" "$cg0" || { thread_state "$M"; fail "SIGTERM did not restore the fork-storm parent"; }
ok "SIGTERM restored the parent"
