#!/usr/bin/python3
"""ctl_stub.py - a stub etherws control server for tests/e2e_ctl.sh.

Usage: ctl_stub.py PORTFILE REQDIR

Listens on 127.0.0.1 on a free port, writes the port number to PORTFILE,
and records each request as REQDIR/<n>.head (request line and headers,
one per line, CRLF removed) and REQDIR/<n>.body (raw body bytes).
Replies with canned JSON-RPC results chosen by method; the request path
picks a behaviour:

  /ctl        normal replies (some written like the original: "\\/"
              escapes, no "state" field, other key orders)
  /empty      list methods return no entries
  /nolength   reply without Content-Length, body ends at EOF
  /e401       the original's 401 (no Content-Length, unquoted realm)
  /nojson     200 with a body that is not JSON
  /nosuchpath 404, as our switch answers a wrong path
"""
import json
import os
import socket
import socketserver
import sys
import threading

LISTPORT = (
    '{"jsonrpc": "2.0", "id": 0, "result": {"entries": ['
    '{"port": 1, "type": "tap", "target": "ethws0", "rx": 10, "tx": 4.0,'
    ' "shut": false, "state": "up", "rx_dropped": 0, "tx_dropped": 0},'
    '{"type": "client", "port": 2, "target": "ws:\\/\\/10.0.0.10\\/",'
    ' "rx": 7, "tx": 12, "shut": false, "state": "down"},'
    '{"port": 3, "type": "server", "target": "10.0.0.5:50468", "rx": 0,'
    ' "tx": 0, "shut": true, "state": "shut"}]}}')

LISTIF = (
    '{"jsonrpc": "2.0", "id": 0, "result": {"entries": ['
    '{"port": 1, "type": "tap", "target": "ethws0",'
    ' "address": "192.0.2.10", "netmask": "255.255.255.0", "mtu": 1500},'
    '{"mtu": 1500, "netmask": "", "address": "", "target": "vnet0",'
    ' "type": "netdev", "port": 4}]}}')

LISTFDB = (
    '{"id": 0, "result": {"entries": ['
    '{"vid": 0, "mac": "9A:21:6B:82:6D:2A", "port": 2, "age": 0},'
    '{"port": 1, "age": 12, "mac": "02:00:00:00:00:01", "vid": 100}]},'
    ' "jsonrpc": "2.0"}')

ERR99 = ('{"jsonrpc": "2.0", "id": 0, "error": {"code": -32602,'
         ' "message": "Invalid params", "data": "no port 99"}}')

seq_lock = threading.Lock()
seq = [0]


def entries(lst):
    return json.dumps({"jsonrpc": "2.0", "id": 0,
                       "result": {"entries": lst}})


def portstat(port, typ, target, shut=False, state=None):
    # Like the original: no "state" unless given, "/" escaped.
    d = {"target": target, "tx": 0, "rx": 0, "shut": shut, "type": typ,
         "port": port}
    if state is not None:
        d["state"] = state
    return d


def answer(method, params, path):
    if path == "/empty" and method.startswith("etherws.control.list"):
        return entries([])
    if method == "etherws.control.listPort":
        return LISTPORT
    if method == "etherws.control.listInterface":
        return LISTIF
    if method == "etherws.control.listFdb":
        return LISTFDB
    if method == "etherws.control.addPort":
        p = portstat(5, params["type"], params["target"])
        return entries([p]).replace("/", "\\/")
    if method == "etherws.control.setPort":
        if params["port"] == 99:
            return ERR99
        shut = bool(params.get("shut", 0))
        return entries([portstat(params["port"], "netdev", "eth1", shut,
                                 "down")])
    if method == "etherws.control.delPort":
        if params["port"] == 99:
            return ERR99
        return entries([portstat(params["port"], "client",
                                 "wss://example.org:8443/x?y=1",
                                 state="up")])
    if method == "etherws.control.setInterface":
        return entries([{"port": params["port"], "type": "tap",
                         "target": "tap0",
                         "address": params.get("address", "10.1.1.1"),
                         "netmask": params.get("netmask", "255.0.0.0"),
                         "mtu": params.get("mtu", 1500)}])
    return ('{"jsonrpc": "2.0", "id": 0, "error": {"code": -32601,'
            ' "message": "Method not found", "data": "ValueError:'
            ' Unknown method: %s"}}' % method)


class Handler(socketserver.StreamRequestHandler):
    def record(self, head, body):
        with seq_lock:
            seq[0] += 1
            n = seq[0]
        base = os.path.join(self.server.reqdir, str(n))
        with open(base + ".body.tmp", "wb") as f:
            f.write(body)
        with open(base + ".head.tmp", "wb") as f:
            f.write(b"\n".join(head) + b"\n")
        os.rename(base + ".body.tmp", base + ".body")
        os.rename(base + ".head.tmp", base + ".head")

    def handle(self):
        head = []
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return
            line = line.rstrip(b"\r\n")
            if not line:
                break
            head.append(line)
        length = 0
        for h in head[1:]:
            name, _, value = h.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        body = self.rfile.read(length)
        self.record(head, body)
        path = head[0].split(b" ")[1].decode()
        self.reply(path, body)

    def reply(self, path, body):
        w = self.wfile
        if path == "/nosuchpath":
            w.write(b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
                    b"Content-Length: 9\r\nConnection: close\r\n\r\n"
                    b"Not Found")
            return
        if path == "/e401":
            w.write(b"HTTP/1.1 401 Authorization Required\r\n"
                    b"WWW-Authenticate: Basic realm=etherws\r\n"
                    b"Connection: close\r\n\r\n")
            return
        if path == "/nojson":
            out = b"<html>not json</html>"
        else:
            req = json.loads(body.decode())
            out = answer(req["method"], req.get("params", {}),
                         path).encode()
        w.write(b"HTTP/1.1 200 OK\r\n"
                b"Content-Type: application/json; charset=UTF-8\r\n")
        if path != "/nolength":
            w.write(b"Content-Length: %d\r\n" % len(out))
        w.write(b"Connection: close\r\n\r\n" + out)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    portfile, reqdir = sys.argv[1], sys.argv[2]
    srv = Server(("127.0.0.1", 0), Handler)
    srv.reqdir = reqdir
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


if __name__ == "__main__":
    main()
