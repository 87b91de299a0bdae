#!/usr/bin/env bash
# Process-level crash test of a store cluster (ctest cluster.kill9): PD and
# three `nokv serve` stores on loopback, a writer of acknowledged keys
# (nokv-cluster-bench load), and meanwhile kill -9 of the store leading a
# region, then of a follower, several times, each restarted on its workdir.
# Then every acknowledged key must read back with its value, across both
# regions (nokv-cluster-bench verify: point reads and a scan). Finally every
# store is killed at once and restarted, and the check runs again: what was
# acknowledged was in a quorum's synced raft logs.
#
#   cluster_kill_test.sh NOKV NOKV_CLUSTER_BENCH   (exit 0 pass, 1 fail, 77 skip)
set -uo pipefail
NOKV=${1:?usage: $0 NOKV NOKV_CLUSTER_BENCH}
BENCH=${2:?usage: $0 NOKV NOKV_CLUSTER_BENCH}
NOKV=$(realpath "$NOKV")
BENCH=$(realpath "$BENCH")
source "$(dirname "$0")/../../scripts/require_tools.sh"
require_tools curl

ROUNDS=${NOKV_KILL_ROUNDS:-4}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nokv-kill9.XXXXXX")
declare -A PID
WRITER=""

cleanup() {
  [[ -n "$WRITER" ]] && kill -9 "$WRITER" 2>/dev/null
  for p in "${PID[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  if [[ "${KEEP:-0}" = 1 ]]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*"
  for f in "$TMP"/*.log; do echo "--- $f (last 20 lines)"; tail -n 20 "$f"; done
  KEEP=1
  exit 1
}

# Free loopback ports: PD, 3 stores, 3 metrics endpoints.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORTS=()
p=$((20000 + RANDOM % 30000))
while [[ ${#PORTS[@]} -lt 7 ]]; do
  port_free "$p" && PORTS+=("$p")
  p=$((p + 1))
done
PD_ADDR=127.0.0.1:${PORTS[0]}
store_addr() { echo "127.0.0.1:${PORTS[$1]}"; }
metrics_addr() { echo "127.0.0.1:${PORTS[$(($1 + 3))]}"; }

cat >"$TMP/topology.json" <<JSON
{
  "pd": { "addr": "$PD_ADDR", "work_dir": "pd" },
  "store_work_dir_template": "store-{id}",
  "stores": [
    { "store_id": 1, "addr": "$(store_addr 1)" },
    { "store_id": 2, "addr": "$(store_addr 2)" },
    { "store_id": 3, "addr": "$(store_addr 3)" }
  ],
  "regions": [
    { "id": 1, "start_key": "", "end_key": "m", "epoch": { "version": 1, "conf_version": 1 },
      "peers": [ { "store_id": 1, "peer_id": 101 }, { "store_id": 2, "peer_id": 201 },
                 { "store_id": 3, "peer_id": 301 } ] },
    { "id": 2, "start_key": "m", "end_key": "", "epoch": { "version": 1, "conf_version": 1 },
      "peers": [ { "store_id": 1, "peer_id": 102 }, { "store_id": 2, "peer_id": 202 },
                 { "store_id": 3, "peer_id": 302 } ] }
  ]
}
JSON

# wait_line FILE TEXT COUNT SECONDS: until FILE has COUNT lines with TEXT.
wait_line() {
  local i
  for ((i = 0; i < $4 * 10; i++)); do
    [[ $(grep -c -- "$2" "$1" 2>/dev/null) -ge $3 ]] && return 0
    sleep 0.1
  done
  return 1
}

STARTS=(0 0 0 0)
start_store() {
  local id=$1
  "$NOKV" serve --config "$TMP/topology.json" --store-id "$id" \
    --metrics-addr "$(metrics_addr "$id")" --raft-tick-interval 100ms >>"$TMP/store$id.log" 2>&1 &
  PID[$id]=$!
  STARTS[$id]=$((STARTS[$id] + 1))
  wait_line "$TMP/store$id.log" "NoKV service listening on" "${STARTS[$id]}" 30 ||
    fail "store $id did not start"
}

# leader_of REGION: the live store whose metrics say it leads REGION.
leader_of() {
  local id
  for id in 1 2 3; do
    curl -s --max-time 2 "http://$(metrics_addr "$id")/metrics" 2>/dev/null |
      grep -q "^nokv_store_region_is_leader{region=\"$1\"} 1$" && { echo "$id"; return 0; }
  done
  return 1
}

wait_leader() {
  local i l
  for ((i = 0; i < 100; i++)); do
    l=$(leader_of "$1") && { echo "$l"; return 0; }
    sleep 0.2
  done
  return 1
}

cd "$TMP" || exit 1
"$NOKV" pd --config topology.json --id-start 100000 >"$TMP/pd.log" 2>&1 &
PID[pd]=$!
wait_line "$TMP/pd.log" "listening on" 1 20 || fail "PD did not start"
for id in 1 2 3; do start_store "$id"; done
wait_leader 1 >/dev/null || fail "region 1 elected no leader"
wait_leader 2 >/dev/null || fail "region 2 elected no leader"

"$BENCH" --pd-addr "$PD_ADDR" load --ack-file "$TMP/acked.tsv" --threads 4 \
  --timeout-ms 15000 >"$TMP/writer.log" 2>&1 &
WRITER=$!
sleep 2

for ((round = 1; round <= ROUNDS; round++)); do
  region=$(((round - 1) % 2 + 1))
  leader=$(wait_leader "$region") || fail "round $round: region $region has no leader"
  if ((round % 2 == 1)); then
    victim=$leader
    what="leader of region $region"
  else
    victim=$((leader % 3 + 1))
    what="follower of region $region"
  fi
  before=$(wc -l <"$TMP/acked.tsv")
  echo "round $round: kill -9 store $victim ($what), $before keys acknowledged so far"
  kill -9 "${PID[$victim]}"
  wait "${PID[$victim]}" 2>/dev/null
  sleep 2
  start_store "$victim"
  sleep 2
  after=$(wc -l <"$TMP/acked.tsv")
  [[ $after -gt $before ]] || fail "round $round: no write was acknowledged while store $victim was down/restarting"
done

kill -TERM "$WRITER"
wait "$WRITER"
WRITER=""
cat "$TMP/writer.log" | tail -n 3
acked=$(wc -l <"$TMP/acked.tsv")
[[ $acked -ge 100 ]] || fail "only $acked writes acknowledged"

"$BENCH" --pd-addr "$PD_ADDR" verify --ack-file "$TMP/acked.tsv" | tee "$TMP/verify1.out" ||
  fail "acknowledged keys lost after the kill rounds"

# Every store at once.
echo "kill -9 every store, restart all"
for id in 1 2 3; do kill -9 "${PID[$id]}"; done
for id in 1 2 3; do wait "${PID[$id]}" 2>/dev/null; done
for id in 1 2 3; do start_store "$id"; done
"$BENCH" --pd-addr "$PD_ADDR" verify --ack-file "$TMP/acked.tsv" | tee "$TMP/verify2.out" ||
  fail "acknowledged keys lost after killing every store"

# A clean stop answers SIGTERM with the shutdown lines.
kill -TERM "${PID[1]}"
wait "${PID[1]}" || fail "store 1 exited non-zero on SIGTERM"
grep -q "Shutting down (SIGTERM)" "$TMP/store1.log" || fail "no shutdown line"
echo "PASS: $acked acknowledged keys survived $ROUNDS kill -9 rounds and a whole-cluster kill"
