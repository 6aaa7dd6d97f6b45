#!/usr/bin/env bash
# Run schedml's libFuzzer targets (built by `make fuzz-build` into $OUT/fuzz/).
# For each target: replay every regression input in tests/fuzz/regress/<t>/ (each is a crash found
# earlier, now fixed), then fuzz for SECONDS on a working corpus ($OUT/fuzz/corpus/<t>/, kept
# between runs) seeded from tests/fuzz/corpus/<t>/, with tests/fuzz/<t>.dict if present.
# Exit 0 when no target crashed, leaked, hung or ran out of memory; 1 otherwise (never 77).
# Usage: tests/fuzz/run.sh SECONDS [TARGET...]      targets: the names of tests/fuzz/fuzz_*.c
set -u
OUT=${OUT:-build}
secs=${1:-}
[ -n "$secs" ] && [ "$secs" -gt 0 ] 2>/dev/null || { echo "usage: $0 SECONDS [TARGET...]" >&2; exit 2; }
shift
cd "$(dirname "$0")/../.."
if [ $# -gt 0 ]; then
	targets=("$@")
else
	targets=()
	for f in tests/fuzz/fuzz_*.c; do t=${f#tests/fuzz/fuzz_}; targets+=("${t%.c}"); done
fi

failed=()
for t in "${targets[@]}"; do
	bin=$OUT/fuzz/fuzz_$t
	work=$OUT/fuzz/corpus/$t
	crashes=$OUT/fuzz/crashes/$t
	log=$OUT/fuzz/logs/$t.log
	if [ ! -x "$bin" ]; then
		echo "fuzz $t: $bin not built (make fuzz-build)"; failed+=("$t"); continue
	fi
	mkdir -p "$work" "$crashes" "$(dirname "$log")"
	opts=(-timeout=10 -rss_limit_mb=2048 -error_exitcode=1 -timeout_exitcode=1)
	[ -f "tests/fuzz/$t.dict" ] && opts+=("-dict=tests/fuzz/$t.dict")

	regs=()
	for f in "tests/fuzz/regress/$t"/*; do [ -f "$f" ] && regs+=("$f"); done
	if [ ${#regs[@]} -gt 0 ]; then
		if ! "$bin" "${opts[@]}" "${regs[@]}" >"$log.regress" 2>&1; then
			echo "fuzz $t: a regression input fails again:"; tail -n 40 "$log.regress"
			failed+=("$t (regression)"); continue
		fi
		echo "fuzz $t: ${#regs[@]} regression inputs replayed, ok"
	fi

	start=$(date +%s)
	"$bin" "${opts[@]}" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$crashes/" "$work" "tests/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
	echo "fuzz $t: $(( $(date +%s) - start )) s, ${execs:-?} runs, ${cov:-cov: ?}, corpus $(ls "$work" | wc -l) files, exit $rc"
	if [ "$rc" -ne 0 ]; then
		grep -E 'ERROR: |SUMMARY: |runtime error|Test unit written' "$log" | head -n 20
		echo "fuzz $t: FAILED: log $log; keep the input as a regression test:"
		echo "    cp $crashes/<crash-file> tests/fuzz/regress/$t/"
		failed+=("$t")
	fi
done
[ ${#failed[@]} -eq 0 ] && exit 0
echo "fuzz: failed: ${failed[*]}"
exit 1
