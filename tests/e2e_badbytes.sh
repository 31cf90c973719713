#!/bin/bash
# Bytes >= 0x80 from the network never reach a JSON-RPC reply or a log
# line unchecked.  A fake HTTP proxy (the switch's http_proxy) answers
# CONNECT with "403 Forbidd\xff\xfe\x80en \xc3\xa9": not UTF-8, then
# valid UTF-8.  The addPort error that quotes it must be valid JSON in
# UTF-8 (each invalid byte U+FFFD; the original's ctl and ours decode
# it), and the log line of a client port's failed reconnection through
# the same proxy must hold "\xNN" escapes instead of the raw bytes.
# The old code sent the raw bytes: "etherws ctl" failed to decode the
# reply, and the log had them as they came.
. "$(dirname "$0")/lib.sh"
need python3

ns c
sw_env() {
	# env execs the switch: $! is its PID
	ip netns exec "$PFX-c" env http_proxy=http://127.0.0.1:3128 \
	    "$ETHERWS" sw --foreground --port 8080 >>"$TMP/sw-c.log" 2>&1 &
	SWPID_c=$!; track_pid $!
	wait_until 5 nsx c "$ETHERWS" ctl listport >/dev/null ||
	    { cat "$TMP/sw-c.log"; die "sw in c did not start"; }
}

# The proxy: while $TMP/good exists, the next CONNECT gets a 200 and a
# WebSocket upgrade answered by the proxy itself, closed 1 s later (the
# file is removed); every other CONNECT gets the 403 with the bad reason.
cat >"$TMP/proxy.py" <<'PY'
import base64, hashlib, os, socket, sys, time
tmp = sys.argv[1]
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
REASON = b"Forbidd\xff\xfe\x80en \xc3\xa9"

def head(c):
    d = b""
    while b"\r\n\r\n" not in d and len(d) < 8192:
        b = c.recv(1)
        if not b:
            break
        d += b
    return d

ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 3128))
ls.listen(8)
ls.settimeout(1)
open(tmp + "/proxy.ready", "w").close()
end = time.monotonic() + 60
while time.monotonic() < end:
    try:
        c, _ = ls.accept()
    except socket.timeout:
        continue
    c.settimeout(5)
    try:
        if not head(c).startswith(b"CONNECT "):
            continue
        if not os.path.exists(tmp + "/good"):
            c.sendall(b"HTTP/1.1 403 " + REASON +
                      b"\r\nContent-Length: 0\r\n\r\n")
            continue
        os.unlink(tmp + "/good")
        c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        key = b""
        for line in head(c).split(b"\r\n"):
            if line.lower().startswith(b"sec-websocket-key:"):
                key = line.split(b":", 1)[1].strip()
        acc = base64.b64encode(hashlib.sha1(key + GUID).digest())
        c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket"
                  b"\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
                  acc + b"\r\n\r\n")
        time.sleep(1)
    except OSError:
        pass
    finally:
        c.close()
PY
bg c $PY "$TMP/proxy.py" "$TMP"
wait_until 5 test -e "$TMP/proxy.ready" || die "fake proxy did not start"
sw_env

# ---- the reply: ctl decodes it, and it is strict UTF-8 JSON ---------------
out=$(ctl c addport client ws://10.9.9.9:8080/ 2>&1); rc=$?
echo "# ctl: $(printf '%s' "$out" | cat -v | tr '\n' ' ')"
check_eq "addport through the proxy fails with exit 1 (not a decode error)" 1 "$rc"
check "ctl prints the reason, each invalid byte as U+FFFD" grep -qF \
    "CONNECT failed: 403 Forbidd$(printf '\357\277\275\357\277\275\357\277\275')en $(printf '\303\251') (proxy 127.0.0.1:3128)" \
    <<<"$out"
cat >"$TMP/rpc.py" <<'PY'
import json, socket
body = json.dumps({"jsonrpc": "2.0", "id": 1,
                   "method": "etherws.control.addPort",
                   "params": {"type": "client",
                              "target": "ws://10.9.9.9:8080/"}}).encode()
s = socket.create_connection(("127.0.0.1", 7867), timeout=5)
s.sendall(b"POST /ctl HTTP/1.1\r\nHost: 127.0.0.1:7867\r\nContent-Type: "
          b"application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
d = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    d += b
raw = d.partition(b"\r\n\r\n")[2]
try:
    r = json.loads(raw.decode("utf-8", "strict"))
    print("data=" + ascii(r["error"]["data"]))
except (ValueError, KeyError) as e:
    print("undecodable: %s: %r" % (e, raw[-80:]))
PY
r=$(nsx c $PY "$TMP/rpc.py")
check_eq "the raw reply is strict UTF-8 JSON, U+FFFD for each invalid byte" \
    "data='WebSocketProxyException: CONNECT failed: 403 Forbidd\\ufffd\\ufffd\\ufffden \\xe9 (proxy 127.0.0.1:3128)'" \
    "$r"

# ---- the log: a client port's reconnection fails through the proxy ------
touch "$TMP/good"
check "a client port comes up through the proxy once" \
    eval 'ctl c addport client ws://10.9.9.9:8080/ >/dev/null'
check "it is closed, and its reconnection gets the 403 (logged)" \
    wait_until 10 grep -q 'connect failed: ws://10.9.9.9:8080/' "$TMP/sw-c.log"
line=$(grep -a 'connect failed: ws://10.9.9.9:8080/' "$TMP/sw-c.log" | head -n 1)
echo "# log: $line"
check_eq "the log line holds \\xNN escapes for the invalid bytes (whole line)" \
    "WARNING:etherws:connect failed: ws://10.9.9.9:8080/: WebSocketProxyException: CONNECT failed: 403 Forbidd\\xff\\xfe\\x80en $(printf '\303\251') (proxy 127.0.0.1:3128)" \
    "$line"
check "the switch's log is valid UTF-8 throughout" $PY -c \
    'import sys; open(sys.argv[1], "rb").read().decode("utf-8", "strict")' \
    "$TMP/sw-c.log"
check "the switch is alive" kill -0 "$SWPID_c"
done_testing
