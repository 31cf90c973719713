#!/usr/bin/python3
"""rstpeer.py - a bare WebSocket server that resets its end on cue, for
tests/e2e_burst.sh.

  rstpeer.py ADDR PORT FLAG
      Listen on ADDR:PORT and print "listening"; answer one upgrade
      request with a 101 (RFC 6455 accept value); read and ignore what
      comes (probes, hellos) until the file FLAG exists; then close with
      SO_LINGER 0 -- a TCP reset -- and print "reset".  Exits 5 s later.
"""
import base64
import hashlib
import os
import socket
import struct
import sys
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def main():
    addr, port, flag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(1)
    print("listening", flush=True)
    ls.settimeout(20)
    s, _ = ls.accept()
    s.settimeout(5)
    head = b""
    while b"\r\n\r\n" not in head:
        b = s.recv(4096)
        if not b:
            return 1
        head += b
    key = [ln.split(b":", 1)[1].strip() for ln in head.split(b"\r\n")
           if ln.lower().startswith(b"sec-websocket-key:")][0]
    acc = base64.b64encode(hashlib.sha1(key + GUID).digest())
    s.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + acc +
              b"\r\n\r\n")
    s.setblocking(False)
    deadline = time.monotonic() + 30
    while not os.path.exists(flag) and time.monotonic() < deadline:
        try:
            if not s.recv(65536):
                return 1
        except BlockingIOError:
            time.sleep(0.02)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    print("reset", flush=True)
    time.sleep(5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
