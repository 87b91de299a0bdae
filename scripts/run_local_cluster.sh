#!/usr/bin/env bash
# Runs a whole cluster from a topology file on this machine: PD and every
# store in the background, logs in the workdir, until Ctrl-C or SIGTERM,
# which stops every store, then PD (each gets 30 s before SIGKILL).
#
#   run_local_cluster.sh --config FILE [--workdir DIR] [--pd-addr HOST:PORT]
#       [--metrics-base PORT] [--stop]
#
#   --workdir DIR     PD in DIR/pd, store N in DIR/store-N, logs in DIR.
#                     Without it: the file's pd.work_dir and store workdirs
#                     (falling back to ./artifacts/cluster/...), logs in
#                     ./artifacts/cluster.
#   --pd-addr         PD address (default: the file's pd.addr, else
#                     127.0.0.1:2379).
#   --metrics-base P  PD serves /metrics on 127.0.0.1:P, store N on P+N.
#   --stop            Stop the cluster started on DIR by another shell (its
#                     pid files), then exit.
#
# Restarting on an existing workdir just works: stores already bootstrapped
# are left alone, PD restores its state. Never wipe a workdir after a crash:
# the raft logs and PD's state are what make the restart safe. A second
# cluster on the same workdir, or on ports in use, is refused.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/cluster_common.sh"

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
  exit "${1:-2}"
}

CONFIG="" WORKDIR="" PD_ADDR="" METRICS_BASE="" STOP=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --config) CONFIG=${2:?--config needs a value}; shift 2 ;;
    --workdir) WORKDIR=${2:?--workdir needs a value}; shift 2 ;;
    --pd-addr | --pd-listen) PD_ADDR=${2:?$1 needs a value}; shift 2 ;;
    --metrics-base) METRICS_BASE=${2:?--metrics-base needs a value}; shift 2 ;;
    --stop) STOP=1; shift ;;
    -h | --help) usage 0 ;;
    *) echo "run_local_cluster.sh: unknown argument \"$1\"" >&2; usage 2 ;;
  esac
done
[[ -n "$CONFIG" ]] || { echo "run_local_cluster.sh: --config is required" >&2; usage 2; }
[[ -f "$CONFIG" ]] || cluster_die "--config $CONFIG: no such file"
[[ -z "$METRICS_BASE" || "$METRICS_BASE" =~ ^[1-9][0-9]*$ ]] ||
  cluster_die "--metrics-base must be a port number"
CONFIG=$(cluster_abs "$CONFIG")
LOGDIR=$(cluster_abs "${WORKDIR:-artifacts/cluster}")
cluster_find_bins

# --stop: the pid files of a cluster running on LOGDIR.
if [[ $STOP -eq 1 ]]; then
  found=0
  for f in "$LOGDIR"/store-*.pid "$LOGDIR"/pd.pid; do
    [[ -f "$f" ]] || continue
    pid=$(cat "$f")
    if cluster_is_nokv_pid "$pid"; then
      echo "stopping $(basename "$f" .pid) (pid $pid)"
      cluster_stop_pid "$pid" "$(basename "$f" .pid)" 30
      found=1
    fi
    rm -f "$f"
  done
  [[ $found -eq 1 ]] || echo "no cluster running on $LOGDIR"
  exit 0
fi

"$NOKV_CONFIG_BIN" validate --config "$CONFIG" || exit 1
mkdir -p "$LOGDIR"

# Refuse a second cluster on this workdir (stale pid files are removed).
for f in "$LOGDIR"/store-*.pid "$LOGDIR"/pd.pid; do
  [[ -f "$f" ]] || continue
  if cluster_is_nokv_pid "$(cat "$f")"; then
    cluster_die "a cluster is already running on $LOGDIR ($(basename "$f" .pid) pid $(cat "$f")); stop it with: $0 --workdir $LOGDIR --stop"
  fi
  rm -f "$f"
