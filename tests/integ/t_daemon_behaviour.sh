#!/usr/bin/env bash
# Decide by behaviour, never by name, within the reaction goal (median 1 s, worst 2 s from a
# hog's start to its demotion on every thread): a series of hogs whose names were never seen, a
# process that forks its CPU workers after start, and a worker that renames itself while it spins.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
require_root

make_config
build_workloads
cat > "$TMP/late.c" <<'C'
#include <sys/prctl.h>
#include <unistd.h>
#include <time.h>
/* An idle parent that forks 2 spinning workers after 0.6 s; worker 2 renames itself as it spins. */
int main(void) {
	struct timespec ts = { 0, 600000000 };
	nanosleep(&ts, 0);
	for (int i = 0; i < 2; i++)
		if (fork() == 0) {
			volatile unsigned long x = 0;
			char name[16] = "wrk-a";
			for (;;) {
				for (x = 0; x < 20000000; x++) ;
				if (i == 1) { name[4] = name[4] == 'z' ? 'a' : name[4] + 1; prctl(PR_SET_NAME, name); }
			}
		}
	for (;;) pause();
}
C
LATE=$TMP/qx${RANDOM}late
cc -O1 -o "$LATE" "$TMP/late.c" || fail "cannot build the late forker"
start_launcher 60
start_daemon
times=()
for i in 1 2 3 4 5 6; do
	f=$TMP/qx${i}r$RANDOM
	cp "$HOG" "$f"
	t0=$(date +%s%N)
	launch "$f"
	wait_for 30 'h=$(pid_of "$f"); [ -n "$h" ]' || fail "hog $i did not start"
	wait_for 50 "demoted $h" || { thread_state "$h"; tail -5 "$DLOG"; fail "hog $i not demoted within 5 s"; }
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	times+=("$ms")
	echo "hog $i (${f##*/}): demoted on every thread after $ms ms"
	kill -KILL "$h"
	sleep 0.3
done

# Workers forked after start, one renaming itself: judged on their own behaviour.
launch "$LATE"
wait_for 30 'lp=$(pid_of "$LATE"); [ -n "$lp" ]' || fail "late forker did not start"
wait_for 30 '[ "$(pgrep -P "$lp" | wc -l)" -eq 2 ]' || fail "workers did not appear"
t0=$(date +%s%N)
w1=$(pgrep -P "$lp" | sort -n | head -1); w2=$(pgrep -P "$lp" | sort -n | tail -1)
wait_for 50 "demoted $w1 && demoted $w2" || { thread_state "$w1"; thread_state "$w2"; tail -20 "$DLOG"; fail "late workers not demoted"; }
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "late-forked workers (one renaming itself: now '$(cat /proc/$w2/comm)') demoted $ms ms after they appeared"
times+=("$ms")
untouched "$lp" "$CG0" || { thread_state "$lp"; fail "the idle parent was demoted"; }

sorted=$(printf '%s\n' "${times[@]}" | sort -n)
med=$(echo "$sorted" | sed -n "$(( (${#times[@]} + 1) / 2 ))p")
max=$(echo "$sorted" | tail -1)
echo "reaction times (ms): $(echo $sorted); median $med ms, worst $max ms (goal: median 1000, worst 2000)"
stop_daemon TERM
read -r bmed bmax < <(reaction_budget)
[ "$med" -le "$bmed" ] || fail "median reaction $med ms > $bmed ms"
[ "$max" -le "$bmax" ] || fail "worst reaction $max ms > $bmax ms"
ok "median $med ms, worst $max ms"
