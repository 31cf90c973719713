#!/bin/bash
# TLS: wss:// tunnels and https control with
# certificates made here by openssl (a CA, an intermediate, RSA and EC
# leaves, expired, wrong-name and foreign-CA ones).  Namespace a runs the
# TLS switches, b the client switch; b resolves sw.test to 10.9.0.1
# through /etc/netns/<b>/hosts, which "ip netns exec" mounts on /etc/hosts.
# run: first (tests/run -j: a long one, a PKI and many switches)
. "$(dirname "$0")/lib.sh"
need python3 openssl

P=$TMP/pki
E=$ETHERWS
NETNS_ETC=/etc/netns/$PFX-b
trap 'cleanup; rm -rf "$NETNS_ETC"' EXIT

# ---- certificates ---------------------------------------------------
mkdir -p "$P/db" && : >"$P/db/index.txt" && echo 1000 >"$P/db/serial" ||
    die "mkdir $P"
q() { "$@" >/dev/null 2>&1 || die "failed: $*"; }
# mkca NAME CN: a self-signed root CA
mkca() {
	q openssl req -x509 -new -nodes -newkey rsa:2048 -days 30 \
	    -keyout "$P/$1.key" -out "$P/$1.crt" -subj "/CN=$2" \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign
}
# mkkey NAME rsa|ec [CN]; then a CSR with CN=CN (default NAME)
mkkey() {
	if [ "$2" = ec ]; then
		q openssl ecparam -name prime256v1 -genkey -noout -out "$P/$1.key"
	else
		q openssl genrsa -out "$P/$1.key" 2048
	fi
	q openssl req -new -key "$P/$1.key" -subj "/CN=${3:-$1}" -out "$P/$1.csr"
}
# mkleaf NAME ISSUER SAN rsa|ec: a server certificate, 30 days
mkleaf() {
	mkkey "$1" "$4"
	printf '%s\n' "subjectAltName=$3" basicConstraints=CA:FALSE \
	    keyUsage=critical,digitalSignature,keyEncipherment \
	    extendedKeyUsage=serverAuth >"$P/$1.ext"
	q openssl x509 -req -in "$P/$1.csr" -CA "$P/$2.crt" -CAkey "$P/$2.key" \
	    -CAcreateserial -days 30 -extfile "$P/$1.ext" -out "$P/$1.crt"
}
SAN="DNS:sw.test,IP:10.9.0.1"
mkca ca "etherws test CA"
mkca other "other test CA"
mkkey int rsa "etherws test intermediate"
printf '%s\n' basicConstraints=critical,CA:TRUE,pathlen:0 \
    keyUsage=critical,keyCertSign,cRLSign >"$P/int.ext"
q openssl x509 -req -in "$P/int.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" \
    -CAcreateserial -days 30 -extfile "$P/int.ext" -out "$P/int.crt"
mkleaf rsa int "$SAN" rsa
mkleaf ec int "$SAN" ec
mkleaf wrong int "DNS:other.test,IP:10.9.0.99" rsa
mkleaf unk other "$SAN,IP:127.0.0.1" rsa
mkleaf ctl ca "IP:127.0.0.1" rsa
# expired: "openssl x509 -req" (3.0) cannot backdate; "openssl ca" can
mkkey exp rsa
cat >"$P/ca.cnf" <<EOF
[ca]
default_ca = d
[d]
database = $P/db/index.txt
new_certs_dir = $P/db
serial = $P/db/serial
default_md = sha256
policy = p
unique_subject = no
x509_extensions = e
[p]
commonName = supplied
[e]
subjectAltName = $SAN
basicConstraints = CA:FALSE
EOF
q openssl ca -batch -notext -config "$P/ca.cnf" -cert "$P/int.crt" \
    -keyfile "$P/int.key" -in "$P/exp.csr" -out "$P/exp.crt" \
    -startdate 20200101000000Z -enddate 20200201000000Z
