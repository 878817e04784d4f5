#!/usr/bin/env bash
# Static analyzer precision: the allowed-set size of each program, how many of those syscalls a
# call chain reaches without any indirect call (the floor of every call-graph analysis of the same
# binaries, whatever its indirect-call model), and the published anchors. Each program is analyzed
# twice: on this system, and in a rootfs of symlinks to it whose /etc/nsswitch.conf lacks the
# systemd service (as on the systems the anchors were measured on). For the three servers with a
# published syscall list (sysfilter, from the SysPart artifact), the syscalls only one side allows.
# Usage: bench/precision.sh   (ANCHORS=dir of the shared anchors; default ../shared/anchors)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/static_programs.sh
anchors=${ANCHORS:-$PWD/../shared/anchors}

# The rootfs without systemd NSS: the system's directories by symlink, its own /etc.
rootfs=$work/rootfs
mkdir -p "$rootfs/etc"
for d in bin lib lib64 sbin usr; do ln -s "/$d" "$rootfs/$d"; done
cp -r /etc/ld.so.conf /etc/ld.so.conf.d /etc/ld.so.cache "$rootfs/etc/"
sed -E 's/[[:space:]]+systemd\b//' /etc/nsswitch.conf > "$rootfs/etc/nsswitch.conf"
mkdir -p "$rootfs/opt" && cp "$work/hello" "$rootfs/opt/hello" # paths are inside the rootfs there

declare -A sysfilter=([hello]=51 [nginx]=115 [redis-server]=104 [memcached]=104)
declare -A temporal=([nginx]=106 [redis-server]=90 [memcached]=99)

# total, direct-only count of an analysis (from swb analyze's summary)
counts() {
  local out
  out=$("$swb" analyze "$@" 2>&1 > /dev/null)
  echo "$(grep -o '[0-9]* syscalls reachable' <<< "$out" | grep -o '^[0-9]*') $(grep -o '[0-9]* of the syscalls' <<< "$out" | grep -o '^[0-9]*')"
}

printf '%-22s %6s %7s %9s %6s %7s %9s %9s %8s\n' program swb direct indirect nosd nosd_dir sysfilter temporal ""
row() {
  local name=$1; shift
  read -r total direct < <(counts -o "$work/$name.swbanalysis" "$@")
  local args=("$@")
  [ "${args[-1]}" = "$work/hello" ] && args[-1]=/opt/hello
  read -r ntotal ndirect < <(counts --rootfs "$rootfs" -o "$work/$name.nosd.swbanalysis" "${args[@]}")
  local key=${name%% *}
  printf '%-22s %6d %7d %9d %6d %7d %9s %9s\n' "$name" "$total" "$direct" $((total - direct)) "$ntotal" \
    "$ndirect" "${sysfilter[$key]:--}" "${temporal[$key]:--}"
}
row hello "$work/hello"
row nginx /usr/sbin/nginx
row "nginx+modules" "${nginx_modules[@]}" /usr/sbin/nginx
row redis-server /usr/bin/redis-server
row memcached /usr/bin/memcached
row sqlite3 /usr/bin/sqlite3
row ls /usr/bin/ls

universe=$anchors/syspart/evaluation/unique_syscallnames_x64.txt
if [ -f "$universe" ]; then
  echo
  echo "Against sysfilter's published lists (allowed = the x86-64 names minus sf_filtered_syscalls), without systemd NSS:"
  for pair in nginx:nginx redis-server:redis memcached:memcached; do
    name=${pair%%:*} sf=${pair##*:}
    sort -u "$universe" > "$work/universe"
    sort -u "$anchors/syspart/evaluation/exploit_mitigation/sf_filtered_syscalls/$sf.txt" > "$work/filtered"
    comm -23 "$work/universe" "$work/filtered" > "$work/sf_allowed"
    "$swb" syscalls "$work/$name.nosd.swbanalysis" | sort > "$work/swb_allowed"
    echo "$name: only swb: $(comm -23 "$work/swb_allowed" "$work/sf_allowed" | tr '\n' ' ')"
    echo "$name: only sysfilter: $(comm -13 "$work/swb_allowed" "$work/sf_allowed" | tr '\n' ' ')"
  done
fi
