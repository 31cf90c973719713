#!/bin/sh
# tests/bigendian_guest.sh - /init of the big-endian guest that
# scripts/bigendian.sh boots (Debian's s390x kernel under
# qemu-system-s390x, busybox, the static s390x etherws at /etherws).
# A real big-endian kernel: taps and packet sockets hand the switch
# virtio_net_hdrs in the CPU's byte order, which no x86 test and no
# qemu-user test can show.  With offload on everywhere:
#
#   A: switch, ws server 127.0.0.1:8080, tap ewa0 -> namespace ha
#      (192.168.80.11); a ws:// client port to the native switch on the
#      host (10.0.2.2:18080 through qemu's user network)
#   B: switch (ctl :7868), tap ewb0 -> namespace hb (192.168.80.12), a
#      ws:// client port to A, a netdev port on vc1, whose veth peer vc0
#      is in namespace hc (192.168.80.13)
#   the host: the native switch, tap 192.168.80.2 (scripts/bigendian.sh)
#
# Bulk TCP (busybox nc, 16 MB, MD5 compared) ha <-> hb over the tunnel,
# hb <-> hc through the netdev port, ha <-> the host over the tunnel to
# the native switch; the tunnels must carry super-frames (far fewer
# messages than segments).  Prints "ok - " / "not ok - " lines and
# "bigendian: N passed, N failed" last, then powers the guest off.
export PATH=/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check() { d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
finish() {
	echo "bigendian: $PASS passed, $FAIL failed"
	sync
	poweroff -f
}
# wait_until TENTHS COMMAND...: bounded poll
wait_until() {
	t=$1; shift
	while [ "$t" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1; t=$((t - 1))
	done
	return 1
}

for m in failover net_failover virtio_net tun veth; do
	insmod "/lib/modules/$m.ko" || not_ok "insmod $m"
done
check "a big-endian CPU ($(uname -m))" \
    [ "$(printf '\001\000' | od -An -tu2 | tr -d ' ')" = 256 ]
ip link set lo up
eth=""
wait_until 50 sh -c 'ls /sys/class/net | grep -qv "^lo$"'
for i in /sys/class/net/*; do
	case ${i##*/} in lo|tunl*|sit*|ip6*) ;; *) eth=${i##*/}; break ;; esac
done
ip link set "$eth" up
ip addr add 10.0.2.15/24 dev "$eth"

W=/etherws
A="$W ctl"
B="$W ctl --ctlurl http://127.0.0.1:7868/ctl"
# Both run as --user nobody: the seccomp filter on a big-endian kernel
# (its argument checks read the low half of each 64-bit argument, at +4
# here).  Taps are made after the drop: /dev/net/tun 0666, as udev has it.
mkdir -p /etc && echo 'nobody:x:65534:65534::/:/bin/false' >>/etc/passwd
chmod 0666 /dev/net/tun
$W sw --foreground --host 127.0.0.1 --port 8080 --user nobody \
    >/tmp/a.log 2>&1 &
PA=$!
$W sw --foreground --host 127.0.0.1 --port 8081 --ctlport 7868 \
    --user nobody >/tmp/b.log 2>&1 &
PB=$!
check "switch A answers" wait_until 100 $A listport
check "switch B answers" wait_until 100 $B listport
check "A and B run as nobody under their seccomp filter" sh -c \
    "grep -q '^Seccomp:.2' /proc/$PA/status && grep -q '^Seccomp:.2' /proc/$PB/status && grep -q '^Uid:.65534' /proc/$PA/status"

# namespaces held by a sleeping process each
unshare -n sleep 100000 >/dev/null 2>&1 & HA=$!
unshare -n sleep 100000 >/dev/null 2>&1 & HB=$!
unshare -n sleep 100000 >/dev/null 2>&1 & HC=$!
sleep 0.2
nsx() { p=$1; shift; nsenter -t "$p" -n "$@"; }
# host NS-PID IFACE ADDR: move IFACE into the namespace and address it
host() {
	ip link set "$2" netns "$1" &&
	    nsx "$1" ip link set lo up &&
	    nsx "$1" ip addr add "$3/24" dev "$2" &&
	    nsx "$1" ip link set "$2" up
}
check "A: addport tap" $A addport tap 'ewa%d'
check "B: addport tap" $B addport tap 'ewb%d'
# busybox's ip names a veth's peer veth0, whatever it is told
check "veth vc1 / vc0" sh -c 'ip link add vc1 type veth &&
    ip link set veth0 name vc0 && ip link set vc1 up'
check "B: addport netdev vc1" $B addport netdev vc1
check "tap ewa0 into ha" host $HA ewa0 192.168.80.11
check "tap ewb0 into hb" host $HB ewb0 192.168.80.12
check "veth vc0 into hc" host $HC vc0 192.168.80.13
check "B: client port to A" $B addport client ws://127.0.0.1:8080/
check "A: client port to the native switch" \
    $A addport client ws://10.0.2.2:18080/
check "tunnel B -> A up" wait_until 100 sh -c "$B listport | grep -qE ' client +up '"
check "tunnel A -> native up" wait_until 200 sh -c "$A listport | grep -qE ' client +up '"

# offload as listPort says it (JSON-RPC through busybox wget)
rpc_ports() {
	wget -q -O - --header 'Content-Type: application/json' \
	    --post-data '{"jsonrpc":"2.0","id":1,"method":"etherws.control.listPort"}' \
	    "http://127.0.0.1:$1/ctl"
}
# tx of port P (JSON-RPC listPort): the number after "tx":
port_tx() {
	rpc_ports "$1" | tr '{}' '\n\n' | grep "\"port\": $2," |
	    sed 's/.*"tx": \([0-9]*\).*/\1/'
}
ra=$(rpc_ports 7867); rb=$(rpc_ports 7868)
echo "# A: $ra"
echo "# B: $rb"
check "A: every port offloads (tap, server, client)" \
    [ "$(echo "$ra" | grep -o '"offload": true' | wc -l)" -eq 3 ]
check "B: every port offloads (tap, netdev, client)" \
    [ "$(echo "$rb" | grep -o '"offload": true' | wc -l)" -eq 3 ]

for ns in $HA $HB $HC; do
	nsx $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null
done
check "ping ha -> hb (tunnel)" nsx $HA ping -c 3 -W 5 192.168.80.12
check "ping hb -> hc (netdev)" nsx $HB ping -c 3 -W 5 192.168.80.13
check "ping ha -> hc (tunnel, netdev)" nsx $HA ping -c 3 -W 5 192.168.80.13
check "ping ha -> native host's tap (tunnel to x86)" \
    nsx $HA ping -c 3 -W 5 192.168.80.2

# /data: 16 MB of random bytes that scripts/bigendian.sh put in the
# initramfs, so that the host has them too
MB=$(($(wc -c </data) / 1048576))
SUM=$(md5sum </data | cut -d' ' -f1)
# bulk FROM-PID TO-PID TO-ADDR: 16 MB of TCP, intact
bulk() {
	rm -f /tmp/rx
	nsx "$2" timeout 90 nc -l -p 5001 >/tmp/rx & l=$!
	sleep 0.5
	nsx "$1" timeout 90 nc "$3" 5001 -e cat /data
	wait $l
	[ "$(md5sum </tmp/rx | cut -d' ' -f1)" = "$SUM" ]
}
# the messages for 16 MB: at least one per segment (11,586 of 1448
# bytes) as ordinary frames, fewer only if super-frames crossed (64 KB
# ones: 260; through qemu's user network the sender's bursts, and so the
# super-frames, are smaller).  Never fewer than one per 64 KB: a count
# below that means the data did not cross at all (a transfer that
# failed must not pass as "super-frames").
SUPER=$((MB * 1048576 / 1448))
LEAST=$((MB * 1048576 / 65536))
# super WHAT N: N messages carried the 16 MB in super-frames
super() {
	check "$1 in super-frames ($LEAST <= $2 < $SUPER)" \
	    [ "$2" -ge $LEAST -a "$2" -lt $SUPER ]
}
t0=$(port_tx 7868 3)
check "TCP hb -> ha, $MB MB intact (tunnel)" bulk $HB $HA 192.168.80.11
t1=$(port_tx 7868 3)
echo "# B's client port sent $((t1 - t0)) messages"
super "hb -> ha crossed the tunnel" $((t1 - t0))
check "TCP ha -> hb, $MB MB intact (tunnel)" bulk $HA $HB 192.168.80.12
check "TCP hc -> hb, $MB MB intact (netdev)" bulk $HC $HB 192.168.80.12
t0=$(port_tx 7868 2)
check "TCP hb -> hc, $MB MB intact (netdev)" bulk $HB $HC 192.168.80.13
t1=$(port_tx 7868 2)
super "hb -> hc took the netdev port" $((t1 - t0))
check "TCP ha -> hc, $MB MB intact (tunnel, netdev)" bulk $HA $HC 192.168.80.13
# the native switch's side: scripts/bigendian.sh serves and checks
t0=$(port_tx 7867 3)
check "TCP ha -> native host, $MB MB (tunnel to x86)" \
    nsx $HA timeout 90 nc 192.168.80.2 5002 -e cat /data
t1=$(port_tx 7867 3)
echo "# A's client port sent $((t1 - t0)) messages"
super "ha -> native crossed the tunnel" $((t1 - t0))
rm -f /tmp/rx
nsx $HA timeout 90 nc -l -p 5003 >/tmp/rx & l=$!
sleep 0.5
echo "# ready for native -> ha"
wait $l
check "TCP native host -> ha, $MB MB intact (tunnel from x86)" \
    [ "$(md5sum </tmp/rx | cut -d' ' -f1)" = "$SUM" ]
grep -h 'seccomp: system call' /tmp/a.log /tmp/b.log | sed 's/^/# /'
check "A and B made no call outside their filter" \
    sh -c "kill -0 $PA && kill -0 $PB && ! grep -q 'seccomp: system call' /tmp/a.log /tmp/b.log"
finish
