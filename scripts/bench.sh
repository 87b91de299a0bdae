#!/usr/bin/env bash
# Runs NoKV's benchmark comparison (nokv-bench: YCSB A-G on nokv (skiplist
# memtable, the default), nokv-art (ART memtable), rocksdb, leveldb, configured alike) and writes results under artifacts/bench/:
#   standard.{txt,json,csv,svg}       all engines, A-G, 1M records x 256 B
#   large.{txt,json,csv,svg}          4 KiB values: NoKV's value log at work
#   large-vlog-off.{txt,json,csv,svg} the same for NoKV with the value log off
# Builds nokv-bench first if it is missing. Environment overrides:
#   RECORDS OPS THREADS VALUE_SIZE ENGINES WORKLOADS      standard run
#   LARGE_RECORDS LARGE_OPS LARGE_VALUE_SIZE LARGE_WORKLOADS LARGE_THRESHOLD
#   SKIP_STANDARD=1 SKIP_LARGE=1  BUILD_DIR (build)  OUT_DIR (artifacts/bench)
#   WORKDIR (scratch databases; /tmp/nokv-bench)  EXTRA_ARGS (passed through)
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build}
OUT_DIR=${OUT_DIR:-artifacts/bench}
WORKDIR=${WORKDIR:-/tmp/nokv-bench}
RECORDS=${RECORDS:-1000000}
OPS=${OPS:-1000000}
THREADS=${THREADS:-1}
VALUE_SIZE=${VALUE_SIZE:-256}
ENGINES=${ENGINES:-nokv,nokv-art,rocksdb,leveldb}
WORKLOADS=${WORKLOADS:-a,b,c,d,e,f,g}
LARGE_RECORDS=${LARGE_RECORDS:-100000}
LARGE_OPS=${LARGE_OPS:-100000}
LARGE_VALUE_SIZE=${LARGE_VALUE_SIZE:-4096}
LARGE_WORKLOADS=${LARGE_WORKLOADS:-a,c,e,f,g}
LARGE_THRESHOLD=${LARGE_THRESHOLD:-1024}
EXTRA_ARGS=${EXTRA_ARGS:-}

BENCH="$BUILD_DIR/cmd/nokv-bench/nokv-bench"
if [ ! -x "$BENCH" ]; then
  echo "bench.sh: building nokv-bench in $BUILD_DIR"
  BUILD_DIR="$BUILD_DIR" scripts/build.sh nokv-bench
fi
mkdir -p "$OUT_DIR"

# run NAME ARGS...: one nokv-bench invocation, its report tee'd to NAME.txt.
run() {
  local name=$1
  shift
  echo "bench.sh: $name -> $OUT_DIR/$name.{txt,json,csv,svg}"
  # shellcheck disable=SC2086
  "$BENCH" --workdir "$WORKDIR" --threads "$THREADS" \
    --json "$OUT_DIR/$name.json" --csv "$OUT_DIR/$name.csv" --svg "$OUT_DIR/$name.svg" \
    "$@" $EXTRA_ARGS | tee "$OUT_DIR/$name.txt"
}

if [ -z "${SKIP_STANDARD:-}" ]; then
  run standard --engines "$ENGINES" --workloads "$WORKLOADS" \
    --records "$RECORDS" --ops "$OPS" --value-size "$VALUE_SIZE"
fi

if [ -z "${SKIP_LARGE:-}" ]; then
  run large --engines "$ENGINES" --workloads "$LARGE_WORKLOADS" \
    --records "$LARGE_RECORDS" --ops "$LARGE_OPS" --value-size "$LARGE_VALUE_SIZE" \
    --value-threshold "$LARGE_THRESHOLD"
  if [[ ",$ENGINES," == *",nokv,"* ]]; then
    run large-vlog-off --engines nokv --workloads "$LARGE_WORKLOADS" \
      --records "$LARGE_RECORDS" --ops "$LARGE_OPS" --value-size "$LARGE_VALUE_SIZE" \
      --value-threshold 0
  fi
fi
echo "bench.sh: results in $OUT_DIR"
