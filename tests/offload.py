#!/usr/bin/python3
"""offload.py - peers for tests/e2e_offload.sh (stdlib only).

Every mode appends "key=value" lines to OUT, flushed at once; the shell
test decides pass/fail.  Every wait is bounded.

  capture IFACE SECONDS OUT [--outgoing]
      A packet socket on IFACE for SECONDS (or until OUT.stop exists):
      frames=, max= (the longest), l4= (TCP/UDP over IPv4/IPv6), bad=
      (those whose TCP/UDP or IPv4 header checksum is wrong: a frame the
      switch made must be whole).  --outgoing counts only what the host
      sent (the switch's own writes on a netdev port), else only what it
      received.  Loop-detection probes (EtherType 0x88b5) are not
      counted.
  hostile HOST PORT OUT
      Two WebSocket clients: a plain one (no offload asked: it must get
      ordinary frames), then one that asks for offload (X-Etherws-Offload:
      vnet1) and records offered=1 if the 101 agrees.  The second sends
      messages the switch must drop and count -- shorter than the
      header, an unknown flag, an unknown GSO type, ECN without GSO, a
      checksum field past the end, a TCPv4 GSO header on an ARP frame, a
      TCPv6 type on IPv4, a gso_size under 88, an IPv4 length that does
      not match -- (sent=N, nbad=N), then three good ones: a broadcast
      with a zero header, a TCPv4 super-frame of 5 x 1000 bytes, and a
      UDP frame whose checksum is still to complete.  The plain client
      must get 7 ordinary frames: frames= max= l4= bad= as capture.
      Both wait until their ports forward (fwd=up/up; a new port probes
      for loops first), asking the switch's control on 127.0.0.1:7867.
  server PORT OUT
      A WebSocket server on 127.0.0.1:PORT for one client of ours: it
      agrees to offload and sends, in the same TCP segment as the 101,
      one message (zero header + MARK, a ~1 KB broadcast: longer than
      the head, so it overwrites all of it once moved up) -- the client
      must read its head before the bytes after it move.  That message
      comes while the new port probes for loops, so the switch parses
      and counts it but drops it; once OUT.go exists (the port
      forwards) the same message again, which must reach the tap whole:
      only if both ends agreed on the framing (offload) in the 101.
      Stays until OUT.stop exists (bounded).  capture counts MARK
      frames as marked=.
"""
import os
import select
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True		# no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wsraw  # noqa: E402
from wsraw import Out  # noqa: E402

ETH_P_ALL = 3
PACKET_OUTGOING = 4


