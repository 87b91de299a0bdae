#!/usr/bin/env bash
# End-to-end test of nokv-config: the example topology's outputs (simple and
# JSON), malformed topology files (the error names the field, exit 1), bad
# usage (exit 2), warnings on stderr (silenced by -q), and, when built with
# the store runtime, bootstrap/manifest on real workdirs.
# Usage: nokv_config_test.sh /path/to/nokv-config REPO_DIR
set -u

CFG=$(realpath "${1:?usage: nokv_config_test.sh /path/to/nokv-config REPO_DIR}")
REPO=${2:?usage: nokv_config_test.sh /path/to/nokv-config REPO_DIR}
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

if [[ $FAILURES -ne 0 ]]; then
  echo "nokv_config_test: $FAILURES failure(s)" >&2
  exit 1
fi
echo "nokv_config_test: all checks passed"
