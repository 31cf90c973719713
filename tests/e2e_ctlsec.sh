#!/bin/bash
# The control endpoint serves only its operator, and no browser page
# joins a tunnel.  Each check is an attack of the audit, or a client that
# must keep working:
#  - a page's cross-origin POST (text/plain, Origin: no preflight) that
#    would add a port; the same with a rebinding Host; Sec-Fetch-* alone;
#    a Host with another port;
#  - the original etherws 1.3 ctl's request (Python urllib: "Host:
#    127.0.0.1:7867", no Origin), Python 3's urllib, our ctl by
#    localhost, by [::1], without Host at all: served;
#  - a local user (uid nobody) driving the switch: refused (403), also
#    when it sends addPort and closes at once; root is served; the users
#    --ctlallow names (by name, number, @group) are served; an unknown
#    name is a start-up error;
#  - a WebSocket upgrade with Sec-Fetch-* (a page after DNS rebinding:
#    Origin equal to Host) refused with 403, the same without it: 101;
#  - the loud warning for a control listener outside loopback without
#    --ctlhtpasswd.
. "$(dirname "$0")/lib.sh"
need python3 setpriv

ns a
NETNS_ETC=/etc/netns/$PFX-a
trap 'cleanup; rm -rf "$NETNS_ETC"' EXIT
RAW="$PY tests/rawio.py"
# as_nobody COMMAND...: in namespace a as uid/gid nobody, no groups
as_nobody() {
	ip netns exec "$PFX-a" setpriv --reuid=65534 --regid=65534 \
	    --clear-groups "$@"
}
# post [HEADERS]: a listPort/addPort body with these extra header lines
# (\r\n-terminated), sent raw to 127.0.0.1:7867; the reply on stdout
body_tap='{"jsonrpc": "2.0", "method": "etherws.control.addPort", "id": 0, "params": {"type": "tap", "target": "ewx%d", "options": null}}'
body_list='{"jsonrpc": "2.0", "method": "etherws.control.listPort", "id": 0}'
post() {	# BODY HEADERS
	nsx a $RAW send 127.0.0.1 7867 "POST /ctl HTTP/1.1\r\n$2Content-Length: ${#1}\r\nConnection: close\r\n\r\n$1" 5
}
status() { head -n 1 | tr -d '\r'; }
nports() { ctl a listport | tail -n +2 | grep -c .; }

sw a --host 127.0.0.1 --port 8080
check_eq "root: ctl listport works" 0 "$(nports)"

# ---- browsers -----------------------------------------------------------
check_eq "cross-origin POST text/plain with Origin: 403" \
    "HTTP/1.1 403 Forbidden" "$(post "$body_tap" \
    'Host: 127.0.0.1:7867\r\nOrigin: http://evil.example\r\nContent-Type: text/plain\r\n' | status)"
check_eq "rebinding Host: 403" "HTTP/1.1 403 Forbidden" \
    "$(post "$body_list" 'Host: rebind.attacker.example:7867\r\n' | status)"
check_not "rebinding Host: no port list in the reply" eval \
    "post '$body_list' 'Host: rebind.attacker.example:7867\r\n' | grep -q entries"
check_eq "Sec-Fetch-Mode alone: 403" "HTTP/1.1 403 Forbidden" \
    "$(post "$body_tap" 'Host: 127.0.0.1:7867\r\nSec-Fetch-Mode: no-cors\r\n' | status)"
check_eq "Host with another port: 403" "HTTP/1.1 403 Forbidden" \
    "$(post "$body_tap" 'Host: 127.0.0.1:80\r\n' | status)"
check_eq "a second Host header, foreign: 403" "HTTP/1.1 403 Forbidden" \
    "$(post "$body_tap" 'Host: 127.0.0.1:7867\r\nHost: evil.example:7867\r\n' | status)"
check_eq "no port was added by any of them" 0 "$(nports)"

# ---- tunnels: no page joins --------------------------------------------
UP='GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n'
ws() { nsx a $RAW send 127.0.0.1 8080 "$UP$1\r\n" 2 | status; }
check_eq "upgrade from a page after rebinding (Origin = Host, Sec-Fetch-*): 403" \
    "HTTP/1.1 403 Forbidden" \
    "$(ws 'Origin: http://127.0.0.1:8080\r\nSec-Fetch-Mode: websocket\r\nSec-Fetch-Site: same-origin\r\n')"
