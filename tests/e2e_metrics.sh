#!/bin/bash
# GET /metrics on the control endpoint: the Prometheus text format.
#  - two switches, a tap on each, b's client port to a: both switches'
#    /metrics read by tests/promtext.py, a strict reader of the format
#    (HELP/TYPE once and before the samples, families together, names,
#    label escapes, no series twice, counters ..._total);
#  - a ping across: the rx/tx frame and byte counters of both taps and
#    both tunnel ports grew by the pings at least; FDB entries, the
#    connections of each kind, the client's connects, state and up;
#  - a device name with a double quote and a backslash: escaped;
#  - refused exactly as the control methods are: a local user the switch
#    does not serve (403, as its JSON-RPC POST), a browser's Origin,
#    Sec-Fetch-* or foreign Host (403); with --ctlhtpasswd no or wrong
#    credentials (401), the right ones over https with --ctlsslcert and
#    another --ctlpath (200: the path stays /metrics);
#  - POST /metrics: 405; GET on --ctlpath: still 405 (JSON-RPC unchanged).
. "$(dirname "$0")/lib.sh"
need python3 curl setpriv openssl

ns a; ns b
link a b 10.79.0.1 10.79.0.2
sw a --host 10.79.0.1 --port 8080
sw b --port 8080
PROM="$PY tests/promtext.py"
# parses FILE: tests/promtext.py finds nothing wrong (else says what)
parses() {
	$PROM "$1" >"$TMP/prom.out" && return 0
	sed 's/^/    /' "$TMP/prom.out"
	return 1
}
# scrape NS FILE [CURL ARGS...]: GET /metrics of NS's switch into FILE;
# prints the HTTP status
scrape() {
	local n=$1 f=$2; shift 2
	nsx "$n" curl -s -m 10 -o "$f" -w '%{http_code}' "$@" \
	    http://127.0.0.1:7867/metrics
}
# val FILE SERIES: its value ("absent" if none)
val() { $PROM "$1" "$2"; }
tap() { echo "{port=\"1\",type=\"tap\",target=\"emt0\"}"; }

for n in a b; do
	ctl $n addport tap 'emt%d' >/dev/null || die "addport tap in $n"
done
ctl a setif --address 192.168.79.1 --netmask 255.255.255.0 1 >/dev/null
ctl b setif --address 192.168.79.2 --netmask 255.255.255.0 1 >/dev/null
ctl b addport client ws://10.79.0.1:8080/ >/dev/null || die "client port"
wait_until 5 eval '[ "$(port_field a 2 3)" = up ]' || die "a's port 2 not up"

check_eq "GET /metrics: 200" 200 "$(scrape a "$TMP/a0")"
check_eq "the reply's Content-Type" \
    "text/plain; version=0.0.4; charset=utf-8" \
    "$(nsx a curl -s -m 10 -o /dev/null -w '%{content_type}' \
    http://127.0.0.1:7867/metrics)"
check "a's /metrics parses strictly" parses "$TMP/a0"
scrape b "$TMP/b0" >/dev/null
check "b's /metrics parses strictly" parses "$TMP/b0"

CL='{port="2",type="client",target="ws://10.79.0.1:8080/"}'
SRV=$(sed -n 's/^etherws_port_up\({port="2",type="server",[^}]*}\) .*/\1/p' \
    "$TMP/a0")
check "a's server port 2 is labelled" [ -n "$SRV" ]
check_eq "b's client port: connects 1" 1 \
    "$(val "$TMP/b0" "etherws_port_connects_total$CL")"
check_eq "b's client port: no failed attempts" 0 \
    "$(val "$TMP/b0" "etherws_port_failed_attempts$CL")"
check_eq "b's client port: state up" 1 \
    "$(val "$TMP/b0" "etherws_port_state{port=\"2\",type=\"client\",target=\"ws://10.79.0.1:8080/\",state=\"up\"}")"
check_eq "a's server port: up" 1 "$(val "$TMP/a0" "etherws_port_up$SRV")"
q=$(val "$TMP/a0" "etherws_port_queue_bytes$SRV")
check "a's server port has a queue gauge ($q)" eval 'case $q in ""|*[!0-9]*) false ;; esac'
check_eq "a: one tunnel connection" 1 \
    "$(val "$TMP/a0" 'etherws_connections{kind="tunnel"}')"
check_eq "b: one client connection" 1 \
    "$(val "$TMP/b0" 'etherws_connections{kind="client"}')"
check_eq "a: the scrape's own control connection" 1 \
    "$(val "$TMP/a0" 'etherws_connections{kind="control"}')"
check_eq "memory limit is --maxmem's default (sw --help says it)" \
    "$("$ETHERWS" sw --help | sed -n 's/.*; here \([0-9]*\))$/\1/p')" \
    "$(val "$TMP/a0" etherws_memory_limit_bytes)"
check_eq "FDB limit is --fdbmax's default" 8192 \
    "$(val "$TMP/a0" etherws_fdb_entries_limit)"

# ---- counters move with traffic ------------------------------------------
N=5
nsx a ping -c $N -i 0.2 -W 2 -q 192.168.79.2 >/dev/null ||
    not_ok "ping across"
