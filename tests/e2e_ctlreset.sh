#!/bin/bash
# A control connection reset while its request is still running must not
# spin the loop.  An addPort to a client port whose host never answers
# (SYNs out of a veth to a namespace that has no such address, to a fixed
# neighbour entry: no reply, no error, until CONNECT_TIMEOUT_MS) keeps the control connection waiting
# for its reply; the peer then resets it (SO_LINGER 0: RST).  epoll keeps
# reporting EPOLLHUP/EPOLLERR for that socket whatever the interest, so a
# connection that only stops reading burns a core until the attempt ends.
# The switch's CPU time (utime + stime from /proc/PID/stat) over 3 s
# after the reset must stay under 10% of that wall time (the old code:
# ~70%); then the switch answers ctl, and the abandoned attempt ends at
# its deadline without a reply to send and without leaving a port.
. "$(dirname "$0")/lib.sh"
need python3

ns s; ns x
# x has 10.77.0.3, not .2: SYNs to 10.77.0.2 reach it and vanish, and the
# permanent neighbour entry spares them an ARP failure
link s x 10.77.0.1 10.77.0.3
nsx s ip neigh replace 10.77.0.2 lladdr 02:00:00:00:77:02 dev "v$$ax" \
    nud permanent || die "neighbour entry"
sw s --port 8080

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null; }
HZ=$(getconf CLK_TCK)
syn_sent() { nsx s ss -Htn state syn-sent 'dst 10.77.0.2' | grep -q .; }

# The request, then a reset 0.5 s later (its reply cannot have come:
# the attempt lasts CONNECT_TIMEOUT_MS).
cat >"$TMP/reset.py" <<'PY'
import json, socket, struct, sys, time
body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "etherws.control.addPort",
                   "params": {"type": "client",
                              "target": "ws://10.77.0.2:8080/"}}).encode()
s = socket.create_connection(("127.0.0.1", 7867), timeout=3)
s.sendall(b"POST /ctl HTTP/1.1\r\nHost: 127.0.0.1:7867\r\nContent-Type: "
          b"application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
time.sleep(0.5)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
print("reset")
PY
check_eq "the control connection was reset while addPort waited" reset \
    "$(nsx s $PY "$TMP/reset.py")"
sleep 0.3
check "the attempt is still connecting (SYN-SENT to 10.77.0.2)" syn_sent
c0=$(cpu_ticks "$SWPID_s"); t0=$(date +%s%N)
sleep 3
c1=$(cpu_ticks "$SWPID_s"); t1=$(date +%s%N)
wall_ms=$(( (t1 - t0) / 1000000 ))
cpu_ms=$(( (c1 - c0) * 1000 / HZ ))
echo "# switch CPU ${cpu_ms} ms in ${wall_ms} ms after the reset"
le "CPU time after the reset is under 10% of the wall time (ms)" \
    "$cpu_ms" $(( wall_ms / 10 ))
check "the switch is alive" kill -0 "$SWPID_s"
check "ctl listport answers" eval 'nsx s timeout 5 "$ETHERWS" ctl listport >/dev/null'
# The attempt ends at CONNECT_TIMEOUT_MS (10 s after the request) and
# its reply has nowhere to go: the switch lives on, with no client port.
check "the abandoned attempt ends (no SYN to 10.77.0.2 any more)" \
    wait_until 12 eval '! syn_sent'
check "the switch is alive after it" kill -0 "$SWPID_s"
check_not "no client port left by it" sh -c \
    "ip netns exec $PFX-s $ETHERWS ctl listport | grep -q ' client '"
check_not "no crash in the switch log" \
    grep -qiE 'segfault|assert|abort|sanitizer' "$TMP/sw-s.log"
done_testing
