#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# schedml train/eval on the committed fixture traces (tests/fixtures/traces/): the same command
# gives byte-identical models (tree and MLP), a model trained on tiny.log.gz beats the
# majority-class baseline on tiny-heldout.log.gz (other programs) by a wide margin, and
# truncated or garbage traces fail with one error line naming the file and line.
set -u
. "$(dirname "$0")/lib.sh"
FX=tests/fixtures/traces/tiny.log.gz
HO=tests/fixtures/traces/tiny-heldout.log.gz
[ -r "$FX" ] && [ -r "$HO" ] || fail "fixture traces missing"

# First top-level value of a key in eval's pretty JSON (top-level keys are indented 2 spaces).
jget() { sed -n "s/^  \"$1\": \\([0-9.]*\\),\\{0,1\\}\$/\\1/p" "$2" | head -1; }

for kind in tree mlp; do
	"$SCHEDML" train -q --kind $kind --seed 3 --out "$TMP/$kind-a.json" "$FX" || fail "train --kind $kind failed"
	"$SCHEDML" train -q --kind $kind --seed 3 --out "$TMP/$kind-b.json" "$FX" || fail "second train failed"
	cmp "$TMP/$kind-a.json" "$TMP/$kind-b.json" || fail "$kind: same data and seed gave different bytes"
	ok "$kind: deterministic ($(wc -c <"$TMP/$kind-a.json") bytes)"
	"$SCHEDML" eval --json --model "$TMP/$kind-a.json" "$HO" >"$TMP/$kind-eval.json" || fail "eval failed"
	acc=$(jget accuracy "$TMP/$kind-eval.json")
	maj=$(jget majority_baseline "$TMP/$kind-eval.json")
	agr=$(jget quantised_agreement "$TMP/$kind-eval.json")
	[ -n "$acc" ] && [ -n "$maj" ] && [ -n "$agr" ] || fail "eval --json lacks accuracy/majority_baseline/quantised_agreement"
	awk -v a="$acc" -v m="$maj" 'BEGIN { exit !(a >= 0.85 && a >= m + 0.2) }' ||
		fail "$kind: held-out accuracy $acc does not beat the majority baseline $maj by 0.2"
	awk -v q="$agr" 'BEGIN { exit !(q >= 0.995) }' || fail "$kind: fixed vs float agreement $agr < 0.995"
	ok "$kind: held-out accuracy $acc vs majority baseline $maj, fixed/float agreement $agr"
done
# Kernel agreement: the model ranks the runnable labelled tasks at every switch-in.
"$SCHEDML" eval --json --kernel --model "$TMP/tree-a.json" "$HO" >"$TMP/k.json" || fail "eval --kernel failed"
for key in top1 top3 random_top1 random_top3 oldest_top1 oldest_top3 decisions; do
	grep -q "\"$key\": [0-9]" "$TMP/k.json" || fail "eval --kernel --json lacks kernel.$key"
done
dec=$(sed -n 's/^    "decisions": \([0-9]*\),$/\1/p' "$TMP/k.json")
[ "${dec:-0}" -gt 100 ] || fail "kernel agreement: only '${dec:-}' decisions"
awk -v a="$(sed -n 's/^    "top3": \([0-9.]*\),$/\1/p' "$TMP/k.json")" \
    -v b="$(sed -n 's/^    "top1": \([0-9.]*\),$/\1/p' "$TMP/k.json")" 'BEGIN { exit !(a >= b && a <= 1 && b >= 0) }' ||
	fail "kernel agreement: top1/top3 inconsistent"
ok "kernel agreement: $dec decisions, top1 $(sed -n 's/^    "top1": \([0-9.]*\),$/\1/p' "$TMP/k.json")"

