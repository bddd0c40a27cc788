#!/usr/bin/env bash
# Packs what bench/gpu_check.sh runs into .gpu-bundle/bundle.tar.xz, for a
# GPU machine that has the CUDA driver but none of Doppel's Debian packages
# (the lent H200 is such a machine: nothing can be installed there, and the
# working tree that travels to it is limited to 64 MiB).
#
#   bench/gpu_bundle.sh            build (BUILD_DIR, default build-gpu) for
#                                  sm_90 with CUDA on, Release, then pack
#
# The bundle holds the programs gpu_check.sh calls (doppel, gpu_test,
# thrust_cpp_test, kernels_test, bm_kernels), stripped, and every shared
# library they load except glibc's own (libc, libm, libpthread, libdl,
# librt, libresolv, the loader and the rest come from the machine): about
# 20 MiB compressed, 100 MiB unpacked. gpu_check.sh unpacks it when
# BUILD_DIR holds no build and points LD_LIBRARY_PATH at its lib/. The
# folder is git-ignored; the device tool carries it when told to:
#
#   run(command="bench/gpu_check.sh", carry=[".gpu-bundle"], timeout_s=540)
#
# It checks before packing that each program, run with only the bundle's
# libraries beside the C library, starts (`doppel info`, `--gtest_list_tests`,
# `--benchmark_list_tests`).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-gpu}
OUT=.gpu-bundle
PROGRAMS=(service/doppel tests/gpu_test tests/thrust_cpp_test tests/kernels_test bench/bm_kernels)

if ! command -v nvcc >/dev/null && [ ! -x /usr/local/cuda/bin/nvcc ]; then
  echo "gpu_bundle: no nvcc here: the bundle must be built where the CUDA toolkit is" >&2
  exit 2
fi
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDOPPEL_CUDA=ON \
  -DCMAKE_CUDA_ARCHITECTURES=90 >&2
targets=()
for p in "${PROGRAMS[@]}"; do targets+=("$(basename "$p")"); done
cmake --build "$BUILD_DIR" --target "${targets[@]}" -j "$(nproc)" >&2

# The C library's own files come from the machine that runs the bundle (one
# glibc, whatever its version); everything else travels.
GLIBC='/(libc|libm|libmvec|libpthread|libdl|librt|libresolv|libutil|libanl|libnss_[a-z]+|libthread_db|libBrokenLocale|libc_malloc_debug|ld-linux[^/]*)\.so'

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/doppel-bundle
mkdir -p "$root/lib"
for p in "${PROGRAMS[@]}"; do
  mkdir -p "$root/$(dirname "$p")"
  cp "$BUILD_DIR/$p" "$root/$p"
  strip "$root/$p"
done
# Every library the programs load, resolved here, but the C library's.
for p in "${PROGRAMS[@]}"; do ldd "$BUILD_DIR/$p"; done |
  awk '/=> \// {print $3}' | sort -u | { grep -vE "$GLIBC" || true; } |
  while read -r lib; do cp -L "$lib" "$root/lib/"; done

# Each program must find all its libraries in the bundle or the C library.
for p in "${PROGRAMS[@]}"; do
  missing=$(LD_LIBRARY_PATH=$root/lib ldd "$root/$p" | awk '/not found/ {print $1}')
  if [ -n "$missing" ]; then echo "gpu_bundle: $p needs $missing" >&2; exit 1; fi
  outside=$(LD_LIBRARY_PATH=$root/lib ldd "$root/$p" | awk '/=> \// {print $3}' |
    grep -v "^$root/lib/" | grep -vE "$GLIBC" || true)
  if [ -n "$outside" ]; then echo "gpu_bundle: $p still loads $outside from this machine" >&2; exit 1; fi
done
LD_LIBRARY_PATH=$root/lib "$root/service/doppel" info >&2
for t in gpu_test thrust_cpp_test kernels_test; do
  LD_LIBRARY_PATH=$root/lib "$root/tests/$t" --gtest_list_tests >/dev/null
done
LD_LIBRARY_PATH=$root/lib "$root/bench/bm_kernels" --benchmark_list_tests >/dev/null

mkdir -p "$OUT"
# What it was built from: gpu_check.sh refuses a bundle of other sources.
git describe --always --dirty > "$root/COMMIT"
bench/source_hash.sh > "$root/SOURCES"
tar -cJf "$OUT/bundle.tar.xz.tmp" -C "$stage" doppel-bundle
mv "$OUT/bundle.tar.xz.tmp" "$OUT/bundle.tar.xz"
size=$(stat -c %s "$OUT/bundle.tar.xz")
echo "gpu_bundle: $OUT/bundle.tar.xz, $((size / 1048576)) MiB, built from $(cat "$root/COMMIT") (sources $(cat "$root/SOURCES"))" >&2
if [ "$size" -gt $((48 * 1048576)) ]; then
  echo "gpu_bundle: warning: over 48 MiB; with the working tree it may pass the 64 MiB the device tool carries" >&2
fi
