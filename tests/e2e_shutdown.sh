#!/bin/bash
# Clean shutdown on SIGTERM.
#  - kill -TERM of a foreground sw on a with a tap, a client port (to b's
#    server) and a server port (a small WebSocket client, wsc.py): exit 0
#    within 2 s, the tap is gone, b's server port goes away within 2 s,
#    and the WebSocket client got Close 1001;
#  - sw without --foreground and with --pidfile: the launching command
#    returns 0 only once the control endpoint answers, the pidfile holds
#    the live daemon's pid; TERM removes the pidfile and the tap, and the
#    daemon exits.
. "$(dirname "$0")/lib.sh"
need python3

# alive PID: running (not gone, not a zombie)
alive() {
	kill -0 "$1" 2>/dev/null &&
	    [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]
}
# has_link NS DEV: the device exists in NS
has_link() { nsx "$1" ip link show "$2" >/dev/null 2>&1; }
# ms since the epoch
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# wsc.py HOST PORT READYFILE: WebSocket client; after the handshake makes
# READYFILE, then prints the code of the first Close it gets ("none" if
# it had no payload, "eof" if the connection ended without one), answers
# it and waits for EOF.  Bounded: 10 s.
cat >"$TMP/wsc.py" <<'PYEOF'
import base64, os, socket, struct, sys
h, p, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.create_connection((h, p), timeout=10)
key = base64.b64encode(os.urandom(16))
s.sendall(b"GET / HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
          b"Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
          b"Sec-WebSocket-Version: 13\r\n\r\n" % (h.encode(), p, key))
buf = b""
while b"\r\n\r\n" not in buf:
    d = s.recv(4096)
    if not d:
        sys.exit("handshake: eof")
    buf += d
head, buf = buf.split(b"\r\n\r\n", 1)
if not head.startswith(b"HTTP/1.1 101 "):
    sys.exit("handshake: " + head.decode(errors="replace"))
open(ready, "w").close()
def need(n):
    global buf
    while len(buf) < n:
        d = s.recv(65536)
        if not d:
            print("eof")
            sys.exit(0)
        buf += d
    r, buf = buf[:n], buf[n:]
    return r
while True:
    b0, b1 = need(2)
    n = b1 & 0x7f
    if n == 126:
        n = struct.unpack("!H", need(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", need(8))[0]
    if b1 & 0x80:
        need(4)			# a server must not mask; ignore
    data = need(n)
    if b0 & 0x0f == 8:
        print(struct.unpack("!H", data[:2])[0] if len(data) >= 2 else "none")
        mask = os.urandom(4)
        pl = data[:2]
        s.sendall(bytes([0x88, 0x80 | len(pl)]) + mask +
                  bytes(c ^ mask[i % 4] for i, c in enumerate(pl)))
        try:
            while s.recv(4096):
                pass
        except OSError:
            pass
        sys.exit(0)
PYEOF

ns a; ns b; ns c
link a b 10.9.0.1 10.9.0.2
sw b --host 10.9.0.2 --port 8080
sw a --host 10.9.0.1 --port 8080
ctl a addport tap 'ewa%d' >/dev/null || die "addport tap a"
ctl a addport client ws://10.9.0.2:8080/ >/dev/null || die "addport client a"
check "b has a server port up" wait_until 3 sh -c \
    "ip netns exec $PFX-b $ETHERWS ctl listport | grep -q ' server  up '"
ip netns exec "$PFX-b" $PY "$TMP/wsc.py" 10.9.0.1 8080 "$TMP/wsc.ready" \
    >"$TMP/wsc.out" 2>&1 &
WSC=$!; track_pid $WSC
check "a WebSocket client connected to a" wait_until 3 test -e "$TMP/wsc.ready"
check "a has the server port for it" wait_until 3 sh -c \
    "ip netns exec $PFX-a $ETHERWS ctl listport | grep -q ' server  up '"
check "tap ewa0 exists before" has_link a ewa0

# Poll both at once: a's exit and b's server port going away, 3 s at most.
t0=$(now_ms)
kill -TERM "$SWPID_a"
t_exit=; t_srv=
for i in $(seq 60); do
	[ -z "$t_exit" ] && ! kill -0 "$SWPID_a" 2>/dev/null &&
	    t_exit=$(( $(now_ms) - t0 ))
	[ -z "$t_srv" ] && ! ctl b listport | grep -q server &&
	    t_srv=$(( $(now_ms) - t0 ))
	[ -n "$t_exit" ] && [ -n "$t_srv" ] && break
	sleep 0.05
done
check "foreground sw exits within 2 s of TERM (${t_exit:-over 3000} ms)" \
    [ "${t_exit:-9999}" -lt 2000 ]
check "b's server port went away within 2 s (${t_srv:-over 3000} ms)" \
    [ "${t_srv:-9999}" -lt 2000 ]
wait "$SWPID_a"
check_eq "foreground sw exit status" 0 $?
check "a logged shutting down" grep -q "INFO:etherws:shutting down" "$TMP/sw-a.log"
check_not "tap ewa0 is gone" has_link a ewa0
check "b logged the disconnection" \
    grep -q "INFO:etherws:disconnected: 10.9.0.1" "$TMP/sw-b.log"
wait_until 3 sh -c "! kill -0 $WSC 2>/dev/null"
check_eq "the WebSocket client got Close 1001 (going away)" 1001 \
    "$(cat "$TMP/wsc.out")"

# --- daemon mode
PIDF=$TMP/sw.pid
nsx c "$ETHERWS" sw --pidfile "$PIDF" >"$TMP/sw-c.out" 2>&1
rc=$?
ctl c listport >/dev/null		# at once: no sleep, no retry
check "control endpoint answers as soon as the launcher returns" [ $? -eq 0 ]
check_eq "daemon launcher exits 0" 0 $rc
check_eq "launcher printed nothing" "" "$(cat "$TMP/sw-c.out")"
DPID=$(cat "$PIDF" 2>/dev/null)
[ -n "$DPID" ] && track_pid "$DPID"
check "pidfile holds a pid and newline" grep -qxE '[0-9]+' "$PIDF"
check "the pid in the pidfile is alive (${DPID:-none})" alive "${DPID:-0}"
check_eq "the pidfile's pid is etherws" "$ETHERWS" \
    "$(readlink "/proc/${DPID:-0}/exe")"
check_eq "the daemon runs in /" / "$(readlink "/proc/${DPID:-0}/cwd")"
check "the daemon is detached (a session of its own)" \
    [ "$(ps -o sid= -p "${DPID:-0}" | tr -d ' ')" != "$(ps -o sid= -p $$ | tr -d ' ')" ]
ctl c addport tap 'ewc%d' >/dev/null
check "the daemon made a tap" has_link c ewc0
[ -n "$DPID" ] && kill -TERM "$DPID"
check "TERM: the daemon exits within 3 s" wait_until 3 sh -c \
    "! kill -0 ${DPID:-0} 2>/dev/null || grep -q '^[^ ]* ([^)]*) Z' /proc/${DPID:-0}/stat"
check_not "TERM: the pidfile is removed" test -e "$PIDF"
check_not "TERM: the daemon's tap is gone" has_link c ewc0

if [ "$T_FAIL" -ne 0 ]; then
	for n in a b; do echo "--- sw-$n.log"; cat "$TMP/sw-$n.log"; done
	echo "--- wsc.out"; cat "$TMP/wsc.out"
fi
done_testing
