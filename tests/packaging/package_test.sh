#!/bin/sh
# The DEB package: the desktop file and AppStream metainfo validate, CPack builds the package with
# dependencies from dpkg-shlibdeps, and the unpacked programs run.
# Usage: package_test.sh SOURCE_DIR BUILD_DIR
set -eu
SRC=$1
BUILD=$2
ID=org.seccompworkbench.SeccompWorkbench
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

desktop-file-validate "$SRC/packaging/$ID.desktop"
appstreamcli validate --no-net "$SRC/packaging/$ID.metainfo.xml"

(cd "$BUILD" && cpack -G DEB -B "$W/out" > "$W/cpack.log" 2>&1) || { cat "$W/cpack.log"; exit 1; }
DEB=$(ls "$W"/out/seccomp-workbench_*.deb)
echo "package: $(basename "$DEB")"
DEPENDS=$(dpkg-deb -f "$DEB" Depends)
echo "Depends: $DEPENDS"
for lib in libqt6widgets6 libseccomp2 libcapstone4 libdw1; do
  case "$DEPENDS" in *"$lib"*) ;; *) echo "missing dependency $lib (shlibdeps)"; exit 1 ;; esac
done

dpkg-deb -x "$DEB" "$W/root"
for f in usr/bin/swb usr/bin/swb-gui usr/lib/libswb-phase.so \
         usr/share/applications/$ID.desktop usr/share/metainfo/$ID.metainfo.xml \
         usr/share/icons/hicolor/scalable/apps/$ID.svg usr/share/doc/seccomp-workbench/LICENSE; do
  [ -e "$W/root/$f" ] || { echo "not in the package: /$f"; exit 1; }
done
desktop-file-validate "$W/root/usr/share/applications/$ID.desktop"

"$W/root/usr/bin/swb" --version | grep -q '^swb '
"$W/root/usr/bin/swb" trace -o "$W/t.swbtrace" -- /bin/true
QT_QPA_PLATFORM=offscreen "$W/root/usr/bin/swb-gui" --screenshot "$W/shot.png" "$W/t.swbtrace"
file "$W/shot.png" | grep -q 'PNG image data'
echo "package ok"
