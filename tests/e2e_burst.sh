#!/bin/bash
# A burst of large frames crosses a tunnel whose --queue is smaller than
# what one loop round reads from a tap (RX_BUDGET frames).  The switch is
# stopped while BURST frames of SIZE bytes wait on its tap, then
# continued: it reads them 64 to a round, and the tunnel's queue leaves
# mid-round whenever TX_PUSH_BYTES (64 KiB, here also a quarter of
# --queue) more wait, so on an idle LAN path nothing is tail-dropped and
# every frame arrives.  Before, a round queued all its reads and sent
# them at its end: 64 x 8 KB into a 256 KiB queue, half of each round
# dropped (the same happened to a TCP stream's 64 KB super-frames at the
# default --queue: tail drops, retransmissions, a tunnel at a fraction
# of what it carries).  The burst fits in the tunnel TCP's window (set
# wide below), so the switch's queue decides.  Then the error a push
# meets must be the one the port reports (a peer's reset, which the
# socket tells once).  Functional, no timing: counters, frame counts,
# an error text.
# run: alone (tests/run -j: under four other tests the tunnel's round
# trip read 13 ms, a long path to pace.c, whose bound then holds the
# burst in the queue: two runs in five lost frames)
. "$(dirname "$0")/lib.sh"
need python3

BURST=150		# 1.2 MB: within the window below, whatever B does
SIZE=8000
QUEUE=262144

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
d=$(( ${drops:-0} - ${drops0:-0} ))
check_eq "no frame of the burst tail-dropped on the tunnel (tx_dropped)" 0 "$d"
[ "$d" = 0 ] ||	# what the tunnel and its TCP looked like, for the log
    { ctl a showport 2; nsx a ss -tni state established; } | sed 's/^/# /'

check_eq "every frame of the burst reached B's tap" $BURST "$got"

# The error a push meets is the one reported.  Switch c (--queue 64 KiB:
# a push at 16 KiB) has a client port to a bare WebSocket server in b
# (tests/rstpeer.py) that resets its end while c is stopped, after a 40
# KB frame came to c's tap: c's round takes the tap first, the push's
# send meets the reset (the kernel says ECONNRESET once; a later send
# only EPIPE), and the port's last error must name the reset, not a
# broken pipe.
ns c
link c b 10.9.8.1 10.9.8.2
nsx c sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
    net.ipv6.conf.default.disable_ipv6=1
sw c --host 10.9.8.1 --port 8080 --queue 65536 --stormlimit 0
ctl c addport tap 'ewb%d' >/dev/null || die "addport tap in c"
nsx c ip link set ewb0 mtu 40000 up || die "ip link set ewb0 in c"
bg b $PY tests/rstpeer.py 10.9.8.2 9090 "$TMP/rst.go" >"$TMP/rst.out" 2>&1
wait_until 5 grep -q listening "$TMP/rst.out" || die "rstpeer.py did not start"
port=$(ctl c addport client ws://10.9.8.2:9090/ | awk 'NR == 2 { print $1 }')
[ -n "$port" ] || die "addport client to rstpeer.py"
state() { ctl c showport "$port" | awk '$1 == "state" { print $2 }'; }
up() { [ "$(state)" = up ]; }
wait_until 10 up || die "client port to rstpeer.py not up ($(state))"
kill -STOP "$SWPID_c"
inject c 1 40000 ff:ff:ff:ff:ff:ff $maca ||
    { kill -CONT "$SWPID_c"; die "inject in c"; }
sleep 0.2
touch "$TMP/rst.go"
wait_until 5 grep -q reset "$TMP/rst.out" ||
    { kill -CONT "$SWPID_c"; die "rstpeer.py did not reset"; }
sleep 0.2
kill -CONT "$SWPID_c"
failed() { ctl c showport "$port" | grep -q '^ *last_error '; }
wait_until 5 failed
err=$(ctl c showport "$port" | sed -n 's/^ *last_error  *//p')
case $err in
*[Rr]eset*) ok "the push's error is the port's: $err" ;;
*) not_ok "the push's error is the port's: a reset, not \"${err:-nothing}\"" ;;
esac
done_testing
