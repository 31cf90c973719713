#!/bin/bash
# TSO/GSO offload: taps opened with IFF_VNET_HDR hand the switch 64 KB
# TCP super-frames; two of our switches agree in the handshake
# (X-Etherws-Offload) to carry them whole; every other port gets
# ordinary frames, cut and checksummed by the switch.
#
#   a: switch A, tap ewa0 192.168.78.1, client port -> B
#   b: switch B, tap ewb0 192.168.78.2, ws server :8080, netdev port on
#      vbc (veth to c)
#   c: 192.168.78.3 on the other end of vbc: a plain kernel behind a
#      port without offload
#   d: switch D with --nooffload (as the original etherws: it neither
#      asks nor answers), tap ewd0 192.168.78.4, client port -> B
#   h: switch H; tests/offload.py connects a plain WebSocket peer, then
#      a hostile one that negotiates offload and sends bad headers, then
#      good ones
#
#  1. A-B agreed, D-B did not (101 headers via counters and listPort).
#  2. TCP a->b and b->a (iperf3): the tunnel carries super-frames (far
#     fewer messages than 1448-byte segments; a count that ordinary
#     frames cannot reach).
#  3. TCP a->d and d->a across B, D without offload: done, and every
#     frame on ewd0 is at most 1514 bytes with right checksums.
#  4. TCP a->c and c->a through B's netdev port (PACKET_VNET_HDR): it
#     takes super-frames, and c's offloaded frames are forwarded right.
#  6. A server whose first message shares the 101's segment: whole.
#  5. Hostile: 9 bad messages dropped and counted, the switch lives;
#     a good broadcast, a 5-segment super-frame and a UDP frame with its
#     checksum still to complete reach the plain peer as 7 whole frames.
. "$(dirname "$0")/lib.sh"
need python3 iperf3

for n in a b c d h; do ns $n; done
for n in a b c d h; do
	nsx $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	    net.ipv6.conf.default.disable_ipv6=1
done
link a b 10.9.0.1 10.9.0.2
link d b 10.9.2.1 10.9.2.2
ip link add vbc netns "$PFX-b" type veth peer name vcb netns "$PFX-c" ||
    die "veth b-c"
ip -n "$PFX-b" link set vbc up
ip -n "$PFX-c" addr add 192.168.78.3/24 dev vcb
ip -n "$PFX-c" link set vcb address 02:00:00:00:78:03
ip -n "$PFX-c" link set vcb up

sw a
sw b --port 8080
sw d --nooffload
sw h --host 127.0.0.1 --port 8080
for n in a b d; do
	ctl $n addport tap "ew${n}%d" >/dev/null || die "addport tap $n"
done
nsx a ip addr add 192.168.78.1/24 dev ewa0
nsx b ip addr add 192.168.78.2/24 dev ewb0
nsx d ip addr add 192.168.78.4/24 dev ewd0
ctl b addport netdev vbc >/dev/null || die "addport netdev vbc"
ctl a addport client ws://10.9.0.2:8080/ >/dev/null || die "client a->b"
ctl d addport client ws://10.9.2.2:8080/ >/dev/null || die "client d->b"

# jport NS PORT FIELD: a listPort field of port PORT (JSON-RPC)
jport() {
	nsx "$1" $PY tests/rawio.py rpc 7867 \
	    '{"jsonrpc":"2.0","id":1,"method":"etherws.control.listPort"}' |
	    $PY -c 'import json,sys
for e in json.load(sys.stdin)["result"]["entries"]:
    if e["port"] == int(sys.argv[1]): print(e[sys.argv[2]])' "$2" "$3"
}

# 1. what is asked for: our client's request head, with and without
# --nooffload (tests/rawio.py serve records it and answers 401)
for n in a d; do
	bg $n $PY tests/rawio.py serve 9000 "$TMP/head-$n" 1
	wait_until 5 sh -c "ip netns exec $PFX-$n $ETHERWS ctl addport client \
	    ws://127.0.0.1:9000/ >/dev/null 2>&1; test -s $TMP/head-$n" ||
	    die "no request head from $n"
