#!/usr/bin/env bash
# Regenerates the bundled sample projects with the tools from a build (scripts/build.sh): each is
# a real program traced (with stacks) and analyzed by swb, a project with a boundary and review
# notes, and the profiles exported from it. Traces and analyses depend on the machine that records
# them (library versions, directory contents), so they are recorded, never written by hand.
# Needs redis-server and redis-tools (scripts/deps.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
swb=$PWD/build/bin/swb
if [ ! -x "$swb" ]; then
  echo "regenerate: $swb is missing; run scripts/build.sh first" >&2
  exit 1
fi
S=$PWD/sample-traces
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. A server with a clear init/serving split: redis driven by redis-cli and redis-benchmark.
mkdir -p "$S/redis" "$work/redis"
sh tests/e2e/servers/redis.sh "$work/redis" 17901 "$swb" trace --stacks -o "$S/redis/redis.swbtrace" --
"$swb" analyze --no-cache -o "$S/redis/redis.swbanalysis" /usr/bin/redis-server 2> /dev/null
rm -f "$S/redis/redis.swbproj"
"$swb" project create -o "$S/redis/redis.swbproj" --name redis --program /usr/bin/redis-server \
  --boundary auto --transition aeMain "$S/redis/redis.swbtrace" "$S/redis/redis.swbanalysis"
"$swb" review "$S/redis/redis.swbproj" deny ptrace process_vm_readv process_vm_writev \
  --note "debugging another process: never needed by a cache server"
"$swb" review "$S/redis/redis.swbproj" deny listen bind socket --phase serving \
  --note "redis opens its sockets at start; CONFIG SET port at run time is not allowed"
"$swb" review "$S/redis/redis.swbproj" allow fdatasync fsync rename --phase serving \
  --note "persistence (SAVE, appendfsync) is off in the workload but on in production"
# The two-phase profile from the traced workload (the analysis explains; its static set is the
# sound superset: redis-static.json).
"$swb" profile "$S/redis/redis.swbproj" --evidence dynamic --phase both --format docker -o "$S/redis/redis.json"
"$swb" profile "$S/redis/redis.swbproj" --evidence dynamic --format k8s --name redis -o "$S/redis/redis.yaml"
"$swb" profile "$S/redis/redis.swbproj" --evidence static --format docker -o "$S/redis/redis-static.json"
# A validation run in complain mode: the profile from a workload without persistence meets BGSAVE
# (the fork of the background save and the wait for it are violations). The workbench shows it
# with Review › Validate, or opened beside the project.
rm -f "$S/redis/redis-validation-1.swbtrace"
"$swb" validate --profile "$S/redis/redis.json" -o "$S/redis/redis-validation-1.swbtrace" -- \
  redis-server --port 17902 --bind 127.0.0.1 --save '' --appendonly no --dir "$work/redis" \
  > "$work/redis/validate.log" 2>&1 &
validating=$!
i=0
until redis-cli -p 17902 ping > /dev/null 2>&1; do
  i=$((i + 1)); [ $i -gt 200 ] && { kill $validating; exit 9; }
  sleep 0.1
done
redis-cli -p 17902 set greeting hello > /dev/null
redis-cli -p 17902 bgsave > /dev/null
sleep 1.5
redis-cli -p 17902 shutdown nosave > /dev/null 2>&1 || true
wait $validating

# 2. A multi-process program: a shell pipeline (sh, ls, wc joined by a pipe).
mkdir -p "$S/pipeline"
"$swb" trace --stacks -o "$S/pipeline/pipeline.swbtrace" -- /bin/sh -c 'ls / | wc -l' > /dev/null
for p in dash ls wc; do
  "$swb" analyze --no-cache -o "$S/pipeline/$p.swbanalysis" "/bin/$p" 2> /dev/null
done
rm -f "$S/pipeline/pipeline.swbproj"
"$swb" project create -o "$S/pipeline/pipeline.swbproj" --name pipeline --program /bin/sh \
  --boundary none "$S/pipeline/pipeline.swbtrace" "$S/pipeline"/{dash,ls,wc}.swbanalysis
"$swb" review "$S/pipeline/pipeline.swbproj" deny ptrace --note "no debugging in a build step"
"$swb" profile "$S/pipeline/pipeline.swbproj" --evidence dynamic --format oci -o "$S/pipeline/pipeline.oci.json"

# 3. A small command-line tool: date.
mkdir -p "$S/date"
"$swb" trace --stacks -o "$S/date/date.swbtrace" -- /bin/date -u > /dev/null
"$swb" analyze --no-cache -o "$S/date/date.swbanalysis" /bin/date 2> /dev/null
rm -f "$S/date/date.swbproj"
"$swb" project create -o "$S/date/date.swbproj" --name date --program /bin/date --boundary none \
  "$S/date/date.swbtrace" "$S/date/date.swbanalysis"
"$swb" review "$S/date/date.swbproj" deny clock_settime settimeofday clock_adjtime adjtimex \
  --note "date -s is not used: setting the clock stays forbidden"
"$swb" profile "$S/date/date.swbproj" --format docker --runtime none -o "$S/date/date.json"
"$swb" profile "$S/date/date.swbproj" --format pfc --runtime none -o "$S/date/date.pfc"
echo "regenerate: sample projects written to $S" >&2
