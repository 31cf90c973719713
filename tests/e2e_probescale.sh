#!/bin/bash
# Probe traffic flat in the size of the network, loops through a LAN
# still found.  A hub and 20 site switches, each in its own namespace
# with a client port to the hub and a tap:
#  - after the network settles, a host's tap receives at most 3 probe
#    frames a second (one budget shared by all switches; an edge port
#    gets at most 2 of other switches' probes a second), where each
#    switch's own round every second made ~21; a site's tunnel carries a
#    bounded rate (hellos, the shared budget);
#  - two sites' netdev ports on one LAN segment (a bridge in namespace
#    lan) make a loop with the hub: blocked within 10 s when the LAN link
#    comes up after both ports forward, released when one of the netdev
#    ports goes, and blocked within 10 s again when it is added last.
# PS_SITES=N: N sites instead of 20.
# run: first (tests/run -j: a long one, 21 switches)
. "$(dirname "$0")/lib.sh"
need python3

SITES=${PS_SITES:-20}
# probes NS DEV SECONDS: probe frames (EtherType 0x88b5) into DEV
cat >"$TMP/probes.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88b5))
s.bind((sys.argv[1], 0x88b5))
s.settimeout(0.2)
n, end = 0, time.time() + float(sys.argv[2])
while time.time() < end:
    try:
        d, a = s.recvfrom(2048)
    except socket.timeout:
        continue
    if a[2] != socket.PACKET_OUTGOING and d[12:14] == b"\x88\xb5":
        n += 1
print(n)
PY
quiet() {
	nsx "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	    net.ipv6.conf.default.disable_ipv6=1
}

ns h; quiet h
sw h --port 8080
for k in $(seq "$SITES"); do
	ns "s$k"; quiet "s$k"
	link h "s$k" "10.120.$k.1" "10.120.$k.2"
	sw "s$k"
	ctl "s$k" addport tap 'pt%d' >/dev/null || die "addport tap s$k"
	nsx "s$k" ip link set pt0 up
	ctl "s$k" addport client "ws://10.120.$k.1:8080/" >/dev/null ||
	    die "s$k -> hub"
done
hub_up() { [ "$(ctl h listport | awk '$2 == "server" && $3 == "up"' |
    wc -l)" -eq "$SITES" ]; }
check "the hub's $SITES server ports forward" wait_until 30 hub_up
# every switch learns how many there are from the others' rounds (at
# first one a second each): let the budget settle
sleep 15
tunrx() { ctl s1 --json showport 2 | grep -o '"probes_rx": [0-9]*' |
    awk '{ print $2 }'; }
t1=$(tunrx)
n=$(nsx s1 "$PY" "$TMP/probes.py" pt0 15)
t2=$(tunrx)
rate=$(( (n + 14) / 15 ))
le "a host's tap receives at most 3 probe frames a second ($n in 15 s)" \
    "$n" 45
ge "and some (the counter works)" "$n" 3
le "a site's tunnel carries at most 5 probe frames a second ($((t2 - t1)) in 15 s)" \
    $((t2 - t1)) 75
ge "at least the hub's hellos, one a second (showport's probes_rx)" \
    $(( ${t2:-0} - ${t1:-0} )) 15
echo "# tap: $n probe frames in 15 s (~$rate/s); tunnel: $((t2 - t1))"

# A LAN segment: s1's and s2's netdev ports on one bridge (namespace
# lan); s2's leg not on the bridge yet.
ns lan; quiet lan
nsx lan ip link add br0 type bridge
nsx lan ip link set br0 up
L1=l$$a L2=l$$b M1=m$$a M2=m$$b	# veth ends: in s1, s2; in lan
ip link add $L1 netns "$PFX-s1" type veth peer name $M1 netns "$PFX-lan" ||
    die "veth s1-lan"
ip link add $L2 netns "$PFX-s2" type veth peer name $M2 netns "$PFX-lan" ||
    die "veth s2-lan"
nsx s1 ip link set $L1 up; nsx s2 ip link set $L2 up
nsx lan ip link set $M1 up; nsx lan ip link set $M2 up
nsx lan ip link set $M1 master br0
ctl s1 addport netdev $L1 >/dev/null || die "netdev s1"
ctl s2 addport netdev $L2 >/dev/null || die "netdev s2"
nd_up() { [ "$(port_field s1 3 3)" = up ] && [ "$(port_field s2 3 3)" = up ]; }
check "both netdev ports forward (no loop yet)" wait_until 10 nd_up
loops() { for n in h s1 s2; do ctl $n listport; done | grep -c ' loop '; }
check_eq "no port is blocked" 0 "$(loops)"
t0=$(date +%s)
nsx lan ip link set $M2 master br0		# the loop closes
one() { [ "$(loops)" -ge 1 ]; }
wait_until 12 one
took=$(( $(date +%s) - t0 ))
n=$(loops)
check "the LAN loop between forwarding ports is blocked ($n, $took s)" \
    [ "$n" -ge 1 -a "$took" -le 10 ]
exactly_one() { [ "$(loops)" -eq 1 ]; }
check "and exactly one port stays blocked" wait_until 10 exactly_one
for n in h s1 s2; do ctl $n listport | grep ' loop ' | sed "s/^/# $n: /"; done

# s2's netdev port goes: the loop is gone, the block with it
ctl s2 delport 3 >/dev/null || die "delport s2 3"
none() { [ "$(loops)" -eq 0 ]; }
check "when a netdev port goes, the block ends within 10 s" wait_until 10 none
sleep 2
t0=$(date +%s)
ctl s2 addport netdev $L2 >/dev/null || die "netdev s2 again"
wait_until 12 one
took=$(( $(date +%s) - t0 ))
n=$(loops)
check "a netdev port added last into the LAN loop is blocked ($n, $took s)" \
    [ "$n" -ge 1 -a "$took" -le 10 ]
check "and exactly one port stays blocked" wait_until 10 exactly_one
for n in h s1 s2; do ctl $n listport | grep ' loop ' | sed "s/^/# $n: /"; done
done_testing
