#!/usr/bin/env bash
# Fault: ring buffer overflow under an event storm. The smallest ring (ringbuf_size 4k) and
# hackbench (400 tasks passing messages): drops are counted (status drops=) and reported (one
# warning, rate-limited to one a minute), the daemon neither crashes nor stalls (its control
# loop keeps at least half its idle tick rate), its CPU use stays bounded (< 50% of one CPU over
# the storm), and it still acts: the hog stays demoted and SIGTERM restores it.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/hardening_lib.sh"
require_root
command -v hackbench >/dev/null || fail "hackbench missing (Debian package rt-tests)"

make_config "$TMP/config.json" 's/"ringbuf_size": "8M"/"ringbuf_size": "4k"/'
grep -q '"ringbuf_size": "4k"' "$TMP/config.json" || fail "could not set ringbuf_size"
start_workload 120
start_daemon "$TMP/d.log" -c "$TMP/config.json"
wait_for 100 "demoted $HOG" || { cat "$TMP/d.log"; fail "hog not demoted"; }

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$D/stat"; }
hz=$(getconf CLK_TCK)
ta=$(counter ticks); sleep 3; tb=$(counter ticks)
d0=$(counter drops); e0=$(counter events); c0=$(cpu_ticks); s0=$(date +%s%N)
timeout -s KILL 20 hackbench -g 10 -l 20000 -s 64 >/dev/null 2>&1 &
hb=$!
cleanup_add "kill -KILL $hb"
sleep 10
kill -0 "$D" 2>/dev/null || fail "daemon died in the storm"
tc=$(counter ticks); d1=$(counter drops); e1=$(counter events); c1=$(cpu_ticks); s1=$(date +%s%N)
kill -KILL $hb 2>/dev/null; wait $hb 2>/dev/null

wall_ms=$(( (s1 - s0) / 1000000 ))
cpu_pct=$(( (c1 - c0) * 100000 / hz / wall_ms ))
echo "storm: ${wall_ms} ms, events +$((e1 - e0)), drops +$((d1 - d0)), daemon CPU ${cpu_pct}% of one CPU, ticks $tb -> $tc"
[ $((d1 - d0)) -gt 0 ] || fail "no drops counted: the storm did not overflow a 4k ring?"
wait_for 50 'grep -q "warning: Ring buffer full" "$TMP/d.log"' || fail "drops not reported in the log"
[ "$(grep -c 'Ring buffer full' "$TMP/d.log")" -eq 1 ] || fail "the drop warning is not rate-limited"
ok "drops counted (+$((d1 - d0))) and reported once: $(grep 'Ring buffer full' "$TMP/d.log" | sed 's/^schedml: //')"
[ "$cpu_pct" -lt 50 ] || fail "daemon CPU ${cpu_pct}% of one CPU during the storm"
base=$(( (tb - ta) * 100000 / 3000 ))
during=$(( (tc - tb) * 100000 / wall_ms ))
[ $((during * 2)) -ge "$base" ] || fail "control loop stalled: $during vs $base ticks/100 s"
ok "daemon CPU ${cpu_pct}% of one CPU, tick rate $((during * 100 / base))% of idle"
demoted "$HOG" || fail "hog no longer demoted after the storm: $(describe $HOG)"
pristine "$SLEEPER" || fail "sleeper demoted: $(describe $SLEEPER)"
stop_daemon
[ "$DRC" -eq 0 ] || fail "daemon exited $DRC"
pristine "$HOG" || fail "SIGTERM did not restore the hog: $(describe $HOG)"
ok "still acting after the storm, SIGTERM restored the hog"
