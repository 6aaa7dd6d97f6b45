#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tools/trace-keep-labelled.sh (how the committed corpus is reduced to the labelled processes'
# events) must leave every labelled vector unchanged: the same features, bit for bit, for every
# tick, before and after filtering an unfiltered recording.
set -u
. "$(dirname "$0")/lib.sh"
IN=tests/fixtures/traces/stress_cyclictest.log.gz
[ -r "$IN" ] || fail "$IN missing"
tools/trace-keep-labelled.sh "$IN" "$TMP/f.log.gz" || fail "filter failed"
before=$(stat -c %s "$IN") after=$(stat -c %s "$TMP/f.log.gz")
[ "$after" -lt "$before" ] || fail "filtering did not shrink the trace ($before -> $after bytes)"
zcat "$TMP/f.log.gz" | grep -q '^# filtered by tools/trace-keep-labelled.sh' || fail "no filter note"
for f in "$IN" "$TMP/f.log.gz"; do
	"$SCHEDML" eval --min-age 0 --model models/default.json --csv "$TMP/$(basename "$f").csv" "$f" \
		>/dev/null || fail "eval on $f failed"
done
n=$(($(wc -l <"$TMP/$(basename "$IN").csv") - 1))
[ "$n" -gt 10 ] || fail "only $n labelled vectors in $IN"
cmp "$TMP/$(basename "$IN").csv" "$TMP/f.log.gz.csv" || fail "filtering changed the labelled vectors"
ok "$n labelled vectors identical after filtering ($before -> $after bytes)"
exit 0
