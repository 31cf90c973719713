"""wsraw.py - raw WebSocket client pieces shared by the test helpers
(tests/hostile.py, tests/peer_ws.py, tests/datapath.py, tests/rawio.py,
tests/soak.py, tests/rstpeer.py); stdlib only, nothing here decides pass/fail.

Importers are run as "/usr/bin/python3 tests/X.py" (sometimes under
"ip netns exec") and find this module with
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
whatever the working directory.

Every read is bounded: the timeouts are per call (a deadline), and a
timeout or a reset ends a read quietly with what arrived so far.
"""
import base64
import hashlib
import json
import os
import socket
import struct
import threading
import time

SAMPLE_KEY = "dGhlIHNhbXBsZSBub25jZQ=="	# the RFC 6455 sample nonce


class Out:
    """OUT("key", value) appends "key=value" to a file, flushed at once
    (thread-safe); the shell test reads it."""

    def __init__(self, path):
        self.f = open(path, "a")
        self.lock = threading.Lock()

    def __call__(self, key, value):
        with self.lock:
            self.f.write("%s=%s\n" % (key, value))
            self.f.flush()


def esc(b):
    """Bytes as one printable line: \\r, \\n, \\\\ and \\xNN escapes."""
    r = []
    for x in b:
        if x == 0x0D:
            r.append("\\r")
        elif x == 0x0A:
            r.append("\\n")
        elif x == 0x5C:
            r.append("\\\\")
        elif 0x20 <= x < 0x7F:
            r.append(chr(x))
        else:
            r.append("\\x%02x" % x)
    return "".join(r)


# ---------------------------------------------------------------------
# Connecting and the upgrade request