scrape a "$TMP/a1" >/dev/null; scrape b "$TMP/b1" >/dev/null
check "a's /metrics parses after traffic" parses "$TMP/a1"
check "b's /metrics parses after traffic" parses "$TMP/b1"
# grew NS-FILE-PREFIX LABEL SERIES-NAME MIN: the counter grew by MIN at least
grew() {
	local f=$1 s="$3$2" b e
	b=$(val "$TMP/${f}0" "$s"); e=$(val "$TMP/${f}1" "$s")
	case $b$e in
	''|*[!0-9]*) not_ok "$f: $s grew (not numbers: '$b', '$e')" ;;
	*) ge "$f: $s grew" "$((e - b))" "$4" ;;
	esac
}
# a: echo requests in by its tap, out by the tunnel; the replies back
for c in rx tx; do
	grew a "$(tap)" etherws_port_${c}_frames_total $N
	grew a "$(tap)" etherws_port_${c}_bytes_total $((N * 98))
	grew a "$SRV" etherws_port_${c}_frames_total $N
	grew a "$SRV" etherws_port_${c}_bytes_total $((N * 98))
	grew b "$(tap)" etherws_port_${c}_frames_total $N
	grew b "$CL" etherws_port_${c}_frames_total $N
	grew b "$CL" etherws_port_${c}_bytes_total $((N * 98))
done
# hellos cross the tunnel every second both ways (probe.c)
grew a "$SRV" etherws_port_probes_rx_total 1
grew b "$CL" etherws_port_probes_rx_total 1
ge "a: FDB entries after the ping" "$(val "$TMP/a1" etherws_fdb_entries)" 2
check_eq "a: no drops on its tap" 0 \
    "$(val "$TMP/a1" "etherws_port_tx_dropped_frames_total$(tap)")"

# ---- label values escaped ------------------------------------------------
ctl a addport tap 'e"\q%d' >/dev/null || not_ok 'addport tap e"\q%d'
scrape a "$TMP/a2" >/dev/null
check 'a device named e"\q0: parses' parses "$TMP/a2"
check 'its target label is escaped' grep -qF \
    'etherws_port_up{port="3",type="tap",target="e\"\\q0"} 1' "$TMP/a2"

# ---- refused as the control methods are ------------------------------------
as_nobody() {
	ip netns exec "$PFX-a" setpriv --reuid=65534 --regid=65534 \
	    --clear-groups "$@"
}
code() { nsx a curl -s -m 10 -o /dev/null -w '%{http_code}' "$@"; }
check_eq "uid nobody: JSON-RPC refused (403)" 403 "$(as_nobody curl -s -m 10 \
    -o /dev/null -w '%{http_code}' -d '{"jsonrpc":"2.0","id":1,"method":"etherws.control.listPort"}' \
    http://127.0.0.1:7867/ctl)"
check_eq "uid nobody: /metrics refused the same (403)" 403 \
    "$(as_nobody curl -s -m 10 -o /dev/null -w '%{http_code}' \
    http://127.0.0.1:7867/metrics)"
check_eq "a browser's Origin: 403" 403 \
    "$(code -H 'Origin: http://evil.example' http://127.0.0.1:7867/metrics)"
check_eq "Sec-Fetch-Mode: 403" 403 \
    "$(code -H 'Sec-Fetch-Mode: no-cors' http://127.0.0.1:7867/metrics)"
check_eq "a rebinding Host: 403" 403 \
    "$(code -H 'Host: rebind.example:7867' http://127.0.0.1:7867/metrics)"
check_eq "POST /metrics: 405" 405 "$(code -d x http://127.0.0.1:7867/metrics)"
check_eq "GET /ctl: still 405" 405 "$(code http://127.0.0.1:7867/ctl)"
check_eq "GET /metrics/: 404" 404 "$(code http://127.0.0.1:7867/metrics/)"

# --ctlhtpasswd, over https, with another --ctlpath: a switch in c
ns c
P=$TMP/pki
mkdir -p "$P"
openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$P/key.pem" -out "$P/cert.pem" >/dev/null 2>&1 ||
    die "openssl: certificate"
$PY -c 'import base64, hashlib; print("prom:{SHA}" + base64.b64encode(hashlib.sha1(b"s3cret").digest()).decode())' \
    >"$TMP/ctl.htpasswd"
bg c "$ETHERWS" sw --foreground --port 8080 --ctlpath /x/ctl \
    --ctlhtpasswd "$TMP/ctl.htpasswd" --ctlsslkey "$P/key.pem" \
    --ctlsslcert "$P/cert.pem" >>"$TMP/sw-c.log" 2>&1
S="https://127.0.0.1:7867"
sc() { nsx c curl -s -m 10 --cacert "$P/cert.pem" -o "$TMP/c" -w '%{http_code}' "$@"; }
wait_until 5 eval '[ "$(sc $S/metrics)" = 401 ]' || die "sw in c did not start"
check_eq "--ctlhtpasswd, no credentials: 401" 401 "$(sc "$S/metrics")"
check_eq "--ctlhtpasswd, a wrong password: 401" 401 \
    "$(sc -u prom:wrong "$S/metrics")"
check_eq "--ctlhtpasswd, JSON-RPC without credentials: 401 too" 401 \
    "$(sc -d '{"jsonrpc":"2.0","id":1,"method":"etherws.control.listPort"}' "$S/x/ctl")"
check_eq "the right credentials over https: 200" 200 \
    "$(sc -u prom:s3cret "$S/metrics")"
check "that reply parses strictly" parses "$TMP/c"
check_eq "GET /x/ctl/metrics (under --ctlpath): 404" 404 \
    "$(sc -u prom:s3cret "$S/x/ctl/metrics")"

done_testing
