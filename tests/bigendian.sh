#!/bin/bash
# tests/bigendian.sh - etherws on a real big-endian kernel (make
# check-bigendian; not part of make check).  Debian's s390x kernel boots
# under qemu-system-s390x (TCG) with busybox and the static s390x
# etherws (make static-cross CROSS_TARGETS=s390x) in an initramfs whose
# /init is tests/bigendian_guest.sh: two switches with taps, a tunnel, a
# netdev port and bulk TCP through offload there (the kernel's
# virtio_net_hdr in the CPU's byte order), and a tunnel with offload to
# the native switch here, through qemu's user network (the guest's
# 10.0.2.2:18080 is 127.0.0.1:18080 in this test's namespace h).
#
#   h: native switch, ws server 127.0.0.1:18080, tap ewh0 192.168.80.2;
#      qemu runs here, so its user network reaches only h's loopback
#
# The guest's "ok"/"not ok" lines count here as they are; 16 MB of TCP
# each way between the guest and h is checked byte for byte (MD5).
#
# The regression it is here for, which no x86 and no qemu-user test can
# see: tap_linux.c's vnet_from_host reading the kernel's virtio_net_hdr
# as little-endian (le16toh on each 16-bit field).  With that one change
# every TCP transfer fails (byte-swapped, csum_start 34 becomes 8704,
# and the sizes go wrong the same way: no TCP segment, whose checksum
# the kernel leaves to the switch, gets through), each super-frame
# count falls below one message per 64 KB, and the guest's run ends in
# its own timeouts (about 11 minutes, under BOOT_TIMEOUT); pings, which
# need no checksum offload, still pass.  Healthy: about 60 s of guest time.
#
# Prerequisites: qemu-system-s390x (qemu-system-misc), cpio, busybox,
# the s390x cross build (gcc-s390x-linux-gnu) and the guest's packages
# (scripts/s390x-guest.sh).
. "$(dirname "$0")/lib.sh"
need qemu-system-s390x cpio busybox md5sum

CROSS=${CROSS:-build-cross}
G=$CROSS/s390x/guest
BIN=$CROSS/etherws-static-s390x
MB=16
BOOT_TIMEOUT=${BOOT_TIMEOUT:-900}	# s: the whole guest run, bounded

sh scripts/s390x-guest.sh >"$TMP/guest.log" 2>&1 ||
    { cat "$TMP/guest.log"; die "scripts/s390x-guest.sh failed"; }
[ -x "$BIN" ] || die "no $BIN (make static-cross CROSS_TARGETS=s390x)"
check "the s390x build is big-endian" \
    grep -q 'MSB' <<<"$(file -L "$BIN")"

# the initramfs: busybox, etherws, the modules, the data, /init
R=$TMP/root
mkdir -p "$R/bin" "$R/lib/modules" "$R/proc" "$R/sys" "$R/dev" "$R/tmp"
cp "$G/busybox" "$R/bin/busybox"
ln -s busybox "$R/bin/sh"
cp "$BIN" "$R/etherws"
cp "$G"/modules/*.ko "$R/lib/modules/"
cp tests/bigendian_guest.sh "$R/init"
chmod +x "$R/init"
head -c $((MB * 1048576)) /dev/urandom >"$R/data"
SUM=$(md5sum <"$R/data" | cut -d' ' -f1)
(cd "$R" && find . | cpio -o -H newc --quiet) >"$TMP/initrd" ||
    die "cpio"

ns h
sw h --host 127.0.0.1 --port 18080
ctl h addport tap 'ewh%d' >/dev/null || die "addport tap h"
nsx h ip addr add 192.168.80.2/24 dev ewh0
nsx h ip link set ewh0 up
ip netns exec "$PFX-h" timeout "$BOOT_TIMEOUT" busybox nc -l -p 5002 \
    >"$TMP/rx" & RXPID=$!
track_pid $RXPID

start=$(date +%s)
ip netns exec "$PFX-h" timeout "$BOOT_TIMEOUT" qemu-system-s390x \
    -M s390-ccw-virtio -m 1024 -smp 2 -accel tcg,thread=multi \
    -nographic -no-reboot -nodefaults -serial none -chardev \
    file,id=con,path="$TMP/console" -device sclpconsole,chardev=con \
    -kernel "$G/vmlinuz" -initrd "$TMP/initrd" \
    -append "console=ttysclp0 quiet panic=-1 rdinit=/init" \
    -netdev user,id=n0 -device virtio-net-ccw,netdev=n0 \
    </dev/null >"$TMP/qemu.log" 2>&1 & QPID=$!
track_pid $QPID

# the guest asks for the native -> guest transfer when it listens
sent=0
while kill -0 $QPID 2>/dev/null; do
	if [ $sent -eq 0 ] && grep -q '^# ready for native -> ha' \
	    "$TMP/console" 2>/dev/null; then
		sent=1
		ip netns exec "$PFX-h" timeout 90 busybox nc 192.168.80.11 \
		    5003 -e cat "$R/data" || not_ok "nc native -> guest"
	fi
	sleep 0.5
done
wait $QPID; qrc=$?
echo "# the guest ran $(( $(date +%s) - start )) s (qemu exit $qrc)"
sed 's/\r$//' "$TMP/console" >"$TMP/console.txt"
grep -E '^(ok|not ok|#) ' "$TMP/console.txt" | sed 's/^/guest: /'
if ! grep -q '^bigendian: [0-9]* passed, [0-9]* failed' "$TMP/console.txt"; then
	tail -n 40 "$TMP/console.txt" | sed 's/^/    | /'
	cat "$TMP/qemu.log"
	not_ok "the guest did not finish (timeout ${BOOT_TIMEOUT}s or crash)"
fi
gp=$(grep -c '^ok - ' "$TMP/console.txt")
gf=$(grep -c '^not ok - ' "$TMP/console.txt")
T_PASS=$((T_PASS + gp)); T_FAIL=$((T_FAIL + gf))
check "guest made its checks ($gp passed, $gf failed)" [ "$gp" -ge 30 ]
wait_exit 10 $RXPID
check "TCP guest -> native, $MB MB intact" \
    [ "$(md5sum <"$TMP/rx" | cut -d' ' -f1)" = "$SUM" ]
done_testing