def connect(host, port, timeout=3, rcvbuf=None):
    """A TCP connection (SO_RCVBUF set before connecting if RCVBUF)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect((host, port))
    return s


def request(host, port, method="GET", path="/", drop=(), extra=(),
            version="13", key=SAMPLE_KEY):
    """An upgrade request head: Host, Upgrade, Connection,
    Sec-WebSocket-Key and -Version in that order, less the header names
    in DROP, plus the (name, value) pairs in EXTRA."""
    h = [("Host", "%s:%d" % (host, port)), ("Upgrade", "websocket"),
         ("Connection", "Upgrade"), ("Sec-WebSocket-Key", key),
         ("Sec-WebSocket-Version", version)]
    h = [(k, v) for k, v in h if k not in drop] + list(extra)
    return ("%s %s HTTP/1.1\r\n" % (method, path) +
            "".join("%s: %s\r\n" % kv for kv in h) + "\r\n").encode()


def accept_value(head):
    """Sec-WebSocket-Accept for the Sec-WebSocket-Key of a request HEAD
    (bytes), as a server answers it (RFC 6455 4.2.2)."""
    key = b""
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"sec-websocket-key:"):
            key = line.split(b":", 1)[1].strip()
    return base64.b64encode(hashlib.sha1(
        key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())


def open_ws(host, port, key=SAMPLE_KEY, rcvbuf=None):
    """Connect and upgrade: (socket, response head); OSError (the socket
    closed) unless the reply is a 101."""
    s = connect(host, port, rcvbuf=rcvbuf)
    s.sendall(request(host, port, key=key))
    head = read_head(s)
    if not head.startswith(b"HTTP/1.1 101 "):
        s.close()
        raise OSError("no 101: %r" % head[:80])
    return s, head


# ---------------------------------------------------------------------
# Bounded reads

def read_to_eof(s, timeout):
    """All bytes until EOF; (data, 'eof'|'timeout'|'reset')."""
    data = b""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return data, "timeout"
        s.settimeout(left)
        try:
            b = s.recv(65536)
        except socket.timeout:
            return data, "timeout"
        except ConnectionResetError:
            return data, "reset"
        if not b:
            return data, "eof"
        data += b


def read_while(s, timeout, want):
    """Bytes read while WANT(bytes so far) > 0, asking recv() for that
    many each time; ends early, with what came, on timeout, reset or
    EOF."""
    data = b""
    deadline = time.monotonic() + timeout
    while want(data) > 0:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            b = s.recv(want(data))
        except (socket.timeout, ConnectionResetError):
            break
        if not b:
            break
        data += b
    return data


def read_exact(s, n, timeout=3):
    """N bytes, or fewer on timeout, reset or EOF."""
    return read_while(s, timeout, lambda d: n - len(d))


def read_head(s, timeout=3):
    """An HTTP head up to and with the blank line (or what came), read
    byte by byte: frames after it stay unread."""
    return read_while(s, timeout,
                      lambda d: 0 if b"\r\n\r\n" in d else 1)


def exchange(host, port, data, timeout, connect_timeout=3):
    """Connect, send DATA, read until EOF (at most TIMEOUT s): (reply,
    'eof'|'timeout'|'reset', seconds from the send to the end).  OSError
    from connect or send propagates."""
    s = connect(host, port, connect_timeout)
    try:
        t = time.monotonic()
        s.sendall(data)
        reply, end = read_to_eof(s, timeout)
        return reply, end, time.monotonic() - t
    finally:
        s.close()


# ---------------------------------------------------------------------
# Frames

def header(op, n, masked=True, fin=True, rsv=0):
    """A frame header for an N-byte payload, without the mask key."""
    b0 = (0x80 if fin else 0) | (rsv << 4) | op
    m = 0x80 if masked else 0
    if n < 126:
        return bytes([b0, m | n])
    if n < 65536:
        return bytes([b0, m | 126]) + struct.pack("!H", n)
    return bytes([b0, m | 127]) + struct.pack("!Q", n)


def xor_mask(data, key):
    """DATA masked (or unmasked) with the 4-byte KEY."""
    n = len(data)
    if n == 0:
        return b""
    k = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^
            int.from_bytes(k, "big")).to_bytes(n, "big")


def frame(op, payload, masked=True, fin=True, rsv=0, length=None,
          key=None):
    """A client frame (masked with KEY, random if None) or, with
    masked=False, an unmasked one; LENGTH overrides the encoded payload
    length."""
    hdr = header(op, len(payload) if length is None else length, masked,
                 fin, rsv)
    if not masked:
        return hdr + payload
    if key is None:
        key = os.urandom(4)
    return hdr + key + xor_mask(payload, key)


def read_frame(s, timeout=3):
    """One frame as read: (header bytes with the extended length and the
    mask key, payload -- at most 70000 bytes of it); (the bytes, None)
    if not even the 2-byte header came within TIMEOUT.  Each part is read
    with its own TIMEOUT."""
    h = read_exact(s, 2, timeout)
    if len(h) < 2:
        return h, None
    n = h[1] & 0x7F
    ext = b""
    if n == 126:
        ext = read_exact(s, 2, timeout)
        n = struct.unpack("!H", ext)[0] if len(ext) == 2 else 0
    elif n == 127:
        ext = read_exact(s, 8, timeout)
        n = struct.unpack("!Q", ext)[0] if len(ext) == 8 else 0
    mask = read_exact(s, 4, timeout) if h[1] & 0x80 else b""
    return h + ext + mask, read_exact(s, min(n, 70000), timeout)


# ---------------------------------------------------------------------
# JSON-RPC

def rpc_body(method, params=None):
    """The JSON-RPC request for etherws.control.METHOD (id 1), bytes."""
    body = {"jsonrpc": "2.0", "id": 1, "method": "etherws.control." + method}
    if params is not None:
        body["params"] = params
    return json.dumps(body).encode()


def list_ports(host="127.0.0.1", port=7867, timeout=5):
    """listPort's entries from the control endpoint at HOST:PORT ([] on
    any failure)."""
    body = rpc_body("listPort")
    try:
        # the Host the control endpoint takes from a non-browser
        hp = ("[%s]:%d" if ":" in host else "%s:%d") % (host, port)
        data, _, _ = exchange(host, port, b"POST /ctl HTTP/1.1\r\nHost: " +
                              hp.encode() + b"\r\nContent-Length: %d"
                              b"\r\n\r\n" % len(body) + body, timeout,
                              timeout)
        return json.loads(data.partition(b"\r\n\r\n")[2])["result"]["entries"]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def wait_all_forwarding(socks, ctl=("127.0.0.1", 7867), timeout=5):
    """wait_forwarding for many connections at once, one listPort per
    round and TIMEOUT s in all (a port cut meanwhile, or refused, never
    shows up: waiting for each in turn would take TIMEOUT s each).  The
    ports' last states in SOCKS' order (None: not seen)."""
    mes = []
    for s in socks:
        try:
            mes.append("%s:%d" % s.getsockname()[:2])
        except OSError:
            mes.append(None)
    t0 = time.monotonic()
    while True:
        seen = {}
        for e in list_ports(*ctl):
            if e.get("type") == "server":
                seen[e.get("target")] = e.get("state")
        states = [seen.get(m) for m in mes]
        settled = all(st not in (None, "probing") for st in states) or \
            (time.monotonic() - t0 > 1.5 and "probing" not in states)
        if settled or time.monotonic() - t0 > timeout:
            return states
        time.sleep(0.05)


def wait_forwarding(sock, ctl=("127.0.0.1", 7867), timeout=3):
    """Wait (at most TIMEOUT s) until the switch's server port for SOCK, a
    connection to it (its target is SOCK's own address), forwards: a new
    port probes for loops first and drops the users' frames meanwhile.
    CTL: the switch's control endpoint.  The port's last state, or None
    if it never showed up."""
    me = "%s:%d" % sock.getsockname()[:2]
    deadline = time.monotonic() + timeout
    state = None
    while True:
        for e in list_ports(*ctl):
            if e.get("type") == "server" and e.get("target") == me:
                state = e.get("state")
        if state == "up" or time.monotonic() > deadline:
            return state
        time.sleep(0.05)
