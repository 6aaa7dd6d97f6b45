#!/usr/bin/env bash
# Fault: the runtime directory is unusable. Read-only at start: with state.required (the default)
# one clear error, exit 1, nothing changed; with state.required=false a warning and the daemon
# acts without a state file. Disk full while running: with state.required, one error, every
# change restored, no acting until the state file can be written, then acting again; with
# state.required=false one warning and acting on. (tmpfs mounts: a read-only one, a 16k one.)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/hardening_lib.sh"
require_root

mk_tmpfs() { # dir options
	mkdir -p "$1"
	mount -t tmpfs -o "$2" tmpfs "$1" || fail "cannot mount a tmpfs on $1"
	cleanup_add "umount -l $1"
}
make_config "$TMP/req.json"
make_config "$TMP/noreq.json" 's/"required": true/"required": false/'
grep -q '"required": false' "$TMP/noreq.json" || fail "could not derive a state.required=false config"
start_workload 150
run_daemon() { # log config runtime-dir [args]
	local log=$1 cfg=$2 dir=$3; shift 3
	"$SCHEDML" run --foreground -c "$cfg" -m models/default.json --runtime-dir "$dir" \
		--socket "$TMP/s.sock" --scope "pid:$W" "$@" >"$log" 2>&1 &
	D=$!
	cleanup_add "kill -TERM $D; sleep 2; kill -KILL $D"
}
sock_status() { timeout 10 "$SCHEDML" status --socket "$TMP/s.sock" 2>&1; }

# 1. Read-only, state.required: refuses to start.
mk_tmpfs "$TMP/ro" ro,size=64k
timeout 30 "$SCHEDML" run --foreground -c "$TMP/req.json" -m models/default.json --runtime-dir "$TMP/ro" \
	--socket "$TMP/s.sock" --scope "pid:$W" >"$TMP/1.log" 2>&1
rc=$?
[ "$rc" -eq 1 ] || { cat "$TMP/1.log"; fail "read-only runtime dir, state.required: exit $rc, expected 1"; }
[ "$(grep -c 'error:' "$TMP/1.log")" -eq 1 ] && grep -q "error: .*$TMP/ro.*Read-only file system" "$TMP/1.log" ||
	{ cat "$TMP/1.log"; fail "expected one error naming $TMP/ro and the reason"; }
pristine "$HOG" && pristine "$SLEEPER" || fail "a refused start changed a task"
ok "read-only, state.required: '$(grep error: "$TMP/1.log")', exit 1, nothing changed"

# 2. Read-only, state.required=false: acts without a state file.
run_daemon "$TMP/2.log" "$TMP/noreq.json" "$TMP/ro"
wait_for 100 "demoted $HOG" || { cat "$TMP/2.log"; fail "state.required=false: not acting"; }
grep -q "warning: State directory $TMP/ro unusable" "$TMP/2.log" || { cat "$TMP/2.log"; fail "no warning about the state directory"; }
grep -q "without state file" "$TMP/2.log" || fail "start line does not say 'without state file'"
[ -z "$(ls -A "$TMP/ro")" ] || fail "something was written to the read-only dir"
stop_daemon
pristine "$HOG" || fail "SIGTERM did not restore the hog: $(describe $HOG)"
ok "read-only, state.required=false: warning, acted without a state file, restored at exit"

# 3. Disk full while running, state.required: one error, changes restored, acting resumes later.
mk_tmpfs "$TMP/full" size=16k,mode=0700
run_daemon "$TMP/3.log" "$TMP/req.json" "$TMP/full"
wait_for 100 'grep -qs "started: acting" "$TMP/3.log"' || { cat "$TMP/3.log"; fail "did not start"; }
dd if=/dev/zero of="$TMP/full/fill" bs=1k 2>/dev/null
echo x 2>/dev/null >"$TMP/full/probe" && fail "could not fill the tmpfs"
wait_for 100 'grep -q "Failed to write state file" "$TMP/3.log"' || { cat "$TMP/3.log"; fail "disk full not noticed"; }
sleep 2
[ "$(grep -c 'Failed to write state file' "$TMP/3.log")" -eq 1 ] || fail "the state file error repeated"
grep -q "error: Failed to write state file.*No space left on device" "$TMP/3.log" || fail "error does not say why"
pristine "$HOG" || fail "disk full, state.required: the hog stays changed without crash recovery: $(describe $HOG)"
kill -0 "$D" || fail "daemon died on a full disk"
ok "disk full, state.required: one error, hog restored, daemon alive"
rm -f "$TMP/full/fill"
wait_for 100 "demoted $HOG" || { tail "$TMP/3.log"; fail "not acting again once the state file can be written"; }
grep -q "written again: acting again" "$TMP/3.log" || fail "recovery not logged"
[ -s "$TMP/full/state.json" ] || fail "no state file after recovery"
stop_daemon
pristine "$HOG" || fail "SIGTERM did not restore the hog: $(describe $HOG)"
ok "space back: acting again with a state file, restored at exit"

# 4. Disk full, state.required=false: one warning, acting on.
rm -f "$TMP/full/"*
run_daemon "$TMP/4.log" "$TMP/noreq.json" "$TMP/full"
wait_for 100 'grep -qs "started: acting" "$TMP/4.log"' || { cat "$TMP/4.log"; fail "did not start"; }
dd if=/dev/zero of="$TMP/full/fill" bs=1k 2>/dev/null
wait_for 100 "demoted $HOG" || { cat "$TMP/4.log"; fail "state.required=false, disk full: not acting"; }
sleep 2
demoted "$HOG" || fail "state.required=false, disk full: stopped acting"
[ "$(grep -c 'Failed to write state file' "$TMP/4.log")" -le 1 ] || fail "the state file warning repeated"
stop_daemon
pristine "$HOG" || fail "SIGTERM did not restore the hog: $(describe $HOG)"
ok "disk full, state.required=false: acted on, restored at exit"
