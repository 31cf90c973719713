#!/usr/bin/python3
"""rawio.py - raw socket probes for tests/e2e_tls.sh and tests/e2e_auth.sh.

  rawio.py send HOST PORT DATA [TIMEOUT]
      Connect, send DATA (Python escapes: \\r\\n, \\x16 ...), read until EOF
      and write the bytes received to stdout.  Exit 0 on EOF (or reset),
      3 if the peer did not close within TIMEOUT s (default 5).
  rawio.py stall HOST PORT [TIMEOUT]
      Open two connections: one sends nothing, one the first 10 bytes of
      a TLS ClientHello; print "<silent s> <partial s>": the seconds until
      the peer closed each ("none" if not within TIMEOUT, default 15).
  rawio.py serve PORT FILE [N]
      Listen on 127.0.0.1:PORT; for each of N connections (default 1)
      append the request head to FILE, answer 401 and close.
  rawio.py rpc PORT JSON
      POST JSON to http://127.0.0.1:PORT/ctl; print the reply body.
  rawio.py probes HOST PORT SECONDS EXTRA
      Open a WebSocket port on the switch at HOST:PORT, then EXTRA more
      0.1 s apart (kept open, never read); for SECONDS count the
      loop-detection probes (EtherType 0x88b5, "EWLP") arriving on the
      first; print the count.
"""
import http.client
import os
import select
import socket
import sys
import time

sys.dont_write_bytecode = True		# no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsraw import open_ws, read_frame, read_to_eof  # noqa: E402

# Start of a TLS 1.2 ClientHello: record header, handshake header, version.
HELLO10 = b"\x16\x03\x01\x00\xc8\x01\x00\x00\xc4\x03"


def send(host, port, data, timeout=5.0):
    s = socket.create_connection((host, port), timeout=timeout)
    s.sendall(data)
    out, end = read_to_eof(s, timeout)	# a reset counts as EOF
    sys.stdout.buffer.write(out)
    return 3 if end == "timeout" else 0


def stall(host, port, timeout=15.0):
    t0 = time.monotonic()
    socks = [socket.create_connection((host, port), timeout=5)
             for _ in range(2)]
    socks[1].sendall(HELLO10)
    closed = [None, None]
    while None in closed and time.monotonic() - t0 < timeout:
        live = [s for i, s in enumerate(socks) if closed[i] is None]
        r, _, _ = select.select(live, [], [], 0.2)
        for s in r:
            try:
                b = s.recv(4096)
            except ConnectionResetError:
                b = b""
            if not b:
                closed[socks.index(s)] = time.monotonic() - t0
    print(" ".join("none" if c is None else "%.1f" % c for c in closed))
    return 0


def serve(port, path, n=1):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(4)
    ls.settimeout(30)
    for _ in range(n):
        c, _ = ls.accept()
        c.settimeout(10)
        head = b""
        while b"\r\n\r\n" not in head:
            b = c.recv(4096)
            if not b:
                break
            head += b
        with open(path, "ab") as f:
            f.write(head)
        c.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n"
                  b"Connection: close\r\n\r\n")
        c.close()
    return 0


def rpc(port, body):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("POST", "/ctl", body, {"Content-Type": "application/json"})
    sys.stdout.write(c.getresponse().read().decode())
    return 0


def probes(host, port, secs, extra):
    s, _ = open_ws(host, port)
    more = []
    n = 0
    start = time.monotonic()
    end = start + secs
    while time.monotonic() < end:
        if len(more) < extra and time.monotonic() >= start + 0.1 * len(more):
            more.append(open_ws(host, port)[0])
        h, p = read_frame(s, 0.05)
        if p is not None and len(p) >= 18 and p[12:14] == b"\x88\xb5" \
                and p[14:18] == b"EWLP":
            n += 1
    print("%d %d" % (n, len(more)))
    return 0


def main(a):
    if a[0] == "send":
        data = a[3].encode().decode("unicode_escape").encode("latin-1")
        return send(a[1], int(a[2]), data, *map(float, a[4:5]))
    if a[0] == "stall":
        return stall(a[1], int(a[2]), *map(float, a[3:4]))
    if a[0] == "serve":
        return serve(int(a[1]), a[2], *map(int, a[3:4]))
    if a[0] == "rpc":
        return rpc(int(a[1]), a[2])
    if a[0] == "probes":
        return probes(a[1], int(a[2]), float(a[3]), int(a[4]))
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
