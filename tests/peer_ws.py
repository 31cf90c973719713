#!/usr/bin/python3
"""peer_ws.py - third-party WebSocket peers for tests/e2e_peers.sh.

Run with /usr/bin/python3 (Debian's python3-websockets 10.x).  Every mode
appends "key=value" lines to OUT, flushed at once, and the shell test
checks them; nothing here decides pass/fail.  Every wait is bounded.

  client URL OUT SYNC --mac M --ip I --tap-ip T
      python3-websockets client: ARP request for T (broadcast, source
      M/I), wait for the unicast ARP reply; touch SYNC.ready, wait for
      SYNC.go; Ping/Pong; Close 1000.
  server HOST PORT OUT SYNC --mac M --ip I --tap-ip T
      python3-websockets server for one connection: record the request
      head, send the ARP request, wait for the reply, Ping; touch
      SYNC.ready; wait for the peer's Close.
  raw HOST PORT OUT
      stdlib sockets: malformed and negative handshakes, protocol errors.
"""
import argparse
import asyncio
import os
import socket
import struct
import sys
import threading
import time


class Out:
    def __init__(self, path):
        self.f = open(path, "a")
        self.lock = threading.Lock()

    def __call__(self, key, value):
        with self.lock:
            self.f.write("%s=%s\n" % (key, value))
            self.f.flush()


def mac_bytes(s):
    return bytes(int(x, 16) for x in s.split(":"))


def mac_str(b):
    return ":".join("%02x" % x for x in b)


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


def arp_request(mac, ip, tip):
    eth = b"\xff" * 6 + mac + b"\x08\x06"
    return eth + struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac,
                             socket.inet_aton(ip), b"\0" * 6,
                             socket.inet_aton(tip))


def record_arp_reply(out, frame, mymac):
    """Is FRAME an ARP reply to us?  If so, record its fields."""
    if len(frame) < 42 or frame[12:14] != b"\x08\x06" or frame[0:6] != mymac:
        return False
    (htype, ptype, hlen, plen, op, sha, spa, tha,
     tpa) = struct.unpack("!HHBBH6s4s6s4s", frame[14:42])
    out("reply_len", len(frame))
    out("reply_dst", mac_str(frame[0:6]))
    out("reply_src", mac_str(frame[6:12]))
    out("reply_ethertype", frame[12:14].hex())
    out("reply_htype_ptype", "%d/%04x/%d/%d" % (htype, ptype, hlen, plen))
    out("reply_op", op)
    out("reply_sha", mac_str(sha))
    out("reply_spa", socket.inet_ntoa(spa))
    out("reply_tha", mac_str(tha))
    out("reply_tpa", socket.inet_ntoa(tpa))
    return True


async def arp_exchange(out, ws, a):
    """Send the ARP request, wait <= 5 s for the reply, skipping the
    tap's other traffic (IPv6 multicast and the like)."""
    mymac = mac_bytes(a.mac)
    await asyncio.wait_for(ws.send(arp_request(mymac, a.ip, a.tap_ip)), 3)
    deadline = time.monotonic() + 5
    other = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            out("reply", "timeout")
            break
        try:
            msg = await asyncio.wait_for(ws.recv(), left)
        except asyncio.TimeoutError:
            out("reply", "timeout")
            break
        if isinstance(msg, str):
            out("got_text", "yes")
            continue
        if record_arp_reply(out, msg, mymac):
            out("reply", "binary")
            break
        other += 1
    out("other_frames", other)


async def touch_and_wait(sync, timeout):
    open(sync + ".ready", "w").close()
    deadline = time.monotonic() + timeout
    while not os.path.exists(sync + ".go"):
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


PING = b"etherws-ping\x00\x01\xfe\xff"


async def ping(out, ws):
    try:
        waiter = await asyncio.wait_for(ws.ping(PING), 3)
        # websockets completes the waiter only for a Pong whose payload
        # equals the Ping's.
        await asyncio.wait_for(waiter, 3)
        out("pong", "same-payload")
    except asyncio.TimeoutError:
        out("pong", "timeout")
    except Exception as e:
        out("pong", "error:%s" % type(e).__name__)