done
check "our client asks for offload" \
    grep -qx $'X-Etherws-Offload: vnet1\r' "$TMP/head-a"
check_not "with --nooffload it does not" \
    grep -qi 'X-Etherws-Offload' "$TMP/head-d"
check "ping a -> b" nsx a ping -c 3 -i 0.2 -W 2 -q 192.168.78.2
check "ping a -> d" nsx a ping -c 3 -i 0.2 -W 2 -q 192.168.78.4
check "ping a -> c" nsx a ping -c 3 -i 0.2 -W 2 -q 192.168.78.3

nsx b iperf3 -s -D -B 192.168.78.2 -p 5201 --pidfile "$TMP/ib.pid" ||
    die "iperf3 -s in b"
nsx d iperf3 -s -D -B 192.168.78.4 -p 5201 --pidfile "$TMP/id.pid" ||
    die "iperf3 -s in d"
nsx c iperf3 -s -D -B 192.168.78.3 -p 5201 --pidfile "$TMP/ic.pid" ||
    die "iperf3 -s in c"
for f in ib id ic; do
	wait_until 5 test -s "$TMP/$f.pid" && track_pid "$(cat "$TMP/$f.pid")"
done
sleep 0.3

# iperf NS DST [-R]: 20 MB of TCP from NS to DST (or back with -R)
BYTES=20000000
iperf() {
	local n=$1 dst=$2; shift 2
	timeout 30 ip netns exec "$PFX-$n" iperf3 -c "$dst" -p 5201 -n $BYTES \
	    -J "$@" >"$TMP/iperf.json" 2>&1 &&
	    $PY -c 'import json,sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["end"]["sum_received"]["bytes"] > 0 else 1)' "$TMP/iperf.json"
}

# listPort says which ports take super-frames
check_eq "offload on A: tap, client port to B" "True True" \
    "$(jport a 1 offload) $(jport a 2 offload)"
check_eq "offload on B: tap, netdev, server port of A; not D's" \
    "True True True False" \
    "$(jport b 1 offload) $(jport b 2 offload) $(jport b 3 offload) $(jport b 4 offload)"
check_eq "offload on D (--nooffload): tap, client port" "False False" \
    "$(jport d 1 offload) $(jport d 2 offload)"

# 2. A <-> B: super-frames through the tunnel
tx0=$(jport a 2 tx); rx0=$(jport a 2 rx)
check "TCP a -> b (20 MB)" iperf a 192.168.78.2
tx1=$(jport a 2 tx)
check "TCP b -> a (20 MB)" iperf a 192.168.78.2 -R
rx1=$(jport a 2 rx)
# 20 MB in 1448-byte segments are 13,800 frames; super-frames of even
# 8 KB are under 2,500.
le "a -> b crossed the tunnel in super-frames (messages)" \
    $((tx1 - tx0)) 2500
le "b -> a crossed the tunnel in super-frames (messages)" \
    $((rx1 - rx0)) 2500
check_eq "nothing A received on the tunnel was dropped" "0" \
    "$(jport a 2 rx_dropped)"

# 3. A -> D across B: D agreed on nothing, so B sends it ordinary frames
bg d $PY tests/offload.py capture ewd0 40 "$TMP/capd"; capd=$BGPID
wait_until 5 grep -q ready=1 "$TMP/capd" || die "capture on ewd0"
txd0=$(jport b 4 tx)
check "TCP a -> d (20 MB, D without offload)" iperf a 192.168.78.4
check "TCP d -> a (20 MB, D without offload)" iperf a 192.168.78.4 -R
touch "$TMP/capd.stop"; wait_exit 5 $capd
ge "B sent D ordinary frames (at least 20 MB / 1514)" \
    $(( $(jport b 4 tx) - txd0 )) $((BYTES / 1514))
le "longest frame D's switch wrote on ewd0" "$(kv "$TMP/capd" max)" 1514
# The capture is a sample (a packet socket drops under load: 5,000 of
# 13,800 seen on a busy machine); it needs enough frames for the size and
# checksum checks to mean something, not all of them.
ge "TCP frames seen on ewd0 (a capture may miss some)" \
    "$(kv "$TMP/capd" l4)" $((BYTES / 1514 / 8))
