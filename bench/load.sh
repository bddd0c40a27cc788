#!/usr/bin/env bash
# Open-loop load on a real doppeld (bench/load_gen.cc does the sending).
#
# Generates a base (doppel gen), starts doppeld on a fresh database in a
# temporary directory on a free tcp port, ingests the base through it, then:
#   1. ramp: load_gen at rising constant rates until doppeld starts to
#      answer `busy` (its --max-in-flight queue is full), then a few
#      bisection steps between the last clean rate and the first busy one;
#   2. overload: 5x the first busy rate, checking that the server's resident
#      memory and descriptors stay bounded (RSS is sampled every second);
#   3. recovery: the first ramp rate again: no busy, no timeouts expected.
# With LOAD_SOAK_S set it runs one constant rate for that long instead (the
# soak), sampling RSS and descriptors throughout.
# Each run sends resolve (records of the base) and get_entity (random ids)
# requests mixed by LOAD_MIX; latency is counted from each request's
# scheduled time. doppeld is stopped with SIGTERM at the end, or on any exit
# (trap). The default run takes about 2-3 minutes.
#
#   bench/load.sh [BUILD_DIR]                   ramp + overload (default build/)
#   LOAD_SOAK_S=3600 bench/load.sh              one hour at LOAD_SOAK_RATE
#
# Writes bench/results/<date>-<host>-load.json (every run's full load_gen
# report) and bench/results/<date>-<host>-load.md (the table); the soak
# writes ...-load-soak.json and ...-load-soak.md.
#
# Settings (environment), with their defaults:
#   LOAD_ROWS=20000                 rows in the generated base
#   LOAD_RATES="500 1000 2000 4000 8000 16000"   ramp rates, req/s
#   LOAD_STEP_S=10                  seconds per ramp step (plus LOAD_WARMUP_S)
#   LOAD_WARMUP_S=1                 unmeasured seconds at the start of each run
#   LOAD_GRACE_S=5                  wait for replies after a run's last send
#   LOAD_REFINE=2                   bisection steps once busy replies appear
#   LOAD_OVERLOAD_X=5               overload rate = this x the first busy rate
#   LOAD_OVERLOAD_S=20              seconds of overload
#   LOAD_MIX=resolve=0.5,get_entity=0.5
#   LOAD_RESOLVE=base               resolve records: base (rows of the ingested base,
#                                   they match) or generated (load_gen's own, seeded)
#   LOAD_SEED=1                     seed of the base and of the request streams
#   LOAD_SOCKETS=8                  DEALER sockets of load_gen
#   LOAD_SOAK_S=0                   > 0: the soak instead of ramp + overload
#   LOAD_SOAK_RATE=1000             the soak's rate, req/s
#   LOAD_DOPPELD_ARGS=""            extra doppeld flags, e.g. "--max-in-flight 64"
#   LOAD_KEEP=0                     1: keep the work directory (logs, database)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build}
ROWS=${LOAD_ROWS:-20000}
RATES=${LOAD_RATES:-"500 1000 2000 4000 8000 16000"}
STEP_S=${LOAD_STEP_S:-10}
WARMUP_S=${LOAD_WARMUP_S:-1}
GRACE_S=${LOAD_GRACE_S:-5}
REFINE=${LOAD_REFINE:-2}
OVERLOAD_X=${LOAD_OVERLOAD_X:-5}
OVERLOAD_S=${LOAD_OVERLOAD_S:-20}
MIX=${LOAD_MIX:-resolve=0.5,get_entity=0.5}
RESOLVE=${LOAD_RESOLVE:-base}
SEED=${LOAD_SEED:-1}
SOCKETS=${LOAD_SOCKETS:-8}
SOAK_S=${LOAD_SOAK_S:-0}
SOAK_RATE=${LOAD_SOAK_RATE:-1000}
DOPPELD_ARGS=${LOAD_DOPPELD_ARGS:-}
KEEP=${LOAD_KEEP:-0}

DOPPEL="$BUILD_DIR/service/doppel"
DOPPELD="$BUILD_DIR/service/doppeld"
LOAD_GEN="$BUILD_DIR/bench/load_gen"
for bin in "$DOPPEL" "$DOPPELD" "$LOAD_GEN"; do
  [[ -x $bin ]] || { echo "load: $bin not built (ninja -C $BUILD_DIR doppel doppeld load_gen)" >&2; exit 1; }
