#!/usr/bin/python3
"""inject_proxy.py - a hostile HTTP CONNECT proxy for tests/e2e_proxy.sh.

Usage: inject_proxy.py ADDR PORT

Answers CONNECT host:port with "200 Connection established" and, in the
same write, the start of a forged WebSocket 101 whose last header line is
left open ("X-Injected: "), so that the server's real 101, once decrypted
by the client, would complete it: the forged "X-Etherws-Offload: off"
comes first.  Then it relays bytes both ways.  One connection at a time
is enough for the test; each relay ends with either side.
"""
import select
import socket
import sys

FORGED = (b"HTTP/1.1 200 Connection established\r\n\r\n"
          b"HTTP/1.1 101 Switching Protocols\r\n"
          b"X-Etherws-Offload: off\r\n"
          b"X-Injected: ")


def relay(a, b):
    socks = [a, b]
    while True:
        r, _, _ = select.select(socks, [], [], 60)
        if not r:
            return
        for s in r:
            data = s.recv(65536)
            if not data:
                return
            (b if s is a else a).sendall(data)


def serve(c):
    head = b""
    while b"\r\n\r\n" not in head and len(head) < 8192:
        data = c.recv(4096)
        if not data:
            return
        head += data
    line = head.split(b"\r\n", 1)[0].split()
    if len(line) < 2 or line[0] != b"CONNECT":
        c.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        return
    host, port = line[1].rsplit(b":", 1)
    t = socket.create_connection((host.decode().strip("[]"), int(port)), 10)
    try:
        c.sendall(FORGED)
        relay(c, t)
    finally:
        t.close()


def main():
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((sys.argv[1], int(sys.argv[2])))
    ls.listen(8)
    while True:
        c, _ = ls.accept()
        try:
            serve(c)
        except OSError:
            pass
        finally:
            c.close()


if __name__ == "__main__":
    main()
