#!/usr/bin/env bash
# systemd/schedml.service: passes `systemd-analyze verify` without a warning (ExecStart pointed at
# the build output in a temporary copy), its ExecStart matches where `make install` puts the
# binary, and `systemd-analyze security --offline=true` rates its exposure 2.0 or lower.
# PID 1 here is not systemd: the unit is analysed, not started (docs/hardening.md).
source "$(dirname "$0")/lib.sh"

UNIT=systemd/schedml.service
MAX_EXPOSURE=2.0
[ -r "$UNIT" ] || fail "$UNIT missing"
command -v systemd-analyze >/dev/null || fail "systemd-analyze missing (Debian package systemd; tools/deps.sh installs it)"
systemd-analyze security --help 2>&1 | grep -q -- '--offline' ||
	fail "systemd-analyze $(systemd-analyze --version | head -1) has no --offline"

exposure_of() { # unit file -> "N.N"
	(cd "$(dirname "$1")" && systemd-analyze security --offline=true --no-pager "$(basename "$1")" 2>&1) |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9]*\.[0-9]\).*/\1/p'
}
above() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }

bin=$(readlink -f "$SCHEDML")
[ -x "$bin" ] || fail "$SCHEDML not built"

# 1. The parser sees a figure and can fail: an unhardened copy must score far above the bar.
mkdir -p "$TMP/plain"
printf '[Service]\nType=notify\nExecStart=%s run\n' "$bin" >"$TMP/plain/schedml.service"
plain=$(exposure_of "$TMP/plain/schedml.service")
[ -n "$plain" ] || fail "could not parse the exposure of an unhardened unit"
above "$plain" "$MAX_EXPOSURE" || fail "an unhardened unit scored $plain: the check cannot fail"
ok "unhardened unit: exposure $plain"

# 2. The shipped unit.
mkdir -p "$TMP/unit"
cp "$UNIT" "$TMP/unit/schedml.service"
exp=$(exposure_of "$TMP/unit/schedml.service")
[ -n "$exp" ] || { systemd-analyze security --offline=true "$UNIT"; fail "could not parse the exposure of $UNIT"; }
above "$exp" "$MAX_EXPOSURE" && {
	(cd "$TMP/unit" && systemd-analyze security --offline=true --no-pager schedml.service | grep '✗')
	fail "$UNIT: exposure $exp > $MAX_EXPOSURE"
}
ok "$UNIT: exposure $exp (<= $MAX_EXPOSURE)"

# 3. verify: ExecStart at the build output; any diagnostic is a failure (verify exits 0 on
#    unknown keys and unparsable values, it only prints them).
sed "s#^ExecStart=[^ ]*#ExecStart=$bin#" "$UNIT" >"$TMP/unit/schedml.service"
out=$(cd "$TMP/unit" && systemd-analyze verify --man=no schedml.service 2>&1)
rc=$?
[ "$rc" -eq 0 ] && [ -z "$out" ] || fail "systemd-analyze verify (rc $rc): $out"
ok "systemd-analyze verify: clean"
# ...and verify does complain about a misspelt key, so an empty output means something.
printf 'ProtectSystm=strict\n' >>"$TMP/unit/schedml.service"
out=$(cd "$TMP/unit" && systemd-analyze verify --man=no schedml.service 2>&1)
[ -n "$out" ] || fail "systemd-analyze verify printed nothing for an unknown key"

# 4. ExecStart is where `make install` puts the binary (BINDIR, default PREFIX/sbin).
exec_start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$UNIT")
installed=$(make -s -n install DESTDIR=/DESTDIR 2>/dev/null | sed -n 's#.* /DESTDIR\(/[^ ]*/schedml\)$#\1#p' | head -1)
[ -n "$installed" ] || fail "could not find the install path of the binary in 'make -n install'"
[ "$exec_start" = "$installed" ] || fail "ExecStart=$exec_start but make install puts the binary at $installed"
ok "ExecStart=$exec_start matches make install"

# 5. The bounding set is exactly what docs/hardening.md and src/privs.c say.
bset=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")
[ "$bset" = "CAP_BPF CAP_PERFMON CAP_SYS_NICE CAP_DAC_OVERRIDE" ] || fail "CapabilityBoundingSet=$bset"
for key in NoNewPrivileges=yes ProtectSystem=strict PrivateNetwork=yes RestrictAddressFamilies=AF_UNIX \
	'ReadWritePaths=/run/schedml /sys/fs/cgroup' RuntimeDirectoryMode=0700 Type=notify; do
	grep -qx "$key" "$UNIT" || fail "$UNIT lacks $key"
done
ok "bounding set and key settings"
