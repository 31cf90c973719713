#!/bin/bash
# tests/e2e_status.sh - "etherws ctl showport" (the showPort method):
# what an operator needs to act on a port.  b's client port reaches a's
# switch over wss:// (a self-signed certificate, pinned):
#  - up: state and since when, phase connected, the peer's address, TLS
#    version and cipher, queue bytes and its bound, offload, drops;
#  - a's server port: the peer (b's address and port), TLS;
#  - a tap: its device;
#  - a's switch gone: b's port is down, says why (the last error, naming
#    the address, and when), how many attempts failed and when the next
#    one comes;
#  - showport 99: "no port 99", exit 1; --json: the same as JSON;
#  - listport's table stays as etherws 1.3 prints it (six columns).
. "$(dirname "$0")/lib.sh"
need python3 openssl

ns a; ns b
link a b 10.9.0.1 10.9.0.2
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=10.9.0.1 \
    -addext subjectAltName=IP:10.9.0.1 -keyout "$TMP/k.pem" \
    -out "$TMP/c.pem" >/dev/null 2>&1 || die "openssl req"
sw a --host 10.9.0.1 --port 8443 --sslkey "$TMP/k.pem" --sslcert "$TMP/c.pem"
sw b
ctl b addport tap 'ews%d' >/dev/null || die "addport tap"
ctl b addport client --cacerts "$TMP/c.pem" wss://10.9.0.1:8443/ \
    >/dev/null || die "addport client"

# show NS PORT: "name value" lines of showport; field NAME: its value
show() { ctl "$1" showport "$2" >"$TMP/show" 2>"$TMP/show.err"; }
field() { awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "$TMP/show"; }

show b 2
check_eq "showport 2: exit 0" 0 $?
check_eq "client up: state" up "$(field state)"
check_eq "client up: phase" connected "$(field phase)"
check_eq "client up: the peer's address" 10.9.0.1:8443 "$(field peer)"
check_eq "client up: TLS version" "TLS 1.2" "$(field tls)"
check "client up: a cipher suite" grep -qE '^  cipher +ECDHE-(RSA|ECDSA)-' "$TMP/show"
check_eq "client up: queue bound" 1048576 "$(field queue_max)"
check "client up: queue bytes" grep -qE '^  queue_bytes +[0-9]+$' "$TMP/show"
check_eq "client up: one handshake" 1 "$(field connects)"
check_eq "client up: no failed attempt" 0 "$(field failed_attempts)"
check "client up: since (UTC)" grep -qE \
    '^  since +20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z$' \
    "$TMP/show"
check "client up: drop counters" sh -c "grep -qE '^  rx_dropped +0$' '$TMP/show' &&
    grep -qE '^  tx_dropped +0$' '$TMP/show'"
check "client up: offload" grep -qE '^  offload +(true|false)$' "$TMP/show"
check "names padded to one column" sh -c \
    "awk '{ print index(\$0, \$2) }' '$TMP/show' | sort -u | wc -l | grep -qx 1"

show a 1
check_eq "server port: type" server "$(field type)"
check "server port: the peer is b" grep -qE '^  peer +10\.9\.0\.2:[0-9]+$' "$TMP/show"
check_eq "server port: TLS version" "TLS 1.2" "$(field tls)"

show b 1
check_eq "tap: device" ews0 "$(field device)"

# a's switch goes away: b's client port says why
kill -TERM "$SWPID_a"
check "client goes down" wait_until 5 sh -c \
    "ip netns exec $PFX-b $ETHERWS ctl listport | grep -qE '^  2 +client +down '"
check "the connection's loss (or a retry after it) is recorded" sh -c \
    "ip netns exec $PFX-b $ETHERWS ctl showport 2 | grep -qE '^  last_error +(10\.9\.0\.1:8443: connection lost|cannot connect)'"
check "a failed attempt is recorded" wait_until 8 sh -c \
    "ip netns exec $PFX-b $ETHERWS ctl showport 2 | grep -qE '^  last_error +cannot connect'"
show b 2
check_eq "down: state" down "$(field state)"
check_eq "down: the last error names the address" \
    "cannot connect to 10.9.0.1:8443: Connection refused" "$(field last_error)"
check "down: when it happened" grep -qE \
    '^  last_error_at +20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-9:]{8}Z$' "$TMP/show"
check "down: the next attempt, in s (<= 60)" sh -c "field() { awk -v k=\"\$1\" '\$1 == k { print \$2 }' '$TMP/show'; };
    n=\$(field next_attempt_in_s); [ \"\$n\" -ge 0 ] && [ \"\$n\" -le 60 ] ||
    field phase | grep -q connecting"
check "down: a refusal is retried soon (backoff short, next in <= 3 s)" sh -c "field() { awk -v k=\"\$1\" '\$1 == k { print \$2 }' '$TMP/show'; };
    [ \"\$(field backoff)\" = short ] && [ \"\$(field next_attempt_in_s)\" -le 3 ] ||
    field phase | grep -q connecting"
check_eq "down: still one handshake" 1 "$(field connects)"

ctl b showport 99 >"$TMP/out" 2>"$TMP/err"
check_eq "showport 99: exit 1" 1 $?
check_eq "showport 99: no port 99" "$(printf '  Invalid params (-32602)\n    no port 99')" \
    "$(cat "$TMP/err")"
ctl b showport 0 >"$TMP/out" 2>"$TMP/err"
check_eq "showport 0: exit 2" 2 $?
check_eq "showport 0: a usage error" \
    "etherws ctl showport: error: invalid port 0: port numbers start at 1" \
    "$(cat "$TMP/err")"
out=$(ctl b --json showport 2)
check "--json showport: the result as JSON" $PY -c '
import json, sys
e = json.loads(sys.argv[1])["entries"]
assert len(e) == 1 and e[0]["port"] == 2 and e[0]["state"] == "down"
assert e[0]["last_error"].startswith("cannot connect to 10.9.0.1:8443")' "$out"
check "listport: etherws 1.3's six columns" sh -c \
    "ip netns exec $PFX-b $ETHERWS ctl listport | head -n 1 |
    grep -qE '^  Port  Type    State  RX  TX  Target {14}\$'"
done_testing
