#!/usr/bin/env bash
# The main job on a bundled default (what `make run` does after building):
#   1. generate a sample client base (with ground truth);
#   2. profile it and deduplicate it as a batch job, and score the result;
#   3. start doppeld on ./var/doppel, ingest the sample through it, show one
#      golden record with its members, and stop the server cleanly;
#   4. run the actualization loop on that database: load the numbering plan
#      (when ../shared/data has it), make a call list, apply simulated call
#      outcomes, and write the report.
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

echo
echo "== The actualization loop on $DB =="
TODAY=2026-12-04
PLAN=${DOPPEL_NUMBERING_PLAN:-../shared/data/ru_phone_def_codes/DEF-9xx.csv}
if [ -f "$PLAN" ]; then
  "$DOPPEL" numbering import "$PLAN" --db "$DB"
else
  echo "(no numbering plan at $PLAN: time zones come from addresses)"
fi
"$DOPPEL" calllist --db "$DB" --today "$TODAY" --limit 2000 --out "$OUT/calls.csv"
echo "The first five calls:"
head -6 "$OUT/calls.csv" | cut -d, -f1-8,15-17
# Operators' results, simulated: the staler the contact, the likelier it
# changed. Deterministic (awk's srand with a fixed seed).
awk -F, -v seed=42 'BEGIN { srand(seed); print "entity_id,contact,outcome,called_at,operator,new_phone,preferred_channel" }
  NR > 1 {
    # the phone is column 8; staleness column 12 (quoted names have no commas in generated data)
    s = $12 + 0; r = rand(); out = "confirmed"; newp = ""
    if (r < 0.25 * s) out = "unreachable"
    else if (r < 0.35 * s) out = "wrong_person"
    else if (r < 0.50 * s) { out = "updated"; newp = sprintf("+7916%07d", int(rand() * 9000000) + 1000000) }
    else if (r < 0.50 * s + 0.03) out = "do_not_call"
    ch = (rand() < 0.3) ? "sms" : ""
    printf "%s,%s,%s,2026-12-05,op%d,%s,%s\n", $2, $8, out, NR % 7, newp, ch
  }' "$OUT/calls.csv" > "$OUT/outcomes.csv"
"$DOPPEL" outcomes import "$OUT/outcomes.csv" --db "$DB" --today 2026-12-05 --rejects "$OUT/outcome-rejects.csv"
"$DOPPEL" report --db "$DB" --today 2026-12-05 --out "$OUT/report"
echo "Open $OUT/report/report.html in a browser for the charts."