done

STAMP="$(date -u +%Y-%m-%d)-$(hostname -s)"
OUT_DIR=bench/results
NAME="$STAMP-load"
(( SOAK_S > 0 )) && NAME="$STAMP-load-soak"
mkdir -p "$OUT_DIR"
mkdir -p var
WORK=$(mktemp -d "$PWD/var/load.XXXXXX")  # var/ is git-ignored; on the same disk as a real database
LOG="$WORK/load_gen.log"
PID=""
STOPPED=""  # how doppeld ended, once stopped

log() { echo "load: $*" >&2; }

# Stops doppeld with SIGTERM and waits for it (SIGKILL after 60 s).
stop_server() {
  [[ -n $PID ]] || return 0
  local pid=$PID rc=0
  PID=""
  if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid" 2>/dev/null || rc=$?
    STOPPED="already gone (exit $rc)"
    return 0
  fi
  kill -TERM "$pid"
  for _ in $(seq 600); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null || true
    STOPPED="did not stop within 60 s of SIGTERM; killed"
    return 0
  fi
  wait "$pid" 2>/dev/null || rc=$?
  if (( rc == 0 )); then STOPPED="stopped cleanly on SIGTERM (exit 0)"; else STOPPED="exit $rc after SIGTERM"; fi
}

on_exit() {
  local rc=$?
  if [[ -n $PID ]]; then
    stop_server
    log "doppeld $STOPPED"
  fi
  if [[ $KEEP == 1 || $rc != 0 ]]; then
    log "work directory kept: $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# ---- the base and the server ------------------------------------------------
LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)  # other work on the machine skews every figure
log "generating $ROWS rows (seed $SEED) in $WORK"
"$DOPPEL" gen --rows "$ROWS" --seed "$SEED" --out "$WORK/gen" -q >&2
BASE="$WORK/gen/base.csv"
case $RESOLVE in
  base) RESOLVE_FLAGS=(--csv "$BASE") ;;
  generated) RESOLVE_FLAGS=() ;;
  *) log "LOAD_RESOLVE must be base or generated"; exit 2 ;;
esac

# shellcheck disable=SC2086  # LOAD_DOPPELD_ARGS is split into flags on purpose
"$DOPPELD" --db "$WORK/db" --listen 'tcp://127.0.0.1:*' --endpoint-file "$WORK/endpoint" \
  $DOPPELD_ARGS 2>"$WORK/doppeld.log" &
PID=$!
SERVER_PID=$PID
for _ in $(seq 200); do
  [[ -s $WORK/endpoint ]] && break
  kill -0 "$PID" 2>/dev/null || { cat "$WORK/doppeld.log" >&2; log "doppeld did not start"; exit 1; }
  sleep 0.05
done
[[ -s $WORK/endpoint ]] || { log "doppeld wrote no endpoint within 10 s"; exit 1; }
EP=$(cat "$WORK/endpoint")
log "doppeld pid $PID on $EP"

