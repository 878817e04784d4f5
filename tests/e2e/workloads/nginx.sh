#!/bin/sh
# nginx-full with its dynamic modules, a master and two workers on a private port, driven by curl
# and stopped by its own "nginx -s quit": the server workload of tests/e2e/servers/nginx.sh, run
# without a prefix (the soundness test traces this whole script). $1 = scratch directory, $2 = port.
exec sh "$(dirname "$0")/../servers/nginx.sh" "$1" "${2:-18080}"
