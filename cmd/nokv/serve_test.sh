#!/usr/bin/env bash
# End-to-end test of `nokv serve`: starts it on free loopback ports (port 0,
# the bound port is read from its log) with a temporary workdir, exercises the
# HTTP endpoints with curl, stops it with SIGTERM and expects exit 0. Also the
# admin token, the refusal of a non-loopback address without a token, and the
# Redis gateway, and that /metrics passes
# `promtool check metrics`. A missing tool skips the test (exit 77).
#
#   serve_test.sh /path/to/nokv
set -u
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/require_tools.sh"
require_tools curl python3 promtool redis-cli

NOKV=${1:?usage: serve_test.sh /path/to/nokv}
[[ -x "$NOKV" ]] || { echo "serve_test: $NOKV is not an executable" >&2; exit 1; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nokv-serve-test.XXXXXX")
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

CURL=(curl -sS --max-time 10 -o "$TMP/body" -w "%{http_code}")

# start_serve LOG ARGS...: starts nokv serve in the background (PID), waits up
# to 15 s for its "HTTP ... listening on http://HOST:PORT" line, sets PORT.
start_serve() {
  local log=$1
  shift
  "$NOKV" serve "$@" >"$log" 2>&1 &
  PID=$!
  PORT=""
  for _ in $(seq 150); do
    PORT=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$log" | head -1)
    [[ -n "$PORT" ]] && return 0
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  fail "nokv serve $* did not come up; log: $(head -c 1000 "$log")"
  return 1
}

# stop_serve LOG: SIGTERM, wait up to 15 s, expect exit 0 and the shutdown line.
stop_serve() {
  local log=$1
  kill -TERM "$PID"
  for _ in $(seq 150); do
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$PID" 2>/dev/null; then
    fail "nokv serve did not exit within 15 s of SIGTERM"
    kill -KILL "$PID"
  fi
  wait "$PID"
  local rc=$?
  PID=""
  [[ $rc -eq 0 ]] || fail "nokv serve exited $rc after SIGTERM; log: $(head -c 1000 "$log")"
  grep -q "Shutting down (SIGTERM)" "$log" || fail "no shutdown line in $(cat "$log")"
}

# expect_http CODE METHOD PATH [curl args...]: the response code must be CODE.
expect_http() {
  local want=$1 method=$2 path=$3
  shift 3
  local got
  got=$("${CURL[@]}" -X "$method" "$@" "http://127.0.0.1:$PORT$path")
  [[ "$got" == "$want" ]] || fail "$method $path: HTTP $got, want $want; body: $(head -c 300 "$TMP/body")"
}

json_ok() {  # json_ok WHAT: the last body is JSON
  python3 -m json.tool "$TMP/body" >/dev/null 2>&1 || fail "$1: not JSON: $(head -c 300 "$TMP/body")"
}

W="$TMP/db"

# --- usage errors and the loopback rule ---
"$NOKV" serve --workdir "$W" --metrics-addr nonsense >"$TMP/out" 2>&1
[[ $? -eq 2 ]] || fail "bad --metrics-addr should exit 2: $(cat "$TMP/out")"
"$NOKV" serve --workdir "$W" --metrics-addr 0.0.0.0:0 >"$TMP/out" 2>&1
[[ $? -eq 1 ]] || fail "non-loopback without a token should exit 1"
grep -q "token" "$TMP/out" || fail "non-loopback refusal does not mention the token: $(cat "$TMP/out")"
"$NOKV" serve --help >"$TMP/out" 2>&1 && grep -q -- "--metrics-addr" "$TMP/out" ||
  fail "serve --help does not list --metrics-addr"

# --- a plain server: every endpoint ---
if start_serve "$TMP/log1" --workdir "$W" --metrics-addr 127.0.0.1:0; then
  expect_http 200 GET /healthz
  grep -qx "ok" "$TMP/body" || fail "/healthz body: $(cat "$TMP/body")"
  expect_http 200 GET /debug/vars
  json_ok /debug/vars
  python3 - "$TMP/body" <<'PY' || fail "/debug/vars fields"
import json, sys
d = json.load(open(sys.argv[1]))
st = d["NoKV.Stats"]
assert "serve" in d["cmdline"], d["cmdline"]
assert d["memstats"]["rss_bytes"] > 0
for section in ("flush", "compaction", "wal", "write", "cache", "lsm"):
    assert section in st, section
assert len(st["lsm"]["levels"]) == 7
assert st["background_error"] == ""
PY
  expect_http 200 GET /metrics
  grep -q "^# TYPE nokv_up gauge$" "$TMP/body" || fail "/metrics lacks nokv_up"
  grep -q '^nokv_lsm_level_tables{level="0"} [0-9]*$' "$TMP/body" || fail "/metrics lacks level series"
  promtool check metrics <"$TMP/body" >"$TMP/promtool" 2>&1 ||
    fail "promtool check metrics: $(cat "$TMP/promtool")"
  expect_http 200 POST /admin/flush
  json_ok /admin/flush
  expect_http 200 POST /admin/compact
  expect_http 200 GET /admin/levels
  json_ok /admin/levels
  expect_http 200 GET /admin/stats
  json_ok /admin/stats
  expect_http 404 GET /nope
  json_ok 404
  expect_http 405 GET /admin/flush
  stop_serve "$TMP/log1"
fi
[[ -f "$W/CURRENT" ]] || fail "serve left no database in $W"
"$NOKV" stats --workdir "$W" >/dev/null 2>&1 || fail "nokv stats cannot read the workdir after serve"

# --- admin token (from the environment and from the flag, which is redacted) ---
if NOKV_ADMIN_TOKEN=envtok start_serve "$TMP/log2" --workdir "$W" --metrics-addr 127.0.0.1:0; then
  expect_http 401 POST /admin/flush
  expect_http 401 POST /admin/flush -H "Authorization: Bearer wrong"
  expect_http 200 POST /admin/flush -H "Authorization: Bearer envtok"
  expect_http 200 GET /metrics
  stop_serve "$TMP/log2"
fi
if start_serve "$TMP/log3" --workdir "$W" --metrics-addr 127.0.0.1:0 --admin-token flagtok; then
  expect_http 200 GET /admin/stats -H "Authorization: Bearer flagtok"
  expect_http 200 GET /debug/vars
  grep -q flagtok "$TMP/body" && fail "/debug/vars publishes the admin token"
  grep -q "<redacted>" "$TMP/body" || fail "/debug/vars cmdline not redacted"
  stop_serve "$TMP/log3"
fi

# --- SIGINT works too ---
if start_serve "$TMP/log4" --workdir "$W" --metrics-addr 127.0.0.1:0 --sync-writes; then
  kill -INT "$PID"
  for _ in $(seq 150); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  wait "$PID"
  rc=$?
  PID=""
  [[ $rc -eq 0 ]] || fail "SIGINT: exit $rc"
fi

# --- the Redis gateway ---
start_redis() {
  "$NOKV" serve --workdir "$W" --metrics-addr 127.0.0.1:0 --redis-addr 127.0.0.1:0 >"$TMP/log5" 2>&1 &
  PID=$!
  for _ in $(seq 150); do
    grep -q "listening on http://" "$TMP/log5" && return 0
    kill -0 "$PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
if start_redis; then
  PORT=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$TMP/log5" | head -1)
  RPORT=$(sed -n 's|^Redis gateway listening on 127\.0\.0\.1:\([0-9]*\).*|\1|p' "$TMP/log5" | head -1)
  [[ -n "$RPORT" ]] || fail "no Redis gateway line: $(cat "$TMP/log5")"
  if [[ -n "$RPORT" ]]; then
    out=$(timeout 10 redis-cli -h 127.0.0.1 -p "$RPORT" SET servekey v1 2>&1)
    [[ "$out" == "OK" ]] || fail "redis SET via serve: $out"
    out=$(timeout 10 redis-cli -h 127.0.0.1 -p "$RPORT" GET servekey 2>&1)
    [[ "$out" == "v1" ]] || fail "redis GET via serve: $out"
  fi
  expect_http 200 GET /debug/vars
  python3 -c 'import json,sys; assert "redis" in json.load(open(sys.argv[1]))["NoKV.Stats"]' \
    "$TMP/body" || fail "/debug/vars lacks the redis stats group"
  # Every metric, the gateway's group included, must pass promtool's checks
  # (names, types, HELP; e.g. no gauge may end in _count).
  expect_http 200 GET /metrics
  grep -q "^nokv_redis_commands_total " "$TMP/body" || fail "/metrics lacks the redis group"
  promtool check metrics <"$TMP/body" >"$TMP/promtool" 2>&1 ||
    fail "promtool check metrics: $(cat "$TMP/promtool")"
  stop_serve "$TMP/log5"
else
  fail "serve with --redis-addr did not start: $(head -c 1000 "$TMP/log5")"
fi

if [[ $FAILURES -gt 0 ]]; then
  echo "$FAILURES failure(s)" >&2
  exit 1
fi
echo "serve_test: all checks passed"
