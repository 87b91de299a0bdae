#!/usr/bin/env bash
# Runs one store node of a cluster described by a topology file: resolves
# the store's listen address, workdir and PD address from the file
# (nokv-config), bootstraps the workdir if it is new (idempotent: a workdir
# that already holds this store is left alone; another store's is refused)
# and PD if it is fresh (waiting up to 30 s for PD to answer), then execs
# `nokv serve` in cluster mode, so signals reach the store directly
# (SIGINT/SIGTERM stop it cleanly).
#
#   serve_from_config.sh --config FILE --store-id N [--workdir DIR]
#       [--scope host|docker] [--pd-addr HOST:PORT] [--metrics-addr HOST:PORT]
#       [--no-bootstrap] [--no-bootstrap-pd] [--dry-run] [-- EXTRA nokv serve FLAGS...]
#
# Flags override the file; --dry-run prints the nokv serve command instead.
# See man/nokv-config.1 (SCRIPTS) and docs/cluster.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/cluster_common.sh"

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
  exit "${1:-2}"
}

CONFIG="" STORE_ID="" WORKDIR="" SCOPE=host PD_ADDR="" METRICS_ADDR="" BOOTSTRAP=1 BOOTSTRAP_PD=1
DRY_RUN=0
EXTRA=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --config) CONFIG=${2:?--config needs a value}; shift 2 ;;
    --store-id) STORE_ID=${2:?--store-id needs a value}; shift 2 ;;
    --workdir) WORKDIR=${2:?--workdir needs a value}; shift 2 ;;
    --scope) SCOPE=${2:?--scope needs a value}; shift 2 ;;
    --pd-addr) PD_ADDR=${2:?--pd-addr needs a value}; shift 2 ;;
    --metrics-addr) METRICS_ADDR=${2:?--metrics-addr needs a value}; shift 2 ;;
    --no-bootstrap) BOOTSTRAP=0; BOOTSTRAP_PD=0; shift ;;
    --no-bootstrap-pd) BOOTSTRAP_PD=0; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h | --help) usage 0 ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "serve_from_config.sh: unknown argument \"$1\" (extra nokv serve flags go after --)" >&2
       usage 2 ;;
  esac
done
[[ -n "$CONFIG" ]] || { echo "serve_from_config.sh: --config is required" >&2; usage 2; }
[[ "$STORE_ID" =~ ^[1-9][0-9]*$ ]] ||
  { echo "serve_from_config.sh: --store-id must be a positive integer" >&2; usage 2; }
[[ -f "$CONFIG" ]] || cluster_die "--config $CONFIG: no such file"
CONFIG=$(cluster_abs "$CONFIG")
cluster_find_bins

# Every lookup validates the file first; its errors name the field.
LISTEN=$("$NOKV_CONFIG_BIN" stores -q --config "$CONFIG" --store-id "$STORE_ID" \
           --field listen_addr --scope "$SCOPE") || exit 1
if [[ -z "$WORKDIR" ]]; then
  WORKDIR=$("$NOKV_CONFIG_BIN" stores -q --config "$CONFIG" --store-id "$STORE_ID" \
              --field work_dir --scope "$SCOPE") ||
    cluster_die "store $STORE_ID has no workdir in $CONFIG; pass --workdir"
fi
WORKDIR=$(cluster_abs "$WORKDIR")
if [[ -z "$PD_ADDR" ]]; then
  PD_ADDR=$("$NOKV_CONFIG_BIN" pd -q --config "$CONFIG" --scope "$SCOPE") ||
    cluster_die "no PD address in $CONFIG; pass --pd-addr"
fi

CMD=("$NOKV" serve --store-id "$STORE_ID" --addr "$LISTEN" --pd-addr "$PD_ADDR"
     --workdir "$WORKDIR" --config "$CONFIG")
[[ -n "$METRICS_ADDR" ]] && CMD+=(--metrics-addr "$METRICS_ADDR")
CMD+=(${EXTRA[@]+"${EXTRA[@]}"})

if [[ $DRY_RUN -eq 1 ]]; then
  printf '%q ' "${CMD[@]}"
  echo
  exit 0
fi
if [[ $BOOTSTRAP -eq 1 ]]; then
  "$NOKV_CONFIG_BIN" bootstrap -q --config "$CONFIG" --store-id "$STORE_ID" \
    --workdir "$WORKDIR" --scope "$SCOPE" || exit 1
fi
if [[ $BOOTSTRAP_PD -eq 1 ]]; then
  ok=0
  for _ in $(seq 10); do  # PD may still be starting (e.g. its container)
    if "$NOKV_CONFIG_BIN" bootstrap-pd -q --config "$CONFIG" --pd-addr "$PD_ADDR" \
         --scope "$SCOPE" --timeout 2000 2>"${TMPDIR:-/tmp}/nokv-bootstrap-pd.$$"; then
      ok=1
      break
    fi
    grep -q "would collide" "${TMPDIR:-/tmp}/nokv-bootstrap-pd.$$" && break
    sleep 1
  done
  cat "${TMPDIR:-/tmp}/nokv-bootstrap-pd.$$" >&2
  rm -f "${TMPDIR:-/tmp}/nokv-bootstrap-pd.$$"
  [[ $ok -eq 1 ]] || cluster_die "cannot bootstrap PD at $PD_ADDR (see above)"
fi
echo "serve_from_config.sh: store $STORE_ID on $LISTEN, PD $PD_ADDR, workdir $WORKDIR"
exec "${CMD[@]}"
