#!/usr/bin/python3
"""hostile.py - hostile peers for tests/e2e_hostile.sh (stdlib only).

Every mode appends "key=value" lines to OUT, flushed at once; the shell
test decides pass/fail.  Every wait is bounded.  Client frames are masked
unless a case says otherwise.

  http HOST PORT PATH OUT
      request heads over the limits: a 9000-byte header line, an endless
      head of long lines sent slowly (up to 100 KB), 100 short header
      lines; with PATH=/ctl also Content-Length abuse (413/400).
  ctlslow HOST PORT OUT
      a control request whose body never completes (10 s deadline).
  slowloris HOST PORT N OUT SYNC [SRC]
      N connections that send part of a request line and stop (a tenth
      of them trickle a byte a second); touch SYNC.ready once all are
      open; record when the switch drops them.  SRC "A.B.C.D+K": the
      connections come from K addresses from A.B.C.D on, in turn.
  hold HOST PORT N SECS OUT SYNC [SRC]
      keep N such connections open for SECS, reopening each one the
      switch drops; touch SYNC.ready after N connects (or 10 s).
  replyeof HOST PORT PAIRS OUT ROUNDS
      connections closing at once, half of them right after a request
      that gets an error reply (a freed connection left on the list of
      connections with output to flush).
  proto HOST PORT OUT
      one WebSocket per protocol error; record the Close and the end.
  oversize HOST PORT CTLHOST CTLPORT MARKER OUT
      70,000-byte message as one frame, then as 7 fragments, then a
      valid broadcast frame carrying MARKER; Ping -> Pong proves the
      connection is alive; our portstat from listPort.
  sniff IFACE MARKER OUT SECS
      packet socket on IFACE: marker=seen when a frame carries MARKER.
  json HOST PORT OUT
      control bodies: deep nesting, invalid UTF-8, too many tokens.
  macflood HOST PORT N OUT SYNC [DISTINCT]
      N broadcast frames, each from a fresh random unicast source MAC
      (or DISTINCT random MACs in turn);
      touch SYNC.ready, hold the connection until SYNC.go.
  noread HOST PORT OUT SYNC [CONNS [PINGS]]
      CONNS (1) WebSockets with a tiny receive buffer that never read,
      each sending PINGS (0) Pings first;
      touch SYNC.ready, hold them until SYNC.go.
  bcast IFACE MBYTES OUT
      send MBYTES of 1400-byte broadcast frames out of IFACE.
  pingflood HOST PORT SECS OUT
      Pings (125-byte payload) as fast as possible for SECS, never read.
  pongcount HOST PORT PINGS OUT
      PINGS Pings without reading, then read 2 s: how many Pongs came.
  rpc HOST PORT METHOD [PARAMS]
      print the JSON-RPC reply (for the shell, with jq).

A peer whose frames must reach the switch's other ports (oversize,
macflood) or that must get frames (noread) first waits until its server
port forwards: a new port probes for loops and drops frames meanwhile.
The control endpoint is asked on HOST:CTL_PORT (e2e_hostile runs it on
every address of the switch), or on CTLHOST CTLPORT where given.
"""
import json
import os
import select
import selectors
import socket
import struct
import sys
import threading
import time

sys.dont_write_bytecode = True		# no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsraw import (Out, connect, esc, exchange, frame,  # noqa: E402
                   wait_all_forwarding,
                   open_ws, read_frame, read_to_eof, rpc_body,
                   wait_forwarding)

CTL_PORT = 7867
ETH_P_ALL = 0x0003
ETHERTYPE = b"\x88\xb5"		# IEEE local experimental


def touch(path):
    open(path, "a").close()


