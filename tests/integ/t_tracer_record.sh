#!/usr/bin/env bash
# schedml record: both artifacts, their headers, T/L/Y/K lines, label rules and inheritance
# (a labelled pid's children; a comm rule matched after exec; children of that process).
source "$(dirname "$0")/lib.sh"
require_root
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF"
cc -O2 -o "$TMP/truth" "$(dirname "$0")/tracer_truth.c" || fail "cannot build the workload"

# A process labelled by pid before recording starts; its children (sleep) must inherit.
bash -c 'for i in $(seq 1200); do sleep 0.05; done' &   # bounded: at most ~60 s, not a CPU hog
loop=$!
cleanup_add "kill $loop"

bg_bounded 60 "$SCHEDML" record --out "$TMP/rec" --interval 500ms --note "record test" \
	--label "interactive=pid:$loop" --label 'batch=comm:^truth$' 2>"$TMP/rec.err"
rec=$BG_PID
wait_for 300 "grep -q 'Recording to' '$TMP/rec.err'" || { cat "$TMP/rec.err"; fail "record did not start"; }
timeout 30 "$TMP/truth" 1 "$TMP/truth.out" || fail "workload failed"
sleep 0.5
kill -TERM "$rec"
wait "$rec" || { cat "$TMP/rec.err"; fail "record failed"; }
cat "$TMP/rec.err"

ev=$TMP/rec/scheduling_events.log.gz pd=$TMP/rec/process_data.json.gz
[ -s "$ev" ] && [ -s "$pd" ] || fail "artifacts missing"
gzip -t "$ev" && gzip -t "$pd" || fail "artifacts are not valid gzip"
zcat "$ev" > "$TMP/ev.txt"
head -1 "$TMP/ev.txt" | grep -q '^# schedml-trace 1 {' || fail "trace header line"
for k in host kernel start_realtime_ns start_monotonic_ns schedml_version note labels source; do
	head -1 "$TMP/ev.txt" | grep -q "\"$k\":" || fail "trace header lacks $k"
done
head -1 "$TMP/ev.txt" | grep -q '"note":"record test"' || fail "note not in header"
for kind in S W N X T Y K L; do
	grep -q "^$kind " "$TMP/ev.txt" || fail "no $kind lines"
done
ok "trace: header and every record kind present ($(wc -l < "$TMP/ev.txt") lines)"

# Every line has the documented shape.
awk '
/^#/ && NR == 1 { next }
/^[SWNX] / { if (NF < 11) { print "short event line " NR ": " $0; bad = 1 } next }
/^T / { if (NF < 11) { print "short T line " NR ": " $0; bad = 1 } next }
/^L / { if (NF != 3 || ($3 != "interactive" && $3 != "batch")) { print "bad L line " NR; bad = 1 } next }
/^Y / { if (NF != 5) { print "bad Y line " NR; bad = 1 } next }
/^K / { if (NF != 2) { print "bad K line " NR; bad = 1 } next }
{ print "unknown line " NR ": " $0; bad = 1 }
END { exit bad }' "$TMP/ev.txt" || fail "malformed lines"

# The recorder itself is excluded as a subject.
recpid=$(head -1 "$TMP/ev.txt" | sed -n 's/.*"recorder_pid":\([0-9]*\).*/\1/p')
awk -v r="$recpid" '/^[SWNX] / && $5 == r { exit 1 }' "$TMP/ev.txt" || fail "recorder's own events recorded"

# Labels: the pid rule, its children by inheritance, the comm rule after exec, and its children.
label_of() { awk -v p="$1" '$1 == "L" && $2 == p { print $3 }' "$TMP/ev.txt" | head -1; }
[ "$(label_of "$loop")" = interactive ] || fail "pid rule: no interactive label for $loop"
kids=$(awk -v p="$loop" '$1 == "N" && $7 == p { print $5 }' "$TMP/ev.txt" | sort -u)
[ -n "$kids" ] || fail "no children of $loop seen"
for k in $kids; do
	[ "$(label_of "$k")" = interactive ] || fail "child $k of labelled $loop did not inherit"
done
ok "pid rule and inheritance: $loop and $(echo $kids | wc -w) children interactive"
parent=$(awk '$1 == "T" && $NF == "truth" { print $3 }' "$TMP/ev.txt" | head -1)
[ -n "$parent" ] || fail "no T line with comm truth"
[ "$(label_of "$parent")" = batch ] || fail "comm rule: truth ($parent) not labelled batch"
while read -r role pid _; do
	[ "$(label_of "$pid")" = batch ] || fail "truth child $role ($pid) did not inherit batch"
	awk -v p="$pid" -v c="truth-$role" '$1 == "T" && $2 == p && $NF == c { f = 1 } END { exit !f }' \
		"$TMP/ev.txt" || fail "no T line for $pid with its new comm truth-$role"
done < "$TMP/truth.out"
ok "comm rule after exec, children inherit, T lines follow comm changes"

# process_data.json.gz: header object, then per-process snapshots with the documented keys.
zcat "$pd" > "$TMP/pd.txt"
head -1 "$TMP/pd.txt" | grep -q '"schedml_process_data":1' || fail "process_data header"
[ "$(wc -l < "$TMP/pd.txt")" -gt 10 ] || fail "too few snapshots"
line=$(grep "\"pid\":$loop," "$TMP/pd.txt" | tail -1)
[ -n "$line" ] || fail "labelled process $loop missing from process_data"
for k in ts_ns pid ppid comm utime stime run_ns wait_ns slices vol_switches invol_switches nice policy threads rss_kb cgroup; do
	echo "$line" | grep -q "\"$k\":" || fail "process_data lacks $k"
done
echo "$line" | grep -q '"label":"interactive"' || fail "process_data: no label on $loop"
ok "process_data.json.gz: header and snapshots with labels"