check_eq "the same upgrade without Sec-Fetch-*: 101" \
    "HTTP/1.1 101 Switching Protocols" "$(ws 'Origin: http://127.0.0.1:8080\r\n')"

# ---- clients that must keep working ---------------------------------------
# etherws 1.3's ctl (Python 2.7 urllib2): exactly these headers
ORIG='Accept-Encoding: identity\r\nContent-Type: application/json\r\nHost: 127.0.0.1:7867\r\nUser-Agent: Python-urllib/2.7\r\n'
check_eq "etherws 1.3 ctl's request: 200" "HTTP/1.1 200 OK" \
    "$(post "$body_list" "$ORIG" | status)"
out=$(nsx a "$PY" - <<'EOF'
import urllib.request
r = urllib.request.Request("http://127.0.0.1:7867/ctl", method="POST",
    data=b'{"jsonrpc": "2.0", "method": "etherws.control.listPort", "id": 0}',
    headers={"Content-Type": "application/json"})
print(urllib.request.urlopen(r, timeout=10).status)
EOF
)
check_eq "Python 3 urllib: 200" 200 "$out"
check "ctl --ctlurl http://localhost:7867/ctl" eval \
    'ctl a --ctlurl http://localhost:7867/ctl listport >/dev/null'
check_eq "Host: localhost:7867: 200" "HTTP/1.1 200 OK" \
    "$(post "$body_list" 'Host: LocalHost:7867\r\n' | status)"
check_eq "no Host at all (HTTP/1.0 style): 200" "HTTP/1.1 200 OK" \
    "$(post "$body_list" '' | status)"

# ---- local users ------------------------------------------------------------
out=$(as_nobody "$ETHERWS" ctl listport 2>&1); rc=$?
check_eq "uid nobody: ctl listport refused with 403, exit 1" \
    "1 etherws ctl: error: http://127.0.0.1:7867/ctl answered HTTP 403 Forbidden (the switch serves root, its own user and those sw --ctlallow names, with a Host of its address, localhost or --ctlhost)" \
    "$rc $out"
as_nobody "$ETHERWS" ctl addport tap 'ewn%d' >/dev/null 2>&1
check_eq "uid nobody: addport tap refused, no port" 0 "$(nports)"
# addPort sent, the socket closed at once: the kernel keeps the closed
# socket a while without its owner, which must not pass for root.
for wait in 0 0.2; do
	as_nobody "$PY" - "$wait" "$body_tap" <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", 7867), 5)
b = sys.argv[2].encode()
s.sendall(b"POST /ctl HTTP/1.1\r\nHost: 127.0.0.1:7867\r\nContent-Length: "
          + str(len(b)).encode() + b"\r\n\r\n" + b)
time.sleep(float(sys.argv[1]))
s.close()
EOF
done
sleep 0.5
check_eq "uid nobody, addPort then close: no port" 0 "$(nports)"
check "the refusals are logged with the uid" \
    grep -q "control refused: 127.0.0.1:[0-9]* is uid 65534" "$TMP/sw-a.log"
check "root still works" eval 'ctl a listport >/dev/null'

# --ctlallow: by name, by number, by group; others still refused
restart() {	# ARGS...: the switch in a again, with these options
	kill -TERM "$SWPID_a"
	wait_until 5 eval '! kill -0 $SWPID_a' || die "old sw in a"
	sw a --host 127.0.0.1 --port 8080 "$@"
}
for allow in nobody 65534 @nogroup @65534 "daemon,nobody"; do
	restart --ctlallow "$allow"
	check "--ctlallow $allow: uid nobody served" eval \
	    'as_nobody "$ETHERWS" ctl listport >/dev/null'
done
restart --ctlallow daemon
check "--ctlallow daemon: uid nobody still refused" eval \
    '! as_nobody "$ETHERWS" ctl listport >/dev/null 2>&1'
