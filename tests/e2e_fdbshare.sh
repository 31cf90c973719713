#!/bin/bash
# --fdbportmax: one tunnel that sends frames from thousands of made-up
# source MACs gets its share of the FDB and no more.  A host on another
# port is still learned, and unicast to it goes to that port alone (not
# flooded, so not to the flooding tunnel either).  showPort counts the
# tunnel's refused learns, /metrics the switch's.
. "$(dirname "$0")/lib.sh"
need python3

ns s
# --fdbmax 1024: the share is 256 (a quarter); 3,000 MACs fill the table
# four times over.
sw s --host 127.0.0.1 --port 8080 --fdbmax 1024
ctl s addport tap 'fa%d' >/dev/null
ctl s addport tap 'fa%d' >/dev/null
nsx s ip link set fa0 up
nsx s ip link set fa1 up
check "both taps forward (probed)" wait_until 5 sh -c \
    "[ \$(ip netns exec $PFX-s $ETHERWS ctl listport | awk '\$2 == \"tap\" && \$3 == \"up\"' | wc -l) -eq 2 ]"
cat >"$TMP/share.py" <<'PY'
import os, select, socket, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, "tests")	# lib.sh: run from the tree's top
from wsraw import open_ws, frame, read_frame, wait_forwarding

H = bytes.fromhex("02aa00000001")	# the host behind fa0
s, head = open_ws("127.0.0.1", 8080)
print("fwd=%s" % wait_forwarding(s)); sys.stdout.flush()
n = int(sys.argv[1])
for i in range(n):
    src = b"\x02" + os.urandom(5)	# unicast, locally administered
    s.sendall(frame(2, b"\xff" * 6 + src + b"\x08\x00" + b"\x00" * 46))
time.sleep(0.5)
a = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
a.bind(("fa0", 0))
b = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
b.bind(("fa1", 0))
a.send(b"\xff" * 6 + H + b"\x08\x06" + b"\x00" * 46)	# H speaks up
time.sleep(0.3)
# Drain what came so far (the flood's probes, H's broadcast) ...
s.setblocking(False)
try:
    while s.recv(65536):
        pass
except BlockingIOError:
    pass
s.setblocking(True)
# ... then unicast to H from fa1: flooded (to us) if H was not learned.
for i in range(20):
    b.send(H + bytes.fromhex("02bb00000001") + b"\x08\x00" + b"\x00" * 46)
hits, t0 = 0, time.monotonic()
while time.monotonic() - t0 < 1.5:
    h, p = read_frame(s, 0.3)
    if p is not None and p[:6] == H:
        hits += 1
print("tunnel_got_unicast_to_h=%d" % hits)
print("me=%s:%d" % s.getsockname()[:2])
print("done"); sys.stdout.flush()
time.sleep(float(sys.argv[2]))	# the port's entries live while it does
PY
nsx s $PY "$TMP/share.py" 3000 5 >"$TMP/share" &
track_pid $!
check "the flood is over" wait_until 20 grep -q done "$TMP/share"
expect_kv "$TMP/share" fwd up "the flooding tunnel's port forwards (probed)"
expect_kv "$TMP/share" tunnel_got_unicast_to_h 0 \
    "unicast to a host on a tap is not flooded to the tunnel"
fdb=$(ctl s listfdb)
tapno=$(ctl s listport | awk '$6 == "fa0" { print $1 }')
check "the host behind fa0 is learned on its port ($tapno)" \
    sh -c "printf '%s\n' \"\$1\" | grep -i '02:aa:00:00:00:01' | grep -qw '$tapno'" _ "$fdb"
n=$(printf '%s\n' "$fdb" | tail -n +2 | wc -l)
le "the FDB holds the tunnel's share and a few of the taps" "$n" 270
me=$(kv "$TMP/share" me)
tp=$(ctl s listport | awk -v m="$me" '$2 == "server" && $6 == m { print $1 }')
sp=$(nsx s $PY tests/rawio.py rpc 7867 \
    "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"etherws.control.showPort\", \"params\": {\"port\": ${tp:-0}}}")
ent=$(printf '%s' "$sp" | $PY -c 'import json, sys
e = json.load(sys.stdin)["result"]["entries"][0]
print(e["fdb_entries"], e["learn_refused"])')
read -r fe lr <<<"$ent"
check_eq "showPort: the tunnel holds its share (256 entries)" 256 "$fe"
ge "showPort: the tunnel's refused learns are counted" "${lr:-0}" 2700
m=$(nsx s $PY -c 'import urllib.request
print(urllib.request.urlopen("http://127.0.0.1:7867/metrics").read().decode())' |
    awk '$1 == "etherws_fdb_learn_refused_total" { print $2 }')
check_eq "/metrics: the switch's refused learns are the tunnel's" "$lr" "$m"
done_testing
