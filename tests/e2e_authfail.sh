#!/bin/bash
# Password guessing is held back per address (authfail.c): the attack,
# a loop of wrong passwords from one address, gets AUTHFAIL_FREE (5)
# 401s and then mostly 429s (unchecked) instead of thousands of checks
# a second, on the tunnel and the control endpoint; meanwhile a right
# password from another address gets in at once, the same address's
# right password waits its turn (429, Retry-After), and a right password
# after the wait forgets the failures.
# The switch in a (10.9.0.1: tunnel 8080 with --htpasswd, control 7868
# with --ctlhtpasswd); the guessers in b, from 10.9.0.2..6.
. "$(dirname "$0")/lib.sh"
need python3 htpasswd

PW='right-Pw1'; CPW='ctl-Pw2'
HT=$TMP/htpasswd; CHT=$TMP/ctlhtpasswd
htpasswd -b -s -c "$HT" alice "$PW" >/dev/null 2>&1 || die "htpasswd"
htpasswd -b -s -c "$CHT" admin "$CPW" >/dev/null 2>&1 || die "htpasswd"
ns a; ns b
link a b 10.9.0.1 10.9.0.2
for i in 3 4 5 6; do nsx b ip addr add 10.9.0.$i/24 dev "v$$ba"; done
ip netns exec "$PFX-a" "$ETHERWS" sw --foreground --host 10.9.0.1 \
    --port 8080 --htpasswd "$HT" --ctlhost 10.9.0.1 --ctlport 7868 \
    --ctlhtpasswd "$CHT" >>"$TMP/sw-a.log" 2>&1 &
SW=$!; track_pid $SW
wait_until 5 sh -c "[ -n \"\$(ip netns exec $PFX-a ss -Hltn 'sport = :7868')\" ]" ||
    { cat "$TMP/sw-a.log"; die "sw did not start"; }
AF=$(dirname "$0")/authfail.py
# guess OUT MODE SRC USER PASSWORD [SECONDS]
guess() {
	local out=$1 mode=$2 port=8080; shift 2
	[ "$mode" = ctl ] && port=7868
	nsx b /usr/bin/python3 "$AF" "$mode" "$1" 10.9.0.1 $port "$2" "$3" \
	    ${4:+"$4"} >"$TMP/$out" 2>&1
}

# --- the tunnel ---------------------------------------------------------
guess ws_loop ws 10.9.0.2 alice wrong 4
n=$(kv "$TMP/ws_loop" n); n401=$(kv "$TMP/ws_loop" s401)
echo "# 4 s of wrong tunnel passwords: $n requests, ${n401:-0} checked (401), $(kv "$TMP/ws_loop" s429) held back (429)"
ge "tunnel guesser: the first 5 wrong passwords are answered 401" "${n401:-0}" 5
le "tunnel guesser: few passwords checked in 4 s (5 free, then 1, 2 s waits)" "${n401:-0}" 12
ge "tunnel guesser: held back with 429 the rest of the time" "$(kv "$TMP/ws_loop" s429)" 10
check "the holding back is logged, naming the address" \
    grep -q "WARNING:etherws:authentication failed again: 10.9.0.2 (tunnel) held back for [0-9]* s" "$TMP/sw-a.log"
guess ws_other ws 10.9.0.4 alice "$PW"
expect_kv "$TMP/ws_other" last "HTTP/1.1 101 Switching Protocols" \
    "another address, right password: 101 at once"
guess ws_same ws 10.9.0.2 alice "$PW"
expect_kv "$TMP/ws_same" last "HTTP/1.1 429 Too Many Requests" \
    "the guesser's address, right password: 429 while held back"
r=$(kv "$TMP/ws_same" retry)
check "429 carries Retry-After 1..60 ($r)" [ "${r:-0}" -ge 1 -a "${r:-0}" -le 60 ]

# --- the control endpoint -----------------------------------------------
guess ctl_loop ctl 10.9.0.5 admin wrong 3
n401=$(kv "$TMP/ctl_loop" s401)
echo "# 3 s of wrong control passwords: $(kv "$TMP/ctl_loop" n) requests, ${n401:-0} checked (401)"
ge "control guesser: 5 wrong passwords answered 401" "${n401:-0}" 5
le "control guesser: few passwords checked in 3 s" "${n401:-0}" 12
ge "control guesser: held back with 429" "$(kv "$TMP/ctl_loop" s429)" 5
guess ctl_other ctl 10.9.0.6 admin "$CPW"
expect_kv "$TMP/ctl_other" last "HTTP/1.1 200 OK" \
    "control, another address, right password: 200 at once"

# --- a right password after the wait forgets the failures ---------------
guess ctl_wait ctl 10.9.0.5 admin "$CPW"
r=$(kv "$TMP/ctl_wait" retry)
[ "${r:-none}" != none ] && [ "$r" -le 60 ] && sleep "$r.3"
guess ctl_after ctl 10.9.0.5 admin "$CPW"
expect_kv "$TMP/ctl_after" last "HTTP/1.1 200 OK" \
    "after the wait the right password gets in"
ok=0
for i in 1 2 3 4 5; do
	guess ctl_again ctl 10.9.0.5 admin wrong
	[ "$(kv "$TMP/ctl_again" last)" = "HTTP/1.1 401 Authorization Required" ] &&
	    ok=$((ok + 1))
done
check_eq "then 5 wrong passwords are each checked again (401, no 429)" 5 "$ok"
check "the switch still runs" kill -0 $SW
done_testing
