#!/usr/bin/env bash
# End-to-end test of nokv-pd: timestamps strictly increase and ids stay
# unique across kill -9 restarts of a PD process with a workdir; the HTTP
# endpoints (promtool-clean /metrics, the JSON API, the guarded operator
# endpoint); bad flags and a corrupt or lost state give clear errors;
# `nokv pd` is the same program. Servers bind 127.0.0.1 port 0 (the bound
# port is read from the log). Usage: pd_test.sh NOKV_PD NOKV_PD_TOOL [NOKV]
set -u

PD=${1:?usage: pd_test.sh NOKV_PD NOKV_PD_TOOL [NOKV]}
TOOL=${2:?usage: pd_test.sh NOKV_PD NOKV_PD_TOOL [NOKV]}
NOKV=${3:-}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nokv-pd-test.XXXXXX")
PID=""
cleanup() {
  if [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID" 2>/dev/null; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
FAILURES=0
fail() {
  echo "FAIL: $*" >&2
  FAILURES=$((FAILURES + 1))
}

# start_pd LOG CMD...: starts a PD in the background (PID), waits up to 15 s
# for "PD service listening on HOST:PORT", sets ADDR (and HTTP if served).
start_pd() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 &
  PID=$!
  ADDR=""
  HTTP=""
  for _ in $(seq 150); do
    ADDR=$(sed -n 's|^PD service listening on \(127\.0\.0\.1:[0-9]*\).*|\1|p' "$log" | head -1)
    if [[ -n "$ADDR" ]]; then
      HTTP=$(sed -n 's|^PD HTTP listening on http://\(127\.0\.0\.1:[0-9]*\).*|\1|p' "$log" | head -1)
      return 0
    fi
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  fail "$* did not come up; log: $(head -c 1000 "$log")"
  return 1
}

kill9() {
  kill -KILL "$PID" 2>/dev/null
  wait "$PID" 2>/dev/null
  PID=""
}

# ---- bad input ----
out=$("$PD" --no-such-flag 2>&1)
rc=$?
[[ $rc -eq 2 && "$out" == *"no-such-flag"* ]] || fail "unknown flag: rc=$rc out=$out"
out=$("$PD" --id-start 0 2>&1)
[[ $? -eq 2 && "$out" == *"--id-start must be > 0"* ]] || fail "id-start 0: $out"
out=$("$PD" --max-store-down-time soon 2>&1)
[[ $? -eq 2 && "$out" == *"max-store-down-time"* ]] || fail "bad duration: $out"
out=$("$PD" --region-max-size 12parsecs 2>&1)
[[ $? -eq 2 && "$out" == *"region-max-size"* ]] || fail "bad size: $out"
out=$("$PD" --config "$TMP/missing.json" 2>&1)
[[ $? -eq 2 && "$out" == *"cannot read"* ]] || fail "missing config: $out"
help=$("$PD" --help)
for flag in --addr --workdir --config --scope --id-start --ts-start --metrics-addr \
            --admin-token --max-store-down-time --region-max-size --region-max-keys \
            --name --enable-merge --operator-timeout --initial-cluster; do
  [[ "$help" == *"$flag"* ]] || fail "--help does not list $flag"
done

# ---- in-memory mode says so ----
if start_pd "$TMP/mem.log" "$PD" --addr 127.0.0.1:0; then
  grep -q "in-memory only" "$TMP/mem.log" || fail "in-memory startup line missing"
  kill -TERM "$PID"
  wait "$PID"
  rc=$?
  PID=""
  [[ $rc -eq 0 ]] || fail "SIGTERM exit $rc"
fi

# ---- --config fills --addr and --workdir (relative to the file) ----
mkdir -p "$TMP/conf"
cat >"$TMP/conf/raft_config.json" <<'JSON'
{"pd": {"addr": "127.0.0.1:0", "work_dir": "pdstate", "docker_work_dir": "/nonexistent/x"},
 "stores": [], "regions": []}
JSON
if start_pd "$TMP/conf.log" "$PD" --config "$TMP/conf/raft_config.json"; then
  grep -q "from $TMP/conf/pdstate" "$TMP/conf.log" || fail "--config workdir: $(cat "$TMP/conf.log")"
  kill9
fi
echo '{"stores": []}' >"$TMP/conf/nopd.json"
out=$("$PD" --config "$TMP/conf/nopd.json" 2>&1)
[[ $? -eq 2 && "$out" == *'no "pd" section'* ]] || fail "config without pd: $out"

# ---- timestamps and ids across kill -9 restarts ----
WORK="$TMP/pd"
LAST=0
IDS="$TMP/ids"
: >"$IDS"
# Round 1 starts 5 s ahead of the clock (--ts-start), so a PD that restarted
# from the clock instead of the persisted bound would go backwards.
AHEAD=(--ts-start $((($(date +%s%3N) + 5000) << 18)))
for round in 1 2 3 4; do
  start_pd "$TMP/round$round.log" "$PD" --addr 127.0.0.1:0 --workdir "$WORK" \
    --metrics-addr 127.0.0.1:0 "${AHEAD[@]}" || break
  AHEAD=()
  [[ $round -eq 1 ]] || grep -q "PD restored" "$TMP/round$round.log" || fail "no restore line"
  out=$("$TOOL" tso --pd "$ADDR" -n 2000 --after "$LAST" 2>&1) || fail "round $round: $out"
  next=$(sed -n 's/^last //p' <<<"$out")
  [[ -n "$next" ]] && LAST=$next
  "$TOOL" id --pd "$ADDR" -n 5 >>"$IDS" || fail "round $round: id allocation failed"
  kill9
done
dups=$(sort "$IDS" | uniq -d)
[[ -z "$dups" && $(wc -l <"$IDS") -eq 20 ]] || fail "ids reused across restarts: $dups"

# ---- HTTP endpoints ----
if start_pd "$TMP/http.log" "$PD" --addr 127.0.0.1:0 --workdir "$WORK" \
    --metrics-addr 127.0.0.1:0 --admin-token s3cret && [[ -n "$HTTP" ]]; then
  curl -sS --max-time 10 "http://$HTTP/healthz" | grep -q '"status"' || fail "/healthz"
  curl -sS --max-time 10 "http://$HTTP/metrics" >"$TMP/metrics" || fail "/metrics"
  grep -q '^nokv_pd_tso_requests_total ' "$TMP/metrics" || fail "metrics lack tso counter"
  if command -v promtool >/dev/null; then
    promtool check metrics <"$TMP/metrics" || fail "promtool check metrics: $(cat "$TMP/metrics")"
  fi
  curl -sS --max-time 10 "http://$HTTP/pd/api/v1/stores" | grep -q '"count"' || fail "stores API"
  curl -sS --max-time 10 "http://$HTTP/pd/api/v1/members" | grep -q '"leader"' || fail "members"
  code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -X POST \
    -d '{"name":"split","region_id":1,"key":"a"}' "http://$HTTP/pd/api/v1/operators")
  [[ $code == 401 ]] || fail "operator endpoint without token answered $code"
  code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -X POST \
    -H 'Authorization: Bearer s3cret' -d '{"name":"split","region_id":1,"key":"a"}' \
    "http://$HTTP/pd/api/v1/operators")
  [[ $code == 404 ]] || fail "operator on a missing region answered $code (want 404)"
  kill9
