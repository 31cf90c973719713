#!/bin/bash
# tests/e2e_addr.sh - addresses in URLs and listen options:
#  - a link-local URL with a zone (RFC 6874: ws://[fe80::1%25IF]:8080/)
#    connects over that interface; a zone naming no interface says so;
#  - --host :: listens on IPv6 only, as etherws 1.3 (tornado sets
#    IPV6_V6ONLY) and nginx do; --host '' (the default) takes both;
#  - no_proxy with CIDR blocks, bracketed IPv6 blocks and "*": matching
#    targets bypass http_proxy, others go to it.
. "$(dirname "$0")/lib.sh"
need python3

ns a; ns b
link a b 10.9.0.1 10.9.0.2
IFA=v$$ab IFB=v$$ba
ip -n "$PFX-a" addr add fe80::1/64 dev "$IFA" nodad
ip -n "$PFX-b" addr add fe80::2/64 dev "$IFB" nodad
sw a --host :: --port 8080
nsx a "$ETHERWS" sw --host '' --port 8081 --ctlport 7868 >/dev/null 2>&1 ||
    die "second switch in a"
track_pid "$(nsx a sh -c "ss -Htlnp 'sport = :7868'" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n 1)"

# start_b [VAR=VALUE...]: (re)start b's switch with that environment
start_b() {
	[ -n "${SWPID_b:-}" ] && kill -TERM "$SWPID_b" && wait_exit 5 "$SWPID_b"
	env "$@" ip netns exec "$PFX-b" "$ETHERWS" sw --foreground \
	    >>"$TMP/sw-b.log" 2>&1 &
	SWPID_b=$!
	track_pid $SWPID_b
	wait_until 5 nsx b "$ETHERWS" ctl listport || die "sw in b did not start"
}
# add URL: addport client on b; stdout+stderr in $TMP/add, status in $rc
add() { ctl b addport client "$1" >"$TMP/add" 2>&1; rc=$?; }
state() { port_field b "$1" 3; }

start_b
add "ws://[fe80::1%25$IFB]:8080/"
check_eq "link-local URL with a zone: addport exits 0" 0 $rc
check_eq "link-local URL with a zone: up" up "$(state 1)"
check "the server sees b's link-local address" sh -c \
    "ip netns exec $PFX-a $ETHERWS ctl listport | grep -qE '^  1 +server +up .*fe80::2'"
add "ws://[fe80::1%25nosuchif0]:8080/"
check_eq "zone naming no interface: exit 1" 1 $rc
check_eq "zone naming no interface: says so" \
    "$(printf '  Invalid params (-32602)\n    no interface nosuchif0 (the zone of ws://[fe80::1%%25nosuchif0]:8080/)')" \
    "$(cat "$TMP/add")"
add "ws://[fe80::1%eth0]:8080/"
check_eq "zone without %25: exit 2 (ctl checks it)" 2 $rc
check_eq "zone without %25: an invalid URL, and why" \
    "etherws ctl addport client: error: invalid URL ws://[fe80::1%eth0]:8080/: not an IPv6 address in brackets (with an optional %25zone)" \
    "$(cat "$TMP/add")"

add ws://10.9.0.1:8080/
check_eq "--host ::: IPv4 refused (IPv6 only)" \
    "$(printf '  Invalid params (-32602)\n    cannot connect to 10.9.0.1:8080: Connection refused')" \
    "$(cat "$TMP/add")"
add ws://10.9.0.1:8081/
check_eq "--host '': IPv4 accepted" 0 $rc
add "ws://[fe80::1%25$IFB]:8081/"
check_eq "--host '': IPv6 accepted" 0 $rc
ctl b delport 2 >/dev/null; ctl b delport 3 >/dev/null

# no_proxy: the proxy (127.0.0.1:1) refuses, so a port that went to it
# fails naming it, and one that bypassed it comes up
PROXY=http_proxy=http://127.0.0.1:1
viaproxy="$(printf '  Invalid params (-32602)\n    cannot connect to proxy 127.0.0.1:1: Connection refused')"
start_b $PROXY no_proxy=10.9.0.0/24
add ws://10.9.0.1:8081/
check_eq "no_proxy=10.9.0.0/24: 10.9.0.1 direct" 0 $rc
start_b $PROXY "no_proxy=example.org, 10.9.1.0/24"
add ws://10.9.0.1:8081/
check_eq "no_proxy=10.9.1.0/24: 10.9.0.1 goes to the proxy" "$viaproxy" \
    "$(cat "$TMP/add")"
start_b $PROXY NO_PROXY=10.0.0.0/8
add ws://10.9.0.1:8081/
check_eq "NO_PROXY=10.0.0.0/8: direct" 0 $rc
start_b $PROXY "no_proxy=x.test,[fe80::]/10"
add "ws://[fe80::1%25$IFB]:8081/"
check_eq "no_proxy=[fe80::]/10: a link-local URL direct" 0 $rc
add ws://10.9.0.1:8081/
check_eq "no_proxy=[fe80::]/10: 10.9.0.1 goes to the proxy" "$viaproxy" \
    "$(cat "$TMP/add")"
start_b $PROXY "no_proxy=*"
add ws://10.9.0.1:8081/
check_eq "no_proxy=*: direct" 0 $rc
start_b $PROXY "no_proxy=fe80::/10"
add "ws://[fe80::1%25$IFB]:8081/"
check_eq "no_proxy=fe80::/10: a link-local URL direct" 0 $rc
start_b $PROXY no_proxy=10.9.0.1/32:8080
add ws://10.9.0.1:8081/
check_eq "no_proxy=10.9.0.1/32:8080 is no block: the proxy" "$viaproxy" \
    "$(cat "$TMP/add")"
done_testing
