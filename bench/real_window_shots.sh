#!/bin/sh
# Screenshots of the workbench in a real window for the user guide: the real-window test runs on
# Xvfb with openbox at 1280x800 and 1920x1080 and saves the whole X screen at three moments (the
# project just opened, a function chosen on the call paths, decisions that contradict the trace).
# Usage: bench/real_window_shots.sh [BUILD_DIR]   (writes docs/images/real-*.png)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
shots=$(mktemp -d)
trap 'rm -rf "$shots"' EXIT
for screen in 1280x800 1920x1080; do
  SWB_SHOT_DIR=$shots sh "$root/tests/views/x11/with_x11.sh" "$screen" "$build/tests/tst_real_window" >/dev/null
done
for f in "$shots"/*.png; do
  cp "$f" "$root/docs/images/real-$(basename "$f")"
done
ls "$root"/docs/images/real-*.png
