# Sourced by the hardening tests (t_fault_*, t_valgrind_daemon, t_privs_*, t_status_socket_*)
# after lib.sh. A workload of our own for schedml to act on (--scope pid:$W), and daemon helpers.

# start_workload SECS: W (parent), HOG (a CPU hog), SLEEPER (a 100 Hz sleeper); killed at exit.
start_workload() {
	local secs=$1
	rm -f "$TMP/hog.pid" "$TMP/sleeper.pid"
	# Its own session (setsid), killed whole at exit (timeout makes its own process group, and
	# SIGKILL on a timeout does not reach the command it runs).
	setsid bash -c "
		timeout -s KILL $secs bash -c 'echo \$\$ > $TMP/hog.pid; exec sh -c \"while :; do :; done\"' &
		timeout -s KILL $secs bash -c 'echo \$\$ > $TMP/sleeper.pid; while :; do sleep 0.01; done' &
		wait" &
	W=$!
	cleanup_add "pkill -KILL -s $W"
	wait_for 50 '[ -s "$TMP/hog.pid" ] && [ -s "$TMP/sleeper.pid" ]' || fail "workload did not start"
	HOG=$(cat "$TMP/hog.pid")
	SLEEPER=$(cat "$TMP/sleeper.pid")
}

# start_daemon LOG ARGS...: schedml run in the foreground, confined to the workload, state and
# socket under $RT; D = its pid. Stopped (SIGTERM, then SIGKILL) at exit.
RT=$TMP/rt
start_daemon() {
	local log=$1; shift
	mkdir -p "$RT"
	"$SCHEDML" run --foreground -m models/default.json --runtime-dir "$RT" --scope "pid:$W" "$@" >"$log" 2>&1 &
	D=$!
	cleanup_add "kill -TERM $D; sleep 2; kill -KILL $D"
}

# stop_daemon: SIGTERM and wait (up to 30 s); sets DRC to its exit code.
stop_daemon() {
	kill -TERM "$D" 2>/dev/null
	wait_for 300 "! kill -0 $D 2>/dev/null" || fail "daemon $D did not exit within 30 s of SIGTERM"
	wait "$D"
	DRC=$?
}

# From /proc/PID/stat (ps prints '-' as the nice of a SCHED_IDLE task): field 19 nice, 41 policy.
stat_field() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f$(($2 - 2)); }
nice_raw() { stat_field "$1" 19; }
policy_raw() { stat_field "$1" 41; } # 0 OTHER, 3 BATCH, 5 IDLE
demoted() { [ "$(nice_raw "$1")" = 19 ] || [ "$(policy_raw "$1")" = 5 ]; }
pristine() { [ "$(nice_raw "$1")" = 0 ] && [ "$(policy_raw "$1")" = 0 ]; }
describe() { echo "pid $1: nice $(nice_raw "$1") policy $(policy_raw "$1") $(grep -m1 ':cpu[,:]' /proc/$1/cgroup 2>/dev/null)"; }
status_of() { timeout 10 "$SCHEDML" status --socket "$RT/schedml.sock" 2>&1; }
counter() { # NAME: a counter from `schedml status`
	status_of | sed -n "s/.*[ :]$1=\([0-9]*\).*/\1/p" | head -1
}

# make_config OUT [SED-EXPR...]: the shipped config with a private batch cgroup (other daemons may
# run at once) and a lower CPU floor (noisy machine), plus the given sed expressions.
CGNAME=schedml.h$$
make_config() {
	local out=$1; shift
	local args=(-e "s/\"cgroup_name\": \"schedml.batch\"/\"cgroup_name\": \"$CGNAME\"/"
		-e 's/"min_cpu_share": 0.2/"min_cpu_share": 0.1/')
	for e in "$@"; do args+=(-e "$e"); done
	sed "${args[@]}" systemd/config.json >"$out"
	grep -q "$CGNAME" "$out" || fail "could not derive a test config"
	cleanup_add "rmdir_retry /sys/fs/cgroup/cpu/$CGNAME /sys/fs/cgroup/unified/$CGNAME /sys/fs/cgroup/$CGNAME"
}
status_hex() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }
