#!/usr/bin/env bash
# Service mode protocol, with a stand-in for systemd's notify socket: READY=1 only once the tracer
# is attached, STATUS= summaries, WATCHDOG=1 at half WATCHDOG_USEC, RELOADING=1 then READY=1 on
# SIGHUP, STOPPING=1 on SIGTERM.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
require_root

cat > "$TMP/notify.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
int main(int argc, char **argv) {
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096];
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) { perror("bind"); return 1; }
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		struct timespec ts;
		if (n < 0) return 1;
		buf[n] = 0;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
			printf("%ld.%03ld %s\n", (long)ts.tv_sec, ts.tv_nsec / 1000000, l);
	}
}
C
cc -O1 -o "$TMP/notifyd" "$TMP/notify.c" || fail "cannot build the notify receiver"
bg_bounded 120 "$TMP/notifyd" "$TMP/notify.sock" > "$TMP/notify.log" 2>&1 </dev/null
cleanup_add "kill_tree $BG_PID" # killing timeout alone would leave the receiver running
wait_for 20 "[ -S '$TMP/notify.sock' ]" || fail "receiver not up"

make_config
build_workloads
printf '%s\n' "$HOG" > "$TMP/wl.cmds"
start_workload 40
NOTIFY_SOCKET=$TMP/notify.sock WATCHDOG_USEC=1000000 start_daemon
go
wait_for 50 'H=$(pid_of "$HOG"); [ -n "$H" ] && demoted $H' || fail "hog not demoted"
sleep 2
grep -q "READY=1" "$TMP/notify.log" || { cat "$TMP/notify.log"; fail "no READY=1"; }
[ "$(grep -c WATCHDOG=1 "$TMP/notify.log")" -ge 3 ] || { cat "$TMP/notify.log"; fail "too few WATCHDOG=1 pings"; }
grep -q "STATUS=.*processes tracked.*decisions in force.*drops" "$TMP/notify.log" || fail "no STATUS summary"
grep "STATUS=" "$TMP/notify.log" | tail -1
kill -HUP "$DPID"
wait_for 30 "grep -q 'RELOADING=1' '$TMP/notify.log'" || fail "no RELOADING=1 on SIGHUP"
wait_for 30 "[ \"\$(grep -c 'READY=1' '$TMP/notify.log')\" -ge 2 ]" || fail "no READY=1 after the reload"
grep -q "MONOTONIC_USEC=" "$TMP/notify.log" || fail "RELOADING=1 without MONOTONIC_USEC"
stop_daemon TERM
grep -q "STOPPING=1" "$TMP/notify.log" || fail "no STOPPING=1"
awk '{print $2}' "$TMP/notify.log" | grep -v '^STATUS=\|^WATCHDOG' | tr '\n' ' '; echo
ok "READY, STATUS, WATCHDOG ($(grep -c WATCHDOG=1 "$TMP/notify.log") pings), RELOADING/READY, STOPPING"
