#!/usr/bin/env bash
# Least privilege: once the tracer is attached the running daemon holds exactly the capabilities
# src/privs.c documents (CAP_SYS_NICE, + CAP_DAC_OVERRIDE when the autogroup lever is on or the
# cgroup hierarchy root is not owner-writable, + CAP_SYS_PTRACE when exclude.exe rules exist) in
# its effective, permitted and bounding sets, nothing inheritable or ambient, no_new_privs set;
# and it still works: the ring buffer is read (events and drop counters move), the hog is
# demoted, and SIGTERM restores it (lowering a nice value needs the CAP_SYS_NICE it kept).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/hardening_lib.sh"
require_root

CAP_DAC_OVERRIDE=$((1 << 1)) CAP_SYS_PTRACE=$((1 << 19)) CAP_SYS_NICE=$((1 << 23))

check_caps() { # pid expected-mask what
	local pid=$1 want=$2 what=$3 k v
	for k in CapEff CapPrm CapBnd; do
		v=$((16#$(status_hex "$pid" $k)))
		[ "$v" -eq "$want" ] || fail "$what: $k=$(printf %x "$v"), expected $(printf %x "$want")"
	done
	for k in CapInh CapAmb; do
		v=$((16#$(status_hex "$pid" $k)))
		[ "$v" -eq 0 ] || fail "$what: $k=$(printf %x "$v"), expected 0"
	done
	[ "$(status_hex "$pid" NoNewPrivs)" = 1 ] || fail "$what: no_new_privs not set"
	ok "$what: CapEff=CapPrm=CapBnd=$(printf %x "$want"), CapInh=CapAmb=0, NoNewPrivs=1"
}
started() { grep -qs "started: acting" "$1"; }
cg_root_needs_override() { # log: the cgroup mount the daemon uses, from its lever line
	local m
	m=$(sed -n 's/.*lever cgroup: .* at \(\/[^ ]*\).*/\1/p' "$1" | head -1)
	[ -n "$m" ] || return 1
	[ "$(stat -c %u "$m")" != 0 ] || [ $((8#$(stat -c %a "$m") & 8#300)) -ne $((8#300)) ]
}

# 1. The shipped config (autogroup lever on).
make_config "$TMP/config.json"
start_workload 90
start_daemon "$TMP/d1.log" -c "$TMP/config.json"
wait_for 100 "started $TMP/d1.log" || { cat "$TMP/d1.log"; fail "daemon did not start"; }
check_caps "$D" $((CAP_SYS_NICE | CAP_DAC_OVERRIDE)) "shipped config"
e1=$(counter events)
wait_for 100 "demoted $HOG" || fail "hog not demoted after the drop: $(describe $HOG)"
ok "acts after the drop: $(describe $HOG)"
e2=$(counter events)
[ -n "$e1" ] && [ -n "$e2" ] && [ "$e2" -gt "$e1" ] || fail "ring buffer not read after the drop (events $e1 -> $e2)"
[ -n "$(counter drops)" ] || fail "drop counter (a map read after the drop) missing from status"
ok "ring buffer and counters read after the drop (events $e1 -> $e2, drops $(counter drops))"
stop_daemon
[ "$DRC" -eq 0 ] || fail "daemon exited $DRC"
pristine "$HOG" || fail "SIGTERM did not restore the hog: $(describe $HOG)"
ok "SIGTERM restored the hog with the capabilities it kept"

# 2. Autogroup lever off: CAP_DAC_OVERRIDE only if the cgroup root needs it (0555 here).
make_config "$TMP/config2.json" 's/"autogroup": true/"autogroup": false/'
start_daemon "$TMP/d2.log" -c "$TMP/config2.json"
wait_for 100 "started $TMP/d2.log" || { cat "$TMP/d2.log"; fail "daemon did not start"; }
want=$CAP_SYS_NICE
cg_root_needs_override "$TMP/d2.log" && want=$((want | CAP_DAC_OVERRIDE))
check_caps "$D" $want "autogroup lever off"
stop_daemon

# 3. An exclude.exe rule: CAP_SYS_PTRACE to read /proc/<pid>/exe of other users' tasks.
make_config "$TMP/config3.json" 's|"exe": \[\]|"exe": ["/usr/sbin/no-such-daemon"]|'
grep -q no-such-daemon "$TMP/config3.json" || fail "could not add an exe rule"
start_daemon "$TMP/d3.log" -c "$TMP/config3.json"
wait_for 100 "started $TMP/d3.log" || { cat "$TMP/d3.log"; fail "daemon did not start"; }
check_caps "$D" $((CAP_SYS_NICE | CAP_DAC_OVERRIDE | CAP_SYS_PTRACE)) "exclude.exe rule"
stop_daemon

# 4. As under the unit's CapabilityBoundingSet (no CAP_SYS_PTRACE, no CAP_SETPCAP) with an exe
#    rule: the rule can't be checked, so no task is changed (fail safe), and CapBnd stays as the
#    service manager left it while CapEff/CapPrm are trimmed.
mkdir -p "$RT"
setpriv --bounding-set=-all,+bpf,+perfmon,+sys_nice,+dac_override --inh-caps=-all \
	"$SCHEDML" run --foreground -c "$TMP/config3.json" -m models/default.json --runtime-dir "$RT" \
	--scope "pid:$W" >"$TMP/d4.log" 2>&1 &
D=$!
cleanup_add "kill -TERM $D; sleep 2; kill -KILL $D"
wait_for 100 "started $TMP/d4.log" || { cat "$TMP/d4.log"; fail "daemon did not start under a trimmed bounding set"; }
want=$((CAP_SYS_NICE | CAP_DAC_OVERRIDE))
for k in CapEff CapPrm; do
	[ $((16#$(status_hex "$D" $k))) -eq $want ] || fail "trimmed bounding set: $k=$(status_hex "$D" $k)"
done
[ "$(status_hex "$D" NoNewPrivs)" = 1 ] || fail "trimmed bounding set: no_new_privs not set"
sleep 3
pristine "$HOG" || fail "an exe rule that cannot be checked let the hog be changed: $(describe $HOG)"
stop_daemon
ok "unit-like bounding set: CapEff=CapPrm=$(printf %x $want); exe rule unreadable -> hog left alone"
