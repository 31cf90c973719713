#!/bin/bash
# HTTP proxy for client ports (http_proxy, https_proxy and no_proxy from
# the switch's environment; CONNECT): tinyproxy in its own
# namespace p between the client switch (namespace c) and the servers
# (namespace s).  p does not forward IP and c has no route to s's
# 10.9.2.0/24, so a tunnel to 10.9.2.1 or sw.test exists only through
# the proxy; a separate direct link c-s (10.9.3.0/24) serves the no_proxy
# case.  Only p resolves sw.test (/etc/netns/<p>/hosts), so a wss tunnel
# to sw.test works only when the proxy resolves it.  The client switch
# takes its proxy variables from its own environment, so it is restarted
# (by PID) for each set of variables.  Last, a hostile proxy
# (tests/inject_proxy.py) that appends a forged 101 to its 200.
. "$(dirname "$0")/lib.sh"

TP=${TINYPROXY:-tinyproxy}
need "$TP" openssl
P=$TMP/pki
NETNS_ETC=/etc/netns/$PFX-p
trap 'cleanup; rm -rf "$NETNS_ETC"' EXIT

# ---- certificates: a CA and a leaf for DNS:sw.test only -------------
mkdir -p "$P" || die "mkdir $P"
q() { "$@" >/dev/null 2>&1 || die "failed: $*"; }
q openssl req -x509 -new -nodes -newkey rsa:2048 -days 30 \
    -keyout "$P/ca.key" -out "$P/ca.crt" -subj "/CN=etherws proxy test CA" \
    -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign
q openssl genrsa -out "$P/sw.key" 2048
q openssl req -new -key "$P/sw.key" -subj "/CN=sw.test" -out "$P/sw.csr"
printf '%s\n' subjectAltName=DNS:sw.test basicConstraints=CA:FALSE \
    keyUsage=critical,digitalSignature,keyEncipherment \
    extendedKeyUsage=serverAuth >"$P/sw.ext"
q openssl x509 -req -in "$P/sw.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" \
    -CAcreateserial -days 30 -extfile "$P/sw.ext" -out "$P/sw.crt"

# ---- namespaces ------------------------------------------------------
ns c; ns p; ns s
link c p 10.9.1.1 10.9.1.2
link p s 10.9.2.2 10.9.2.1
link c s 10.9.3.2 10.9.3.1	# direct path, used by the no_proxy case only
nsx p sysctl -qw net.ipv4.ip_forward=0 || die "ip_forward=0 in p"
netns_etc_sweep p sw.test	# left by killed runs
mkdir -p "$NETNS_ETC" && printf '127.0.0.1 localhost\n10.9.2.1 sw.test\n' \
    >"$NETNS_ETC/hosts" || die "hosts file"
check "ns p resolves sw.test" eval 'nsx p getent hosts sw.test >/dev/null'
check_not "ns c does not resolve sw.test" eval 'nsx c getent hosts sw.test'
check_not "ns c has no route to 10.9.2.1" eval \
    'nsx c ip route get 10.9.2.1 >/dev/null 2>&1'

listening() { [ -n "$(nsx "$1" ss -Hltn "sport = :$2")" ]; }

# ---- servers in s: ws on 8080 (tap 192.168.80.1), wss on 8443 (.81.1)
sw s --port 8080
ctl s addport tap 'ews%d' >/dev/null || die "tap s"
nsx s ip addr add 192.168.80.1/24 dev ews0
ip netns exec "$PFX-s" "$ETHERWS" sw --foreground --ctlport 7868 --port 8443 \
    --sslkey "$P/sw.key" --sslcert "$P/sw.crt" >>"$TMP/sw-s-tls.log" 2>&1 &
track_pid $!
wait_until 5 listening s 7868 || { cat "$TMP/sw-s-tls.log"; die "wss sw in s"; }
ctl s --ctlurl http://127.0.0.1:7868/ctl addport tap 'ewt%d' >/dev/null ||
    die "tap s (tls)"
nsx s ip addr add 192.168.81.1/24 dev ewt0