# a group of /etc/group (ip netns exec mounts /etc/netns/<ns>/group over
# it for the switch): its members count, one /etc/passwd lacks is skipped
mkdir -p "$NETNS_ETC" && printf 'root:x:0:\newctl:x:4242:ghostuser,nobody\n' \
    >"$NETNS_ETC/group" || die "group file"
restart --ctlallow @ewctl
check "--ctlallow @ewctl (nobody a member, a stale member): served" eval \
    'as_nobody "$ETHERWS" ctl listport >/dev/null'
rm -rf "$NETNS_ETC"
# "0.0.0.0 day": browsers reach local services at http://0.0.0.0:PORT/;
# a wildcard --ctlhost is no name a Host may carry
restart --ctlhost 0.0.0.0
check_eq "--ctlhost 0.0.0.0: Host 0.0.0.0:7867 refused" \
    "HTTP/1.1 403 Forbidden" "$(post "$body_list" 'Host: 0.0.0.0:7867\r\n' | status)"
check_eq "--ctlhost 0.0.0.0: Host 127.0.0.1:7867 served" "HTTP/1.1 200 OK" \
    "$(post "$body_list" 'Host: 127.0.0.1:7867\r\n' | status)"
out=$(nsx a "$ETHERWS" sw --foreground --ctlport 7999 --port 8999 \
    --ctlallow nosuchuser 2>&1); rc=$?
check_eq "--ctlallow nosuchuser: exit 2" 2 "$rc"
check_eq "--ctlallow nosuchuser: says which" \
    "etherws sw: error: invalid --ctlallow: no user nosuchuser in /etc/passwd (a user name there or a uid)" \
    "$out"
out=$(nsx a "$ETHERWS" sw --foreground --ctlport 7999 --port 8999 \
    --ctlallow @nosuchgroup 2>&1); rc=$?
check_eq "--ctlallow @nosuchgroup: exit 2" 2 "$rc"
check_eq "--ctlallow @nosuchgroup: says which" \
    "etherws sw: error: invalid --ctlallow: no group nosuchgroup in /etc/group (@ and a group name there or a gid)" \
    "$out"
out=$(nsx a "$ETHERWS" sw --foreground --ctlport 7999 --port 8999 \
    --ctlallow nobody,,daemon 2>&1); rc=$?
check_eq "--ctlallow nobody,,daemon: exit 2, the empty item" \
    "2 etherws sw: error: invalid --ctlallow nobody,,daemon: an empty item (USER or @GROUP, comma-separated)" \
    "$rc $out"

# ---- IPv6 loopback, and the warning outside loopback ---------------------
kill -TERM "$SWPID_a"
wait_until 5 eval '! kill -0 $SWPID_a' || die "old sw in a"
ip netns exec "$PFX-a" "$ETHERWS" sw --foreground --ctlhost ::1 \
    >"$TMP/sw-v6.log" 2>&1 &
track_pid $!
check "ctl --ctlurl http://[::1]:7867/ctl" wait_until 5 \
    ctl a --ctlurl "http://[::1]:7867/ctl" listport
check "uid nobody over ::1: refused" eval \
    '! as_nobody "$ETHERWS" ctl --ctlurl "http://[::1]:7867/ctl" listport >/dev/null 2>&1'
check_not "no warning for a loopback control listener" \
    grep -q "without --ctlhtpasswd" "$TMP/sw-v6.log"
ip -n "$PFX-a" link add ewv0 type veth peer name ewv1
ip -n "$PFX-a" addr add 10.9.9.1/24 dev ewv0
ip -n "$PFX-a" link set ewv0 up
ip -n "$PFX-a" link set ewv1 up
ip netns exec "$PFX-a" "$ETHERWS" sw --foreground --ctlhost 10.9.9.1 \
    --ctlport 7998 --port 8998 >"$TMP/warn.log" 2>&1 &
track_pid $!
wait_until 5 grep -q "without --ctlhtpasswd" "$TMP/warn.log"
check "control on 10.9.9.1 without --ctlhtpasswd: a warning" grep -qF \
    "WARNING:etherws:control endpoint on 10.9.9.1:7998 without --ctlhtpasswd" \
    "$TMP/warn.log"
done_testing
