#!/usr/bin/env bash
# The daemon's integration scene once under valgrind (memcheck): a CPU hog and a periodic
# sleeper it has never seen; the hog gets demoted, the sleeper does not; `schedml status` and a
# SIGHUP reload are exercised; SIGTERM restores every original value. Valgrind must report zero
# errors and zero definite/indirect leaks (--error-exitcode), with BPF on: valgrind 3.19 handles
# bpf(2) (only libbpf's partially-initialised attrs are suppressed: valgrind-libbpf.supp). It
# does not know pidfd_open(2) (ENOSYS), so the actuator runs unpinned and checks start times.
source "$(dirname "$0")/lib.sh"
require_root
command -v valgrind >/dev/null || fail "valgrind missing (tools/deps.sh installs it)"

source "$(dirname "$0")/hardening_lib.sh"
VG_ERR=99
mkdir -p "$RT"
make_config "$TMP/config.json"
start_workload 400
hog=$HOG sleeper=$SLEEPER

valgrind --suppressions="$(dirname "$0")/valgrind-libbpf.supp" --leak-check=full \
	--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
	--error-exitcode=$VG_ERR --log-file="$TMP/vg.log" \
	"$SCHEDML" run --foreground -c "$TMP/config.json" -m models/default.json \
	--runtime-dir "$RT" --scope pid:$W >"$TMP/daemon.log" 2>&1 &
D=$!
cleanup_add "kill -TERM $D; sleep 5; kill -KILL $D"

# Valgrind is ~20x slower: start-up (BPF load included) takes seconds.
wait_for 1200 "demoted $hog" || { cat "$TMP/daemon.log"; fail "hog not demoted within 120 s under valgrind: $(describe $hog)"; }
ok "hog demoted under valgrind: $(describe $hog)"
pristine $sleeper || fail "sleeper demoted: $(describe $sleeper)"
ok "sleeper not demoted: $(describe $sleeper)"

for try in 1 2 3 4 5; do # the client waits 5 s: valgrind on a loaded machine can be slower
	timeout 30 "$SCHEDML" status --socket "$RT/schedml.sock" >"$TMP/status" 2>&1 && break
	grep -q "Resource temporarily unavailable" "$TMP/status" || break
done
grep -q "counters:" "$TMP/status" || { cat "$TMP/status" "$TMP/daemon.log"; ls -la "$RT"; fail "status failed"; }
grep -q "counters:" "$TMP/status" || fail "status output: $(cat "$TMP/status")"
kill -HUP $D
wait_for 900 'grep -q "Reloaded config" "$TMP/daemon.log"' || fail "no reload logged after SIGHUP"
ok "status and SIGHUP reload under valgrind"

kill -TERM $D
wait_for 900 "! kill -0 $D 2>/dev/null" || fail "daemon did not exit within 90 s of SIGTERM"
wait $D
rc=$?
pristine $hog && grep -q ':cpu:/$' /proc/$hog/cgroup || fail "hog not restored: $(describe $hog)"
ok "SIGTERM restored the hog"

grep -E "ERROR SUMMARY|definitely lost|indirectly lost|All heap blocks" "$TMP/vg.log" | sed 's/^==[0-9]*== */valgrind: /'
[ "$rc" -ne $VG_ERR ] || { cat "$TMP/vg.log"; fail "valgrind reported errors or leaks"; }
[ "$rc" -eq 0 ] || { tail -n 20 "$TMP/daemon.log"; fail "daemon exited $rc"; }
grep -q "ERROR SUMMARY: 0 errors" "$TMP/vg.log" || { cat "$TMP/vg.log"; fail "valgrind: errors"; }
ok "valgrind: 0 errors, no definite or indirect leaks"
