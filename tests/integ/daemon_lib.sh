# Sourced by tests/integ/t_daemon_*.sh after lib.sh: a confined workload (a parent process that
# starts a multi-threaded CPU hog and a periodic sleeper when told to), a private runtime dir,
# config and batch cgroup name, and readers of what is in force for every thread.
# shellcheck shell=bash

RT=$TMP/run
mkdir -p "$RT"
CGNAME=schedml.t$$
DLOG=$TMP/daemon.log
MODEL=${MODEL:-$PWD/models/default.json}

# A test config: the shipped one, with a private batch cgroup (several daemons may run at once on
# a shared machine) and a lower CPU floor (the machine is noisy; 3 spinning threads still get it).
make_config() { # extra-json-merge (python-free: sed on the shipped file)
	sed -e "s/\"cgroup_name\": \"schedml.batch\"/\"cgroup_name\": \"$CGNAME\"/" \
	    -e 's/"min_cpu_share": 0.2/"min_cpu_share": 0.1/' \
	    -e "s|\"model\": \"[^\"]*\"|\"model\": \"$MODEL\"|" \
	    systemd/config.json > "$TMP/config.json"
	grep -q "$CGNAME" "$TMP/config.json" || fail "could not derive the test config"
}

# Build the workload binaries: names schedml has never seen.
HOG=$TMP/qx${RANDOM}crunch
SLEEPER=$TMP/qx${RANDOM}nap
build_workloads() {
	cat > "$TMP/hog.c" <<'C'
#include <pthread.h>
static void *spin(void *a) { volatile unsigned long x = 0; for (;;) x++; return a; }
int main(void) { pthread_t t[2]; pthread_create(&t[0], 0, spin, 0); pthread_create(&t[1], 0, spin, 0); spin(0); return 0; }
C
	cat > "$TMP/nap.c" <<'C'
#include <time.h>
int main(void) { struct timespec ts = { 0, 10000000 }; volatile unsigned long x;
	for (;;) { for (x = 0; x < 20000; x++) ; nanosleep(&ts, 0); } }
C
	cc -O1 -pthread -o "$HOG" "$TMP/hog.c" || fail "cannot build the hog"
	cc -O1 -o "$SLEEPER" "$TMP/nap.c" || fail "cannot build the sleeper"
}

# The workload parent: waits for $TMP/go, then starts what $TMP/wl.cmds says (one command a line),
# bounded by timeout. Its pid is the test's --scope.
start_workload() { # seconds
	local secs=$1
	cat > "$TMP/wl.sh" <<EOF2
while [ ! -e "$TMP/go" ]; do sleep 0.05; done
while read -r c; do timeout -s KILL $secs \$c & done < "$TMP/wl.cmds"
wait
EOF2
	bg_bounded $((secs + 30)) bash "$TMP/wl.sh" </dev/null >/dev/null 2>&1
	WL=$BG_PID
	cleanup_add "kill_tree $WL"
}

# Kill a process and all its descendants, by pid (deepest first), at cleanup.
kill_tree() { # pid
	local c
	for c in $(pgrep -P "$1"); do kill_tree "$c"; done
	kill -KILL "$1" 2>/dev/null
}

# A launcher for on-demand workload: `launch CMD...` runs CMD (bounded) as its child. WL is its pid.
start_launcher() { # seconds
	local secs=$1
	mkfifo "$TMP/fifo"
	cat > "$TMP/launcher.sh" <<EOF2
exec 3<>"$TMP/fifo"
while read -r c <&3; do timeout -s KILL $secs \$c & done
EOF2
	bg_bounded $((secs + 30)) bash "$TMP/launcher.sh" </dev/null >/dev/null 2>&1
	WL=$BG_PID
	cleanup_add "kill_tree $WL"
}
launch() { echo "$*" > "$TMP/fifo"; }

go() { touch "$TMP/go"; GO_NS=$(date +%s%N); }

# pid of the process running binary $1 below the workload.
pid_of() { pgrep -f "^$1" | head -1; }

