#!/bin/bash
# tests/e2e_trustproxy.sh - behind trusted reverse proxies
# (--trustproxy 127.0.0.2 --trustproxy 127.0.0.4,127.0.5.0/24): the peer
# in the log, the rate limiter, the server port's target and showport is
# the client the one header the proxy writes names (--trustproxyheader:
# X-Forwarded-For by default, or Forwarded), its right-most entry, never
# what an untrusted peer claims nor what the client itself wrote in any
# forwarding header.  Each WebSocket client below connects from its own
# loopback address (127.0.0.2: a trusted proxy, 127.0.0.3: not trusted)
# and stays until the test ends.  Last, the attack behind a real nginx
# with its default forwarding line.
. "$(dirname "$0")/lib.sh"
need python3

ns a
sw a --host 127.0.0.1 --port 8080 --trustproxy 127.0.0.2 \
    --trustproxy 127.0.0.4,127.0.5.0/24
cat >"$TMP/up.py" <<'PY'
import socket, sys, time
src, hdr = sys.argv[1], sys.argv[2]
dst = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1:8080"
s = socket.socket()
s.bind((src, 0))
s.connect((dst.rsplit(":", 1)[0], int(dst.rsplit(":", 1)[1])))
s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUpgrade: websocket\r\n"
          b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          b"Sec-WebSocket-Version: 13\r\n" + hdr.encode().replace(b"|", b"\r\n")
          + b"\r\n\r\n")
r = s.recv(4096)
print("port=%d" % s.getsockname()[1])
print(r.split(b"\r\n")[0].decode(), flush=True)
time.sleep(60)
PY
# up SRC HEADERS [HOST:PORT]: a tunnel from SRC with HEADERS ("A: b|C:
# d") to the switch in namespace ${UPNS:-a} (127.0.0.1:8080 unless
# given); sets sport to its source port once the switch answered 101
up() {
	bg "${UPNS:-a}" $PY "$TMP/up.py" "$@" >"$TMP/up.$n" 2>&1
	wait_until 5 grep -q "101 Switching" "$TMP/up.$n" ||
	    not_ok "tunnel $n from $1 not up: $(cat "$TMP/up.$n")"
	sport=$(kv "$TMP/up.$n" port)
}
# target N: the server port N's target in listport
target() { port_field "${UPNS:-a}" "$1" 6; }
show() { ctl "${UPNS:-a}" showport "$1" | awk -v k="$2" '$1 == k { print $2 }'; }

n=1; up 127.0.0.2 "X-Forwarded-For: 192.0.2.7"
check_eq "trusted proxy, X-Forwarded-For: target" 192.0.2.7 "$(target 1)"
check_eq "trusted proxy: showport peer" 192.0.2.7 "$(show 1 peer)"
check_eq "trusted proxy: showport via the proxy" "127.0.0.2:$sport" \
    "$(show 1 via)"
check "trusted proxy: the log names the client" wait_until 2 \
    grep -qx "INFO:etherws:connected: 192.0.2.7" "$TMP/sw-a.log"

n=2; up 127.0.0.3 "X-Forwarded-For: 192.0.2.8"
check_eq "untrusted peer: its own address, the header ignored" \
    "127.0.0.3:$sport" "$(target 2)"
check_eq "untrusted peer: no via" "" "$(show 2 via)"
check_not "untrusted peer: the claimed address is nowhere" \
    grep -q "192.0.2.8" "$TMP/sw-a.log"

# what a client claims ahead of the proxy's own entry is not believed
n=3; up 127.0.0.2 "X-Forwarded-For: 10.66.66.66, 192.0.2.9"
check_eq "spoofed hop before the proxy's: the rightmost untrusted one" \
    192.0.2.9 "$(target 3)"
