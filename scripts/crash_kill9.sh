#!/usr/bin/env bash
# Real-process crash test: start the nokv-crashtest writer (puts inline and
# into the value log, deletes, DeleteRange, TTL, batches, with value-log GC
# running beside it), kill -9 it after a random 0.1-1.0 s, verify that every
# acknowledged op survived exactly; repeat.
# Rounds alternate sync_writes on and off (kill -9 is a process crash, which
# the engine survives either way). Each round resumes after the last ack, so
# the DB accumulates WAL segments, flushes and compactions across kills.
#
# Usage: scripts/crash_kill9.sh [--rounds N] [--bin path/to/nokv-crashtest]
#                               [--seed S] [--keep]
# Without --bin it builds nokv-crashtest in build/ (NOKV_BUILD_DIR overrides).
set -euo pipefail

rounds=20
bin=""
seed=$RANDOM
keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: $0 [--rounds N] [--bin PATH] [--seed S] [--keep]" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "$0")/.." && pwd)"
if [[ -z "$bin" ]]; then
  build="${NOKV_BUILD_DIR:-$root/build}"
  if [[ ! -x "$build/cmd/nokv-crashtest/nokv-crashtest" ]]; then
    cmake -S "$root" -B "$build" -G Ninja >/dev/null
    ninja -C "$build" nokv-crashtest >/dev/null
  fi
  bin="$build/cmd/nokv-crashtest/nokv-crashtest"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/nokv-kill9-XXXXXX")"
cleanup() { if [[ $keep -eq 0 ]]; then rm -rf "$work"; else echo "kept $work"; fi; }
trap cleanup EXIT
db="$work/db"
echo "kill9: seed $seed, $rounds rounds, workdir $db"

RANDOM=$seed
verified=0
gcs=0
for ((round = 1; round <= rounds; round++)); do
  sync_flag=""
  if (( round % 2 == 1 )); then sync_flag="--sync"; fi
  start=0
  if [[ -f "$db.acks" ]]; then
    last=$(awk '$1 == "ack" && $2 > m { m = $2 } END { print (m == "" ? -1 : m) }' "$db.acks")
    start=$((last + 1))
  fi
  # A write acknowledged right before the kill may lack its ack line; the
  # next round overwrites it with the same value, which is fine.
  "$bin" --workdir "$db" --seed "$seed" --start "$start" --memtable-kb 64 $sync_flag \
    >"$work/writer.log" 2>&1 &
  pid=$!
  sleep "$(printf '0.%d' $((RANDOM % 10)))"
  sleep 0.1
  if ! kill -9 "$pid" 2>/dev/null; then
    echo "kill9: round $round: writer exited before the kill:" >&2
    cat "$work/writer.log" >&2
    exit 1
  fi
  wait "$pid" 2>/dev/null || true
  out=$("$bin" --workdir "$db" --seed "$seed" --verify 2>&1) || {
    echo "kill9: round $round ($sync_flag) FAILED: $out" >&2
    keep=1
    exit 1
  }
  n=$(sed -n 's/^verified \([0-9]*\) acked.*/\1/p' <<<"$out")
  gc=$(grep -c '^gc$' "$work/writer.log" || true)
  echo "kill9: round $round ${sync_flag:---nosync}: $(grep -E '^verified' <<<"$out"); $gc GC rewrites during the round"
  verified=$((verified + n))
  gcs=$((gcs + gc))
done
# Every round re-verifies all ops acked so far; the total counts each check.
echo "kill9: $rounds rounds, $verified acked ops verified, $gcs value-log GC rewrites in the killed writers"
