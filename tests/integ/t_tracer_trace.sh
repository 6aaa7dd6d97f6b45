#!/usr/bin/env bash
# schedml trace: --pid/--comm filters, the human and JSON streams, the summary's histogram.
source "$(dirname "$0")/lib.sh"
require_root
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF"

ln -s "$(command -v bash)" "$TMP/smt-sleeper"   # comm comes from the executed file's name
"$TMP/smt-sleeper" -c 'for i in $(seq 400); do sleep 0.01; done' &   # bounded: ~4-8 s
sl=$!
cleanup_add "kill $sl"
sleep 0.2

timeout 30 "$SCHEDML" trace -d 1.5 --json --pid "$sl" >"$TMP/t.json" 2>"$TMP/t.err" || { cat "$TMP/t.err"; fail "trace --json failed"; }
grep -q '"type":"summary"' "$TMP/t.json" || fail "no summary line"
grep -v '"type":"summary"' "$TMP/t.json" > "$TMP/ev.json"
[ "$(grep -c '"type":"switch"' "$TMP/ev.json")" -gt 10 ] || fail "too few switch events for $sl"
[ "$(grep -c '"type":"wakeup"' "$TMP/ev.json")" -gt 10 ] || fail "too few wakeup events for $sl"
# Every event involves the pid (as subject or as prev/waker/parent).
if grep -v -e "\"pid\":$sl," -e "\"tgid\":$sl," -e "\"prev_pid\":$sl," -e "\"prev_tgid\":$sl," "$TMP/ev.json" | grep -q .; then
	grep -v -e "\"pid\":$sl," -e "\"prev_pid\":$sl," "$TMP/ev.json" | head -3
	fail "--pid let through unrelated events"
fi
# Children (sleep) are other processes: their events are filtered out unless they involve $sl.
grep '"type":"summary"' "$TMP/t.json" | grep -q "\"pid\":$sl," || fail "summary top lacks $sl"
grep '"type":"summary"' "$TMP/t.json" | grep -q '"rq_lat_log2_us":\[' || fail "summary has no histogram"
ok "--json --pid: $(wc -l < "$TMP/ev.json") events, all involving $sl; summary with histogram"

timeout 30 "$SCHEDML" trace -d 1 --comm smt-sleep >"$TMP/t.txt" 2>"$TMP/t.err" || fail "trace --comm failed"
grep -q ' switch .*smt-sleeper' "$TMP/t.txt" || { head "$TMP/t.txt"; fail "no switch lines for smt-sleeper"; }
grep -q 'usecs .*: count .*distribution' "$TMP/t.txt" || fail "no latency histogram"
grep -Eq '^[0-9.]+ s, source tp_btf: [0-9]+ events \([0-9]+/s\), 0 dropped' "$TMP/t.txt" || { tail -30 "$TMP/t.txt"; fail "summary line"; }
ok "--comm: human stream and summary: $(grep -E ' s, source ' "$TMP/t.txt")"
