#!/usr/bin/env bash
# Fault: BPF unavailable at start (SCHEDML_REFUSE_BPF=1 simulates it). Auto source: one warning,
# /proc snapshots, and the daemon keeps acting (the hog is demoted, SIGTERM restores it).
# Forced BPF (--source bpf): one clear error line, exit 1, nothing changed.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/hardening_lib.sh"
require_root

make_config "$TMP/config.json"
start_workload 90

SCHEDML_REFUSE_BPF=1 start_daemon "$TMP/auto.log" -c "$TMP/config.json"
wait_for 100 'grep -qs "started: acting" "$TMP/auto.log"' || { cat "$TMP/auto.log"; fail "daemon did not start"; }
[ "$(grep -c 'BPF unavailable' "$TMP/auto.log")" -eq 1 ] || { cat "$TMP/auto.log"; fail "expected exactly one 'BPF unavailable' warning"; }
grep -q "warning: BPF unavailable" "$TMP/auto.log" || fail "the fallback is not logged as a warning"
status_of | grep -q "source proc" || { status_of; fail "status does not say source proc"; }
ok "refused BPF: one warning, source proc"
wait_for 150 "demoted $HOG" || { cat "$TMP/auto.log"; fail "hog not demoted in /proc mode: $(describe $HOG)"; }
pristine "$SLEEPER" || fail "sleeper demoted: $(describe $SLEEPER)"
ok "keeps acting from /proc snapshots: $(describe $HOG)"
stop_daemon
[ "$DRC" -eq 0 ] || fail "daemon exited $DRC"
pristine "$HOG" || fail "SIGTERM did not restore the hog: $(describe $HOG)"
[ "$(grep -c 'BPF unavailable' "$TMP/auto.log")" -eq 1 ] || fail "the warning repeated"
ok "SIGTERM restored the hog"

SCHEDML_REFUSE_BPF=1 timeout 30 "$SCHEDML" run --foreground -c "$TMP/config.json" -m models/default.json \
	--runtime-dir "$RT" --scope "pid:$W" --source bpf >"$TMP/forced.log" 2>&1
rc=$?
[ "$rc" -eq 1 ] || { cat "$TMP/forced.log"; fail "forced BPF while refused: exit $rc, expected 1"; }
grep -q "error: .*tracer" "$TMP/forced.log" || { cat "$TMP/forced.log"; fail "no clear error line"; }
[ "$(grep -c 'error:' "$TMP/forced.log")" -eq 1 ] || { cat "$TMP/forced.log"; fail "expected one error line"; }
pristine "$HOG" && pristine "$SLEEPER" || fail "forced-BPF failure changed a task"
[ ! -e "$RT/state.json" ] || fail "a failed start left a state file"
ok "forced BPF while refused: '$(grep 'error:' "$TMP/forced.log")', exit 1, nothing changed"
