#!/bin/bash
# Two switches in two namespaces joined by a ws:// client port: ping
# across taps, listfdb shows both MACs on the right ports, delport of the
# client stops traffic.  The README walkthrough, as a test.
. "$(dirname "$0")/lib.sh"

ns a; ns b
link a b 10.9.0.1 10.9.0.2
sw a --host 10.9.0.1 --port 8080
sw b
ctl a addport tap 'ewa%d' >/dev/null || die "addport tap a"
ctl b addport tap 'ewb%d' >/dev/null || die "addport tap b"
nsx a ip addr add 192.168.77.1/24 dev ewa0; nsx a ip link set ewa0 address 02:00:00:00:00:0a
nsx b ip addr add 192.168.77.2/24 dev ewb0; nsx b ip link set ewb0 address 02:00:00:00:00:0b
out=$(ctl b addport client ws://10.9.0.1:8080/)
check "addport client succeeds" [ $? -eq 0 ]
# answered once the new port has probed for loops: forwarding
check_eq "addport client prints the new port" \
    "  2     client  up     0   0   ws://10.9.0.1:8080/" "$(echo "$out" | sed -n 2p)"
# a's server port probes too: when b's answer came, it was finishing
a_fwd() { [ "$(port_field a 2 3)" = up ]; }
check "a's server port forwards within 2 s" wait_until 2 a_fwd
check "ping across the tunnel, no loss" nsx a ping -c 5 -i 0.2 -W 2 -q 192.168.77.2
check "listport on a shows the server port up" \
    [ "$(port_field a 2 3)" = up ]
check_eq "server port type on a" server "$(port_field a 2 2)"
fdb_a=$(ctl a listfdb)
check "fdb of a: local MAC on tap port 1" grep -qE '^  1 +0 +02:00:00:00:00:0a ' <<<"$fdb_a"
check "fdb of a: remote MAC on server port 2" grep -qE '^  2 +0 +02:00:00:00:00:0b ' <<<"$fdb_a"
fdb_b=$(ctl b listfdb)
check "fdb of b: remote MAC on client port 2" grep -qE '^  2 +0 +02:00:00:00:00:0a ' <<<"$fdb_b"
check "fdb of b: local MAC on tap port 1" grep -qE '^  1 +0 +02:00:00:00:00:0b ' <<<"$fdb_b"
rx=$(port_field b 2 4); tx=$(port_field b 2 5)
check "client port counted frames (rx=$rx tx=$tx)" [ "$rx" -ge 5 -a "$tx" -ge 5 ]

ctl b delport 2 >/dev/null
check "delport client exits 0" [ $? -eq 0 ]
check "port 2 gone from b" [ -z "$(port_field b 2 1)" ]
check "server port on a goes away" wait_until 3 sh -c \
    "! ip netns exec $PFX-a $ETHERWS ctl listport | grep -q server"
check_not "no ping once the client port is deleted" \
    nsx a ping -c 2 -i 0.2 -W 1 -q 192.168.77.2
done_testing
