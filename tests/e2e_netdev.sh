#!/bin/bash
# A netdev port (a port on an existing network device, as etherws 1.3's
# "addport netdev"): namespace s runs the switch, namespace h
# is a plain host; a veth pair joins them.  The veth end in s has no
# address and is a netdev port of the switch; a tap on the switch has
# 192.168.88.1/24, h has 192.168.88.2/24.  Ping s-tap <-> h goes through
# the switch; listif shows the netdev port and its MTU; listfdb shows h's
# MAC on the netdev port.  VLAN 100: raw 802.1Q frames sent from h reach
# the tap still tagged and vice versa, and the FDB learns them on VLAN
# 100, so tags survive the netdev path (PACKET_AUXDATA re-insertion);
# where the kernel has 802.1Q, also ping between VLAN devices on both.
. "$(dirname "$0")/lib.sh"
need python3

MAC_T=02:00:00:00:03:01		# the switch's tap in s
MAC_H=02:00:00:00:03:02		# h's veth end
VS=v$$sh VH=v$$hs		# veth ends in s and h
MTU=1480

ns s; ns h
ip link add "$VS" netns "$PFX-s" mtu $MTU type veth peer name "$VH" \
    netns "$PFX-h" mtu $MTU || die "veth s-h"
# The end in s carries no IP: no address, no ARP, no IPv6, so s's own
# stack can never answer for the tap's address through it (the ping must
# go through the switch).
nsx s sysctl -qw net.ipv6.conf.$VS.disable_ipv6=1
nsx s sysctl -qw net.ipv4.conf.all.arp_ignore=1
nsx s ip link set "$VS" arp off up
nsx h ip link set "$VH" address $MAC_H up
nsx h ip addr add 192.168.88.2/24 dev "$VH"

sw s
ctl s addport tap 'ewt%d' >/dev/null || die "addport tap"
nsx s ip link set ewt0 address $MAC_T
nsx s ip addr add 192.168.88.1/24 dev ewt0
out=$(ctl s addport netdev "$VS")
check "addport netdev exits 0" [ $? -eq 0 ]
# a new port probes for loops before it forwards; addport answers after
check "addport netdev prints port 2, netdev, up" \
    grep -qE "^  2 +netdev +up +[0-9]+ +[0-9]+ +$VS *\$" <<<"$(sed -n 2p <<<"$out")"
check_not "the netdev keeps no address" \
    sh -c "ip -n $PFX-s -4 addr show dev $VS | grep -q inet"

check "ping s-tap -> h through the netdev, no loss" \
    nsx s ping -c 5 -i 0.2 -W 2 -q 192.168.88.2
check "ping h -> s-tap, no loss" \
    nsx h ping -c 5 -i 0.2 -W 2 -q 192.168.88.1
check_eq "h resolved the tap's MAC (not the veth's)" $MAC_T \
    "$(nsx h ip neigh show 192.168.88.1 dev "$VH" | awk '{ print $3 }')"

ifs=$(ctl s listif)
check "listif: netdev port 2 with MTU $MTU" \
    grep -qE "^  2 +netdev +$MTU +$VS *\$" <<<"$ifs"
check "listif: tap port 1 with its address" \
    grep -qE "^  1 +tap +192\.168\.88\.1 +255\.255\.255\.0 +1500 +ewt0 *\$" <<<"$ifs"
fdb=$(ctl s listfdb)
check "listfdb: h's MAC on the netdev port 2" grep -qE "^  2 +0 +$MAC_H " <<<"$fdb"
check "listfdb: the tap's MAC on port 1" grep -qE "^  1 +0 +$MAC_T " <<<"$fdb"
rx=$(port_field s 2 4); tx=$(port_field s 2 5)
check "netdev port counted frames (rx=$rx tx=$tx)" [ "$rx" -ge 10 -a "$tx" -ge 10 ]

# --- VLAN 100 across the netdev, with raw tagged frames: this kernel may
# lack 802.1Q devices, but it always strips a received tag into the
# packet's metadata, so the netdev socket in s only sees it as aux data.
# vlan.py sends tagged frames / reports the VLAN of a received one.
cat >"$TMP/vlan.py" <<'PYEOF'
#!/usr/bin/python3
# vlan.py send IFACE DST SRC VID [COUNT]
#   send COUNT (default 3) 802.1Q-tagged frames, ethertype 0x88b5 inside.
# vlan.py recv IFACE SRC TIMEOUT READYFILE
#   wait for an incoming frame from SRC; print its VLAN id (from the
#   kernel's aux data, or an inline tag) or "untagged"; exit 1 on timeout.
import os, select, socket, struct, sys, time

