# Sourced by tests/integ/t_*.sh. Helpers for root integration tests.
# Every test: set -u; source lib.sh; require_root; use `cleanup_add` for whatever must be undone.
set -u
SCHEDML=${SCHEDML:-build/schedml}
TMP=$(mktemp -d /tmp/schedml-test.XXXXXX)
_cleanups=()

cleanup_add() { _cleanups+=("$*"); }
_run_cleanups() {
	local i
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do eval "${_cleanups[$i]}" >/dev/null 2>&1 || true; done
	rm -rf "$TMP"
}
trap _run_cleanups EXIT
trap 'exit 130' INT TERM

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }

require_root() { [ "$(id -u)" -eq 0 ] || skip "needs root"; }

# Start a command in the background bounded by timeout; its pid in $BG_PID; killed at exit.
# timeout(1) makes itself a process-group leader and signals that group, so at exit the whole
# group is killed (killing only timeout's pid would orphan the command).
bg_bounded() { # seconds cmd...
	local secs=$1; shift
	timeout -s KILL "$secs" "$@" &
	local p=$!
	cleanup_add "kill -KILL -- -$p 2>/dev/null; kill -KILL $p"
	BG_PID=$p
}

# Wait until a condition (a shell snippet) holds, up to N deciseconds.
wait_for() { # deciseconds snippet
	local n=$1; shift
	while [ "$n" -gt 0 ]; do
		eval "$*" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

nice_of() { ps -o ni= -p "$1" | tr -d ' '; }
policy_of() { chrt -p "$1" 2>/dev/null | sed -n 's/.*policy: //p'; }

# Remove (cgroup) directories that may still hold tasks being killed: retry for up to 5 s.
rmdir_retry() {
	local d i
	for d in "$@"; do
		[ -d "$d" ] || continue
		for ((i = 0; i < 50; i++)); do rmdir "$d" 2>/dev/null && break; sleep 0.1; done
	done
}
