#!/bin/bash
# Name resolution by dns.c against a real DNS server: dnsmasq in
# namespace a (10.9.6.1:53 only, no upstream, no hosts file, the zone
# "test" local, so unknown names are NXDOMAIN), the server switch in a,
# the client switch in b.  b's /etc/resolv.conf and /etc/hosts are
# /etc/netns/<b>/{resolv.conf,hosts}, which "ip netns exec" mounts over
# /etc for the processes it runs in b; the host's files are not touched,
# and nothing leaves the test's namespaces.
#  - a client port to ws://tunnel.test:8080/ comes up (the query is in
#    dnsmasq's log) and pings pass;
#  - a name only in b's hosts file works, without asking the server;
#  - ctl --ctlurl with a name from the hosts file (--ctlhost), and one
#    from DNS (reaches the switch, which refuses a Host it does not know);
#  - an NXDOMAIN name fails addport ("cannot resolve nx.test: Name or
#    service not known"), and "sw --host"
#    with such a name fails at start-up with the same text;
#  - with the server gone (dnsmasq killed: nothing answers on 53),
#    addport fails ("Temporary failure in name resolution") within the
#    connect timeout, while
#    the switch has no child process and one UDP socket for the lookup,
#    and none after it;
#  - the reconnecting client port resolves again: after the server
#    moves to another address (dnsmasq restarted with the new record),
#    the port comes back up there.
. "$(dirname "$0")/lib.sh"
need dnsmasq

NETNS_ETC=/etc/netns/$PFX-b
trap 'cleanup; rm -rf "$NETNS_ETC"' EXIT
DNSPID=""

untrack_pid() { PIDS=$(for p in $PIDS; do [ "$p" = "$1" ] || echo "$p"; done); }
# dns_up RECORD...: dnsmasq in a, in the foreground, tracked by PID
dns_up() {
	bg a dnsmasq --keep-in-foreground --no-resolv --no-hosts \
	    --bind-interfaces --listen-address=10.9.6.1 --port=53 \
	    --user=root --pid-file= --local=/test/ --log-queries \
	    --log-facility="$TMP/dnsmasq.log" "$@" >>"$TMP/dnsmasq.out" 2>&1
	DNSPID=$BGPID
	wait_until 5 sh -c "ip netns exec $PFX-a ss -Hlun 'sport = :53' |
	    grep -q ." || { cat "$TMP/dnsmasq.out"; die "dnsmasq did not start"; }
}
dns_down() {
	kill -TERM "$DNSPID" 2>/dev/null
	wait_exit 5 "$DNSPID" || kill -KILL "$DNSPID" 2>/dev/null
	untrack_pid "$DNSPID"
	DNSPID=""
}
state_is() { [ "$(port_field "$1" "$2" 3)" = "$3" ]; }
start_a() {
	sw a --host "$1" --port 8080
	ctl a addport tap 'ewa%d' >/dev/null || die "addport tap a"
	nsx a ip link set ewa0 address 02:00:00:00:06:0a
	nsx a ip addr add 192.168.86.1/24 dev ewa0
}
logs() {
	for f in sw-a.log sw-b.log dnsmasq.out dnsmasq.log; do
		echo "--- $f"; cat "$TMP/$f" 2>/dev/null
	done
}

ns a; ns b
link a b 10.9.6.1 10.9.6.2
ip -n "$PFX-a" addr add 10.9.6.3/24 dev "v$$ab"	# where a moves later
netns_etc_sweep b hostsonly.test	# left by killed runs
mkdir -p "$NETNS_ETC" || die "mkdir $NETNS_ETC"
printf '127.0.0.1 localhost ctl.test\n10.9.6.1 hostsonly.test\n' \
    >"$NETNS_ETC/hosts" || die "hosts file"
# resolv.conf's defaults (timeout 5 s, 2 attempts) on purpose: the
# lookup must still end within the 10 s connect timeout.
printf '# e2e_dns\nsearch example.invalid\nnameserver 10.9.6.1\n' \
    >"$NETNS_ETC/resolv.conf" || die "resolv.conf"
check "b sees its own resolv.conf" \
    sh -c "ip netns exec $PFX-b cat /etc/resolv.conf | grep -q '^# e2e_dns'"

dns_up --host-record=tunnel.test,10.9.6.1 --host-record=ctl.dns.test,127.0.0.1
start_a 10.9.6.1
# the control endpoint answers a Host naming it only by --ctlhost's name
sw b --ctlhost ctl.test
ctl b addport tap 'ewb%d' >/dev/null || die "addport tap b"
nsx b ip link set ewb0 address 02:00:00:00:06:0b
nsx b ip addr add 192.168.86.2/24 dev ewb0

# --- a name from DNS
URL=ws://tunnel.test:8080/
out=$(ctl b addport client $URL 2>"$TMP/err")
check "addport client $URL succeeds" [ $? -eq 0 ]
# answered once the new port has probed for loops: it forwards
check_eq "client port 2 up" "client up $URL" \
    "$(port_field b 2 2) $(port_field b 2 3) $(port_field b 2 6)"
check "dnsmasq was asked for tunnel.test (A)" \
    grep -q 'query\[A\] tunnel.test from 10.9.6.2' "$TMP/dnsmasq.log"
check "dnsmasq was asked for tunnel.test (AAAA)" \
    grep -q 'query\[AAAA\] tunnel.test from 10.9.6.2' "$TMP/dnsmasq.log"
check "ping through the tunnel" nsx b ping -c 3 -i 0.2 -W 2 -q 192.168.86.1

