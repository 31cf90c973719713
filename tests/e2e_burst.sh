#!/bin/bash
# A burst of large frames crosses a tunnel whose --queue is smaller than
# what one loop round reads from a tap (RX_BUDGET frames).  The switch is
# stopped while BURST frames of SIZE bytes wait on its tap, then
# continued: it reads them 64 to a round, and the tunnel's queue leaves
# mid-round whenever TX_PUSH_BYTES (here a quarter of --queue) wait, so
# on an idle LAN path nothing is tail-dropped and every frame arrives.
# Before, a round queued all its reads and sent them at its end: 64 x 8
# KB into a 128 KiB queue, three quarters of each round dropped (the
# same happened to a TCP stream's 64 KB super-frames at the default
# --queue: tail drops, retransmissions, a tunnel at a fraction of what
# it carries).  The burst fits in the tunnel TCP's window (set wide
# below), so the switch's queue alone decides.  Functional, no timing:
# counters and frame counts.
. "$(dirname "$0")/lib.sh"
need python3

BURST=150		# 1.2 MB: within the window below, whatever B does
SIZE=8000
QUEUE=131072

ns a; ns b
link a b 10.9.7.1 10.9.7.2
for n in a b; do	# a quiet tap: no IPv6 chatter
	nsx $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	    net.ipv6.conf.default.disable_ipv6=1
done
# The tunnel's TCP with the window of a stream in full flow, open past
# the burst from the start (and kept over the stop): what waits is then
# the switch's own doing.  Cold, the window alone would hold it back.
nsx a sysctl -qw net.ipv4.tcp_slow_start_after_idle=0
nsx b sysctl -qw net.ipv4.tcp_rmem="4096 8388608 16777216"
ip -n $PFX-a route replace 10.9.7.0/24 dev v$$ab src 10.9.7.1 \
    initcwnd 1000 || die "route in a"
ip -n $PFX-b route replace 10.9.7.0/24 dev v$$ba src 10.9.7.2 \
    initrwnd 1000 || die "route in b"
sw a --host 10.9.7.1 --port 8080 --queue $QUEUE --stormlimit 0
sw b --host 10.9.7.2 --port 8080 --stormlimit 0
for n in a b; do
	ctl $n addport tap 'ewb%d' >/dev/null || die "addport tap in $n"
	nsx $n ip link set ewb0 mtu 9000 txqueuelen 5000 up ||
	    die "ip link set ewb0 in $n"
done
ctl b addport client ws://10.9.7.1:8080/ >/dev/null || die "addport client"
tunnel_up() { ctl a listport | awk '$2 == "server" && $3 == "up"' | grep -q .; }
wait_until 10 tunnel_up || die "tunnel did not come up"

# inject NS COUNT SIZE DST SRC: COUNT frames on ewb0 in NS (packet socket)
inject() {
	nsx "$1" $PY - "$2" "$3" "$4" "$5" <<'EOF'
import socket, sys
n, size = int(sys.argv[1]), int(sys.argv[2])
dst, src = (bytes.fromhex(m.replace(":", "")) for m in sys.argv[3:5])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
s.bind(("ewb0", 0))
for i in range(n):
    body = i.to_bytes(4, "big") * ((size - 14) // 4)
    s.send(dst + src + b"\x88\xb6" + body[:size - 14])
EOF
}
rx_b() { nsx b cat /sys/class/net/ewb0/statistics/rx_packets; }
macb=$(nsx b cat /sys/class/net/ewb0/address)
maca=02:00:00:00:07:01

# A learns B's tap address on the tunnel port: the burst is unicast
inject b 1 60 ff:ff:ff:ff:ff:ff "$macb" || die "inject in b"
learned() { ctl a listfdb | grep -qi "$macb"; }
wait_until 5 learned || die "A did not learn B's address"

rx0=$(rx_b)
drops0=$(ctl a showport 2 | awk '$1 == "tx_dropped" { print $2 }')
kill -STOP "$SWPID_a"
inject a $BURST $SIZE "$macb" $maca || { kill -CONT "$SWPID_a"; die "inject in a"; }
kill -CONT "$SWPID_a"
all_in() { [ "$(rx_b)" -ge $((rx0 + BURST)) ]; }
wait_until 10 all_in
got=$(( $(rx_b) - rx0 ))
drops=$(ctl a showport 2 | awk '$1 == "tx_dropped" { print $2 }')
check_eq "no frame of the burst tail-dropped on the tunnel (tx_dropped)" \
    0 "$(( ${drops:-0} - ${drops0:-0} ))"
check_eq "every frame of the burst reached B's tap" $BURST "$got"
done_testing
