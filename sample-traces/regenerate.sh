#!/usr/bin/env bash
# Regenerates the bundled sample traces with the tracer from a build (scripts/build.sh).
# The traces depend on the machine that records them (library versions, directory contents), so
# they are recorded, not written by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
swb=build/bin/swb
if [ ! -x "$swb" ]; then
  echo "regenerate: $swb is missing; run scripts/build.sh first" >&2
  exit 1
fi
mkdir -p sample-traces/hello
"$swb" trace --stacks -o sample-traces/hello/hello.swbtrace -- /bin/sh -c 'ls / | wc -l'
echo "regenerate: wrote sample-traces/hello/hello.swbtrace" >&2
