#!/usr/bin/env bash
# Runs NoKV's benchmark comparison with nokv-bench (engines configured alike:
# same write buffers, block cache, bloom; block checksums verified on every
# read; tables read through memory mappings, as LevelDB always does; every
# value checked on read; each cell repeated, medians and min..max spreads
# reported) and writes results
# under OUT_DIR (artifacts/bench):
#   standard-t1.*  standard-t2.*  YCSB A-G, RECORDS x 256 B, 1 and 2 threads
#   large.*                       4 KiB values, LARGE_RECORDS (value log at work)
#   large-vlog-off.*              the same for NoKV with the value log off
#   sync.*                        synced puts, 1 and 16 writers, and the raw
#                                 append+fdatasync rate of the same disk
# each as NAME.txt (the report), NAME.json, NAME.csv, NAME.svg.
# Usage: scripts/bench.sh [--json FILE]   (FILE: all JSON reports in one object)
# Environment overrides (defaults in brackets):
#   RECORDS [1000000] OPS [200000] VALUE_SIZE [256] THREADS_LIST ["1 2"]
#   WORKLOADS [a,b,c,d,e,f,g] ENGINES [nokv,rocksdb,leveldb] REPEAT [3]
#   LARGE_RECORDS [500000] LARGE_OPS [100000] LARGE_VALUE_SIZE [4096]
#   LARGE_WORKLOADS [a,c,e,f,g] LARGE_THRESHOLD [1024] LARGE_THREADS [1]
#   SYNC_OPS [2000] SYNC_SECONDS [10]
#   MMAP_READS [1] (0: NoKV and RocksDB read tables with pread; LevelDB maps anyway)
#   SKIP_STANDARD=1 SKIP_LARGE=1 SKIP_SYNC=1  BUILD_DIR [build]  BENCH (the binary)
#   OUT_DIR [artifacts/bench]  WORKDIR [/tmp/nokv-bench]  EXTRA_ARGS (passed on)
# Progress (one line per run with its elapsed time) goes to stderr, the
# reports to stdout. Exits non-zero if any run failed or read a missing or
# wrong value.
set -euo pipefail
cd "$(dirname "$0")/.."

COMBINED_JSON=
while [ $# -gt 0 ]; do
  case $1 in
    --json) COMBINED_JSON=${2:?--json needs a FILE}; shift 2 ;;
    -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

BUILD_DIR=${BUILD_DIR:-build}
OUT_DIR=${OUT_DIR:-artifacts/bench}
WORKDIR=${WORKDIR:-/tmp/nokv-bench}
RECORDS=${RECORDS:-1000000}
OPS=${OPS:-200000}
VALUE_SIZE=${VALUE_SIZE:-256}
THREADS_LIST=${THREADS_LIST:-1 2}
ENGINES=${ENGINES:-nokv,rocksdb,leveldb}
WORKLOADS=${WORKLOADS:-a,b,c,d,e,f,g}
REPEAT=${REPEAT:-3}
LARGE_RECORDS=${LARGE_RECORDS:-500000}
LARGE_OPS=${LARGE_OPS:-100000}
LARGE_VALUE_SIZE=${LARGE_VALUE_SIZE:-4096}
LARGE_WORKLOADS=${LARGE_WORKLOADS:-a,c,e,f,g}
LARGE_THRESHOLD=${LARGE_THRESHOLD:-1024}
LARGE_THREADS=${LARGE_THREADS:-1}
SYNC_OPS=${SYNC_OPS:-2000}
SYNC_SECONDS=${SYNC_SECONDS:-10}
EXTRA_ARGS=${EXTRA_ARGS:-}
MMAP_READS=${MMAP_READS:-1}
case $MMAP_READS in
  1) EXTRA_ARGS="--mmap-reads $EXTRA_ARGS" ;;
  0) ;;
  *) echo "bench.sh: MMAP_READS must be 0 or 1, not '$MMAP_READS'" >&2; exit 2 ;;
esac

BENCH=${BENCH:-$BUILD_DIR/cmd/nokv-bench/nokv-bench}
if [ ! -x "$BENCH" ]; then
  echo "bench.sh: building nokv-bench in $BUILD_DIR" >&2
  BUILD_DIR="$BUILD_DIR" scripts/build.sh nokv-bench
fi
mkdir -p "$OUT_DIR"

STATUS=0
NAMES=()
START=$SECONDS
# run NAME ARGS...: one nokv-bench invocation, its report tee'd to NAME.txt.
run() {
  local name=$1
  shift
  echo "bench.sh: [$((SECONDS - START))s] $name -> $OUT_DIR/$name.{txt,json,csv,svg}" >&2
  # shellcheck disable=SC2086
  if ! "$BENCH" --workdir "$WORKDIR" --repeat "$REPEAT" \
      --json "$OUT_DIR/$name.json" --csv "$OUT_DIR/$name.csv" --svg "$OUT_DIR/$name.svg" \
      "$@" $EXTRA_ARGS | tee "$OUT_DIR/$name.txt"; then
    echo "bench.sh: $name FAILED" >&2
    STATUS=1
  fi
  NAMES+=("$name")
}

if [ -z "${SKIP_STANDARD:-}" ]; then
  for t in $THREADS_LIST; do
    run "standard-t$t" --engines "$ENGINES" --workloads "$WORKLOADS" --threads "$t" \
      --records "$RECORDS" --ops "$OPS" --value-size "$VALUE_SIZE"
  done
fi

if [ -z "${SKIP_LARGE:-}" ]; then
  run large --engines "$ENGINES" --workloads "$LARGE_WORKLOADS" --threads "$LARGE_THREADS" \
    --records "$LARGE_RECORDS" --ops "$LARGE_OPS" --value-size "$LARGE_VALUE_SIZE" \
    --value-threshold "$LARGE_THRESHOLD"
  if [[ ",$ENGINES," == *",nokv,"* ]]; then
    run large-vlog-off --engines nokv --workloads "$LARGE_WORKLOADS" --threads "$LARGE_THREADS" \
      --records "$LARGE_RECORDS" --ops "$LARGE_OPS" --value-size "$LARGE_VALUE_SIZE" \
      --value-threshold 0
  fi
fi

if [ -z "${SKIP_SYNC:-}" ]; then
  run sync --engines "$ENGINES" --workloads sync --sync-ops "$SYNC_OPS" \
    --sync-seconds "$SYNC_SECONDS" --value-size "$VALUE_SIZE"
fi

if [ -n "$COMBINED_JSON" ]; then
  {
    printf '{'
    sep=
    for name in "${NAMES[@]}"; do
      if [ -s "$OUT_DIR/$name.json" ]; then
        printf '%s\n"%s": ' "$sep" "$name"
        cat "$OUT_DIR/$name.json"
        sep=,
      fi
    done
    printf '}\n'
  } >"$COMBINED_JSON"
  echo "bench.sh: wrote $COMBINED_JSON" >&2
fi
echo "bench.sh: [$((SECONDS - START))s] results in $OUT_DIR$([ $STATUS -ne 0 ] && echo ' (SOME RUNS FAILED)')" >&2
exit $STATUS
