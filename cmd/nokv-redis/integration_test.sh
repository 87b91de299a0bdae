#!/bin/bash
# Integration test of nokv-redis: starts the real binary on an ephemeral
# loopback port with a temp workdir, drives it with redis-cli and a hiredis
# client, restarts it on the same workdir to check persistence, and stops it
# with SIGTERM expecting a clean exit. A missing tool (redis-cli, python3, the
# hiredis client when libhiredis-dev was not found at configure time) skips
# the test (exit 77).
#
#   integration_test.sh NOKV_REDIS_BINARY HIREDIS_SMOKE_BINARY|--no-hiredis
set -u
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/require_tools.sh"
BIN=${1:?usage: integration_test.sh NOKV_REDIS_BINARY HIREDIS_SMOKE_BINARY|--no-hiredis}
SMOKE=${2:?usage: integration_test.sh NOKV_REDIS_BINARY HIREDIS_SMOKE_BINARY|--no-hiredis}
require_tools redis-cli python3
if [[ "$SMOKE" == "--no-hiredis" ]]; then
  echo "SKIP: not installed: libhiredis-dev (scripts/install_deps.sh installs it; re-run cmake)"
  exit "$NOKV_SKIP_CODE"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nokv-redis-it.XXXXXX")
PID=""
PORT=""
FAILS=0

cleanup() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
check() {  # check NAME EXPECTED ACTUAL
  if [ "$2" == "$3" ]; then echo "ok: $1"; else fail "$1: expected [$2], got [$3]"; fi
}

start_server() {
  : > "$WORK/log"
  "$BIN" --addr 127.0.0.1:0 --workdir "$WORK/db" --idle-timeout 60 "$@" >"$WORK/log" 2>&1 &
  PID=$!
  PORT=""
  for _ in $(seq 1 100); do
    PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/log" | head -1)
    [ -n "$PORT" ] && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$PORT" ]; then cat "$WORK/log"; echo "FAIL: server did not start"; exit 1; fi
  echo "server pid $PID on port $PORT"
}

