#!/usr/bin/env bash
# Long fuzzing runs of every target in tests/fuzz (libFuzzer, ASan, UBSan).
#
#   bench/fuzz.sh [SECONDS_PER_TARGET] [TARGET ...]   (default 600 s, all targets)
#   FUZZ_JOBS=2              targets run at once (default: the number of cores)
#   FUZZ_UPDATE_CORPUS=1     merge what the run found into tests/fuzz/corpus/<target>
#                            (minimized with -merge=1; commit the result)
#   FUZZ_BUILD_DIR=build-fuzz
#
# Builds the targets with clang (-DDOPPEL_FUZZ=ON) when needed. Each run
# works on a copy of the committed corpus under var/fuzz/<target>; a crash or
# a broken invariant leaves its input there as crash-* and the script fails.
# Writes bench/results/<date>-<host>-fuzz.md: executions and findings per target.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER=${1:-600}
shift || true
ALL=(csv_reader request phone email date name address config outcomes numbering)
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=("${ALL[@]}")
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
JOBS=${FUZZ_JOBS:-$(nproc)}

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DDOPPEL_FUZZ=ON -DDOPPEL_BUILD_TESTS=OFF -DDOPPEL_BUILD_BENCH=OFF -DDOPPEL_CUDA=OFF >&2
fi
cmake --build "$BUILD" -j "$JOBS" --target fuzz_targets >&2

STAMP="$(date -u +%Y-%m-%d)-$(hostname -s)"
mkdir -p bench/results var/fuzz
OUT="bench/results/$STAMP-fuzz.md"
run_one() {
  local t=$1 work="var/fuzz/$1"
  mkdir -p "$work/corpus"
  rm -f "$work"/crash-* "$work"/leak-* "$work"/timeout-*  # findings of earlier runs
  cp -n tests/fuzz/corpus/"$t"/* "$work/corpus/" 2>/dev/null || true
  local rc=0
  (cd "$work" && "../../../$BUILD/tests/fuzz/${t}_fuzz" -max_total_time="$SECONDS_PER" -max_len=4096 \
     -print_final_stats=1 corpus > log.txt 2>&1) || rc=$?
  local execs crashes
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log.txt" | grep -o '[0-9]*$' || echo 0)
  crashes=$(find "$work" -maxdepth 1 -name 'crash-*' -o -maxdepth 1 -name 'leak-*' -o -maxdepth 1 -name 'timeout-*' | wc -l)
  echo "$t $rc ${execs:-0} $crashes" > "$work/summary"
  echo "fuzz: $t: ${execs:-0} executions in ${SECONDS_PER} s, exit $rc, findings $crashes" >&2
}
running=0
for t in "${TARGETS[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$JOBS" ]; then wait -n; running=$((running - 1)); fi
done
wait

failed=0
{
  echo "# Fuzzing, $(date -u +%Y-%m-%d), $(hostname -s), ${SECONDS_PER} s per target, $JOBS at once"
  echo
  echo "| target | executions | exec/s | findings | exit |"
  echo "|---|---|---|---|---|"
  for t in "${TARGETS[@]}"; do
    read -r name rc execs crashes < "var/fuzz/$t/summary"
    echo "| $name | $execs | $(( execs / SECONDS_PER )) | $crashes | $rc |"
    if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then failed=1; fi
  done
} > "$OUT"
cat "$OUT"

if [ "${FUZZ_UPDATE_CORPUS:-0}" = 1 ]; then
  for t in "${TARGETS[@]}"; do
    merged="var/fuzz/$t/merged"
    rm -rf "$merged" && mkdir -p "$merged"
    "$BUILD/tests/fuzz/${t}_fuzz" -merge=1 -max_len=4096 "$merged" tests/fuzz/corpus/"$t" "var/fuzz/$t/corpus" \
      > "var/fuzz/$t/merge.txt" 2>&1
    # Keep the hand-written seeds and the inputs of fixed findings (found_*)
    # by name; the rest is the minimized set.
    find tests/fuzz/corpus/"$t" -type f ! -name 'seed_*' ! -name 'found_*' -delete
    # libFuzzer names a merged input by its SHA-1: skip those equal to a seed.
    seeds=$(sha1sum tests/fuzz/corpus/"$t"/seed_* | cut -c1-40)
    for f in "$merged"/*; do
      grep -qx "$(basename "$f")" <<< "$seeds" || cp "$f" tests/fuzz/corpus/"$t"/
    done
    echo "fuzz: $t corpus now $(find tests/fuzz/corpus/"$t" -type f | wc -l) files" >&2
  done
fi
exit $failed
