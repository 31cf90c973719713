#!/bin/bash
# Operator limits: --maxconn caps tunnel connections without locking out
# control, --ctlmaxconn caps control connections, --fdbmax caps the FDB,
# --queue bounds a tunnel port that never reads.  Past a limit only that
# connection (or that frame) suffers, and the switch says so once.
. "$(dirname "$0")/lib.sh"
need python3

ns s
nsx s sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
sw s --host 127.0.0.1 --port 8080 --maxconn 3 --ctlmaxconn 2 --fdbmax 16 \
    --queue 65536
cat >"$TMP/lim.py" <<'PY'
import base64, os, socket, struct, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, "tests")	# lib.sh: run from the tree's top
from wsraw import wait_forwarding	# a new port probes before it forwards

def ws(port=8080):
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n" % key).encode())
    head = b""
    try:
        while b"\r\n\r\n" not in head:
            b = s.recv(1)
            if not b:
                return s, head
            head += b
    except OSError:
        pass
    return s, head

def frame(payload):
    m = os.urandom(4)
    n = len(payload)
    hdr = bytes([0x82, 0x80 | n]) if n < 126 else \
        bytes([0x82, 0xFE]) + struct.pack("!H", n)
    return hdr + m + bytes(b ^ m[i % 4] for i, b in enumerate(payload))

cmd = sys.argv[1]
if cmd == "maxconn":
    socks = [ws() for _ in range(4)]
    print(" ".join("101" if h.startswith(b"HTTP/1.1 101") else "closed"
                   for _, h in socks))
    sys.stdout.flush()
    time.sleep(float(sys.argv[2]))
elif cmd == "idle":
    # n connections that never send a byte, then an upgrade
    idle = [socket.create_connection(("127.0.0.1", 8080), timeout=3)
            for _ in range(int(sys.argv[2]))]
    time.sleep(0.3)
    s, h = ws()
    closed = 0
    for i in idle:
        i.settimeout(1)
        try:
            if i.recv(1) == b"":
                closed += 1
        except socket.timeout:
            pass
        except OSError:
            closed += 1
    print("101" if h.startswith(b"HTTP/1.1 101") else "closed",
          "idle_closed=%d" % closed)
elif cmd == "ctlhold":
    def state(s):
        s.settimeout(1)
        try:
            return "closed" if s.recv(100) == b"" else "open"
        except socket.timeout:
            return "open"
        except OSError:
            return "closed"
    held = [socket.create_connection(("127.0.0.1", 7867)) for _ in range(2)]
    time.sleep(0.2)
    c = socket.create_connection(("127.0.0.1", 7867), timeout=3)
    print("first=%s second=%s third=%s" % tuple(state(x) for x in held + [c]))
elif cmd == "macs":
    s, h = ws()
    print("fwd=%s" % wait_forwarding(s)); sys.stdout.flush()
    for i in range(200):
        src = bytes([2, 0, 0, 0, i >> 8, i & 255])
        s.sendall(frame(b"\xff" * 6 + src + b"\x08\x00" + b"\x00" * 46))
    print("sent"); sys.stdout.flush()
    time.sleep(float(sys.argv[2]))	# the port's entries live while it does
elif cmd == "noread":
    s, h = ws()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    print("fwd=%s" % wait_forwarding(s)); sys.stdout.flush()
    time.sleep(float(sys.argv[2]))
PY
out=$(nsx s $PY "$TMP/lim.py" maxconn 3 & sleep 1; nsx s $ETHERWS ctl listport >"$TMP/lp" 2>&1; echo "ctl=$?" >>"$TMP/lp"; wait)
check_eq "--maxconn 3: the 4th tunnel connection is refused" "101 101 101 closed" "$out"
check "control still answers with the tunnels at their limit" grep -q "ctl=0" "$TMP/lp"
check "the refusal is logged" grep -q "tunnel connections at the limit (3)" "$TMP/sw-s.log"
# Slots held by connections that never finish a request (from however
# many addresses) do not lock out a peer that does: at the limit the
# oldest unfinished one makes room.
check "the tunnels of the first test are gone" \
    wait_until 5 nsx s sh -c "! $ETHERWS ctl listport | grep -q server"
