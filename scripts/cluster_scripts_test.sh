#!/usr/bin/env bash
# Test of the cluster scripts (run_local_cluster.sh, serve_from_config.sh,
# bootstrap_from_config.sh) on loopback: a real PD, real bootstrap, and
# stores that are the real `nokv serve` when it has the cluster mode, else a
# fake that records its command line (so supervision, restarts, stop, and
# refusals are tested either way). Every wait is bounded.
# Usage: cluster_scripts_test.sh NOKV NOKV_CONFIG REPO_DIR  (KEEP_TMP=1 keeps the logs)
set -u

REAL_NOKV=$(realpath "${1:?usage: cluster_scripts_test.sh NOKV NOKV_CONFIG REPO_DIR}")
CFGBIN=$(realpath "${2:?usage: cluster_scripts_test.sh NOKV NOKV_CONFIG REPO_DIR}")
REPO=$(realpath "${3:?usage: cluster_scripts_test.sh NOKV NOKV_CONFIG REPO_DIR}")
RUN="$REPO/scripts/run_local_cluster.sh"
SERVE="$REPO/scripts/serve_from_config.sh"
BOOT="$REPO/scripts/bootstrap_from_config.sh"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nokv-cluster-scripts.XXXXXX")
RUN_PID=""
FAILURES=0
source "$REPO/scripts/cluster_common.sh"

