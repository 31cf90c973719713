#!/usr/bin/python3
"""soak.py - helpers for tests/e2e_soak.sh (/usr/bin/python3, Debian's
python3-websockets 10.x).  Every wait is bounded.

  flapserver HOST PORT HOLD_MS SECS OUT
      WebSocket server that completes each handshake, waits HOLD_MS and
      drops the connection: even connections with a Close 1000 handshake,
      odd ones by closing TCP without a Close.  Writes "handshakes=N" to
      OUT (rewritten every 0.2 s); exits after SECS or on SIGTERM.
  addclients CTLHOST CTLPORT COUNT URL [URL...]
      COUNT addPort client calls (URLs in turn) over raw JSON-RPC; prints
      "added=N failed=N" and the first error.
  delall CTLHOST CTLPORT
      delPort every client port; prints "deleted=N".
"""
import asyncio
import json
import os
import signal
import socket
import sys
import time

sys.dont_write_bytecode = True		# no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsraw import rpc_body  # noqa: E402


def rpc(host, port, method, params=None, timeout=15):
    body = rpc_body(method, params)
    s = socket.create_connection((host, port), timeout=timeout)
    s.sendall(b"POST /ctl HTTP/1.1\r\nHost: %s:%d\r\nContent-Length: %d"
              b"\r\n\r\n" % (host.encode(), port, len(body)) + body)
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        b = s.recv(65536)
        if not b:
            break
        data += b
    s.close()
    return json.loads(data.partition(b"\r\n\r\n")[2])


def flapserver(host, port, hold_ms, secs, out):
    import websockets

    count = [0]

    async def handler(ws, path=None):
        count[0] += 1
        n = count[0]
        await asyncio.sleep(hold_ms / 1000)
        if n % 2:
            ws.transport.close()	# TCP ends without a Close frame
        else:
            await ws.close(1000)

    def write():
        with open(out + ".tmp", "w") as f:
            f.write("handshakes=%d\n" % count[0])
        os.replace(out + ".tmp", out)

    async def main():
        stop = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().add_signal_handler(
            signal.SIGTERM, lambda: stop.done() or stop.set_result(None))
        async with websockets.serve(handler, host, port, backlog=1024,
                                    compression=None, close_timeout=2):
            with open(out + ".listening", "w"):
                pass
            end = time.monotonic() + secs
            while not stop.done() and time.monotonic() < end:
                write()
                await asyncio.wait([stop], timeout=0.2)
        write()

    asyncio.run(main())


def main():
    mode, a = sys.argv[1], sys.argv[2:]
    if mode == "flapserver":
        flapserver(a[0], int(a[1]), int(a[2]), float(a[3]), a[4])
    elif mode == "addclients":
        host, port, n, urls = a[0], int(a[1]), int(a[2]), a[3:]
        added = failed = 0
        first = ""
        for i in range(n):
            r = rpc(host, port, "addPort",
                    {"type": "client", "target": urls[i % len(urls)]})
            if "result" in r:
                added += 1
            else:
                failed += 1
                first = first or json.dumps(r.get("error"))
        print("added=%d failed=%d %s" % (added, failed, first))
    elif mode == "delall":
        r = rpc(host := a[0], port := int(a[1]), "listPort")
        n = 0
        for e in r["result"]["entries"]:
            if e["type"] == "client":
                rpc(host, port, "delPort", {"port": e["port"]})
                n += 1
        print("deleted=%d" % n)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
