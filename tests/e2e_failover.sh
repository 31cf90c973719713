#!/bin/bash
# A hung switch is routed around, with default timers: in the ring
# a <- b <- c <- a whose direct port (a - c) is blocked, SIGSTOP the
# middle switch b: pings between a and c work again within 5 s of the
# fault (b's neighbours see it go silent, the block on a - c is lifted,
# and the topology change flushes the FDB entries that point at b).
# SIGCONT: b's tunnels probe again before they forward, so no storm
# (a handful of duplicates at most among 10 broadcasts a second) and the
# ring settles with one port in "loop".
# Helper: tests/bcast.py.
# run: alone (tests/run -j: pings work again within 5 s of a hung switch)
. "$(dirname "$0")/lib.sh"
need python3

STOPPED=""
trap '[ -n "$STOPPED" ] && kill -CONT $STOPPED 2>/dev/null; cleanup' EXIT

ring3 94 95 96 fo 192.168.63

ctl b addport client ws://10.94.0.1:8080/ >/dev/null || die "b -> a"
ctl c addport client ws://10.95.0.1:8080/ >/dev/null || die "c -> b"
# the first two links forward before the third closes the ring, so that
# the direct one is the one that probes into a loop
fwd() { [ "$(port_field b 2 3)/$(port_field c 2 3)" = up/up ]; }
wait_until 3 fwd || die "the first two links do not forward"
ctl a addport client ws://10.96.0.1:8080/ >/dev/null || die "a -> c"
check "the ring settles with one port in loop" wait_until 10 ring_one_loop
sleep 1
# the block is on the direct link: a's client port 3 or c's server port 3
direct=$(port_field a 3 3)/$(port_field c 3 3)
case $direct in loop/up|up/loop) ok "the blocked port is on the direct link a - c ($direct)" ;;
*) not_ok "the blocked port is on the direct link a - c ($direct)" ;; esac
check "ping a -> c through b" wait_until 5 nsx a ping -c 1 -W 1 192.168.63.3

# --- b hangs
t0=$(date +%s%N)
kill -STOP "$SWPID_b"; STOPPED=$SWPID_b
# one ping every 0.2 s for up to 8 s; the first reply's time
nsx a ping -D -i 0.2 -W 1 -w 8 192.168.63.3 >"$TMP/ping" 2>&1
first=$(sed -n 's/^\[\([0-9]*\)\.\([0-9]*\)\] .*bytes from.*/\1\2/p' "$TMP/ping" |
    head -n 1)
if [ -n "$first" ]; then
	# ping -D: seconds.microseconds; t0 in ns
	ms=$(( (${first:0:10} * 1000000 + 10#${first:10:6}) / 1000 - t0 / 1000000 ))
	echo "    (first reply ${ms} ms after SIGSTOP)"
	le "pings a -> c work again within 5 s of the fault (ms)" "$ms" 5000
else
	not_ok "pings a -> c work again within 5 s of the fault: none at all"
fi
check "a says its neighbour went silent" grep -q "neighbour silent" "$TMP/sw-a.log"
check "ping c -> a too" nsx c ping -c 3 -i 0.2 -W 1 -q 192.168.63.1

# --- b comes back while a host floods broadcasts
bg a $PY tests/bcast.py send foa0 10 20
SENDER=$BGPID
bg c $PY tests/bcast.py count foc0 4 "$TMP/cont-c"; CC=$BGPID
sleep 0.5
kill -CONT "$SWPID_b"; STOPPED=""
wait_exit 10 $CC
check "the broadcasts reach c" [ "$(kv "$TMP/cont-c" unique)" -ge 10 ]
le "3 s after SIGCONT: at most a handful of duplicates at c" \
    "$(kv "$TMP/cont-c" dups)" 5
kill "$SENDER" 2>/dev/null
check "the ring settles again with one port in loop" wait_until 10 ring_one_loop
sleep 2
check_eq "exactly one" 1 "$(ring_loops)"
check "ping a -> c" nsx a ping -c 3 -i 0.2 -W 2 -q 192.168.63.3
check "ping a -> b" nsx a ping -c 3 -i 0.2 -W 2 -q 192.168.63.2
check "ping b -> c" nsx b ping -c 3 -i 0.2 -W 2 -q 192.168.63.3
[ "$T_FAIL" -ne 0 ] && ring_logs
done_testing
