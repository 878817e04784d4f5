#!/usr/bin/env bash
# Static analyzer: allowed-set size per program (precision) and time, cold and warm cache, against
# `objdump -d` over the same files in the same run. Cold: one run with an empty cache. Warm: the
# best of three runs after it (the machine is shared; the best run is the one least disturbed).
# Usage: bench/static_analysis.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/static_programs.sh
python_modules=()
for m in /usr/lib/python3.11/lib-dynload/*.so; do python_modules+=(--dlopen "$m"); done

seconds() { local s e; s=$(date +%s.%N); "$@" > /dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc -l; }

printf '%-14s %8s %8s %9s %9s %10s\n' program syscalls modules cold_s warm_s objdump_s
row() {
  local name=$1; shift
  rm -rf "$XDG_CACHE_HOME"
  local cold warm od n mods files
  cold=$(seconds "$swb" analyze -o "$work/$name.swbanalysis" "$@")
  warm=$(for i in 1 2 3; do seconds "$swb" analyze -o "$work/$name.swbanalysis" "$@"; done | sort -n | head -1)
  n=$("$swb" syscalls "$work/$name.swbanalysis" | wc -l)
  files=$(python3 -c "import json,sys; print('\n'.join(m['path'] for m in json.load(open(sys.argv[1]))['modules']))" "$work/$name.swbanalysis")
  mods=$(echo "$files" | wc -l)
  od=$(seconds sh -c "echo \"$files\" | xargs objdump -d")
  printf '%-14s %8d %8d %9.2f %9.2f %10.2f\n' "$name" "$n" "$mods" "$cold" "$warm" "$od"
}
row hello "$work/hello"
row nginx "${nginx_modules[@]}" /usr/sbin/nginx
row redis-server /usr/bin/redis-server
row memcached /usr/bin/memcached
row sqlite3 /usr/bin/sqlite3
row python3 "${python_modules[@]}" /usr/bin/python3.11
row ls /usr/bin/ls
/usr/bin/time -f 'peak memory, nginx cold: %M KB' "$swb" analyze --no-cache -o "$work/n.swbanalysis" "${nginx_modules[@]}" /usr/sbin/nginx 2>&1 >/dev/null | tail -1
"$swb" analyze -o "$work/n.swbanalysis" "${nginx_modules[@]}" /usr/sbin/nginx > /dev/null 2>&1
/usr/bin/time -f 'peak memory, nginx warm: %M KB' "$swb" analyze -o "$work/n.swbanalysis" "${nginx_modules[@]}" /usr/sbin/nginx 2>&1 >/dev/null | tail -1
