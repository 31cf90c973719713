#!/bin/bash
# Probes nobody can forge: a raw WebSocket peer (tests/probepeer.py) on
# switch s reflects, forges (port field) and replays s's probes, sends
# another switch's topology-change probes five times a second and then
# 3000 probe-shaped frames; a second one does the same claiming in its
# handshake to be one of our switches.  Meanwhile h1 (a tap of s) pings
# h2 (another tap of s) every 1.5 s, and a tap newer than the peers'
# ports comes up.  Shown:
#  - no honest port is blocked (s's taps, the tunnel to switch b);
#  - no unicast between h1 and h2 reaches either peer (no flush: the one
#    not ours is not obeyed, and a flush never touches an edge port);
#  - 500 hosts behind b (learned on s's port from b, no edge) stay in s's
#    FDB: a topology change is made only for a neighbour that proved it
#    is ours (its hello echoed one of s's rounds), and X-Etherws-Id alone
#    proves nothing: the second peer's arrival and its TCs flush nothing
#    (before, either flushed them all);
#  - --stormlimit 10 holds for probe-shaped frames (h1's tap gets at most
#    a few tens of the 3000);
#  - pings still work.
. "$(dirname "$0")/lib.sh"
need python3

ns s; ns h; ns b
link s b 10.97.0.1 10.97.0.2
for n in s h b; do nsx $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
    net.ipv6.conf.default.disable_ipv6=1; done
MAC1=02:00:00:00:65:01
MAC2=02:00:00:00:65:02
FLOOD_ID=f100df100df100d0
sw s --host 0.0.0.0 --port 8080 --stormlimit 10
ctl s addport tap 'pa%d' >/dev/null || die "tap pa0"
ctl s addport tap 'pa%d' >/dev/null || die "tap pa1"
nsx s ip link set pa0 address $MAC1
nsx s ip addr add 192.168.65.1/24 dev pa0
nsx s ip link set pa1 netns "$PFX-h"
nsx h ip link set pa1 address $MAC2
nsx h ip link set pa1 up
nsx h ip addr add 192.168.65.2/24 dev pa1
sw b
ctl b addport tap 'pb%d' >/dev/null || die "tap pb0"
nsx b ip addr add 192.168.65.3/24 dev pb0
ctl b addport client ws://10.97.0.1:8080/ >/dev/null || die "b -> s"
check "h1 -> h2 works" wait_until 5 nsx s ping -c 1 -W 1 192.168.65.2
check "h1 -> b's host works" wait_until 5 nsx s ping -c 1 -W 1 192.168.65.3

loops() { { ctl s listport; ctl b listport; } | grep -c ' loop '; }
# 500 hosts behind b speak once each: s learns them on its port from b
learn_b() {
	nsx b $PY -c 'import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("pb0", 0))
for i in range(500):
    s.send(b"\xff" * 6 + bytes([2, 0, 0, 0x66, i >> 8, i & 255]) +
           b"\x08\x06" + b"\x00" * 46)'
}
# s's entries of those hosts
behind_b() { ctl s listfdb | grep -ci ' 02:00:00:66:'; }
# the attacking peer's port on s forwards
peer_up() { ctl s listport | grep -q ' server  *up .* 127\.0\.0\.1:'; }
# attack NAME [--claim ID]: one peer for 9 s while h1 pings h2 every
# 1.5 s; then its flood, counted on h1's tap
attack() {
	local m=$1 pid; shift
	learn_b
	check "$m: s learned the 500 hosts behind b" wait_until 5 eval \
	    '[ "$(behind_b)" -eq 500 ]'
	sleep 1.2	# none heard since: a flush would take them
	bg s $PY tests/bcast.py probes pa0 13 "$TMP/flood-$m" $FLOOD_ID
	bg s ping -i 1.5 -c 7 -W 1 192.168.65.2
	PING=$BGPID
	bg s $PY tests/probepeer.py 127.0.0.1 8080 "$TMP/$m" 9 $MAC1 $MAC2 "$@"
	pid=$BGPID
	sleep 0.5
	# a port newer than the peer's: the old code blocked it for it
	ctl s addport tap 'pa%d' >/dev/null || die "a new tap"
	check "$m: its port forwards (probed)" wait_until 5 peer_up
	# It says it is ours (or not): an original etherws with switches
	# behind may flush once as it comes, one of ours once it proved so.
	[ $# -gt 0 ] && check_eq "$m: its arrival flushed none of the 500 hosts behind b" \
	    500 "$(behind_b)"
	learn_b		# from here on only its TCs could flush them
	wait_exit 20 $pid; wait_exit 15 $PING
	expect_kv "$TMP/$m" done 1 "$m: ran to the end"
	ge "$m: saw s's probes and sent them back, forged and replayed" \
	    "$(kv "$TMP/$m" probes)" 3
	ge "$m: sent topology-change probes" "$(kv "$TMP/$m" tcs)" 30
	expect_kv "$TMP/$m" unicast 0 "$m: no unicast between h1 and h2 reached it"
	check_eq "$m: its TCs flushed none of the 500 hosts behind b" 500 \
	    "$(behind_b)"
	expect_kv "$TMP/$m" flood 3000 "$m: sent 3000 probe-shaped frames"
	check_eq "$m: no port blocked on s or b" 0 "$(loops)"
	sleep 1.5
	le "$m: --stormlimit 10: h1's tap got a few tens of the 3000 probe-shaped frames" \
	    "$(kv "$TMP/flood-$m" probes)" 40
	check "$m: h1 -> h2 still works" nsx s ping -c 2 -i 0.3 -W 1 -q 192.168.65.2
	check "$m: h1 -> b's host still works" nsx s ping -c 2 -i 0.3 -W 1 -q 192.168.65.3
}
attack m1
attack m2 --claim 0123456789abcdef
[ "$T_FAIL" -ne 0 ] && { ctl s listport; tail -n 20 "$TMP/sw-s.log"; }
done_testing
