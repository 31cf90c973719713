#!/bin/bash
# tests/e2e_rpc.sh - the control endpoint of a real "etherws sw" in a
# namespace: every ctl command and its table, ctl exit statuses, raw
# JSON-RPC 2.0 envelopes and error data, the HTTP checks of the control
# endpoint (path, method, Content-Length, size limits), and a deeply
# nested body.
#
# Local helpers (not in lib.sh): run_ctl
# (captures out/err/rc), expect_out/expect_err (byte-exact compare
# against $TMP/exp), and the Python checker $TMP/rpc.py (stdlib only; prints "ok - ..." /
# "not ok - ..." lines that feed lib.sh's counters through tap_in).
. "$(dirname "$0")/lib.sh"
need python3


ns a
sw a
A=$PFX-a
# New interfaces without IPv6: no router solicitations or MLD reports on
# the tap, so its counters stay 0 and the tables are exact.
nsx a sysctl -qw net.ipv6.conf.default.disable_ipv6=1

# run_ctl ARGS...: etherws ctl in namespace a -> $TMP/out, $TMP/err, $rc
run_ctl() {
	timeout 20 ip netns exec "$A" "$ETHERWS" ctl "$@" \
	    >"$TMP/out" 2>"$TMP/err" </dev/null
	rc=$?
}
# expect_file DESC FILE: $TMP/exp equals FILE byte for byte
expect_file() {
	if cmp -s "$TMP/exp" "$2"; then ok "$1"; else
		not_ok "$1"; diff -u "$TMP/exp" "$2" | sed 's/^/#   /'
	fi
}
expect_out() { expect_file "$1: stdout" "$TMP/out"; }
expect_err() { expect_file "$1: stderr" "$TMP/err"; }
expect_rc() {
	if [ "$rc" -eq "$2" ] && [ "$2" -ne 0 -o ! -s "$TMP/err" ]; then
		ok "$1: exit $2"
	else
		not_ok "$1: exit $rc, wanted $2"; sed 's/^/#   stderr: /' "$TMP/err"
	fi
}
# tap_in: turn "ok - x" / "not ok - x" / "# ..." lines into counters
tap_in() {
	local l
	while IFS= read -r l; do
		case $l in
		"ok - rpc.py ran to the end") RPC_DONE=1; ok "${l#ok - }" ;;
		"ok - "*) ok "${l#ok - }" ;;
		"not ok - "*) not_ok "${l#not ok - }" ;;
		*) echo "$l" ;;
		esac
	done
}

PH='  Port  Type  State  RX  TX  Target'
IH='  Port  Type  Address  Netmask  MTU  Target'
FH='  Port  VLAN  MAC  Age'

# ---------------------------------------------------------------------
# Empty switch: header-only tables
run_ctl listport
expect_rc "listport, no ports" 0
echo "$PH" >"$TMP/exp"; expect_out "listport, no ports (header only)"
run_ctl listif
expect_rc "listif, no ports" 0
echo "$IH" >"$TMP/exp"; expect_out "listif, no ports (header only)"
run_ctl listfdb
expect_rc "listfdb, empty" 0
echo "$FH" >"$TMP/exp"; expect_out "listfdb, empty (header only)"

