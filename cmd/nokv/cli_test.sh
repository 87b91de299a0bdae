#!/usr/bin/env bash
# End-to-end test of the nokv CLI: demo builds a workdir, manifest and stats
# read it (text and JSON), fsck checks value pointers and repairs a lost value
# log, and bad usage / bad workdirs give the documented exit codes. A missing
# tool skips the test (exit 77). Usage: cli_test.sh /path/to/nokv
set -u
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/require_tools.sh"
require_tools python3 python3:sqlite3

NOKV=${1:?usage: cli_test.sh /path/to/nokv}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nokv-cli-test.XXXXXX")
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
    fail "'$*' exited $got, want $want; stderr: $(head -c 500 "$TMP/err")"
    return 1
  fi
  return 0
}

expect_grep() {  # expect_grep PATTERN FILE WHAT
  grep -q -- "$1" "$2" || fail "$3: no '$1' in $(head -c 500 "$2")"
}

# JSON field check: json_eq FILE PYTHON-EXPR EXPECTED
json_eq() {
  local got
  got=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1") ||
    { fail "cannot evaluate $2 on $1"; return; }
  [[ "$got" == "$3" ]] || fail "$2 = $got, want $3"
}

W="$TMP/db"

# --- help and version ---
expect_exit 0 "$NOKV" --help && expect_grep "manifest" "$TMP/out" "--help lists subcommands"
expect_exit 0 "$NOKV" --version && expect_grep "^nokv 0.1.0" "$TMP/out" "--version"
for sub in manifest stats demo; do
  expect_exit 0 "$NOKV" "$sub" --help && expect_grep "--workdir" "$TMP/out" "$sub --help"
done

# --- demo builds a workdir ---
expect_exit 0 "$NOKV" demo --workdir "$W" --keys 3000 --memtable-size 65536 &&
  expect_grep "scan saw 2990 keys" "$TMP/out" "demo output"
[[ -f "$W/CURRENT" ]] || fail "demo left no CURRENT in $W"

# --- manifest ---
expect_exit 0 "$NOKV" manifest --workdir "$W" && {
  expect_grep "^Manifest *: MANIFEST-" "$TMP/out" "manifest text"
  expect_grep "WAL checkpoint" "$TMP/out" "manifest text"
  expect_grep "\.sst" "$TMP/out" "manifest text lists files"
}
expect_exit 0 "$NOKV" manifest --workdir "$W" --json && {
  cp "$TMP/out" "$TMP/manifest.json"
  python3 -m json.tool "$TMP/manifest.json" >/dev/null || fail "manifest --json is not JSON"
  json_eq "$TMP/manifest.json" "len(d['levels'])" 7
  json_eq "$TMP/manifest.json" "d['last_sequence']" 3010
  json_eq "$TMP/manifest.json" "sum(f['entries'] for f in d['files']) == sum(l['entries'] for l in d['levels'])" True
  json_eq "$TMP/manifest.json" "all(f['present'] for f in d['files'])" True
  # demo:00000000 is deleted; compaction may have dropped it entirely.
  json_eq "$TMP/manifest.json" "min(f['smallest']['user_key'] for f in d['files']) <= 'demo:00000001'" True
  json_eq "$TMP/manifest.json" "max(f['largest']['user_key'] for f in d['files'])" "demo:00002999"
  json_eq "$TMP/manifest.json" "d['manifest']['name'].startswith('MANIFEST-')" True
}

# --- stats ---
expect_exit 0 "$NOKV" stats --workdir "$W" && {
  expect_grep "^Entries" "$TMP/out" "stats text"
  expect_grep "LSM.Levels" "$TMP/out" "stats text"
}
expect_exit 0 "$NOKV" stats --workdir "$W" --json && {
  cp "$TMP/out" "$TMP/stats.json"
  python3 -m json.tool "$TMP/stats.json" >/dev/null || fail "stats --json is not JSON"
  json_eq "$TMP/stats.json" "d['entries']['total'] == d['entries']['sst'] + d['entries']['wal_pending']" True
  # 3000 puts + 10 deletes: compaction keeps at least the 2990 live keys.
  json_eq "$TMP/stats.json" "d['entries']['total'] >= 2990" True
  json_eq "$TMP/stats.json" "d['sequence']['effective_last']" 3010
  json_eq "$TMP/stats.json" "d['wal']['problems']" 0
}

