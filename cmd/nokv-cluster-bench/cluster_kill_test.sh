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
source "$(dirname "$0")/local_cluster.sh"

start_pd
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
