#!/usr/bin/env bash
# End-to-end test of nokv-config: the example topology's outputs (simple and
# JSON), malformed topology files (the error names the field, exit 1), bad
# usage (exit 2), warnings on stderr (silenced by -q), and, when built with
# the store runtime, bootstrap/manifest on real workdirs.
# Usage: nokv_config_test.sh /path/to/nokv-config REPO_DIR [/path/to/nokv]
# (with nokv, bootstrapped workdirs are read back with nokv regions --workdir)
set -u

CFG=$(realpath "${1:?usage: nokv_config_test.sh /path/to/nokv-config REPO_DIR}")
REPO=${2:?usage: nokv_config_test.sh /path/to/nokv-config REPO_DIR}
NOKV=${3:+$(realpath "$3")}
EXAMPLE="$REPO/testdata/cluster/raft_config.example.json"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nokv-config-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
FAILURES=0

fail() {
  echo "FAIL: $*" >&2
  FAILURES=$((FAILURES + 1))
}

# expect_exit CODE CMD...: runs CMD, stdout -> $TMP/out, stderr -> $TMP/err.
expect_exit() {
  local want=$1
  shift
  "$@" >"$TMP/out" 2>"$TMP/err"
  local got=$?
  if [[ $got -ne $want ]]; then
    fail "'$*' exited $got, want $want; stdout: $(head -c 300 "$TMP/out"); stderr: $(head -c 500 "$TMP/err")"
    return 1
  fi
  return 0
}

expect_grep() {  # expect_grep PATTERN FILE WHAT
  grep -q -- "$1" "$2" || fail "$3: no '$1' in $(head -c 500 "$2")"
}

expect_file() {  # expect_file FILE EXPECTED-TEXT WHAT
  local got
  got=$(cat "$1")
  [[ "$got" == "$2" ]] || fail "$3: got
$got
want
$2"
}

json_eq() {  # json_eq FILE PYTHON-EXPR EXPECTED
  local got
  got=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1") ||
    { fail "cannot evaluate $2 on $1"; return; }
  [[ "$got" == "$3" ]] || fail "$2 = $got, want $3"
}

# A topology with one thing changed: variant NAME PYTHON-STATEMENT (on dict d).
variant() {
  python3 - "$EXAMPLE" "$TMP/$1.json" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
}

# --- help, version, usage errors (exit 2) ---
expect_exit 0 "$CFG" --help && expect_grep "stores" "$TMP/out" "--help lists subcommands"
expect_exit 0 "$CFG" --version && expect_grep "^nokv-config " "$TMP/out" "--version"
expect_exit 2 "$CFG" && expect_grep "Subcommands:" "$TMP/err" "no arguments print the help"
expect_exit 2 "$CFG" storez --config "$EXAMPLE" &&
  expect_grep 'unknown command "storez"' "$TMP/err" "unknown command"
expect_exit 2 "$CFG" stores --config "$EXAMPLE" --bogus
expect_exit 2 "$CFG" stores --config "$EXAMPLE" --format xml &&
  expect_grep 'unknown format "xml" (expected simple|json)' "$TMP/err" "bad format"
expect_exit 2 "$CFG" pd --config "$EXAMPLE" --scope k8s &&
  expect_grep 'invalid scope "k8s" (expected host|docker)' "$TMP/err" "bad scope"
expect_exit 2 "$CFG" pd --config "$EXAMPLE" --field port &&
  expect_grep 'unknown field "port"' "$TMP/err" "bad pd field"
expect_exit 2 "$CFG" stores --config "$EXAMPLE" --field addr &&
  expect_grep '--field needs --store-id' "$TMP/err" "stores --field without a store"

# --- the example topology ---
expect_exit 0 "$CFG" validate --config "$EXAMPLE" &&
  expect_file "$TMP/out" "$EXAMPLE: ok (3 store(s), 2 region(s), 6 peer(s))" "validate"
A="$REPO/artifacts/cluster"
expect_exit 0 "$CFG" stores --config "$EXAMPLE" && expect_file "$TMP/out" \
"1 127.0.0.1:20170 127.0.0.1:20170 0.0.0.0:20160 nokv-node1:20160 $A/store-1 /var/lib/nokv/store-1
2 127.0.0.1:20171 127.0.0.1:20171 0.0.0.0:20160 nokv-node2:20160 $A/store-2 /var/lib/nokv/store-2
3 127.0.0.1:20172 127.0.0.1:20172 0.0.0.0:20160 nokv-node3:20160 $A/store-3 /var/lib/nokv/store-3" \
  "stores simple"