async def client(a, out):
    import websockets
    try:
        ws = await asyncio.wait_for(websockets.connect(
            a.url, open_timeout=5, close_timeout=3, ping_interval=None,
            max_size=65536), 6)
    except Exception as e:
        out("connect", "error:%s:%s" % (type(e).__name__, e))
        return
    out("connect", "ok")
    out("local_port", ws.local_address[1])
    out("resp_extensions",
        ws.response_headers.get("Sec-WebSocket-Extensions", "none"))
    out("resp_protocol",
        ws.response_headers.get("Sec-WebSocket-Protocol", "none"))
    await arp_exchange(out, ws, a)
    out("sync", "go" if await touch_and_wait(a.sync, 15) else "timeout")
    await ping(out, ws)
    t = time.monotonic()
    try:
        await asyncio.wait_for(ws.close(code=1000), 6)
    except Exception as e:
        out("close", "error:%s" % type(e).__name__)
    # close_code is the code of the Close we received (1006 if none).
    out("close_code", ws.close_code)
    # The server closes TCP right after its Close; websockets would
    # otherwise wait close_timeout (3 s) before giving up.
    out("close_prompt", "yes" if time.monotonic() - t < 1.5 else
        "no:%.1fs" % (time.monotonic() - t))


async def server(a, out):
    import websockets
    done = asyncio.get_running_loop().create_future()

    async def process_request(path, headers):
        out("req_path", path)
        out("req_header_names", ",".join(k for k, _ in headers.raw_items()))
        out("req_host", headers.get("Host", "none"))
        out("req_upgrade", headers.get("Upgrade", "none"))
        out("req_connection", headers.get("Connection", "none"))
        out("req_version", headers.get("Sec-WebSocket-Version", "none"))
        out("req_key_len", len(headers.get("Sec-WebSocket-Key", "")))
        out("req_origin", headers.get("Origin", "none"))
        out("req_authorization", headers.get("Authorization", "none"))
        out("req_extensions", headers.get("Sec-WebSocket-Extensions", "none"))
        return None

    async def handler(ws, path=None):
        try:
            await arp_exchange(out, ws, a)
            # websockets' server side rejects unmasked frames (1002), so
            # having received the reply at all proves it came masked.
            await ping(out, ws)
            open(a.sync + ".ready", "w").close()

            async def drain():
                async for msg in ws:
                    pass
            try:
                await asyncio.wait_for(drain(), 15)
            except asyncio.TimeoutError:
                out("close", "timeout")
            except Exception as e:
                out("close", "error:%s" % type(e).__name__)
            out("close_code", ws.close_code)
        finally:
            if not done.done():
                done.set_result(None)

    async with websockets.serve(handler, a.host, a.port,
                                process_request=process_request,
                                ping_interval=None, close_timeout=3,
                                max_size=65536):
        open(a.sync + ".listening", "w").close()
        try:
            await asyncio.wait_for(done, 30)
        except asyncio.TimeoutError:
            out("server", "timeout")
    out("server", "done")


# ---------------------------------------------------------------------
# raw: negative handshakes and protocol errors, stdlib only

SAMPLE_KEY = "dGhlIHNhbXBsZSBub25jZQ=="


