#!/bin/bash
# The control endpoint's owner check cannot be raced (issue 22, third
# round).  With the control endpoint on every address (--ctlhost '') and
# no --ctlhtpasswd, a local unprivileged user (uid nobody) sends addPort
# to a non-loopback address of the host and resets the connection
# (SO_LINGER {1, 0}: RST) at once or within 100 us, 20,000 times.  The
# peer's socket is gone before the switch looks for its owner; "not
# found" used to count as a remote peer, served: the audit saw 104 tap
# ports in 20,000 tries.  Now the owner is asked at accept, and a peer
# whose address is this host's but whose socket is gone is refused:
# no port, and the refusals are in the log.  IPv6 too, fewer tries.
# EW_RACE_TRIES overrides the count (for a quick look).
# run: alone (tests/run -j: resets within 100 us, 20,000 times)
. "$(dirname "$0")/lib.sh"
need python3 setpriv tc

TRIES=${EW_RACE_TRIES:-20000}
ns a; ns b
link a b 10.88.0.1 10.88.0.2
nsx a ip -6 addr add fd88::1/64 dev "v$$ab" nodad || die "IPv6 address"
sw a --ctlhost ''
nports() { ctl a listport | tail -n +2 | grep -c .; }

cat >"$TMP/race.py" <<'PY'
import json, random, socket, struct, sys, time
host, tries, pace = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
body = json.dumps({"jsonrpc": "2.0", "id": 1,
                   "method": "etherws.control.addPort",
                   "params": {"type": "tap", "target": "ewr%d"}}).encode()
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
hh = ("[%s]" if fam == socket.AF_INET6 else "%s") % host
req = (b"POST /ctl HTTP/1.1\r\nHost: %s:7867\r\nContent-Length: %d"
       b"\r\n\r\n" % (hh.encode(), len(body))) + body
rst = struct.pack("ii", 1, 0)
rnd = random.Random(22)
sent = 0
end = time.monotonic() + 240
for i in range(tries):
    if time.monotonic() > end:
        break
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, rst)
    try:
        s.connect((host, 7867))
        s.send(req)
        sent += 1
    except OSError:
        s.close()
        time.sleep(0.01)	# the accept queue is full: let it drain
        continue
    d = rnd.random() * 100e-6
    if d > 50e-6:		# half at once, half within 100 us
        t = time.perf_counter() + d - 50e-6
        while time.perf_counter() < t:
            pass
    s.close()
    time.sleep(pace)
print(sent)
PY
as_nobody() {
	ip netns exec "$PFX-a" setpriv --reuid=65534 --regid=65534 \
	    --clear-groups "$@"
}

race() {	# ADDR TRIES PACE_S: the loop as nobody; prints what it sent
	as_nobody "$PY" - "$@" <"$TMP/race.py"
}

# ---- the window held open: RSTs wait in lo's queue ---------------------
tcq() { nsx a tc "$@" 2>&1 | grep -v 'quantum of class'; }
tcq qdisc add dev lo root handle 1: htb default 1 r2q 1000
tcq class add dev lo parent 1: classid 1:1 htb rate 10gbit
tcq class add dev lo parent 1: classid 1:2 htb rate 8bit ceil 8bit burst 1 cburst 1
tcq filter add dev lo parent 1: protocol ip prio 1 u32 match ip protocol 6 0xff \
    match u8 0x04 0x04 at 33 flowid 1:2	# IPv4 TCP, flags & RST
tcq filter add dev lo parent 1: protocol ipv6 prio 2 u32 match ip6 protocol 6 0xff \
    match u8 0x04 0x04 at 53 flowid 1:2
# the class's first packet goes at once (its bucket starts full): one
# reset of a connection of no interest spends it
nsx a "$PY" -c 'import socket, struct
s = socket.create_connection(("127.0.0.1", 7867))
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()'
sent=$(race 10.88.0.1 300 0.003)
echo "# $sent requests to 10.88.0.1 reset, the RSTs held"
ge "the held tries were sent (IPv4)" "${sent:-0}" 290
sent=$(race fd88::1 100 0.003)
echo "# $sent requests to fd88::1 reset, the RSTs held"
ge "the held tries were sent (IPv6)" "${sent:-0}" 95
check "RSTs were held" eval "nsx a tc -s class show dev lo | grep -A2 'htb 1:2' | grep -q 'backlog [1-9]'"
sleep 1
check_eq "uid nobody, addPort then RST held (the peer's socket gone): no port" \
    0 "$(nports)"
nsx a tc qdisc del dev lo root

# ---- the audit's timing -------------------------------------------------
sent=$(race 10.88.0.1 "$TRIES" 0)
echo "# $sent requests sent to 10.88.0.1 and reset"
ge "most of the $TRIES tries were sent" "${sent:-0}" $(( TRIES * 9 / 10 ))
sleep 1
check_eq "uid nobody, addPort then RST on 10.88.0.1: no port" 0 "$(nports)"
sent=$(race fd88::1 $(( TRIES / 2 )) 0)
echo "# $sent requests sent to fd88::1 and reset"
ge "most of the IPv6 tries were sent" "${sent:-0}" $(( TRIES / 2 * 9 / 10 ))
sleep 1
check_eq "uid nobody, addPort then RST on fd88::1: no port" 0 "$(nports)"
check "the refusals are logged" grep -q "control refused: " "$TMP/sw-a.log"
check "root is still served on 10.88.0.1" eval \
    'ctl a --ctlurl http://10.88.0.1:7867/ctl listport >/dev/null'
check "a remote peer (namespace b) is still served" eval \
    'ctl b --ctlurl http://10.88.0.1:7867/ctl listport >/dev/null'
check "the switch is alive" kill -0 "$SWPID_a"
done_testing
