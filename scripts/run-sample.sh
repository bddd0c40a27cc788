#!/usr/bin/env bash
# The main job on a bundled default (what `make run` does after building):
#   1. generate a sample client base (with ground truth);
#   2. profile it and deduplicate it as a batch job, and score the result;
#   3. start doppeld on ./var/doppel, ingest the sample through it, show one
#      golden record with its members, and stop the server cleanly.
set -euo pipefail
BUILD_DIR=${1:-build}
DOPPEL="$BUILD_DIR/service/doppel"
DOPPELD="$BUILD_DIR/service/doppeld"
OUT=${DOPPEL_SAMPLE_DIR:-var/sample}
DB=${DOPPEL_DB:-var/doppel}
ROWS=${DOPPEL_SAMPLE_ROWS:-100000}

echo "== Generating a sample base of $ROWS Russian client records (seed 42) =="
"$DOPPEL" gen --rows "$ROWS" --seed 42 --locale ru --out "$OUT"
echo
echo "== Profile =="
"$DOPPEL" profile "$OUT/base.csv" --rejects "$OUT/profile-rejects.csv"
echo
echo "== Exact deduplication (batch) =="
"$DOPPEL" dedupe --exact "$OUT/base.csv" --out "$OUT/dedupe"
echo
echo "== Against the generator's ground truth =="
"$DOPPEL" eval --truth "$OUT/truth.csv" "$OUT/dedupe/clusters.csv"
echo

echo "== Through the server: doppeld on $DB =="
mkdir -p "$(dirname "$DB")"
ENDPOINT_FILE="$(mktemp)"
rm -f "$ENDPOINT_FILE"
"$DOPPELD" --db "$DB" --listen "tcp://127.0.0.1:*" --endpoint-file "$ENDPOINT_FILE" &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -f "$ENDPOINT_FILE"' EXIT
for _ in $(seq 200); do [ -s "$ENDPOINT_FILE" ] && break; kill -0 $SERVER 2>/dev/null || exit 1; sleep 0.05; done
ENDPOINT=$(cat "$ENDPOINT_FILE")
"$DOPPEL" health --server "$ENDPOINT"
INGEST_LOG="$(mktemp)"
"$DOPPEL" ingest --server "$ENDPOINT" --source sample "$OUT/base.csv" | tee "$INGEST_LOG"
ENTITY=$(sed -n 's/.*doppel get --entity \([0-9]*\).*/\1/p' "$INGEST_LOG")
rm -f "$INGEST_LOG"
if [ -n "$ENTITY" ]; then
  echo
  echo "== One golden record with its members: entity $ENTITY =="
  "$DOPPEL" get --server "$ENDPOINT" --entity "$ENTITY"
fi
echo
kill -TERM $SERVER
wait $SERVER
trap - EXIT
rm -f "$ENDPOINT_FILE"
echo "doppeld stopped; the base stays in $DB"
