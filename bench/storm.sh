#!/usr/bin/env bash
# The long run of the bad-request storm: 10^6 malformed and adversarial
# requests against a real doppeld (tests/service/server_storm_test.cc runs
# 10^5 in every `make test`). Usage: bench/storm.sh [BUILD_DIR] [REQUESTS] [SEED]
set -euo pipefail
BUILD_DIR=${1:-build}
export DOPPEL_STORM_REQUESTS=${2:-1000000}
export DOPPEL_STORM_SEED=${3:-random}
"$BUILD_DIR/tests/server_test" --gtest_filter='ServerStorm.*'