# ---------------------------------------------------------------------
# addport tap with %d, addport netdev on a veth end
# always at least 6 characters, the width of "Target"
TAP="ewt$$x%d"; TAP0="ewt$$x0"
run_ctl addport tap "$TAP"
expect_rc "addport tap $TAP" 0
printf '  Port  Type  State  RX  TX  Target%*s\n  1     tap   up     0   0   %s\n' \
    $(( ${#TAP0} - 6 )) '' "$TAP0" >"$TMP/exp"
expect_out "addport tap: table with %d expanded"
check "tap device $TAP0 exists in the namespace" \
    sh -c "ip -n $A link show $TAP0 >/dev/null"

# a veth pair inside the namespace (no dummy module needed)
nsx a ip link add ewdum0 type veth peer name ewdum1 || die "ip link add veth"
nsx a ip link set ewdum0 mtu 1400
run_ctl addport netdev ewdum0
expect_rc "addport netdev ewdum0" 0
printf '%s\n' '  Port  Type    State  RX  TX  Target' \
    '  2     netdev  up     0   0   ewdum0' >"$TMP/exp"
expect_out "addport netdev: table"

run_ctl addport netdev ewnosuch0
expect_rc "addport netdev, no such device" 1
printf '  Invalid params (-32602)\n    cannot attach netdev ewnosuch0: No such device\n' \
    >"$TMP/exp"
expect_err "addport netdev, no such device"

# listport with both (Target column width from the tap name)
W=${#TAP0}; [ $W -lt 6 ] && W=6
row() { printf '  %-4s  %-6s  %-5s  %-2s  %-2s  %-*s\n' "$1" "$2" "$3" "$4" "$5" $W "$6"; }
{ row Port Type State RX TX Target; row 1 tap up 0 0 "$TAP0"
  row 2 netdev up 0 0 ewdum0; } >"$TMP/exp"
run_ctl listport
expect_rc "listport" 0
expect_out "listport: two ports, padded columns"

# ---------------------------------------------------------------------
# setport --shut 1 / --shut 0
run_ctl setport --shut 1 1
expect_rc "setport --shut 1" 0
printf '  Port  Type  State  RX  TX  Target%*s\n  1     tap   shut   0   0   %s\n' \
    $(( ${#TAP0} - 6 )) '' "$TAP0" >"$TMP/exp"
expect_out "setport --shut 1: state shut"
check_eq "listport shows shut" shut "$(port_field a 1 3)"
run_ctl setport --shut 0 1
expect_rc "setport --shut 0" 0
check_eq "setport --shut 0: state up again" up \
    "$(awk 'NR == 2 { print $3 }' "$TMP/out")"
run_ctl setport 1
expect_rc "setport without --shut" 0
check_eq "setport without --shut: unchanged" up \
    "$(awk 'NR == 2 { print $3 }' "$TMP/out")"

# ---------------------------------------------------------------------
# setif on the tap, then listif
run_ctl setif --address 192.0.2.10 --netmask 255.255.255.0 --mtu 1280 1
expect_rc "setif --address --netmask --mtu" 0
# widths: Address 10, Netmask 13, MTU 4 (computed by hand: each column
# as wide as its widest cell, header included)
printf '  Port  Type  Address     Netmask        MTU   Target%*s\n  1     tap   192.0.2.10  255.255.255.0  1280  %s\n' \
    $(( ${#TAP0} - 6 )) '' "$TAP0" >"$TMP/exp"
expect_out "setif: ifstat table"
check "kernel sees 192.0.2.10/24 on $TAP0" \
    sh -c "ip -n $A -4 addr show dev $TAP0 | grep -q 'inet 192.0.2.10/24'"
check "kernel sees mtu 1280 on $TAP0" \
    sh -c "ip -n $A link show dev $TAP0 | grep -q 'mtu 1280 '"

run_ctl listif
expect_rc listif 0
printf '%s\n' \
    "  Port  Type    Address     Netmask        MTU   Target$(printf '%*s' $((W - 6)) '')" \
    "  1     tap     192.0.2.10  255.255.255.0  1280  $TAP0$(printf '%*s' $((W - ${#TAP0})) '')" \
    "  2     netdev                             1400  ewdum0$(printf '%*s' $((W - 6)) '')" \
    >"$TMP/exp"
expect_out "listif: tap with address, netdev blank address/netmask"

run_ctl setif --address 10.1.2.3 1
expect_rc "setif --address alone" 0
check "address alone: classful mask 255.0.0.0" \
    grep -q '^  1     tap   10.1.2.3  255.0.0.0  ' "$TMP/out"
run_ctl setif --address "" 1
expect_rc 'setif --address "" (removes it)' 0
check 'address "": the table shows none' \
    grep -qE '^  1     tap +1280  ' "$TMP/out"
check 'address "": the kernel has no IPv4 address on the tap' \
    sh -c "! ip -n $A -4 addr show dev $TAP0 | grep -q inet"
run_ctl setif --netmask "" 1
expect_rc 'setif --netmask "": an error (a netmask is not removed)' 1

# ---------------------------------------------------------------------
# ctl exit statuses and error text
run_ctl delport 99
expect_rc "delport 99" 1
printf '  Invalid params (-32602)\n    no port 99\n' >"$TMP/exp"
expect_err "delport 99"
check "delport 99: nothing on stdout" test ! -s "$TMP/out"

run_ctl setport 0
expect_rc "setport 0" 2
printf 'etherws ctl setport: error: invalid port 0: port numbers start at 1\n' >"$TMP/exp"
expect_err "setport 0"
run_ctl setif --mtu 100 1
expect_rc "setif --mtu 100" 2
printf 'etherws ctl setif: error: invalid --mtu 100: must be 576..65535\n' >"$TMP/exp"
expect_err "setif --mtu 100"
run_ctl addport client http://127.0.0.1:1/
expect_rc "addport client http://" 2
printf "etherws ctl addport client: error: invalid URL http://127.0.0.1:1/: a client port's URL starts with ws:// or wss://\\n" >"$TMP/exp"
expect_err "addport client http://"
run_ctl bogus
expect_rc "unknown command" 2
run_ctl setport
expect_rc "setport without port" 2
run_ctl setport --shut 2 1
expect_rc "setport --shut 2" 2
check_eq "ports untouched by the failed commands" "1 2" \
    "$(ctl a listport | awk 'NR > 1 { printf "%s%s", s, $1; s = " " }')"

# ---------------------------------------------------------------------
# A server port (a WebSocket connection to our own tunnel endpoint) and a
# client port (to a small Python WebSocket server), then setif on each:
# unsupported interface.
cat >"$TMP/wsopen.py" <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
          b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          b"Sec-WebSocket-Version: 13\r\n\r\n")
r = b""
while b"\r\n\r\n" not in r:
    d = s.recv(4096)
    if not d:
        break
    r += d
print(r.split(b"\r\n")[0].decode(), flush=True)
time.sleep(float(sys.argv[2]))
EOF
cat >"$TMP/wsserver.py" <<'EOF'
import socket, sys
sys.dont_write_bytecode = True
sys.path.insert(0, "tests")	# lib.sh: run from the tree's top
import wsraw
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", int(sys.argv[1])))
l.listen(4)
print("listening", flush=True)
conns = []
while True:
    c, _ = l.accept()
    r = b""
    while b"\r\n\r\n" not in r:
        d = c.recv(4096)
        if not d:
            break
        r += d
    acc = wsraw.accept_value(r)
    c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + acc +
              b"\r\n\r\n")
    conns.append(c)
EOF
# The tunnel listener is on port 80 on all addresses by default.
ip netns exec "$A" $PY "$TMP/wsopen.py" 80 120 >"$TMP/ws.out" 2>&1 &
track_pid $!
# a new port probes for loops (state "probing") before it forwards
wait_until 5 sh -c "ip netns exec $A $ETHERWS ctl listport | grep -qE ' server +up '"
check_eq "WebSocket handshake on the tunnel endpoint" \
    "HTTP/1.1 101 Switching Protocols" "$(head -n 1 "$TMP/ws.out")"
SP=$(ctl a listport | awk '$2 == "server" { print $1 }')
check_eq "server port created by a WebSocket connection" 3 "$SP"
check "server port target is 127.0.0.1:<port>" sh -c "ip netns exec $A \
    $ETHERWS ctl listport | grep -qE '^  3     server  up     0   0   127\.0\.0\.1:[0-9]+ *\$'"
ip netns exec "$A" $PY "$TMP/wsserver.py" 9001 >"$TMP/wss.out" 2>&1 &
track_pid $!
wait_until 5 grep -q listening "$TMP/wss.out"
run_ctl setif --mtu 1500 3
expect_rc "setif on a server port" 1
printf '  Invalid params (-32602)\n    port 3 is a server port: only tap and netdev ports have an interface\n' >"$TMP/exp"
expect_err "setif on a server port"

run_ctl addport client ws://127.0.0.1:9001/
expect_rc "addport client ws://127.0.0.1:9001/" 0
printf '%s\n' '  Port  Type    State  RX  TX  Target              ' \
    '  4     client  up     0   0   ws://127.0.0.1:9001/' >"$TMP/exp"
expect_out "addport client: table"
run_ctl setif --address 192.0.2.1 4
expect_rc "setif on a client port" 1
printf '  Invalid params (-32602)\n    port 4 is a client port: only tap and netdev ports have an interface\n' >"$TMP/exp"
expect_err "setif on a client port"
check "listif lists only tap and netdev" \
    sh -c "ip netns exec $A $ETHERWS ctl listif | awk 'NR > 1 { print \$1 }' | tr '\n' ' ' | grep -qx '1 2 '"

run_ctl addport client ws://127.0.0.1:1/
expect_rc "addport client, connection refused" 1
printf '  Invalid params (-32602)\n    cannot connect to 127.0.0.1:1: Connection refused\n' >"$TMP/exp"
expect_err "addport client, connection refused"

# ---------------------------------------------------------------------
# delport: prints the row, then it is gone
run_ctl delport 4
expect_rc "delport 4 (client)" 0
printf '%s\n' '  Port  Type    State  RX  TX  Target              ' \
    '  4     client  up     0   0   ws://127.0.0.1:9001/' >"$TMP/exp"
expect_out "delport client prints its row"
run_ctl delport 2
expect_rc "delport 2 (netdev)" 0
printf '%s\n' '  Port  Type    State  RX  TX  Target' \
    '  2     netdev  up     0   0   ewdum0' >"$TMP/exp"
expect_out "delport 2: prints the port's row"
check "port 2 gone from listport" [ -z "$(port_field a 2 1)" ]
run_ctl delport 2
expect_rc "delport 2 again" 1
printf '  Invalid params (-32602)\n    no port 2\n' >"$TMP/exp"
expect_err "delport 2 again"
run_ctl delport 1
expect_rc "delport 1 (tap)" 0
check "tap device gone with its port" wait_until 3 \
    sh -c "! ip -n $A link show $TAP0 2>/dev/null"
run_ctl addport tap "$TAP"
check "numbers are never reused: the new tap is port 5" \
    grep -q '^  5     tap ' "$TMP/out"
run_ctl listfdb
echo "$FH" >"$TMP/exp"; expect_out "listfdb: header only when empty"

# ---------------------------------------------------------------------
# Raw JSON-RPC and HTTP over the control endpoint
cat >"$TMP/rpc.py" <<'EOF'
import http.client, json, socket, sys, time

HOST, PORT, PATH = "127.0.0.1", 7867, "/ctl"
NS = "etherws.control."

def ok(cond, desc, extra=None):
    print(("ok - " if cond else "not ok - ") + desc)
    if not cond and extra is not None:
        print("#   got: %r" % (extra,))

def post(body, headers=None):
    """POST body with http.client; returns (resp, raw body bytes)."""
    c = http.client.HTTPConnection(HOST, PORT, timeout=10)
    if isinstance(body, str):
        body = body.encode()
    c.request("POST", PATH, body,
              headers or {"Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r, data

def envelope_ok(desc, r, data):
    good = (r.version == 11 and r.status == 200 and r.reason == "OK" and
            r.getheader("Content-Type") == "application/json; charset=UTF-8"
            and r.getheader("Content-Length") == str(len(data)) and
            r.getheader("Connection") == "close")
    ok(good, desc + ": HTTP/1.1 200 OK, JSON type, length, close",
       (r.version, r.status, r.reason, r.getheaders(), len(data)))

def rpc(desc, body, headers=None):
    r, data = post(body, headers)
    envelope_ok(desc, r, data)
    try:
        return json.loads(data.decode())
    except ValueError:
        ok(False, desc + ": reply is JSON", data)
        return {}

def expect_error(desc, body, code, data=None, prefix=None, id_=0):
    d = rpc(desc, body)
    e = d.get("error")
    msg = {-32700: "Parse error", -32600: "Invalid Request",
           -32601: "Method not found", -32602: "Invalid params"}[code]
    good = (isinstance(e, dict) and d.get("jsonrpc") == "2.0" and
            "result" not in d and "id" in d and d["id"] == id_ and
            e.get("code") == code and e.get("message") == msg)
    if data is not None:
        good = good and e.get("data") == data
    if prefix is not None:
        good = good and isinstance(e.get("data"), str) and \
            e["data"].startswith(prefix)
    ok(good, "%s: %d %s" % (desc, code, data if data is not None
                             else (prefix or "")), d)
    return d

def req(method, params=None, id_=0, **extra):
    d = {"jsonrpc": "2.0", "method": method, "id": id_}
    if params is not None:
        d["params"] = params
    d.update(extra)
    return json.dumps(d)

def expect_result(desc, body, id_=0):
    d = rpc(desc, body)
    good = (d.get("jsonrpc") == "2.0" and d.get("id") == id_ and
            "error" not in d and isinstance(d.get("result"), dict) and
            isinstance(d["result"].get("entries"), list))
    ok(good, desc + ": result.entries", d)
    return d["result"]["entries"] if good else []

# --- incomplete request: closed 10 s after accept (runs meanwhile) ------
import threading
slow = {}
def slow_client():
    s = socket.create_connection((HOST, PORT), 20)
    t0 = time.monotonic()
    s.sendall(b"POST /ctl HTTP/1.1\r\nHost: 127.0.0.1:7867\r\n")
    got = b""
    try:
        while True:
            d = s.recv(4096)
            if not d:
                break
            got += d
    except OSError as e:
        got += repr(e).encode()
    slow["t"] = time.monotonic() - t0
    slow["got"] = got
    s.close()
slow_thread = threading.Thread(target=slow_client)
slow_thread.start()

# --- -32700 / -32600 / -32601 ----------------------------------------
expect_error("body '{'", "{", -32700, prefix="not JSON: ", id_=None)
expect_error("empty body", "", -32700, prefix="not JSON: ", id_=None)
expect_error("trailing garbage", '{"jsonrpc": "2.0"} x', -32700,
             prefix="not JSON: ", id_=None)
for b in ('"x"', "1", "null"):
    expect_error("request %s" % b[:20], b, -32600,
                 "a request must be a JSON object (or a non-empty array "
                 "of them: a batch)", id_=None)
expect_error("empty batch []", "[]", -32600, "an empty batch: a batch is "
             "an array of one request or more", id_=None)
expect_error("missing jsonrpc", '{"method": "%slistPort", "id": 7}' % NS,
             -32600, 'missing "jsonrpc": "2.0"', id_=7)
expect_error("jsonrpc 1.0", req(NS + "listPort", jsonrpc="1.0"), -32600,
             'unsupported "jsonrpc": 1.0 (must be "2.0")')
expect_error("missing method", '{"jsonrpc": "2.0", "id": 0}', -32600,
             'missing "method"')
expect_error("method without namespace", req("listPort"), -32601,
             "unknown method listPort (methods are named "
             "etherws.control.NAME)")
expect_error("unknown method", req(NS + "foo"), -32601,
             "unknown method etherws.control.foo")
expect_error("method names are case-sensitive", req(NS + "listport"),
             -32601, "unknown method etherws.control.listport")
expect_error("method with quote and non-ASCII", req('li"st\u00e9\\'),
             -32601, 'unknown method li"st\u00e9\\ (methods are named '
             'etherws.control.NAME)')
expect_error("unknown method with escapes", req(NS + 'a"b\u00e9'),
             -32601, 'unknown method etherws.control.a"b\u00e9')
expect_error("jsonrpc 2.0 as a number", '{"jsonrpc": 2.0, "method": '
             '"%slistPort", "id": 0}' % NS, -32600,
             'unsupported "jsonrpc": 2.0 (must be "2.0")')
expect_error("invalid UTF-8 in a string", b'{"jsonrpc": "2.0", "method": '
             b'"etherws.control.\xff", "id": 0}', -32700, prefix="not JSON: ",
             id_=None)
body = req(NS + "listPort")
body += " " * (65536 - len(body))
e = expect_result("body of exactly 65536 bytes", body)

# --- -32602 -------------------------------------------------------------
expect_error("params a list", req(NS + "setPort", [1]), -32602,
             '"params" must be an object')
expect_error("params a string", req(NS + "delPort", "1"), -32602,
             '"params" must be an object')
expect_error("setPort without port", req(NS + "setPort", {"shut": 1}),
             -32602, 'missing param "port"')
expect_error("setPort without params", req(NS + "setPort"), -32602,
             'missing param "port"')
expect_error('port "abc"', req(NS + "setPort", {"port": "abc"}), -32602,
             'invalid port "abc": a port number, 1 or more')
expect_error("port 0", req(NS + "setPort", {"port": 0}), -32602,
             "invalid port 0: a port number, 1 or more")
expect_error("port 1.5", req(NS + "setPort", {"port": 1.5}), -32602,
             "invalid port 1.5: a port number, 1 or more")
expect_error("delPort 99", req(NS + "delPort", {"port": 99}), -32602,
             "no port 99")
expect_error("type server", req(NS + "addPort", {"type": "server",
             "target": "x", "options": {}}), -32602,
             "invalid port type server: tap, netdev or client")
expect_error("addPort without type", req(NS + "addPort", {"target": "x"}),
             -32602, 'missing param "type"')
expect_error("setInterface mtu 100000", req(NS + "setInterface",
             {"port": 5, "mtu": 100000}), -32602,
             "invalid mtu 100000: must be 1..65535")
expect_error("addPort client http://", req(NS + "addPort", {
             "type": "client", "target": "http://127.0.0.1:1/",
             "options": {"user": None, "passwd": None, "cacerts": None,
                         "insecure": False}}), -32602,
             "invalid URL http://127.0.0.1:1/: a client port's URL "
             "starts with ws:// or wss://")
expect_error("addPort client ftp://", req(NS + "addPort", {
             "type": "client", "target": "ftp://x/", "options": {}}),
             -32602, "invalid URL ftp://x/: a client port's URL starts "
             "with ws:// or wss://")
expect_error("addPort client port 99999", req(NS + "addPort", {
             "type": "client", "target": "ws://127.0.0.1:99999/",
             "options": {}}), -32602,
             "invalid URL ws://127.0.0.1:99999/: the port must be a number "
             "1..65535")
expect_error("addPort client without host", req(NS + "addPort", {
             "type": "client", "target": "ws:///", "options": {}}), -32602,
             "invalid URL ws:///: no host")
expect_error("addPort client with userinfo", req(NS + "addPort", {
             "type": "client", "target": "ws://u:p@127.0.0.1:1/",
             "options": {}}), -32602,
             "invalid URL ws://u:p@127.0.0.1:1/: no user:password@ (give "
             "--user and --passwd)")
after = expect_result("listPort after failed addPorts", req(NS + "listPort"))
ok([p["port"] for p in after] == [3, 5],
   "failed addPorts created no port", [p["port"] for p in after])

# --- port forms, shut truthiness ----------------------------------------
e = expect_result('setPort port "5"', req(NS + "setPort", {"port": "5", "shut": 1}))
ok(len(e) == 1 and e[0].get("port") == 5 and e[0].get("shut") is True and
   e[0].get("state") == "shut", 'port "5" accepted as decimal string', e)
e = expect_result("setPort port 5.0", req(NS + "setPort", {"port": 5.0, "shut": []}))
ok(len(e) == 1 and e[0].get("port") == 5 and e[0].get("shut") is False,
   "port 5.0 accepted; shut [] is false", e)
e = expect_result("setPort shut null", req(NS + "setPort", {"port": 5, "shut": None}))
ok(len(e) == 1 and e[0].get("shut") is False, "shut null: unchanged", e)
e = expect_result("setPort shut \"x\"", req(NS + "setPort", {"port": 5, "shut": "x"}))
ok(len(e) == 1 and e[0].get("shut") is True, "shut \"x\" is true", e)
e = expect_result("setPort shut 0", req(NS + "setPort", {"port": 5, "shut": 0}))
ok(len(e) == 1 and e[0].get("shut") is False and e[0].get("state") == "up",
   "shut 0: up", e)
ps = e[0] if e else {}
ok(all(k in ps for k in ("port", "type", "target", "rx", "tx", "shut",
                         "state", "rx_dropped", "tx_dropped")),
   "portstat has all fields", ps)
e = expect_result("listPort ignores params", req(NS + "listPort", [1, 2]))
ok(len(e) == 2, "listPort with list params", e)
e = expect_result("listInterface", req(NS + "listInterface"))
ok(len(e) == 1 and set(e[0]) >= {"port", "type", "target", "address",
   "netmask", "mtu"} and e[0]["address"] == "" and e[0]["netmask"] == "",
   "ifstat fields, empty address/netmask", e)
expect_result("listFdb", req(NS + "listFdb"))

# --- id echo ------------------------------------------------------------
for idtxt, idval in (('"abc"', "abc"), ("42", 42), ("-7", -7),
                     ('"a\\"b\\u00e9"', 'a"b\u00e9'), ("null", None),
                     ("1.25", 1.25)):
    body = '{"jsonrpc": "2.0", "method": "%slistFdb", "id": %s}' % (NS, idtxt)
    r, data = post(body)
    envelope_ok("id %s" % idtxt, r, data)
    d = json.loads(data.decode())
    ok(d.get("id") == idval and type(d.get("id")) == type(idval) and
       ('"id": %s' % idtxt).encode() in data,
       "id %s echoed verbatim" % idtxt, data)
longid = '"' + "i" * 300 + '"'
for idtxt in (longid, "[1, {\"k\": null}]", "123456789012345678901234567890"):
    body = '{"jsonrpc": "2.0", "method": "%slistFdb", "id": %s}' % (NS, idtxt)
    r, data = post(body)
    envelope_ok("id %s" % idtxt[:20], r, data)
    ok(('"id": %s' % idtxt).encode() in data and
       json.loads(data.decode()).get("id") == json.loads(idtxt),
       "id %s... echoed verbatim" % idtxt[:20], data[:400])
d = expect_error("string id on error", '{"jsonrpc": "2.0", "id": "q", '
                 '"method": "%sfoo"}' % NS, -32601,
                 "unknown method etherws.control.foo", id_="q")

# --- notifications and batches (JSON-RPC 2.0 sections 4.1 and 6) -------
def post_status(desc, body):
    r, data = post(body)
    return r, data

r, data = post('{"jsonrpc": "2.0", "method": "%ssetPort", "params": '
               '{"port": 5, "shut": 1}}' % NS)
ok(r.status == 204 and r.reason == "No Content" and data == b"" and
   r.getheader("Content-Type") is None,
   "notification: HTTP 204 No Content, no body", (r.status, data))
e = expect_result("listPort after the setPort notification",
                  req(NS + "listPort"))
ok([p.get("shut") for p in e if p.get("port") == 5] == [True],
   "the notification ran: port 5 shut", e)
r, data = post('{"jsonrpc": "2.0", "method": "%sfoo"}' % NS)
ok(r.status == 204 and data == b"",
   "notification of an unknown method: no reply either", data)
r, data = post('{"jsonrpc": "2.0", "method": "%sdelPort", '
               '"params": {"port": 99}}' % NS)
ok(r.status == 204 and data == b"",
   "notification whose method fails: no reply", data)
expect_error("no id, not a valid request: answered", '{"jsonrpc": "2.0"}',
             -32600, 'missing "method"', id_=None)
batch = ('[{"jsonrpc": "2.0", "method": "%slistInterface", "id": 1},'
         ' {"jsonrpc": "2.0", "method": "%ssetPort", "params": {"port": 5,'
         ' "shut": 0}},'
         ' {"jsonrpc": "2.0", "method": "%sdelPort", "params": {"port": 99},'
         ' "id": "x"},'
         ' 5,'
         ' {"jsonrpc": "2.0", "method": "%slistPort", "id": [3]}]'
         % (NS, NS, NS, NS))
r, data = post(batch)
envelope_ok("batch", r, data)
try:
    d = json.loads(data.decode())
except ValueError:
    d = None
ok(isinstance(d, list) and len(d) == 4, "batch of 5 with 1 notification: "
   "an array of 4 replies", d)
if isinstance(d, list) and len(d) == 4:
    ok(d[0].get("id") == 1 and len(d[0]["result"]["entries"]) == 1,
       "batch reply 1: listInterface, id 1", d[0])
    ok(d[1].get("id") == "x" and d[1].get("error") == {
       "code": -32602, "message": "Invalid params", "data": "no port 99"},
       "batch reply 2: delPort 99's error, id \"x\"", d[1])
    ok(d[2].get("id") is None and d[2].get("error", {}).get("code") ==
       -32600 and d[2]["error"].get("data") == "a request in a batch must "
       "be a JSON object", "batch reply 3: the non-object, -32600", d[2])
    ok(d[3].get("id") == [3] and [p.get("shut") for p in
       d[3]["result"]["entries"] if p["port"] == 5] == [False],
       "batch reply 4: listPort after the notification opened port 5", d[3])
r, data = post('[{"jsonrpc": "2.0", "method": "%slistPort"},'
               ' {"jsonrpc": "2.0", "method": "%slistFdb"}]' % (NS, NS))
ok(r.status == 204 and data == b"",
   "batch of notifications only: HTTP 204, no body", (r.status, data))
many = "[" + ", ".join(['{"jsonrpc": "2.0", "method": "%slistFdb", '
                        '"id": %d}' % (NS, i) for i in range(257)]) + "]"
expect_error("batch of 257", many, -32600,
             "a batch of 257 requests: 256 at most", id_=None)
many = "[" + ", ".join(['{"jsonrpc": "2.0", "method": "%slistFdb", '
                        '"id": %d}' % (NS, i) for i in range(256)]) + "]"
r, data = post(many)
d = json.loads(data.decode())
ok(isinstance(d, list) and [x.get("id") for x in d] == list(range(256)),
   "batch of 256: 256 replies in order", data[:200])
r, data = post('[{"jsonrpc": "2.0", "method": "%saddPort", "params": '
               '{"type": "client", "target": "ws://127.0.0.1:1/"}, "id": 1},'
               ' {"jsonrpc": "2.0", "method": "%slistFdb", "id": 2}]'
               % (NS, NS))
d = json.loads(data.decode())
ok(isinstance(d, list) and len(d) == 2 and d[0].get("id") == 1 and
   d[0].get("error", {}).get("data") ==
   "cannot connect to 127.0.0.1:1: Connection refused" and
   d[1].get("id") == 2 and "result" in d[1],
   "batch with an addPort that answers later: replies in request order", d)
# a setPort that opens a port answers once it has probed: its slot in
# the batch waits, and the array keeps request order
r, data = post('[{"jsonrpc": "2.0", "method": "%ssetPort", "params": '
               '{"port": 5, "shut": 1}, "id": 1},'
               ' {"jsonrpc": "2.0", "method": "%ssetPort", "params": '
               '{"port": 5, "shut": 0}, "id": 2},'
               ' {"jsonrpc": "2.0", "method": "%slistFdb", "id": 3}]'
               % (NS, NS, NS))
d = json.loads(data.decode())
ok(isinstance(d, list) and [x.get("id") for x in d] == [1, 2, 3] and
   d[0]["result"]["entries"][0].get("state") == "shut" and
   d[1]["result"]["entries"][0].get("state") == "up",
   "batch with a setPort that waits for probing: in order, 'up'", d)

# --- HTTP level (raw sockets) ------------------------------------------
def raw(data, wait_eof=True, t=10, chunks=None):
    s = socket.create_connection((HOST, PORT), t)
    s.sendall(data)
    if chunks:
        for c in chunks:
            time.sleep(0.2)
            s.sendall(c)
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except socket.timeout:
        out += b"<TIMEOUT>"
    except ConnectionResetError:
        out += b"<RESET>"
    s.close()
    return out

def status(out):
    return out.split(b"\r\n", 1)[0].decode("latin-1")

def headers_of(out):
    head = out.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
    return [h.lower() for h in head]

def expect_status(desc, data, line, extra_header=None, **kw):
    out = raw(data, **kw)
    good = status(out) == line
    if extra_header:
        good = good and extra_header.lower() in headers_of(out)
    ok(good, "%s -> %s%s" % (desc, line, (" + " + extra_header)
                              if extra_header else ""), out[:300])
    return out

lp = ('{"jsonrpc": "2.0", "method": "%slistPort", "id": 0}' % NS).encode()
def post_head(path=PATH, extra=b"", method=b"POST", cl=True):
    h = method + b" " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1:7867\r\n"
    if cl:
        h += b"Content-Length: %d\r\n" % len(lp)
    return h + extra + b"\r\n"

expect_status("GET", post_head(method=b"GET", cl=False),
              "HTTP/1.1 405 Method Not Allowed", "Allow: POST")
expect_status("PUT with body", post_head(method=b"PUT") + lp,
              "HTTP/1.1 405 Method Not Allowed", "Allow: POST")
expect_status("path /ctl/", post_head("/ctl/") + lp, "HTTP/1.1 404 Not Found")
expect_status("path /other", post_head("/other") + lp, "HTTP/1.1 404 Not Found")
expect_status("path /CTL", post_head("/CTL") + lp, "HTTP/1.1 404 Not Found")
out = expect_status("path /ctl?x=1", post_head("/ctl?x=1") + lp,
                    "HTTP/1.1 200 OK")
ok(b'"result"' in out, "query string ignored: listPort answered", out[:200])
expect_status("no Content-Length", post_head(cl=False) + lp,
              "HTTP/1.1 411 Length Required")
expect_status("Transfer-Encoding: chunked",
              post_head(cl=False, extra=b"Transfer-Encoding: chunked\r\n") +
              b"%x\r\n" % len(lp) + lp + b"\r\n0\r\n\r\n",
              "HTTP/1.1 411 Length Required")
expect_status("Content-Length and Transfer-Encoding",
              post_head(extra=b"Transfer-Encoding: chunked\r\n") + lp,
              "HTTP/1.1 411 Length Required")
expect_status("Content-Length 70000",
              b"POST /ctl HTTP/1.1\r\nHost: 127.0.0.1:7867\r\nContent-Length: 70000\r\n\r\n",
              "HTTP/1.1 413 Payload Too Large")
expect_status("Content-Length 65537",
              b"POST /ctl HTTP/1.1\r\nHost: 127.0.0.1:7867\r\nContent-Length: 65537\r\n\r\n",
              "HTTP/1.1 413 Payload Too Large")
big = b"X-Filler: " + b"a" * 9000 + b"\r\n"
expect_status("headers over 8192 bytes", post_head(extra=big) + lp,
              "HTTP/1.1 431 Request Header Fields Too Large")
expect_status("headers over 8192 bytes, wrong path too",
              post_head("/nope", extra=big) + lp,
              "HTTP/1.1 431 Request Header Fields Too Large")
expect_status("garbage request line", b"garbage\r\n\r\n",
              "HTTP/1.1 400 Bad Request")
expect_status("binary garbage", b"\x00\x01\x02 / \xff\r\n\r\n",
              "HTTP/1.1 400 Bad Request")
expect_status("Content-Length x",
              b"POST /ctl HTTP/1.1\r\nHost: 127.0.0.1:7867\r\nContent-Length: x\r\n\r\n",
              "HTTP/1.1 400 Bad Request")
# The attack: two Content-Length headers (request smuggling past a proxy
# that takes the other one), equal or not: 400, no reply to the body.
out = expect_status("two Content-Length headers, different",
                    post_head(extra=b"Content-Length: 0\r\n") + lp,
                    "HTTP/1.1 400 Bad Request")
ok(b'"result"' not in out, "two different lengths: nothing answered", out[:300])
out = expect_status("two Content-Length headers, equal",
                    post_head(extra=b"Content-Length: %d\r\n" % len(lp)) + lp,
                    "HTTP/1.1 400 Bad Request")
ok(b'"result"' not in out, "two equal lengths: nothing answered", out[:300])
# Order: 404 before 405 and 411
expect_status("GET on /other", post_head("/other", method=b"GET", cl=False),
              "HTTP/1.1 404 Not Found")
expect_status("GET without length", post_head(method=b"GET", cl=False),
              "HTTP/1.1 405 Method Not Allowed")

# Expect: 100-continue: 100 first, the reply only after the body
s = socket.create_connection((HOST, PORT), 10)
s.sendall(post_head(extra=b"Expect: 100-continue\r\n"))
first = b""
s.settimeout(5)
try:
    while len(first) < 25:
        d = s.recv(25 - len(first))
        if not d:
            break
        first += d
except socket.timeout:
    pass
ok(first == b"HTTP/1.1 100 Continue\r\n\r\n",
   "Expect: 100-continue -> 100 Continue first", first)
s.settimeout(0.5)
try:
    early = s.recv(100)
except socket.timeout:
    early = b""
ok(early == b"", "no reply before the body is sent", early)
s.settimeout(10)
s.sendall(lp)
rest = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    rest += d
s.close()
ok(status(rest) == "HTTP/1.1 200 OK" and b'"result"' in rest,
   "Expect: 100-continue -> then the JSON-RPC reply", rest[:200])

# Body split across packets; reply then EOF (Connection: close honoured)
out = raw(post_head(), chunks=[lp[:10], lp[10:]])
hs = headers_of(out)
body = out.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in out else b""
ok(status(out) == "HTTP/1.1 200 OK" and
   "content-type: application/json; charset=utf-8" in hs and
   "connection: close" in hs and
   "content-length: %d" % len(body) in hs,
   "body in pieces: 200, exact Content-Length, then EOF", out[:300])

# --- deep nesting -------------------------------------------------------
deep = "[" * 10000 + "]" * 10000
expect_error("array nested 10000 deep", deep, -32700, prefix="not JSON: ", id_=None)
deep = '{"a":' * 10000 + "1" + "}" * 10000
expect_error("object nested 10000 deep", deep, -32700, prefix="not JSON: ", id_=None)
deep = ('{"jsonrpc": "2.0", "method": "%slistPort", "id": 0, "params": %s}'
        % (NS, "[" * 10000 + "]" * 10000))
expect_error("params nested 10000 deep", deep, -32700, prefix="not JSON: ", id_=None)
e = expect_result("listPort after the deep documents", req(NS + "listPort"))
ok(len(e) == 2, "switch still answers with its ports", e)

slow_thread.join(30)
ok(8.5 <= slow.get("t", 0) <= 13,
   "incomplete request closed about 10 s after accept (%.1f s)" %
   slow.get("t", 0), slow)
print("ok - rpc.py ran to the end")
EOF
# (process substitution: tap_in must run in this shell to count)
RPC_DONE=0
tap_in < <(nsx a timeout 60 $PY "$TMP/rpc.py" 2>&1)
[ $RPC_DONE -eq 1 ] || not_ok "rpc.py stopped early (see above)"

# ---------------------------------------------------------------------
# The same with curl, as docs/api.md shows it; ctl --json
if need_for "batch and notification with curl" curl; then
	CURL="nsx a curl -s -i -H Content-Type:application/json http://127.0.0.1:7867/ctl"
	$CURL -d '{"jsonrpc": "2.0", "method": "etherws.control.setPort", "params": {"port": 5, "shut": 1}}' |
	    tr -d '\r' >"$TMP/curl.out"
	printf 'HTTP/1.1 204 No Content\nConnection: close\n\n' >"$TMP/exp"
	check "curl: a notification gets 204 and nothing else" \
	    cmp -s "$TMP/exp" "$TMP/curl.out"
	check_eq "curl: the notification ran" shut "$(port_field a 5 3)"
	$CURL -d '[{"jsonrpc": "2.0", "method": "etherws.control.setPort", "params": {"port": 5, "shut": 0}, "id": 1}, {"jsonrpc": "2.0", "method": "etherws.control.delPort", "params": {"port": 7}, "id": 2}]' |
	    tr -d '\r' | sed -n '$p' >"$TMP/curl.out"; echo >>"$TMP/curl.out"
	printf '%s\n' '[{"jsonrpc": "2.0", "id": 1, "result": {"entries": [{"port": 5, "type": "tap", "target": "'"$TAP0"'", "rx": 0, "tx": 0, "shut": false, "state": "up", "rx_dropped": 0, "tx_dropped": 0, "storm_dropped": 0, "loop_blocks": 0, "offload": true}]}}, {"jsonrpc": "2.0", "id": 2, "error": {"code": -32602, "message": "Invalid params", "data": "no port 7"}}]' >"$TMP/exp"
	sed -i 's/"rx": [0-9]*, "tx": [0-9]*/"rx": 0, "tx": 0/; s/"offload": false/"offload": true/' "$TMP/curl.out"
	check "curl: a batch of two gets both replies in order" \
	    cmp -s "$TMP/exp" "$TMP/curl.out"
	$CURL -d '[]' | tr -d '\r' | sed -n '$p' >"$TMP/curl.out"
	echo >>"$TMP/curl.out"
	printf '%s\n' '{"jsonrpc": "2.0", "id": null, "error": {"code": -32600, "message": "Invalid Request", "data": "an empty batch: a batch is an array of one request or more"}}' >"$TMP/exp"
	check "curl: [] gets one -32600 error" cmp -s "$TMP/exp" "$TMP/curl.out"
fi
run_ctl --json listport
expect_rc "ctl --json listport" 0
check "ctl --json listport: one line of JSON, the result" $PY -c '
import json, sys
lines = open(sys.argv[1]).read().split("\n")
r = json.loads(lines[0])
assert lines[1:] == [""] and sorted(r) == ["entries"]
assert [p["port"] for p in r["entries"]] == [3, 5], r' "$TMP/out"
run_ctl --json delport 99
expect_rc "ctl --json delport 99" 1
printf '  Invalid params (-32602)\n    no port 99\n' >"$TMP/exp"
expect_err "ctl --json delport 99: the error as ever"
check "ctl --json delport 99: nothing on stdout" test ! -s "$TMP/out"

# ---------------------------------------------------------------------
# listfdb with entries: a new server port (6) sends an untagged and a
# VLAN 100 frame (masked, as a client must); the MACs are learned on it.
cat >"$TMP/wsframes.py" <<'EOF'
import os, socket, struct, sys, time
s = socket.create_connection(("127.0.0.1", 80), 5)
s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
          b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          b"Sec-WebSocket-Version: 13\r\n\r\n")
r = b""
while b"\r\n\r\n" not in r:
    d = s.recv(4096)
    if not d:
        break
    r += d
def frame(payload):
    key = os.urandom(4)
    masked = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return bytes([0x82, 0x80 | len(payload)]) + key + masked
bc = b"\xff" * 6
f1 = bc + bytes.fromhex("0200000000AA") + b"\x08\x00" + b"\0" * 46
f2 = bc + bytes.fromhex("0200000000BB") + b"\x81\x00\x00\x64\x08\x00" + b"\0" * 46
# a new port drops the users' frames until it has probed for loops
sys.dont_write_bytecode = True
sys.path.insert(0, "tests")	# lib.sh: run from the tree's top
import wsraw
wsraw.wait_forwarding(s)
s.sendall(frame(f1) + frame(f2))
print("sent", flush=True)
time.sleep(float(sys.argv[1]))
EOF
ip netns exec "$A" $PY "$TMP/wsframes.py" 120 >"$TMP/wsf.out" 2>&1 &
track_pid $!
wait_until 5 grep -q sent "$TMP/wsf.out"
check "two MACs learned" wait_until 3 sh -c \
    "ip netns exec $A $ETHERWS ctl listfdb | grep -q 'bb'"
run_ctl listfdb
expect_rc "listfdb with entries" 0
printf '%s\n' '  Port  VLAN  MAC                Age' \
    '  6     0     02:00:00:00:00:aa  A  ' \
    '  6     100   02:00:00:00:00:bb  A  ' >"$TMP/exp"
sed -i 's/  [01]  $/  A  /' "$TMP/out"
expect_out "listfdb: by vid, MAC lower-case, padded (age 0 or 1 -> A)"
run_ctl delport 6
expect_rc "delport 6 (server)" 0
check "delport server prints its row (rx 2)" \
    grep -qE '^  6     server  up     2   0   127\.0\.0\.1:[0-9]+ *$' "$TMP/out"
run_ctl listfdb
echo "$FH" >"$TMP/exp"; expect_out "listfdb: a deleted port's entries go"

# addPort answers once the new port has probed (~200 ms): a control
# connection that goes before that gets nothing, and the switch lives.
# The caller stays until its port exists (one gone before its request
# is read cannot be named as a local user, and is refused), then resets.
nsx a $PY -c '
import socket, struct, sys, time
sys.path.insert(0, "tests")	# lib.sh: run from the tree top
from wsraw import list_ports
b = b"{\"jsonrpc\": \"2.0\", \"id\": 9, \"method\": \"etherws.control.addPort\", \"params\": {\"type\": \"tap\", \"target\": \"gone%d\"}}"
s = socket.create_connection(("127.0.0.1", 7867), 5)
s.sendall(b"POST /ctl HTTP/1.1\r\nHost: 127.0.0.1:7867\r\nContent-Length: %d\r\n\r\n" % len(b) + b)
deadline, seen = time.monotonic() + 3, []
while not seen and time.monotonic() < deadline:
    seen = [e.get("state") for e in list_ports() if e.get("target") == "gone0"]
    time.sleep(0.01)
print("# gone0 seen as %s, caller leaves" % seen, file=sys.stderr)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
'
check "addPort whose caller left: the port is made and forwards" wait_until 3 \
    sh -c "ip netns exec $A $ETHERWS ctl listport | grep -qE ' tap +up .* gone0 *\$'"
check "and the switch still answers" kill -0 "$SWPID_a"

check "-32602 errors logged at ERROR" grep -qx "ERROR:etherws:no port 99" "$TMP/sw-a.log"
check "INFO connected: tap logged" grep -qx "INFO:etherws:connected: $TAP0" "$TMP/sw-a.log"
check "sw still running" kill -0 "$SWPID_a"
run_ctl listport
expect_rc "ctl listport after everything" 0
done_testing
