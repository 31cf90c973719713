#!/bin/bash
# No local user locks the operator out of the control endpoint (issue
# 22, third round).  The audit: uid nobody holds 64 half-sent control
# requests from 127.0.0.1-127.0.0.5, reopening each as the switch closes
# it; root's `etherws ctl listport` failed 20 times of 20.  Now root
# always finds a slot (the oldest unfinished request of a lower rank
# makes room, and root counts in no per-source cap), 127.0.0.0/8 is one
# source in those caps, and nobody's newcomers close nothing.
#  1. the default configuration (control on 127.0.0.1), the audit's
#     addresses: root's ctl listport 20 of 20;
#  2. control on every address (--ctlhost ''), nobody holding from
#     127/8, ::1 and 10.89.0.1 (so every slot is taken even with 127/8
#     counted as one source): the switch says it is at its limit, and
#     root's ctl listport still succeeds 20 of 20.
. "$(dirname "$0")/lib.sh"
need python3 setpriv

ns a; ns b
link a b 10.89.0.1 10.89.0.2

cat >"$TMP/hold.py" <<'PY'
# hold.py PAIRS N SECONDS: N half-sent control requests, spread over
# PAIRS (src>dst,...), each reopened as soon as the switch closes it
import select, socket, sys, time
pairs = [p.split(">") for p in sys.argv[1].split(",")]
n, end = int(sys.argv[2]), time.monotonic() + float(sys.argv[3])
half = b"POST /ctl HTTP/1.1\r\nHost: 127.0.0.1:7867\r\nContent-Length: 70\r\n"
closed = 0

def conn(i):
    src, dst = pairs[i % len(pairs)]
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.bind((src, 0))
        s.connect_ex((dst, 7867))
        select.select([], [s], [], 1)
        s.send(half)
    except OSError:
        pass
    return s

socks = [conn(i) for i in range(n)]
print("holding", flush=True)
while time.monotonic() < end:
    r, _, _ = select.select(socks, [], [], 0.05)
    for s in r:
        i = socks.index(s)
        try:
            gone = s.recv(4096) == b""
        except OSError:
            gone = True
        if gone:
            s.close()
            closed += 1
            time.sleep(0.002)	# refused at once: no busy loop
            socks[i] = conn(i)
PY
hold() {	# PAIRS N SECONDS, as nobody in a, in the background
	ip netns exec "$PFX-a" setpriv --reuid=65534 --regid=65534 \
	    --clear-groups "$PY" - "$@" <"$TMP/hold.py" >"$TMP/hold.out" &
	HOLDPID=$!
	track_pid $HOLDPID
	wait_until 10 grep -q holding "$TMP/hold.out" || die "holder"
	sleep 1
}
tries() {	# how many of 20 root's ctl listport succeed
	local ok=0 i
	for i in $(seq 20); do
		nsx a timeout 10 "$ETHERWS" ctl listport >/dev/null 2>&1 &&
		    ok=$((ok + 1))
		sleep 0.1
	done
	echo "$ok"
}

# ---- 1. the default configuration, the audit's addresses -----------------
sw a
p=127.0.0.1; P="$p>$p,127.0.0.2>$p,127.0.0.3>$p,127.0.0.4>$p,127.0.0.5>$p"
hold "$P" 64 60
check_eq "uid nobody holding 64 half-sent requests (127.0.0.1-5): root's ctl listport" \
    "20 of 20" "$(tries) of 20"
kill "$HOLDPID" 2>/dev/null; wait "$HOLDPID" 2>/dev/null
kill -TERM "$SWPID_a"; wait_until 5 eval '! kill -0 $SWPID_a' || die "sw a"

# ---- 2. every slot taken, from three sources -------------------------------
sw a --ctlhost ''
P="127.0.0.1>127.0.0.1,127.0.0.2>127.0.0.1,::1>::1,10.89.0.1>10.89.0.1"
hold "$P" 80 60
check "the control slots are all taken (the switch says so)" \
    grep -q "control connections at the limit (64)" "$TMP/sw-a.log"
check_eq "uid nobody holding every slot: root's ctl listport" \
    "20 of 20" "$(tries) of 20"
check "root's way in closed one of nobody's unfinished requests (logged)" \
    grep -q "control connections at the limit (64): .* closed, its request unfinished" \
    "$TMP/sw-a.log"
check "a remote peer is served once a slot frees (namespace b)" \
    wait_until 15 nsx b timeout 5 "$ETHERWS" ctl --ctlurl \
    http://10.89.0.1:7867/ctl listport
kill "$HOLDPID" 2>/dev/null; wait "$HOLDPID" 2>/dev/null
check "the switch is alive" kill -0 "$SWPID_a"
done_testing
