#!/usr/bin/env bash
# The libFuzzer smoke run `make test` does: build the four targets (model, config, trace, event)
# with clang + ASan/UBSan + coverage, replay every committed regression input
# (tests/fuzz/regress/<t>/: crashes found earlier, now fixed), then fuzz each target for
# FUZZ_SMOKE_SECONDS (20) from the seed corpus. Any crash, leak, UB, hang or OOM fails.
# `make fuzz` is the long run (FUZZ_SECONDS, default 300 per target). Does not need root.
source "$(dirname "$0")/lib.sh"

command -v clang >/dev/null || fail "clang missing (tools/deps.sh installs it)"
ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 ||
	fail "libFuzzer runtime missing (Debian package libclang-rt-14-dev)"
OUT=${OUT:-build}
make -s --no-print-directory OUT="$OUT" fuzz-build >"$TMP/build.log" 2>&1 || {
	tail -n 30 "$TMP/build.log"; fail "fuzz targets do not build"
}
for t in model config trace event; do
	[ -x "$OUT/fuzz/fuzz_$t" ] || fail "fuzz target $t not built"
done
OUT="$OUT" tests/fuzz/run.sh "${FUZZ_SMOKE_SECONDS:-20}" || fail "fuzz smoke run found a problem (see above)"
ok "4 fuzz targets: regressions replayed, ${FUZZ_SMOKE_SECONDS:-20} s each without a finding"
