#!/usr/bin/env bash
# Run schedml's tests: cmocka unit binaries (plain and ASan/UBSan builds), then the root
# integration scripts in tests/integ/ (exit 0 pass, 77 skip, anything else fail).
# With CI=true a skipped test counts as a failure: CI must run every root/BPF test.
# Usage: tests/run.sh [unit|integ|all] [NAME-FILTER]
set -u
OUT=${OUT:-build}
what=${1:-all}
filter=${2:-}
pass=0 fail=0 skip=0
failed=()
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

record() { # name rc
	case $2 in
	0) pass=$((pass + 1)); echo "PASS: $1" ;;
	77) if [ "${CI:-}" = true ]; then
		fail=$((fail + 1)); failed+=("$1 (skipped in CI)"); echo "FAIL: $1 (skipped, and CI=true forbids skips)"
	    else
		skip=$((skip + 1)); echo "SKIP: $1"
	    fi ;;
	*) fail=$((fail + 1)); failed+=("$1"); echo "FAIL: $1 (exit $2)" ;;
	esac
}

if [ "$what" = unit ] || [ "$what" = all ]; then
	for dir in "$OUT/tests" "$OUT/san/tests"; do
		[ -d "$dir" ] || continue
		for t in "$dir"/test_*; do
			[ -x "$t" ] && [ "${t%.d}" = "$t" ] || continue
			case $t in *"$filter"*) ;; *) continue ;; esac
			echo "=== unit: $t"
			ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
				timeout 300 "$t"
			record "$t" $?
		done
	done
fi

if [ "$what" = integ ] || [ "$what" = all ]; then
	for t in tests/integ/t_*.sh; do
		[ -e "$t" ] || continue
		case $t in *"$filter"*) ;; *) continue ;; esac
		echo "=== integ: $t"
		start=$(date +%s)
		SCHEDML="$top/$OUT/schedml" OUT="$OUT" timeout 900 bash "$t"
		rc=$?
		echo "    ($(( $(date +%s) - start )) s)"
		record "$t" $rc
	done
fi

echo
for f in "${failed[@]}"; do echo "failed: $f"; done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
