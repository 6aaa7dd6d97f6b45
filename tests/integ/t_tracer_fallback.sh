#!/usr/bin/env bash
# When BPF can't be used: auto mode falls back to /proc with one warning; forced BPF fails with
# one clear line; missing BTF, bad arguments and unwritable output directories are one line
# and a non-zero exit, never a crash.
source "$(dirname "$0")/lib.sh"
require_root

one_line() { # file what
	[ "$(grep -c . "$1")" -eq 1 ] || { cat "$1"; fail "$2: expected exactly one line on stderr"; }
}

# Refused BPF (how tests simulate an unprivileged host), auto: /proc snapshots, one warning.
SCHEDML_REFUSE_BPF=1 timeout 30 "$SCHEDML" trace -d 1 --json >"$TMP/p.json" 2>"$TMP/p.err" || fail "auto fallback failed"
[ "$(grep -c 'warning: BPF unavailable' "$TMP/p.err")" -eq 1 ] || { cat "$TMP/p.err"; fail "expected one fallback warning"; }
grep -q '"type":"snapshot"' "$TMP/p.json" || fail "no /proc snapshots in fallback mode"
grep -q '"source":"proc"' "$TMP/p.json" || fail "summary does not say source proc"
ok "auto falls back to /proc with one warning"

# Forced BPF while refused: one line, exit 1.
SCHEDML_REFUSE_BPF=1 timeout 30 "$SCHEDML" trace -d 1 --mode bpf >/dev/null 2>"$TMP/e.err"
rc=$?
[ "$rc" -eq 1 ] || fail "--mode bpf with BPF refused: exit $rc, want 1"
one_line "$TMP/e.err" "--mode bpf refused"
grep -q 'SCHEDML_REFUSE_BPF' "$TMP/e.err" || fail "error does not say why"
ok "forced BPF unavailable: $(cat "$TMP/e.err")"

# Missing BTF: one line naming the file.
SCHEDML_BTF=/nonexistent/vmlinux timeout 30 "$SCHEDML" record -d 1 --mode bpf --out "$TMP/r0" 2>"$TMP/b.err"
rc=$?
[ "$rc" -eq 1 ] || fail "missing BTF: exit $rc"
one_line "$TMP/b.err" "missing BTF"
grep -q '/nonexistent/vmlinux' "$TMP/b.err" || fail "missing BTF: file not named"
ok "missing BTF: $(cat "$TMP/b.err")"

# Not root: auto falls back, forced BPF explains the privilege problem.
if command -v setpriv >/dev/null; then
	nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"; }
	nobody timeout 30 "$SCHEDML" trace -d 0.5 -q >/dev/null 2>"$TMP/n.err" || { cat "$TMP/n.err"; fail "unprivileged auto mode failed"; }
	grep -q 'warning: BPF unavailable' "$TMP/n.err" || { cat "$TMP/n.err"; fail "unprivileged: no fallback warning"; }
	nobody timeout 30 "$SCHEDML" trace -d 0.5 --mode bpf >/dev/null 2>"$TMP/n2.err"
	rc=$?
	[ "$rc" -eq 1 ] || fail "unprivileged --mode bpf: exit $rc"
	one_line "$TMP/n2.err" "unprivileged --mode bpf"
	ok "unprivileged: $(cat "$TMP/n2.err")"
fi

# Record in /proc mode still writes both artifacts.
SCHEDML_REFUSE_BPF=1 timeout 30 "$SCHEDML" record -d 1 --out "$TMP/rp" 2>"$TMP/rp.err" || fail "record fallback failed"
zcat "$TMP/rp/scheduling_events.log.gz" | head -1 | grep -q '"source":"proc"' || fail "record header source"
[ "$(zcat "$TMP/rp/process_data.json.gz" | wc -l)" -gt 2 ] || fail "record fallback: no snapshots"
ok "record without BPF: /proc snapshots, header says source proc"

# Unwritable output directory: one line naming it, exit 1.
for out in /proc/schedml-nope /etc/hostname/sub; do
	timeout 30 "$SCHEDML" record -d 1 --out "$out" 2>"$TMP/o.err"
	rc=$?
	[ "$rc" -eq 1 ] || fail "--out $out: exit $rc"
	one_line "$TMP/o.err" "--out $out"
	grep -q "$out" "$TMP/o.err" || fail "--out $out: directory not named"
done
ok "unwritable --out: $(cat "$TMP/o.err")"

# Usage errors: exit 2, one line.
while read -r cmd args; do
	# shellcheck disable=SC2086
	timeout 30 "$SCHEDML" $cmd $args >/dev/null 2>"$TMP/u.err"
	rc=$?
	[ "$rc" -eq 2 ] || fail "'$cmd $args': exit $rc, want 2"
	one_line "$TMP/u.err" "'$cmd $args'"
done <<'ARGS'
trace --duration soon
trace --pid abc
trace --pid 0
trace --mode magic
trace --ringbuf-size 3000
trace --comm 0123456789abcdefghij
trace --bogus
trace extra
record --duration 1
record --out /tmp/x --label batch
record --out /tmp/x --label slow=comm:x
record --out /tmp/x --label batch=comm:(
record --out /tmp/x --label batch=pid:x
record --out /tmp/x --interval 0
record --out /tmp/x --ringbuf-size 1M5
ARGS
ok "usage errors: exit 2 with one line each"
for cmd in trace record; do
	"$SCHEDML" $cmd --help | grep -q Examples || fail "$cmd --help has no examples"
done
ok "--help"
