#!/usr/bin/env bash
# The status socket is root-only: mode 0600, and a peer-credential check behind it. A non-root
# client gets a clear permission error; malformed requests (random bytes, a 1 MiB line, NUL
# bytes), a half-open connection and a client dripping one byte every 100 ms are rejected
# without harm: the control loop keeps ticking, status keeps answering, the daemon keeps acting.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/hardening_lib.sh"
require_root
command -v setpriv >/dev/null || fail "setpriv missing (util-linux)"

cc -O1 -Wall -Wextra -Werror -o "$TMP/sockpoke" "$(dirname "$0")/sockpoke.c" || fail "cannot build sockpoke"
POKE=$TMP/sockpoke
make_config "$TMP/config.json"
start_workload 120
start_daemon "$TMP/d.log" -c "$TMP/config.json"
SOCK=$RT/schedml.sock
wait_for 100 '[ -S "$SOCK" ] && grep -qs "started: acting" "$TMP/d.log"' || { cat "$TMP/d.log"; fail "daemon did not start"; }
wait_for 100 "demoted $HOG" || fail "hog not demoted: $(describe $HOG)"

[ "$(stat -c '%a %u' "$SOCK")" = "600 0" ] || fail "socket is $(stat -c '%a %U' "$SOCK"), expected 600 root"
ok "socket mode 600, owned by root"

# Let uid 65534 reach the socket's directory, so the socket itself is what stops it.
chmod 0711 "$TMP" "$RT"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"; }
nobody "$SCHEDML" status --socket "$SOCK" >"$TMP/nb.out" 2>"$TMP/nb.err"
rc=$?
[ "$rc" -ne 0 ] || fail "a non-root client got a status reply"
grep -q "Permission denied" "$TMP/nb.err" || { cat "$TMP/nb.err"; fail "no clear permission error for a non-root client"; }
[ "$(grep -c . "$TMP/nb.err")" -eq 1 ] || { cat "$TMP/nb.err"; fail "expected one error line"; }
ok "non-root client: exit $rc, '$(cat "$TMP/nb.err")'"

# Behind the mode: the peer-credential check (a socket someone made world-writable).
chmod 0666 "$SOCK"
for try in 1 2 3; do # the client waits 5 s for an answer: a very loaded machine can exceed it
	nobody "$SCHEDML" status --socket "$SOCK" >"$TMP/nb2.out" 2>"$TMP/nb2.err"
	rc=$?
	grep -q "Resource temporarily unavailable" "$TMP/nb2.err" || break
done
chmod 0600 "$SOCK"
[ "$rc" -ne 0 ] || fail "peer-credential check let uid 65534 through"
! grep -q "counters" "$TMP/nb2.out" || fail "uid 65534 got the daemon's state"
grep -q "permission denied" "$TMP/nb2.err" || { cat "$TMP/nb2.err"; fail "no clear permission error behind a world-writable socket"; }
wait_for 30 'grep -q "refused a client with uid 65534" "$TMP/d.log"' || fail "the refusal is not logged"
ok "world-writable socket: uid 65534 refused by SO_PEERCRED: '$(head -1 "$TMP/nb2.err")'"

alive() { kill -0 "$D" 2>/dev/null && status_of | grep -q counters; }
t0=$(counter ticks)
head -c 4096 /dev/urandom | timeout 10 "$POKE" "$SOCK" send >"$TMP/r1" 2>&1 || fail "random bytes: client failed: $(cat "$TMP/r1")"
grep -q '"ok":false' "$TMP/r1" || [ ! -s "$TMP/r1" ] || fail "random bytes accepted: $(head -c 200 "$TMP/r1")"
alive || fail "daemon gone after random bytes"
head -c $((1 << 20)) /dev/zero | tr '\0' 's' | timeout 10 "$POKE" "$SOCK" send >"$TMP/r2" 2>&1 || fail "1 MiB line: client failed"
grep -q '"ok":false' "$TMP/r2" || [ ! -s "$TMP/r2" ] || fail "1 MiB line accepted: $(head -c 200 "$TMP/r2")"
alive || fail "daemon gone after a 1 MiB line"
printf 'status\0pause\n' | timeout 10 "$POKE" "$SOCK" send >"$TMP/r3" 2>&1 || fail "NUL bytes: client failed"
grep -q '"paused":true' "$TMP/r3" && fail "a request with a NUL byte paused the daemon"
printf 'statusx\n' | timeout 10 "$POKE" "$SOCK" send >"$TMP/r4" 2>&1
grep -q '"ok":false' "$TMP/r4" || fail "'statusx' not rejected: $(cat "$TMP/r4")"
alive || fail "daemon gone after malformed requests"
ok "random bytes, a 1 MiB line, NUL bytes, a bad verb: rejected, daemon alive"

# A half-open connection and a slow drip must not stall the control loop: the tick rate while
# they run stays at least half the rate measured just before (ratios: the machine is noisy).
ta=$(counter ticks); sleep 3; tb=$(counter ticks)
timeout 20 "$POKE" "$SOCK" hold 3 >/dev/null 2>&1 &
hp=$!
sleep 0.5
status_of | grep -q counters || fail "status blocked by a half-open connection"
wait $hp
s0=$(date +%s%N)
timeout 20 "$POKE" "$SOCK" drip 5 >/dev/null 2>&1
drip_ms=$(( ($(date +%s%N) - s0) / 1000000 ))
[ "$drip_ms" -lt 2500 ] || fail "a client dripping a byte every 100 ms was served for $drip_ms ms"
sleep 1
tc=$(counter ticks)
base=$(( (tb - ta) * 1000 / 3 ))                          # ticks per 1000 s, before
dur_ms=$(( 3000 + drip_ms + 1000 + 500 ))
during=$(( (tc - tb) * 1000000 / dur_ms ))                # ticks per 1000 s, during
[ "$base" -gt 0 ] && [ $((during * 2)) -ge "$base" ] || fail "control loop stalled: $during vs $base ticks/1000 s"
ok "half-open connection held 3 s, drip cut off after $drip_ms ms: $((tc - tb)) ticks (rate ratio $((during * 100 / base))%), status answered meanwhile"
t2=$tc

demoted "$HOG" || fail "hog no longer demoted: $(describe $HOG)"
[ "$(counter errors)" = 0 ] || fail "errors=$(counter errors)"
stop_daemon
[ "$DRC" -eq 0 ] || fail "daemon exited $DRC"
pristine "$HOG" || fail "SIGTERM did not restore the hog: $(describe $HOG)"
ok "still acting, 0 errors, SIGTERM restored the hog (ticks $t0 -> $t2)"
