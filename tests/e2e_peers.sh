#!/bin/bash
# Third-party WebSocket peers against our switch, each in its own
# namespace ("p"), the switch in "s" (tunnel endpoint 10.9.0.1:8080, a tap
# ewp0 = 192.168.77.1, 02:00:00:00:00:0a):
#  a. python3-websockets client: ARP request in, ARP reply out, listport /
#     listfdb while connected, Ping/Pong, Close 1000, port gone;
#  b. node-ws client: the same;
#  c. python3-websockets server, our client port connects to it: request
#     head, ARP both ways (masked frames), Ping/Pong, delport -> Close 1000;
#  d. raw sockets: negative handshakes, exact 101/426, protocol errors
#     (1002/1003), the 10 s request timeout.
# Helpers: tests/peer_ws.py (client/server/raw), tests/peer_ws.js.
# From lib.sh: kv, expect_kv, bg, wait_exit.
. "$(dirname "$0")/lib.sh"
need python3 py:websockets node-ws

TAPMAC=02:00:00:00:00:0a
TAPIP=192.168.77.1
URL=ws://10.9.0.1:8080/

server_ports() { ctl s listport | awk '$2 == "server"' | wc -l; }
# fwd_sync OUT SYNC: once the peer writing OUT is connected and its server
# port forwards (a new port probes for loops first, dropping frames),
# tell it so (SYNC.fwd)
fwd_sync() {
	local lp
	wait_until 10 grep -q '^local_port=' "$1" || return 1
	lp=$(kv "$1" local_port)
	wait_until 5 sh -c "ip netns exec $PFX-s $ETHERWS ctl listport |
	    grep -qE ' server +up .* 10\.9\.0\.2:$lp *\$'"
	touch "$2.fwd"
}

ns s; ns p
link s p 10.9.0.1 10.9.0.2
# A quiet tap: no IPv6 (MLD/ND multicast would be flooded to every
# tunnel, into the raw byte-exact checks of part d).
nsx s sysctl -qw net.ipv6.conf.all.disable_ipv6=1
nsx s sysctl -qw net.ipv6.conf.default.disable_ipv6=1
sw s --host 10.9.0.1 --port 8080 \
    --tunnelorigin http://other.test:1,HTTP://Switch.test:8080
ctl s addport tap 'ewp%d' >/dev/null || die "addport tap"
nsx s ip link set ewp0 address $TAPMAC
nsx s ip addr add $TAPIP/24 dev ewp0

# reply_checks FILE WHO PEERMAC PEERIP: the ARP reply the peer got
reply_checks() {
	local f=$1 w=$2
	expect_kv "$f" reply binary "$w: ARP reply arrived as a binary message"
	expect_kv "$f" reply_dst "$3" "$w: reply is unicast to the peer's MAC"
	expect_kv "$f" reply_src $TAPMAC "$w: reply source is the tap's MAC"
	expect_kv "$f" reply_ethertype 0806 "$w: ethertype 0x0806"
	expect_kv "$f" reply_op 2 "$w: ARP opcode 2 (reply)"
	expect_kv "$f" reply_sha $TAPMAC "$w: sender MAC = tap MAC"
	expect_kv "$f" reply_spa $TAPIP "$w: sender IP = tap IP"
	expect_kv "$f" reply_tha "$3" "$w: target MAC = peer MAC"
	expect_kv "$f" reply_tpa "$4" "$w: target IP = peer IP"
	expect_kv "$f" got_text "" "$w: no text messages"
}

# ---------------------------------------------------------------- a
A=$TMP/a.out
bg p $PY tests/peer_ws.py client $URL "$A" "$TMP/a" \
    --mac 02:00:00:00:aa:01 --ip 192.168.77.50 --tap-ip $TAPIP
apid=$BGPID
check "a: the peer's server port forwards" fwd_sync "$A" "$TMP/a"
wait_until 10 test -e "$TMP/a.ready" || not_ok "a: python client reached the ARP stage"
expect_kv "$A" connect ok "a: python client connected"
expect_kv "$A" resp_extensions none "a: 101 accepts no extension (permessage-deflate offered)"
expect_kv "$A" resp_protocol none "a: 101 has no subprotocol"
reply_checks "$A" a 02:00:00:00:aa:01 192.168.77.50
lp=$(kv "$A" local_port)
check_eq "a: listport shows the peer as server port 2" \
    "server up 10.9.0.2:$lp" "$(ctl s listport | awk '$1 == 2 { print $2, $3, $6 }')"
rx=$(port_field s 2 4)
check "a: server port counted the ARP request (rx=$rx)" [ "${rx:-0}" -ge 1 ]
check "a: listfdb shows the peer's MAC on port 2" \
    grep -qE '^  2 +0 +02:00:00:00:aa:01 ' <<<"$(ctl s listfdb)"