# Only the header --trustproxyheader names is read (X-Forwarded-For by
# default): a Forwarded line is the client's own word, passed through
# by a proxy that writes only X-Forwarded-For
n=4; up 127.0.0.2 'Forwarded: for=198.51.100.9|X-Forwarded-For: 192.0.2.10'
check_eq "a Forwarded line beside X-Forwarded-For: ignored" 192.0.2.10 \
    "$(target 4)"
n=5; up 127.0.0.2 'Forwarded: for=198.51.100.9'
check_eq "Forwarded alone, X-Forwarded-For read: the proxy itself" \
    "127.0.0.2:$sport" "$(target 5)"
check_not "... the Forwarded value is nowhere in the log" \
    grep -q "198.51.100.9" "$TMP/sw-a.log"
# a client's long list cannot push the proxy's own entry (the last) out
# of the FORWARDED_MAX entries read
long=$(for i in $(seq 40); do printf '198.51.100.%d, ' "$i"; done)
n=6; up 127.0.0.2 "X-Forwarded-For: ${long}192.0.2.11"
check_eq "40 entries ahead of the proxy's: the proxy's entry" 192.0.2.11 \
    "$(target 6)"
# the proxy's entry on a line of its own (HAProxy's option forwardfor
# adds one): the last line's last entry
n=7; up 127.0.0.2 'X-Forwarded-For: 198.51.100.12|X-Forwarded-For: 192.0.2.12'
check_eq "two X-Forwarded-For lines: the last one's entry" 192.0.2.12 \
    "$(target 7)"

# --trustproxyheader Forwarded (any case): RFC 7239's for=, and then
# X-Forwarded-For is the client's word; a chain of trusted proxies is
# walked; IPv6 in brackets with a port
ns f
sw f --host 127.0.0.1 --port 8080 --trustproxy 127.0.0.2 \
    --trustproxy 127.0.0.4,127.0.5.0/24 --trustproxyheader forwarded
UPNS=f
n=8; up 127.0.0.2 'X-Forwarded-For: 198.51.100.13|Forwarded: for="[2001:db8:cafe::17]:4711";proto=https, for=127.0.5.9|Forwarded: for=127.0.0.4'
check_eq "Forwarded, two trusted hops: the client" 2001:db8:cafe::17 \
    "$(target 1)"
n=9; up 127.0.0.2 "Forwarded: for=unknown, for=198.51.100.3"
check_eq "Forwarded: hop after an unknown one" 198.51.100.3 "$(target 2)"
n=10; up 127.0.0.2 "Forwarded: for=198.51.100.4, for=unknown"
check_eq "Forwarded: an unknown last hop stops the walk at the proxy" \
    "127.0.0.2:$sport" "$(target 3)"
n=11; up 127.0.0.2 "Forwarded: by=10.0.0.1"
check_eq "Forwarded without for=: the proxy itself" "127.0.0.2:$sport" \
    "$(target 4)"
n=12; up 127.0.0.2 "X-Forwarded-For: 198.51.100.14"
check_eq "X-Forwarded-For alone, Forwarded read: the proxy itself" \
    "127.0.0.2:$sport" "$(target 5)"
check_not "... the X-Forwarded-For values are nowhere in the log" \
    grep -q "198.51.100.1[34]" "$TMP/sw-f.log"
UPNS=a

# the rate limiter keys on the client: three clients behind one proxy
# within a second are three lines, not one line and "suppressed"
for i in 31 32 33; do n=$i; up 127.0.0.2 "X-Forwarded-For: 203.0.113.$i"; done
for i in 31 32 33; do
	check "client 203.0.113.$i logged on its own" \
	    grep -qx "INFO:etherws:connected: 203.0.113.$i" "$TMP/sw-a.log"
done
# the same from one untrusted peer: one peer, so its lines are limited
for i in 41 42 43; do n=$i; up 127.0.0.3 "X-Forwarded-For: 203.0.113.$i"; done
check_not "untrusted: no claimed address in the log" \
    grep -q "203.0.113.4[123]" "$TMP/sw-a.log"

