#!/usr/bin/env bash
# Acceptance 5: SIGHUP with a corrupt model (or a bad config) keeps the old model and config, and
# the daemon keeps working; a good one is taken.
. "$(dirname "$0")/lib.sh"
cp models/default.json "$TMP/model.json" 2>/dev/null
MODEL=$TMP/model.json
. "$(dirname "$0")/daemon_lib.sh"
require_root

make_config
build_workloads
printf '%s\n' "$HOG" > "$TMP/wl.cmds"
start_workload 60
start_daemon
go
wait_for 50 'H=$(pid_of "$HOG"); [ -n "$H" ]' || fail "workload did not start"
wait_for 50 "demoted $H" || fail "hog not demoted"

echo '{"format_version": 1, "kind": "tree", "nodes": [' > "$TMP/model.json"
kill -HUP "$DPID"
wait_for 30 "grep -q 'Reload rejected' '$DLOG'" || { cat "$DLOG"; fail "corrupt model not rejected"; }
grep 'Reload rejected' "$DLOG"
grep 'Reload rejected' "$DLOG" | grep -q "$TMP/model.json" || fail "rejection does not name the model file"
kill -0 "$DPID" || fail "daemon died"
demoted "$H" || fail "hog no longer demoted after a rejected reload"
# Still working: pause restores, resume demotes again (which needs scoring with the old model).
"$SCHEDML" pause --runtime-dir "$RT" >/dev/null || fail "pause failed"
pristine "$H" || untouched "$H" "$CG0" || fail "pause did not restore"
"$SCHEDML" resume --runtime-dir "$RT" >/dev/null || fail "resume failed"
wait_for 40 "demoted $H" || fail "daemon stopped working after a rejected reload"
ok "corrupt model rejected, old model kept, daemon working"

# A bad config: rejected, naming the key.
sed 's/"confirm_ticks": 2/"confirm_tiks": 2/' "$TMP/config.json" > "$TMP/config.bad"
cp "$TMP/config.json" "$TMP/config.good"
cp "$TMP/config.bad" "$TMP/config.json"
kill -HUP "$DPID"
wait_for 30 "grep -q 'Reload rejected.*confirm_tiks' '$DLOG'" || { cat "$DLOG"; fail "bad config not rejected"; }
cp "$TMP/config.good" "$TMP/config.json"

# A good model again: taken.
cp models/default.json "$TMP/model.json"
kill -HUP "$DPID"
wait_for 30 "grep -q 'Reloaded config' '$DLOG'" || { cat "$DLOG"; fail "good reload not taken"; }
daemon_status | grep -q "reloads=1" || fail "reload not counted"
demoted "$H" || fail "hog not demoted after a good reload"
stop_daemon TERM
untouched "$H" "$CG0" || fail "not restored at exit"
ok "bad config rejected naming the key; good reload taken"