done

if [[ -z "$PD_ADDR" ]]; then
  PD_ADDR=$("$NOKV_CONFIG_BIN" pd -q --config "$CONFIG" 2>/dev/null) || PD_ADDR=127.0.0.1:2379
fi
if [[ -n "$WORKDIR" ]]; then
  PD_DIR="$LOGDIR/pd"
else
  PD_DIR=$("$NOKV_CONFIG_BIN" pd -q --config "$CONFIG" --field workdir 2>/dev/null) ||
    PD_DIR="$LOGDIR/pd"
fi

STORE_IDS=()
declare -A STORE_DIR STORE_LISTEN LOG_START
while read -r id listen _; do
  STORE_IDS+=("$id")
  STORE_LISTEN[$id]=$listen
  if [[ -n "$WORKDIR" ]]; then
    STORE_DIR[$id]="$LOGDIR/store-$id"
  else
    STORE_DIR[$id]=$("$NOKV_CONFIG_BIN" stores -q --config "$CONFIG" --store-id "$id" \
                       --field work_dir 2>/dev/null) || STORE_DIR[$id]="$LOGDIR/store-$id"
  fi
done < <("$NOKV_CONFIG_BIN" stores -q --config "$CONFIG")
[[ ${#STORE_IDS[@]} -gt 0 ]] || cluster_die "no stores in $CONFIG"

for addr in "$PD_ADDR" "${STORE_LISTEN[@]}"; do
  if cluster_port_in_use "$addr"; then
    cluster_die "$addr is already in use (another cluster or program); stop it or change $CONFIG"
  fi
done

# ---- start; from here on, any exit stops what was started ----
PIDS=()    # store pids, in STORE_IDS order
PD_PID=""
STOPPING=0
stop_all() {
  STOPPING=1
  local i stoppers=()
  for i in "${!PIDS[@]}"; do  # stores in parallel, then PD
    cluster_stop_pid "${PIDS[$i]}" "store ${STORE_IDS[$i]}" 30 &
    stoppers+=($!)
  done
  [[ ${#stoppers[@]} -eq 0 ]] || wait "${stoppers[@]}" 2>/dev/null || true
  [[ -z "$PD_PID" ]] || cluster_stop_pid "$PD_PID" PD 30
  wait 2>/dev/null || true
  rm -f "$LOGDIR"/store-*.pid "$LOGDIR/pd.pid"
}
on_signal() {
  echo
  echo "run_local_cluster.sh: $1 received, stopping the cluster..."
  stop_all
  echo "run_local_cluster.sh: stopped"
  exit 0
}
trap 'on_signal SIGINT' INT
trap 'on_signal SIGTERM' TERM
trap '[[ $STOPPING -eq 1 ]] || stop_all' EXIT

log_header() { echo "=== $(date '+%F %T') run_local_cluster.sh: $* ===" >>"$1"; }

echo "PD: $PD_ADDR, workdir $PD_DIR, log $LOGDIR/pd.log"
mkdir -p "$PD_DIR"
PD_LOG_START=$(cluster_log_size "$LOGDIR/pd.log")
log_header "$LOGDIR/pd.log" "starting PD"
# PD allocates new region and peer ids above every id of the file.
ID_START=$("$NOKV_CONFIG_BIN" pd -q --config "$CONFIG" --field id-start)
PD_CMD=("$NOKV" pd --addr "$PD_ADDR" --workdir "$PD_DIR" --id-start "$ID_START")
[[ -n "$METRICS_BASE" ]] && PD_CMD+=(--metrics-addr "127.0.0.1:$METRICS_BASE")
"${PD_CMD[@]}" >>"$LOGDIR/pd.log" 2>&1 &
PD_PID=$!
echo "$PD_PID" >"$LOGDIR/pd.pid"
if ! cluster_wait_for_line "$LOGDIR/pd.log" "$PD_LOG_START" "PD service listening on" "$PD_PID" 20; then
  echo "run_local_cluster.sh: PD did not start; last lines of $LOGDIR/pd.log:" >&2
  tail -c "+$((PD_LOG_START + 1))" "$LOGDIR/pd.log" | tail -n 15 >&2
  exit 1
fi
# A fresh PD learns the stores and bootstrap regions (a bootstrapped one is
# left alone).
"$NOKV_CONFIG_BIN" bootstrap-pd -q --config "$CONFIG" --pd-addr "$PD_ADDR" || exit 1

for id in "${STORE_IDS[@]}"; do
  log="$LOGDIR/store-$id.log"
  echo "store $id: ${STORE_LISTEN[$id]}, workdir ${STORE_DIR[$id]}, log $log"
  LOG_START[$id]=$(cluster_log_size "$log")
  log_header "$log" "starting store $id"
  args=(--config "$CONFIG" --store-id "$id" --workdir "${STORE_DIR[$id]}" --pd-addr "$PD_ADDR")
  [[ -n "$METRICS_BASE" ]] && args+=(--metrics-addr "127.0.0.1:$((METRICS_BASE + id))")
  # serve_from_config.sh bootstraps a new workdir (PD is done above), then
  # execs nokv serve.
  args+=(--no-bootstrap-pd)
  NOKV="$NOKV" NOKV_CONFIG_BIN="$NOKV_CONFIG_BIN" \
    bash "$CLUSTER_SCRIPT_DIR/serve_from_config.sh" "${args[@]}" >>"$log" 2>&1 &
  PIDS+=($!)
  echo "$!" >"$LOGDIR/store-$id.pid"
done
for i in "${!PIDS[@]}"; do
  id=${STORE_IDS[$i]}
  if ! cluster_wait_for_line "$LOGDIR/store-$id.log" "${LOG_START[$id]}" "NoKV service listening on" \
         "${PIDS[$i]}" 30; then
    echo "run_local_cluster.sh: store $id did not start; last lines of $LOGDIR/store-$id.log:" >&2
    tail -c "+$((LOG_START[$id] + 1))" "$LOGDIR/store-$id.log" | tail -n 15 >&2
    exit 1
  fi
done

echo "Cluster running. PD available at $PD_ADDR; ${#STORE_IDS[@]} store(s); logs in $LOGDIR"
echo "Try: $NOKV regions --pd-addr $PD_ADDR    (Ctrl-C stops the cluster)"

# Supervise: report a process that exits on its own (the others keep
# running; restart the store with scripts/serve_from_config.sh).
declare -A REPORTED=()
EXITED=0
while true; do
  for i in "${!PIDS[@]}"; do
    pid=${PIDS[$i]}
    if [[ -z "${REPORTED[$pid]:-}" ]] && ! cluster_alive "$pid"; then
      REPORTED[$pid]=1
      EXITED=$((EXITED + 1))
      code=0
      wait "$pid" 2>/dev/null || code=$?
      echo "run_local_cluster.sh: store ${STORE_IDS[$i]} (pid $pid) exited with status $code; see $LOGDIR/store-${STORE_IDS[$i]}.log" >&2
      rm -f "$LOGDIR/store-${STORE_IDS[$i]}.pid"
    fi
  done
  if [[ -z "${REPORTED[$PD_PID]:-}" ]] && ! cluster_alive "$PD_PID"; then
    REPORTED[$PD_PID]=1
    EXITED=$((EXITED + 1))
    echo "run_local_cluster.sh: PD (pid $PD_PID) exited; see $LOGDIR/pd.log" >&2
    rm -f "$LOGDIR/pd.pid"
  fi
  if [[ $EXITED -eq $((${#PIDS[@]} + 1)) ]]; then
    echo "run_local_cluster.sh: every process has exited" >&2
    exit 1
  fi
  sleep 1 &
  wait $! 2>/dev/null || true
done