stop_server() {
  kill -TERM "$PID"
  local rc
  for _ in $(seq 1 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$PID" 2>/dev/null; then fail "server did not exit within 10 s of SIGTERM"; kill -KILL "$PID"; fi
  wait "$PID"; rc=$?
  PID=""
  check "clean exit on SIGTERM" 0 "$rc"
  grep -q "bye" "$WORK/log" || fail "no 'bye' in the log"
}

cli() { timeout 10 redis-cli -p "$PORT" "$@"; }

# ---- flags ----
"$BIN" --help >/dev/null 2>&1; check "--help exits 0" 0 $?
"$BIN" --bogus-flag >/dev/null 2>&1; check "bad flag exits 2" 2 $?
"$BIN" --addr nonsense --workdir "$WORK/x" >/dev/null 2>&1; check "bad --addr exits 2" 2 $?

# ---- first run ----
start_server
check "PING" "PONG" "$(cli PING)"
check "SET" "OK" "$(cli SET greeting hello)"
check "GET" "hello" "$(cli GET greeting)"
check "GET missing" "" "$(cli GET nope)"
check "SET EX" "OK" "$(cli SET session abc EX 1000)"
ttl=$(cli TTL session)
if [ "$ttl" -gt 990 ] && [ "$ttl" -le 1000 ]; then echo "ok: TTL $ttl"; else fail "TTL: got [$ttl]"; fi
check "EXPIRE" "1" "$(cli EXPIRE greeting 500)"
check "PERSIST" "1" "$(cli PERSIST greeting)"
check "TTL after PERSIST" "-1" "$(cli TTL greeting)"
check "SET PX short" "OK" "$(cli SET brief x PX 200)"
sleep 0.5
check "expired key is gone" "" "$(cli GET brief)"
check "INCR" "1" "$(cli INCR hits)"
check "INCRBY" "11" "$(cli INCRBY hits 10)"
check "error reply: arity" "ERR wrong number of arguments for 'incr' command" "$(cli INCR a b 2>&1)"
check "error reply: not an integer" "ERR value is not an integer or out of range" "$(cli INCR greeting 2>&1)"
check "error reply: unknown" "ERR unknown command 'NOPE', with args beginning with: 'x' " "$(cli NOPE x 2>&1)"
check "SELECT 1" "ERR DB index is out of range" "$(cli SELECT 1 2>&1)"
check "SET empty key" "OK" "$(cli SET '' empty)"
check "GET empty key" "empty" "$(cli GET '')"
check "DEL empty key" "1" "$(cli DEL '')"
check "HELLO 3 refused" "NOPROTO unsupported protocol version" "$(cli HELLO 3 2>&1)"

# Pipelined raw protocol: 500 SETs in one write, through redis-cli --pipe.
: > "$WORK/pipe.txt"
for i in $(seq 1 500); do
  printf '*3\r\n$3\r\nSET\r\n$%d\r\nscan:%d\r\n$1\r\nv\r\n' "$(( ${#i} + 5 ))" "$i" >> "$WORK/pipe.txt"
done
out=$(timeout 20 redis-cli -p "$PORT" --pipe < "$WORK/pipe.txt" 2>&1)
echo "$out" | grep -q "errors: 0, replies: 500" && echo "ok: --pipe 500 replies" || fail "--pipe: $out"
# Inline commands pipelined over one connection.
out=$(printf 'PING\r\nSET inl "a b"\r\nGET inl\r\n' | timeout 10 redis-cli -p "$PORT")
check "pipelined stdin" "$(printf 'PONG\nOK\na b')" "$out"

check "SCAN finds all keys" "500" "$(timeout 20 redis-cli -p "$PORT" --scan --pattern 'scan:*' | sort -u | wc -l)"
check "KEYS" "10" "$(cli KEYS 'scan:5?' | wc -l | tr -d ' ')"
check "DBSIZE" "504" "$(cli DBSIZE)"
# INFO's keyspace line is the count of the last background walk (a cycle every
# 100 ms): it catches up within a few cycles.
for _ in $(seq 1 50); do cli INFO keyspace | grep -q "db0:keys=504," && break; sleep 0.1; done
info=$(cli INFO)
for field in redis_version connected_clients total_commands_processed keyspace_hits "db0:keys=504" \
    last_sequence keyspace_approximate:1; do
  echo "$info" | grep -q "$field" && echo "ok: INFO has $field" || fail "INFO lacks $field"
done

# The preamble of Redis' test harness against an external server (with
# --singledb), and CONFIG SET reaching the running gateway.
check "SET" "OK" "$(cli SET harness x)"
check "FUNCTION FLUSH" "OK" "$(cli FUNCTION FLUSH)"
check "FUNCTION LIST" "" "$(cli FUNCTION LIST)"
check "CONFIG GET appendonly" "$(printf 'appendonly\nyes')" "$(cli CONFIG GET appendonly)"
check "CONFIG SET appendfsync" "OK" "$(cli CONFIG SET appendfsync always)"
check "CONFIG GET appendfsync" "$(printf 'appendfsync\nalways')" "$(cli CONFIG GET appendfsync)"
check "INFO shows appendfsync" "appendfsync:always" "$(cli INFO nokv | tr -d '\r' | grep '^appendfsync:')"
check "CONFIG SET appendfsync back" "OK" "$(cli CONFIG SET appendfsync no)"
check "CONFIG SET unknown" "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'" \
  "$(cli CONFIG SET nosuch 1 2>&1)"
check "SETBIT/BITCOUNT" "0 1" "$(cli SETBIT bits 7 1) $(cli BITCOUNT bits)"
check "DEL harness keys" "2" "$(cli DEL harness bits)"

"$SMOKE" "$PORT" || fail "hiredis smoke"
EXPECT_KEYS=510  # the smoke client leaves 6 keys

# A malformed frame gets a protocol error and only that connection closes.
out=$(python3 - "$PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"*1\r\n$4\r\nPING\r\n*x\r\n")
data = b""
while True:
    d = s.recv(4096)
    if not d: break
    data += d
print(data.decode().replace("\r\n", "|"))
PY
)
check "protocol error closes the connection" "+PONG|-ERR Protocol error: invalid multibulk length|" "$out"
check "server still serves" "PONG" "$(cli PING)"
stop_server

# ---- second run: the data persisted ----
start_server
check "persisted GET" "hello" "$(cli GET greeting)"
check "persisted counter" "11" "$(cli GET hits)"
ttl=$(cli TTL session)
if [ "$ttl" -gt 900 ] && [ "$ttl" -le 1000 ]; then echo "ok: persisted TTL $ttl"; else fail "persisted TTL: [$ttl]"; fi
check "persisted DBSIZE" "$EXPECT_KEYS" "$(cli DBSIZE)"
check "FLUSHALL" "OK" "$(cli FLUSHALL)"
check "empty after FLUSHALL" "0" "$(cli DBSIZE)"
stop_server

if [ "$FAILS" -ne 0 ]; then echo "$FAILS check(s) failed"; cat "$WORK/log"; exit 1; fi
echo "all integration checks passed"