touch "$TMP/a.go"
check "a: python client finished" wait_exit 10 $apid
expect_kv "$A" sync go "a: client saw the go signal"
expect_kv "$A" pong same-payload "a: Ping answered by a Pong with the same payload"
expect_kv "$A" close_code 1000 "a: Close 1000 echoed with 1000"
expect_kv "$A" close_prompt yes "a: server closed TCP promptly after the Close"
check "a: port 2 disappears from listport" \
    wait_until 3 sh -c "[ -z \"\$(ip netns exec $PFX-s $ETHERWS ctl listport | awk '\$1 == 2')\" ]"
check_not "a: the peer's MAC left the FDB with its port" \
    grep -q 02:00:00:00:aa:01 <<<"$(ctl s listfdb)"

# ---------------------------------------------------------------- b
B=$TMP/b.out
bg p $NODE tests/peer_ws.js $URL "$B" "$TMP/b" 02:00:00:00:aa:02 192.168.77.51 $TAPIP
bpid=$BGPID
check "b: the peer's server port forwards" fwd_sync "$B" "$TMP/b"
wait_until 10 test -e "$TMP/b.ready" || not_ok "b: node client reached the ARP stage"
expect_kv "$B" connect ok "b: node client connected"
expect_kv "$B" resp_extensions none "b: 101 accepts no extension"
reply_checks "$B" b 02:00:00:00:aa:02 192.168.77.51
lp=$(kv "$B" local_port)
check_eq "b: listport shows the node peer as server port 3" \
    "server up 10.9.0.2:$lp" "$(ctl s listport | awk '$1 == 3 { print $2, $3, $6 }')"
check "b: listfdb shows the node peer's MAC on port 3" \
    grep -qE '^  3 +0 +02:00:00:00:aa:02 ' <<<"$(ctl s listfdb)"
touch "$TMP/b.go"
check "b: node client finished" wait_exit 10 $bpid
expect_kv "$B" pong same-payload "b: node Ping answered with the same payload"
expect_kv "$B" close_code 1000 "b: node Close 1000 echoed with 1000"
expect_kv "$B" close_prompt yes "b: server closed TCP promptly after the Close"
expect_kv "$B" error "" "b: no ws error"
check "b: port 3 disappears from listport" \
    wait_until 3 sh -c "[ -z \"\$(ip netns exec $PFX-s $ETHERWS ctl listport | awk '\$1 == 3')\" ]"

# ---------------------------------------------------------------- c
C=$TMP/c.out
bg p $PY tests/peer_ws.py server 10.9.0.2 9000 "$C" "$TMP/c" \
    --mac 02:00:00:00:bb:01 --ip 192.168.77.60 --tap-ip $TAPIP
