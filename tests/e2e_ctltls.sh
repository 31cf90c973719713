#!/bin/bash
# Control TLS handshakes count against the control connections' own
# memory bound, not --maxmem (issue 22, third round, LOW): a local user
# who opens control connections to a TLS control endpoint and never
# finishes the handshake used to take --maxmem: the tunnels holding
# buffers were cut for them (control connections are never cut), and
# once nothing was left to cut no one else's TLS engine found room,
# root's control connections included.
# Switch a: --maxmem 1 MiB (the least), control over TLS, 6 tunnels from
# switch b's client ports.  uid nobody opens 64 control connections from
# 127.0.0.1 and 127.0.0.2 and sends nothing (each gets a TLS engine of
# ~40 KB at accept): the tunnels stay up, nothing is cut, and root's ctl
# (over TLS) is served meanwhile.
. "$(dirname "$0")/lib.sh"
need python3 openssl setpriv

openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout "$TMP/k.pem" -out "$TMP/c.pem" -subj /CN=localhost -days 30 \
    >/dev/null 2>&1 || die "openssl"
ns a; ns b
link a b 10.91.0.1 10.91.0.2
ctla() {
	nsx a timeout 10 "$ETHERWS" ctl --ctlurl https://127.0.0.1:7867/ctl \
	    --ctlinsecure "$@"
}
# (sw's readiness check speaks plain http: started here)
ip netns exec "$PFX-a" "$ETHERWS" sw --foreground --host 10.91.0.1 \
    --maxmem 1048576 --ctlsslkey "$TMP/k.pem" --ctlsslcert "$TMP/c.pem" \
    >>"$TMP/sw-a.log" 2>&1 &
track_pid $!
wait_until 5 ctla listport || { cat "$TMP/sw-a.log"; die "sw a"; }
sw b
for i in 1 2 3 4 5 6; do
	ctl b addport client ws://10.91.0.1/ >/dev/null || die "client port $i"
done
# the tunnels' TCP connections, seen from b (six parallel tunnels make
# loops that b's probes block, so "up" is no measure; a's list would need
# a's control endpoint)
nservers() { nsx b ss -Htn state established 'dport = :80' | grep -c .; }
check "6 tunnels up" wait_until 10 eval '[ "$(nservers)" = 6 ]'

ip netns exec "$PFX-a" setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$PY" - >"$TMP/hold.out" <<'PY' &
import socket, time
held = []
for i in range(64):
    s = socket.socket()
    s.bind(("127.0.0.%d" % (1 + i % 2), 0))
    try:
        s.connect(("127.0.0.1", 7867))
    except OSError:
        continue
    held.append(s)
print("holding %d" % len(held), flush=True)
time.sleep(20)
PY
HOLDPID=$!
track_pid $HOLDPID
wait_until 10 grep -q holding "$TMP/hold.out" || die "holder"
sleep 1
check "root's ctl over TLS is served meanwhile" eval 'ctla listport >/dev/null'
check_eq "the 6 tunnels are still up" 6 "$(nservers)"
check_not "no connection was cut for --maxmem" \
    grep -q "memory bound reached" "$TMP/sw-a.log"
check_not "no tunnel went down" grep -q "disconnected" "$TMP/sw-a.log"
kill "$HOLDPID" 2>/dev/null
done_testing
