# Sourced by cluster_kill_test.sh and cluster_bench.sh: a 3-store cluster
# with PD on free loopback ports in a scratch directory ($TMP), from a
# topology file with two regions ([-inf, m) and [m, +inf)), each store with
# a metrics endpoint. Needs NOKV (the nokv binary, absolute path). Defines
# start_pd, start_store ID, leader_of REGION, wait_leader REGION, fail, and
# an EXIT trap that kills whatever was started (KEEP=1 keeps $TMP).
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nokv-cluster.XXXXXX")
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
  "$NOKV" serve --config "$TMP/topology.json" ${STORE_FLAGS:-} --store-id "$id" \
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

start_pd() {
  (cd "$TMP" && exec "$NOKV" pd --config topology.json --id-start 100000) >"$TMP/pd.log" 2>&1 &
  PID[pd]=$!
  wait_line "$TMP/pd.log" "listening on" 1 20 || fail "PD did not start"
}