# The same from another directory: relative paths follow the file, not the cwd.
(cd "$TMP" && "$CFG" stores --config "$EXAMPLE" --store-id 3 --field work_dir) >"$TMP/out2" &&
  expect_file "$TMP/out2" "$A/store-3" "stores --field work_dir from another cwd"
expect_exit 0 "$CFG" stores --config "$EXAMPLE" --store-id 2 --field listen_addr --scope docker &&
  expect_file "$TMP/out" "0.0.0.0:20160" "stores --field listen_addr docker"
expect_exit 0 "$CFG" stores --config "$EXAMPLE" --store-id 2 --field addr --scope docker &&
  expect_file "$TMP/out" "nokv-node2:20160" "stores --field addr docker"
expect_exit 0 "$CFG" stores --config "$EXAMPLE" --json && {
  json_eq "$TMP/out" "len(d)" 3
  json_eq "$TMP/out" "(d[1]['store_id'], d[1]['listen_addr'], d[1]['docker_addr'])" \
    "(2, '127.0.0.1:20171', 'nokv-node2:20160')"
  json_eq "$TMP/out" "d[2]['work_dir']" "$A/store-3"
}
expect_exit 1 "$CFG" stores --config "$EXAMPLE" --store-id 9 &&
  expect_grep "unknown store 9" "$TMP/err" "stores unknown store"

expect_exit 0 "$CFG" regions --config "$EXAMPLE" && expect_file "$TMP/out" \
"1 - m 1 1 1:101,2:201,3:301 1
2 m - 1 1 1:102,2:202,3:302 2" "regions simple"
expect_exit 0 "$CFG" regions --config "$EXAMPLE" --format json && {
  json_eq "$TMP/out" "[r['id'] for r in d]" "[1, 2]"
  json_eq "$TMP/out" "(d[0]['start_key'], d[0]['end_key'], d[0]['epoch'])" \
    "('', 'm', {'version': 1, 'conf_version': 1})"
  json_eq "$TMP/out" "d[1]['peers'][2]" "{'store_id': 3, 'peer_id': 302}"
}

expect_exit 0 "$CFG" pd --config "$EXAMPLE" && expect_file "$TMP/out" "127.0.0.1:2379" "pd addr"
expect_exit 0 "$CFG" pd --config "$EXAMPLE" --scope docker &&
  expect_file "$TMP/out" "nokv-pd:2379" "pd addr docker"
expect_exit 0 "$CFG" pd --config "$EXAMPLE" --field workdir &&
  expect_file "$TMP/out" "$A/pd" "pd workdir"
expect_exit 0 "$CFG" pd --config "$EXAMPLE" --field id-start &&
  expect_file "$TMP/out" "303" "pd id-start: above every id of the file"
expect_exit 0 "$CFG" pd --config "$EXAMPLE" --json &&
  json_eq "$TMP/out" "(d['addr'], d['docker_work_dir'])" "('127.0.0.1:2379', '/var/lib/nokv-pd')"

# NOKV_CONFIG names the file when --config is absent.
NOKV_CONFIG="$EXAMPLE" "$CFG" pd >"$TMP/out" 2>"$TMP/err" ||
  fail "NOKV_CONFIG: $(cat "$TMP/err")"
expect_file "$TMP/out" "127.0.0.1:2379" "pd via NOKV_CONFIG"
(cd "$TMP" && "$CFG" pd) >"$TMP/out" 2>"$TMP/err" && fail "pd without a file succeeded"
expect_grep "raft_config.json: cannot open the topology file" "$TMP/err" "missing default file"
expect_grep "pass --config FILE or set NOKV_CONFIG" "$TMP/err" "missing file hint"

# --- binary keys, gaps and unknown fields ---
variant keys "d['regions'][0]['end_key'] = 'hex:6d00ff'; d['regions'][1]['start_key'] = 'hex:6d00ff'; d['regions'][1]['end_key'] = 'hex:7a20'; d['stores'][0]['listen_adr'] = 'x'"
expect_exit 0 "$CFG" regions --config "$TMP/keys.json" && {
  expect_file "$TMP/out" "1 - hex:6d00ff 1 1 1:101,2:201,3:301 1
2 hex:6d00ff hex:7a20 1 1 1:102,2:202,3:302 2" "hex keys in simple output"
  expect_grep "warning: $TMP/keys.json: stores\[0\].listen_adr: unknown field (ignored)" \
    "$TMP/err" "unknown field warning"
  expect_grep 'no bootstrap region covers keys from "hex:7a20" on' "$TMP/err" "gap warning"
}
expect_exit 0 "$CFG" regions --config "$TMP/keys.json" --store-id 2 --quiet &&
  [[ ! -s "$TMP/err" ]] || fail "--quiet still printed: $(cat "$TMP/err")"
