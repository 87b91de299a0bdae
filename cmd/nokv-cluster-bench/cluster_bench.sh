#!/usr/bin/env bash
# The cluster figures (not a test): on a 3-store cluster on loopback, raw put
# and get throughput and p99 with CLIENTS concurrent clients, the same
# clients against the embedded engine, and the time from kill -9 of a
# region leader's store to the first successful write to that region
# (FAILOVERS times).
#
#   cluster_bench.sh NOKV NOKV_CLUSTER_BENCH [CLIENTS] [OPS] [FAILOVERS]
set -uo pipefail
NOKV=$(realpath "${1:?usage: $0 NOKV NOKV_CLUSTER_BENCH [CLIENTS] [OPS] [FAILOVERS]}")
BENCH=$(realpath "${2:?usage: $0 NOKV NOKV_CLUSTER_BENCH [CLIENTS] [OPS] [FAILOVERS]}")
CLIENTS=${3:-64}
OPS=${4:-40000}
FAILOVERS=${5:-3}
source "$(dirname "$0")/local_cluster.sh"

echo "== $(nproc) CPU(s), $CLIENTS clients, $OPS ops of 100-byte values over 10000 keys"
start_pd
for id in 1 2 3; do start_store "$id"; done
wait_leader 1 >/dev/null && wait_leader 2 >/dev/null || fail "no leaders"
for op in put get; do
  "$BENCH" --pd-addr "$PD_ADDR" bench --op "$op" --clients "$CLIENTS" --ops "$OPS" ||
    fail "cluster $op bench"
done
mkdir -p "$TMP/embedded"
for op in put get; do
  "$BENCH" bench --embedded "$TMP/embedded" --op "$op" --clients "$CLIENTS" --ops "$OPS" ||
    fail "embedded $op bench"
done
mkdir -p "$TMP/embedded-sync"
"$BENCH" bench --embedded "$TMP/embedded-sync" --sync --op put --clients "$CLIENTS" \
  --ops "$OPS" | sed 's/^embedded/embedded (sync)/'

# Failover: a probe writes to region 1 every 5 ms; kill -9 its leader.
for ((i = 1; i <= FAILOVERS; i++)); do
  leader=$(wait_leader 1) || fail "region 1 has no leader"
  "$BENCH" --pd-addr "$PD_ADDR" probe --key a-probe --interval-ms 5 >"$TMP/probe.out" 2>&1 &
  WRITER=$!
  sleep 2
  killed_at=$(date +%s%3N)
  kill -9 "${PID[$leader]}"
  wait "${PID[$leader]}" 2>/dev/null
  ok=0
  for _ in $(seq 300); do
    first=$(awk -v t="$killed_at" '$1 == "OK" && $2 > t { print $2; exit }' "$TMP/probe.out")
    [[ -n "$first" ]] && { ok=1; break; }
    sleep 0.05
  done
  kill "$WRITER"
  wait "$WRITER" 2>/dev/null
  WRITER=""
  [[ $ok -eq 1 ]] || fail "no write to region 1 succeeded within 15 s of killing store $leader"
  echo "failover $i: kill -9 of store $leader (leader of region 1) -> first write to region 1 after $((first - killed_at)) ms"
  start_store "$leader"
  sleep 3
done
