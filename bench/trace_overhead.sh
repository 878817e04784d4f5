#!/usr/bin/env bash
# Tracer overhead on a syscall-heavy workload, in one run: native, strace -f, swb trace.
# Usage: bench/trace_overhead.sh [RUNS]   (default 3; the median of each is reported)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
workload=(find /usr/lib -name '*.so')
swb=build/bin/swb
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timeit() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc -l; }

"${workload[@]}" >/dev/null 2>&1 # warm the page cache
native=() strace_t=() swb_t=() stacks_t=()
for ((i = 0; i < runs; i++)); do
  native+=("$(timeit "${workload[@]}")")
  strace_t+=("$(timeit strace -f -o /dev/null "${workload[@]}")")
  swb_t+=("$(timeit "$swb" trace -o "$out/t.swbtrace" -- "${workload[@]}")")
  stacks_t+=("$(timeit "$swb" trace --stacks -o "$out/s.swbtrace" -- "${workload[@]}")")
done
n=$(printf '%s\n' "${native[@]}" | median)
s=$(printf '%s\n' "${strace_t[@]}" | median)
w=$(printf '%s\n' "${swb_t[@]}" | median)
k=$(printf '%s\n' "${stacks_t[@]}" | median)
events=$(build/bench/swb_bench_trace_file "$out/t.swbtrace" | awk '/^events/ {print $2}')
printf 'workload: %s (%s syscalls), %d runs, median wall time\n' "${workload[*]}" "$events" "$runs"
printf '  native            %8.3f s\n' "$n"
printf '  strace -f         %8.3f s  (%.1fx native)\n' "$s" "$(echo "$s / $n" | bc -l)"
printf '  swb trace         %8.3f s  (%.1fx native)\n' "$w" "$(echo "$w / $n" | bc -l)"
printf '  swb trace --stacks %7.3f s  (%.1fx native)\n' "$k" "$(echo "$k / $n" | bc -l)"
printf '  swb / strace      %8.2f\n' "$(echo "$w / $s" | bc -l)"
build/bench/swb_bench_trace_file "$out/t.swbtrace" | sed 's/^/  /'
build/bench/swb_bench_trace_file "$out/s.swbtrace" | sed 's/^/  --stacks: /'
build/bench/swb_bench_trace_file --synthesize 1000000 "$out/t.swbtrace" | sed 's/^/  1M: /'
