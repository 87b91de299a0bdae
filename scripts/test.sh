#!/usr/bin/env bash
# Installs dependencies, builds NoKV and runs the whole test suite with ctest.
# Usage: scripts/test.sh [ctest args...]
#   NOKV_SANITIZE=address scripts/test.sh   # ASan+UBSan build in build-asan/
#   NOKV_SANITIZE=thread  scripts/test.sh   # TSan build in build-tsan/
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install_deps.sh

case "${NOKV_SANITIZE:-}" in
  address) export BUILD_DIR=${BUILD_DIR:-build-asan} ;;
  thread)  export BUILD_DIR=${BUILD_DIR:-build-tsan} ;;
  "")      export BUILD_DIR=${BUILD_DIR:-build} ;;
  *) echo "NOKV_SANITIZE must be address, thread or empty" >&2; exit 2 ;;
esac

bash scripts/build.sh
cd "$BUILD_DIR"
# Quiet the engine's info logs in test output; failures still print.
export SPDLOG_LEVEL=${SPDLOG_LEVEL:-warn}
ctest --output-on-failure -j "$(nproc)" --timeout 900 "$@"
