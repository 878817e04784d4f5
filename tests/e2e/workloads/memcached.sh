#!/bin/sh
# memcached on a private port with four threads, driven by libmemcached's clients, stopped with
# SIGTERM: the server workload of tests/e2e/servers/memcached.sh, run without a prefix (the
# soundness test traces this whole script). $1 = scratch directory, $2 = port.
exec sh "$(dirname "$0")/../servers/memcached.sh" "$1" "${2:-18211}"