def wait_file(path, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return True
        time.sleep(0.05)
    return False


def read_frame1(s, timeout=3):
    """One server frame: (header bytes, opcode, payload) or None."""
    h, payload = read_frame(s, timeout)
    if payload is None:
        return None
    return h, h[0] & 0x0F, payload


def read_nonbinary(s, timeout=3):
    """The next server frame that is not binary (flooded Ethernet)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        f = read_frame1(s, max(0.1, deadline - time.monotonic()))
        if f is None or f[1] != 0x2:
            return f
    return None


def rpc(host, port, method, params=None, timeout=10):
    return post(host, port, rpc_body(method, params), timeout)


def post(host, port, body, timeout=10):
    """POST body to /ctl; the decoded JSON reply, or {'http': status}."""
    data, _, _ = exchange(host, port, b"POST /ctl HTTP/1.1\r\nHost: %s:%d\r\n"
                          % (host.encode(), port) +
                          b"Content-Type: application/json\r\nContent-Length:"
                          b" %d\r\n\r\n" % len(body) + body, timeout, timeout)
    head, _, rest = data.partition(b"\r\n\r\n")
    status = head.split(b"\r\n")[0]
    if not status.startswith(b"HTTP/1.1 200"):
        return {"http": esc(status)}
    try:
        return json.loads(rest)
    except ValueError:
        return {"http": "bad json: " + esc(rest[:80])}


def ether(dst, src, payload):
    return dst + src + ETHERTYPE + payload


def rand_unicast_mac():
    b = bytearray(os.urandom(6))
    b[0] &= 0xFE
    return bytes(b)


# ---------------------------------------------------------------------
# http: request heads over the limits


def http_one(out, name, host, port, req, timeout=4):
    try:
        data, end, _ = exchange(host, port, req, timeout)
    except OSError as e:
        out(name + "_status", "error:%s" % e)
        return
    out(name + "_status", esc(data.split(b"\r\n")[0]) if data else "none")
    out(name + "_end", end)


def endless(out, name, host, port, path, line):
    """Header lines sent every 2 ms until a reply, EOF or 100 KB."""
    try:
        s = connect(host, port)
    except OSError as e:
        out(name + "_status", "error:%s" % e)
        return
    sent = 0
    reply = b""
    end = "none"
    t0 = time.monotonic()
    try:
        s.sendall(b"GET %s HTTP/1.1\r\n" % path.encode())
        sent = len(path) + 15
        while sent < 100 * 1024 and time.monotonic() - t0 < 20:
            s.setblocking(False)
            try:
                b = s.recv(4096)
                if not b:
                    end = "eof"
                    break
                reply += b
                break
            except BlockingIOError:
                pass
            s.setblocking(True)
            s.sendall(line)
            sent += len(line)
            time.sleep(0.002)
    except (BrokenPipeError, ConnectionResetError):
        end = "reset"
    out(name + "_sent_before_reply", sent)
    s.setblocking(True)
    if end == "none":
        rest, end = read_to_eof(s, 4)
        reply += rest
    s.close()
    out(name + "_status", esc(reply.split(b"\r\n")[0]) if reply else "none")
    out(name + "_end", end)
    out(name + "_secs", "%.1f" % (time.monotonic() - t0))


def mode_http(a, out):
    host, port, path = a[0], int(a[1]), a[2]
    hp = "%s:%d" % (host, port)
    base = "GET %s HTTP/1.1\r\nHost: %s\r\n" % (path, hp)
    http_one(out, "big", host, port, (base + "X-Filler: " + "a" * 9000 +
                                      "\r\n\r\n").encode())
    http_one(out, "manylines", host, port, (base + "".join(
        "X-%d: b\r\n" % i for i in range(100)) + "\r\n").encode())
    endless(out, "endless", host, port, path,
            b"X-Endless: " + b"a" * 187 + b"\r\n")
    endless(out, "endlessshort", host, port, path, b"A: b\r\n")
    if path == "/ctl":
        post_h = "POST /ctl HTTP/1.1\r\nHost: %s\r\n" % hp
        for name, cl in (("cl413", "65537"), ("clhuge", "9" * 30),
                         ("clneg", "-1"), ("clhex", "0x10")):
            http_one(out, name, host, port, (post_h + "Content-Length: %s"
                                             "\r\n\r\n" % cl).encode())
        http_one(out, "te411", host, port, (
            post_h + "Transfer-Encoding: chunked\r\n\r\n"
            "5\r\nhello\r\n0\r\n\r\n").encode())
    out("http", "done")


def mode_ctlslow(a, out):
    host, port = a[0], int(a[1])
    try:
        data, end, el = exchange(host, port, b"POST /ctl HTTP/1.1\r\nHost: %s:%d"
                                 % (host.encode(), port) +
                                 b"\r\nContent-Length: 60000\r\n\r\n"
                                 b"{\"jsonrpc\": ", 14)
    except OSError as e:
        out("ctlslow_end", "error:%s" % e)
        return
    out("ctlslow_end", end)
    out("ctlslow_data", esc(data[:80]) if data else "none")
    out("ctlslow_secs", "%.1f" % el)


# ---------------------------------------------------------------------
# slowloris


def sources(a, i):
    """Source addresses from argument a[i], "A.B.C.D+N" (N addresses
    from A.B.C.D on), or [None] (the kernel's choice)."""
    if len(a) <= i:
        return [None]
    base, n = a[i].split("+")
    b = struct.unpack("!I", socket.inet_aton(base))[0]
    return [socket.inet_ntoa(struct.pack("!I", b + k)) for k in range(int(n))]


def tcp_nb(host, port, srcs, i):
    """A non-blocking connect from source srcs[i % len(srcs)]."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    src = srcs[i % len(srcs)]
    if src is not None:
        s.bind((src, 0))
    s.setblocking(False)
    s.connect_ex((host, port))
    return s


def mode_slowloris(a, out):
    host, port, n, sync = a[0], int(a[1]), int(a[2]), a[4]
    srcs = sources(a, 5)
    socks = []
    t0 = time.monotonic()
    errors = 0
    for base in range(0, n, 100):	# connect in batches of 100
        pend = {}
        for i in range(base, min(n, base + 100)):
            s = tcp_nb(host, port, srcs, i)
            pend[s] = i
        sel = selectors.DefaultSelector()
        for s in pend:
            sel.register(s, selectors.EVENT_WRITE)
        deadline = time.monotonic() + 5
        while pend and time.monotonic() < deadline:
            for key, _ in sel.select(0.2):
                s = key.fileobj
                i = pend.pop(s)
                sel.unregister(s)
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                    errors += 1
                    s.close()
                    continue
                try:
                    s.send(b"GET / HTTP/1.1\r\nHo" if i % 10 else b"G")
                except OSError:
                    errors += 1
                    s.close()
                    continue
                socks.append([s, time.monotonic(), None, i % 10 == 0])
        for s in pend:
            errors += 1
            s.close()
        sel.close()
    out("slow_opened", len(socks))
    out("slow_connect_errors", errors)
    out("slow_open_secs", "%.1f" % (time.monotonic() - t0))
    touch(sync + ".ready")
    sel = selectors.DefaultSelector()
    for e in socks:
        sel.register(e[0], selectors.EVENT_READ, e)
    left = len(socks)
    got_data = 0
    last_trickle = time.monotonic()
    deadline = time.monotonic() + 16
    while left > 0 and time.monotonic() < deadline:
        for key, _ in sel.select(0.2):
            e = key.data
            try:
                b = e[0].recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                b = b""
            if b:
                got_data += 1
                continue
            e[2] = time.monotonic() - e[1]
            sel.unregister(e[0])
            e[0].close()
            left -= 1
        if time.monotonic() - last_trickle >= 1:	# a byte a second
            last_trickle = time.monotonic()
            for e in socks:
                if e[3] and e[2] is None:
                    try:
                        e[0].send(b"E")
                    except OSError:
                        pass
    times = sorted(e[2] for e in socks if e[2] is not None)
    trick = sorted(e[2] for e in socks if e[2] is not None and e[3])
    out("slow_closed", len(times))
    out("slow_got_data", got_data)
    if times:
        out("slow_first_close", "%.1f" % times[0])
        out("slow_last_close", "%.1f" % times[-1])
    if trick:
        out("slow_trickle_last_close", "%.1f" % trick[-1])
    for e in socks:
        if e[2] is None:
            e[0].close()
    out("slowloris", "done")


def mode_hold(a, out):
    """Keep N slow connections open for SECS: reopen each one the switch
    drops (at most 200 connects in flight)."""
    host, port, n, secs, sync = a[0], int(a[1]), int(a[2]), float(a[3]), \
        a[5]
    srcs = sources(a, 6)
    nconn = 0
    sel = selectors.DefaultSelector()
    connecting = opened = dropped = 0
    ready = False
    t0 = time.monotonic()
    end = t0 + secs
    live = 0
    while time.monotonic() < end:
        while live + connecting < n and connecting < 200:
            s = tcp_nb(host, port, srcs, nconn)
            nconn += 1
            sel.register(s, selectors.EVENT_WRITE, "c")
            connecting += 1
        for key, ev in sel.select(0.1):
            s = key.fileobj
            if key.data == "c":
                connecting -= 1
                sel.unregister(s)
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                    s.close()
                    continue
                try:
                    s.send(b"GET / HTTP/1.1\r\nHo")
                except OSError:
                    s.close()
                    continue
                sel.register(s, selectors.EVENT_READ, "o")
                live += 1
                opened += 1
                continue
            try:
                b = s.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                b = b""
            if not b:
                sel.unregister(s)
                s.close()
                live -= 1
                dropped += 1
        if not ready and (opened >= n or time.monotonic() - t0 > 10):
            ready = True
            out("hold_live_at_ready", live)
            out("hold_ready_secs", "%.1f" % (time.monotonic() - t0))
            touch(sync + ".ready")
    out("hold_opened", opened)
    out("hold_dropped", dropped)
    for key in list(sel.get_map().values()):
        key.fileobj.close()
    out("hold", "done")


def mode_replyeof(a, out):
    """ROUNDS times: PAIRS connections; then, back to back, half of them
    just close and the other half send a request that gets an error reply
    followed by FIN -- so that in one loop round the switch frees some
    connections and queues a reply on others that it then frees too."""
    host, port, pairs, rounds = a[0], int(a[1]), int(a[2]), int(a[4])
    req = b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
    errors = 0
    for _ in range(rounds):
        socks = []
        for _ in range(2 * pairs):
            try:
                socks.append(connect(host, port))
            except OSError:
                errors += 1
        time.sleep(0.05)
        for i, s in enumerate(socks):
            try:
                if i % 2:
                    s.sendall(req)
                    s.shutdown(socket.SHUT_WR)
                else:
                    s.close()
            except OSError:
                errors += 1
        time.sleep(0.1)
        for s in socks:
            s.close()
    out("replyeof_errors", errors)
    out("replyeof", "done")


# ---------------------------------------------------------------------
# proto: one protocol error per connection


def mode_proto(a, out):
    host, port = a[0], int(a[1])
    cases = [
        ("unmasked", frame(0x2, b"\xff" * 20, masked=False)),
        ("rsv1", frame(0x2, b"\xff" * 20, rsv=4)),
        ("rsv2", frame(0x2, b"\xff" * 20, rsv=2)),
        ("rsv3", frame(0x2, b"\xff" * 20, rsv=1)),
        # 64-bit length 2^63 (top bit set)
        ("len2p63", bytes([0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0]) +
         os.urandom(4)),
        ("lenmax", bytes([0x82, 0xFF]) + b"\xff" * 8 + os.urandom(4)),
        ("ping126", frame(0x9, b"p" * 126)),
        ("pong200", frame(0xA, b"p" * 200)),
        ("close126", frame(0x8, b"\x03\xe8" + b"c" * 124)),
        ("pingfrag", frame(0x9, b"ping", fin=False)),
        ("op3", frame(0x3, b"x")),
        ("opB", frame(0xB, b"x")),
        ("straycont", frame(0x0, b"x")),
        ("newinmsg", frame(0x2, b"a" * 20, fin=False) +
         frame(0x2, b"b" * 20)),
        ("close1byte", frame(0x8, b"\x03")),
        ("text", frame(0x1, b"hello")),
    ]
    for name, payload in cases:
        try:
            s, _ = open_ws(host, port)
            s.sendall(payload)
            f = read_nonbinary(s)
            out(name + "_frame", f[0].hex(" ") + (" " + f[2].hex(" ")
                                                  if f[2] else "")
                if f else "none")
            rest, end = read_to_eof(s, 4)
            out(name + "_end", end)
            s.close()
        except OSError as e:
            out(name + "_frame", "error:%s" % e)
    out("proto", "done")


# ---------------------------------------------------------------------
# oversize messages: dropped, counted, the connection stays


def mode_oversize(a, out):
    host, port, chost, cport, marker = a[0], int(a[1]), a[2], int(a[3]), \
        a[4].encode()
    src = bytes.fromhex("02000000ee01")
    big = ether(b"\xff" * 6, src, b"B" * (70000 - 14))
    try:
        s, _ = open_ws(host, port)
        lport = s.getsockname()[1]
        out("local_port", lport)
        out("fwd", wait_forwarding(s, (chost, cport)))
        s.sendall(frame(0x2, big))			# one frame
        parts = [big[i:i + 10000] for i in range(0, 70000, 10000)]
        for i, p in enumerate(parts):			# 7 fragments
            s.sendall(frame(0x2 if i == 0 else 0x0, p,
                            fin=i == len(parts) - 1))
        # a fragmented message over the limit with a Ping in between
        s.sendall(frame(0x2, big[:40000], fin=False) +
                  frame(0x9, b"mid") + frame(0x0, big[40000:], fin=True))
        s.sendall(frame(0x2, ether(b"\xff" * 6, src, marker + b"\0" * 40)))
        s.sendall(frame(0x9, b"alive"))
        got = []
        deadline = time.monotonic() + 4
        while len(got) < 2 and time.monotonic() < deadline:
            f = read_nonbinary(s, max(0.1, deadline - time.monotonic()))
            if f is None:
                break
            got.append("%x:%s" % (f[1], f[2].decode("latin-1")))
        out("pongs", ",".join(got) if got else "none")
        time.sleep(0.2)
        r = rpc(chost, cport, "listPort")
        me = [e for e in r.get("result", {}).get("entries", [])
              if e.get("target") == "10.9.0.2:%d" % lport]
        if me:
            for k in ("port", "state", "rx", "rx_dropped", "tx"):
                out("me_" + k, me[0].get(k))
        else:
            out("me_port", "missing:%s" % json.dumps(r)[:200])
        s.sendall(frame(0x8, struct.pack("!H", 1000)))
        f = read_nonbinary(s)
        out("close", f[0].hex(" ") + " " + f[2].hex(" ") if f else "none")
        s.close()
    except OSError as e:
        out("oversize_error", str(e))
    out("oversize", "done")


def mode_sniff(a, out):
    iface, marker, secs = a[0], a[1].encode(), float(a[3])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    touch(a[2] + ".ready")
    deadline = time.monotonic() + secs
    n = 0
    while time.monotonic() < deadline:
        s.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            b = s.recv(70000)
        except socket.timeout:
            break
        n += 1
        if marker in b:
            out("marker", "seen")
            out("marker_len", len(b))
            break
    out("sniffed", n)


# ---------------------------------------------------------------------
# json: hostile control bodies


def mode_json(a, out):
    host, port = a[0], int(a[1])
    env = b'{"jsonrpc": "2.0", "id": 7, "method": ' \
        b'"etherws.control.listPort", "params": '
    cases = [
        ("deeparr", b"[" * 10000 + b"]" * 10000),
        ("deeparr_open", b"[" * 10000),
        ("deepobj", b'{"a":' * 10000 + b"1" + b"}" * 10000),
        ("deepparams", env + b"[" * 10000 + b"]" * 10000 + b"}"),
        ("utf8_ff", env + b'{"x": "\xff\xfe"}}'),
        ("utf8_overlong", env + b'{"x": "\xc0\xaf"}}'),
        ("utf8_surrogate", env + b'{"x": "\xed\xa0\x80"}}'),
        ("utf8_truncated", env + b'{"x": "\xe2\x82"}}'),
        ("utf8_in_key", env + b'{"\xff": 1}}'),
        ("utf8_method", b'{"jsonrpc": "2.0", "id": 7, "method": '
         b'"etherws.control.\xc3"}'),
        ("lone_surrogate_esc", env + b'{"x": "\\ud800"}}'),
        ("tokens", b"[" + b"0," * 30000 + b"0]"),
        ("bignum", env + b'{"x": 1' + b"0" * 20000 + b'}}'),
        ("nul", env + b'{"x": "a\0b"}}'),
    ]
    for name, body in cases:
        try:
            r = post(host, port, body)
        except OSError as e:
            out(name, "error:%s" % e)
            continue
        if "error" in r:
            out(name, r["error"].get("code"))
            out(name + "_data", str(r["error"].get("data"))[:100])
        elif "result" in r:
            out(name, "result")
        else:
            out(name, r.get("http"))
    out("json", "done")


# ---------------------------------------------------------------------
# macflood


def drain(s, stop):
    """Read and discard whatever the switch floods to us (without
    touching the socket's timeout, which the sender uses)."""
    while not stop.is_set():
        r, _, _ = select.select([s], [], [], 0.2)
        if not r:
            continue
        try:
            if not s.recv(65536, socket.MSG_DONTWAIT):
                return
        except BlockingIOError:
            continue
        except OSError:
            return


def mode_macflood(a, out):
    host, port, n, sync = a[0], int(a[1]), int(a[2]), a[4]
    distinct = int(a[5]) if len(a) > 5 else n
    macs = [rand_unicast_mac() for _ in range(min(n, distinct))]
    try:
        s, _ = open_ws(host, port)
    except OSError as e:
        out("flood_error", str(e))
        return
    out("local_port", s.getsockname()[1])
    out("fwd", wait_forwarding(s, (host, CTL_PORT)))
    s.settimeout(60)	# the switch may lag behind the flood
    stop = threading.Event()
    th = threading.Thread(target=drain, args=(s, stop), daemon=True)
    th.start()
    t0 = time.monotonic()
    batch = []
    for i in range(n):
        batch.append(frame(0x2, ether(b"\xff" * 6, macs[i % len(macs)],
                                      b"flood%08d" % i + b"\0" * 30)))
        if len(batch) == 200:
            s.sendall(b"".join(batch))
            batch = []
    if batch:
        s.sendall(b"".join(batch))
    out("flood_sent", n)
    out("flood_secs", "%.1f" % (time.monotonic() - t0))
    touch(sync + ".ready")
    out("go", "yes" if wait_file(sync + ".go", 40) else "timeout")
    stop.set()
    th.join(1)
    s.close()


# ---------------------------------------------------------------------
# noread / bcast / pingflood


def mode_noread(a, out):
    host, port, sync = a[0], int(a[1]), a[3]
    k = int(a[4]) if len(a) > 4 else 1
    pings = int(a[5]) if len(a) > 5 else 0
    socks = []
    for _ in range(k):
        try:
            s = open_ws(host, port, rcvbuf=4096)[0]
            socks.append(s)
        except OSError as e:
            out("noread_error", str(e))
    sent = 0
    if pings:
        batch = b"".join(frame(0x9, b"p" * 125) for _ in range(pings))
        for s in socks:
            s.setblocking(False)
            try:
                sent += s.send(batch)
            except OSError:
                pass
    out("noread_open", len(socks))
    out("noread_ping_bytes", sent)
    for st in wait_all_forwarding(socks, (host, CTL_PORT)):
        out("fwd", st)
    if socks:
        out("local_port", socks[0].getsockname()[1])
    touch(sync + ".ready")
    out("go", "yes" if wait_file(sync + ".go", 60) else "timeout")
    for s in socks:
        s.close()


def mode_bcast(a, out):
    iface, mbytes = a[0], float(a[1])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    f = ether(b"\xff" * 6, bytes.fromhex("02000000bcbc"), b"F" * 1386)
    total = int(mbytes * 1024 * 1024)
    sent = nobufs = 0
    t0 = time.monotonic()
    while sent < total and time.monotonic() - t0 < 15:
        try:
            sent += s.send(f)
        except OSError:			# ENOBUFS: the tap queue is full
            nobufs += 1
            time.sleep(0.0005)
    out("bcast_bytes", sent)
    out("bcast_nobufs", nobufs)
    out("bcast_secs", "%.1f" % (time.monotonic() - t0))


def mode_pingflood(a, out):
    host, port, secs = a[0], int(a[1]), float(a[2])
    try:
        s, _ = open_ws(host, port, rcvbuf=4096)
    except OSError as e:
        out("pf_error", str(e))
        return
    out("local_port", s.getsockname()[1])
    batch = b"".join(frame(0x9, os.urandom(125)) for _ in range(64))
    sent = 0
    end = "open"
    t0 = time.monotonic()
    s.settimeout(0.5)
    while time.monotonic() - t0 < secs:
        try:
            sent += s.send(batch)
        except socket.timeout:
            continue
        except (BrokenPipeError, ConnectionResetError):
            end = "closed"
            break
    out("pf_bytes", sent)
    out("pf_pings", sent // len(frame(0x9, b"x" * 125)))
    out("pf_end", end)
    out("pf_secs", "%.1f" % (time.monotonic() - t0))
    s.close()


def mode_pongcount(a, out):
    """PINGS Pings (125-byte payload) on a WebSocket that reads nothing
    meanwhile; then read for 2 s and count the Pongs."""
    host, port, pings = a[0], int(a[1]), int(a[2])
    try:
        s, _ = open_ws(host, port, rcvbuf=4096)
    except OSError as e:
        out("pc_error", str(e))
        return
    s.sendall(b"".join(frame(0x9, b"q" * 125) for _ in range(pings)))
    time.sleep(1)
    data = b""
    end = time.monotonic() + 2
    while time.monotonic() < end:
        r, _, _ = select.select([s], [], [], 0.1)
        if not r:
            continue
        try:
            b = s.recv(65536)
        except OSError:
            break
        if not b:
            break
        data += b
    n = i = 0
    while i + 2 <= len(data):		# server frames: unmasked
        ln = data[i + 1] & 0x7F
        h = 2
        if ln == 126:
            ln = struct.unpack("!H", data[i + 2:i + 4])[0]
            h = 4
        elif ln == 127:
            ln = struct.unpack("!Q", data[i + 2:i + 10])[0]
            h = 10
        if data[i] & 0x0F == 0xA:
            n += 1
        i += h + ln
    out("pc_pings", pings)
    out("pc_pongs", n)
    s.close()


def mode_rpc(a):
    params = json.loads(a[3]) if len(a) > 3 else None
    print(json.dumps(rpc(a[0], int(a[1]), a[2], params)))


MODES = {
    "http": (mode_http, 3), "ctlslow": (mode_ctlslow, 2),
    "slowloris": (mode_slowloris, 3), "proto": (mode_proto, 2),
    "hold": (mode_hold, 4), "replyeof": (mode_replyeof, 3),
    "oversize": (mode_oversize, 5), "sniff": (mode_sniff, 2),
    "json": (mode_json, 2), "macflood": (mode_macflood, 3),
    "noread": (mode_noread, 2), "bcast": (mode_bcast, 2),
    "pingflood": (mode_pingflood, 3), "pongcount": (mode_pongcount, 3),
}


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    mode, a = sys.argv[1], sys.argv[2:]
    if mode == "rpc":
        mode_rpc(a)
        return 0
    if mode not in MODES:
        print(__doc__, file=sys.stderr)
        return 2
    fn, outpos = MODES[mode]
    fn(a, Out(a[outpos]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
