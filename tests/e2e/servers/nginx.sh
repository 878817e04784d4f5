#!/bin/sh
# nginx (master and two workers, with its packaged dynamic modules) on a private port run under
# PREFIX, driven by curl and stopped by its own "nginx -s quit". Exit status: PREFIX's.
# Usage: nginx.sh SCRATCH PORT PREFIX...
set -e
W=$1; PORT=$2; shift 2
mkdir -p "$W/logs" "$W/tmp" "$W/html"
echo "hello from nginx" > "$W/html/index.html"
head -c 100000 /dev/zero | tr '\0' 'x' > "$W/html/big.txt"
cat > "$W/nginx.conf" <<CONF
user root;
daemon off;
master_process on;
worker_processes 2;
error_log $W/logs/error.log;
pid $W/nginx.pid;
include /etc/nginx/modules-enabled/*.conf;
events { worker_connections 64; }
http {
  access_log $W/logs/access.log;
  client_body_temp_path $W/tmp/body;
  proxy_temp_path $W/tmp/proxy;
  fastcgi_temp_path $W/tmp/fastcgi;
  uwsgi_temp_path $W/tmp/uwsgi;
  scgi_temp_path $W/tmp/scgi;
  sendfile on;
  gzip on;
  server {
    listen 127.0.0.1:$PORT;
    location / { root $W/html; }
  }
}
CONF
"$@" nginx -p /usr/share/nginx/ -e "$W/logs/error.log" -c "$W/nginx.conf" > "$W/nginx.out" 2>&1 &
PID=$!
i=0
until curl -sf "http://127.0.0.1:$PORT/" > /dev/null; do
  i=$((i + 1)); [ $i -gt 200 ] && { kill $PID; exit 9; }
  sleep 0.1
done
for n in 1 2 3 4 5 6 7 8; do
  curl -sf "http://127.0.0.1:$PORT/" > /dev/null
  curl -sf -H 'Accept-Encoding: gzip' "http://127.0.0.1:$PORT/big.txt" > /dev/null
  curl -sf "http://127.0.0.1:$PORT/big.txt" > /dev/null
done
curl -s "http://127.0.0.1:$PORT/missing" > /dev/null
curl -s -X POST -d 'a=b' "http://127.0.0.1:$PORT/" > /dev/null
nginx -p /usr/share/nginx/ -e "$W/logs/error.log" -c "$W/nginx.conf" -s quit
wait $PID