# ---- tinyproxy in p ---------------------------------------------------
# tp NAME PORT [CONF LINES...]: tinyproxy in the foreground on
# 10.9.1.2:PORT; CONNECT only to 8080 and 8443; log in $TMP/tp-NAME.log.
# No User/Group: it runs as root in its namespace (it warns, that is all).
tp() {
	local n=$1 port=$2; shift 2
	printf '%s\n' "Port $port" "Listen 10.9.1.2" "Allow 10.9.1.0/24" \
	    "ConnectPort 8080" "ConnectPort 8443" "Timeout 600" \
	    "MaxClients 50" "LogLevel Info" "LogFile \"$TMP/tp-$n.log\"" \
	    "PidFile \"$TMP/tp-$n.pid\"" "$@" >"$TMP/tp-$n.conf"
	ip netns exec "$PFX-p" "$TP" -d -c "$TMP/tp-$n.conf" \
	    >>"$TMP/tp-$n.out" 2>&1 &
	track_pid $!
	eval "TPPID_$n=$!"
	wait_until 5 listening p "$port" ||
	    { cat "$TMP/tp-$n.out" "$TMP/tp-$n.log"; die "tinyproxy $n"; }
}
tp open 8888
tp auth 8889 "BasicAuth etherws s3-cret"
# CONNECT requests tinyproxy logged for HOST:PORT
nconnect() { grep -c "Request (file descriptor [0-9]*): CONNECT $2 " \
    "$TMP/tp-$1.log"; }

# ---- the client switch in c --------------------------------------------
PROXYVARS="-u http_proxy -u HTTP_PROXY -u https_proxy -u HTTPS_PROXY \
-u no_proxy -u NO_PROXY"
SWPID_c=""
# swc [VAR=VALUE...]: (re)start the client switch in c with exactly these
# proxy variables; tap ewc0 with 192.168.80.2 and 192.168.81.2
swc() {
	if [ -n "$SWPID_c" ]; then
		kill -TERM "$SWPID_c" 2>/dev/null
		wait_until 5 eval '! kill -0 $SWPID_c' ||
		    kill -KILL "$SWPID_c" 2>/dev/null
		wait_until 5 eval '! listening c 7867' || die "old sw in c"
	fi
	echo "# client switch: $*" >>"$TMP/sw-c.log"
	# env execs the switch, so $! is still its PID
	# shellcheck disable=SC2086
	ip netns exec "$PFX-c" env $PROXYVARS "$@" "$ETHERWS" sw --foreground \
	    >>"$TMP/sw-c.log" 2>&1 &
	track_pid $!
	SWPID_c=$!
	wait_until 5 nsx c "$ETHERWS" ctl listport ||
	    { cat "$TMP/sw-c.log"; die "sw in c did not start"; }
	ctl c addport tap 'ewc%d' >/dev/null || die "tap c"
	nsx c ip link set ewc0 address 02:00:00:00:00:0c
	nsx c ip addr add 192.168.80.2/24 dev ewc0
	nsx c ip addr add 192.168.81.2/24 dev ewc0
}
# add ARGS...: addport client in c; prints the new port's number
add() { ctl c addport client "$@" | awk 'NR == 2 { print $1 }'; }
# refused WHAT ARGS...: addport client in c exits 1, its message has WHAT
refused() {
	local what=$1 out rc; shift
	out=$(ctl c addport client "$@" 2>&1); rc=$?
	[ $rc -eq 1 ] && grep -qF -- "$what" <<<"$out" && return 0
	echo "    rc=$rc: $out"; return 1
}
# refused_re ERE ARGS...: the same with an extended regular expression
refused_re() {
	local what=$1 out rc; shift
	out=$(ctl c addport client "$@" 2>&1); rc=$?
	[ $rc -eq 1 ] && grep -qE -- "$what" <<<"$out" && return 0
	echo "    rc=$rc: $out"; return 1
}
nclients() { ctl c listport | grep -c ' client '; }
ping80() { nsx c ping -c 3 -i 0.2 -W 2 -q 192.168.80.1 >/dev/null; }
ping81() { nsx c ping -c 3 -i 0.2 -W 2 -q 192.168.81.1 >/dev/null; }
# the ws server's tunnel connection comes from PEER (the proxy or c)
server_peer() {
	nsx s ss -Htn state established "sport = :8080" |
	    awk '{ print $4 }' | grep -q "^$1:"
}
PX=10.9.1.2

