#!/usr/bin/env bash
# Crash safety at length: kill -9 doppeld in the middle of mixed traffic
# (two ingest clients, call outcomes, merge/unmerge, resolve), restart, and
# check that every acknowledged change is there, that nothing is
# half-applied (Store::Check on the database after every round) and that
# the database opens cleanly. The test suite runs 20 rounds; this runs more
# (tests/service/server_crash_test.cc says exactly what is checked).
#
#   bench/crashtest.sh [ROUNDS] [BUILD_DIR]      (default 200 rounds, build/)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-200}
BUILD_DIR=${2:-build}
STAMP="$(date -u +%Y-%m-%d)-$(hostname -s)"
mkdir -p bench/results
LOG="bench/results/$STAMP-crashtest.txt"
start=$(date +%s)
DOPPEL_CRASH_ROUNDS=$ROUNDS "$BUILD_DIR/tests/server_test" --gtest_filter='*KillNine*' | tee "$LOG.tmp"
echo "elapsed: $(( $(date +%s) - start )) s" | tee -a "$LOG.tmp"
mv "$LOG.tmp" "$LOG"
echo "crashtest: wrote $LOG" >&2
