#!/bin/sh
# memcached on a private port with four threads, driven by libmemcached's clients, stopped with SIGTERM.
# $1 = scratch directory, $2 = port.
set -e
W=$1
PORT=${2:-18211}
memcached -u root -l 127.0.0.1 -p "$PORT" -U 0 -t 4 -m 16 &
PID=$!
i=0
until memcstat --servers="127.0.0.1:$PORT" > /dev/null 2>&1; do
  i=$((i + 1)); [ $i -gt 100 ] && exit 9
  sleep 0.1
done
echo "value" > "$W/item"
memccp --servers="127.0.0.1:$PORT" "$W/item"
memccat --servers="127.0.0.1:$PORT" item > /dev/null
memcrm --servers="127.0.0.1:$PORT" item
kill -TERM $PID
wait $PID || true
