#!/usr/bin/env bash
# Faults in the tasks schedml acts on:
#  1. tasks exiting between scoring and acting (a storm of short-lived hogs): no error counted,
#     no pid complained about twice, the daemon keeps going;
#  2. PID reuse: the demoted hog is killed and its pid handed (ns_last_pid) to a new, unrelated
#     process: schedml never touches it, not while running and not when restoring at exit;
#  3. the batch cgroup removed under us (the operator moves the hog out and removes it): the
#     daemon backs off from the hog once, keeps running, exits cleanly;
#  4. cgroup files read-only (a read-only bind mount over the batch cgroup): one warning, the
#     cgroup lever off, the other levers still demote the hog.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/hardening_lib.sh"
require_root

make_config "$TMP/config.json"
cg_dir() { sed -n 's/.*lever cgroup: .* at \(\/[^ ]*\).*/\1/p' "$1" | head -1; }

# ---- 1. exits between scoring and acting ----
setsid bash -c "for i in \$(seq 1 60); do timeout -s KILL 1.\$((RANDOM % 9)) sh -c 'while :; do :; done' & sleep 0.15; done; wait" &
W=$!
cleanup_add "pkill -KILL -s $W"
start_daemon "$TMP/1.log" -c "$TMP/config.json"
wait_for 150 "! kill -0 $W 2>/dev/null" || fail "fork storm did not end"
sleep 1
kill -0 "$D" || fail "daemon died in the exit storm"
errs=$(counter errors)
dup=$(grep -oE '(warning|error): .*pid [0-9]+' "$TMP/1.log" | grep -oE 'pid [0-9]+' | sort | uniq -d | head -3)
stop_daemon
[ "$DRC" -eq 0 ] || fail "daemon exited $DRC"
[ "$errs" = 0 ] || { grep -E 'warning|error' "$TMP/1.log" | head; fail "exiting tasks counted as errors: $errs"; }
[ -z "$dup" ] || fail "complained more than once about: $dup"
ok "60 short-lived hogs: $(grep -c 'neutral -> batch' "$TMP/1.log") demotions, $(grep -cE 'warning|error' "$TMP/1.log") warnings, 0 errors, none repeated"

# ---- 2. PID reuse ----
start_workload 120
start_daemon "$TMP/2.log" -c "$TMP/config.json"
wait_for 100 "demoted $HOG" || { cat "$TMP/2.log"; fail "hog not demoted"; }
P=$HOG
kill -KILL "$P"
wait_for 30 "[ ! -e /proc/$P ]" || fail "hog $P did not die"
R=
for try in $(seq 1 50); do
	echo $((P - 1)) >/proc/sys/kernel/ns_last_pid
	bash -c 'exec sleep 60' &
	r=$!
	if [ "$r" = "$P" ]; then R=$r; break; fi
	kill -KILL "$r"
done
[ -n "$R" ] || fail "could not get pid $P reused (50 tries)"
cleanup_add "kill -KILL $R"
renice -n 7 -p "$R" >/dev/null
sleep 3
[ "$(nice_raw "$R")" = 7 ] && [ "$(policy_raw "$R")" = 0 ] || fail "reused pid $R changed while running: $(describe $R)"
grep -q ':cpu:/$' "/proc/$R/cgroup" || fail "reused pid $R moved: $(describe $R)"
stop_daemon
[ "$DRC" -eq 0 ] || fail "daemon exited $DRC"
[ "$(nice_raw "$R")" = 7 ] && [ "$(policy_raw "$R")" = 0 ] && grep -q ':cpu:/$' "/proc/$R/cgroup" ||
	fail "exit restore touched the process that reused pid $P: $(describe $R)"
ok "pid $P reused by an unrelated process: never touched (still $(describe $R))"
kill -KILL "$R"; pkill -KILL -s "$W"

# ---- 3. the batch cgroup removed under us ----
start_workload 120
start_daemon "$TMP/3.log" -c "$TMP/config.json"
wait_for 100 "demoted $HOG" || { cat "$TMP/3.log"; fail "hog not demoted"; }
cg=$(cg_dir "$TMP/3.log")
[ -n "$cg" ] && [ -d "$cg/$CGNAME" ] || fail "no batch cgroup $cg/$CGNAME"
echo "$HOG" >"$cg/cgroup.procs"
rmdir "$cg/$CGNAME" || fail "could not remove $cg/$CGNAME"
sleep 3
kill -0 "$D" || fail "daemon died when its cgroup was removed"
n=$(grep -c "pid $HOG " "$TMP/3.log")
grep -q "pid $HOG .*backing off" "$TMP/3.log" || { tail "$TMP/3.log"; fail "no back-off from the hog"; }
[ "$(grep -c "pid $HOG .*backing off" "$TMP/3.log")" -eq 1 ] || fail "back-off logged more than once"
stop_daemon
[ "$DRC" -eq 0 ] || fail "daemon exited $DRC"
ok "batch cgroup removed under us: backed off once ($n lines about the hog), clean exit"
pkill -KILL -s "$W"

# ---- 4. cgroup files read-only ----
start_workload 120
cgroot=$(cg_dir "$TMP/3.log")
mkdir -p "$cgroot/$CGNAME"
mount --bind -o ro "$cgroot/$CGNAME" "$cgroot/$CGNAME" 2>/dev/null ||
	{ mount --bind "$cgroot/$CGNAME" "$cgroot/$CGNAME" && mount -o remount,bind,ro "$cgroot/$CGNAME"; } ||
	fail "cannot bind-mount $cgroot/$CGNAME read-only"
cleanup_add "umount -l $cgroot/$CGNAME"
echo 2 2>/dev/null >"$cgroot/$CGNAME/cpu.shares" && fail "the bind mount is not read-only"
start_daemon "$TMP/4.log" -c "$TMP/config.json"
wait_for 100 "demoted $HOG" || { cat "$TMP/4.log"; fail "read-only cgroup files: hog not demoted by the other levers"; }
sleep 2
[ "$(grep -c 'batch cgroup' "$TMP/4.log")" -eq 1 ] || { cat "$TMP/4.log"; fail "expected one warning about the batch cgroup"; }
grep -q "warning: Failed to set up the batch cgroup.*Read-only file system; cgroup lever off" "$TMP/4.log" ||
	{ grep 'batch cgroup' "$TMP/4.log"; fail "warning does not say why"; }
grep -q ':cpu:/$' "/proc/$HOG/cgroup" || fail "hog moved although the cgroup lever is off"
stop_daemon
[ "$DRC" -eq 0 ] || fail "daemon exited $DRC"
pristine "$HOG" || fail "SIGTERM did not restore the hog: $(describe $HOG)"
ok "read-only cgroup files: one warning ('$(grep 'batch cgroup' "$TMP/4.log" | sed 's/^schedml: //')'), demoted by the other levers, restored"
