#!/bin/bash
# Three switches in a chain a - b - c: b has a client port to a's server,
# c has a client port to b's server; taps with addresses on a and c.
# Ping a <-> c crosses b (client port in, server port out and back), and
# b's FDB shows a's MAC on its client port and c's MAC on its server port.
. "$(dirname "$0")/lib.sh"

MAC_A=02:00:00:00:01:0a
MAC_C=02:00:00:00:01:0c

ns a; ns b; ns c
link a b 10.9.1.1 10.9.1.2
link b c 10.9.2.1 10.9.2.2
sw a --host 10.9.1.1 --port 8080
sw b --host 10.9.2.1 --port 8080
sw c
ctl a addport tap 'ewa%d' >/dev/null || die "addport tap a"
ctl c addport tap 'ewc%d' >/dev/null || die "addport tap c"
nsx a ip link set ewa0 address $MAC_A
nsx a ip addr add 192.168.77.1/24 dev ewa0
nsx c ip link set ewc0 address $MAC_C
nsx c ip addr add 192.168.77.3/24 dev ewc0

# b: port 1 = client to a, port 2 = server (c's connection)
ctl b addport client ws://10.9.1.1:8080/ >/dev/null
check "b: addport client to a exits 0" [ $? -eq 0 ]
ctl c addport client ws://10.9.2.1:8080/ >/dev/null
check "c: addport client to b exits 0" [ $? -eq 0 ]
check_eq "b: port 1 is a client" client "$(port_field b 1 2)"
check "b: server port 2 appears (c connected)" \
    wait_until 3 sh -c "ip netns exec $PFX-b $ETHERWS ctl listport |
	awk '\$1 == 2 && \$2 == \"server\" && \$3 == \"up\"' | grep -q ."
check_eq "a: server port 2 up" "server up" "$(port_field a 2 2) $(port_field a 2 3)"
check_eq "c: client port 2 up" "client up" "$(port_field c 2 2) $(port_field c 2 3)"

check "ping a -> c through b, no loss" \
    nsx a ping -c 5 -i 0.2 -W 2 -q 192.168.77.3
check "ping c -> a through b, no loss" \
    nsx c ping -c 5 -i 0.2 -W 2 -q 192.168.77.1

fdb_b=$(ctl b listfdb)
check "fdb of b: a's tap MAC on client port 1" \
    grep -qE "^  1 +0 +$MAC_A " <<<"$fdb_b"
check "fdb of b: c's tap MAC on server port 2" \
    grep -qE "^  2 +0 +$MAC_C " <<<"$fdb_b"
fdb_a=$(ctl a listfdb)
check "fdb of a: c's MAC on server port 2" grep -qE "^  2 +0 +$MAC_C " <<<"$fdb_a"
check "fdb of a: own MAC on tap port 1" grep -qE "^  1 +0 +$MAC_A " <<<"$fdb_a"
fdb_c=$(ctl c listfdb)
check "fdb of c: a's MAC on client port 2" grep -qE "^  2 +0 +$MAC_A " <<<"$fdb_c"
check "fdb of c: own MAC on tap port 1" grep -qE "^  1 +0 +$MAC_C " <<<"$fdb_c"
rx1=$(port_field b 1 4); tx2=$(port_field b 2 5)
check "b forwarded frames client -> server (rx1=$rx1 tx2=$tx2)" \
    [ "$rx1" -ge 10 -a "$tx2" -ge 10 ]

if [ "$T_FAIL" -ne 0 ]; then
	for n in a b c; do echo "--- sw-$n.log"; cat "$TMP/sw-$n.log"; done
fi
done_testing
