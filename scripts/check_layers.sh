#!/usr/bin/env bash
# Checks that every lib/<layer> includes only the layers it builds on (the
# table below mirrors the DEPS of each lib/<layer>/CMakeLists.txt), so an
# upward include fails here even when it would happen to link.
# Usage: scripts/check_layers.sh [LIB_DIR]   (exit 1 on a violation)
# Tests (*_test.cc, *_testutil.h, test fixtures) may also use lib/testutil.
set -euo pipefail
LIB=${1:-"$(dirname "$0")/../lib"}

# layer -> layers it may include directly (each one's own list is allowed too).
declare -A DEPS=(
  [base]=""
  [config]="base proto"
  [vfs]="base"
  [wal]="vfs"
  [sst]="vfs nokv"
  [memtable]="base nokv"
  [hotring]="base"
  [vlog]="wal vfs"
  [manifest]="wal vfs"
  [lsm]="manifest memtable sst vfs"
  [nokv]="base"
  [db]="nokv lsm memtable vlog wal hotring"
  [tools]="db"
  [bench]="db"
  [redis]="db server"
  [server]="db"
  [crash]="db"
  [testutil]="base"
  [linearizability]="base"
  [raft]="base linearizability"  # linearizability: lib/raft/sim and its tests only
  [proto]=""
  [pd]="db raft proto server"
  [raftstore]="db raft proto pd server"
  [transport]="raftstore proto pd"
  [client]="proto pd"
  [node]="transport raftstore pd server proto client"  # client: its tests drive the nodes
  [percolator]="raftstore client"
)

# closure(layer): the layer, its deps, their deps, ...
closure() {
  local todo=("$1") seen=" " l d
  while [ "${#todo[@]}" -gt 0 ]; do
    l=${todo[0]}; todo=("${todo[@]:1}")
    case "$seen" in *" $l "*) continue ;; esac
    seen+="$l "
    for d in ${DEPS[$l]}; do todo+=("$d"); done
  done
  echo "$seen"
}

status=0
for dir in "$LIB"/*/; do
  layer=$(basename "$dir")
  if [ -z "${DEPS[$layer]+set}" ]; then
    echo "check_layers: lib/$layer is not in the layer table of $0" >&2
    status=1; continue
  fi
  allowed=$(closure "$layer")
  while IFS= read -r file; do
    is_test=0
    case "$file" in *_test.cc|*_testutil.h|*test_fixture*.h|*/crash/*) is_test=1 ;; esac
    while IFS= read -r inc; do
      dep=${inc%%/*}
      [ -d "$LIB/$dep" ] || continue  # a system or generated header
      case "$allowed" in *" $dep "*) continue ;; esac
      if [ "$dep" = testutil ] && [ "$is_test" = 1 ]; then continue; fi
      echo "check_layers: ${file#"$LIB"/} includes \"$inc\": $layer may not use $dep" >&2
      status=1
    done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$file")
  done < <(find "$dir" -maxdepth 2 -name '*.h' -o -maxdepth 2 -name '*.cc')
done
[ "$status" = 0 ] && echo "check_layers: every include respects the layer table"
exit $status
