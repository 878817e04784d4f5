#!/usr/bin/env bash
# Installs what is missing, builds, and opens the workbench (on the bundled sample project when
# no arguments are given). Arguments go to swb-gui.
set -euo pipefail
cd "$(dirname "$0")"
scripts/deps.sh
scripts/build.sh
if [ $# -eq 0 ]; then
  set -- sample-traces/redis/redis.swbproj
fi
exec build/bin/swb-gui "$@"