expect_exit 0 "$CFG" validate --config "$TMP/keys.json" &&
  expect_grep "2 warning(s)" "$TMP/out" "validate counts warnings"

# --- malformed topology files: exit 1, the field named ---
bad() {  # bad NAME PYTHON-STATEMENT EXPECTED-ERROR-TEXT
  variant "$1" "$2"
  expect_exit 1 "$CFG" validate --config "$TMP/$1.json" &&
    expect_grep "$3" "$TMP/err" "$1"
  # Every subcommand validates before it prints anything.
  expect_exit 1 "$CFG" stores --config "$TMP/$1.json" && [[ ! -s "$TMP/out" ]] ||
    fail "$1: stores printed output for an invalid file"
}
bad dup_store "d['stores'][2]['store_id'] = 2" \
  "stores\[2\].store_id: duplicate 2 (also stores\[1\])"
bad dup_peer "d['regions'][1]['peers'][0]['peer_id'] = 201" \
  "regions\[1\].peers\[0\].peer_id: duplicate 201 (also regions\[0\].peers\[1\])"
bad overlap "d['regions'][1]['start_key'] = 'k'" \
  'regions\[1\] (id 2, \["k", +inf)) overlaps regions\[0\] (id 1, \[-inf, "m"))'
bad unknown_store "d['regions'][0]['peers'][2]['store_id'] = 7" \
  "regions\[0\].peers\[2\].store_id: unknown store 7 (not in stores\[\])"
bad bad_hex "d['regions'][0]['end_key'] = 'hex:6g'" \
  'regions\[0\].end_key: invalid hex key "hex:6g"'
bad template "d['store_work_dir_template'] = 'data/store'" \
  'store_work_dir_template: "data/store" must contain {id}'
bad missing_addr "del d['stores'][1]['addr']" "stores\[1\].addr: missing (required)"
bad wrong_type "d['stores'][0]['store_id'] = '1'" \
  'stores\[0\].store_id: expected an unsigned integer, got string "1"'
bad two_problems "d['stores'][0]['addr'] = 'nohost'; d['regions'][1]['id'] = 1" "2 problems:"
printf '{\n  "stores": [\n    {"store_id": 1 "addr": "127.0.0.1:1"}\n  ]\n}\n' >"$TMP/syntax.json"
expect_exit 1 "$CFG" regions --config "$TMP/syntax.json" &&
  expect_grep "syntax.json: line 3, column 20: unexpected '\"' (expected ',' or '}' after a member)" \
    "$TMP/err" "syntax error with line and column"
expect_exit 1 "$CFG" validate --config "$TMP" && expect_grep "is a directory" "$TMP/err" "a directory"

variant nopd "del d['pd']"
expect_exit 1 "$CFG" pd --config "$TMP/nopd.json" &&
  expect_grep "pd block missing from configuration" "$TMP/err" "pd missing"
variant nopdwd "del d['pd']['work_dir']; del d['pd']['docker_work_dir']"
expect_exit 1 "$CFG" pd --config "$TMP/nopdwd.json" --field workdir &&
  expect_grep 'pd workdir missing for scope "host"' "$TMP/err" "pd workdir missing"

# --- bootstrap and manifest (built with the store runtime) ---
if "$CFG" --help | grep -q bootstrap; then
  W="$TMP/cluster"
  expect_exit 0 "$CFG" bootstrap --config "$EXAMPLE" --path-template "$W/store-{id}" &&
    expect_file "$TMP/out" "bootstrapped store 1 at $W/store-1 (2 region(s): 1,2)