check_eq "--maxconn 3 held by 3 idle connections: an upgrade still gets in" \
    "101 idle_closed=1" "$(nsx s $PY "$TMP/lim.py" idle 3)"
check "the eviction is logged" grep -q "tunnel connections at the limit (3): 127.0.0.1:[0-9]* closed, its request unfinished, for a new one (1 so far)" "$TMP/sw-s.log"
# The operator's (root's) third one gets in: the oldest unfinished one
# makes room for it (e2e_ctllock: other users' never keep root out).
check_eq "--ctlmaxconn 2 held by root: a 3rd closes the oldest unfinished one" \
    "first=closed second=open third=open" "$(nsx s $PY "$TMP/lim.py" ctlhold)"
check "that eviction is logged" grep -q "control connections at the limit (2): 127.0.0.1:[0-9]* closed, its request unfinished" "$TMP/sw-s.log"
check "control works again once they are gone" wait_until 3 nsx s $ETHERWS ctl listport
nsx s $PY "$TMP/lim.py" macs 3 >"$TMP/macs" &
track_pid $!
wait_until 5 grep -q sent "$TMP/macs"
check "the MAC sender's port forwards (probed) before it sends" grep -qx fwd=up "$TMP/macs"
sleep 0.3
n=$(ctl s listfdb | tail -n +2 | wc -l)
check "--fdbmax 16: the FDB holds at most 16 entries ($n)" [ "$n" -le 16 -a "$n" -ge 1 ]

# A tunnel port that never reads: its queue (64 KiB) fills, frames are
# tail-dropped and counted, memory stays put.
sleep 3.5	# the MAC sender is gone, and its port with it
ctl s addport tap 'lim%d' >/dev/null
nsx s ip link set lim0 up
nsx s $PY "$TMP/lim.py" noread 6 >"$TMP/noread" &
track_pid $!
wait_until 5 grep -q fwd= "$TMP/noread"
check_eq "the non-reader's port forwards (probed)" fwd=up "$(cat "$TMP/noread")"
p=$(ctl s listport | awk '$2 == "server" { print $1 }' | tail -1)
cat >"$TMP/bc.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("lim0", 0))
f = b"\xff" * 6 + b"\x02\x00\x00\x00\x01\x01\x08\x00" + b"\x00" * 1400
for i in range(12000):
    try: s.send(f)
    except OSError: pass
PY
nsx s $PY "$TMP/bc.py"
sleep 0.5
body='{"jsonrpc": "2.0", "method": "etherws.control.listPort", "id": 1}'
drops=$(nsx s $PY -c '
import http.client, json, sys
c = http.client.HTTPConnection("127.0.0.1", 7867, timeout=5)
c.request("POST", "/ctl", sys.argv[1])
ents = json.loads(c.getresponse().read())["result"]["entries"]
tap = [e for e in ents if e["type"] == "tap"][0]
for e in ents:
    if e["port"] == int(sys.argv[2]): print(e["tx"], e["tx_dropped"], tap["rx"])
' "$body" "$p")
read -r tx txd taprx <<<"$drops"
# the kernel's socket buffers take a few MB before our queue fills
check "a port that never reads tail-drops and counts (tx=$tx tx_dropped=$txd)" \
    [ "${txd:-0}" -gt 4000 ]
check "every frame from the tap is accounted for (tx + tx_dropped = $taprx)" \
    [ $(( ${tx:-0} + ${txd:-0} )) -eq "${taprx:--1}" ]
rss=$(awk '/VmRSS/ { print $2 }' /proc/$SWPID_s/status)
check "the switch's memory stays small (RSS ${rss} kB < 20 MB)" [ "${rss:-999999}" -lt 20480 ]
done_testing