t=$(date +%s.%N)
"$DOPPEL" ingest --server "$EP" -q "$BASE" >&2
INGEST_S=$(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
log "ingested $ROWS rows in $INGEST_S s"

# ---- one run -------------------------------------------------------------------
STEPS=()    # the JSON files, in order
ROWS_MD=()  # the markdown rows, in order
SUMMARY=""
N=0

# The value of a key=value field of the last run's summary line.
field() { tr ' ' '\n' <<<"$SUMMARY" | sed -n "s/^$1=//p"; }
mib() { awk -v k="$1" 'BEGIN { if (k < 0) print "-"; else printf "%.1f", k / 1024 }'; }

# run_load LABEL RATE SECONDS [extra load_gen flags]
run_load() {
  local label=$1 rate=$2 secs=$3
  shift 3
  N=$((N + 1))
  local json="$WORK/run-$N-$label.json"
  log "$label: $rate req/s for $secs s"
  SUMMARY=$("$LOAD_GEN" --endpoint "$EP" --rate "$rate" --duration "$secs" --warmup "$WARMUP_S" \
    --grace "$GRACE_S" --mix "$MIX" --seed "$SEED" --sockets "$SOCKETS" "${RESOLVE_FLAGS[@]}" \
    --server-pid "$SERVER_PID" --json "$json" --label "$label" "$@" 2> >(tee -a "$LOG" >&2)) || {
    log "load_gen failed during $label (see above)"
    RUN_FAILED="$RUN_FAILED load_gen failed during $label."
    kill -0 "$SERVER_PID" 2>/dev/null || SERVER_DIED="during $label"
    return 1
  }
  STEPS+=("$json")
  ROWS_MD+=("| $label | $rate | $(field achieved) | $(field ok_per_s) | $(field sent) | $(field ok) | $(field busy) \
| $(field other) | $(field timeouts) | $(field p50_ms) | $(field p99_ms) | $(field p999_ms) | $(field max_ms) \
| $(field lag_p99_ms) | $(mib "$(field rss_max_kb)") | $(field fds_max) |")
  if [[ $(field server_gone) != 0 ]] || ! kill -0 "$SERVER_PID" 2>/dev/null; then
    log "doppeld went away during $label"
    SERVER_DIED="during $label"
    return 1
  fi
}

SERVER_DIED=""
RUN_FAILED=""
LAST_CLEAN=""
FIRST_BUSY=""
MAX_OK=0
OVERLOAD_NOTE=""
RECOVERY_NOTE=""

if (( SOAK_S > 0 )); then
  # ---- the soak ----------------------------------------------------------------
  run_load soak "$SOAK_RATE" "$SOAK_S" || true
  SOAK_NOTE="Soak: $SOAK_RATE req/s for $SOAK_S s. Server RSS first $(mib "$(field rss_first_kb)") MiB, \
largest in the first half $(mib "$(field rss_max_h1_kb)"), in the second half $(mib "$(field rss_max_h2_kb)"), \
last $(mib "$(field rss_last_kb)"); descriptors at most $(field fds_max), last $(field fds_last)."
else
  # ---- the ramp --------------------------------------------------------------------
  for rate in $RATES; do
    run_load "ramp" "$rate" "$STEP_S" --quiet || break
    MAX_OK=$(awk -v a="$MAX_OK" -v b="$(field ok_per_s)" 'BEGIN { print (b > a ? b : a) }')
    if (( $(field busy) > 0 )); then
      FIRST_BUSY=$rate
      break
    fi
    LAST_CLEAN=$rate
  done
  # Bisection between the last clean rate and the first busy one.
  if [[ -n $FIRST_BUSY && -z $SERVER_DIED ]]; then
    lo=${LAST_CLEAN:-0}
    hi=$FIRST_BUSY
    for _ in $(seq "$REFINE"); do
      mid=$(( (lo + hi) / 2 ))
      (( mid > lo && mid < hi )) || break
      run_load "refine" "$mid" "$STEP_S" --quiet || break
      MAX_OK=$(awk -v a="$MAX_OK" -v b="$(field ok_per_s)" 'BEGIN { print (b > a ? b : a) }')
      if (( $(field busy) > 0 )); then hi=$mid; else lo=$mid; fi
    done
    LAST_CLEAN=$lo
    FIRST_BUSY=$hi
  fi
  # Overload at 5x the first busy rate (or the highest rate tried).
  if [[ -z $SERVER_DIED ]]; then
    base_rate=${FIRST_BUSY:-$(tr ' ' '\n' <<<"$RATES" | sort -n | tail -1)}
    over=$(( base_rate * OVERLOAD_X ))
    if run_load "overload" "$over" "$OVERLOAD_S" --quiet; then
      OVERLOAD_NOTE="Overload: $over req/s offered ($OVERLOAD_X x $base_rate), $(field achieved) sent/s achieved, \
$(field ok_per_s) ok/s, $(field busy) busy, $(field timeouts) timeouts. Server RSS first $(mib "$(field rss_first_kb)") MiB, \
largest in the first half $(mib "$(field rss_max_h1_kb)"), in the second half $(mib "$(field rss_max_h2_kb)"), \
last $(mib "$(field rss_last_kb)"); descriptors at most $(field fds_max)."
    fi
  fi
  # Recovery: the first ramp rate again.
  if [[ -z $SERVER_DIED ]]; then
    first_rate=$(awk '{ print $1 }' <<<"$RATES")
    if run_load "recovery" "$first_rate" 5 --quiet; then
      RECOVERY_NOTE="Recovery at $first_rate req/s right after: $(field ok) ok, $(field busy) busy, \
$(field other) other errors, $(field timeouts) timeouts, p99 $(field p99_ms) ms."
    fi
  fi
fi

stop_server
log "doppeld $STOPPED"

# ---- the results -------------------------------------------------------------------
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
CORES=$(nproc)
if [[ -n $FIRST_BUSY ]]; then
  BUSY_TEXT="busy replies begin between $LAST_CLEAN req/s (none) and $FIRST_BUSY req/s"
elif (( SOAK_S > 0 )); then
  BUSY_TEXT=""
else
  BUSY_TEXT="no busy reply up to $(tr ' ' '\n' <<<"$RATES" | sort -n | tail -1) req/s"
fi

json_str() { printf '"%s"' "$(sed 's/\\/\\\\/g; s/"/\\"/g' <<<"$1")"; }
{
  echo "{"
  echo "  \"date\": $(json_str "$(date -u +%Y-%m-%dT%H:%M:%SZ)"),"
  echo "  \"host\": $(json_str "$(hostname -s)"),"
  echo "  \"cpu\": $(json_str "$CPU"),"
  echo "  \"cores\": $CORES,"
  echo "  \"loadavg_at_start\": $(json_str "$LOADAVG_START"),"
  echo "  \"mode\": $(json_str "$( (( SOAK_S > 0 )) && echo soak || echo ramp)"),"
  echo "  \"rows\": $ROWS,"
  echo "  \"ingest_s\": $INGEST_S,"
  echo "  \"mix\": $(json_str "$MIX"),"
  echo "  \"resolve_records\": $(json_str "$RESOLVE"),"
  echo "  \"seed\": $SEED,"
  echo "  \"doppeld_args\": $(json_str "$DOPPELD_ARGS"),"
  echo "  \"last_clean_rate\": ${LAST_CLEAN:-null},"
  echo "  \"first_busy_rate\": ${FIRST_BUSY:-null},"
  echo "  \"max_ok_per_s\": $MAX_OK,"
  echo "  \"server_died\": $(json_str "$SERVER_DIED"),"
  echo "  \"failures\": $(json_str "$RUN_FAILED"),"
  echo "  \"doppeld_stop\": $(json_str "$STOPPED"),"
  echo "  \"runs\": ["
  for i in "${!STEPS[@]}"; do
    (( i > 0 )) && echo "  ,"
    cat "${STEPS[$i]}"
  done
  echo "  ]"
  echo "}"
} >"$OUT_DIR/$NAME.json.tmp"
mv "$OUT_DIR/$NAME.json.tmp" "$OUT_DIR/$NAME.json"

{
  echo "# doppeld under open-loop load, $(date -u +%Y-%m-%d), $(hostname -s)"
  echo
  echo "$CPU, $CORES cores (load_gen runs on the same machine; load average $LOADAVG_START at the start)."
  echo "Base: $ROWS generated rows (seed $SEED),"
  echo "ingested through doppeld in $INGEST_S s. Mix $MIX; resolve sends one record per request"
  echo "($RESOLVE records), get_entity a random id. Latency of ok replies, from each request's scheduled send time (open loop)."
  [[ -n $DOPPELD_ARGS ]] && echo "doppeld flags: $DOPPELD_ARGS."
  echo
  echo "| run | offered req/s | sent/s | ok/s | sent | ok | busy | other errors | timeouts | p50 ms | p99 ms | p99.9 ms | max ms | send lag p99 ms | server RSS max MiB | server fds max |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS_MD[@]}"
  echo
  [[ -n $BUSY_TEXT ]] && echo "- ${BUSY_TEXT^}; the most ok replies per second in any run: $MAX_OK."
  [[ -n $OVERLOAD_NOTE ]] && echo "- $OVERLOAD_NOTE"
  [[ -n $RECOVERY_NOTE ]] && echo "- $RECOVERY_NOTE"
  (( SOAK_S > 0 )) && echo "- $SOAK_NOTE"
  [[ -n $SERVER_DIED ]] && echo "- doppeld went away $SERVER_DIED."
  [[ -n $RUN_FAILED ]] && echo "- $RUN_FAILED"
  echo "- doppeld $STOPPED."
  echo
  echo "Rerun: \`bench/load.sh\` (settings at the top of the script); full per-run figures in $NAME.json."
} >"$OUT_DIR/$NAME.md"

cat "$OUT_DIR/$NAME.md"
log "wrote $OUT_DIR/$NAME.json and $OUT_DIR/$NAME.md"
[[ -z $SERVER_DIED && -z $RUN_FAILED ]]