cleanup() {
  [[ -n "$RUN_PID" ]] && kill -KILL "$RUN_PID" 2>/dev/null
  # Anything a test left running on its workdirs.
  for f in "$TMP"/*/*.pid "$TMP"/*/*/*.pid; do
    [[ -f "$f" ]] && cluster_is_nokv_pid "$(cat "$f")" && kill -KILL "$(cat "$f")" 2>/dev/null
  done
  [[ -n "${KEEP_TMP:-}" ]] && echo "kept $TMP" >&2 || rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  FAILURES=$((FAILURES + 1))
}

# expect_exit CODE CMD...: stdout -> $TMP/out, stderr -> $TMP/err; CMD gets
# at most 90 s (a cluster that starts when it should not is stopped).
expect_exit() {
  local want=$1
  shift
  timeout 90 "$@" >"$TMP/out" 2>"$TMP/err"
  local got=$?
  if [[ $got -ne $want ]]; then
    fail "'$*' exited $got, want $want; stdout: $(tail -c 400 "$TMP/out"); stderr: $(tail -c 600 "$TMP/err")"
    return 1
  fi
}

expect_grep() {  # expect_grep PATTERN FILE WHAT
  grep -q -- "$1" "$2" || fail "$3: no '$1' in $(tail -c 800 "$2")"
}

wait_grep() {  # wait_grep PATTERN FILE SECONDS: true once FILE has PATTERN
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -q -- "$1" "$2" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

wait_gone() {  # wait_gone PID SECONDS
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    cluster_alive "$1" || return 0
    sleep 0.1
  done
  return 1
}

# --- binaries: the real ones, or a fake nokv serve beside the real nokv ---
mkdir -p "$TMP/bin"
if "$REAL_NOKV" serve --help 2>/dev/null | grep -q -- "--store-id"; then
  REAL_SERVE=1
  ln -s "$REAL_NOKV" "$TMP/bin/nokv"
else
  REAL_SERVE=0
  cat >"$TMP/bin/nokv" <<EOF
#!/usr/bin/env bash
# Fake nokv for the cluster script test: 'serve' records its arguments and
# waits for SIGTERM; everything else is the real nokv.
if [[ "\$1" != serve ]]; then exec "$REAL_NOKV" "\$@"; fi
echo "fake serve args: \$*"
id="" addr=""
while [[ \$# -gt 0 ]]; do
  case "\$1" in --store-id) id=\$2; shift ;; --addr) addr=\$2; shift ;; esac
  shift
done
if [[ "\${FAKE_FAIL_STORE:-}" == "\$id" ]]; then echo "fake serve: failing on purpose" >&2; exit 3; fi
trap 'echo; echo "Shutting down..."; exit 0' TERM INT
echo "NoKV service listening on \$addr (store=\$id)"
while :; do sleep 0.1; done
EOF
  chmod +x "$TMP/bin/nokv"
fi
ln -s "$CFGBIN" "$TMP/bin/nokv-config"
export NOKV_BIN_DIR="$TMP/bin"
echo "cluster_scripts_test: stores are $([[ $REAL_SERVE -eq 1 ]] && echo "the real nokv serve" || echo "a fake nokv serve")"

# --- a topology on free loopback ports ---
free_base() {
  local base p ok
  for _ in $(seq 50); do
    base=$((21000 + RANDOM % 30000))
    ok=1
    for p in $base $((base + 1)) $((base + 2)) $((base + 3)) $((base + 10)) $((base + 20)) \
             $((base + 21)) $((base + 22)) $((base + 23)); do
      cluster_port_in_use "127.0.0.1:$p" && ok=0
    done
    [[ $ok -eq 1 ]] && { echo "$base"; return; }
  done
  echo 0
}
BASE=$(free_base)
[[ $BASE -ne 0 ]] || { echo "no free ports" >&2; exit 1; }
PD="127.0.0.1:$((BASE + 10))"
make_config() {  # make_config OUT [PYTHON-STATEMENT on d]
  python3 - "$REPO/testdata/cluster/raft_config.example.json" "$1" "$BASE" "${2:-}" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
base = int(sys.argv[3])
d["pd"]["addr"] = "127.0.0.1:%d" % (base + 10)
for s in d["stores"]:
    s["addr"] = s["listen_addr"] = "127.0.0.1:%d" % (base + s["store_id"])
exec(sys.argv[4])
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
}
mkdir -p "$TMP/etc"
make_config "$TMP/etc/cluster.json"
CFG="$TMP/etc/cluster.json"

# start_cluster LOG ARGS...: runs run_local_cluster.sh in its own process
# group (so SIGINT is deliverable) and waits for "Cluster running".
start_cluster() {
  local log=$1
  shift
  set -m
  # A shell started in the background (by a CI runner, nohup, ...) has
  # SIGINT ignored, and bash cannot trap a signal ignored on entry: give the
  # script the default disposition so the Ctrl-C check tests the script.
  env --default-signal=INT,TERM bash "$RUN" "$@" >"$log" 2>&1 &
  RUN_PID=$!
  set +m
  if ! wait_grep "Cluster running" "$log" 60; then
    fail "run_local_cluster.sh $* did not come up: $(tail -c 1500 "$log")"
    return 1
  fi
}

# stop_cluster SIGNAL LOG: signals the script, expects a clean stop.
stop_cluster() {
  local sig=$1 log=$2 code=0
  kill "-$sig" "$RUN_PID"
  wait_gone "$RUN_PID" 70 || fail "run_local_cluster.sh ignored SIG$sig"
  wait "$RUN_PID" 2>/dev/null || code=$?
  [[ $code -eq 0 ]] || fail "run_local_cluster.sh exited $code after SIG$sig: $(tail -c 800 "$log")"
  expect_grep "stopped" "$log" "stop message after SIG$sig"
  RUN_PID=""
}

W="$TMP/w"
# --- 1. start on a new workdir ---
if start_cluster "$TMP/run1.log" --config "$CFG" --workdir "$W"; then
  expect_grep "PD service listening on $PD" "$W/pd.log" "PD started"
  for id in 1 2 3; do
    [[ -f "$W/store-$id.pid" ]] || fail "no pid file for store $id"
    expect_grep "bootstrapped store $id at $W/store-$id (2 region(s): 1,2)" "$W/store-$id.log" \
      "store $id bootstrapped"
    if [[ $REAL_SERVE -eq 0 ]]; then
      expect_grep "fake serve args: serve --store-id $id --addr 127.0.0.1:$((BASE + id)) --pd-addr $PD --workdir $W/store-$id --config $CFG" \
        "$W/store-$id.log" "store $id command line"
    fi
  done
  if [[ $REAL_SERVE -eq 1 ]]; then
    # A real store holds its engine's lock: the offline read refuses it.
    expect_exit 1 "$REAL_NOKV" regions --workdir "$W/store-3" &&
      expect_grep "the store is running" "$TMP/err" "offline regions of a running store refused"
  else
    expect_exit 0 "$REAL_NOKV" regions --workdir "$W/store-3" &&
      expect_grep "(offline): 2 region(s)" "$TMP/out" "store 3's regions"
  fi
  if [[ $REAL_SERVE -eq 1 ]]; then
    # A real cluster: PD learns both regions with leaders (bounded wait).
    ok=0
    for _ in $(seq 60); do
      "$REAL_NOKV" regions --pd-addr "$PD" --json >"$TMP/live.json" 2>/dev/null &&
        python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if len([r for r in d['regions'] if r['leader']]) == 2 else 1)" "$TMP/live.json" &&
        { ok=1; break; }
      sleep 0.5
    done
    [[ $ok -eq 1 ]] || fail "PD never listed 2 regions with leaders: $(cat "$TMP/live.json")"
  else
    # PD was bootstrapped from the file before the stores started.
    expect_exit 0 "$REAL_NOKV" regions --pd-addr "$PD" &&
      expect_grep "PD $PD: 3 store(s), 2 region(s)" "$TMP/out" "PD knows the topology"
  fi

  # --- 2. a second cluster on the same workdir is refused ---
  expect_exit 1 bash "$RUN" --config "$CFG" --workdir "$W" &&
    expect_grep "a cluster is already running on $W" "$TMP/err" "second cluster refused"

  # --- 3. a store dying is reported; the others keep running ---
  victim=$(cat "$W/store-2.pid")
  kill -KILL "$victim"
  wait_grep "store 2 (pid $victim) exited" "$TMP/run1.log" 10 ||
    fail "store 2's death was not reported: $(tail -c 500 "$TMP/run1.log")"
  cluster_is_nokv_pid "$(cat "$W/store-1.pid")" || fail "store 1 died with store 2"

  # --- 4. SIGTERM stops everything ---
  pids="$(cat "$W/pd.pid") $(cat "$W/store-1.pid") $(cat "$W/store-3.pid")"
  stop_cluster TERM "$TMP/run1.log"
  for p in $pids; do cluster_alive "$p" && fail "pid $p still running after SIGTERM"; done
  ls "$W"/*.pid >/dev/null 2>&1 && fail "pid files left: $(ls "$W"/*.pid)"
  [[ $REAL_SERVE -eq 1 ]] || expect_grep "Shutting down" "$W/store-1.log" "store 1 stopped cleanly"
fi

# --- 5. restart on the existing workdir (no wipe), with metrics, then Ctrl-C ---
if start_cluster "$TMP/run2.log" --config "$CFG" --workdir "$W" --metrics-base $((BASE + 20)); then
  expect_grep "PD HTTP listening on http://127.0.0.1:$((BASE + 20))" "$W/pd.log" "PD metrics address"
  curl -sf "http://127.0.0.1:$((BASE + 20))/metrics" >/dev/null || fail "PD /metrics did not answer"
  [[ $REAL_SERVE -eq 1 ]] || expect_grep "--metrics-addr 127.0.0.1:$((BASE + 23))" "$W/store-3.log" \
    "store 3 metrics address"
  for id in 1 2 3; do
    expect_grep "store $id at $W/store-$id: already bootstrapped" "$W/store-$id.log" \
      "store $id not re-bootstrapped"
  done
  [[ $(grep -c "starting PD" "$W/pd.log") -eq 2 ]] || fail "pd.log does not keep both runs"
  stop_cluster INT "$TMP/run2.log"
fi

# --- 6. the supervisor is killed: --stop cleans up, then a restart works ---
if start_cluster "$TMP/run3.log" --config "$CFG" --workdir "$W"; then
  orphan=$(cat "$W/store-1.pid")
  kill -KILL "$RUN_PID"
  wait "$RUN_PID" 2>/dev/null
  RUN_PID=""
  cluster_alive "$orphan" || fail "store 1 died with its supervisor (test premise)"
  expect_exit 1 bash "$RUN" --config "$CFG" --workdir "$W" &&
    expect_grep "already running" "$TMP/err" "orphans detected"
  expect_exit 0 bash "$RUN" --config "$CFG" --workdir "$W" --stop &&
    expect_grep "stopping store-1 (pid $orphan)" "$TMP/out" "--stop names what it stops"
  wait_gone "$orphan" 5 || fail "--stop left store 1 running"
  expect_exit 0 bash "$RUN" --config "$CFG" --workdir "$W" --stop &&
    expect_grep "no cluster running on $W" "$TMP/out" "--stop twice"
  if start_cluster "$TMP/run4.log" --config "$CFG" --workdir "$W"; then
    stop_cluster TERM "$TMP/run4.log"
  fi
fi

# --- 7. refusals: bad topology, ports in use, a store that cannot start ---
make_config "$TMP/etc/dup.json" "d['stores'][2]['store_id'] = 2"
expect_exit 1 bash "$RUN" --config "$TMP/etc/dup.json" --workdir "$TMP/wdup" &&
  expect_grep "stores\[2\].store_id: duplicate 2" "$TMP/err" "bad topology refused"
[[ -e "$TMP/wdup/pd.log" ]] && fail "a bad topology started PD"

python3 -c "
import socket, time, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(1); time.sleep(30)" "$((BASE + 2))" &
HOLDER=$!
for _ in $(seq 50); do cluster_port_in_use "127.0.0.1:$((BASE + 2))" && break; sleep 0.1; done
expect_exit 1 bash "$RUN" --config "$CFG" --workdir "$TMP/wport" &&
  expect_grep "127.0.0.1:$((BASE + 2)) is already in use" "$TMP/err" "port in use refused"
kill "$HOLDER" 2>/dev/null
wait "$HOLDER" 2>/dev/null

if [[ $REAL_SERVE -eq 0 ]]; then
  FAKE_FAIL_STORE=3 timeout 90 bash "$RUN" --config "$CFG" --workdir "$TMP/wfail" >"$TMP/out" 2>"$TMP/err"
  code=$?
  [[ $code -eq 1 ]] || fail "a store failing at startup: exit $code, want 1"
  expect_grep "store 3 did not start" "$TMP/err" "startup failure named"
  expect_grep "failing on purpose" "$TMP/err" "startup failure shows the log"
  for f in "$TMP/wfail"/*.pid; do [[ -f "$f" ]] && fail "pid file left after a failed start: $f"; done
  grep -q "Shutting down" "$TMP/wfail/store-1.log" || fail "store 1 not stopped after store 3 failed"
fi

# --- 8. without --workdir: the file's directories (relative to the file) ---
mkdir -p "$TMP/cfgdir/etc"
make_config "$TMP/cfgdir/etc/cluster.json" \
  "d['pd']['work_dir'] = '../data/pd'; d['store_work_dir_template'] = '../data/s{id}'"
pushd "$TMP" >/dev/null || exit 1
if start_cluster "$TMP/run5.log" --config cfgdir/etc/cluster.json; then
  [[ -d "$TMP/cfgdir/data/pd" ]] || fail "PD workdir not from the file"
  [[ -d "$TMP/cfgdir/data/s2/data" ]] || fail "store 2 workdir not from the file"
  [[ -f "$TMP/artifacts/cluster/pd.log" ]] || fail "logs not in ./artifacts/cluster"
  stop_cluster TERM "$TMP/run5.log"
fi
popd >/dev/null || exit 1

# --- 9. serve_from_config.sh and bootstrap_from_config.sh ---
expect_exit 0 bash "$SERVE" --config "$CFG" --store-id 2 --workdir "$TMP/x" --dry-run -- --foo 1 &&
  expect_grep "nokv serve --store-id 2 --addr 127.0.0.1:$((BASE + 2)) --pd-addr $PD --workdir $TMP/x --config $CFG --foo 1" \
    "$TMP/out" "serve_from_config.sh command line"
expect_exit 0 bash "$SERVE" --config "$REPO/testdata/cluster/raft_config.example.json" \
  --store-id 1 --scope docker --dry-run --metrics-addr 0.0.0.0:9100 &&
  expect_grep "serve --store-id 1 --addr 0.0.0.0:20160 --pd-addr nokv-pd:2379 --workdir /var/lib/nokv/store-1 .* --metrics-addr 0.0.0.0:9100" \
    "$TMP/out" "docker scope"
expect_exit 1 bash "$SERVE" --config "$CFG" --store-id 9 --dry-run &&
  expect_grep "unknown store 9" "$TMP/err" "serve_from_config.sh unknown store"
expect_exit 2 bash "$SERVE" --store-id 1 && expect_grep "--config is required" "$TMP/err" "no --config"
expect_exit 2 bash "$SERVE" --config "$CFG" --store-id x && expect_grep "positive integer" "$TMP/err" "bad id"
expect_exit 2 bash "$SERVE" --config "$CFG" --store-id 1 --bogus &&
  expect_grep 'unknown argument "--bogus"' "$TMP/err" "unknown argument"
expect_exit 1 bash "$SERVE" --config "$TMP/nope.json" --store-id 1 &&
  expect_grep "no such file" "$TMP/err" "missing config"

# serve_from_config.sh bootstraps a fresh PD, and refuses one whose ids
# would collide with the file's.
"$REAL_NOKV" pd --addr "127.0.0.1:$((BASE + 21))" >"$TMP/pd-low.log" 2>&1 &
LOWPD=$!
cluster_wait_for_line "$TMP/pd-low.log" 0 "PD service listening" "$LOWPD" 20 || fail "PD did not start"
expect_exit 1 bash "$SERVE" --config "$CFG" --store-id 1 --workdir "$TMP/sl" \
  --pd-addr "127.0.0.1:$((BASE + 21))" &&
  expect_grep "restart PD with --id-start 303" "$TMP/err" "PD ids would collide"
cluster_stop_pid "$LOWPD" PD 10
wait "$LOWPD" 2>/dev/null
"$REAL_NOKV" pd --addr "127.0.0.1:$((BASE + 21))" --id-start 303 >"$TMP/pd-ok.log" 2>&1 &
OKPD=$!
cluster_wait_for_line "$TMP/pd-ok.log" 0 "PD service listening" "$OKPD" 20 || fail "PD did not start"
if [[ $REAL_SERVE -eq 0 ]]; then
  bash "$SERVE" --config "$CFG" --store-id 2 --workdir "$TMP/s2" \
    --pd-addr "127.0.0.1:$((BASE + 21))" >"$TMP/serve.log" 2>&1 &
  SERVE_PID=$!
  wait_grep "NoKV service listening" "$TMP/serve.log" 30 || fail "serve_from_config.sh: $(cat "$TMP/serve.log")"
  expect_grep "bootstrapped PD at 127.0.0.1:$((BASE + 21)): 3 store(s), 2 region(s)" "$TMP/serve.log" \
    "serve_from_config.sh bootstraps PD"
  expect_grep "bootstrapped store 2 at $TMP/s2" "$TMP/serve.log" "serve_from_config.sh bootstraps the store"
  cluster_stop_pid "$SERVE_PID" store 10
  wait "$SERVE_PID" 2>/dev/null
fi
cluster_stop_pid "$OKPD" PD 10
wait "$OKPD" 2>/dev/null

expect_exit 2 bash "$BOOT" --config "$CFG" --path-template "$TMP/b/store" &&
  expect_grep "must contain {id}" "$TMP/err" "bootstrap template"
expect_exit 0 bash "$BOOT" --config "$CFG" --path-template "$TMP/b/store-{id}" &&
  expect_grep "bootstrapped store 3 at $TMP/b/store-3" "$TMP/out" "bootstrap_from_config.sh"
expect_exit 0 bash "$BOOT" --config "$CFG" --path-template "$TMP/b/store-{id}" --store-id 1 &&
  expect_grep "store 1 at $TMP/b/store-1: already bootstrapped" "$TMP/out" "bootstrap twice"
expect_exit 1 bash "$BOOT" --config "$TMP/etc/dup.json" --path-template "$TMP/c/{id}" &&
  expect_grep "duplicate 2" "$TMP/err" "bootstrap_from_config.sh bad topology"

if [[ $FAILURES -ne 0 ]]; then
  echo "cluster_scripts_test: $FAILURES failure(s)" >&2
  exit 1
fi
echo "cluster_scripts_test: all checks passed"
