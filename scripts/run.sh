#!/usr/bin/env bash
# Installs dependencies, builds NoKV and runs the main job on an embedded
# default workdir (./nokv-data, or $NOKV_WORKDIR).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install_deps.sh
bash scripts/build.sh
WORKDIR=${NOKV_WORKDIR:-./nokv-data}
exec ./build/cmd/nokv demo --workdir "$WORKDIR" "$@"
