#!/bin/bash
# A ring of three switches closed while a host sends 10 broadcasts a
# second: a new port probes before it forwards, so the hosts on the
# other taps see no storm (at most a handful of duplicates in the 3 s
# after the ring closes), one port ends in "loop" and pings work.  The
# same when a switch of the ring is restarted and the ring closes again
# as its tunnels come back.
#   a <- b <- c <- a    (b -> a, c -> b, then a -> c closes the ring)
# Helper: tests/bcast.py (numbered broadcasts, and a counter of them).
# run: alone (tests/run -j: duplicates counted in the 3 s after the ring closes)
. "$(dirname "$0")/lib.sh"
need python3

ring3 91 92 93 rg 192.168.62
# count_on NS SECONDS NAME: count a's broadcasts arriving on NS's tap
count_on() { bg "$1" $PY tests/bcast.py count "rg${1}0" "$2" "$TMP/$3"; }

ctl b addport client ws://10.91.0.1:8080/ >/dev/null || die "b -> a"
ctl c addport client ws://10.92.0.1:8080/ >/dev/null || die "c -> b"
# The broadcasts, from a's tap, for the whole test (bounded).
bg a $PY tests/bcast.py send rga0 10 120
SENDER=$BGPID
check "the open ring carries the broadcasts to c" wait_until 5 \
    sh -c "ip netns exec $PFX-c timeout 2 $PY tests/bcast.py count rgc0 1.5 $TMP/pre &&
    grep -q '^frames=[1-9]' $TMP/pre"

# --- closing the ring
count_on b 3.5 close-b; CB=$BGPID
count_on c 3.5 close-c; CC=$BGPID
sleep 0.3
ctl a addport client ws://10.93.0.1:8080/ >/dev/null || die "a -> c (closes the ring)"
wait_exit 10 $CB; wait_exit 10 $CC
check "3 s after the ring closed: b's host saw the broadcasts" \
    [ "$(kv "$TMP/close-b" unique)" -ge 10 ]
le "and at most a handful of duplicates" "$(kv "$TMP/close-b" dups)" 5
le "c's host: at most a handful of duplicates" "$(kv "$TMP/close-c" dups)" 5
check "one port of the ring ends in loop" wait_until 10 ring_one_loop
sleep 2
check_eq "exactly one" 1 "$(ring_loops)"
check "ping a -> c" nsx a ping -c 3 -i 0.2 -W 2 -q 192.168.62.3
check "ping b -> c" nsx b ping -c 3 -i 0.2 -W 2 -q 192.168.62.3
check "ping a -> b" nsx a ping -c 3 -i 0.2 -W 2 -q 192.168.62.2

# --- restarting b: its tunnels come back one by one and close the ring
kill -TERM "$SWPID_b"
wait_exit 5 "$SWPID_b" || die "b did not stop"
check "without b, a and c talk directly within 5 s" wait_until 5 \
    nsx a ping -c 1 -W 1 192.168.62.3
count_on a 30 re-a; RA=$BGPID
count_on c 30 re-c; RC=$BGPID
ring_sw b 2
ctl b addport client ws://10.91.0.1:8080/ >/dev/null || die "b -> a again"
# c's client port comes back by itself (its backoff), closing the ring
c_client_back() { [ "$(port_field c 2 3)" != down ]; }
check "c's client port to b is up again within 15 s" wait_until 15 c_client_back
sleep 3.5
le "3 s after the ring closed again: a's host, a handful of duplicates" \
    "$(kv "$TMP/re-a" dups)" 5
le "c's host, a handful of duplicates" "$(kv "$TMP/re-c" dups)" 5
check "the broadcasts still reach c" [ "$(kv "$TMP/re-c" unique)" -ge 10 ]
kill "$RA" "$RC" 2>/dev/null
check "one port of the ring ends in loop" wait_until 10 ring_one_loop
sleep 2
check_eq "exactly one" 1 "$(ring_loops)"
check "ping b -> c" nsx b ping -c 3 -i 0.2 -W 2 -q 192.168.62.3
check "ping a -> c" nsx a ping -c 3 -i 0.2 -W 2 -q 192.168.62.3
check "ping a -> b" nsx a ping -c 3 -i 0.2 -W 2 -q 192.168.62.2
kill "$SENDER" 2>/dev/null
[ "$T_FAIL" -ne 0 ] && ring_logs
done_testing