for n in rsa ec wrong exp; do cat "$P/$n.crt" "$P/int.crt" >"$P/$n.chain"; done
cp "$P/unk.crt" "$P/unk.chain"
# SHA-256 of the SubjectPublicKeyInfo DER, base64
spki_pin() {
	openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform DER |
	    openssl dgst -sha256 -binary | base64
}

# ---- namespaces and switches ----------------------------------------
ns a; ns b
link a b 10.9.0.1 10.9.0.2
ip -n "$PFX-a" addr add 10.9.0.3/24 dev "v$$ab"	# not in any SAN
netns_etc_sweep b sw.test	# left by killed runs
mkdir -p "$NETNS_ETC" && printf '127.0.0.1 localhost\n10.9.0.1 sw.test\n' \
    >"$NETNS_ETC/hosts" || die "hosts file"
check "ns b resolves sw.test through /etc/netns" \
    eval 'nsx b getent hosts sw.test >/dev/null'

listening() { [ -n "$(nsx "$1" ss -Hltn "sport = :$2")" ]; }
# swx NS CTLPORT ARGS...: one more switch in NS, control on CTLPORT
swx() {
	local n=$1 cp=$2; shift 2
	ip netns exec "$PFX-$n" "$E" sw --foreground --ctlport "$cp" "$@" \
	    >>"$TMP/sw-$n-$cp.log" 2>&1 &
	track_pid $!
	wait_until 5 listening "$n" "$cp" ||
	    { cat "$TMP/sw-$n-$cp.log"; die "sw $n:$cp did not start"; }
}
ctlp() { local n=$1 p=$2; shift 2; ctl "$n" --ctlurl "http://127.0.0.1:$p/ctl" "$@"; }

sw a --port 8443 --sslkey "$P/rsa.key" --sslcert "$P/rsa.chain"
swx a 7868 --port 8444 --sslkey "$P/ec.key" --sslcert "$P/ec.chain"
swx a 7869 --port 8445 --sslkey "$P/exp.key" --sslcert "$P/exp.chain"
swx a 7870 --port 8446 --sslkey "$P/wrong.key" --sslcert "$P/wrong.chain"
swx a 7871 --port 8447 --sslkey "$P/unk.key" --sslcert "$P/unk.chain"
swx a 7872 --port 8080 --ctlsslkey "$P/ctl.key" --ctlsslcert "$P/ctl.crt"
swx a 7873 --port 8081 --ctlsslkey "$P/unk.key" --ctlsslcert "$P/unk.crt"
swx a 7874 --port 8448 --sslkey "$P/rsa.key" --sslcert "$P/rsa.chain" \
    --maxmem 1048576
sw b
ctl a addport tap 'ewa%d' >/dev/null || die "tap a"
ctlp a 7868 addport tap 'ewc%d' >/dev/null || die "tap c"
ctl b addport tap 'ewb%d' >/dev/null || die "tap b"
nsx a ip addr add 192.168.77.1/24 dev ewa0
nsx a ip addr add 192.168.78.1/24 dev ewc0
nsx b ip addr add 192.168.77.2/24 dev ewb0
nsx b ip addr add 192.168.78.2/24 dev ewb0

# addport client on b; on success print the new port's number
add() { ctl b addport client "$@" | awk 'NR == 2 { print $1 }'; }
# refused WHAT ARGS...: addport client on b exits 1, stderr has WHAT
refused() {
	local what=$1 out rc; shift
	out=$(ctl b addport client "$@" 2>&1); rc=$?
	[ $rc -eq 1 ] && grep -q -- "$what" <<<"$out" && return 0
	echo "    rc=$rc: $out"; return 1
}
# accepted ARGS...: addport client on b works, then the port is deleted
accepted() {
	local p
	p=$(add "$@") && [ -n "$p" ] && ctl b delport "$p" >/dev/null
}
nclients() { ctl b listport | grep -c ' client '; }

