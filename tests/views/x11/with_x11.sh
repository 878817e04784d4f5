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
# Waits (10 s at most) until the command in $2 succeeds while process $1 lives; else shows log $3.
wait_for() {
  i=0
  until sh -c "$2"; do
    i=$((i + 1))
    if [ $i -gt 200 ] || ! kill -0 "$1" 2>/dev/null; then
      echo "with_x11.sh: $4 did not start:" >&2
      cat "$3" >&2
      exit 1
    fi
    sleep 0.05
  done
}
wait_for "$xvfb_pid" "[ -s '$work/display' ]" "$work/xvfb.log" Xvfb
DISPLAY=":$(head -n1 "$work/display")"
export DISPLAY
mkdir -p "$work/home"
HOME="$work/home" openbox --sm-disable >"$work/openbox.log" 2>&1 &
wm_pid=$!
# The WM is up once it has claimed the screen (EWMH's supporting-WM check window).
wait_for "$wm_pid" "xprop -root _NET_SUPPORTING_WM_CHECK 2>/dev/null | grep -q 'window id'" "$work/openbox.log" openbox
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_RUNTIME_DIR="$work/run"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
export QT_QPA_PLATFORM=xcb SWB_X11_SCREEN="$size"
status=0
"$@" || status=$?
exit $status
