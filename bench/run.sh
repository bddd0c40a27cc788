#!/usr/bin/env bash
# All benchmarks in one run, so every ratio compares figures taken on the
# same machine at the same time:
#   - Google Benchmark suites (bm_kernels, bm_core)
#   - Jaro-Winkler: Doppel's kernels vs rapidfuzz on the same pairs
#   - end-to-end `doppel profile` and `doppel dedupe --exact` on a generated
#     base (1M rows by default), with 1 thread and with all cores; fuzzy
#     `doppel dedupe` on the reference and the SIMD kernels
#   - doppeld: ingest through tcp and ipc against a direct library call, and
#     get_entity latency under 4 concurrent clients (service_bench)
# Writes bench/results/<date>-<host>.json and .md.
#
#   bench/run.sh [BUILD_DIR]        DOPPEL_BENCH_ROWS=1000000 by default
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build}
ROWS=${DOPPEL_BENCH_ROWS:-1000000}
STAMP="$(date -u +%Y-%m-%d)-$(hostname -s)"
OUT_DIR=bench/results
WORK=${DOPPEL_BENCH_WORK:-var/bench}
mkdir -p "$OUT_DIR" "$WORK"

echo "bench: micro-benchmarks" >&2
"$BUILD_DIR/bench/bm_kernels" --benchmark_out="$WORK/bm_kernels.json" --benchmark_out_format=json \
  --benchmark_min_time=0.2 >&2
"$BUILD_DIR/bench/bm_core" --benchmark_out="$WORK/bm_core.json" --benchmark_out_format=json \
  --benchmark_min_time=0.2 >&2
# The SIMD kernels again on each lesser target this CPU has (DOPPEL_SIMD_TARGET
# caps the dispatch), so one machine shows what AVX2 and SSE4 CPUs would run.
CAPPED=()
best_target() { "$BUILD_DIR/service/doppel" info 2>/dev/null | sed -n 's/^cpu *best SIMD target \([A-Z0-9_]*\).*/\1/p'; }
top=$(best_target)
for target in AVX2 SSE4; do
  [ "$(DOPPEL_SIMD_TARGET=$target best_target)" = "$target" ] && [ "$top" != "$target" ] || continue
  echo "bench: kernels capped to $target" >&2
  DOPPEL_SIMD_TARGET=$target "$BUILD_DIR/bench/bm_kernels" --benchmark_filter='(JaroPairs|MinHash)/simd' \
    --benchmark_out="$WORK/bm_kernels_$target.json" --benchmark_out_format=json --benchmark_min_time=0.2 >&2
  CAPPED+=("$WORK/bm_kernels_$target.json")
done

echo "bench: the server (ingest direct vs tcp vs ipc, get_entity latency)" >&2
"$BUILD_DIR/bench/service_bench" --doppeld "$BUILD_DIR/service/doppeld" --rows "${DOPPEL_BENCH_SERVICE_ROWS:-100000}" \
  --clients 4 --seconds 5 --work "$WORK/service" --json "$WORK/service.json" >/dev/null

echo "bench: Jaro-Winkler against rapidfuzz on the same pairs (rapidfuzz part skipped if not installed)" >&2
python3 bench/rapidfuzz_compare.py --jaro-bench "$BUILD_DIR/bench/jaro_bench" --work "$WORK" \
  --json "$WORK/rapidfuzz.json" >/dev/null

echo "bench: end to end on $ROWS generated rows" >&2
python3 bench/e2e.py --doppel "$BUILD_DIR/service/doppel" --rows "$ROWS" --work "$WORK" \
  --micro "$WORK/bm_kernels.json" "$WORK/bm_core.json" ${CAPPED[@]+"${CAPPED[@]}"} --service "$WORK/service.json" \
  --rapidfuzz "$WORK/rapidfuzz.json" \
  --json "$OUT_DIR/$STAMP.json" --markdown "$OUT_DIR/$STAMP.md"
echo "bench: wrote $OUT_DIR/$STAMP.json and $OUT_DIR/$STAMP.md" >&2
