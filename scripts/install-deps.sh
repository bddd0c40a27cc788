#!/usr/bin/env bash
# Installs every Debian package Doppel's build, tests and benches need.
# Idempotent: packages already present are skipped by apt. Run as root (or with
# sudo available) on Debian 12. The CUDA toolkit is not a Debian package; the
# build uses it when nvcc is found and works without it.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  # core
  libphonenumber-dev libabsl-dev libicu-dev libutf8proc-dev libxxhash-dev
  libtomlplusplus-dev libcli11-dev libfmt-dev nlohmann-json3-dev
  # the programs' malloc (DOPPEL_ALLOCATOR; the build falls back to glibc's without it)
  libjemalloc-dev
  # kernels
  libhwy-dev
  # storage / service / protection
  librocksdb-dev libzmq3-dev cppzmq-dev libmsgpack-cxx-dev libsodium-dev
  # tests and benches
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-zmq python3-msgpack
  # robustness checks (scripts/ci-robust.sh): libFuzzer and the sanitizers with clang
  clang libclang-rt-14-dev
)
# Wanted but not required: the report test renders report.html in headless
# Chromium and is skipped without it; a failed install only warns.
OPTIONAL=(chromium)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: run as root or install sudo" >&2; exit 1; fi
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
optional=()
for p in "${OPTIONAL[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || optional+=("$p")
done
if [ ${#missing[@]} -eq 0 ] && [ ${#optional[@]} -eq 0 ]; then
  echo "install-deps: all $(( ${#PACKAGES[@]} + ${#OPTIONAL[@]} )) packages present"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if [ ${#optional[@]} -gt 0 ]; then
  echo "install-deps: installing optional ${optional[*]}"
  $SUDO apt-get install -y -q --no-install-recommends "${optional[@]}" ||
    echo "install-deps: warning: could not install ${optional[*]}; the tests that need it will be skipped" >&2
fi
