#!/usr/bin/env bash
# Installs every Debian package NoKV needs to build, test and benchmark.
# Idempotent: skips apt entirely when all packages are already present.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache
  libcli11-dev libpoco-dev libspdlog-dev libfmt-dev libsqlite3-dev sqlite3
  libgtest-dev libgmock-dev
  liblz4-dev libzstd-dev
  # Node-to-node RPC and the Raft messages (gRPC's CMake config needs the
  # plugin package at configure time).
  libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc
  librocksdb-dev libleveldb-dev libsnappy-dev
  redis-server redis-tools libhiredis-dev
  # Tools the script tests run (scripts/require_tools.sh skips a test, exit
  # 77, when one is missing): curl and promtool (package prometheus) for the
  # HTTP endpoints, python3 for JSON checks and the Redis comparison,
  # redis-cli/redis-server for the gateway tests.
  curl prometheus python3
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install_deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install_deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
