#!/usr/bin/env bash
# Fault: the model file is replaced by garbage, emptied, cut short, made huge, turned into a
# directory, replaced by JSON that is not a model, or deleted while the daemon runs; each time
# SIGHUP is rejected with one error line naming the file, the old model stays in force (status
# still names it, and after pause/resume the hog is demoted again, which needs scoring), and
# the daemon keeps running. (t_daemon_reload.sh covers a truncated JSON model and a bad config.)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/hardening_lib.sh"
require_root

MODEL=$TMP/model.json
cp models/default.json "$MODEL"
name=$(sed -n 's/^  "name": "\(.*\)",$/\1/p' "$MODEL")
[ -n "$name" ] || fail "cannot read the shipped model's name"
make_config "$TMP/config.json"
start_workload 120
mkdir -p "$RT"
"$SCHEDML" run --foreground -c "$TMP/config.json" -m "$MODEL" --runtime-dir "$RT" --scope "pid:$W" >"$TMP/d.log" 2>&1 &
D=$!
cleanup_add "kill -TERM $D; sleep 2; kill -KILL $D"
wait_for 100 "demoted $HOG" || { cat "$TMP/d.log"; fail "hog not demoted"; }

bad_models() { # the variants, one per call: $1 = index; returns 1 past the end
	rm -rf "$MODEL"
	case $1 in
	0) head -c 3000 /dev/urandom >"$MODEL"; echo "random bytes" ;;
	1) : >"$MODEL"; echo "empty file" ;;
	2) head -c 200 models/default.json >"$MODEL"; echo "first 200 bytes" ;;
	3) { printf '{"format_version": 1, "kind": "tree", "description": "'; head -c $((5 << 20)) /dev/zero | tr '\0' a; printf '"}'; } >"$MODEL"; echo "5 MiB" ;;
	4) mkdir "$MODEL"; echo "a directory" ;;
	5) cp systemd/config.json "$MODEL"; echo "a config, not a model" ;;
	6) echo "deleted" ;;
	*) return 1 ;;
	esac
}
i=0
while what=$(bad_models $i); do
	before=$(grep -c "Reload rejected" "$TMP/d.log")
	kill -HUP "$D"
	wait_for 50 "[ \$(grep -c 'Reload rejected' '$TMP/d.log') -gt $before ]" || { tail "$TMP/d.log"; fail "$what: reload not rejected"; }
	sleep 0.3
	[ "$(grep -c 'Reload rejected' "$TMP/d.log")" -eq $((before + 1)) ] || fail "$what: rejected more than once"
	line=$(grep "Reload rejected" "$TMP/d.log" | tail -1)
	case $line in *"$MODEL"*) ;; *) fail "$what: the error does not name the file: $line" ;; esac
	kill -0 "$D" 2>/dev/null || fail "$what: daemon died"
	status_of | grep -q "($name)" || { status_of | head -3; fail "$what: status no longer shows model $name"; }
	demoted "$HOG" || fail "$what: hog no longer demoted"
	ok "$what: ${line#*: }"
	i=$((i + 1))
done
rm -rf "$MODEL"

# The old model still scores: pause restores, resume demotes again.
"$SCHEDML" pause --socket "$RT/schedml.sock" >/dev/null || fail "pause failed"
wait_for 30 "pristine $HOG" || fail "pause did not restore: $(describe $HOG)"
"$SCHEDML" resume --socket "$RT/schedml.sock" >/dev/null || fail "resume failed"
wait_for 50 "demoted $HOG" || fail "the old model does not score any more"
[ "$(counter reloads)" = 0 ] || fail "a bad reload was counted as taken"
ok "7 bad models rejected, old model scoring, reloads=0"
stop_daemon
[ "$DRC" -eq 0 ] || fail "daemon exited $DRC"
pristine "$HOG" || fail "SIGTERM did not restore the hog: $(describe $HOG)"
