#!/usr/bin/env bash
# Installs dependencies, builds NoKV's gateway and runs the main job: the Redis
# gateway (nokv-redis) on an embedded workdir, with the HTTP metrics/admin
# server. Only nokv-redis is built (not the test binaries: scripts/test.sh
# builds those).
#   NOKV_WORKDIR   database directory        (default ./nokv-data)
#   NOKV_ADDR      RESP listen address       (default 127.0.0.1:6380)
#   NOKV_METRICS   HTTP metrics/admin addr   (default 127.0.0.1:8080)
#   BUILD_DIR      build directory           (default build)
# Extra arguments go to nokv-redis (e.g. --sync-writes). Stop with Ctrl-C:
# the gateway finishes in-flight commands and closes the database cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install_deps.sh
export BUILD_DIR=${BUILD_DIR:-build}
bash scripts/build.sh nokv-redis
WORKDIR=${NOKV_WORKDIR:-./nokv-data}
ADDR=${NOKV_ADDR:-127.0.0.1:6380}
METRICS=${NOKV_METRICS:-127.0.0.1:8080}
echo "nokv-redis: serving $WORKDIR on $ADDR (metrics on http://$METRICS/metrics)"
echo "try:  redis-cli -p ${ADDR##*:} set hello world   |   redis-cli -p ${ADDR##*:} get hello"
exec "$BUILD_DIR/cmd/nokv-redis/nokv-redis" --addr "$ADDR" --workdir "$WORKDIR" \
  --metrics-addr "$METRICS" "$@"