fi
out=$(timeout 10 "$PD" --addr 127.0.0.1:0 --metrics-addr 0.0.0.0:0 2>&1)
[[ $? -eq 1 && "$out" == *"refusing"* ]] || fail "non-loopback HTTP without token: $out"

# ---- corrupt / lost state: a clear error, nothing overwritten ----
# (Expected failures run under `timeout`: a PD that wrongly starts is stopped.)
cp -r "$WORK" "$TMP/lost"
for f in "$TMP"/lost/*.wal "$TMP"/lost/*.sst; do
  [[ -s "$f" ]] && head -c "$(stat -c %s "$f")" /dev/zero | tr '\0' 'x' >"$f"
done
out=$(timeout 10 "$PD" --addr 127.0.0.1:0 --workdir "$TMP/lost" 2>&1)
[[ $? -eq 1 && "$out" == *"cannot open PD state"* ]] || fail "corrupt state accepted: $out"
cp -r "$WORK" "$TMP/badcurrent"
echo "garbage" >"$TMP/badcurrent/CURRENT"
out=$(timeout 10 "$PD" --addr 127.0.0.1:0 --workdir "$TMP/badcurrent" 2>&1)
[[ $? -eq 1 && "$out" == *"cannot open PD state"* ]] || fail "corrupt CURRENT accepted: $out"
# The intact workdir still starts with everything in it.

# ---- nokv pd is the same program ----
if [[ -n "$NOKV" ]]; then
  "$NOKV" pd --help | grep -q -- "--max-store-down-time" || fail "nokv pd --help"
  if start_pd "$TMP/nokv.log" "$NOKV" pd --addr 127.0.0.1:0 --workdir "$WORK"; then
    "$TOOL" tso --pd "$ADDR" -n 10 --after "$LAST" >/dev/null || fail "nokv pd: tso not above"
    kill9
  fi
fi

# ---- three replicas: kill -9 of the leader, timestamps keep increasing ----
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
if command -v python3 >/dev/null; then
  CLUSTER=""
  PORTS=()
  for n in 1 2 3; do
    PORTS[n]=$(free_port)
    CLUSTER+="${CLUSTER:+,}pd$n=127.0.0.1:${PORTS[n]}"
  done
  ALL="127.0.0.1:${PORTS[1]},127.0.0.1:${PORTS[2]},127.0.0.1:${PORTS[3]}"
  RPIDS=()
  start_replica() {
    "$PD" --name "pd$1" --initial-cluster "$CLUSTER" --workdir "$TMP/replica$1" \
      --metrics-addr 127.0.0.1:0 >"$TMP/replica$1.log" 2>&1 &
    RPIDS[$1]=$!
  }
  for n in 1 2 3; do start_replica $n; done
  out=$("$TOOL" tso --pd "$ALL" -n 500 2>&1) || fail "replicas: no timestamps: $out"
  RLAST=$(sed -n 's/^last //p' <<<"$out")
  LEADER=""
  for n in 1 2 3; do
    h=$(sed -n 's|^PD HTTP listening on http://\(127\.0\.0\.1:[0-9]*\).*|\1|p' "$TMP/replica$n.log")
    curl -sS --max-time 5 "http://$h/healthz" 2>/dev/null | grep -q '"leader": true' && LEADER=$n
  done
  if [[ -z "$LEADER" || -z "$RLAST" ]]; then
    fail "replicas: no leader found; logs: $(cat "$TMP"/replica*.log | head -c 2000)"
  else
    kill -KILL "${RPIDS[LEADER]}"
    wait "${RPIDS[LEADER]}" 2>/dev/null
    t0=$(date +%s%N)
    out=$("$TOOL" tso --pd "$ALL" -n 1 --after "$RLAST" 2>&1) || fail "after kill -9: $out"
    t1=$(date +%s%N)
    echo "pd_test: 3 replicas, kill -9 of the leader: timestamps again after $(((t1 - t0) / 1000000)) ms"
    RLAST=$(sed -n 's/^last //p' <<<"$out")
    start_replica "$LEADER"  # back from its Raft log, as a follower
    out=$("$TOOL" tso --pd "$ALL" -n 200 --after "$RLAST" 2>&1) || fail "after rejoin: $out"
  fi
  for n in 1 2 3; do kill -KILL "${RPIDS[n]}" 2>/dev/null; wait "${RPIDS[n]}" 2>/dev/null; done
  out=$("$PD" --name pd9 --initial-cluster "$CLUSTER" --workdir "$TMP/x" 2>&1)
  [[ $? -eq 2 && "$out" == *"not a member"* ]] || fail "unknown member name: $out"
  out=$("$PD" --name pd1 --initial-cluster "$CLUSTER" 2>&1)
  [[ $? -eq 2 && "$out" == *"needs --workdir"* ]] || fail "replica without workdir: $out"
  # A single PD's workdir is no replica's, and the other way round.
  out=$(timeout 10 "$PD" --name pd1 --initial-cluster "$CLUSTER" --workdir "$WORK" 2>&1)
  [[ $? -eq 1 && "$out" == *"single"* ]] || fail "replica on a single PD's workdir: $out"
  out=$(timeout 10 "$PD" --addr 127.0.0.1:0 --workdir "$TMP/replica1" 2>&1)
  [[ $? -eq 1 && "$out" == *"format record"* ]] || fail "single PD on a replica's workdir: $out"
fi

if [[ $FAILURES -ne 0 ]]; then
  echo "pd_test: $FAILURES failure(s)" >&2
  exit 1
fi
echo "pd_test: OK"
