#!/bin/bash
# Loop and storm protection: a triangle of switches heals (one port is
# blocked, ping works, counters stop growing once traffic stops); two
# client ports from one switch to the same server; ports coming up probe
# out of themselves only; a broadcast flood is cut to the storm limit
# without hurting other ports.
# run: first (tests/run -j: a long one, several rings, each settling)
. "$(dirname "$0")/lib.sh"
need python3

ring3 81 82 83 lp 192.168.60

# all ports, every switch: the sum of rx+tx counters
counters() {
	local n; for n in a b c; do ctl $n listport; done |
	    awk 'NR > 0 && $1 ~ /^[0-9]+$/ { s += $4 + $5 } END { print s + 0 }'
}

ctl b addport client ws://10.81.0.1:8080/ >/dev/null || die "b -> a"
ctl c addport client ws://10.82.0.1:8080/ >/dev/null || die "c -> b"
ctl a addport client ws://10.83.0.1:8080/ >/dev/null || die "a -> c (closes the loop)"
nsx a ping -c 1 -W 1 192.168.60.3 >/dev/null 2>&1	# make some broadcast
check "within 10 s one port of the triangle is blocked" wait_until 10 \
    sh -c "[ \$(for n in a b c; do ip netns exec $PFX-\$n $ETHERWS ctl listport; done | grep -c ' loop ') -ge 1 ]"
sleep 3
check_eq "exactly one port is blocked" 1 "$(ring_loops)"
check "ping a -> c works across the triangle within 10 s" wait_until 10 \
    nsx a ping -c 1 -W 1 192.168.60.3
check "ping a -> c across the triangle" nsx a ping -c 3 -i 0.2 -W 2 -q 192.168.60.3
check "ping b -> c across the triangle" nsx b ping -c 3 -i 0.2 -W 2 -q 192.168.60.3
check "ping a -> b across the triangle" nsx a ping -c 3 -i 0.2 -W 2 -q 192.168.60.2
sleep 1
c1=$(counters); sleep 3; c2=$(counters)
# probes (one per port per 2 s, each flooded on by the others) are the
# only traffic left: tens of frames, where a storm makes thousands
check "frame counters stop growing when traffic stops ($c1 -> $c2)" \
    [ $((c2 - c1)) -lt 200 ]
check "the block is logged" grep -q "loop detected" "$TMP"/sw-*.log

# Two client ports from one switch to the same server: one is blocked.
ns d; ns e
link d e 10.84.0.1 10.84.0.2
sw d --host 10.84.0.1 --port 8080
sw e
ctl e addport tap 'lpe%d' >/dev/null
ctl e addport client ws://10.84.0.1:8080/ >/dev/null || die "e -> d 1"
out=$(ctl e addport client ws://10.84.0.1:8080/) || die "e -> d 2"
# answered once the new port has probed: up, or loop if it is the one cut
second=$(sed -n 2p <<<"$out" | awk '{ print $3 }')
# Both switches see the loop; whichever acts first blocks its newer port.
de_loops() { { ctl d listport; ctl e listport; } | grep -c ' loop '; }
check "two client ports to one server: one is blocked" wait_until 10 \
    sh -c "{ ip netns exec $PFX-d $ETHERWS ctl listport;
    ip netns exec $PFX-e $ETHERWS ctl listport; } | grep -q ' loop '"
sleep 2
check_eq "exactly one of the four tunnel ends is blocked" 1 "$(de_loops)"
check "addport of the second link printed up or loop ($second)" \
    grep -qxE 'up|loop' <<<"$second"
check_eq "as listport says now" "$second" "$(port_field e 3 3)"
if [ "$(port_field e 3 3)" = loop ] || [ "$(port_field e 2 3)" = loop ]; then
	check_eq "on e, the newer client port (3) is the blocked one" loop \
	    "$(port_field e 3 3)"
else
	check_eq "on d, the newer server port (2) is the blocked one" loop \
	    "$(port_field d 2 3)"
fi
t1=$(port_field d 1 4); sleep 3; t2=$(port_field d 1 4)
check "no storm on the server's ports ($t1 -> $t2 frames in 3 s)" [ $((t2 - t1)) -lt 40 ]

# A bundle of 8 parallel links: every link but one is cut, quickly.
for k in 1 2 3 4 5 6; do
	ctl e addport client ws://10.84.0.1:8080/ >/dev/null || die "e -> d bundle $k"
