#!/bin/sh
# nginx-full with its dynamic modules, a master and two workers on a private port, driven by curl
# and stopped by its own "nginx -s quit". The prefix is Debian's, where modules/ points at the
# packaged modules. $1 = scratch directory, $2 = port.
set -e
W=$1
PORT=${2:-18080}
mkdir -p "$W/logs" "$W/tmp" "$W/html"
echo "hello from nginx" > "$W/html/index.html"
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
  gzip on;
  server {
    listen 127.0.0.1:$PORT;
    location / { root $W/html; }
  }
}
CONF
nginx -p /usr/share/nginx/ -e "$W/logs/error.log" -c "$W/nginx.conf" &
i=0
until curl -sf "http://127.0.0.1:$PORT/" > /dev/null; do
  i=$((i + 1)); [ $i -gt 100 ] && exit 9
  sleep 0.1
done
for n in 1 2 3 4 5; do curl -sf -H 'Accept-Encoding: gzip' "http://127.0.0.1:$PORT/" > /dev/null; done
curl -s "http://127.0.0.1:$PORT/missing" > /dev/null
nginx -p /usr/share/nginx/ -e "$W/logs/error.log" -c "$W/nginx.conf" -s quit
wait
