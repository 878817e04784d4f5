#!/bin/sh
# memcached (four worker threads) on a private port run under PREFIX, driven by libmemcached's
# clients and stopped with SIGTERM sent to memcached itself. Exit status: PREFIX's.
# Usage: memcached.sh SCRATCH PORT PREFIX...
set -e
W=$1; PORT=$2; shift 2
rm -f "$W/memcached.pid"
"$@" memcached -u root -l 127.0.0.1 -p "$PORT" -U 0 -t 4 -m 16 -P "$W/memcached.pid" \
  > "$W/memcached.log" 2>&1 &
PID=$!
i=0
until memcstat --servers="127.0.0.1:$PORT" > /dev/null 2>&1; do
  i=$((i + 1)); [ $i -gt 200 ] && { kill $PID; exit 9; }
  sleep 0.1
done
for n in 1 2 3 4 5; do echo "value $n" > "$W/item$n"; done
memccp --servers="127.0.0.1:$PORT" "$W"/item*
for n in 1 2 3 4 5; do memccat --servers="127.0.0.1:$PORT" "item$n" > /dev/null; done
memcrm --servers="127.0.0.1:$PORT" item1
memcslap --servers="127.0.0.1:$PORT" --concurrency=4 --execute-number=200 > /dev/null 2>&1 || true
memcstat --servers="127.0.0.1:$PORT" > /dev/null
if [ -s "$W/memcached.pid" ]; then
  kill -TERM "$(cat "$W/memcached.pid")"
else
  echo "memcached.sh: no pid file; stopping $PID" >&2
  kill -TERM $PID
fi
wait $PID
