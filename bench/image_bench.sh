#!/usr/bin/env bash
# Per test image: time to unpack + analyze (application-specific and container-wide, cold and warm
# module cache), the syscall counts of both modes, of a traced run under runc, and of Docker's
# default profile. Prints a Markdown table for docs/benchmarks.md.
#
# Usage: bench/image_bench.sh [BUILD_DIR]   (root: the traced run uses runc)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
swb=$build/bin/swb
work=$(mktemp -d /tmp/swb-image-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/cache

python3 "$here/tests/images/debian_image.py" "$work/redis" --name swb-bench/redis:7 --program /usr/bin/redis-server \
  --package redis-server --port 17511 --user redis --cmd --port 17511 --bind 127.0.0.1 --save "" --appendonly no >&2
python3 "$here/tests/images/debian_image.py" "$work/busybox" --name swb-bench/busybox:1 --program /bin/busybox \
  --package busybox-static --shell busybox --port 17521 --cmd httpd -f -p 17521 -h /tmp >&2

# Docker's default profile: the names it allows that exist on x86_64 (it also lists 32-bit ones, which
# swb names in a warning).
docker_all=$("$swb" syscalls "$here/../shared/data/moby-default-seccomp.json" 2>"$work/moby.err" | wc -l)
docker_unknown=$(grep -o '[0-9]* syscall names not known on x86_64' "$work/moby.err" | awk '{s+=$1} END {print s+0}')
docker_default=$((docker_all - docker_unknown))

seconds() { # COMMAND... -> wall seconds (3 decimals) on stdout, the command's output discarded
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l | xargs printf '%.2f'
}

printf '| image | layers (gzip) | app-specific: programs | app-specific syscalls | container-wide: executables | container-wide syscalls | traced (runc) | Docker default | unpack+analyze app (cold / warm) | unpack+analyze container-wide (cold / warm) |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for img in redis busybox; do
  oci="oci:$work/$img/oci"
  size=$(du -b "$work/$img/oci/blobs" | tail -1 | cut -f1)
  rm -rf "$XDG_CACHE_HOME"
  app_cold=$(seconds "$swb" analyze --image "$oci" -o "$work/$img-app.swbanalysis")
  app_warm=$(seconds "$swb" analyze --image "$oci" -o "$work/$img-app.swbanalysis")
  app_files=("$work/$img-app"*.swbanalysis)
  app_count=$("$swb" syscalls "${app_files[@]}" | sort -u | wc -l)
  rm -rf "$XDG_CACHE_HOME" "$work/$img-wide"
  wide_cold=$(seconds "$swb" analyze --image "$oci" --container-wide -o "$work/$img-wide")
  rm -rf "$work/$img-wide"
  wide_warm=$(seconds "$swb" analyze --image "$oci" --container-wide -o "$work/$img-wide")
  wide_files=("$work/$img-wide"/*.swbanalysis)
  wide_count=$("$swb" syscalls "${wide_files[@]}" | sort -u | wc -l)
  if [ "$img" = redis ]; then
    client=(sh -c 'redis-cli -p 17511 set k v && redis-benchmark -p 17511 -q -n 5000 -t set,get,lpush,incr >/dev/null')
  else
    client=(sh -c 'for i in 1 2 3 4 5; do curl -s -o /dev/null http://127.0.0.1:17521/ || true; done')
  fi
  "$swb" trace --image "$oci" -o "$work/$img.swbtrace" --container-output /dev/null -- "${client[@]}" >/dev/null 2>&1
  traced=$("$swb" syscalls "$work/$img.swbtrace" | wc -l)
  printf '| %s | %d KiB | %d | %d | %d | %d | %d | %d | %s s / %s s | %s s / %s s |\n' "$img" $((size / 1024)) \
    "${#app_files[@]}" "$app_count" "${#wide_files[@]}" "$wide_count" "$traced" "$docker_default" \
    "$app_cold" "$app_warm" "$wide_cold" "$wide_warm"
done