cpid=$BGPID
wait_until 10 test -e "$TMP/c.listening" || die "c: python server did not start"
out=$(ctl s addport client ws://10.9.0.2:9000/path?q=1)
check "c: addport client to the python server succeeds" [ $? -eq 0 ]
touch "$TMP/c.fwd"	# addport answers once the port has probed
check_eq "c: addport prints the new client port 4" \
    "  4     client  up     0   0   ws://10.9.0.2:9000/path?q=1" "$(sed -n 2p <<<"$out")"
wait_until 10 test -e "$TMP/c.ready" || not_ok "c: python server reached the ping stage"
expect_kv "$C" req_path "/path?q=1" "c: request target is the URL's path and query"
expect_kv "$C" req_header_names \
    "Host,Upgrade,Connection,Sec-WebSocket-Key,Sec-WebSocket-Version,X-Etherws-Id,X-Etherws-Offload" \
    "c: request headers: the five WebSocket ones in this order, then our switch id and offload offer"
expect_kv "$C" req_host 10.9.0.2:9000 "c: Host with the non-default port"
expect_kv "$C" req_upgrade websocket "c: Upgrade: websocket"
expect_kv "$C" req_connection Upgrade "c: Connection: Upgrade"
expect_kv "$C" req_version 13 "c: Sec-WebSocket-Version: 13"
expect_kv "$C" req_key_len 24 "c: Sec-WebSocket-Key is base64 of 16 bytes"
expect_kv "$C" req_origin none "c: no Origin header"
expect_kv "$C" req_authorization none "c: no Authorization without a user"
expect_kv "$C" req_extensions none "c: no extension offered"
reply_checks "$C" c 02:00:00:00:bb:01 192.168.77.60
expect_kv "$C" pong same-payload "c: our client answers the server's Ping with the same payload"
check "c: listfdb shows the server's MAC on client port 4" \
    grep -qE '^  4 +0 +02:00:00:00:bb:01 ' <<<"$(ctl s listfdb)"
ctl s delport 4 >/dev/null
check "c: delport 4 exits 0" [ $? -eq 0 ]
check "c: python server finished" wait_exit 10 $cpid
expect_kv "$C" close_code 1000 "c: delport sends Close 1000 to the server"
expect_kv "$C" close "" "c: the close completed without error or timeout"

# ---------------------------------------------------------------- d
D=$TMP/d.out
start=$(date +%s)
nsx p timeout 40 $PY tests/peer_ws.py raw 10.9.0.1 8080 "$D"
expect_kv "$D" raw done "d: raw checks ran to the end"
expect_kv "$D" path404_status 'HTTP/1.1 404 Not Found' "d: wrong path -> 404"
expect_kv "$D" path404_end eof "d: 404 then close"
expect_kv "$D" noupgrade_status 'HTTP/1.1 400 Bad Request' "d: no Upgrade -> 400"
expect_kv "$D" noupgrade_body 'Can "Upgrade" only to "WebSocket".' "d: 400 body"
expect_kv "$D" noupgrade_length_ok yes "d: 400 Content-Length matches the body"
expect_kv "$D" noupgrade_ctype text/plain "d: 400 Content-Type text/plain"
expect_kv "$D" noupgrade_connection close "d: 400 Connection: close"
expect_kv "$D" noupgrade_end eof "d: 400 then close"
expect_kv "$D" origin403_status 'HTTP/1.1 403 Forbidden' "d: foreign Origin -> 403"
expect_kv "$D" origin403_body 'Cross origin websockets not allowed' "d: 403 body"
expect_kv "$D" origin403_length_ok yes "d: 403 Content-Length matches the body"
expect_kv "$D" origin_same 'HTTP/1.1 101 Switching Protocols' \
    "d: Origin equal to Host (case-insensitive) -> 101"
expect_kv "$D" rebind403_status 'HTTP/1.1 403 Forbidden' \
    "d: Origin equal to a Host naming no address of ours (DNS rebinding) -> 403"
expect_kv "$D" rebind403_body 'Cross origin websockets not allowed' \
    "d: rebinding 403 body"
check "d: the rebinding refusal logged, naming --tunnelorigin" \
    grep -q "WARNING:etherws:tunnel refused: 10.9.0.2 sent an Origin equal to a Host that names no address of ours .*--tunnelorigin" "$TMP/sw-s.log"
expect_kv "$D" listed 'HTTP/1.1 101 Switching Protocols' \
    "d: an Origin --tunnelorigin lists (case-insensitive) -> 101"
expect_kv "$D" listed_https 'HTTP/1.1 403 Forbidden' \
    "d: the listed Origin with another scheme -> 403 (matched as given)"
expect_kv "$D" v12_raw 'HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 7, 8, 13\r\n\r\n' \
    "d: version 12 -> exactly the 426 reply"
expect_kv "$D" v12_end eof "d: 426 then close"
expect_kv "$D" post405_status 'HTTP/1.1 405 Method Not Allowed' "d: POST -> 405"
expect_kv "$D" big431_status 'HTTP/1.1 431 Request Header Fields Too Large' \
    "d: head over 8192 bytes -> 431"
expect_kv "$D" accept101_head \
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n' \
    "d: exact 101 for the RFC 6455 sample key"
expect_kv "$D" accept101_extra none "d: nothing sent after the 101 unasked"
expect_kv "$D" accept101_close '88 02 03 e8' "d: our Close 1000 echoed, unmasked"
expect_kv "$D" accept101_end eof "d: server closes TCP after the Close exchange"
for c in unmasked:1002:ea len64:1002:ea ping126:1002:ea text:1003:eb; do
	n=${c%%:*}; code=${c#*:}; code=${code%:*}
	expect_kv "$D" ${n}_frame "88 02 03 ${c##*:}" "d: $n frame -> Close $code"
	expect_kv "$D" ${n}_after none "d: $n: nothing after our Close"
	expect_kv "$D" ${n}_end eof "d: $n: then the TCP connection ends"
	expect_kv "$D" ${n}_end_within_3s yes "d: $n: within 3 s"
done
expect_kv "$D" slow_end eof "d: incomplete request head is dropped"
expect_kv "$D" slow_data none "d: ... without a reply"
expect_kv "$D" slow_in_9_to_12s yes "d: ... after ~10 s (HTTP_TIMEOUT)"
check "d: no server port left behind" wait_until 4 sh -c \
    "[ \$(ip netns exec $PFX-s $ETHERWS ctl listport | awk '\$2 == \"server\"' | wc -l) -eq 0 ]"
check "d: the switch is still running" kill -0 "$SWPID_s"
echo "# raw part took $(( $(date +%s) - start )) s"

if [ "$T_FAIL" -gt 0 ]; then
	echo "# sw log:"; sed 's/^/#   /' "$TMP/sw-s.log"
	for f in "$A" "$B" "$C" "$D"; do
		echo "# $(basename "$f"):"; sed 's/^/#   /' "$f" 2>/dev/null
	done
fi
done_testing
