#!/usr/bin/env bash
# schedml score, live, with the shipped model: a periodic sleeper (cyclictest) must rank above
# CPU hogs (stress-ng --cpu 2 workers). score only reads: it changes nothing.
set -u
. "$(dirname "$0")/lib.sh"
require_root
command -v stress-ng >/dev/null || fail "stress-ng missing (tools/deps.sh installs it)"
command -v cyclictest >/dev/null || fail "cyclictest missing (rt-tests; tools/deps.sh installs it)"
command -v python3 >/dev/null || fail "python3 missing"

bg_bounded 20 stress-ng --cpu 2 --timeout 15s
HOG=$BG_PID
# --laptop: leave /dev/cpu_dma_latency alone (the test changes nothing on the host)
bg_bounded 20 cyclictest --policy=other -i 1000 -q -D 15 --laptop
SLEEPER=$BG_PID
# Workers are grandchildren of the timeout processes: stop them by pid when the test ends.
kids() { local p; for p in $(pgrep -P "$1"); do echo "$p"; pgrep -P "$p"; done; }
wait_for 50 '[ "$(kids $HOG | wc -l)" -ge 3 ]' || fail "stress-ng workers did not start"
cleanup_add "kill -TERM $(kids $HOG | tr '\n' ' ') $(kids $SLEEPER | tr '\n' ' ')"
sleep 1

nice_before=$(nice_of "$SLEEPER")
"$SCHEDML" score --duration 3 --json --top 0 --all --model models/default.json >"$TMP/score.json" 2>"$TMP/score.err" ||
	{ cat "$TMP/score.err"; fail "schedml score failed"; }
grep -q '"source"' "$TMP/score.json" || fail "no JSON output"

# The stress-ng worker processes are children of the stress-ng parent (the timeout's child).
python3 - "$TMP/score.json" "$HOG" "$SLEEPER" <<'PY' || fail "ranking check failed"
import json, subprocess, sys
doc = json.load(open(sys.argv[1]))
timeout_hog, timeout_sleeper = int(sys.argv[2]), int(sys.argv[3])
def children(pid):
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    except OSError:
        return []
    return [int(x) for x in out.split()]
hog_parent = children(timeout_hog)
workers = [c for p in hog_parent for c in children(p)]
sleeper = children(timeout_sleeper)
by_pid = {e["pid"]: e for e in doc["entities"]}
print("source:", doc["source"], "model:", doc["model"])
for e in doc["entities"]:
    if e["pid"] in workers + sleeper:
        print(f'{e["pid"]:>7} {e["comm"]:<16} score={e["score"]:>4} class={e["class"]:<11} {e["explanation"]}')
miss = [p for p in workers + sleeper if p not in by_pid]
if len(workers) < 2 or not sleeper or miss:
    print("FAIL: missing entities: workers", workers, "sleeper", sleeper, "not scored", miss)
    sys.exit(1)
s = max(by_pid[p]["score"] for p in sleeper)
h = max(by_pid[p]["score"] for p in workers)
if not s > h:
    print(f"FAIL: sleeper score {s} not above hog workers' best {h}")
    sys.exit(1)
if by_pid[sleeper[0]]["class"] != "interactive":
    print("FAIL: cyclictest not classed interactive")
    sys.exit(1)
for p in workers:
    # Batch in every quiet run; under heavy contention from other workloads a starved worker
    # (< 5% of a CPU) is left neutral by the model, which is fine: the bar is the ranking.
    if by_pid[p]["class"] == "interactive":
        print(f"FAIL: stress-ng worker {p} classed interactive")
        sys.exit(1)
    if by_pid[p]["class"] != "batch":
        print(f"note: stress-ng worker {p} classed {by_pid[p]['class']}: {by_pid[p]['features']}")
print(f"sleeper {s} > hogs {h}")
PY
[ "$(nice_of "$SLEEPER")" = "$nice_before" ] || fail "score changed a nice value"

# Table output and usage errors.
"$SCHEDML" score --duration 1 --model models/default.json --top 5 >"$TMP/table.txt" || fail "table mode failed"
head -1 "$TMP/table.txt" | grep -q "SCORE" || fail "no table header"
"$SCHEDML" score --duration 0 >/dev/null 2>&1; [ $? -eq 2 ] || fail "--duration 0 must be a usage error"
"$SCHEDML" score --model /nonexistent.json --duration 1 2>"$TMP/e" && fail "missing model accepted"
grep -q "/nonexistent.json" "$TMP/e" || fail "model error does not name the file"
ok "score ranks the periodic sleeper above the CPU hogs"
