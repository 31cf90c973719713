#!/bin/bash
# An outage of a hub, and what it costs after it ends (issue 21).
#  - ten site switches (namespace s, control ports 7901..7910) each with
#    a client port to the hub (namespace h, 10.9.0.1:8080); the hub is
#    killed, stays away 30 s and comes back on the same address: every
#    site's port is up again within 5 s of the hub's return (the short
#    backoff: tries at most 3 s apart; it took 20-30 s with one backoff
#    of up to 60 s for every failure);
#  - meanwhile an eleventh site whose server (a Python stand-in on
#    10.9.0.1:8090) let it in once and now answers 401 retries slowly:
#    at most 12 attempts in the minute after the tunnel dropped, and its
#    showport says "backoff long" and why;
#  - meanwhile a ctl against a stopped switch (SIGSTOP; namespace x)
#    says within seconds that the switch does not answer, exit 1, and
#    once the switch continues, its log has no "control refused" /
#    "cannot tell the user" line for that ctl.
# run: alone (tests/run -j: ten sites back within 5 s of the hub's return)
. "$(dirname "$0")/lib.sh"
need python3

HUB=ws://10.9.0.1:8080/
NSITES=10
DOWN_S=30		# the hub's outage
BACK_MS=5000		# every port up again within this of its return
PER_MIN=12		# the 401 site's attempts in a minute, at most
STOPPED=""

untrack_pid() { PIDS=$(for p in $PIDS; do [ "$p" = "$1" ] || echo "$p"; done); }
# a stopped process would ignore lib's TERM: continue it before cleanup
trap '[ -n "$STOPPED" ] && kill -CONT $STOPPED 2>/dev/null; cleanup' EXIT
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# site I: a switch in s with control on 127.0.0.1:79(00+I), tunnels on
# 81(00+I)
sctl() { local i=$1; shift; nsx s "$ETHERWS" ctl --ctlurl \
    "http://127.0.0.1:$((7900 + i))/ctl" "$@"; }
site() {
	nsx s "$ETHERWS" sw --foreground --ctlport $((7900 + $1)) \
	    --port $((8100 + $1)) >>"$TMP/sw-s$1.log" 2>&1 &
	track_pid $!
	wait_until 5 sctl "$1" listport || die "site $1 did not start"
}
site_up() { [ "$(sctl "$1" listport | awk '$1 == 1 { print $3 }')" = up ]; }
all_up() {
	local i
	for i in $(seq 1 $NSITES); do site_up "$i" || return 1; done
}
hub() { sw h --host 10.9.0.1 --port 8080; }

ns h; ns s; ns x
link h s 10.9.0.1 10.9.0.2

# The 401 server: lets the first upgrade in (101), drops it after 0.5 s,
# answers every later one 401; writes one "t=<ms>" line per request.
cat >"$TMP/auth401.py" <<'EOF'
import base64, hashlib, socket, sys, time
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("10.9.0.1", 8090))
srv.listen(16)
srv.settimeout(1)
log = open(sys.argv[1], "a", buffering=1)
end = time.time() + float(sys.argv[2])
first = True
while time.time() < end:
    try:
        c, _ = srv.accept()
    except socket.timeout:
        continue
    c.settimeout(2)
    head = b""
    try:
        while b"\r\n\r\n" not in head and len(head) < 8192:
            b = c.recv(4096)
            if not b:
                break
            head += b
    except OSError:
        pass
    if b"\r\n\r\n" not in head:
        c.close()
        continue
    log.write("t=%d\n" % int(time.time() * 1000))
    if first:
        first = False
        key = [l.split(b":", 1)[1].strip() for l in head.split(b"\r\n")
               if l.lower().startswith(b"sec-websocket-key:")][0]
        acc = base64.b64encode(hashlib.sha1(key + GUID).digest())
        c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket"
                  b"\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
                  acc + b"\r\n\r\n")
        time.sleep(0.5)
    else:
        c.sendall(b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic "
                  b"realm=\"etherws\"\r\nContent-Length: 0\r\n"
                  b"Connection: close\r\n\r\n")
    c.close()
EOF

hub
for i in $(seq 1 $NSITES); do
	site "$i"
	sctl "$i" addport client $HUB >/dev/null || die "site $i: addport"
done
check "$NSITES sites up" all_up

# the 401 site (11)
bg h "$PY" "$TMP/auth401.py" "$TMP/auth401.log" 150
wait_until 5 nsx h sh -c 'ss -ltn | grep -q 10.9.0.1:8090' ||
    die "the 401 server did not start"
site 11
sctl 11 addport client ws://10.9.0.1:8090/ --user u --passwd wrong \
    >/dev/null || die "site 11: addport (its one 101)"

# the stopped switch: x
sw x
STOPPED=$SWPID_x

# --- the hub goes away for DOWN_S seconds
down_at=$(now_ms)
kill -KILL "$SWPID_h"
wait "$SWPID_h" 2>/dev/null
untrack_pid "$SWPID_h"
check "the sites' ports go down" wait_until 5 eval '! site_up 1'

# meanwhile: ctl against a stopped switch
kill -STOP "$SWPID_x"
t=$(now_ms)
timeout 20 ip netns exec "$PFX-x" "$ETHERWS" ctl listport >"$TMP/out" \
    2>"$TMP/err"
rc=$?
ms=$(( $(now_ms) - t ))
check_eq "ctl against a stopped switch exits 1" 1 "$rc"
le "  and says so within a few seconds (ms)" "$ms" 8000
check_eq "  in words" "etherws ctl: error: the switch at http://127.0.0.1:7867/ctl does not answer (nothing within 5 s: is it stopped or hung?  --timeout SECONDS waits longer)" \
    "$(cat "$TMP/err")"
kill -CONT "$SWPID_x"
STOPPED=""
check "the continued switch answers ctl" wait_until 5 ctl x listport
check_not "  and logs no \"control refused\" for the ctl that left" \
    grep -E "control refused|cannot tell the user" "$TMP/sw-x.log"

# the 401 site meanwhile: slow retries, and why
check "401 site: showport says backoff long" wait_until 10 eval \
    'sctl 11 showport 1 | grep -qE "^  backoff +long$"'
check "  and the 401" eval \
    'sctl 11 showport 1 | grep -qE "^  last_error .*HTTP 401"'

left=$(( DOWN_S * 1000 - ($(now_ms) - down_at) ))
[ $left -gt 0 ] && sleep "$((left / 1000)).$(printf %03d $((left % 1000)))"

# --- the hub is back on the same address
hub
back_at=$(now_ms)
wait_until 20 all_up
ms=$(( $(now_ms) - back_at ))
le "all $NSITES sites up again within 5 s of the hub's return (ms)" \
    "$ms" $BACK_MS
for i in $(seq 1 $NSITES); do
	site_up "$i" || { not_ok "site $i still down"; sctl "$i" showport 1; }
done

# --- the 401 site's attempts in the minute after its first 401
first=$(sed -n 2p "$TMP/auth401.log" | sed 's/^t=//')
[ -n "$first" ] || die "the 401 site never came back after its 101"
left=$(( first + 60000 - $(now_ms) ))
[ $left -gt 0 ] && sleep "$((left / 1000)).$(printf %03d $((left % 1000)))"
n=$(awk -F= -v f="$first" 'NR > 1 && $2 < f + 60000' "$TMP/auth401.log" |
    wc -l)
le "401 site: attempts in a minute" "$n" $PER_MIN
ge "  but it keeps trying" "$n" 3

done_testing
