#!/usr/bin/python3
"""probepeer.py - a hostile tunnel peer for tests/e2e_probeauth.sh: a raw
WebSocket client that does to a switch's loop probes what a tunnel peer
could.  Stdlib only (tests/wsraw.py); writes "key=value" lines to OUT;
nothing here decides pass/fail; every wait is bounded.

  probepeer.py HOST PORT OUT SECONDS MAC1 MAC2 [--claim ID]

Then for SECONDS it reads what the switch sends and, from 1.5 s on
(the test adds a port newer than this peer's meanwhile):
  - reflects each probe of the switch back as it came;
  - forges copies with the port field set to 8, 7, ..., 1 (the MAC no
    longer fits; the old format had none, and a switch that believed
    them blocked the newer port of a pair: one newer than this peer's);
  - replays each probe again 1.5 s later;
  - every 0.2 s sends another switch's probe with the topology-change
    flag (a flush, if the switch obeyed it);
  - counts unicast frames between MAC1 and MAC2 that reach it
    (unicast=N): a flush makes them flood to it.
First of all it sends 3000 probe-shaped frames of another id
(0xf100df100df100d0) as fast as it can (flood=N).  --claim ID sends X-Etherws-Id: ID in its
handshake, as one of our switches would.
"""
import os
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wsraw  # noqa: E402

DST = b"\x03ethws"
FLOOD_ID = 0xF100DF100DF100D0
TC_ID = 0x7C7C7C7C7C7C7C7C


def probe(pid, port, rnd, flags, version=2):
    f = DST + b"\x02" + struct.pack("!Q", pid)[3:] + b"\x88\xb5" + b"EWLP"
    f += bytes([version]) + struct.pack("!QIQ", pid, port, rnd)
    f += bytes([flags])
    return f + b"\x00" * (60 - len(f))


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def main(a):
    host, port, out, secs = a[0], int(a[1]), a[2], float(a[3])
    m1, m2 = mac(a[4]), mac(a[5])
    extra = []
    if len(a) > 7 and a[6] == "--claim":
        extra = [("X-Etherws-Id", a[7])]
    OUT = wsraw.Out(out)
    s = wsraw.connect(host, port)
    s.sendall(wsraw.request(host, port, extra=extra))
    head = wsraw.read_head(s)
    if not head.startswith(b"HTTP/1.1 101 "):
        OUT("error", "no 101")
        return 1
    OUT("connected", 1)
    send = lambda f: s.sendall(wsraw.frame(2, f))  # noqa: E731
    n = 0
    for i in range(3000):
        try:
            send(probe(FLOOD_ID, 1, i, 0))
            n += 1
        except OSError:
            break
    OUT("flood", n)
    replays = []
    nprobes = unicast = forged = tcs = 0
    start = time.monotonic()
    end = start + secs
    next_tc = 0.0
    while time.monotonic() < end:
        now = time.monotonic()
        if now >= next_tc:
            next_tc = now + 0.2
            send(probe(TC_ID, 1, int(now * 1000), 0x01))
            tcs += 1
        while replays and replays[0][0] <= now:
            send(replays.pop(0)[1])
        h, p = wsraw.read_frame(s, 0.05)
        if p is None:
            if len(h) > 0:
                break		# closed midway
            continue
        if (h[0] & 0x0F) == 8:
            break
        if (h[0] & 0x0F) != 2 or len(p) < 14:
            continue
        if p[0:6] == DST and p[12:14] == b"\x88\xb5" and p[14:18] == b"EWLP":
            nprobes += 1
            if now < start + 1.5:
                continue	# a newer port comes up meanwhile
            send(p)				# reflected
            for k in range(8, 0, -1):		# forged port fields
                g = bytearray(p)
                g[27:31] = struct.pack("!I", k)
                send(bytes(g))
                forged += 1
            replays.append((now + 1.5, p))
            continue
        if not (p[0] & 1) and {p[0:6], p[6:12]} == {m1, m2}:
            unicast += 1
    OUT("probes", nprobes)
    OUT("forged", forged)
    OUT("tcs", tcs)
    OUT("unicast", unicast)
    time.sleep(0.5)
    s.close()
    OUT("done", 1)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except OSError as e:
        print("probepeer: %s" % e, file=sys.stderr)
        sys.exit(1)