# --- value log: stats/vlog JSON, fsck pointer check, repair, SQLite ---
V="$TMP/vdb"
expect_exit 0 "$NOKV" demo --workdir "$V" --keys 1000 --value-size 2000 --memtable-size 262144
expect_exit 0 "$NOKV" stats --workdir "$V" --json && {
  cp "$TMP/out" "$TMP/vstats.json"
  json_eq "$TMP/vstats.json" "d['value_log']['segments'] >= 1" True
  json_eq "$TMP/vstats.json" "d['value_log']['records'] >= 1000" True
  json_eq "$TMP/vstats.json" "d['value_log']['head_segment'] == d['value_log']['segment_list'][-1]['number']" True
  json_eq "$TMP/vstats.json" "all(s['ok'] for s in d['value_log']['segment_list'])" True
  json_eq "$TMP/vstats.json" "d['totals']['vlog_bytes'] == d['value_log']['bytes']" True
}
expect_exit 0 "$NOKV" vlog --workdir "$V" --json && {
  cp "$TMP/out" "$TMP/vlog.json"
  python3 - "$TMP/vstats.json" "$TMP/vlog.json" <<'PY' || fail "vlog --json and stats value_log differ"
import json, sys
s = json.load(open(sys.argv[1]))['value_log']
v = json.load(open(sys.argv[2]))
del v['workdir']
sys.exit(0 if s == v else 1)
PY
}
expect_exit 0 "$NOKV" stats --workdir "$V" && expect_grep "^VLog.Segments" "$TMP/out" "stats text value log"
expect_exit 0 "$NOKV" fsck --workdir "$V" --json && {
  cp "$TMP/out" "$TMP/vfsck.json"
  json_eq "$TMP/vfsck.json" "d['summary']['pointers_checked']" True
  json_eq "$TMP/vfsck.json" "d['summary']['live_pointers'] >= 990" True
  json_eq "$TMP/vfsck.json" "d['summary']['dangling_pointers']" 0
}
expect_exit 0 "$NOKV" manifest --workdir "$V" --sqlite "$TMP/v.db" &&
  expect_grep "value-log segments" "$TMP/err" "manifest --sqlite summary"
got=$(python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute('SELECT count(*), sum(head) FROM vlog_segments WHERE ok = 1').fetchone())" "$TMP/v.db")
[[ "$got" == "(1, 1)" ]] || fail "vlog_segments rows: $got"
# Lose the value log: every live pointer dangles; repair drops those entries.
rm -f "$V"/vlog/*.vlog
expect_exit 1 "$NOKV" fsck --workdir "$V" --json && {
  cp "$TMP/out" "$TMP/vbad.json"
  json_eq "$TMP/vbad.json" "d['summary']['dangling_pointers'] >= 990" True
  json_eq "$TMP/vbad.json" "d['summary']['by_kind']['dangling'] > 0" True
}
expect_exit 1 "$NOKV" fsck --workdir "$V" && expect_grep "dangling" "$TMP/out" "fsck text names dangling pointers"
expect_exit 0 "$NOKV" fsck --workdir "$V" --repair --json && {
  cp "$TMP/out" "$TMP/vrepair.json"
  json_eq "$TMP/vrepair.json" "d['clean']" True
  json_eq "$TMP/vrepair.json" "d['repair']['dropped_entries'] >= 990" True
}
expect_exit 0 "$NOKV" fsck --workdir "$V"

# --- usage errors exit 2 ---
expect_exit 2 "$NOKV"
expect_exit 2 "$NOKV" bogus && expect_grep "unknown command" "$TMP/err" "unknown subcommand"
expect_exit 2 "$NOKV" stats --workdir "$W" --bogus-flag
expect_exit 2 "$NOKV" manifest
expect_exit 2 "$NOKV" demo --workdir "$TMP/db3" --keys notanumber

# --- not a workdir exits 1 with one line naming the dir ---
mkdir -p "$TMP/empty"
expect_exit 1 "$NOKV" stats --workdir "$TMP/empty" && {
  expect_grep "$TMP/empty" "$TMP/err" "non-workdir error names the dir"
  [[ $(wc -l <"$TMP/err") -eq 1 ]] || fail "non-workdir error is not one line: $(cat "$TMP/err")"
  [[ ! -s "$TMP/out" ]] || fail "non-workdir printed to stdout"
}
expect_exit 1 "$NOKV" manifest --workdir "$TMP/missing" --json &&
  expect_grep "no such directory" "$TMP/err" "missing dir error"
[[ ! -e "$TMP/missing" ]] || fail "manifest created the missing workdir"

if [[ $FAILURES -ne 0 ]]; then
  echo "$FAILURES failure(s)" >&2
  exit 1
fi
echo "cli_test: all checks passed"