# The per-source caps count the client a trusted proxy names, not the
# proxy: without --htpasswd one address holds at most 3/4 of --maxconn
# in open tunnels (6 of 8 here).  Seven clients behind one proxy all get
# their tunnel (keyed on the proxy, the seventh got a 503); seven
# tunnels the proxy makes for one client get six and a 503.
ns b
sw b --host 127.0.0.1 --port 8080 --maxconn 8 --trustproxy 127.0.0.2
cat >"$TMP/many.py" <<'PY'
import os, socket, sys, time
fmt, count, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3]
socks = []
for i in range(count):
    s = socket.socket()
    s.bind(("127.0.0.2", 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", 8080))
    s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
              b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
              b"Sec-WebSocket-Version: 13\r\nX-Forwarded-For: "
              + fmt.replace("%d", str(i)).encode() + b"\r\n\r\n")
    try:
        r = s.recv(4096)
    except OSError as e:
        r = str(e).encode()
    print("status=" + r.split(b"\r\n")[0].decode("latin-1"), flush=True)
    socks.append(s)
print("done=1", flush=True)
for _ in range(300):            # held until the test is done, 30 s at most
    if os.path.exists(stop):
        break
    time.sleep(0.1)
PY
bg b $PY "$TMP/many.py" "198.51.100.%d" 7 "$TMP/many.stop" >"$TMP/many1.out" 2>&1
mpid=$BGPID
wait_until 10 grep -q "^done=1" "$TMP/many1.out" || not_ok "seven clients: ran"
check_eq "seven clients behind one proxy: seven tunnels (the share is each client's)" \
    7 "$(grep -c '^status=HTTP/1.1 101 ' "$TMP/many1.out")"
touch "$TMP/many.stop"; wait_exit 5 "$mpid"
check "... and they are gone" wait_until 5 sh -c \
    "[ -z \"\$(ip netns exec $PFX-b $ETHERWS ctl listport | awk '\$2 == \"server\"')\" ]"
rm -f "$TMP/many.stop"
bg b $PY "$TMP/many.py" "192.0.2.60" 7 "$TMP/many.stop" >"$TMP/many2.out" 2>&1
mpid=$BGPID
wait_until 10 grep -q "^done=1" "$TMP/many2.out" || not_ok "one client: ran"
check_eq "one client behind the proxy: six tunnels" \
    6 "$(grep -c '^status=HTTP/1.1 101 ' "$TMP/many2.out")"
check_eq "... the seventh a 503" "status=HTTP/1.1 503 Service Unavailable" \
    "$(tail -n 2 "$TMP/many2.out" | head -n 1)"
check "... logged with the client's address, the share and what lifts it" \
    grep -qxF "WARNING:etherws:connection refused: 192.0.2.60 holds 6 tunnels, its share of --maxconn 8 (give --htpasswd to lift it)" \
    "$TMP/sw-b.log"
touch "$TMP/many.stop"; wait_exit 5 "$mpid"

# The attack behind a real nginx with its default forwarding line
# ($proxy_add_x_forwarded_for appends the address it saw to what the
# client wrote, and passes every other header through): a client in
# namespace c (10.9.0.2) writes Forwarded and X-Forwarded-For values of
# its own (the third tunnel only a list of 40, longer than the
# FORWARDED_MAX entries read); nginx in namespace p (10.9.0.1:8081)
# proxies the WebSocket upgrade to the switch there on 127.0.0.1:8080,
# which trusts it.  Logs, listport and showport show 10.9.0.2, nginx's
# view, never a value the client wrote.
if need_for "behind nginx" nginx; then
	ns p; ns c
	link c p 10.9.0.2 10.9.0.1
	sw p --host 127.0.0.1 --port 8080 --trustproxy 127.0.0.1
	mkdir -p "$TMP/nginx"
	cat >"$TMP/nginx/nginx.conf" <<NGINX
daemon off;
user root;
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log;
events { worker_connections 64; }
http {
	access_log $TMP/nginx/access.log;
	client_body_temp_path $TMP/nginx/body;
	proxy_temp_path $TMP/nginx/proxy;
	server {
		listen 10.9.0.1:8081;
		location / {
			proxy_pass http://127.0.0.1:8080;
			proxy_http_version 1.1;
			proxy_set_header Upgrade \$http_upgrade;
			proxy_set_header Connection "upgrade";
			proxy_set_header Host \$host;
			proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
		}
	}
}
NGINX
	bg p nginx -e "$TMP/nginx/error.log" -p "$TMP/nginx" \
	    -c "$TMP/nginx/nginx.conf"
	wait_until 5 nsx c bash -c "exec 3<>/dev/tcp/10.9.0.1/8081" ||
	    { cat "$TMP/nginx/error.log"; die "nginx did not start"; }
	UPNS=c
	long=$(for i in $(seq 40); do printf '198.51.100.%d, ' $((100 + i)); done)
	n=51; up 10.9.0.2 'Forwarded: for=198.51.100.9|X-Forwarded-For: 198.51.100.10' 10.9.0.1:8081
	n=52; up 10.9.0.2 "Forwarded: for=198.51.100.9|X-Forwarded-For: ${long}198.51.100.10" 10.9.0.1:8081
	n=53; up 10.9.0.2 "X-Forwarded-For: ${long}198.51.100.10" 10.9.0.1:8081
	UPNS=p
	for i in 1 2 3; do
		check_eq "nginx, spoofed headers ($i): listport names nginx's view" \
		    10.9.0.2 "$(target $i)"
		check_eq "nginx, spoofed headers ($i): showport peer" 10.9.0.2 \
		    "$(show $i peer)"
		via=$(show $i via)
		check_eq "nginx, spoofed headers ($i): showport via nginx" \
		    127.0.0.1 "${via%:*}"
	done
	check "nginx: the log names the client as nginx saw it" wait_until 2 \
	    grep -qx "INFO:etherws:connected: 10.9.0.2" "$TMP/sw-p.log"
	check_not "nginx: no spoofed value in listport" \
	    sh -c "ip netns exec $PFX-p $ETHERWS ctl listport | grep -q 198.51.100"
	check_not "nginx: no spoofed value in showport" \
	    sh -c "for i in 1 2 3; do ip netns exec $PFX-p $ETHERWS ctl showport \$i; done | grep -q 198.51.100"
	check_not "nginx: no spoofed value in the log" \
	    grep -q "198.51.100" "$TMP/sw-p.log"
	UPNS=a
fi

# bad --trustproxy values
out=$(ip netns exec "$PFX-a" "$ETHERWS" sw --trustproxy 10.0.0.0/33 2>&1)
check_eq "--trustproxy 10.0.0.0/33: exit 2" 2 $?
check_eq "--trustproxy 10.0.0.0/33: says why" \
    "etherws sw: error: invalid --trustproxy 10.0.0.0/33: an IPv4 or IPv6 address, or a block such as 10.0.0.0/8" \
    "$out"
out=$(ip netns exec "$PFX-a" "$ETHERWS" sw --trustproxyheader X-Real-IP 2>&1)
check_eq "--trustproxyheader X-Real-IP: exit 2" 2 $?
check_eq "--trustproxyheader X-Real-IP: says why" \
    "etherws sw: error: invalid --trustproxyheader X-Real-IP: X-Forwarded-For or Forwarded" \
    "$out"
out=$(ip netns exec "$PFX-a" "$ETHERWS" sw --trustproxy 127.0.0.1,proxy.example 2>&1)
check_eq "--trustproxy with a name: exit 2" 2 $?
check_eq "--trustproxy with a name: says why" \
    "etherws sw: error: invalid --trustproxy proxy.example: an IPv4 or IPv6 address, or a block such as 10.0.0.0/8" \
    "$out"
done_testing
