#!/bin/bash
# tests/linkemu, the tests' WAN link, does what its options say: ping
# across it takes --delay twice, --jitter spreads the RTTs within their
# bounds, --loss-ab 50 loses about half the replies, --rate 10000 holds
# TCP under 10 Mbit/s, --reorder-ab lets datagrams overtake from A to B
# while B to A keeps their order under the same jitter; SIGUSR1 and
# SIGTERM print its counters.  The taps work after moving to namespaces.
# EW_LINKEMU_BARE=1 starts every link without its options: then the
# checks of what the options do fail.
# run: alone (tests/run -j: delay, jitter, rate measured)
. "$(dirname "$0")/lib.sh"
need ping iperf3 python3
[ -x "$LINKEMU" ] || die "$LINKEMU missing: make units"

# w A B ADDR_A ADDR_B OPTIONS...: wan, or without options when bare
w() {
	if [ -n "${EW_LINKEMU_BARE:-}" ]; then wan "$1" "$2" "$3" "$4"
	else wan "$@"; fi
}
# rtts NS ADDR COUNT INTERVAL: one RTT per line, whole milliseconds
rtts() {
	nsx "$1" ping -n -c "$3" -i "$4" -W 2 "$2" |
	    sed -n 's/.* time=\([0-9]*\).*/\1/p'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# arp NS ADDR: bounded warm-up until one ping answers (neighbours
# resolved, so no first RTT carries an ARP exchange)
arp() { wait_until 5 nsx "$1" ping -n -c 1 -W 1 "$2"; }

for n in a b c d e f g h i j k l; do ns $n; done

# --delay 100 each way: RTT about 200 ms
w a b 10.61.1.1 10.61.1.2 --delay 100 --seed 1
check "taps moved to namespaces carry frames (ping a -> b)" arp a 10.61.1.2
r=$(rtts a 10.61.1.2 5 0.2)
check_eq "5 of 5 pings answered with --delay 100" 5 "$(echo "$r" | grep -c .)"
m=$(echo "$r" | median)
ge "median RTT with --delay 100" "$m" 190
le "median RTT with --delay 100" "$m" 300

# --delay 50 --jitter 20: each way 30..70 ms, so RTTs 60..140 (slack
# above for a loaded machine), and spread
w c d 10.61.2.1 10.61.2.2 --delay 50 --jitter 20 --seed 2
arp c 10.61.2.2
r=$(rtts c 10.61.2.2 30 0.05)
check_eq "30 of 30 pings answered with --jitter 20" 30 "$(echo "$r" | grep -c .)"
lo=$(echo "$r" | sort -n | head -n 1); hi=$(echo "$r" | sort -n | tail -n 1)
ge "lowest RTT with --delay 50 --jitter 20" "$lo" 60
le "highest RTT with --delay 50 --jitter 20" "$hi" 170
ge "RTT spread with --jitter 20 (ms)" "$((hi - lo))" 20

# --loss-ab 50: the replies (B to A) pass, half the requests do not
w e f 10.61.3.1 10.61.3.2 --loss-ab 50 --seed 3
arp e 10.61.3.2
n=$(nsx e ping -n -q -c 100 -i 0.01 -W 1 10.61.3.2 |
    sed -n 's/.* \([0-9]*\) received.*/\1/p')
ge "pings answered of 100 with --loss-ab 50" "${n:-0}" 25
le "pings answered of 100 with --loss-ab 50" "${n:-0}" 75
ge "lost_ab counted" "$(wan_kv e f lost_ab)" 25
check_eq "lost_ba: nothing lost B to A" 0 "$(wan_kv e f lost_ba)"

# --rate 10000: TCP below 10.5 Mbit/s (a bottleneck), above 5 (it
# forwards at that rate)
w g h 10.61.4.1 10.61.4.2 --rate 10000 --seed 4
arp g 10.61.4.2
bg h iperf3 -s -1 -B 10.61.4.2 >/dev/null 2>&1
listening() { nsx h ss -ltnH 'sport = :5201' | grep -q .; }
wait_until 5 listening
kb=$(nsx g iperf3 -c 10.61.4.2 -t 3 -J 2>/dev/null | "$PY" -c '
import json, sys
print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1000))' 2>/dev/null)
le "iperf3 TCP with --rate 10000 (kbit/s)" "${kb:-x}" 10500
ge "iperf3 TCP with --rate 10000 (kbit/s)" "${kb:-x}" 5000
q=$(wan_kv g h queued_max_bytes)
le "queued_max_bytes within the default --limit" "${q:-x}" 1048576
ge "the bottleneck queued (queued_max_bytes)" "${q:-x}" 15000

