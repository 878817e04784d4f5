#!/usr/bin/env bash
# nginx with its packaged modules, this build against another one and `objdump -d`, in alternation:
# three cold runs each (every build with its own fresh cache), then the best of five warm runs each,
# and once more without the linked-graph record (module facts cached, linked again). Checks that
# both builds wrote the same analysis file. On a shared machine the alternation keeps the
# comparison fair where absolute times are not.
# Usage: SWB_BEFORE=/path/to/other/swb bench/static_nginx_pair.sh
set -euo pipefail
cd "$(dirname "$0")/.."
new=${SWB:-$PWD/build/bin/swb}
old=${SWB_BEFORE:?set SWB_BEFORE to the swb to compare with}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=()
for m in /usr/lib/nginx/modules/*.so; do args+=(--dlopen "$m"); done
seconds() { local s e; s=$(date +%s%N); "$@" > /dev/null 2>&1; e=$(date +%s%N); echo "scale=2; ($e - $s) / 1000000000" | bc; }
run() { XDG_CACHE_HOME=$work/$1 "$2" analyze -o "$work/$1.swbanalysis" "${args[@]}" /usr/sbin/nginx; }
for i in 1 2 3; do
  rm -rf "$work/new" "$work/old"
  n=$(seconds run new "$new")
  o=$(seconds run old "$old")
  if [ "$i" = 1 ]; then
    python3 -c "import json,sys; print('\n'.join(m['path'] for m in json.load(open(sys.argv[1]))['modules']))" \
      "$work/new.swbanalysis" > "$work/files"
  fi
  d=$(seconds sh -c "xargs objdump -d < '$work/files'")
  echo "cold: this build ${n} s, other build ${o} s, objdump -d ${d} s (load $(cut -d' ' -f1-3 /proc/loadavg))"
done
best() { for i in 1 2 3 4 5; do seconds "$@"; done | sort -n | head -1; }
echo "warm, best of 5: this build $(best run new "$new") s, other build $(best run old "$old") s"
relink() { rm -f "$work"/new/swb/modules/*.graph; run new "$new"; }
echo "warm without the linked-graph record, best of 5: this build $(best relink) s"
/usr/bin/time -f '%M' -o "$work/mem" bash -c "$(declare -f run); args=(${args[*]}); work=$work; rm -rf $work/new; run new $new" > /dev/null 2>&1
echo "peak memory, this build: cold $(cat "$work/mem") KB, \
warm $(/usr/bin/time -f '%M' bash -c "$(declare -f run); args=(${args[*]}); work=$work; run new $new" 2>&1 >/dev/null | tail -1) KB"
cmp -s "$work/new.swbanalysis" "$work/old.swbanalysis" && echo "analysis files identical" || echo "analysis files DIFFER"
