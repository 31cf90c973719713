#!/bin/bash
# Latency under load on a slow, long link: two switches joined by a ws://
# tunnel over an emulated WAN (tests/linkemu: 10 Mbit/s, 100 ms each way,
# a bottleneck queue of about 125 ms), a tap on each.  A bulk TCP upload
# (iperf3) through the tunnel while pinging through it every 0.1 s: the
# pings' 95th percentile stays within 200 ms of the idle round trip
# (CoDel on the tunnel's queue, TCP_NOTSENT_LOWAT on its socket), and the
# upload gets at least 80 % of what TCP gets straight over the same link
# (measured here, with the same emulator).  With a queue bounded in bytes
# only, the pings wait for the whole --queue (seconds at this rate).
# run: alone (tests/run -j: round trips under a bulk upload, at p95)
. "$(dirname "$0")/lib.sh"
need iperf3 python3
[ -x tests/linkemu ] || die "tests/linkemu missing: make units"

RATE=10000			# kbit/s
DELAY=100			# ms, each way
# held by the emulator per direction: the delay line (125,000 bytes at
# 10 Mbit/s and 100 ms) and a bottleneck queue of 125 ms
LIMIT=$((125000 + 156000))
SECS=15

ns w; ns a; ns b
# the WAN: linkemu's two taps, made in w, moved to a and b (it keeps
# its fds)
bg w "$(pwd)/tests/linkemu" --delay $DELAY --rate $RATE --limit $LIMIT \
    --seed 1 wana wanb >"$TMP/linkemu.log" 2>&1
wait_until 5 grep -q ready "$TMP/linkemu.log" || die "linkemu not ready"
ip -n "$PFX-w" link set wana netns "$PFX-a" || die "move wan tap a"
ip -n "$PFX-w" link set wanb netns "$PFX-b" || die "move wan tap b"
for n in a b; do
	nsx $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	    net.ipv6.conf.default.disable_ipv6=1
done
nsx a ip addr add 10.9.0.1/24 dev wana; nsx a ip link set wana up
nsx b ip addr add 10.9.0.2/24 dev wanb; nsx b ip link set wanb up

sw a --host 10.9.0.1 --port 8080
sw b
ctl a addport tap 'ewa%d' >/dev/null || die "addport tap a"
ctl b addport tap 'ewb%d' >/dev/null || die "addport tap b"
nsx a ip addr add 192.168.77.1/24 dev ewa0
nsx b ip addr add 192.168.77.2/24 dev ewb0
ctl b addport client ws://10.9.0.1:8080/ >/dev/null ||
    die "addport client"
a_fwd() { [ "$(port_field a 2 3)" = up ]; }
wait_until 5 a_fwd || die "a's server port does not forward"
check "ping through the tunnel" \
    nsx a ping -c 3 -i 0.2 -W 2 -q 192.168.77.2

nsx b iperf3 -s -D -p 5201 --pidfile "$TMP/ib.pid" || die "iperf3 -s in b"
wait_until 5 test -s "$TMP/ib.pid" && track_pid "$(cat "$TMP/ib.pid")"
sleep 0.3

# ping_stats FILE: "median p95 count" of ping's times, ms (integers)
ping_stats() {
	$PY -c 'import re,sys
t = sorted(float(x) for x in re.findall(r"time=([0-9.]+)", open(sys.argv[1]).read()))
if not t: print("0 0 0"); sys.exit()
print(int(t[len(t) // 2]), int(t[min(len(t) - 1, (len(t) * 95) // 100)]), len(t))' "$1"
}
# iperf_up DST: bits/s received of a SECS s upload from a to DST
iperf_up() {
	timeout $((SECS + 15)) ip netns exec "$PFX-a" iperf3 -c "$1" -p 5201 \
	    -t $SECS -J >"$TMP/iperf-$1.json" 2>&1
	$PY -c 'import json,sys
print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]))' \
	    "$TMP/iperf-$1.json" 2>/dev/null || echo 0
}

nsx a ping -c 20 -i 0.1 -W 2 192.168.77.2 >"$TMP/idle.txt"
read -r idle _ nidle <<<"$(ping_stats "$TMP/idle.txt")"
check "idle pings answered ($nidle of 20)" [ "$nidle" -ge 15 ]
ge "idle round trip through the tunnel is the link's, ms" "$idle" $((2 * DELAY))

direct=$(iperf_up 10.9.0.2)
ge "TCP straight over the link, bits/s" "$direct" 1000000

# the upload through the tunnel, pinged through it meanwhile
bg a ping -i 0.1 -W 3 -w $((SECS + 1)) 192.168.77.2 >"$TMP/load.txt"
pinger=$BGPID
tunnel=$(iperf_up 192.168.77.2)
wait_exit 10 $pinger || true
read -r _ p95 nload <<<"$(ping_stats "$TMP/load.txt")"
echo "# idle ${idle} ms; under load: p95 ${p95} ms of $nload pings;" \
    "TCP direct $direct, through the tunnel $tunnel bits/s"
ctl a showport 2 | grep -E 'queue|codel|tx' | sed 's/^/# /'
ge "pings under load answered" "$nload" 40
le "ping p95 under a bulk upload within 200 ms of idle, ms" \
    "$p95" $((idle + 200))
ge "the upload through the tunnel gets >= 80 % of direct TCP, bits/s" \
    "$tunnel" $((direct * 8 / 10))
done_testing