# --- a name only in b's hosts file
out=$(ctl b addport client ws://hostsonly.test:8080/ 2>"$TMP/err")
check "addport client ws://hostsonly.test:8080/ (hosts) succeeds" \
    [ $? -eq 0 ]
# a second link to a: loop detection may block it ("loop"), connected all
# the same
check "client port 3 connected (up, or loop: a second link to a)" \
    grep -qxE 'client (up|loop)' <<<"$(port_field b 3 2) $(port_field b 3 3)"
check_not "dnsmasq was not asked for hostsonly.test" \
    grep -q 'hostsonly' "$TMP/dnsmasq.log"
ctl b delport 3 >/dev/null

# --- ctl with a name: ctl.test is --ctlhost (resolved from the hosts
# file by the switch and by ctl); ctl.dns.test resolves (from DNS) to the
# same address, reaches the switch, and is refused there: a Host it does
# not know, as a browser's would be after DNS rebinding
check "ctl --ctlurl http://ctl.test:7867/ctl (hosts) works" \
    sh -c "ip netns exec $PFX-b $ETHERWS ctl --ctlurl http://ctl.test:7867/ctl listport | grep -q ' client '"
check_eq "ctl --ctlurl http://ctl.dns.test:7867/ctl (DNS) reaches the switch: 403" \
    "etherws ctl: error: http://ctl.dns.test:7867/ctl answered HTTP 403 Forbidden (the switch serves root, its own user and those sw --ctlallow names, with a Host of its address, localhost or --ctlhost)" \
    "$(ip netns exec $PFX-b $ETHERWS ctl --ctlurl http://ctl.dns.test:7867/ctl listport 2>&1)"
ctl b --ctlurl http://nx.test:7867/ctl listport >/dev/null 2>"$TMP/err"
check_eq "ctl --ctlurl with an NXDOMAIN name: names the host and the URL" \
    "etherws ctl: error: cannot resolve nx.test (--ctlurl http://nx.test:7867/ctl): Name or service not known" \
    "$(cat "$TMP/err")"

# --- NXDOMAIN
ports() { ctl b listport | awk '{ print $1, $2, $6 }'; }
before=$(ports)
ctl b addport client ws://nx.test:8080/ >"$TMP/out" 2>"$TMP/err"
check_eq "addport client ws://nx.test:8080/ exits 1" 1 $?
check_eq "stderr: cannot resolve nx.test" \
    "$(printf '  Invalid params (-32602)\n    cannot resolve nx.test: Name or service not known')" \
    "$(cat "$TMP/err")"
check_eq "no port made" "$before" "$(ports)"
check "dnsmasq was asked for nx.test" \
    grep -q 'query\[A\] nx.test from 10.9.6.2' "$TMP/dnsmasq.log"
check "and for nx.test.example.invalid first (search list)" \
    grep -q 'query\[A\] nx.test.example.invalid from' "$TMP/dnsmasq.log"
timeout 20 ip netns exec "$PFX-b" "$ETHERWS" sw --foreground --host nx.test \
    --port 8081 --ctlport 7869 >"$TMP/out" 2>&1
check_eq "sw --host nx.test exits 1" 1 $?
check_eq "sw --host nx.test: cannot resolve --host nx.test" \
    "etherws sw: error: cannot resolve --host nx.test: Name or service not known" \
    "$(cat "$TMP/out")"

# --- the server goes silent
dns_down
t0=$(date +%s%N)
ctl b addport client ws://tunnel.test:8080/silent >"$TMP/out" 2>"$TMP/err" &
cpid=$!
sleep 1
check_eq "during the lookup: the switch has no child process" "" \
    "$(ps -o pid= --ppid "$SWPID_b")"
check "during the lookup: the switch has a UDP socket" \
    sh -c "ip netns exec $PFX-b ss -Huanp | grep -q 'pid=$SWPID_b,'"
wait "$cpid"
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check_eq "addport with no DNS answer exits 1" 1 "$rc"
check_eq "stderr: cannot resolve tunnel.test: temporary failure" \
    "$(printf '  Invalid params (-32602)\n    cannot resolve tunnel.test: Temporary failure in name resolution')" \
    "$(cat "$TMP/err")"
le "within the connect timeout (ms)" "$ms" 10000
check "after it: no UDP socket left in the switch" \
    sh -c "! ip netns exec $PFX-b ss -Huanp | grep -q 'pid=$SWPID_b,'"

# --- the server moves: the reconnecting client port resolves again
dns_up --host-record=tunnel.test,10.9.6.3 --host-record=ctl.dns.test,127.0.0.1
kill -KILL "$SWPID_a"
wait "$SWPID_a" 2>/dev/null
untrack_pid "$SWPID_a"
check "client port 2 goes down" wait_until 5 state_is b 2 down
check "a retry while a is down is refused" wait_until 10 grep -q \
    "connect failed: $URL: cannot connect to 10\.9\.6\.[0-9]*:8080: Connection refused" \
    "$TMP/sw-b.log"
check "the retry asked dnsmasq again, and got the new address" \
    grep -q 'config tunnel.test is 10.9.6.3' "$TMP/dnsmasq.log"
start_a 10.9.6.3		# not on 10.9.6.1 any more
check "client port 2 comes back up at the new address within 20 s" \
    wait_until 20 state_is b 2 up
check "a has the server port" \
    sh -c "ip netns exec $PFX-a $ETHERWS ctl listport | grep -q ' server  up '"
check "ping through the tunnel again" \
    nsx b ping -c 3 -i 0.2 -W 2 -q 192.168.86.1

dns_down
[ "$T_FAIL" -ne 0 ] && logs
done_testing
