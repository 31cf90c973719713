#!/usr/bin/python3
"""tests/authfail.py - password guessing against a switch, for
e2e_authfail.sh.  Usage: authfail.py MODE SRC HOST PORT USER PASSWORD
[SECONDS]: from source address SRC, MODE "ws" (tunnel upgrade) or "ctl"
(POST /ctl listPort) with Basic USER:PASSWORD; with SECONDS, a loop of
such requests for that long, 10 ms apart (at most 2,000), else one.  Prints
key=value lines: n (requests), s<status> (count of each status), last
(the last status line), retry (the last Retry-After, or none)."""
import base64
import socket
import sys
import time

mode, src, host, port, user, pw = sys.argv[1:7]
port = int(port)
secs = float(sys.argv[7]) if len(sys.argv) > 7 else None
cred = base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()
if mode == "ws":
    req = ("GET / HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
           "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           "Sec-WebSocket-Version: 13\r\nAuthorization: Basic %s\r\n\r\n"
           % (host, port, cred)).encode()
else:
    body = b'{"jsonrpc": "2.0", "method": "etherws.control.listPort", "id": 1}'
    req = ("POST /ctl HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Basic %s\r\n"
           "Content-Length: %d\r\n\r\n" % (host, port, cred, len(body))
           ).encode() + body


def one():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    s.bind((src, 0))
    s.connect((host, port))
    s.sendall(req)
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        d = s.recv(4096)
        if not d:
            break
        data += d
    s.close()
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    retry = "none"
    for h in head[1:]:
        k, _, v = h.partition(":")
        if k.strip().lower() == "retry-after":
            retry = v.strip()
    return head[0], retry


counts = {}
n = 0
last, retry = "none", "none"
end = time.monotonic() + (secs or 0)
while True:
    try:
        last, r = one()
    except OSError as e:
        last, r = "error:%s" % e, "none"
    if r != "none":
        retry = r
    n += 1
    code = last.split(" ")[1] if last.startswith("HTTP/") else "err"
    counts[code] = counts.get(code, 0) + 1
    if secs is None or time.monotonic() >= end or n >= 2000:
        break
    time.sleep(0.01)
print("n=%d" % n)
for k, v in sorted(counts.items()):
    print("s%s=%d" % (k, v))
print("last=%s" % last)
print("retry=%s" % retry)