# ---- (a) tunnels -----------------------------------------------------
p=$(add --cacerts "$P/ca.crt" wss://sw.test:8443/)
check "wss RSA (leaf + intermediate) verified: port $p" [ -n "$p" ]
check "ping over wss (RSA)" nsx a ping -c 3 -i 0.2 -W 2 -q 192.168.77.2
check_eq "server port on a is up" up "$(port_field a 2 3)"
pe=$(add --cacerts "$P/ca.crt" wss://sw.test:8444/)
check "wss EC (prime256v1) verified: port $pe" [ -n "$pe" ]
check "ping over wss (EC)" nsx a ping -c 3 -i 0.2 -W 2 -q 192.168.78.2
[ -n "$pe" ] && ctl b delport "$pe" >/dev/null

# ---- (b) openssl s_client sees TLS 1.2 and the whole chain ----------
sc=$(nsx b timeout 10 openssl s_client -connect 10.9.0.1:8443 -showcerts \
    -servername sw.test -verify_hostname sw.test -CAfile "$P/ca.crt" \
    -verify_return_error </dev/null 2>&1)
check "s_client: TLSv1.2" grep -q 'Protocol *: TLSv1.2' <<<"$sc"
check "s_client: depth 2 = root CA" grep -q '^depth=2 CN = etherws test CA' <<<"$sc"
check "s_client: depth 1 = intermediate" \
    grep -q '^depth=1 CN = etherws test intermediate' <<<"$sc"
check "s_client: the server sends leaf + intermediate" \
    grep -q '^ 1 s:CN = etherws test intermediate' <<<"$sc"
check "s_client: verify return code 0" grep -q 'Verify return code: 0 (ok)' <<<"$sc"
check "s_client: ECDHE + AEAD cipher" \
    grep -qE 'Cipher is ECDHE-RSA-(AES...-GCM|CHACHA20-POLY1305)' <<<"$sc"
sc=$(nsx b timeout 10 openssl s_client -connect 10.9.0.1:8444 \
    -CAfile "$P/ca.crt" -verify_return_error </dev/null 2>&1)
check "s_client EC: ECDSA suite, verified" eval \
    'grep -q "Cipher is ECDHE-ECDSA-" <<<"$sc" && grep -q "Verify return code: 0" <<<"$sc"'
check_not "s_client: TLS 1.3 only is refused" eval "nsx b timeout 10 openssl \
    s_client -tls1_3 -connect 10.9.0.1:8443 </dev/null 2>&1 | grep -q 'Protocol *: TLSv1.3'"

# ---- (c) verification failures, each accepted with --insecure -------
n0=$(nclients)
check "unknown CA refused" refused "unknown CA" --cacerts "$P/ca.crt" wss://sw.test:8447/
check "system bundle does not know our CA" refused "unknown CA" wss://sw.test:8443/
check "expired refused" refused "expired" --cacerts "$P/ca.crt" wss://sw.test:8445/
check "wrong name refused" refused "hostname mismatch" --cacerts "$P/ca.crt" \
    wss://sw.test:8446/
check "IP not in SANs refused" refused "hostname mismatch" --cacerts "$P/ca.crt" \
    wss://10.9.0.3:8443/
check_eq "no port made by refused addports" "$n0" "$(nclients)"
check "unknown CA with --insecure" accepted --insecure wss://sw.test:8447/
check "expired with --insecure" accepted --insecure wss://sw.test:8445/
check "wrong name with --insecure" accepted --insecure wss://sw.test:8446/
check "IP literal matches the IP SAN" accepted --cacerts "$P/ca.crt" wss://10.9.0.1:8443/
check "IP not in SANs with --insecure" accepted --insecure wss://10.9.0.3:8443/

# ---- (c2) the attack: a FIFO as --cacerts --------------------------------
# The switch used to block in open() until someone wrote to the FIFO, all
# of it: every port and the control endpoint.  Now refused at once, and
# a missing file gets words that tell nothing more about it.
mkfifo "$TMP/ca.fifo"
out=$(timeout 10 ip netns exec "$PFX-b" "$ETHERWS" ctl addport client \
    --cacerts "$TMP/ca.fifo" wss://sw.test:8443/ 2>&1); rc=$?
check_eq "addport --cacerts FIFO: refused at once, exit 1" "1   Invalid params (-32602)
    cannot read $TMP/ca.fifo: not a regular file" "$rc $out"
check "the switch still answers after it" eval \
    'timeout 10 ip netns exec "$PFX-b" "$ETHERWS" ctl listport >/dev/null'
out=$(ctl b addport client --cacerts /nonexistent/ca.pem \
    wss://sw.test:8443/ 2>&1); rc=$?
check_eq "addport --cacerts missing file: 'cannot read', no errno" \
    "1   Invalid params (-32602)
    cannot read /nonexistent/ca.pem: missing, unreadable or over 4194304 bytes" \
    "$rc $out"
check_eq "no port made by them" "$n0" "$(nclients)"

# ---- (d) SPKI pin through raw JSON-RPC -------------------------------
rpc_add() {	# TARGET CACERTS(json) INSECURE PIN
	nsx b "$PY" tests/rawio.py rpc 7867 "{\"jsonrpc\": \"2.0\", \
\"method\": \"etherws.control.addPort\", \"id\": 0, \"params\": {\"type\": \
\"client\", \"target\": \"$1\", \"options\": {\"user\": null, \"passwd\": null, \
\"cacerts\": $2, \"insecure\": $3, \"pin\": \"sha256//$4\"}}}"
}
rpc_ok() {
	local r; r=$(rpc_add "$@")
	grep -q '"result"' <<<"$r" || { echo "    $r"; return 1; }
	ctl b delport "$(sed 's/.*"port": *\([0-9]*\).*/\1/' <<<"$r")" >/dev/null
}
rpc_err() {
	local what=$1 r; shift; r=$(rpc_add "$@")
	grep -q '"error"' <<<"$r" && grep -q -- "$what" <<<"$r" ||
	    { echo "    $r"; return 1; }
}
pin_rsa=$(spki_pin "$P/rsa.crt"); pin_ec=$(spki_pin "$P/ec.crt")
pin_unk=$(spki_pin "$P/unk.crt")
check "pin matches (with CA)" rpc_ok wss://sw.test:8443/ "\"$P/ca.crt\"" false "$pin_rsa"
check "pin matches (insecure, no CA)" rpc_ok wss://sw.test:8443/ null true "$pin_rsa"
check "pin alone trusts a foreign-CA cert" rpc_ok wss://sw.test:8447/ null true "$pin_unk"
check "wrong pin refused" rpc_err pin wss://sw.test:8443/ "\"$P/ca.crt\"" false "$pin_ec"
check "wrong pin refused (insecure)" rpc_err pin wss://sw.test:8443/ null true "$pin_ec"
check "pin does not replace the CA check" rpc_err "unknown CA" \
    wss://sw.test:8447/ "\"$P/ca.crt\"" false "$pin_unk"
check "malformed pin refused" rpc_err "pin" wss://sw.test:8443/ null true "abc"
out=$(ctl b addport client --insecure --pin "sha256//$pin_rsa" wss://sw.test:8443/)
check "ctl addport client --pin: a matching pin connects" [ $? -eq 0 ]
ctl b delport "$(awk 'NR == 2 { print $1 }' <<<"$out")" >/dev/null
out=$(ctl b addport client --insecure --pin "sha256//$pin_ec" wss://sw.test:8443/ 2>&1)
check "ctl addport client --pin: a wrong pin fails (exit 1)" [ $? -eq 1 ]
check "ctl addport client --pin: the reason names the pin" grep -q "pin mismatch" <<<"$out"
check_eq "no port left by pin tests" "$n0" "$(nclients)"

# ---- (e) a stalled handshake is dropped; the switch keeps going -----
nsx b "$PY" tests/rawio.py stall 10.9.0.1 8443 15 >"$TMP/stall" 2>&1 &
spid=$!; track_pid $spid
sleep 1
check "ping while handshakes stall (1)" nsx a ping -c 5 -i 0.2 -W 2 -q 192.168.77.2
sleep 3
check "ping while handshakes stall (2)" nsx a ping -c 5 -i 0.2 -W 2 -q 192.168.77.2
check "control answers while handshakes stall" eval 'ctl a listport >/dev/null'
wait_until 16 eval '! kill -0 $spid' || kill $spid
read -r t_silent t_partial <"$TMP/stall"
in_window() { [ "$1" != none ] && awk -v t="$1" 'BEGIN { exit !(t >= 8 && t <= 12) }'; }
check "silent TLS client dropped after ~10 s ($t_silent)" in_window "$t_silent"
check "half ClientHello dropped after ~10 s ($t_partial)" in_window "$t_partial"

# ---- (f) plain HTTP to the TLS port ---------------------------------
nsx b "$PY" tests/rawio.py send 10.9.0.1 8443 \
    'GET / HTTP/1.1\r\nHost: sw.test:8443\r\n\r\n' 5 >"$TMP/plain"
check "plain HTTP to the TLS port: closed" [ $? -eq 0 ]
check_not "plain HTTP gets no HTTP reply" grep -q HTTP "$TMP/plain"
check "tunnel still fine" nsx a ping -c 2 -i 0.2 -W 2 -q 192.168.77.2

# ---- (g) control over https -----------------------------------------
ctls() { ctl a --ctlurl "https://$1/ctl" "${@:2}"; }
# ctl_refused WHAT ARGS...: exit 1 and stderr has WHAT
ctl_refused() {
	local what=$1 out rc; shift
	out=$(ctls "$@" 2>&1); rc=$?
	[ $rc -eq 1 ] && grep -q -- "$what" <<<"$out" && return 0
	echo "    rc=$rc: $out"; return 1
}
out=$(ctls 127.0.0.1:7872 --ctlsslcert "$P/ca.crt" listport)
check "https ctl with --ctlsslcert" [ $? -eq 0 ]
check_eq "https ctl output" "  Port  Type  State  RX  TX  Target" "$out"
check "https ctl addport (a request with params)" eval \
    'ctls 127.0.0.1:7872 --ctlsslcert "$P/ca.crt" addport tap "ewd%d" | grep -q " tap "'
check "https ctl, relative --ctlsslcert" eval \
    '(cd "$P" && ctls 127.0.0.1:7872 --ctlsslcert ca.crt listport >/dev/null)'
check "https ctl without a CA: unknown CA" ctl_refused \
    "TLS with https://127.0.0.1:7872/ctl failed: certificate verify failed: unknown CA (--ctlsslcert names the CA, --ctlinsecure skips the check)" \
    127.0.0.1:7872 listport
check "https ctl by name, cert has only the IP" ctl_refused "hostname mismatch" \
    localhost:7872 --ctlsslcert "$P/ca.crt" listport
check "https ctl to a foreign-CA cert: unknown CA" ctl_refused "unknown CA" \
    127.0.0.1:7873 --ctlsslcert "$P/ca.crt" listport
check "https ctl --ctlinsecure" eval \
    'ctls 127.0.0.1:7873 --ctlinsecure listport >/dev/null'
check "https ctl to a plain port fails" ctl_refused \
    "TLS with https://127.0.0.1:7867/ctl failed: handshake failed: unsupported protocol version (does the switch serve https there?)" 127.0.0.1:7867 \
    --ctlinsecure listport
check "http ctl to the https port fails" eval \
    '! ctl a --ctlurl http://127.0.0.1:7872/ctl listport >/dev/null 2>&1'
out=$(ctls 127.0.0.1:7872 --ctlsslcert "$P/nonexistent" listport 2>&1); rc=$?
check_eq "missing --ctlsslcert file: exit 1, why" \
    "1 etherws ctl: error: --ctlsslcert: cannot read $P/nonexistent: No such file or directory" \
    "$rc $out"

# The memory bound counts each TLS engine (37 KB on x86-64): 60
# connections that never handshake would hold 2.2 MB of a 1 MiB
# --maxmem.  The oldest unfinished ones make room for newer ones, and a
# peer that finishes its handshake and upgrade gets in.
cat >"$TMP/idle.py" <<'PY'
import select, socket, ssl, sys, time
# from four addresses: 15 each stay under the per-address cap (32)
idle = [socket.create_connection(("127.0.0.1", 8448), timeout=3,
                                 source_address=("127.0.0.%d" % (2 + i % 4), 0))
        for i in range(60)]
time.sleep(0.5)
ctx = ssl.create_default_context(cafile=sys.argv[1])
t = ctx.wrap_socket(socket.create_connection(("127.0.0.1", 8448),
                                             timeout=3),
                    server_hostname="sw.test")
t.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
          b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
          b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
head = t.recv(200)
time.sleep(0.3)
# closed by the switch: readable at once (well within its 10 s deadline
# for a request head), with EOF or a reset
closed = 0
for s in select.select(idle, [], [], 0)[0]:
    s.setblocking(False)
    try:
        if s.recv(1) == b"":
            closed += 1
    except BlockingIOError:
        pass
    except OSError:
        closed += 1
print("closed=%d honest=%s" % (closed, head.split(b"\r\n")[0].decode()))
PY
out=$(nsx a $PY "$TMP/idle.py" "$P/ca.crt")
closed=${out#closed=}; closed=${closed%% *}
check "--maxmem 1 MiB: of 60 idle TLS connections 32 to 38 were closed ($out)" \
    [ "$closed" -ge 32 -a "$closed" -le 38 ]
check_eq "a peer that finishes its handshake gets in beside them" \
    "honest=HTTP/1.1 101 Switching Protocols" "${out#* }"
check "the cuts are logged" grep -q \
    "memory bound reached ([0-9]* of 1048576 bytes): 127.0.0.[2-5]:[0-9]* cut, holding [0-9]* bytes" \
    "$TMP/sw-a-7874.log"
# A client port's TLS engine (58 KB on x86-64) is counted before it is
# made, as a server's is: a switch with 24 wss:// client ports under a
# 1 MiB --maxmem never holds more than that.  Without the reservation
# the engines pile up past the bound until some buffer grows, and the
# cut that follows reports more held than --maxmem.
swx b 7875 --port 8082 --maxmem 1048576
for i in $(seq 1 24); do
	ctlp b 7875 addport client --cacerts "$P/ca.crt" \
	    "wss://sw.test:8443/" >/dev/null 2>&1
done
ctlp b 7875 listport >"$TMP/m-list" 2>&1
held=$(sed -n 's/.*memory bound reached (\([0-9]*\) of 1048576 bytes).*/\1/p' \
    "$TMP/sw-b-7875.log" | sort -n | tail -n 1)
check "24 wss:// client ports at --maxmem 1 MiB: some are cut (most held: ${held:-none})" \
    [ -n "$held" ]
le "... and the switch held at most --maxmem when it cut" "$held" 1048576
check "... the cuts are logged, naming the client port" grep -q \
    "of 1048576 bytes): wss://sw.test:8443/ cut, holding [0-9]* bytes" \
    "$TMP/sw-b-7875.log"
check "... and the switch still answers" grep -q "^ *[0-9]" "$TMP/m-list"
# Control connections are never cut, and their TLS engines count against
# the control connections' own bound (16 MiB), not --maxmem: 28 engines
# would fill 1 MiB, yet none of 31 https control connections held open
# is refused, and nothing names --maxmem for them.
swx a 7876 --port 8083 --ctlsslkey "$P/ctl.key" --ctlsslcert "$P/ctl.crt" \
    --maxmem 1048576
cat >"$TMP/ctlfill.py" <<'PY'
import select, socket, time
held = [socket.create_connection(("127.0.0.1", 7876), timeout=3)
        for i in range(31)]
time.sleep(0.5)
closed = 0
for s in select.select(held, [], [], 0)[0]:
    try:
        if s.recv(1) == b"":
            closed += 1
    except OSError:
        closed += 1
print(closed)
PY
closed=$(nsx a $PY "$TMP/ctlfill.py")
check_eq "--maxmem 1 MiB: none of 31 https control connections refused" \
    0 "${closed:-x}"
check_not "... and no refusal names --maxmem for them" grep -q \
    "refused: no room for its TLS engine within --maxmem" "$TMP/sw-a-7876.log"
done_testing
