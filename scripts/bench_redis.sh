#!/bin/bash
# bench_redis.sh: redis-benchmark against nokv-redis and against redis-server
# (no persistence) with the same flags, and the nokv/redis throughput ratio
# per command and pipeline depth.
#
#   scripts/bench_redis.sh [-n REQUESTS] [-c CLIENTS] [-P DEPTHS] [-t TESTS]
#                          [--sync-writes] [--json FILE]
#
# -P takes comma-separated pipeline depths (default 1,16), -t redis-benchmark
# test names (default SET,GET,INCR,MSET). For each depth and test the two
# servers run back to back, so a ratio compares neighbours in time. --json
# also writes the table as JSON: {"clients", "requests", "sync_writes",
# "results": [{"pipeline", "test", "nokv_rps", "redis_rps", "ratio"}]}.
# Builds nokv-redis into build-redis (or $BUILD_DIR) if needed. Both servers
# listen on free loopback ports and are stopped on exit.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-redis}
N=200000
C=50
DEPTHS=1,16
TESTS=SET,GET,INCR,MSET
JSON=""
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    -n) N=$2; shift 2 ;;
    -c) C=$2; shift 2 ;;
    -P) DEPTHS=$2; shift 2 ;;
    -t) TESTS=$2; shift 2 ;;
    --json) JSON=$2; shift 2 ;;
    --sync-writes) EXTRA+=(--sync-writes); shift ;;
    *) echo "usage: $0 [-n REQUESTS] [-c CLIENTS] [-P DEPTHS] [-t TESTS] [--sync-writes] [--json FILE]" >&2
       exit 2 ;;
  esac
done
for tool in redis-server redis-benchmark redis-cli; do
  command -v $tool >/dev/null || { echo "$tool not found (scripts/install_deps.sh installs it)" >&2; exit 1; }
done
if [ ! -x "$BUILD/cmd/nokv-redis/nokv-redis" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja >/dev/null
  ninja -C "$BUILD" nokv-redis
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nokv-bench-redis.XXXXXX")
NOKV_PID=""
REDIS_PID=""
cleanup() {
  for p in $NOKV_PID $REDIS_PID; do
    if kill -0 "$p" 2>/dev/null; then kill -TERM "$p"; wait "$p" 2>/dev/null || true; fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_ping() {
  for _ in $(seq 1 100); do
    [ "$(redis-cli -p "$1" PING 2>/dev/null)" == "PONG" ] && return 0
    sleep 0.1
  done
  echo "server on port $1 did not answer PING" >&2
  return 1
}

NOKV_PORT=$(free_port)
REDIS_PORT=$(free_port)
"$BUILD/cmd/nokv-redis/nokv-redis" --addr "127.0.0.1:$NOKV_PORT" --workdir "$WORK/nokv" \
  --log-level warn ${EXTRA[@]+"${EXTRA[@]}"} &
NOKV_PID=$!
mkdir -p "$WORK/redis"
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
  --dir "$WORK/redis" --logfile "$WORK/redis/log" &
REDIS_PID=$!
wait_ping "$NOKV_PORT"
wait_ping "$REDIS_PORT"

declare -A RESULT
run() {  # run NAME PORT PIPELINE TEST
  local out
  out=$(redis-benchmark -h 127.0.0.1 -p "$2" -c "$C" -n "$N" -P "$3" -t "$4" -r 100000 --csv -q 2>/dev/null)
  # CSV lines: "test","rps",... (redis-benchmark 7)
  while IFS=, read -r test rps _; do
    test=${test//\"/}; rps=${rps//\"/}
    [ "$test" == "test" ] && continue
    test=${test%% (*}
    RESULT["$1|$3|$test"]=$rps
  done <<< "$out"
}

echo "redis-benchmark -c $C -n $N -r 100000 -t $TESTS ${EXTRA[*]+(nokv-redis ${EXTRA[*]})}"
echo "nproc=$(nproc)  $(redis-server --version | cut -d' ' -f1-3)"
ROWS=()
for P in ${DEPTHS//,/ }; do
  printf '\n-P %-3s %-10s %14s %14s %8s\n' "$P" test "nokv req/s" "redis req/s" ratio
  for t in ${TESTS//,/ }; do
    run nokv "$NOKV_PORT" "$P" "$t"
    run redis "$REDIS_PORT" "$P" "$t"
    nk=${RESULT["nokv|$P|$t"]:-0}
    rd=${RESULT["redis|$P|$t"]:-0}
    ratio=$(awk -v a="$nk" -v b="$rd" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "null" }')
    printf '       %-10s %14s %14s %8s\n' "$t" "$nk" "$rd" "$ratio"
    ROWS+=("{\"pipeline\": $P, \"test\": \"$t\", \"nokv_rps\": $nk, \"redis_rps\": $rd, \"ratio\": $ratio}")
  done
done
if [ -n "$JSON" ]; then
  sync_writes=false
  [ ${#EXTRA[@]} -gt 0 ] && sync_writes=true
  {
    printf '{"clients": %s, "requests": %s, "sync_writes": %s, "results": [\n' "$C" "$N" "$sync_writes"
    for i in "${!ROWS[@]}"; do
      sep=,
      [ "$i" -eq $((${#ROWS[@]} - 1)) ] && sep=
      printf '  %s%s\n' "${ROWS[$i]}" "$sep"
    done
    printf ']}\n'
  } > "$JSON"
  echo "wrote $JSON"
fi