SOL_PACKET, PACKET_AUXDATA = 263, 8
TP_STATUS_VLAN_VALID = 0x10
PACKET_OUTGOING = 4
mac = lambda s: bytes.fromhex(s.replace(":", ""))

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((sys.argv[2], 0))
if sys.argv[1] == "send":
    dst, src, vid = mac(sys.argv[3]), mac(sys.argv[4]), int(sys.argv[5])
    n = int(sys.argv[6]) if len(sys.argv) > 6 else 3
    f = dst + src + struct.pack("!HHH", 0x8100, vid, 0x88b5) + b"etherws" * 8
    for _ in range(n):
        s.send(f)
        time.sleep(0.05)
    sys.exit(0)
src, end = mac(sys.argv[3]), time.time() + float(sys.argv[4])
s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
open(sys.argv[5], "w").close()
while time.time() < end:
    if not select.select([s], [], [], max(0, end - time.time()))[0]:
        break
    data, anc, _, addr = s.recvmsg(65536, socket.CMSG_SPACE(20))
    if addr[2] == PACKET_OUTGOING or data[6:12] != src:
        continue
    for lvl, typ, d in anc:
        if lvl == SOL_PACKET and typ == PACKET_AUXDATA and len(d) >= 20:
            st, _, _, _, _, tci, _ = struct.unpack("IIIHHHH", d[:20])
            if st & TP_STATUS_VLAN_VALID or tci:
                print(tci & 0xfff)
                sys.exit(0)
    if data[12:14] == b"\x81\x00":
        print(struct.unpack("!H", data[14:16])[0] & 0xfff)
    else:
        print("untagged")
    sys.exit(0)
sys.exit(1)
PYEOF
VX=02:00:00:00:03:12		# a station behind h on VLAN 100
VY=02:00:00:00:03:11		# a station behind the tap on VLAN 100
# vlan_rx NS IFACE SRC: start a receiver (bounded, 5 s); vlan_rx_result
# waits for it and prints what it saw
vlan_rx() {
	rm -f "$TMP/rx.ready" "$TMP/rx.out"
	ip netns exec "$PFX-$1" $PY "$TMP/vlan.py" recv "$2" "$3" 5 \
	    "$TMP/rx.ready" >"$TMP/rx.out" 2>&1 &
	RXPID=$!; track_pid $RXPID
	wait_until 3 test -e "$TMP/rx.ready"
}
vlan_rx_result() { wait $RXPID; cat "$TMP/rx.out"; }

vlan_rx s ewt0 $VX
nsx h $PY "$TMP/vlan.py" send "$VH" ff:ff:ff:ff:ff:ff $VX 100
check_eq "tagged frame h -> netdev -> tap keeps VLAN 100" 100 "$(vlan_rx_result)"
vlan_rx h "$VH" $VY
nsx s $PY "$TMP/vlan.py" send ewt0 $VX $VY 100
check_eq "tagged frame tap -> netdev -> h keeps VLAN 100" 100 "$(vlan_rx_result)"
fdb=$(ctl s listfdb)
check "listfdb: VLAN 100 entry for h's station on the netdev port" \
    grep -qE "^  2 +100 +$VX " <<<"$fdb"
check "listfdb: VLAN 100 entry for the tap's station on port 1" \
    grep -qE "^  1 +100 +$VY " <<<"$fdb"
check "listfdb: the tagged stations were not learned untagged" \
    [ -z "$(awk -v x=$VX -v y=$VY 'NR > 1 && $2 != 100 && ($3 == x || $3 == y)' <<<"$fdb")" ]

# The same with real VLAN devices and ping, where the kernel has 802.1Q.
if nsx h ip link add link "$VH" name hv.100 type vlan id 100 2>/dev/null; then
	nsx h ip addr add 192.168.89.2/24 dev hv.100
	nsx h ip link set hv.100 up
	nsx s ip link add link ewt0 name tv.100 type vlan id 100
	nsx s ip addr add 192.168.89.1/24 dev tv.100
	nsx s ip link set tv.100 up
	check "ping over VLAN 100 s -> h, no loss" \
	    nsx s ping -c 5 -i 0.2 -W 2 -q 192.168.89.2
	check "ping over VLAN 100 h -> s, no loss" \
	    nsx h ping -c 5 -i 0.2 -W 2 -q 192.168.89.1
	fdb=$(ctl s listfdb)
	check "listfdb: h's MAC on VLAN 100 on the netdev port" \
	    grep -qE "^  2 +100 +$MAC_H " <<<"$fdb"
	check "listfdb: the tap's MAC on VLAN 100 on port 1" \
	    grep -qE "^  1 +100 +$MAC_T " <<<"$fdb"
else
	skip "ping over VLAN devices: no 802.1Q support in this kernel"
fi

if [ "$T_FAIL" -ne 0 ]; then
	echo "--- sw-s.log"; cat "$TMP/sw-s.log"; echo "$fdb"
fi
done_testing
