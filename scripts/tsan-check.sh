#!/usr/bin/env bash
# ThreadSanitizer run of the threaded parts (by hand; CI runs ASan + UBSan):
# the thread pool and batch stages (core_test), the store (storage_test),
# doppeld end to end with TSan-built server and CLI processes (server_test:
# the storm, the crash rounds and the disk-full test included) and the CLI
# (cli_test). Reports from every process go to $OUT/tsan.<pid>; the script
# fails when any test fails or any report was written.
#
#   scripts/tsan-check.sh            BUILD_DIR=build-tsan OUT=var/tsan
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD_DIR:-build-tsan}
OUT=${OUT:-var/tsan}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDOPPEL_TSAN=ON -DDOPPEL_CUDA=OFF \
  -DDOPPEL_BUILD_BENCH=OFF >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target core_test storage_test server_test cli_test doppeld doppel
rm -rf "$OUT" && mkdir -p "$OUT"
export TSAN_OPTIONS="suppressions=$PWD/tests/tsan.supp ignore_noninstrumented_modules=1 halt_on_error=0 log_path=$PWD/$OUT/tsan"
export DOPPELD="$PWD/$BUILD/service/doppeld" DOPPEL_CLI="$PWD/$BUILD/service/doppel"
failed=0
for t in core_test storage_test server_test cli_test; do
  start=$(date +%s)
  if "$BUILD/tests/$t" > "$OUT/$t.txt" 2>&1; then status=passed; else status=FAILED; failed=1; fi
  echo "tsan: $t $status ($(grep -c '^\[       OK \]' "$OUT/$t.txt") tests ok, $(( $(date +%s) - start )) s)" >&2
done
reports=$(find "$OUT" -name 'tsan.*' | wc -l)
echo "tsan: $reports report files" >&2
[ "$reports" -eq 0 ] || { head -60 "$OUT"/tsan.* >&2; failed=1; }
exit $failed
