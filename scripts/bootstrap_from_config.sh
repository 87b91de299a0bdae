#!/usr/bin/env bash
# Bootstraps the store workdirs of a topology file: every store (or one)
# gets the bootstrap regions it holds a peer of. Idempotent: a workdir that
# already holds its store is skipped; another store's workdir is refused.
# A thin wrapper over `nokv-config bootstrap` for the container flow.
#
#   bootstrap_from_config.sh --config FILE [--path-template DIR-WITH-{id}]
#       [--store-id N] [--scope host|docker]
#
# Without --path-template the workdirs come from the file
# (stores[].work_dir, store_work_dir_template; docker_* with --scope docker).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/cluster_common.sh"

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
  exit "${1:-2}"
}

CONFIG="" TEMPLATE="" STORE_ID="" SCOPE=host
while [[ $# -gt 0 ]]; do
  case "$1" in
    --config) CONFIG=${2:?--config needs a value}; shift 2 ;;
    --path-template) TEMPLATE=${2:?--path-template needs a value}; shift 2 ;;
    --store-id) STORE_ID=${2:?--store-id needs a value}; shift 2 ;;
    --scope) SCOPE=${2:?--scope needs a value}; shift 2 ;;
    -h | --help) usage 0 ;;
    *) echo "bootstrap_from_config.sh: unknown argument \"$1\"" >&2; usage 2 ;;
  esac
done
[[ -n "$CONFIG" ]] || { echo "bootstrap_from_config.sh: --config is required" >&2; usage 2; }
[[ -f "$CONFIG" ]] || cluster_die "--config $CONFIG: no such file"
if [[ -n "$TEMPLATE" && "$TEMPLATE" != *"{id}"* ]]; then
  echo "bootstrap_from_config.sh: --path-template \"$TEMPLATE\" must contain {id}" >&2
  exit 2
fi
cluster_find_bins
ARGS=(bootstrap --config "$CONFIG" --scope "$SCOPE")
[[ -n "$TEMPLATE" ]] && ARGS+=(--path-template "$(cluster_abs "$TEMPLATE")")
[[ -n "$STORE_ID" ]] && ARGS+=(--store-id "$STORE_ID")
exec "$NOKV_CONFIG_BIN" "${ARGS[@]}"
