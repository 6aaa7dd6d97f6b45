#!/usr/bin/env bash
# schedml score --trace: replaying the recorded stress-ng + cyclictest fixture ranks the
# periodic sleeper above the CPU hogs with the shipped model; bad inputs give one-line errors.
set -u
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || fail "python3 missing"
TRACE=tests/fixtures/traces/stress_cyclictest.log.gz
[ -r "$TRACE" ] || fail "$TRACE missing"

"$SCHEDML" score --trace "$TRACE" --model models/default.json --json --top 0 >"$TMP/s.json" ||
	fail "score --trace failed"
python3 - "$TMP/s.json" <<'PY' || fail "ranking check failed"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["source"] == "trace" and d["entity"] == "process", d
keys = {"pid", "tgid", "comm", "cgroup", "threads_tracked", "score", "class", "explanation", "features"}
for e in d["entities"]:
    assert set(e) == keys, set(e) ^ keys
    assert len(e["features"]) == 18  # SM_NR_FEATURES
scores = [e["score"] for e in d["entities"]]
assert scores == sorted(scores, reverse=True), "not sorted by score"
cyc = [e for e in d["entities"] if e["comm"] == "cyclictest"]
hog = [e for e in d["entities"] if e["comm"] == "stress-ng-cpu"]
assert cyc and len(hog) == 2, (len(cyc), len(hog))
print("cyclictest", [e["score"] for e in cyc], "stress-ng-cpu", [e["score"] for e in hog])
assert min(e["score"] for e in cyc) > max(e["score"] for e in hog)
assert not any(e["class"] == "interactive" for e in hog) and not any(e["class"] == "batch" for e in cyc)
PY

# Threads view, and classes follow the thresholds given.
"$SCHEDML" score --trace "$TRACE" --model models/default.json --threads --top 0 >"$TMP/t.txt" ||
	fail "--threads failed"
grep -q "cyclictest" "$TMP/t.txt" || fail "no cyclictest thread"
"$SCHEDML" score --trace "$TRACE" --model models/default.json --json --top 0 --all \
	--interactive-min 990 --batch-max 20 >"$TMP/c.json" || fail "thresholds failed"
python3 - "$TMP/c.json" <<'PY' || fail "classes do not follow --interactive-min/--batch-max"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["interactive_min"] == 990 and d["batch_max"] == 20
for e in d["entities"]:
    want = "interactive" if e["score"] >= 990 else "batch" if e["score"] <= 20 else "neutral"
    assert e["class"] == want, e
PY

# Errors: one line naming the file (and line/field).
printf '# schedml-trace 1 {}\nS 1 2\n' >"$TMP/bad.log"
"$SCHEDML" score --trace "$TMP/bad.log" 2>"$TMP/e"; [ $? -eq 1 ] || fail "bad trace accepted"
[ "$(wc -l <"$TMP/e")" -eq 1 ] && grep -q "$TMP/bad.log:2:" "$TMP/e" || { cat "$TMP/e"; fail "bad trace error"; }
"$SCHEDML" score --trace "$TRACE" --model tests/fixtures/models/bad_cycle.json 2>"$TMP/e"
[ $? -eq 1 ] || fail "bad model accepted"
grep -q "bad_cycle.json: tree.nodes\[2\].left: node 0 is reached twice" "$TMP/e" || { cat "$TMP/e"; fail "bad model error"; }
"$SCHEDML" score --trace "$TRACE" --duration 2 >/dev/null 2>&1; [ $? -eq 2 ] || fail "--trace with --duration must be a usage error"
"$SCHEDML" score --interactive-min 300 --batch-max 400 --trace "$TRACE" >/dev/null 2>&1; [ $? -eq 2 ] ||
	fail "inverted thresholds must be a usage error"
ok "score --trace ranks the recorded sleeper above the hogs"
