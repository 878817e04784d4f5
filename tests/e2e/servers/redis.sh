#!/bin/sh
# redis-server on a private port run under PREFIX (e.g. "swb trace -o T --"), driven by its own
# clients (redis-cli, redis-benchmark) and stopped by SHUTDOWN. Exit status: PREFIX's.
# Usage: redis.sh SCRATCH PORT PREFIX...
set -e
W=$1; PORT=$2; shift 2
"$@" redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$W" \
  > "$W/redis.log" 2>&1 &
PID=$!
i=0
until redis-cli -p "$PORT" ping > /dev/null 2>&1; do
  i=$((i + 1)); [ $i -gt 200 ] && { kill $PID; exit 9; }
  sleep 0.1
done
redis-cli -p "$PORT" set greeting hello > /dev/null
redis-cli -p "$PORT" get greeting | grep -q hello
redis-cli -p "$PORT" lpush list a b c > /dev/null
redis-cli -p "$PORT" incr counter > /dev/null
redis-cli -p "$PORT" expire greeting 100 > /dev/null
redis-benchmark -p "$PORT" -n 500 -c 4 -q -t set,get,lpush,lpop,incr > /dev/null
redis-cli -p "$PORT" dbsize > /dev/null
redis-cli -p "$PORT" shutdown nosave > /dev/null 2>&1 || true
wait $PID