bootstrapped store 2 at $W/store-2 (2 region(s): 1,2)
bootstrapped store 3 at $W/store-3 (2 region(s): 1,2)" "bootstrap every store"
  # Idempotent: a second run skips every store, exit 0.
  expect_exit 0 "$CFG" bootstrap --config "$EXAMPLE" --path-template "$W/store-{id}" &&
    expect_grep "store 2 at $W/store-2: already bootstrapped (2 region(s) in its engine); skipped" \
      "$TMP/out" "bootstrap twice"
  # Another store's workdir is refused.
  expect_exit 1 "$CFG" bootstrap --config "$EXAMPLE" --store-id 3 --workdir "$W/store-1" &&
    expect_grep "$W/store-1 holds store 1, not store 3; pick another directory" "$TMP/err" \
      "bootstrap into another store's workdir"
  # One store, the workdir from the file's template (resolved against the
  # file's directory).
  mkdir -p "$TMP/etc/nokv"
  cp "$EXAMPLE" "$TMP/etc/nokv/topo.json"  # its ../../artifacts is $TMP/artifacts
  expect_exit 0 "$CFG" bootstrap --config "$TMP/etc/nokv/topo.json" --store-id 2 &&
    expect_file "$TMP/out" "bootstrapped store 2 at $TMP/artifacts/cluster/store-2 (2 region(s): 1,2)" \
      "bootstrap --store-id with the file's template"
  # A region without this store: bootstrapped with nothing.
  variant split "d['regions'][1]['peers'].pop(2)"
  expect_exit 0 "$CFG" bootstrap --config "$TMP/split.json" --store-id 3 --workdir "$TMP/s3" &&
    expect_file "$TMP/out" "bootstrapped store 3 at $TMP/s3 (1 region(s): 1)" "store 3 holds region 1 only"
  expect_exit 2 "$CFG" bootstrap --config "$EXAMPLE" --workdir "$TMP/x" &&
    expect_grep "--workdir needs --store-id" "$TMP/err" "bootstrap --workdir without a store"
  expect_exit 2 "$CFG" bootstrap --config "$EXAMPLE" --path-template "$TMP/x" &&
    expect_grep "must contain {id}" "$TMP/err" "bootstrap template without {id}"
  expect_exit 1 "$CFG" bootstrap --config "$TMP/dup_store.json" --path-template "$TMP/d-{id}" &&
    expect_grep "duplicate 2" "$TMP/err" "bootstrap validates the file"
  [[ ! -e "$TMP/d-1" ]] || fail "bootstrap wrote a workdir from an invalid file"

  expect_exit 0 "$CFG" manifest --workdir "$TMP/m/store-1" --store-id 1 --region-id 5 \
    --start-key hex:00 --end-key "a b" --peer 1:51 --peer 2:52 &&
    expect_file "$TMP/out" "bootstrapped store 1 at $TMP/m/store-1 (1 region(s): 5)" "manifest"
  expect_exit 1 "$CFG" manifest --workdir "$TMP/m/store-1" --store-id 1 --region-id 6 --peer 1:61 &&
    expect_grep "already holds store 1 (1 region(s)); a store workdir is bootstrapped once" \
      "$TMP/err" "manifest on a bootstrapped workdir"
  expect_exit 2 "$CFG" manifest --workdir "$TMP/m2" --store-id 3 --region-id 6 --peer 1:61 &&
    expect_grep "no --peer on store 3" "$TMP/err" "manifest without the store"
  expect_exit 2 "$CFG" manifest --workdir "$TMP/m2" --store-id 1 --region-id 6 --peer 1-61 &&
    expect_grep 'invalid --peer "1-61" (want STORE:PEER, both > 0)' "$TMP/err" "manifest bad peer"
  expect_exit 2 "$CFG" manifest --workdir "$TMP/m2" --store-id 1 --region-id 6 --peer 1:6 \
    --end-key hex:zz && expect_grep '--end-key: invalid hex key "hex:zz"' "$TMP/err" "manifest hex"
  expect_exit 2 "$CFG" manifest --workdir "$TMP/m2" --store-id 1 --region-id 6 --peer 1:6 --peer 1:7 &&
    expect_grep "store 1 already holds a peer" "$TMP/err" "manifest two peers on a store"
  [[ ! -e "$TMP/m2" ]] || fail "a refused manifest created $TMP/m2"

  if [[ -n "$NOKV" ]]; then
    expect_exit 0 "$NOKV" regions --workdir "$W/store-2" && {
      expect_grep "^Store 2 at $W/store-2 (offline): 2 region(s)" "$TMP/out" "regions text"
      expect_grep "^ *2  m *+inf .*1:102,2:202,3:302 *normal *202 " "$TMP/out" "regions row"
    }
    expect_exit 0 "$NOKV" regions --workdir "$W/store-2" --json && {
      json_eq "$TMP/out" "(d['source'], d['store_id'], len(d['regions']))" "('workdir', 2, 2)"
      json_eq "$TMP/out" "(d['regions'][1]['start_key'], d['regions'][1]['start_key_hex'])" \
        "('m', '6d')"
      json_eq "$TMP/out" "d['regions'][0]['peers'][1]" \
        "{'peer_id': 201, 'store_id': 2, 'role': 'voter'}"
      json_eq "$TMP/out" "(d['regions'][0]['state'], d['regions'][0]['local_peer_id'])" \
        "('normal', 201)"
    }
    expect_exit 0 "$NOKV" regions --workdir "$TMP/m/store-1" --json &&
      json_eq "$TMP/out" "(d['regions'][0]['start_key'], d['regions'][0]['end_key_hex'])" \
        "('hex:00', '612062')"
    # A running store (its data engine locked; here by an embedded server on
    # it) is refused with advice, not an engine error alone.
    "$NOKV" serve --workdir "$W/store-1/data" --metrics-addr 127.0.0.1:0 >"$TMP/lock.log" 2>&1 &
    holder=$!
    for _ in $(seq 100); do grep -q "Press Ctrl+C" "$TMP/lock.log" && break; sleep 0.1; done
    expect_exit 1 "$NOKV" regions --workdir "$W/store-1" &&
      expect_grep "the store is running (its engine is locked); ask PD with nokv regions --pd-addr" \
        "$TMP/err" "regions on a running store"
    kill -TERM "$holder"
    wait "$holder"
    # Not a store workdir: refused, and nothing created there.
    mkdir -p "$TMP/empty"
    expect_exit 1 "$NOKV" regions --workdir "$TMP/empty" &&
      expect_grep "is not a store workdir" "$TMP/err" "regions on an empty dir"
    [[ -z "$(ls -A "$TMP/empty")" ]] || fail "nokv regions wrote into $TMP/empty"
    expect_exit 1 "$NOKV" regions --workdir "$TMP/nope" &&
      expect_grep "no such directory" "$TMP/err" "regions on a missing dir"
    expect_exit 2 "$NOKV" regions && expect_grep "exactly one of --workdir" "$TMP/err" "regions usage"
  fi
