#!/usr/bin/env bash
# The GPU check, in one run on a machine with an NVIDIA GPU (an H200 here):
#   1. builds with -DDOPPEL_CUDA=ON for sm_90 (skipped when BUILD_DIR already
#      holds such a build, e.g. one carried to a bare machine),
#   2. runs the gpu- and thrust-labelled tests (CUDA backend == references),
#   3. runs the kernel benches on every backend (GPU vs SIMD vs reference on
#      the same host, one run),
#   4. runs fuzzy `doppel dedupe` on generated bases on the simd and cuda
#      backends and requires byte-identical clusters.csv and pairs.csv,
# and writes bench/results/<date>-<gpu>.json (benches) and .md (summary).
# Safe to rerun: it only writes BUILD_DIR, WORK_DIR and the results files.
#
#   bench/gpu_check.sh                  GPU_CHECK_ROWS=1000000 by default
#   GPU_CHECK_ROWS=1000000,10000000 bench/gpu_check.sh
#   BUILD_DIR=build-gpu WORK_DIR=/tmp/doppel-gpu
#
# On a bare machine without the Debian packages (the lent H200), pack the
# build where the packages are with bench/gpu_bundle.sh and carry
# .gpu-bundle: when BUILD_DIR holds no build, this script unpacks
# .gpu-bundle/bundle.tar.xz into WORK_DIR and runs the programs from there,
# with the bundle's libraries (docs/performance.md, "The GPU check on a
# bare machine").
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-gpu}
WORK_DIR=${WORK_DIR:-/tmp/doppel-gpu}
ROWS=${GPU_CHECK_ROWS:-1000000}
mkdir -p "$WORK_DIR" bench/results

if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "gpu_check: no NVIDIA GPU here (nvidia-smi finds none)" >&2
  exit 2
fi
GPU=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)
GPU_SLUG=$(echo "$GPU" | tr '[:upper:]' '[:lower:]' | sed 's/nvidia //; s/[^a-z0-9]\+/-/g; s/-$//')
DATE=$(date -u +%Y-%m-%d)
OUT_BASE=bench/results/$DATE-$GPU_SLUG
echo "gpu_check: $GPU, $(nproc) cores, rows $ROWS" >&2
# On the lent machine only what lands in $OUT comes back: whatever this run
# has written by then, whether it ends well or not.
exec 2> >(tee "$WORK_DIR/check.log" >&2)
save_results() {
  if [ -n "${OUT:-}" ] && [ -d "$OUT" ]; then
    for f in "$OUT_BASE.json" "$OUT_BASE.md" "$WORK_DIR/gpu_test.log" "$WORK_DIR/check.log"; do
      if [ -f "$f" ]; then cp "$f" "$OUT/"; fi
    done
  fi
}
trap save_results EXIT

# The bundle's programs run with its libraries, and only they: the
# machine's own tools (python3, cmp) keep the machine's.
BUNDLE_LIB=""
run() {
  if [ -n "$BUNDLE_LIB" ]; then LD_LIBRARY_PATH="$BUNDLE_LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$@"; else "$@"; fi
}
BUILT_FROM="this tree, built here"
if [ ! -x "$BUILD_DIR/service/doppel" ] && [ -f .gpu-bundle/bundle.tar.xz ]; then
  # Python's tarfile: xz needs no tool that a bare machine may lack.
  rm -rf "$WORK_DIR/doppel-bundle"
  python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' \
    .gpu-bundle/bundle.tar.xz "$WORK_DIR"
  BUILD_DIR=$WORK_DIR/doppel-bundle
  BUNDLE_LIB=$BUILD_DIR/lib
  packed=$(cat "$BUILD_DIR/SOURCES") here=$(bench/source_hash.sh)
  BUILT_FROM="bundle of $(cat "$BUILD_DIR/COMMIT") (sources $packed; this tree's $here)"
  echo "gpu_check: $BUILT_FROM" >&2
  if [ "$packed" != "$here" ] && [ -z "${GPU_CHECK_ANY_BUNDLE:-}" ]; then
    echo "gpu_check: the bundle was packed from other sources: run bench/gpu_bundle.sh again" \
      "(or set GPU_CHECK_ANY_BUNDLE=1 to check it anyway)" >&2
    exit 3
  fi
