#!/bin/bash
# Client port reconnection and keepalive (--keepalive: WebSocket Pings).
# Server switch on a, client switch (--keepalive 1) on b.
#  - a failed addport client (nothing listening) exits 1, says
#    "Connection refused", creates no port and uses no port number;
#  - killing a's switch turns b's client port "down" (same number), its
#    FDB entries go; a restarted switch on a brings it back "up" by
#    itself within the backoff, same number, and ping works again;
#  - freezing a's switch (SIGSTOP) makes b's port go down by keepalive
#    timeout; SIGCONT brings it back up;
#  - freezing b's switch (SIGSTOP) makes a's server port go away: a pings
#    a peer that said it is one of ours (a runs with --keepalive 1: gone
#    within 4 x keepalive).
. "$(dirname "$0")/lib.sh"

MAC_A=02:00:00:00:02:0a
MAC_B=02:00:00:00:02:0b
URL=ws://10.9.0.1:8080/
STOPPED=""

# Local helpers (not in lib.sh):
# untrack_pid PID: drop a PID we killed and reaped from lib's list
untrack_pid() { PIDS=$(for p in $PIDS; do [ "$p" = "$1" ] || echo "$p"; done); }
# a stopped process would ignore lib's TERM: continue it before cleanup
trap '[ -n "$STOPPED" ] && kill -CONT $STOPPED 2>/dev/null; cleanup' EXIT
# no_fdb_on NS PORT: no FDB entries on PORT
no_fdb_on() { ! ctl "$1" listfdb | awk -v p="$2" 'NR > 1 && $1 == p' | grep -q .; }
state_is() { [ "$(port_field "$1" "$2" 3)" = "$3" ]; }
start_a() {
	sw a --host 10.9.0.1 --port 8080 --keepalive 1
	ctl a addport tap 'ewa%d' >/dev/null || die "addport tap a"
	nsx a ip link set ewa0 address $MAC_A
	nsx a ip addr add 192.168.77.1/24 dev ewa0
}
logs() {
	for n in a b; do echo "--- sw-$n.log"; cat "$TMP/sw-$n.log"; done
}

ns a; ns b
link a b 10.9.0.1 10.9.0.2
start_a
sw b --keepalive 1
ctl b addport tap 'ewb%d' >/dev/null || die "addport tap b"
nsx b ip link set ewb0 address $MAC_B
nsx b ip addr add 192.168.77.2/24 dev ewb0

# --- a failed first attempt: no port, no number
ports() { ctl "$1" listport | awk '{ print $1, $2, $3, $6 }'; }
before=$(ports b)
ctl b addport client ws://10.9.0.1:8099/ >"$TMP/out" 2>"$TMP/err"
rc=$?
check_eq "addport client to a closed port exits 1" 1 "$rc"
check "stderr says Connection refused" grep -q "Connection refused" "$TMP/err"
check_eq "stdout empty on failure" "" "$(cat "$TMP/out")"
check_eq "listport unchanged after failed addport" "$before" "$(ports b)"

ctl b addport client $URL >/dev/null
check "addport client to a succeeds" [ $? -eq 0 ]
# answered once the new port has probed for loops: it forwards
check_eq "client port got number 2 (failure used none)" \
    "client up $URL" "$(port_field b 2 2) $(port_field b 2 3) $(port_field b 2 6)"
check "ping works" nsx b ping -c 3 -i 0.2 -W 2 -q 192.168.77.1
check "fdb of b: a's MAC on client port 2" \
    sh -c "ip netns exec $PFX-b $ETHERWS ctl listfdb | grep -qE '^  2 +0 +$MAC_A '"

# --- server killed: port down, same number, FDB entries gone
kill -KILL "$SWPID_a"
wait "$SWPID_a" 2>/dev/null
untrack_pid "$SWPID_a"
check "client port goes down after the server dies" wait_until 3 state_is b 2 down
check_eq "still port 2, a client, same target" "client $URL" \
    "$(port_field b 2 2) $(port_field b 2 6)"
