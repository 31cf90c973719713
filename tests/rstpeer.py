#!/usr/bin/python3
"""rstpeer.py - a bare WebSocket server that resets its end on cue, for
tests/e2e_burst.sh.

  rstpeer.py ADDR PORT FLAG
      Listen on ADDR:PORT and print "listening"; answer one upgrade
      request with a 101 (RFC 6455 accept value); read and ignore what
      comes (probes, hellos) until the file FLAG exists; then close with
      SO_LINGER 0 -- a TCP reset -- and print "reset".  Exits 5 s later.
"""
import os
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True		# no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsraw import accept_value, read_head  # noqa: E402


def main():
    addr, port, flag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(1)
    print("listening", flush=True)
    ls.settimeout(20)
    s, _ = ls.accept()
    head = read_head(s, 5)
    if b"\r\n\r\n" not in head:
        return 1
    s.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Accept: " +
              accept_value(head) + b"\r\n\r\n")
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