# --reorder-ab 30 under --jitter 10: A to B datagrams overtake, B to A
# keep their order (the same jitter, no reorder share)
w i j 10.61.5.1 10.61.5.2 --delay 20 --jitter 10 --reorder-ab 30 --seed 5
arp i 10.61.5.2
cat >"$TMP/seq.py" <<'PYEOF'
import socket, sys, time
mode, addr = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if mode == "recv":
    s.bind((addr, 9000)); s.settimeout(2)
    open(sys.argv[3], "w").write("bound\n")
    got = inv = top = 0
    try:
        while got < 200:
            n = int(s.recv(64)); got += 1
            if n < top: inv += 1
            top = max(top, n)
    except socket.timeout:
        pass
    print("got=%d inv=%d" % (got, inv), flush=True)
else:
    for n in range(1, 201):
        s.sendto(b"%d" % n, (addr, 9000)); time.sleep(0.002)
PYEOF
# seqrun FROM TO ADDR_TO: "got=N inv=M" of 200 datagrams FROM -> TO
seqrun() {
	rm -f "$TMP/bound"
	nsx "$2" "$PY" "$TMP/seq.py" recv "$3" "$TMP/bound" >"$TMP/seq.out" &
	local p=$!
	track_pid $p
	wait_until 5 test -s "$TMP/bound"
	nsx "$1" "$PY" "$TMP/seq.py" send "$3"
	wait_exit 10 $p
	cat "$TMP/seq.out"
}
arp j 10.61.5.1
s=$(seqrun i j 10.61.5.2); echo "    i -> j: $s"
ge "datagrams i -> j arrived" "$(echo "$s" | sed -n 's/got=\([0-9]*\).*/\1/p')" 190
ge "out-of-order arrivals i -> j with --reorder-ab 30" \
    "$(echo "$s" | sed -n 's/.*inv=\([0-9]*\)/\1/p')" 5
ge "reordered_ab counted" "$(wan_kv i j reordered_ab)" 20
s=$(seqrun j i 10.61.5.1); echo "    j -> i: $s"
ge "datagrams j -> i arrived" "$(echo "$s" | sed -n 's/got=\([0-9]*\).*/\1/p')" 190
check_eq "no out-of-order arrival j -> i (jitter, no reorder)" 0 \
    "$(echo "$s" | sed -n 's/.*inv=\([0-9]*\)/\1/p')"

# --limit: a queue of 20000 bytes in front of 1 Mbit/s overflows under
# a burst of 50 datagrams of 1400 bytes: tail drop, counted
w k l 10.61.6.1 10.61.6.2 --rate 1000 --limit 20000 --seed 6
arp k 10.61.6.2
nsx k "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(50): s.sendto(b"x" * 1400, ("10.61.6.2", 9))'
ge "dropped_ab with --limit 20000" "$(wan_kv k l dropped_ab)" 10
le "queued_max_ab within --limit 20000" "$(wan_kv k l queued_max_ab)" 20000

# SIGTERM: the counters, exit 0
# shellcheck disable=SC2154 # set by wan
kill -TERM "$WANPID_i_j"
wait "$WANPID_i_j"
check_eq "linkemu exits 0 on SIGTERM" 0 "$?"
check "SIGTERM printed the counters" grep -q '^fwd_ba=[1-9]' "$TMP/wan-i-j.out"

done_testing
