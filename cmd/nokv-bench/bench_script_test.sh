#!/usr/bin/env bash
# scripts/bench.sh end to end with tiny sizes: every run (standard at 1 and
# 2 threads, large, large with the value log off, synced writes) writes its
# report, JSON, CSV and chart; the reports carry medians over the repeats and
# the synced-write ratios; --json combines them; a failing run fails the
# script. Usage: bench_script_test.sh NOKV_BENCH SOURCE_DIR
set -euo pipefail
BENCH_BIN=$1
SRC=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "bench_script_test: $*" >&2; exit 1; }

export BENCH=$BENCH_BIN OUT_DIR=$TMP/out WORKDIR=$TMP/work
export RECORDS=3000 OPS=2000 REPEAT=2 WORKLOADS=a,e THREADS_LIST="1 2"
export LARGE_RECORDS=400 LARGE_OPS=300 LARGE_WORKLOADS=c SYNC_OPS=20 SYNC_SECONDS=5
export EXTRA_ARGS="--memtable-size 262144 --no-progress"
"$SRC/scripts/bench.sh" --json "$TMP/all.json" >"$TMP/stdout" 2>"$TMP/stderr" ||
  { cat "$TMP/stderr" >&2; fail "bench.sh failed"; }
for name in standard-t1 standard-t2 large large-vlog-off sync; do
  for ext in txt json csv svg; do
    [ -s "$OUT_DIR/$name.$ext" ] || fail "missing $name.$ext"
  done
  grep -q '"cells": \[' "$OUT_DIR/$name.json" || fail "$name.json has no cells"
  grep -q "\"$name\": {" "$TMP/all.json" || fail "$name not in the combined JSON"
done
grep -q "median of 2 repeats" "$OUT_DIR/standard-t1.txt" || fail "no medians in the report"
grep -q '"threads": 2' "$OUT_DIR/standard-t2.json" || fail "standard-t2 did not use 2 threads"
grep -q "16w/1w" "$OUT_DIR/sync.txt" || fail "no synced-write ratios"
grep -q '"ratio_1w_raw": ' "$OUT_DIR/sync.json" || fail "no raw fdatasync ratio in sync.json"
grep -q '"value_size": 4096' "$OUT_DIR/large.json" || fail "large did not use 4 KiB values"
grep -q 'value_threshold=0B' "$OUT_DIR/large-vlog-off.txt" || fail "vlog-off not applied"
grep -q '^bench.sh: \[[0-9]*s\] standard-t1' "$TMP/stderr" || fail "no progress on stderr"
grep -q '^\[[0-9]*/[0-9]* ' "$TMP/stderr" || fail "no per-run progress on stderr"
# Tables are read through mappings by every engine unless MMAP_READS=0.
grep -Eq '^nokv: .*mmap_reads=on' "$OUT_DIR/standard-t1.txt" || fail "bench.sh did not map NoKV's tables"
grep -q 'verify_checksums=on' "$OUT_DIR/standard-t1.txt" || fail "settings do not state checksums"

# A run that fails makes the script fail (the others still run).
if ENGINES=nosuch SKIP_LARGE=1 SKIP_SYNC=1 THREADS_LIST=1 "$SRC/scripts/bench.sh" \
  >/dev/null 2>&1; then
  fail "a failing run did not fail bench.sh"
fi
# A bad MMAP_READS is refused (exit 2) before anything runs.
status=0
MMAP_READS=yes "$SRC/scripts/bench.sh" >/dev/null 2>"$TMP/bad" || status=$?
[ "$status" = 2 ] || fail "MMAP_READS=yes gave exit $status, not 2"
grep -q "MMAP_READS must be 0 or 1" "$TMP/bad" || fail "no message for a bad MMAP_READS"
echo "bench_script_test: ok"
