#!/usr/bin/env bash
# Two-phase profiles of real servers (issue #4): each server runs its workload under `swb trace`,
# the boundary is chosen automatically, and the profile is built with `swb profile --phase both`.
# Prints the syscall counts per phase and the size of the exported Docker profiles, then validates
# the same workload in enforce mode with the serving filter stacked by libswb-phase.so.
# Usage: bench/phases.sh
set -euo pipefail
cd "$(dirname "$0")/.."
swb=$PWD/build/bin/swb
servers=$PWD/tests/e2e/servers
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

count_allowed() {
  python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
print(len({n for e in d["syscalls"] if e["action"]=="SCMP_ACT_ALLOW" for n in e["names"]}))' "$1"
}

printf '%-10s %5s %8s %5s %12s %14s %11s %8s %s\n' server init serving all docker_start docker_serving violations switched boundary
port=17500
for s in redis nginx memcached; do
  port=$((port + 10))
  mkdir -p "$work/$s-t" "$work/$s-v"
  sh "$servers/$s.sh" "$work/$s-t" $port "$swb" trace -o "$work/$s.swbtrace" -- > /dev/null
  init=$("$swb" syscalls --phase init "$work/$s.swbtrace" | wc -l)
  serving=$("$swb" syscalls --phase serving "$work/$s.swbtrace" | wc -l)
  all=$("$swb" syscalls "$work/$s.swbtrace" | wc -l)
  boundary=$("$swb" phases "$work/$s.swbtrace" | sed -n 's/^  boundary auto: auto (\(.*\)): first blocking \([a-z_0-9]*\) .*/\1, \2/p')
  "$swb" profile "$work/$s.swbtrace" --phase both --format docker -o "$work/$s.json" 2> /dev/null
  start=$(count_allowed "$work/$s.json")
  serv=$(count_allowed "$work/$s.serving.json")
  sh "$servers/$s.sh" "$work/$s-v" $((port + 1)) "$swb" validate --profile "$work/$s.json" \
    --serving-profile "$work/$s.serving.json" --enforce -- > /dev/null || true
  violations=$(find "$work/$s-v" -name '*.log' -o -name '*.out' | xargs cat |
               sed -n 's/.*enforce mode: \([0-9]*\) violation.*/\1/p' | head -1)
  switched=$(find "$work/$s-v" -name '*.log' -o -name '*.out' | xargs cat | grep -c 'serving filter installed' || true)
  printf '%-10s %5d %8d %5d %12d %14d %11s %8s %s\n' "$s" "$init" "$serving" "$all" "$start" "$serv" "${violations:-?}" "$switched" "$boundary"
done
