#!/bin/sh
# Usage: with_x11.sh WIDTHxHEIGHT COMMAND [ARGS...]
# Runs COMMAND against a private Xvfb screen of that size with the openbox window manager, as a
# user's desktop would: windows are placed, framed, focused and resized by a real WM. Settings go
# to a fresh HOME so that nothing a user saved is read or written.
set -eu
size=$1
shift
work=$(mktemp -d "${TMPDIR:-/tmp}/swb-x11.XXXXXX")
xvfb_pid=""
wm_pid=""
cleanup() {
  [ -n "$wm_pid" ] && kill "$wm_pid" 2>/dev/null || true
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
for tool in Xvfb openbox xprop; do
  command -v "$tool" >/dev/null || { echo "with_x11.sh: $tool is not installed (scripts/deps.sh installs it)" >&2; exit 1; }
done
# -displayfd: Xvfb picks a free display number and writes it once it accepts connections.
Xvfb -displayfd 3 -screen 0 "${size}x24" -nolisten tcp -noreset 3>"$work/display" 2>"$work/xvfb.log" &
xvfb_pid=$!
i=0
while [ ! -s "$work/display" ]; do
  i=$((i + 1))
  if [ $i -gt 200 ] || ! kill -0 "$xvfb_pid" 2>/dev/null; then
    echo "with_x11.sh: Xvfb did not start:" >&2
    cat "$work/xvfb.log" >&2
    exit 1
  fi
  sleep 0.05
done
DISPLAY=":$(head -n1 "$work/display")"
export DISPLAY
mkdir -p "$work/home"
HOME="$work/home" openbox --sm-disable >"$work/openbox.log" 2>&1 &
wm_pid=$!
# The WM is up once it has claimed the screen (EWMH's supporting-WM check window).
i=0
until xprop -root _NET_SUPPORTING_WM_CHECK 2>/dev/null | grep -q "window id"; do
  i=$((i + 1))
  if [ $i -gt 200 ] || ! kill -0 "$wm_pid" 2>/dev/null; then
    echo "with_x11.sh: openbox did not start:" >&2
    cat "$work/openbox.log" >&2
    exit 1
  fi
  sleep 0.05
done
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_RUNTIME_DIR="$work/run"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
export QT_QPA_PLATFORM=xcb SWB_X11_SCREEN="$size"
status=0
"$@" || status=$?
exit $status
