#!/usr/bin/env bash
# CI's robustness stage (after `make test`; .ci/run calls both):
#  1. one clang build with ASan + UBSan + libFuzzer instrumentation
#     (-DDOPPEL_FUZZ=ON) of the libraries, doppel, doppeld and the tests;
#  2. the whole test suite on it (sanitized doppeld processes included) and
#     every fuzz target over its committed corpus;
#  3. each fuzz target fuzzed for FUZZ_SECONDS (default 60), two at a time,
#     on a scratch copy of its corpus, from a fixed seed (FUZZ_SEED, default
#     1): the same committed corpus and seed give the same sequence of
#     inputs, so CI walks the path that was run before committing, as far as
#     its machine gets in the time (not exactly the same runs: the count
#     depends on speed and load). Any crash, sanitizer report or broken
#     invariant fails the stage, and its input is printed. New ground is
#     broken by bench/fuzz.sh, which draws a new seed each run.
#
#   scripts/ci-robust.sh        BUILD_DIR=build-robust FUZZ_SECONDS=60 FUZZ_SEED=1 FUZZ_ONLY=1
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD_DIR:-build-robust}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_SEED=${FUZZ_SEED:-1}
JOBS=${JOBS:-$(nproc)}
start=$(date +%s)
stage() { echo "ci-robust: $* ($(( $(date +%s) - start )) s)" >&2; }

scripts/install-deps.sh
stage "configure $BUILD (clang, ASan+UBSan, libFuzzer)"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDOPPEL_FUZZ=ON -DDOPPEL_BUILD_TESTS=ON -DDOPPEL_BUILD_BENCH=OFF -DDOPPEL_CUDA=OFF >/dev/null
cmake --build "$BUILD" -j "$JOBS"

if [ "${FUZZ_ONLY:-0}" != 1 ]; then
  stage "test suite under ASan + UBSan"
  # UBSan findings abort (-fno-sanitize-recover); ASan reports leaks at exit.
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS"
fi

stage "fuzzing, $FUZZ_SECONDS s per target, seed $FUZZ_SEED"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()
run_target() {
  local t=$1 dir="$work/$1"
  mkdir -p "$dir/corpus"
  cp tests/fuzz/corpus/"$t"/* "$dir/corpus/"
  if (cd "$dir" && "$OLDPWD/$BUILD/tests/fuzz/${t}_fuzz" -max_total_time="$FUZZ_SECONDS" -seed="$FUZZ_SEED" -max_len=4096 \
        -print_final_stats=1 corpus > log.txt 2>&1); then
    echo "ci-robust: fuzz $t: $(grep -o 'number_of_executed_units: *[0-9]*' "$dir/log.txt" | grep -o '[0-9]*$') executions, clean" >&2
  else
    echo "ci-robust: fuzz $t FAILED:" >&2
    grep -E -A12 'invariant broken|ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|runtime error' "$dir/log.txt" | head -40 >&2
    for f in "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-*; do
      [ -e "$f" ] && { echo "input $(basename "$f") (base64):" >&2; base64 "$f" | head -20 >&2; }
    done
    return 1
  fi
}
targets=(csv_reader request phone email date name address config outcomes numbering)
pids=()
names=()
for t in "${targets[@]}"; do
  run_target "$t" &
  pids+=($!)
  names+=("$t")
  if [ ${#pids[@]} -ge 2 ]; then
    wait "${pids[0]}" || failed+=("${names[0]}")
    pids=("${pids[@]:1}")
    names=("${names[@]:1}")
  fi
done
for i in "${!pids[@]}"; do wait "${pids[$i]}" || failed+=("${names[$i]}"); done
if [ ${#failed[@]} -gt 0 ]; then
  stage "FAILED: ${failed[*]}"
  exit 1
fi
stage "passed"
