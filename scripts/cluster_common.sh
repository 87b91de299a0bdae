# Shared helpers of the cluster scripts (run_local_cluster.sh,
# serve_from_config.sh, bootstrap_from_config.sh); sourced, not run.
#
# Binaries are found in this order: $NOKV_BIN_DIR, this script's directory
# (an installed layout: scripts beside the binaries), the repository's
# build/ tree, then $PATH. Override one with $NOKV / $NOKV_CONFIG_BIN.

CLUSTER_SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

cluster_die() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

# cluster_find_bin NAME REPO_RELATIVE_PATH: prints the binary's path.
cluster_find_bin() {
  local name=$1 repo_path=$2 c
  for c in ${NOKV_BIN_DIR:+"$NOKV_BIN_DIR/$name"} "$CLUSTER_SCRIPT_DIR/$name" \
           "$CLUSTER_SCRIPT_DIR/../$repo_path"; do
    if [[ -x "$c" && ! -d "$c" ]]; then
      echo "$(cd "$(dirname "$c")" && pwd)/$(basename "$c")"
      return 0
    fi
  done
  command -v "$name" 2>/dev/null && return 0
  cluster_die "cannot find $name (build it with scripts/build.sh, or set NOKV_BIN_DIR)"
}

cluster_find_bins() {
  NOKV=${NOKV:-$(cluster_find_bin nokv build/cmd/nokv)} || exit 1
  NOKV_CONFIG_BIN=${NOKV_CONFIG_BIN:-$(cluster_find_bin nokv-config build/cmd/nokv-config/nokv-config)} ||
    exit 1
}

# cluster_abs PATH: PATH made absolute against the current directory.
cluster_abs() {
  case "$1" in
    /*) echo "$1" ;;
    *) echo "$PWD/$1" ;;
  esac
}

# cluster_port_in_use HOST:PORT: true when something accepts connections there.
cluster_port_in_use() {
  local host=${1%:*} port=${1##*:}
  host=${host#[}
  host=${host%]}
  [[ "$host" == 0.0.0.0 || "$host" == "::" ]] && host=127.0.0.1
  (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
}

# cluster_log_size LOG: its size in bytes (0 if missing), to wait for lines
# written after that point in an appended log.
cluster_log_size() {
  stat -c %s "$1" 2>/dev/null || echo 0
}

# cluster_wait_for_line LOG OFFSET PATTERN PID SECONDS: waits until LOG has a
# line matching PATTERN (grep -E) after byte OFFSET; fails early if PID exits.
cluster_wait_for_line() {
  local log=$1 offset=$2 pattern=$3 pid=$4 seconds=$5 i
  for ((i = 0; i < seconds * 10; i++)); do
    tail -c "+$((offset + 1))" "$log" 2>/dev/null | grep -qE -- "$pattern" && return 0
    cluster_alive "$pid" || return 1
    sleep 0.1
  done
  return 1
}

# cluster_alive PID: the process exists and is not a zombie (an exited
# child not yet waited for).
cluster_alive() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  state=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null)
  [[ "$state" != Z ]]
}

# cluster_is_nokv_pid PID: true when PID is alive and runs a nokv program
# (pid files may outlive their process and the pid be reused).
cluster_is_nokv_pid() {
  local pid=$1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  cluster_alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q nokv
}

# cluster_stop_pid PID NAME SECONDS: SIGTERM, then SIGKILL after SECONDS.
cluster_stop_pid() {
  local pid=$1 name=$2 seconds=$3 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < seconds * 10; i++)); do
    cluster_alive "$pid" || return 0
    sleep 0.1
  done
  echo "$name (pid $pid) did not stop within ${seconds}s; sending SIGKILL" >&2
  kill -KILL "$pid" 2>/dev/null
}
