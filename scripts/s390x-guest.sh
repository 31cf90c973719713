#!/bin/sh
# scripts/s390x-guest.sh - what the big-endian kernel test
# (tests/bigendian.sh, make check-bigendian) boots: Debian's s390x kernel
# and busybox-static, from Debian's archive for s390x (a foreign
# architecture: "dpkg --add-architecture s390x" and apt-get update are
# done here, as root, when the packages are not reachable yet), unpacked
# into build-cross/s390x/guest/:
#
#   vmlinuz           the kernel (linux-image-s390x's current image)
#   modules/*.ko      the modules the test loads: tun, veth, virtio_net
#                     (and failover, net_failover, which it needs)
#   busybox           busybox-static for s390x
#
# Needs dpkg (dpkg-deb) and apt-get.  Downloads only once.
set -eu
cd "$(dirname "$0")/.."
G=${CROSS:-build-cross}/s390x/guest

fail() { echo "s390x-guest: $*" >&2; exit 1; }
[ -f "$G/vmlinuz" ] && [ -x "$G/busybox" ] && [ -f "$G/modules/tun.ko" ] &&
    exit 0

reachable() {
	apt-cache policy linux-image-s390x:s390x 2>/dev/null |
	    grep -q 'Candidate: [0-9]'
}
if ! reachable; then
	echo "  APT     dpkg --add-architecture s390x; apt-get update"
	dpkg --add-architecture s390x || fail "dpkg --add-architecture s390x"
	apt-get update -qq || fail "apt-get update failed"
	reachable || fail "linux-image-s390x:s390x not in the archive"
fi
# the metapackage names the image of the day
img=$(apt-cache depends linux-image-s390x:s390x |
    awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
[ -n "$img" ] || fail "no kernel image behind linux-image-s390x:s390x"
rm -rf "$G"
mkdir -p "$G/debs" "$G/x" "$G/modules"
echo "  APT     apt-get download $img busybox-static:s390x"
(cd "$G/debs" && apt-get download -qq "$img" busybox-static:s390x) ||
    fail "apt-get download failed"
for d in "$G"/debs/*.deb; do dpkg-deb -x "$d" "$G/x"; done
cp "$G"/x/boot/vmlinuz-* "$G/vmlinuz"
cp "$G/x/bin/busybox" "$G/busybox"
for m in tun veth virtio_net failover net_failover; do
	f=$(find "$G/x/lib/modules" -name "$m.ko" -o -name "$m.ko.xz" | head -n 1)
	[ -n "$f" ] || fail "no $m.ko in $img"
	case $f in
	*.xz) xz -dc "$f" >"$G/modules/$m.ko" ;;
	*) cp "$f" "$G/modules/$m.ko" ;;
	esac
done
rm -rf "$G/x" "$G/debs"
echo "  OK      $G: $(basename "$img"), busybox-static"
