#!/usr/bin/python3
"""datapath.py - data-path regression peer for tests/e2e_datapath.sh.

Run with /usr/bin/python3 (stdlib only) inside the switch's namespace:
the packet sockets on the switch's tap and the JSON-RPC control endpoint
(127.0.0.1:7867) are there; the WebSocket connection is made from the
peer namespace (--peer-netns, entered with setns() just to create the
TCP socket), so the tunnel crosses a veth link.  ws:// uses a plain
socket; wss:// runs ssl.SSLObject over memory BIOs, so the raw TCP bytes
(TLS records) are under our control in both directions.

Every scenario appends "key=value" lines to OUT (flushed at once); the
shell test decides pass/fail.  Every wait is bounded.  Each connection
first waits (at most 3 s) until its server port forwards: a new port
probes for loops and drops the users' frames meanwhile.

  bulk   N frames (60..1514 bytes, a few 9000-byte jumbos, 7 oversize
         65536+ messages the switch must drop, pings in between) as
         masked client frames in ONE sendall; the tap must see every
         sequence number once, in order, byte-exact; port rx counters.
  split  the same stream cut into 1..3000-byte pieces with tiny sleeps,
         plus forced cuts inside the 2-byte header, the 16- and 64-bit
         lengths, the mask key, and at the header/payload boundary; for
         wss each piece is a TLS record and records are cut across TCP
         sends too.
  batch  the switch is stopped (SIGSTOP), N frames are injected on the
         tap, SIGCONT: the peer checks order/content and counts frames
         completed per recv() (ws) and per TLS record (wss).
  ovf    a peer that does not read while BURST frames are injected:
         tx_dropped > 0, tx + tx_dropped == tap rx; loop probes sent
         while the queue is full (5 s: two rounds) still come, after
         the last data frame and before the marker; then it reads again
         and the stream must be well-formed, strictly increasing, and
         hold exactly tx frames.
  frag   a message in 3 fragments with a Ping in between, once in one
         send and once in tiny pieces: one frame on the tap, Pongs back.
  tail   bursts of 50..125 jumbo frames, one write each: every frame of
         a burst must reach the tap with no later traffic from the peer
         (the end of a burst must not wait in a buffer epoll cannot
         see, e.g. plaintext left in the TLS engine at the read budget).
"""
import argparse
import base64
import ctypes
import http.client
import json
import os
import random
import signal
import socket
import ssl
import struct
import sys
import threading
import time

sys.dont_write_bytecode = True		# no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wsraw  # noqa: E402
from wsraw import Out  # noqa: E402

ETH_P = 0x88B6			# IEEE local experimental 2 (0x88b5 = probes)
MAGIC = b"EWDP"
BCAST = b"\xff" * 6
PEER_MAC = bytes.fromhex("02000000dd01")
TAP_MAC = bytes.fromhex("02000000dd02")
PROBE_DST = bytes.fromhex("036574687773")
PACKET_OUTGOING = 4
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)
CLONE_NEWNET = 0x40000000
PAT = bytes(range(256)) * 300	# > 65536 + 997 * NOVER + 255
SCEN = {"bulk": 1, "split": 2, "batch": 3, "ovf": 4, "frag": 5, "tail": 6}
LIGHT = (SCEN["tail"],)		# only (scen, seq) kept of these
NOVER = 7			# oversize messages in bulk/split
SEND_TIMEOUT = 10		# a blocked send (recv() sets shorter ones)


def eth_frame(scen, seq, size, src):
    """A broadcast test frame of SIZE bytes, its payload derived from
    (scen, seq) so the receiver can check every byte."""
    meta = MAGIC + bytes([scen, 0]) + struct.pack("!II", seq, size)
    n = size - 14 - len(meta)
    off = (seq * 31 + scen) % 256
    return BCAST + src + struct.pack("!H", ETH_P) + meta + PAT[off:off + n]


def parse_eth(f):
    """(scen, seq) of a test frame, or None."""
    if len(f) < 26 or f[12:14] != struct.pack("!H", ETH_P) or \
            f[14:18] != MAGIC:
        return None
    seq, = struct.unpack("!I", f[20:24])
    return f[18], seq


