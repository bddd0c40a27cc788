#!/usr/bin/env bash
# The main job on a bundled default (what `make run` does after building):
# generate a sample client base, profile it, deduplicate it, and score the
# result against the generator's ground truth.
set -euo pipefail
BUILD_DIR=${1:-build}
DOPPEL="$BUILD_DIR/service/doppel"
OUT=${DOPPEL_SAMPLE_DIR:-var/sample}
ROWS=${DOPPEL_SAMPLE_ROWS:-100000}

echo "== Generating a sample base of $ROWS Russian client records (seed 42) =="
"$DOPPEL" gen --rows "$ROWS" --seed 42 --locale ru --out "$OUT"
echo
echo "== Profile =="
"$DOPPEL" profile "$OUT/base.csv" --rejects "$OUT/profile-rejects.csv"
echo
echo "== Exact deduplication =="
"$DOPPEL" dedupe --exact "$OUT/base.csv" --out "$OUT/dedupe"
echo
echo "== Against the generator's ground truth =="
"$DOPPEL" eval --truth "$OUT/truth.csv" "$OUT/dedupe/clusters.csv"