done
check "8 parallel links: 7 are blocked within 15 s" wait_until 15 \
    sh -c "[ \$({ ip netns exec $PFX-d $ETHERWS ctl listport;
    ip netns exec $PFX-e $ETHERWS ctl listport; } | grep -c ' loop ') -eq 7 ]"
sleep 2
check_eq "and stay at exactly 7" 7 "$(de_loops)"
t1=$(ctl d listport | awk '$1 ~ /^[0-9]+$/ { s += $5 } END { print s }')
sleep 3
t2=$(ctl d listport | awk '$1 ~ /^[0-9]+$/ { s += $5 } END { print s }')
check "no storm across the bundle ($t1 -> $t2 frames in 3 s)" [ $((t2 - t1)) -lt 40 ]

# A client port that leads back to its own switch is refused.
out=$(ctl d addport client ws://10.84.0.1:8080/ 2>&1)
check "a client port to the switch itself fails" [ $? -eq 1 ]
check "with a clear error" grep -q "leads back to this switch" <<<"$out"
check_eq "and creates no client port" "" "$(ctl d listport | grep client)"

# Ports coming up one by one probe out of themselves, not out of every
# port each time: a WebSocket peer sees its switch's periodic rounds (one
# a second), its own port's first probes (3) and maybe a round that says
# other ports' tunnels changed the topology, while 40 more peers connect
# 0.1 s apart; a round for each would be 40 more.
ns p
sw p --host 127.0.0.1 --port 8080
read -r np nx <<<"$(nsx p $PY tests/rawio.py probes 127.0.0.1 8080 6 40)"
check_eq "the 40 more peers connected" 40 "${nx:-0}"
check "40 ports up: only the periodic probes reach a peer ($np in 6 s)" \
    [ "${np:-99}" -le 14 ]
check "and those do (the counter works)" [ "${np:-0}" -ge 2 ]

# Storm control: a broadcast flood on one tap is cut to the limit.
ns f
sw f --stormlimit 500
for t in 0 1 2; do ctl f addport tap "lpf%d" >/dev/null; done
nsx f ip addr add 192.168.61.1/24 dev lpf1
nsx f ip link add lpfv type veth peer name lpfw
nsx f ip link set lpfv up; nsx f ip link set lpfw up
# lpf2 carries a host in its own namespace for the ping
ns g
nsx f ip link set lpf2 netns "$PFX-g"
nsx g ip link set lpf2 up
nsx g ip addr add 192.168.61.2/24 dev lpf2
cat >"$TMP/flood.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
f = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x99" + b"\x08\x06" + b"\x00" * 46
end = time.time() + 3
n = 0
while time.time() < end:
	try:
		s.send(f); n += 1
	except OSError:
		time.sleep(0.001)
print(n)
PY
sent=$(nsx f $PY "$TMP/flood.py" lpf0 & nsx g ping -c 10 -i 0.2 -W 2 -q 192.168.61.1 >"$TMP/ping.out" 2>&1; wait)
check "ping between two other ports unaffected by the flood" grep -q " 0% packet loss" "$TMP/ping.out"
sd=$(ctl f --ctlurl http://127.0.0.1:7867/ctl listport >/dev/null; $PY - <<PY
import http.client, json
c = http.client.HTTPConnection("127.0.0.1", 7867, timeout=5)
PY
)
body='{"jsonrpc": "2.0", "method": "etherws.control.listPort", "id": 1}'
stats=$(nsx f $PY -c '
import http.client, json, sys
c = http.client.HTTPConnection("127.0.0.1", 7867, timeout=5)
c.request("POST", "/ctl", sys.argv[1], {"Content-Type": "application/json"})
for e in json.loads(c.getresponse().read())["result"]["entries"]:
    if e["port"] == 1: print(e["rx"], e["storm_dropped"], e["rx_dropped"])
' "$body")
read -r rx sdrop rdrop <<<"$stats"
check "the flood was seen (rx=$rx, sent=$sent)" [ "${rx:-0}" -gt 3000 ]
check "the excess was dropped and counted (storm_dropped=$sdrop)" [ "${sdrop:-0}" -gt 1000 ]
check "storm drops are in rx_dropped too" [ "${rdrop:-0}" -ge "${sdrop:-1}" ]
# flooded: what was neither storm-dropped nor dropped otherwise (frames
# that came while the new port was still probing)
fwd=$(( ${rx:-0} - ${rdrop:-0} ))
check "at most ~limit x 3 s + burst were flooded ($fwd)" [ "$fwd" -le 2100 ]
done_testing
