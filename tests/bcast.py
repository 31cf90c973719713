#!/usr/bin/python3
"""bcast.py - numbered broadcast frames for the loop tests
(tests/e2e_ring.sh, tests/e2e_failover.sh); stdlib only, nothing here
decides pass/fail.  Run under "ip netns exec" as root (AF_PACKET).

  send IFACE RATE SECONDS
      RATE broadcast frames a second out of IFACE for SECONDS: source
      02:00:00:00:bc:01, EtherType 0x88b6 (IEEE local experimental 2),
      "EWBC" and a 32-bit sequence number.
  count IFACE SECONDS OUT
      counts those frames arriving on IFACE for SECONDS; every 0.1 s
      rewrites OUT with "frames=N", "unique=N" and "dups=N" lines (the
      shell reads them whenever its window ends).
  probes IFACE SECONDS OUT [ID]
      the same for loop probes (EtherType 0x88b5, "EWLP"), only those of
      switch id ID (16 hex digits) if given: "probes=N".
"""
import os
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SRC = b"\x02\x00\x00\x00\xbc\x01"


def send(iface, rate, secs):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    start = time.monotonic()
    n = 0
    while time.monotonic() < start + secs:
        f = b"\xff" * 6 + SRC + b"\x88\xb6" + b"EWBC" + struct.pack("!I", n)
        f += b"\x00" * (60 - len(f))
        try:
            s.send(f)
        except OSError:
            pass
        n += 1
        left = start + n / rate - time.monotonic()
        if left > 0:
            time.sleep(left)
    return 0


def write(out, kv):
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        for k, v in kv:
            f.write("%s=%d\n" % (k, v))
    os.rename(tmp, out)


def count(iface, secs, out, probes=False, pid=None):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((iface, 0))
    frames = 0
    seen = set()
    end = time.monotonic() + secs
    last = 0.0
    while True:
        now = time.monotonic()
        if now >= end:
            break
        s.settimeout(min(0.1, end - now))
        try:
            f, addr = s.recvfrom(2048)
        except socket.timeout:
            f = None
        if f is not None and addr[2] != socket.PACKET_OUTGOING:
            if probes and f[12:14] == b"\x88\xb5" and f[14:18] == b"EWLP":
                if pid is None or f[19:27] == pid:
                    frames += 1
            elif not probes and f[12:14] == b"\x88\xb6" and \
                    f[14:18] == b"EWBC":
                frames += 1
                seen.add(f[18:22])
        if time.monotonic() - last >= 0.1:
            last = time.monotonic()
            write(out, [("probes", frames)] if probes else
                  [("frames", frames), ("unique", len(seen)),
                   ("dups", frames - len(seen))])
    write(out, [("probes", frames)] if probes else
          [("frames", frames), ("unique", len(seen)),
           ("dups", frames - len(seen))])
    return 0


def main(a):
    if a[0] == "send":
        return send(a[1], float(a[2]), float(a[3]))
    if a[0] == "count":
        return count(a[1], float(a[2]), a[3])
    if a[0] == "probes":
        return count(a[1], float(a[2]), a[3], probes=True,
                     pid=bytes.fromhex(a[4]) if len(a) > 4 else None)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
