#!/usr/bin/env bash
# Configures and builds NoKV with CMake + Ninja.
#   BUILD_DIR     build directory            (default: build)
#   BUILD_TYPE    CMake build type           (default: RelWithDebInfo)
#   NOKV_SANITIZE address | thread | empty   (default: empty)
#   NOKV_WERROR   ON | OFF                   (default: ON in CI, OFF otherwise)
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}
NOKV_SANITIZE=${NOKV_SANITIZE:-}
if [ -n "${CI:-}" ]; then NOKV_WERROR=${NOKV_WERROR:-ON}; else NOKV_WERROR=${NOKV_WERROR:-OFF}; fi
JOBS=${JOBS:-$(nproc)}

cmake -S . -B "$BUILD_DIR" -G Ninja \
  -DCMAKE_BUILD_TYPE="$BUILD_TYPE" \
  -DNOKV_SANITIZE="$NOKV_SANITIZE" \
  -DNOKV_WERROR="$NOKV_WERROR" >/dev/null
ninja -C "$BUILD_DIR" -j "$JOBS" "$@"