else
  echo "nokv_config_test: built without the store runtime; bootstrap/manifest not tested"
fi

# --- bootstrap-pd against a real PD (port 0: the bound port is read back) ---
if [[ -n "$NOKV" ]]; then
  start_pd() {  # start_pd LOG ARGS...: sets PD_PID and PD_ADDR
    local log=$1
    shift
    "$NOKV" pd --addr 127.0.0.1:0 "$@" >"$log" 2>&1 &
    PD_PID=$!
    PD_ADDR=""
    for _ in $(seq 150); do
      PD_ADDR=$(sed -n 's|^PD service listening on \(127\.0\.0\.1:[0-9]*\).*|\1|p' "$log")
      [[ -n "$PD_ADDR" ]] && return 0
      sleep 0.1
    done
    fail "PD did not start: $(cat "$log")"
  }
  start_pd "$TMP/pd1.log"
  expect_exit 1 "$CFG" bootstrap-pd --config "$EXAMPLE" --pd-addr "$PD_ADDR" &&
    expect_grep "uses ids up to 302: new regions and peers would collide; restart PD with --id-start 303" \
      "$TMP/err" "bootstrap-pd refuses a PD whose ids collide"
  kill -TERM "$PD_PID"
  wait "$PD_PID"
  start_pd "$TMP/pd2.log" --id-start 303
  expect_exit 0 "$CFG" bootstrap-pd --config "$EXAMPLE" --pd-addr "$PD_ADDR" &&
    expect_file "$TMP/out" "bootstrapped PD at $PD_ADDR: 3 store(s), 2 region(s)" "bootstrap-pd"
  expect_exit 0 "$NOKV" regions --pd-addr "$PD_ADDR" --json && {
    json_eq "$TMP/out" "[(s['store_id'], s['address']) for s in d['stores']]" \
      "[(1, '127.0.0.1:20170'), (2, '127.0.0.1:20171'), (3, '127.0.0.1:20172')]"
    json_eq "$TMP/out" "[(r['id'], r['end_key']) for r in d['regions']]" "[(1, 'm'), (2, '')]"
    json_eq "$TMP/out" "d['regions'][1]['leader']['peer_id']" "202"
  }
  expect_exit 0 "$CFG" bootstrap-pd --config "$EXAMPLE" --pd-addr "$PD_ADDR" &&
    expect_grep "is already bootstrapped; skipped" "$TMP/out" "bootstrap-pd twice"
  kill -TERM "$PD_PID"
  wait "$PD_PID"
  expect_exit 1 "$CFG" bootstrap-pd --config "$EXAMPLE" --pd-addr "$PD_ADDR" --timeout 300 &&
    expect_grep "PD $PD_ADDR" "$TMP/err" "bootstrap-pd with PD down"
fi

if [[ $FAILURES -ne 0 ]]; then
  echo "nokv_config_test: $FAILURES failure(s)" >&2
  exit 1
fi
echo "nokv_config_test: all checks passed"
