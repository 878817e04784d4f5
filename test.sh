#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test. Arguments go to ctest (e.g. -R tracer).
set -euo pipefail
cd "$(dirname "$0")"
scripts/deps.sh
scripts/build.sh
cd build
exec ctest --output-on-failure --parallel "$(nproc)" "$@"