class Raw:
    def __init__(self, host, port, out):
        self.host, self.port, self.out = host, port, out
        self.hostport = "%s:%d" % (host, port)

    def connect(self):
        return socket.create_connection((self.host, self.port), timeout=3)

    def request(self, method="GET", path="/", drop=(), extra=(),
                version="13", key=SAMPLE_KEY):
        h = [("Host", self.hostport), ("Upgrade", "websocket"),
             ("Connection", "Upgrade"), ("Sec-WebSocket-Key", key),
             ("Sec-WebSocket-Version", version)]
        h = [(k, v) for k, v in h if k not in drop] + list(extra)
        return ("%s %s HTTP/1.1\r\n" % (method, path) +
                "".join("%s: %s\r\n" % kv for kv in h) + "\r\n").encode()

    @staticmethod
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

    @staticmethod
    def read_head(s, timeout=3):
        data = b""
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in data:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            s.settimeout(left)
            try:
                b = s.recv(1)	# byte by byte: leave frames unread
            except (socket.timeout, ConnectionResetError):
                break
            if not b:
                break
            data += b
        return data

    @staticmethod
    def read_exact(s, n, timeout=3):
        data = b""
        deadline = time.monotonic() + timeout
        while len(data) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            s.settimeout(left)
            try:
                b = s.recv(n - len(data))
            except (socket.timeout, ConnectionResetError):
                break
            if not b:
                break
            data += b
        return data

    def read_frame(self, s):
        """The next server frame other than a binary one (a flooded
        Ethernet frame), raw bytes (header + payload)."""
        for _ in range(100):
            f = self.read_frame1(s)
            if len(f) < 2 or f[0] & 0x0F != 0x2:
                return f
        return b""

    def read_frame1(self, s):
        """One server frame, raw bytes (header + payload)."""
        h = self.read_exact(s, 2)
        if len(h) < 2:
            return h
        n = h[1] & 0x7F
        ext = b""
        if n == 126:
            ext = self.read_exact(s, 2)
            n = struct.unpack("!H", ext)[0] if len(ext) == 2 else 0
        elif n == 127:
            ext = self.read_exact(s, 8)
            n = struct.unpack("!Q", ext)[0] if len(ext) == 8 else 0
        mask = self.read_exact(s, 4) if h[1] & 0x80 else b""
        return h + ext + mask + self.read_exact(s, min(n, 70000))

    @staticmethod
    def frame(op, payload, masked=True, fin=True):
        b0 = (0x80 if fin else 0) | op
        n = len(payload)
        m = 0x80 if masked else 0
        if n < 126:
            hdr = bytes([b0, m | n])
        elif n < 65536:
            hdr = bytes([b0, m | 126]) + struct.pack("!H", n)
        else:
            hdr = bytes([b0, m | 127]) + struct.pack("!Q", n)
        if not masked:
            return hdr + payload
        key = os.urandom(4)
        return hdr + key + bytes(x ^ key[i % 4] for i, x in enumerate(payload))

    def http_case(self, name, req):
        """Send REQ, record the status line, the body and the close."""
        out = self.out
        try:
            s = self.connect()
            s.sendall(req)
            data, end = self.read_to_eof(s, 4)
            s.close()
        except OSError as e:
            out(name + "_status", "error:%s" % e)
            return
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        out(name + "_status", esc(lines[0]))
        hdrs = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(b":")
            hdrs[k.strip().lower().decode("latin-1")] = \
                v.strip().decode("latin-1")
        out(name + "_body", esc(body))
        out(name + "_length_ok", "yes" if hdrs.get("content-length") ==
            str(len(body)) else "no:%s" % hdrs.get("content-length"))
        out(name + "_ctype", hdrs.get("content-type", "none"))
        out(name + "_connection", hdrs.get("connection", "none"))
        out(name + "_end", end)
        out(name + "_raw", esc(data))

    def open_ws(self, key=None):
        s = self.connect()
        s.sendall(self.request(key=key or SAMPLE_KEY))
        head = self.read_head(s)
        if not head.startswith(b"HTTP/1.1 101 "):
            raise OSError("no 101: %r" % head[:80])
        return s, head

    def proto_case(self, name, payload, reply):
        """Open a WebSocket, send PAYLOAD, record the server's frame,
        optionally answer its Close, record how the TCP ends."""
        out = self.out
        try:
            s, _ = self.open_ws(key="AQIDBAUGBwgJCgsMDQ4PEA==")
            s.sendall(payload)
            f = self.read_frame(s)
            out(name + "_frame", f.hex(" ") if f else "none")
            t = time.monotonic()
            if reply and len(f) >= 4:
                s.sendall(self.frame(0x8, f[2:4]))
            rest, end = self.read_to_eof(s, 4)
            out(name + "_after", rest.hex(" ") if rest else "none")
            out(name + "_end", end)
            out(name + "_end_within_3s",
                "yes" if time.monotonic() - t < 3 else "no")
            s.close()
        except OSError as e:
            out(name + "_frame", "error:%s" % e)

    def slow_case(self):
        """A request head that never completes: dropped after ~10 s."""
        out = self.out
        try:
            s = self.connect()
            t = time.monotonic()
            s.sendall(b"GET / HTTP/1.1\r\nHost: " + self.hostport.encode() +
                      b"\r\n")
            data, end = self.read_to_eof(s, 14)
            el = time.monotonic() - t
            s.close()
        except OSError as e:
            out("slow_end", "error:%s" % e)
            return
        out("slow_end", end)
        out("slow_data", esc(data) if data else "none")
        out("slow_in_9_to_12s", "yes" if 9 <= el <= 12 else "no:%.1fs" % el)

    def run(self):
        out = self.out
        slow = threading.Thread(target=self.slow_case)
        slow.start()
        self.http_case("path404", self.request(path="/nope"))
        self.http_case("noupgrade", self.request(drop=("Upgrade",)))
        self.http_case("origin403", self.request(
            extra=[("Origin", "http://evil.example:%d" % self.port)]))
        self.http_case("v12", self.request(version="12"))
        self.http_case("post405", self.request(method="POST"))
        self.http_case("big431", self.request(
            extra=[("X-Filler", "a" * 9000)]))
        # The RFC 6455 sample: exact 101, then nothing more unasked but
        # loop-detection probes (binary frames to 03:65:74:68:77:73,
        # EtherType 0x88b5).
        try:
            s, head = self.open_ws()
            out("accept101_head", esc(head))
            got = b""
            deadline = time.monotonic() + 0.3
            while time.monotonic() < deadline:
                s.settimeout(max(0.01, deadline - time.monotonic()))
                try:
                    b = s.recv(4096)
                except socket.timeout:
                    break
                if not b:
                    break
                got += b
            extra = b""
            while got:	# drop whole probe frames (60-byte payloads)
                if (len(got) >= 62 and got[0] == 0x82 and got[1] == 60
                        and got[2:8] == b"\x03ethws"
                        and got[14:16] == b"\x88\xb5"):
                    got = got[62:]
                else:
                    extra, got = got, b""
            out("accept101_extra", esc(extra) if extra else "none")
            s.sendall(self.frame(0x8, struct.pack("!H", 1000)))
            f = self.read_frame(s)
            out("accept101_close", f.hex(" "))
            rest, end = self.read_to_eof(s, 3)
            out("accept101_end", end)
            s.close()
        except OSError as e:
            out("accept101_head", "error:%s" % e)
        # An Origin equal to Host is accepted.
        try:
            s = self.connect()
            s.sendall(self.request(extra=[
                ("Origin", "http://%s" % self.hostport.upper())]))
            out("origin_same", esc(self.read_head(s).split(b"\r\n")[0]))
            s.close()
        except OSError as e:
            out("origin_same", "error:%s" % e)
        self.proto_case("unmasked", self.frame(0x2, b"hello", masked=False),
                        True)
        self.proto_case("text", self.frame(0x1, b"hello"), False)
        self.proto_case("len64", bytes([0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0,
                                        0x10]) + os.urandom(4), True)
        self.proto_case("ping126", self.frame(0x9, b"p" * 126), True)
        slow.join(20)
        out("raw", "done")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="mode", required=True)
    c = sub.add_parser("client")
    c.add_argument("url")
    s = sub.add_parser("server")
    s.add_argument("host")
    s.add_argument("port", type=int)
    for p in (c, s):
        p.add_argument("out")
        p.add_argument("sync")
        p.add_argument("--mac", required=True)
        p.add_argument("--ip", required=True)
        p.add_argument("--tap-ip", required=True)
    r = sub.add_parser("raw")
    r.add_argument("host")
    r.add_argument("port", type=int)
    r.add_argument("out")
    a = ap.parse_args()
    out = Out(a.out)
    if a.mode == "raw":
        Raw(a.host, a.port, out).run()
        return 0
    coro = client(a, out) if a.mode == "client" else server(a, out)
    try:
        asyncio.run(asyncio.wait_for(coro, 45))
    except asyncio.TimeoutError:
        out("overall", "timeout")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