check "b's FDB entries for port 2 are gone" no_fdb_on b 2
check "b's own tap entry stays" \
    sh -c "ip netns exec $PFX-b $ETHERWS ctl listfdb | grep -qE '^  1 +0 +$MAC_B '"
check_not "no ping while the server is gone" \
    nsx b ping -c 1 -W 1 -q 192.168.77.1
check "b logs disconnected" grep -q "INFO:etherws:disconnected: $URL" "$TMP/sw-b.log"

# --- restart a: b reconnects by itself at its next retry (the backoff:
# retry n after min(2^(n-1), 60) s x U[0.8, 1.0]; a is back within ~2 s, so the
# next retry comes within ~4 s; 15 s leaves room)
start_a
t0=$(date +%s)
check "client port comes back up by itself within 15 s" wait_until 15 state_is b 2 up
echo "    (up again after $(( $(date +%s) - t0 )) s)"
check_eq "ports of b: 1 tap, 2 client, nothing new" "1 tap
2 client" "$(ctl b listport | awk 'NR > 1 { print $1, $2 }')"
check "a sees a server port again" \
    wait_until 3 sh -c "ip netns exec $PFX-a $ETHERWS ctl listport | grep -q ' server  up '"
check "ping works again" nsx b ping -c 3 -i 0.2 -W 2 -q 192.168.77.1
check "b logged connect failed while a was down" \
    grep -q "WARNING:etherws:connect failed: $URL: " "$TMP/sw-b.log"
check_eq "b logged connected twice" 2 \
    "$(grep -c "INFO:etherws:connected: $URL" "$TMP/sw-b.log")"

# --- keepalive: freeze the server, port goes down by timeout, comes back
# The next addport numbers after the gap: 3.
ctl b addport tap 'ewb%d' >/dev/null
check_eq "next addport gets number 3" "3 tap" \
    "$(port_field b 3 1) $(port_field b 3 2)"
kill -STOP "$SWPID_a"; STOPPED=$SWPID_a
t0=$(date +%s)
check "frozen server: client port down within 5 s (keepalive 1)" \
    wait_until 5 state_is b 2 down
echo "    (down after $(( $(date +%s) - t0 )) s)"
check "b logs keepalive timeout" \
    grep -q "WARNING:etherws:keepalive timeout: $URL" "$TMP/sw-b.log"
check "FDB entries for port 2 gone after keepalive timeout" no_fdb_on b 2
kill -CONT "$SWPID_a"; STOPPED=""
check "after SIGCONT the client port comes back up within 15 s" \
    wait_until 15 state_is b 2 up
check_eq "same port number 2" "2 client" \
    "$(ctl b listport | awk '$2 == "client" { print $1, $2 }')"
check "ping works after the freeze" nsx b ping -c 3 -i 0.2 -W 2 -q 192.168.77.1

# --- a server port towards a frozen switch of ours goes away
server_gone() { ! ctl a listport | grep -q ' server '; }
check_not "a has a server port" server_gone
kill -STOP "$SWPID_b"; STOPPED=$SWPID_b
t0=$(date +%s)
check "frozen client switch: a's server port gone within 4 s (keepalive 1)" \
    wait_until 4 server_gone
echo "    (gone after $(( $(date +%s) - t0 )) s)"
check "a logs keepalive timeout" \
    grep -q "WARNING:etherws:keepalive timeout: 10.9.0.2:" "$TMP/sw-a.log"
kill -CONT "$SWPID_b"; STOPPED=""
check "after SIGCONT b's client port comes back up within 15 s" \
    wait_until 15 state_is b 2 up
check "ping works again" nsx b ping -c 3 -i 0.2 -W 2 -q 192.168.77.1

[ "$T_FAIL" -ne 0 ] && logs
done_testing
