#!/usr/bin/env bash
# Prints a short hash of every file the build reads (sources, headers, CUDA,
# CMake), so that a packed build (bench/gpu_bundle.sh) can be matched to the
# tree it runs beside (bench/gpu_check.sh) where there is no git history.
set -euo pipefail
cd "$(dirname "$0")/.."
find CMakeLists.txt cmake kernels core storage service tests bench -type f \
  \( -name '*.cc' -o -name '*.h' -o -name '*.cu' -o -name 'CMakeLists.txt' -o -name '*.cmake' \) -print0 |
  LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16