expect_kv "$TMP/capd" bad 0 "every TCP frame on ewd0 has right checksums"
check_eq "D's tunnel port dropped nothing" "0" "$(jport d 2 rx_dropped)"

# 4. A -> C: B's netdev port has PACKET_VNET_HDR, so it takes A's
# super-frames whole too, and what c's kernel sends through the veth
# (checksums left to the "device", GSO) comes with the header that
# says so: TCP works both ways only if both are handled.
bg b $PY tests/offload.py capture vbc 40 "$TMP/capc" --outgoing; capc=$BGPID
wait_until 5 grep -q ready=1 "$TMP/capc" || die "capture on vbc"
check "TCP a -> c (20 MB, netdev port on B)" iperf a 192.168.78.3
check "TCP c -> a (20 MB, netdev port on B)" iperf a 192.168.78.3 -R
touch "$TMP/capc.stop"; wait_exit 5 $capc
ge "B handed the netdev port super-frames (longest frame on vbc)" \
    "$(kv "$TMP/capc" max)" 4000
check_eq "B's netdev port dropped nothing" "0 0" \
    "$(jport b 2 rx_dropped) $(jport b 2 tx_dropped)"

# 6 (before 5, A's port numbers). A server that sends a message in the
# same segment as its 101: A's client must read the offload header before
# the bytes after it move (else the two ends disagree on the framing).
# The new port probes for loops first, so that message is parsed,
# counted and dropped; once the port forwards (addport has answered) the
# server sends it again, and that one must reach the tap whole.
bg a $PY tests/offload.py capture ewa0 20 "$TMP/capm"; capm=$BGPID
wait_until 5 grep -q ready=1 "$TMP/capm" || die "capture on ewa0"
bg a $PY tests/offload.py server 9001 "$TMP/srv"
wait_until 5 grep -q listening=1 "$TMP/srv" || die "offload.py server"
out=$(ctl a addport client ws://127.0.0.1:9001/) ||
    not_ok "client to a server that speaks at once"
check "the client port forwards when addport answers" \
    grep -qE '^  3 +client +up ' <<<"$out"
wait_until 5 grep -q sent=1 "$TMP/srv"
touch "$TMP/srv.go"
wait_until 5 grep -q sent=2 "$TMP/srv"; sleep 0.5
touch "$TMP/capm.stop"; wait_exit 5 $capm
check_eq "offload agreed; both messages counted, the first dropped while probing" \
    "True 2 1" "$(jport a 3 offload) $(jport a 3 rx) $(jport a 3 rx_dropped)"
expect_kv "$TMP/capm" marked 1 \
    "the message after it, same framing, reaches the tap whole"
touch "$TMP/srv.stop"
ctl a delport 3 >/dev/null

# 5. hostile offload peer, and a plain one that must get whole frames
bg h $PY tests/offload.py hostile 127.0.0.1 8080 "$TMP/hostile"
wait_until 15 grep -q '^done=' "$TMP/hostile" || die "hostile peer"
expect_kv "$TMP/hostile" offered 1 "the server agrees to offload when asked"
expect_kv "$TMP/hostile" fwd up/up "both peers' ports forward (probed) before they send"
sent=$(kv "$TMP/hostile" sent); nbad=$(kv "$TMP/hostile" nbad)
check_eq "H counted every message of the hostile peer" "$sent" \
    "$(jport h 2 rx)"
check_eq "H dropped and counted the bad ones" "$nbad" "$(jport h 2 rx_dropped)"
check "H still answers" ctl h listport
expect_kv "$TMP/hostile" frames 7 \
    "the plain peer gets the broadcast, 5 segments and the UDP frame"
expect_kv "$TMP/hostile" l4 6 "6 TCP/UDP frames at the plain peer"
expect_kv "$TMP/hostile" bad 0 "their checksums are right"
expect_kv "$TMP/hostile" max 1054 "segments of 1000 payload bytes"
check_eq "H's port to the plain peer sent 7 frames" 7 "$(jport h 1 tx)"
touch "$TMP/hostile.stop"
done_testing