# Kernel agreement, known answer. One CPU: hogs 200 and 300 take turns, sleeper 100 wakes every
# 10 ms; the kernel runs the sleeper first (model: hit; oldest waiter: miss, a hog waited longer),
# then the hog that waited longest (model: a tie of two hogs, 0.5; oldest: hit). So over every
# decision: model top-1 0.75, random 0.5, oldest 0.5, top-3 1.0 (two candidates).
# (Timestamps are printed with %.0f: mawk's %d stops at 2^31.)
{
awk 'BEGIN {
	print "# schedml-trace 1 {\"host\":\"synthetic\",\"start_realtime_ns\":1700000000000000000}"
	print "T 100 100 1 0 0 0 1 0 1 - sleeper"
	print "T 200 200 1 0 0 0 1 0 1 - hogA"
	print "T 300 300 1 0 0 0 1 0 1 - hogB"
	print "L 100 interactive"; print "L 200 batch"; print "L 300 batch"
	t = 1000000000; tick = t + 250000000
	printf "S %.0f 0 300 300 0 0 0 0 1 0 hogB\n", t
	printf "S %.0f 0 200 200 300 300 1000000 0 0 0 hogA\n", t + 1000000
	run = 200; wait = 300; t += 2000000
	for (c = 0; c < 200; c++) {
		while (tick <= t) { printf "K %.0f\n", tick; tick += 250000000 }
		printf "W %.0f 0 100 100 0 0 0 0 0 0 sleeper\n", t
		printf "S %.0f 0 100 100 %.0f %.0f 9990000 10000 0 0 sleeper\n", t + 10000, run, run
		printf "S %.0f 0 %.0f %.0f 100 100 100000 9000000 1 0 hog\n", t + 110000, wait, wait
		x = run; run = wait; wait = x; t += 10000000
	}
	printf "K %.0f\n", tick
}'
} >"$TMP/k.log"
cat >"$TMP/vol.json" <<'JSON'
{"format_version":1,"kind":"tree","name":"vol","description":"vol_ratio stump","features":["vol_ratio"],
 "output":{"meaning":"latency_criticality","range":[0,1000]},"provenance":{},
 "tree":{"nodes":[{"feature":0,"threshold":500,"left":1,"right":2},{"leaf":0},{"leaf":1000}]}}
JSON
"$SCHEDML" eval --json --kernel --model "$TMP/vol.json" "$TMP/k.log" >"$TMP/k2.json" || fail "eval --kernel (known answer) failed"
for kv in '"decisions": 350' '"top1": 0.7500' '"top3": 1.0000' '"random_top1": 0.5000' '"oldest_top1": 0.5000' \
	'"accuracy": 1.0000'; do
	grep -q "$kv" "$TMP/k2.json" || fail "known-answer kernel trace: expected $kv: $(cat "$TMP/k2.json")"
done
ok "kernel agreement known answer: top1 0.75, random 0.5, oldest 0.5 over 350 decisions"
"$SCHEDML" train -q --kind mlp --seed 4 --out "$TMP/mlp-c.json" "$FX" || fail "train --seed 4"
cmp -s "$TMP/mlp-a.json" "$TMP/mlp-c.json" && fail "the seed does not change the MLP"
ok "a different seed gives a different MLP"

# Bad traces: exit 1 and "FILE:LINE: ..." on stderr.
expect_error() { # file line-regex
	local rc
	"$SCHEDML" train -q --out "$TMP/bad.json" "$1" 2>"$TMP/err"
	rc=$?
	[ $rc -eq 1 ] || fail "train on $1 exited $rc (expected 1)"
	grep -qE "$1:$2: " "$TMP/err" || fail "no 'FILE:LINE:' error for $1: $(cat "$TMP/err")"
	[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "more than one error line: $(cat "$TMP/err")"
	[ -e "$TMP/bad.json" ] && fail "a model was written from a bad trace"
	ok "$(cat "$TMP/err")"
}
zcat "$FX" | awk 'NR == 200 { print "S 12 garbage" } { print }' | gzip >"$TMP/garbage.log.gz"
expect_error "$TMP/garbage.log.gz" 200
zcat "$FX" | head -n 300 | sed '$ s/ [^ ]* [^ ]*$//' | gzip >"$TMP/cut.log.gz"
expect_error "$TMP/cut.log.gz" 300
size=$(stat -c %s "$FX")
head -c $((size / 2)) "$FX" >"$TMP/truncated.log.gz"
expect_error "$TMP/truncated.log.gz" '[0-9]+'
echo "not a trace" >"$TMP/text.log"
expect_error "$TMP/text.log" 1
"$SCHEDML" eval --model "$TMP/tree-a.json" "$TMP/garbage.log.gz" 2>"$TMP/err" && fail "eval accepted a bad trace"
grep -q "garbage.log.gz:200: " "$TMP/err" || fail "eval: no FILE:LINE error"
ok "eval: $(cat "$TMP/err")"
exit 0