start_daemon() { # extra args...
	local scope=(--scope "pid:$WL")
	[ -n "${SCOPE_ALL:-}" ] && scope=() # dry-run guard-rail test only
	"$SCHEDML" run --foreground -c "$TMP/config.json" --runtime-dir "$RT" "${scope[@]}" "$@" \
		>>"$DLOG" 2>&1 &
	DPID=$!
	# Cleanups run last-in first-out: the cgroup is removed after the daemon is stopped.
	cleanup_add "rmdir_retry /sys/fs/cgroup/cpu/$CGNAME /sys/fs/cgroup/unified/$CGNAME /sys/fs/cgroup/$CGNAME"
	cleanup_add "kill -TERM $DPID; sleep 0.5; kill -KILL $DPID"
	wait_for 100 "grep -q 'started:' '$DLOG'" || { cat "$DLOG"; fail "daemon did not start"; }
}

stop_daemon() { # signal
	kill "-${1:-TERM}" "$DPID"
	wait "$DPID" 2>/dev/null
	DRC=$?
}

# The cpu controller's cgroup path from a /proc/<pid>/cgroup file (v1 "cpu" hierarchy, else v2).
cpu_cgroup_of() { # file
	local v1
	v1=$(sed -n 's/^[0-9]*:\([^:]*,\)\{0,1\}cpu\(,[^:]*\)\{0,1\}:\(.*\)/\3/p' "$1" 2>/dev/null | head -1)
	[ -n "$v1" ] && { echo "$v1"; return; }
	sed -n 's/^0:://p' "$1" 2>/dev/null | head -1
}

# Per-thread values in force: "tid policy nice cgroup slice slack" lines, sorted.
thread_state() { # pid
	local t
	for t in /proc/"$1"/task/*; do
		[ -r "$t/stat" ] || continue
		local tid=${t##*/} st
		st=$(sed 's/^.*) //' "$t/stat" 2>/dev/null) || continue
		# fields after comm: state=1 ... nice=17 (stat 19) ... policy=39 (stat 41)
		set -- $st
		echo "$tid pol=${39} nice=${17} cg=$(cpu_cgroup_of "$t/cgroup" 2>/dev/null | head -1)" \
			"slice=$(sed -n 's/^se.slice *: *//p' "$t/sched" 2>/dev/null)" \
			"slack=$(cat /proc/"$tid"/timerslack_ns 2>/dev/null)"
	done | sort
}

# True when every thread of pid is demoted as the shipped config says.
demoted() { # pid
	local s
	s=$(thread_state "$1")
	[ -n "$s" ] || return 1
	! echo "$s" | grep -qv "pol=5 nice=19 cg=/$CGNAME "
}

# True when no thread of pid has changed policy, nice or cgroup from the defaults a fresh
# process here has (SCHED_OTHER, nice 0, the cpu cgroup it started in).
untouched() { # pid cgroup
	local s
	s=$(thread_state "$1")
	[ -n "$s" ] || return 1
	! echo "$s" | grep -qv "pol=0 nice=0 cg=$2 "
}

# What a fresh process here starts with (slice and timer slack are read from sed itself).
DEF_SLICE=$(sed -n 's/^se.slice *: *//p' /proc/self/sched)
DEF_SLACK=$(cat /proc/self/timerslack_ns)
CG0=$(cpu_cgroup_of /proc/$$/cgroup)

# True when every thread of pid has exactly the values a fresh process has here.
pristine() { # pid
	local s
	s=$(thread_state "$1")
	[ -n "$s" ] || return 1
	! echo "$s" | grep -qv "pol=0 nice=0 cg=$CG0 slice=$DEF_SLICE slack=$DEF_SLACK\$"
}

# Reaction-time budget in ms (median, worst): the issue's goal (1 s, 2 s), doubled when the shared
# machine is overloaded by others (1-min load average above 8 per CPU), with the reason printed.
reaction_budget() {
	local load cpus
	load=$(cut -d' ' -f1 /proc/loadavg | cut -d. -f1)
	cpus=$(nproc)
	if [ "$load" -gt $((8 * cpus)) ]; then
		echo "note: load average $load on $cpus CPUs: reaction budget doubled" >&2
		echo "2000 4000"
	else
		echo "1000 2000"
	fi
}

daemon_status() { "$SCHEDML" status --runtime-dir "$RT" "$@"; }