elif [ ! -x "$BUILD_DIR/service/doppel" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDOPPEL_CUDA=ON \
    -DCMAKE_CUDA_ARCHITECTURES=90 >&2
  cmake --build "$BUILD_DIR" -j "$(nproc)" >&2
fi
DOPPEL=$BUILD_DIR/service/doppel
run "$DOPPEL" info >&2 || true

# 2. Equivalence tests.
TESTS=pass
# A build without CUDA would skip every GPU test: that is a failure here.
run "$BUILD_DIR/tests/gpu_test" --gtest_brief=1 2>&1 | tee "$WORK_DIR/gpu_test.log" >&2 || TESTS=FAIL
if grep -q SKIPPED "$WORK_DIR/gpu_test.log"; then TESTS=FAIL; echo "gpu_check: GPU tests skipped" >&2; fi
if [ -x "$BUILD_DIR/tests/thrust_cpp_test" ]; then run "$BUILD_DIR/tests/thrust_cpp_test" --gtest_brief=1 >&2 || TESTS=FAIL; fi
run "$BUILD_DIR/tests/kernels_test" --gtest_brief=1 >&2 || TESTS=FAIL

# 3. Kernel benches, every backend in one run (the cuda rows on the GPU
# whatever their batch size: no routing of small batches to the CPU).
DOPPEL_GPU_MIN_BATCH=0 run "$BUILD_DIR/bench/bm_kernels" --benchmark_filter='HashStrings|JaroPairs|MinHash|BlockPairs|Components' \
  --benchmark_min_time=0.3 --benchmark_format=json --benchmark_out="$WORK_DIR/bm.json" \
  --benchmark_out_format=json >/dev/null

# 4. End to end, simd vs cuda, identical outputs required.
E2E_LINES=""
SAME=yes
for rows in ${ROWS//,/ }; do
  base=$WORK_DIR/gen-$rows
  [ -f "$base/base.csv" ] || run "$DOPPEL" gen --rows "$rows" --seed 7 --out "$base" -q
  for backend in simd cuda; do
    out=$WORK_DIR/dedupe-$rows-$backend
    rm -rf "$out"
    start=$(date +%s%N)
    run "$DOPPEL" dedupe "$base/base.csv" --out "$out" --backend "$backend" -q
    end=$(date +%s%N)
    secs=$(( (end - start) / 1000000 ))
    secs=$((secs / 1000)).$(printf '%03d' $((secs % 1000)))
    # The run's own stage times (summary.json): where the GPU changed what.
    stages=$(python3 - "$out/summary.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s, g = d["stage_seconds"], d.get("device", {})
cols = [d["read_normalize_seconds"], s["blocking"], s["comparisons"], s["training"], s["scoring"], s["clustering"]]
device = "{:,} / {:,} of {:,} {}".format(g.get("pairs_levelled", 0), g.get("pairs_weighted", 0),
                                          d["candidate_pairs"], g.get("note", ""))
print(" | ".join(f"{v:.2f}" for v in cols) + " | " + device)
PY
)
    E2E_LINES+="| $rows | $backend | $secs | $stages |"$'\n'
  done
  for f in clusters.csv pairs.csv; do
    cmp -s "$WORK_DIR/dedupe-$rows-simd/$f" "$WORK_DIR/dedupe-$rows-cuda/$f" || SAME=NO
  done
done

# A device budget too small for any batch sized in advance (DOPPEL_GPU_MEMORY:
# hashing, MinHash, blocking; Jaro-Winkler, levels and weights stay on the
# GPU): the CPU serves those, to the same outputs, and summary.json counts it.
FIRST_ROWS=${ROWS%%,*}
out=$WORK_DIR/dedupe-$FIRST_ROWS-cuda-tight
rm -rf "$out"
DOPPEL_GPU_MEMORY=1 run "$DOPPEL" dedupe "$WORK_DIR/gen-$FIRST_ROWS/base.csv" --out "$out" --backend cuda -q || SAME=NO
FALLBACKS=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["device"]["fallback_batches"])' \
  "$out/summary.json" 2>/dev/null || echo none)
for f in clusters.csv pairs.csv; do
  cmp -s "$WORK_DIR/dedupe-$FIRST_ROWS-simd/$f" "$out/$f" || SAME=NO
done
case "$FALLBACKS" in ''|none|0) SAME=NO ;; esac
echo "gpu_check: with DOPPEL_GPU_MEMORY=1, $FALLBACKS batches fell back to the CPU" >&2

# A device budget that fits a key range of blocking but not a whole rule
# (64 MiB: a million entries): rules are blocked there a key range at a
# time, to the same outputs.
out=$WORK_DIR/dedupe-$FIRST_ROWS-cuda-ranges
rm -rf "$out"
DOPPEL_GPU_MEMORY=64M run "$DOPPEL" dedupe "$WORK_DIR/gen-$FIRST_ROWS/base.csv" --out "$out" --backend cuda -q || SAME=NO
SPLITS=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["device"]["split_batches"])' \
  "$out/summary.json" 2>/dev/null || echo none)
for f in clusters.csv pairs.csv; do
  cmp -s "$WORK_DIR/dedupe-$FIRST_ROWS-simd/$f" "$out/$f" || SAME=NO
done
echo "gpu_check: with DOPPEL_GPU_MEMORY=64M, $SPLITS blocking rules split into key ranges" >&2

cp "$WORK_DIR/bm.json" "$OUT_BASE.json"
{
  echo "# GPU check $DATE on $GPU"
  echo
  echo "Host: $(nproc) cores; build: $BUILT_FROM (sm_90); equivalence tests: $TESTS; simd and cuda outputs identical: $SAME"
  echo "(including cuda runs at $FIRST_ROWS rows with DOPPEL_GPU_MEMORY=1: $FALLBACKS batches served by the CPU;"
  echo "and with DOPPEL_GPU_MEMORY=64M: $SPLITS blocking rules split into key ranges on the GPU)"
  echo
  echo "| rows | backend | dedupe seconds | read+normalize | blocking | comparisons | training | scoring | clustering | pairs levelled / weighted on the GPU |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  printf "%s" "$E2E_LINES"
  echo
  echo "| benchmark | items/s |"
  echo "|---|---|"
  python3 - "$WORK_DIR/bm.json" <<'PY'
import json, sys
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    if "items_per_second" in b:
        print(f"| {b['name']} | {b['items_per_second']:,.0f} |")
PY
} > "$OUT_BASE.md"
cat "$OUT_BASE.md"
[ "$TESTS" = pass ] && [ "$SAME" = yes ]
