#!/usr/bin/python3
"""peer_ws.py - third-party WebSocket peers for tests/e2e_peers.sh.

Run with /usr/bin/python3 (Debian's python3-websockets 10.x).  Every mode
appends "key=value" lines to OUT, flushed at once, and the shell test
checks them; nothing here decides pass/fail.  Every wait is bounded.

  client URL OUT SYNC --mac M --ip I --tap-ip T
      python3-websockets client: wait for SYNC.fwd (the shell's word that
      the switch's new port has probed for loops and forwards); ARP
      request for T (broadcast, source M/I), wait for the unicast ARP
      reply; touch SYNC.ready, wait for SYNC.go; Ping/Pong; Close 1000.
  server HOST PORT OUT SYNC --mac M --ip I --tap-ip T
      python3-websockets server for one connection: record the request
      head, wait for SYNC.fwd, send the ARP request, wait for the reply,
      Ping; touch SYNC.ready; wait for the peer's Close.
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

sys.dont_write_bytecode = True		# no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wsraw  # noqa: E402
from wsraw import Out, esc  # noqa: E402


def mac_bytes(s):
    return bytes(int(x, 16) for x in s.split(":"))


def mac_str(b):
    return ":".join("%02x" % x for x in b)


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


async def wait_fwd(out, sync, timeout=10):
    """Until SYNC.fwd exists: the switch's port for this connection
    probes for loops before it forwards, and drops what comes meanwhile."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(sync + ".fwd"):
        if time.monotonic() > deadline:
            out("fwd", "timeout")
            return
        await asyncio.sleep(0.05)
    out("fwd", "go")


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
    await wait_fwd(out, a.sync)
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
            await wait_fwd(out, a.sync)
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

class Raw:
    def __init__(self, host, port, out):
        self.host, self.port, self.out = host, port, out
        self.hostport = "%s:%d" % (host, port)

    def connect(self):
        return wsraw.connect(self.host, self.port)

    def request(self, **kw):
        return wsraw.request(self.host, self.port, **kw)

    def read_frame(self, s):
        """The next server frame other than a binary one (a flooded
        Ethernet frame), raw bytes (header + payload)."""
        for _ in range(100):
            f = self.read_frame1(s)
            if len(f) < 2 or f[0] & 0x0F != 0x2:
                return f
        return b""

    @staticmethod
    def read_frame1(s):
        """One server frame, raw bytes (header + payload)."""
        h, payload = wsraw.read_frame(s)
        return h if payload is None else h + payload

    def http_case(self, name, req):
        """Send REQ, record the status line, the body and the close."""
        out = self.out
        try:
            data, end, _ = wsraw.exchange(self.host, self.port, req, 4)
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

    def open_ws(self, key=wsraw.SAMPLE_KEY):
        return wsraw.open_ws(self.host, self.port, key=key)

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
                s.sendall(wsraw.frame(0x8, f[2:4]))
            rest, end = wsraw.read_to_eof(s, 4)
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
            data, end, el = wsraw.exchange(
                self.host, self.port, b"GET / HTTP/1.1\r\nHost: " +
                self.hostport.encode() + b"\r\n", 14)
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
            s.sendall(wsraw.frame(0x8, struct.pack("!H", 1000)))
            f = self.read_frame(s)
            out("accept101_close", f.hex(" "))
            rest, end = wsraw.read_to_eof(s, 3)
            out("accept101_end", end)
            s.close()
        except OSError as e:
            out("accept101_head", "error:%s" % e)
        # An Origin equal to Host is accepted.
        try:
            s = self.connect()
            s.sendall(self.request(extra=[
                ("Origin", "http://%s" % self.hostport.upper())]))
            out("origin_same", esc(wsraw.read_head(s).split(b"\r\n")[0]))
            s.close()
        except OSError as e:
            out("origin_same", "error:%s" % e)
        # The attack: a page after DNS rebinding (a browser too old for
        # Sec-Fetch-*): Origin equal to Host, both the attacker's name.
        self.http_case("rebind403", self.request(drop=("Host",), extra=[
            ("Host", "evil.example:%d" % self.port),
            ("Origin", "http://evil.example:%d" % self.port)]))
        # etherws 1.3 by name, the name in --tunnelorigin: accepted.
        for name, origin in (("listed", "http://switch.test:%d"),
                             ("listed_https", "https://switch.test:%d/")):
            try:
                s = self.connect()
                s.sendall(self.request(drop=("Host",), extra=[
                    ("Host", "switch.test:%d" % self.port),
                    ("Origin", origin % self.port)]))
                out(name, esc(wsraw.read_head(s).split(b"\r\n")[0]))
                s.close()
            except OSError as e:
                out(name, "error:%s" % e)
        self.proto_case("unmasked", wsraw.frame(0x2, b"hello", masked=False),
                        True)
        self.proto_case("text", wsraw.frame(0x1, b"hello"), False)
        self.proto_case("len64", bytes([0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0,
                                        0x10]) + os.urandom(4), True)
        self.proto_case("ping126", wsraw.frame(0x9, b"p" * 126), True)
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
