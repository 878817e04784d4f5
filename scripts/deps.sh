#!/usr/bin/env bash
# Installs the Debian 12 packages Seccomp Workbench needs to build, run and test.
# Idempotent: when every package is present it only runs dpkg-query (well under a second).
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config git
  # libraries
  # QtCharts needs the Qt6OpenGL CMake package, which Debian ships in libqt6opengl6-dev
  qt6-base-dev qt6-base-dev-tools qt6-charts-dev libqt6opengl6-dev qt6-svg-dev libgl-dev
  libseccomp-dev libcapstone-dev llvm-14-dev libdw-dev libelf-dev zlib1g-dev
  nlohmann-json3-dev libcli11-dev libgraphviz-dev graphviz libyaml-cpp-dev
  # container images: layer archives (libarchive), their SHA-256 digests (OpenSSL's libcrypto), and
  # busybox-static for the test images
  libarchive-dev libssl-dev busybox-static
  # tests: real programs traced and compared against strace, the GUI offscreen and in a real window
  # (Xvfb, the openbox window manager, XTEST input)
  strace xvfb xauth openbox x11-utils libx11-dev libxtst-dev redis-server redis-tools sqlite3 python3 coreutils procps file bc
  nginx-full memcached libmemcached-tools curl
  # validation in a real container runtime (OCI bundle tests), a Docker engine and rootful Podman for
  # the image tests (each test starts its own private daemon), dpkg-deb/apt-get download for the
  # Debian test image
  runc docker.io podman
  # packaging: CPack's DEB with dpkg-shlibdeps, and the validators of the desktop file and metainfo
  dpkg-dev desktop-file-utils appstream
)

missing=()
installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${packages[@]}" 2>/dev/null || true)
for p in "${packages[@]}"; do
  grep -qxF "${p} ii " <<<"$installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Debian's server packages start their service on install; the tests start their own instances on
# their own ports, so prevent the packaged ones from starting.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  created_policy=1
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
[ "$created_policy" -eq 1 ] && $SUDO rm -f "$policy"
exit 0
