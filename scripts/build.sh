#!/usr/bin/env bash
# Configures (once) and builds Seccomp Workbench into build/ with the "dev" preset.
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_DIR="${CCACHE_DIR:-$PWD/.cache/ccache}"
if [ ! -f build/build.ninja ]; then
  cmake --preset dev >/dev/null
fi
cmake --build build --parallel "$(nproc)"