def csum(data):
    """RFC 1071, the plain way: 16-bit big-endian words summed, folded."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def frame_ok(f):
    """None if F is neither TCP nor UDP over IP; else True if its
    checksums (IPv4 header, TCP/UDP with the pseudo header) are right."""
    off, et = 14, struct.unpack("!H", f[12:14])[0]
    if et == 0x8100 and len(f) >= 18:
        off, et = 18, struct.unpack("!H", f[16:18])[0]
    if et == 0x0800 and len(f) >= off + 20:
        ihl = (f[off] & 15) * 4
        tot = struct.unpack("!H", f[off + 2:off + 4])[0]
        proto = f[off + 9]
        if proto not in (6, 17) or ihl < 20 or off + tot > len(f):
            return None
        if csum(f[off:off + ihl]) != 0xFFFF:
            return False
        seg = f[off + ihl:off + tot]
        pseudo = f[off + 12:off + 20] + struct.pack("!BBH", 0, proto,
                                                    len(seg))
    elif et == 0x86DD and len(f) >= off + 40:
        plen = struct.unpack("!H", f[off + 4:off + 6])[0]
        proto = f[off + 6]
        if proto not in (6, 17) or off + 40 + plen > len(f):
            return None
        seg = f[off + 40:off + 40 + plen]
        pseudo = f[off + 8:off + 40] + struct.pack("!I3xB", len(seg), proto)
    else:
        return None
    return csum(pseudo + seg) == 0xFFFF


MARK = b"\xff" * 6 + b"\x02\0\0\0\0\x32" + b"\x88\xb6" + b"offload-mark" * 80


class Tally:
    """frames=, max=, l4= (TCP/UDP frames), bad= (wrong checksums)."""

    def __init__(self):
        self.frames = self.longest = self.l4 = self.bad = self.marked = 0

    def add(self, f):
        if f[12:14] == b"\x88\xb5":
            return			# the switches' loop probes
        self.frames += 1
        self.marked += f == MARK
        self.longest = max(self.longest, len(f))
        ok = frame_ok(f)
        if ok is not None:
            self.l4 += 1
            self.bad += 0 if ok else 1

    def put(self, o):
        o("frames", self.frames)
        o("max", self.longest)
        o("l4", self.l4)
        o("bad", self.bad)
        o("marked", self.marked)


def capture(iface, seconds, out, outgoing):
    o = Out(out)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    o("ready", 1)
    t = Tally()
    deadline = time.monotonic() + seconds
    stop = out + ".stop"
    while time.monotonic() < deadline and not os.path.exists(stop):
        r, _, _ = select.select([s], [], [], 0.1)
        if not r:
            continue
        f, addr = s.recvfrom(70000)
        if (addr[2] == PACKET_OUTGOING) == outgoing:
            t.add(f)
    t.put(o)


def vnet(flags=0, gso=0, hdr_len=0, size=0, start=0, offset=0):
    return struct.pack("<BBHHHH", flags, gso, hdr_len, size, start, offset)


def ipv4(proto, l4, src=b"\x02\0\0\0\0\x31"):
    """An IPv4 frame to ff:ff:ff:ff:ff:ff, 10.77.0.1 -> .2, with a
    right header checksum."""
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 7, 0x4000, 64,
                     proto, 0, bytes([10, 77, 0, 1]), bytes([10, 77, 0, 2]))
    ip = ip[:10] + struct.pack("!H", 0xFFFF ^ csum(ip)) + ip[12:]
    return b"\xff" * 6 + src + b"\x08\x00" + ip + l4


def pseudo4(proto, n):
    return bytes([10, 77, 0, 1, 10, 77, 0, 2]) + struct.pack("!BBH", 0,
                                                              proto, n)


def tcp4(payload):
    """TCP/IPv4 with a right checksum (the switch must recompute it for
    every segment)."""
    tcp = struct.pack("!HHIIBBHHH", 1000, 2000, 1, 0, 5 << 4, 0x18, 1024,
                      0, 0)
    c = 0xFFFF ^ csum(pseudo4(6, 20 + len(payload)) + tcp + payload)
    return ipv4(6, tcp[:16] + struct.pack("!H", c) + tcp[18:] + payload)


def udp4_partial(payload):
    """UDP/IPv4 whose checksum field holds only the pseudo header's sum,
    as Linux leaves it for the device (CHECKSUM_PARTIAL)."""
    n = 8 + len(payload)
    return ipv4(17, struct.pack("!HHHH", 53, 5353, n,
                                csum(pseudo4(17, n))) + payload)


def hostile(host, port, out):
    """A plain listener connection (no offload: it must get ordinary
    frames), then the hostile one."""
    o = Out(out)
    ls, _ = wsraw.open_ws(host, port)
    s = wsraw.connect(host, port)
    s.sendall(wsraw.request(host, port,
                            extra=[("X-Etherws-Offload", "vnet1")]))
    head = wsraw.read_head(s)
    o("status", head[9:12].decode(errors="replace"))
    o("offered", int(b"\r\nx-etherws-offload: vnet1\r\n" in head.lower()))
    # Both new ports probe for loops before they forward (the switch's
    # control endpoint is on 127.0.0.1:7867 where it runs).
    o("fwd", "%s/%s" % (wsraw.wait_forwarding(ls), wsraw.wait_forwarding(s)))
    arp = b"\xff" * 6 + b"\x02\0\0\0\0\x30" + b"\x08\x06" + bytes(28)
    n4 = tcp4(bytes(5 * 1000))
    bad = [
        b"\0" * 9,					# short
        vnet(flags=4) + arp,				# unknown flag
        vnet(gso=2) + arp,				# UDP (UFO) type
        vnet(gso=0x80) + arp,				# ECN, no GSO
        vnet(flags=1, start=41, offset=0) + arp,	# csum past end
        vnet(gso=1, size=1000) + arp,			# GSO on ARP
        vnet(gso=4, size=1000) + n4,			# v6 type on v4
        vnet(gso=1, size=87) + n4,			# gso_size < 88
        vnet(gso=1, size=1000) + n4[:-1],		# IP length
    ]
    good = [
        vnet() + arp,
        vnet(flags=1, gso=1, hdr_len=54, size=1000, start=34,
             offset=16) + n4,
        vnet(flags=1, start=34, offset=6) + udp4_partial(bytes(300)),
    ]
    for m in bad + good:
        s.sendall(wsraw.frame(2, m))
    o("sent", len(bad) + len(good))
    o("nbad", len(bad))
    # What the listener gets: 1 + 5 + 1 ordinary frames.
    t = Tally()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and t.frames < 7:
        h, p = wsraw.read_frame(ls, max(0.1, deadline - time.monotonic()))
        if p is None:
            break
        if h[0] & 0x0F == 2:
            t.add(p)
    t.put(o)
    o("done", 1)
    # Stay until the shell has read the counters (bounded).
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not os.path.exists(out + ".stop"):
        time.sleep(0.1)
    s.close()
    ls.close()


def server(port, out):
    o = Out(out)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(1)
    ls.settimeout(20)
    o("listening", 1)
    c, _ = ls.accept()
    acc = wsraw.accept_value(wsraw.read_head(c))
    msg = vnet() + MARK
    c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + acc +
              b"\r\nX-Etherws-Offload: vnet1\r\n\r\n" +
              wsraw.frame(2, msg, masked=False))
    o("sent", 1)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not os.path.exists(out + ".go"):
        time.sleep(0.05)
    c.sendall(wsraw.frame(2, msg, masked=False))
    o("sent", 2)
    while time.monotonic() < deadline and not os.path.exists(out + ".stop"):
        time.sleep(0.1)
    c.close()


def main():
    a = sys.argv[1:]
    if len(a) >= 4 and a[0] == "capture":
        capture(a[1], float(a[2]), a[3], "--outgoing" in a[4:])
    elif len(a) == 4 and a[0] == "hostile":
        hostile(a[1], int(a[2]), a[3])
    elif len(a) == 3 and a[0] == "server":
        server(int(a[1]), a[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
