# Sourced by the static-analyzer benchmarks: the swb to measure, a scratch directory with its own
# cache, and the programs they share (a glibc `puts("hello")` built here, nginx's dynamic modules as
# --dlopen arguments).
swb=${SWB:-$PWD/build/bin/swb} # SWB=/path/to/swb to measure another build
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/cache

printf '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n' > "$work/hello.c"
gcc -O2 -o "$work/hello" "$work/hello.c"
nginx_modules=()
for m in /usr/lib/nginx/modules/*.so; do nginx_modules+=(--dlopen "$m"); done