def sizes(n, seed, jumbo=True, top=1514):
    rng = random.Random(seed)
    edge = [60, 125, 126, 127, 1514, 61, 139, 140]
    out = []
    for i in range(n):
        if jumbo and i in (n // 8, n // 2, n - 1 - n // 8):
            out.append(9000)
        elif i % 50 == 0:
            out.append(edge[(i // 50) % len(edge)])
        else:
            out.append(rng.randint(60, top))
    return out


def ws_frame(op, payload, fin=True, key=None):
    """A masked client frame: (bytes, extension length (0, 2 or 8),
    offset of the mask key)."""
    hdr = wsraw.header(op, len(payload), fin=fin)
    if key is None:
        key = os.urandom(4)
    return hdr + key + wsraw.xor_mask(payload, key), len(hdr) - 2, len(hdr)


# ---------------------------------------------------------------------
# Server frames (unmasked)

class Parser:
    def __init__(self):
        self.buf = b""
        self.error = None

    def feed(self, data):
        """Complete frames in DATA (plus what was left over):
        list of (fin, op, payload)."""
        self.buf += data
        out = []
        b = self.buf
        off = 0
        while len(b) - off >= 2:
            b0, b1 = b[off], b[off + 1]
            if b0 & 0x70 or b1 & 0x80:
                self.error = "bad header %02x %02x" % (b0, b1)
                self.buf = b""
                return out
            n = b1 & 0x7F
            h = 2
            if n == 126:
                if len(b) - off < 4:
                    break
                n, = struct.unpack("!H", b[off + 2:off + 4])
                h = 4
            elif n == 127:
                if len(b) - off < 10:
                    break
                n, = struct.unpack("!Q", b[off + 2:off + 10])
                h = 10
            if len(b) - off < h + n:
                break
            out.append((b0 >> 7, b0 & 0x0F, b[off + h:off + h + n]))
            off += h + n
        self.buf = b[off:]
        return out


# ---------------------------------------------------------------------
# Transports

def in_netns(path, fn):
    """Run FN with this thread in the network namespace at PATH."""
    libc = ctypes.CDLL(None, use_errno=True)
    cur = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    tgt = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(tgt, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns")
        try:
            return fn()
        finally:
            if libc.setns(cur, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back")
    finally:
        os.close(cur)
        os.close(tgt)


class Plain:
    tls = False

    def __init__(self, sock):
        self.s = sock

    def send(self, data):
        self.s.settimeout(SEND_TIMEOUT)
        self.s.sendall(data)

    def send_pieces(self, pieces, pause):
        self.s.settimeout(SEND_TIMEOUT)
        for p in pieces:
            self.s.sendall(p)
            time.sleep(pause)

    def recv_raw(self, timeout):
        """The bytes of one recv(); b"" at EOF (or reset), None on
        timeout."""
        self.s.settimeout(timeout)
        try:
            return self.s.recv(1 << 20)
        except socket.timeout:
            return None
        except ConnectionResetError:
            return b""

    def recv(self, timeout):
        """List of plaintext pieces (one per recv) or None at EOF;
        [] on timeout."""
        d = self.recv_raw(timeout)
        if d is None:
            return []
        return [d] if d else None

    def close(self):
        self.s.close()


class TLS(Plain):
    """TLS client on memory BIOs: we see (and cut) the raw records."""
    tls = True

    def __init__(self, sock):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.s = sock
        self.inc, self.outg = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.inc, self.outg)
        self.raw = b""
        self.records = 0
        sock.settimeout(5)
        while True:
            try:
                self.obj.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._push()
                d = sock.recv(65536)
                if not d:
                    raise OSError("EOF in TLS handshake")
                self.inc.write(d)
        self._push()
        self.version = self.obj.version()
        self.cipher = self.obj.cipher()[0]

    def _push(self):
        d = self.outg.read()
        if d:
            self.s.settimeout(SEND_TIMEOUT)
            self.s.sendall(d)

    def send(self, data):
        self.obj.write(data)
        self._push()

    def send_pieces(self, pieces, pause, rng=None):
        """Each piece is one TLS record; the raw bytes go out in
        pieces of their own, cut at random points inside records."""
        rng = rng or random.Random(7)
        self.s.settimeout(SEND_TIMEOUT)
        for p in pieces:
            self.obj.write(p)
            raw = self.outg.read()
            while raw:
                cut = rng.randint(1, len(raw)) if rng.random() < 0.5 \
                    else len(raw)
                self.s.sendall(raw[:cut])
                raw = raw[cut:]
                time.sleep(pause)

    def recv(self, timeout):
        """Plaintext, one piece per TLS record (records are fed to the
        engine one at a time); None at EOF or close_notify."""
        d = self.recv_raw(timeout)
        if d is None:
            return []
        if not d:
            return None
        self.raw += d
        pieces = []
        while len(self.raw) >= 5:
            n, = struct.unpack("!H", self.raw[3:5])
            if len(self.raw) < 5 + n:
                break
            rec, self.raw = self.raw[:5 + n], self.raw[5 + n:]
            self.inc.write(rec)
            self.records += 1
            got = b""
            try:
                while True:
                    x = self.obj.read(1 << 20)
                    if not x:
                        break
                    got += x
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLZeroReturnError:
                pieces.append(got)
                return pieces + [None]
            pieces.append(got)
        return pieces


class WS:
    """A WebSocket client connection from the peer namespace."""

    def __init__(self, a, rcvbuf=None):
        s = in_netns(a.peer_netns, lambda: wsraw.connect(
            a.host, a.port, timeout=5, rcvbuf=rcvbuf or None))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.local_port = s.getsockname()[1]
        self.t = TLS(s) if a.tls else Plain(s)
        key = base64.b64encode(os.urandom(16)).decode()
        self.t.send(wsraw.request(a.host, a.port, key=key))
        head = b""
        deadline = time.monotonic() + 5
        while b"\r\n\r\n" not in head and time.monotonic() < deadline:
            ps = self.t.recv(0.5)
            if ps is None or None in ps:
                break
            head += b"".join(ps)
        head, _, rest = head.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101 "):
            raise OSError("no 101: %r" % head[:60])
        self.p = Parser()
        self.early = self.p.feed(rest)
        self.eof = False
        # A new port probes for loops before it forwards: frames sent
        # meanwhile would be dropped.
        p = port_of(a, self)
        self.state = p.get("state") if p else None

    def read(self, timeout):
        """[(frames completed in one piece), ...] for one recv."""
        ps = self.t.recv(timeout)
        if ps is None:
            self.eof = True
            return []
        out = []
        for piece in ps:
            if piece is None:
                self.eof = True
                break
            out.append(self.p.feed(piece))
        return out

    def close(self):
        try:
            self.t.send(ws_frame(0x8, struct.pack("!H", 1000))[0])
            deadline = time.monotonic() + 2
            while not self.eof and time.monotonic() < deadline:
                self.read(0.2)
        except OSError:
            pass
        self.t.close()


# ---------------------------------------------------------------------
# Tap side and control

class Tap:
    def __init__(self, ifname):
        self.rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                socket.htons(ETH_P))
        self.rx.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
        self.rx.bind((ifname, ETH_P))
        # protocol 0: a send-only socket, it receives nothing
        self.tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        self.tx.bind((ifname, 0))
        self.frames = []
        self.lock = threading.Lock()
        self.stop = False
        self.th = threading.Thread(target=self._run, daemon=True)
        self.th.start()

    def _run(self):
        self.rx.settimeout(0.1)
        while not self.stop:
            try:
                f, addr = self.rx.recvfrom(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            if addr[2] == PACKET_OUTGOING:
                continue
            k = parse_eth(f)
            if k is not None:
                with self.lock:
                    self.frames.append((k[0], k[1],
                                        None if k[0] in LIGHT else f))

    def take(self, scen):
        with self.lock:
            return [(q, f) for s, q, f in self.frames if s == scen]

    def wait(self, scen, n, timeout, settle=0.3):
        """Frames of SCEN once N arrived (or TIMEOUT), plus SETTLE more
        seconds to catch duplicates."""
        deadline = time.monotonic() + timeout
        while len(self.take(scen)) < n and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(settle)
        return self.take(scen)

    def inject(self, frame):
        self.tx.send(frame)


def rpc_ports():
    c = http.client.HTTPConnection("127.0.0.1", 7867, timeout=5)
    c.request("POST", "/ctl", json.dumps(
        {"jsonrpc": "2.0", "method": "etherws.control.listPort", "id": 1}),
        {"Content-Type": "application/json"})
    d = json.loads(c.getresponse().read())
    c.close()
    r = d["result"]
    return r["entries"]


def codel_dropped(port):
    """showPort's codel_dropped of a port: frames counted in tx that the
    queue's CoDel dropped for waiting too long (0 if none shown)."""
    c = http.client.HTTPConnection("127.0.0.1", 7867, timeout=5)
    c.request("POST", "/ctl", json.dumps(
        {"jsonrpc": "2.0", "method": "etherws.control.showPort",
         "params": {"port": port}, "id": 1}),
        {"Content-Type": "application/json"})
    d = json.loads(c.getresponse().read())
    c.close()
    return d["result"]["entries"][0].get("codel_dropped", 0)


def port_of(a, ws=None, kind=None):
    """The listPort entry of the tap (kind='tap') or of WS's port, once
    it forwards (a new port probes for loops first)."""
    deadline = time.monotonic() + 3
    while True:
        for p in rpc_ports():
            if kind == "tap" and p["type"] == "tap":
                return p
            if ws is not None and p["type"] == "server" and \
                    p["target"] == "%s:%d" % (a.peer_ip, ws.local_port) \
                    and (p.get("state") == "up" or
                         time.monotonic() > deadline):
                return p
        if time.monotonic() > deadline:
            return None
        time.sleep(0.05)


def wait_port_gone(a, ws):
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        if not any(p["type"] == "server" and p["target"] ==
                   "%s:%d" % (a.peer_ip, ws.local_port) for p in rpc_ports()):
            return True
        time.sleep(0.05)
    return False


def check_tap(out, pfx, got, expect):
    """GOT: [(seq, frame)] seen on the tap; EXPECT: {seq: frame} in the
    order sent."""
    seqs = [q for q, _ in got]
    out(pfx + "_tap_frames", len(got))
    out(pfx + "_tap_missing", len(set(expect) - set(seqs)))
    out(pfx + "_tap_dups", len(seqs) - len(set(seqs)))
    out(pfx + "_tap_unexpected", len(set(seqs) - set(expect)))
    out(pfx + "_tap_order", "ok" if seqs == sorted(seqs) else "bad")
    bad = [q for q, f in got if expect.get(q) != f]
    out(pfx + "_tap_content", "ok" if not bad else
        "bad:%d(first seq %d)" % (len(bad), bad[0]))


def read_pongs(out, pfx, ws, want, timeout=5):
    got = []
    other = 0
    for _, op, pl in ws.early:
        if op == 0xA:
            got.append(pl)
    deadline = time.monotonic() + timeout
    while (not got or got[-1] != want[-1]) and \
            time.monotonic() < deadline and not ws.eof:
        for frames in ws.read(0.2):
            for fin, op, pl in frames:
                if op == 0xA:
                    got.append(pl)
                elif op != 0x2:
                    other += 1
    # Pings that came while our Pong was still queued are answered
    # only for the latest (RFC 6455 5.5.3): every Pong answers one of
    # them, in order, and the last Ping is answered.
    it = iter(want)
    inorder = all(any(g == w for w in it) for g in got)
    out(pfx + "_pongs", "ok" if got and inorder and got[-1] == want[-1]
        else "got:%r" % [x[:20] for x in got])
    out(pfx + "_stream_error", ws.p.error or "none")


# ---------------------------------------------------------------------
# Scenarios

def client_stream(a, scen, seed):
    """The bulk/split stream: N deliverable frames, NOVER oversize
    messages and 5 pings interleaved.  Returns (stream bytes, frame
    table [(start, ext, hlen, kind)], expected {seq: frame}, pings)."""
    n = a.n
    szs = sizes(n, seed)
    expect = {}
    parts = []
    over_at = {n * (k + 1) // (NOVER + 1): k for k in range(NOVER)}
    ping_at = {n * (k + 1) // 6 + 3: k for k in range(5)}
    pings = []
    rng = random.Random(seed + 1)
    for i in range(n):
        f = eth_frame(scen, i, szs[i], PEER_MAC)
        expect[i] = f
        key = b"\0\0\0\0" if i % 97 == 0 else bytes(
            rng.randrange(256) for _ in range(4))
        parts.append(("eth",) + ws_frame(0x2, f, key=key))
        if i in over_at:	# 65536.. bytes: the switch must drop it
            k = over_at[i]
            big = eth_frame(scen, 0xFFFFFF00 + k, 65536 + 997 * k,
                            PEER_MAC)
            parts.append(("over",) + ws_frame(0x2, big))
        if i in ping_at:
            pl = b"dp-ping-%d-%d" % (scen, ping_at[i])
            pings.append(pl)
            parts.append(("ping",) + ws_frame(0x9, pl))
    table = []
    off = 0
    for kind, b, ext, hlen in parts:
        table.append((off, ext, hlen, kind))
        off += len(b)
    return b"".join(p[1] for p in parts), table, expect, pings


def forced_cuts(table, rng):
    """Cut points inside headers: the 2-byte header, the 16-bit and
    64-bit lengths, the mask key, and header/payload boundary."""
    cuts = set()
    counts = {"hdr2": 0, "len16": 0, "len64": 0, "mask": 0, "payload": 0}
    for i, (off, ext, hlen, kind) in enumerate(table):
        if kind == "over":	# every byte of the 64-bit length, in turn
            cuts.add(off + 2 + (i % 7) + 1)
            cuts.add(off + 1)
            counts["len64"] += 1
            counts["hdr2"] += 1
            continue
        if i % 4 != 0:
            continue
        c = (i // 4) % 4
        if c == 0:
            cuts.add(off + 1)
            counts["hdr2"] += 1
        elif c == 1 and ext == 2:
            cuts.add(off + 3)
            counts["len16"] += 1
        elif c == 1 and ext == 0:
            cuts.add(off + 2)	# right after the 7-bit length
            counts["mask"] += 1
        else:
            m = off + hlen - 4	# the mask key
            cuts.add(m + 1 + rng.randrange(3))
            counts["mask"] += 1
            if c == 3:
                cuts.add(off + hlen)
                counts["payload"] += 1
    return cuts, counts


def sc_bulk_split(a, out, tap, name):
    scen = SCEN[name]
    stream, table, expect, pings = client_stream(a, scen, 100 + scen)
    ws = WS(a)
    port = port_of(a, ws)
    tap0 = port_of(a, kind="tap")
    out(name + "_stream_bytes", len(stream))
    if ws.t.tls:
        out(name + "_tls", "%s/%s" % (ws.t.version, ws.t.cipher))
    t = time.monotonic()
    if name == "bulk":
        ws.t.send(stream)		# ONE sendall (ws) / write (wss)
    else:
        rng = random.Random(5)
        cuts, counts = forced_cuts(table, rng)
        pos = 0
        while pos < len(stream):	# random pieces 1..3000
            pos += rng.randint(1, 3000)
            cuts.add(pos)
        cuts = sorted(c for c in cuts if 0 < c < len(stream))
        pieces = [stream[x:y] for x, y in
                  zip([0] + cuts, cuts + [len(stream)])]
        out(name + "_pieces", len(pieces))
        for k, v in sorted(counts.items()):
            out(name + "_cuts_" + k, v)
        ws.t.send_pieces(pieces, a.pause)
    out(name + "_send_s", "%.2f" % (time.monotonic() - t))
    got = tap.wait(scen, len(expect), 20)
    check_tap(out, name, got, expect)
    read_pongs(out, name, ws, pings)
    p1 = port_of(a, ws)
    tap1 = port_of(a, kind="tap")
    if p1 and port:
        out(name + "_port_rx", p1["rx"])
        out(name + "_port_rx_dropped", p1["rx_dropped"])
    out(name + "_tap_tx_delta", tap1["tx"] - tap0["tx"])
    ws.close()
    out(name + "_port_gone", "yes" if wait_port_gone(a, ws) else "no")


def sc_batch(a, out, tap):
    scen = SCEN["batch"]
    # ~0.8 MB in all: the whole backlog fits the default --queue
    # (1 MB), which a fresh connection's small window may leave to it
    szs = sizes(a.n, 300, top=700)
    frames = [eth_frame(scen, i, szs[i], TAP_MAC) for i in range(a.n)]
    ws = WS(a)
    port_of(a, ws)
    tap0 = port_of(a, kind="tap")
    try:
        with open("/proc/%d/comm" % a.swpid) as f:
            comm = f.read().strip()
    except OSError:
        comm = "?"
    stopped = comm.startswith("etherws")	# our switch, not a wrapper
    out("batch_sigstop", "yes" if stopped else "no:comm=%s" % comm)
    try:
        if stopped:
            os.kill(a.swpid, signal.SIGSTOP)
        for f in frames:
            tap.inject(f)
    finally:
        if stopped:
            os.kill(a.swpid, signal.SIGCONT)
    seqs = []
    bad = 0
    per_read = []
    per_rec_max = 0
    deadline = time.monotonic() + 15
    idle = time.monotonic()
    while len(seqs) < a.n and time.monotonic() < deadline and \
            time.monotonic() - idle < 3 and not ws.eof:
        pieces = ws.read(0.5)
        if not pieces:
            continue
        idle = time.monotonic()
        n_read = 0
        for frames_ in pieces:
            n_rec = 0
            for fin, op, pl in frames_:
                k = parse_eth(pl) if op == 0x2 else None
                if k is None or k[0] != scen:
                    continue
                n_rec += 1
                seqs.append(k[1])
                if k[1] >= a.n or pl != frames[k[1]]:
                    bad += 1
            per_rec_max = max(per_rec_max, n_rec)
            n_read += n_rec
        per_read.append(n_read)
    out("batch_bytes", sum(szs))
    out("batch_frames", len(seqs))
    out("batch_order", "ok" if seqs == list(range(a.n)) else
        "bad:%d distinct" % len(set(seqs)))
    out("batch_content", "ok" if bad == 0 else "bad:%d" % bad)
    out("batch_stream_error", ws.p.error or "none")
    reads = [x for x in per_read if x > 0]
    out("batch_recvs", len(reads))
    out("batch_frames_per_recv_avg",
        "%.1f" % (sum(reads) / len(reads)) if reads else "0")
    out("batch_frames_per_recv_max", max(reads) if reads else 0)
    out("batch_multi_frame_recv", "yes" if reads and max(reads) > 1
        else "no")
    if ws.t.tls:
        out("batch_tls_records", ws.t.records)
        out("batch_frames_per_record_max", per_rec_max)
        out("batch_multi_frame_record", "yes" if per_rec_max > 1 else "no")
    p = port_of(a, ws)
    tap1 = port_of(a, kind="tap")
    out("batch_port_tx", p["tx"] if p else "none")
    out("batch_port_tx_dropped", p["tx_dropped"] if p else "none")
    out("batch_tap_rx_delta", tap1["rx"] - tap0["rx"])
    ws.close()
    out("batch_port_gone", "yes" if wait_port_gone(a, ws) else "no")


def sc_ovf(a, out, tap):
    scen = SCEN["ovf"]
    rng = random.Random(400)
    ws = WS(a, rcvbuf=16384)		# a small window: the queue fills
    port_of(a, ws)
    tap0 = port_of(a, kind="tap")
    # The last 500 are minimum-size: they top the queue up until even a
    # 60-byte frame does not fit (a loop probe is one).
    szs = [rng.randint(1000, 1514) if i < a.burst - 500 else 60
           for i in range(a.burst)]
    t = time.monotonic()
    for i in range(a.burst):		# ... while the peer does not read
        tap.inject(eth_frame(scen, i, szs[i], TAP_MAC))
    out("ovf_inject_s", "%.2f" % (time.monotonic() - t))
    # The switch counts a tap frame and queues (or drops) it in the same
    # step, so once the tap's rx stops moving the counters are final.
    last, stable = None, time.monotonic()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        tp = port_of(a, kind="tap")
        d = tp["rx"] - tap0["rx"]
        if d != last:
            last, stable = d, time.monotonic()
        if d >= a.burst or time.monotonic() - stable > 1.0:
            break
        time.sleep(0.05)
    # Two loop-probe rounds (one per 2 s) while the queue stays full:
    # the switch's own control frames must still be queued.
    time.sleep(5.0)
    p = port_of(a, ws)
    tp = port_of(a, kind="tap")
    rxd = tp["rx"] - tap0["rx"]
    out("ovf_tap_rx_delta", rxd)
    out("ovf_tap_rx_dropped_delta", tp["rx_dropped"] - tap0["rx_dropped"])
    out("ovf_port_tx", p["tx"])
    out("ovf_port_tx_dropped", p["tx_dropped"])
    out("ovf_dropped_some", "yes" if p["tx_dropped"] > 0 else "no")
    out("ovf_tx_plus_dropped_eq_tap_rx",
        "yes" if p["tx"] + p["tx_dropped"] == rxd else
        "no:%d+%d!=%d" % (p["tx"], p["tx_dropped"], rxd))
    # Read again; end markers (seq >= burst) are injected until one
    # makes it through the drained queue.
    seqs = []
    bad = 0
    late_probes = 0			# after the last data frame queued
    marker = None
    nmark = 0
    last_mark = 0.0
    deadline = time.monotonic() + 20
    while marker is None and time.monotonic() < deadline and not ws.eof:
        if time.monotonic() - last_mark > 0.2:
            tap.inject(eth_frame(scen, a.burst + nmark, 100, TAP_MAC))
            nmark += 1
            last_mark = time.monotonic()
        for frames_ in ws.read(0.1):
            for fin, op, pl in frames_:
                if not fin or op not in (0x2, 0x9):
                    bad += 1
                    continue
                if op == 0x2 and pl[12:14] == b"\x88\xb5" and \
                        marker is None:
                    late_probes += 1
                k = parse_eth(pl) if op == 0x2 else None
                if k is None or k[0] != scen:
                    continue
                seq = k[1]
                if seq < a.burst:
                    late_probes = 0
                if seq >= a.burst:
                    marker = seq
                    seqs.append(seq)
                    continue
                seqs.append(seq)
                if pl != eth_frame(scen, seq, szs[seq], TAP_MAC):
                    bad += 1
    data = [q for q in seqs if q < a.burst]
    # what waited in the full queue past CoDel's bound was dropped from
    # its head, each drop counted: tx less those arrive
    cd = codel_dropped(p["port"])
    out("ovf_codel_dropped", cd)
    out("ovf_marker", "seen" if marker is not None else "none")
    out("ovf_late_probes", late_probes)
    out("ovf_read_frames", len(data))
    out("ovf_read_eq_tx", "yes" if len(data) == p["tx"] - cd else
        "no:%d!=%d-%d" % (len(data), p["tx"], cd))
    out("ovf_increasing", "yes" if all(x < y for x, y in
                                       zip(seqs, seqs[1:])) else "no")
    out("ovf_gaps", "yes" if data and data[-1] + 1 > len(data) else "no")
    out("ovf_bad_frames", bad)
    out("ovf_stream_error", ws.p.error or "none")
    ws.close()
    out("ovf_port_gone", "yes" if wait_port_gone(a, ws) else "no")


def sc_frag(a, out, tap):
    scen = SCEN["frag"]
    ws = WS(a)
    expect = {}
    pings = []
    rng = random.Random(500)
    for v in range(2):
        f = eth_frame(scen, v, 1000 + 500 * v, PEER_MAC)
        expect[v] = f
        pl = b"dp-frag-ping-%d" % v
        pings.append(pl)
        c1, c2 = 400 + 100 * v, 700 + 200 * v
        msg = (ws_frame(0x2, f[:c1], fin=False)[0] +
               ws_frame(0x9, pl)[0] +
               ws_frame(0x0, f[c1:c2], fin=False)[0] +
               ws_frame(0x0, f[c2:], fin=True)[0])
        if v == 0:
            ws.t.send(msg)
        else:			# tiny pieces: headers cut everywhere
            pieces, pos = [], 0
            while pos < len(msg):
                k = rng.randint(1, 7)
                pieces.append(msg[pos:pos + k])
                pos += k
            ws.t.send_pieces(pieces, a.pause)
    got = tap.wait(scen, 2, 10)
    check_tap(out, "frag", got, expect)
    read_pongs(out, "frag", ws, pings)
    p = port_of(a, ws)
    out("frag_port_rx", p["rx"])
    out("frag_port_rx_dropped", p["rx_dropped"])
    ws.close()
    out("frag_port_gone", "yes" if wait_port_gone(a, ws) else "no")


def sc_tail(a, out, tap):
    scen = SCEN["tail"]
    ws = WS(a)
    stalls = []
    kicked = 0
    t = time.monotonic()
    for n in range(a.tail_lo, a.tail_hi + 1):
        base = n * 1000

        def count():
            return len({q for q, _ in tap.take(scen) if base <= q < base + n})
        ws.t.send(b"".join(ws_frame(0x2, eth_frame(scen, base + i, 9000,
                                                   PEER_MAC))[0]
                           for i in range(n)))
        deadline = time.monotonic() + 2
        while count() < n and time.monotonic() < deadline:
            time.sleep(0.005)
        if count() < n:
            got = count()
            ws.t.send(ws_frame(0x9, b"kick")[0])	# any later bytes
            deadline = time.monotonic() + 2
            while count() < n and time.monotonic() < deadline:
                time.sleep(0.005)
            kicked += count() == n
            stalls.append("%d:%d" % (n, got))
    out("tail_bursts", a.tail_hi + 1 - a.tail_lo)
    out("tail_stalls", len(stalls))
    out("tail_stall_list", " ".join(stalls) if stalls else "none")
    out("tail_released_by_later_bytes", kicked)
    out("tail_send_s", "%.1f" % (time.monotonic() - t))
    ws.close()
    out("tail_port_gone", "yes" if wait_port_gone(a, ws) else "no")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("out")
    ap.add_argument("--peer-netns", required=True)
    ap.add_argument("--peer-ip", required=True)
    ap.add_argument("--tap", required=True)
    ap.add_argument("--swpid", type=int, required=True)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--burst", type=int, default=20000)
    ap.add_argument("--pause", type=float, default=0.0003)
    ap.add_argument("--tail-lo", type=int, default=50)
    ap.add_argument("--tail-hi", type=int, default=125)
    ap.add_argument("--only", default="bulk,split,batch,ovf,frag,tail")
    a = ap.parse_args()
    scheme, _, rest = a.url.partition("://")
    hp = rest.split("/")[0]
    a.host, _, port = hp.rpartition(":")
    a.port = int(port)
    a.tls = scheme == "wss"
    # "timeout" sends TERM: unwind, so a stopped switch is continued
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    out = Out(a.out)
    tap = Tap(a.tap)
    for name in a.only.split(","):
        t = time.monotonic()
        try:
            if name in ("bulk", "split"):
                sc_bulk_split(a, out, tap, name)
            elif name == "batch":
                sc_batch(a, out, tap)
            elif name == "ovf":
                sc_ovf(a, out, tap)
            elif name == "frag":
                sc_frag(a, out, tap)
            elif name == "tail":
                sc_tail(a, out, tap)
            out(name + "_done", "yes")
        except Exception as e:
            out(name + "_done", "error:%s:%s" % (type(e).__name__, e))
        out(name + "_secs", "%.1f" % (time.monotonic() - t))
    tap.stop = True
    return 0


if __name__ == "__main__":
    sys.exit(main())