# ---- (a) no proxy variables: s is unreachable from c -------------------
swc
check "without a proxy, 10.9.2.1 is unreachable" refused "unreachable" \
    ws://10.9.2.1:8080/

# ---- (b) http_proxy: ws and wss through it, no_proxy, refusals ---------
swc http_proxy=http://$PX:8888/ no_proxy=" .example.org , 10.9.3.1"
n0=$(nconnect open 10.9.2.1:8080)
p=$(add ws://10.9.2.1:8080/)
check "ws through the proxy: addport works (port $p)" [ "$p" = 2 ]
check "ping over ws through the proxy" ping80
check_eq "tinyproxy logged one CONNECT 10.9.2.1:8080" $((n0 + 1)) \
    "$(nconnect open 10.9.2.1:8080)"
check "the server sees the tunnel coming from the proxy" server_peer 10.9.2.2
[ -n "$p" ] && ctl c delport "$p" >/dev/null

p=$(add --cacerts "$P/ca.crt" wss://sw.test:8443/)
check "wss to sw.test through http_proxy (fallback), verified: port $p" \
    [ -n "$p" ]
check "ping over wss through the proxy" ping81
check_eq "tinyproxy logged CONNECT sw.test:8443 (name, not address)" 1 \
    "$(nconnect open sw.test:8443)"
[ -n "$p" ] && ctl c delport "$p" >/dev/null

n1=$(grep -c 'Connect (file descriptor' "$TMP/tp-open.log")
p=$(add ws://10.9.3.1:8080/)
check "no_proxy entry: direct tunnel to 10.9.3.1 (port $p)" [ -n "$p" ]
check "ping over the direct tunnel" ping80
check "the server sees the direct tunnel coming from c" server_peer 10.9.3.2
check_eq "no_proxy: tinyproxy saw no new connection" "$n1" \
    "$(grep -c 'Connect (file descriptor' "$TMP/tp-open.log")"
[ -n "$p" ] && ctl c delport "$p" >/dev/null

check "CONNECT to a port tinyproxy refuses: 403, names the proxy" refused \
    "WebSocketProxyException: CONNECT failed: 403 Access violation (proxy $PX:8888)" \
    ws://10.9.2.1:8444/
check "proxy cannot reach the target: CONNECT failed: 500" refused \
    "CONNECT failed: 500 Unable to connect (proxy $PX:8888)" \
    ws://10.9.4.1:8080/
check_eq "no client port left by refused addports" 0 "$(nclients)"

# ---- (c) tinyproxy killed and restarted: the port comes back by itself -
p=$(add ws://10.9.2.1:8080/)
check "ws through the proxy again (port $p)" [ -n "$p" ]
check "ping before the proxy dies" ping80
kill -KILL "$TPPID_open"
wait "$TPPID_open" 2>/dev/null	# reaped here: no "Killed" job message
check "tinyproxy killed: the client port goes down" \
    wait_until 5 eval '[ "$(port_field c "$p" 3)" = down ]'
check_not "no ping while the proxy is down" \
    eval 'nsx c ping -c 2 -i 0.2 -W 1 -q 192.168.80.1 >/dev/null'
check "the client retries while the proxy is down (refused)" wait_until 5 \
    grep -q "connect failed: ws://10.9.2.1:8080/: .*Connection refused" \
    "$TMP/sw-c.log"
mv "$TMP/tp-open.log" "$TMP/tp-open.log.1"
tp open 8888
t0=$(date +%s)
check "proxy restarted: port $p is up again within 15 s" \
    wait_until 15 eval '[ "$(port_field c "$p" 3)" = up ]'
echo "# back up after $(( $(date +%s) - t0 )) s"
check "ping after the proxy came back" ping80
check_eq "the new tinyproxy carries the tunnel" 1 \
    "$(nconnect open 10.9.2.1:8080)"
check "the server sees the new tunnel coming from the proxy" server_peer 10.9.2.2
check_eq "still one client port" 1 "$(nclients)"

# ---- (d) https_proxy, bare host:port: used by wss only -----------------
swc https_proxy=$PX:8888
p=$(add --cacerts "$P/ca.crt" wss://sw.test:8443/)
check "wss through https_proxy given as host:port (port $p)" [ -n "$p" ]
check "ping over wss through https_proxy" ping81
check "ws does not use https_proxy" refused "unreachable" ws://10.9.2.1:8080/

# ---- (e) BasicAuth -------------------------------------------------------
swc HTTP_PROXY=http://etherws:s3%2Dcret@$PX:8889
p=$(add ws://10.9.2.1:8080/)
check "HTTP_PROXY with the right credentials (%-encoded): port $p" [ -n "$p" ]
check "ping through the authenticating proxy" ping80
check_eq "tinyproxy (auth) logged the CONNECT" 1 "$(nconnect auth 10.9.2.1:8080)"
p=$(add --cacerts "$P/ca.crt" wss://sw.test:8443/)
check "wss with the right credentials: port $p" [ -n "$p" ]
check "ping over wss through the authenticating proxy" ping81

# Debian's tinyproxy 1.11.1 answers wrong credentials with "401
# Unauthorized" (later versions: 407); etherws reports either.
swc http_proxy=http://etherws:wrong@$PX:8889
BADAUTH="WebSocketProxyException: (407 Proxy Authentication Required|CONNECT \
failed: 401 Unauthorized) \\(proxy $PX:8889\\)"
check "wrong password: 407/401, names the proxy" refused_re "$BADAUTH" \
    ws://10.9.2.1:8080/
check "wrong password, wss: 407/401" refused_re "$BADAUTH" \
    --cacerts "$P/ca.crt" wss://sw.test:8443/
check_eq "no client port after a 407" 0 "$(nclients)"

swc http_proxy=http://$PX:8889
check "no credentials: 407" refused "407 Proxy Authentication Required (proxy $PX:8889)" \
    ws://10.9.2.1:8080/

# ---- (f) unsupported proxy URLs ----------------------------------------
swc http_proxy=socks5://$PX:1080
check "socks5 proxy: Unsupported proxy URL" refused \
    "unsupported proxy URL socks5://$PX:1080 (from the switch's environment): only http://HOST[:PORT]" ws://10.9.2.1:8080/
swc https_proxy=https://$PX:8888
check "https:// proxy for wss: Unsupported proxy URL" refused \
    "unsupported proxy URL https://$PX:8888 (from the switch's environment): only http://HOST[:PORT]" --cacerts "$P/ca.crt" \
    wss://sw.test:8443/
check_eq "no client port after unsupported proxies" 0 "$(nclients)"

# ---- (g) the attack: a proxy appends a forged 101 to its 200 -----------
# tests/inject_proxy.py writes "200" and the start of a 101 (with
# X-Etherws-Offload: off) in one go; read as the server's answer, the
# real 101 from inside TLS would complete it and the port would come up
# with client and server disagreeing on the framing.  Bytes after a
# proxy's 2xx are a protocol error: the attempt fails.
bg p "$PY" tests/inject_proxy.py "$PX" 8890
wait_until 5 listening p 8890 || die "inject_proxy.py in p"
swc https_proxy=http://$PX:8890
INJ="  Invalid params (-32602)
    WebSocketProxyException: bytes after the CONNECT response (proxy $PX:8890)"
out=$(ctl c addport client --cacerts "$P/ca.crt" wss://sw.test:8443/ 2>&1)
check_eq "wss: bytes after the proxy's 200 fail the attempt, exit 1" \
    "1 $INJ" "$? $out"
swc http_proxy=http://$PX:8890
out=$(ctl c addport client ws://10.9.2.1:8080/ 2>&1)
check_eq "ws: bytes after the proxy's 200 fail the attempt, exit 1" \
    "1 $INJ" "$? $out"
check_eq "no client port after the injecting proxy" 0 "$(nclients)"
done_testing
