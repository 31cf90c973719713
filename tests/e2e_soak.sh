#!/bin/bash
# Soak: thousands of client-port reconnects leak nothing.
#
# A switch in "b" has NPORTS client ports to one python3-websockets server
# in "a" that completes each handshake, waits 50 ms and drops the
# connection (every other one with a Close 1000 handshake, the others by
# closing TCP).  Each port reconnects after min(2^(n-1), 60) s x
# U[0.8, 1.0] with n reset by the handshake, so ~1 s per cycle and port:
# NPORTS ports give thousands of reconnects in CHURN_S seconds.  Half the
# ports name the server by a hostname from /etc/netns/<b>/hosts, so a
# lookup (dns.c, in the switch itself) runs for each of their attempts.
#
# (Killing and restarting a switch in "a" instead gives one reconnect per
# ~1 s per port, and each restart costs its start-up: 1,000 reconnects of
# one port would take ~17 minutes.)
#
# Then the server goes away (every attempt fails: refused), and at last
# every port is deleted.  Checks: >= 1000 reconnects, all ports still
# listed with their numbers, the switch's open fds and RSS come back
# (fds: exactly the count before the first port; RSS: within RSS_TOL_KB of
# the baseline taken once every port had connected), no child process
# at any time (names are resolved on the loop, not in children).
# run: alone (tests/run -j: thousands of reconnects in bounded time)
. "$(dirname "$0")/lib.sh"
need python3 py:websockets

NPORTS=200
CHURN_S=30
RSS_TOL_KB=4096
# Under ASan (make check-asan) freed memory sits in quarantine and RSS
# says nothing about leaks (LeakSanitizer checks those): a loose bound.
[ -n "${EW_SANITIZER:-}" ] && RSS_TOL_KB=524288
S=tests/soak.py
HOSTS_DIR=/etc/netns/$PFX-b

soak_cleanup() { cleanup; rm -rf "$HOSTS_DIR"; }
trap soak_cleanup EXIT

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$SWPID_b/status" 2>/dev/null; }
nfd() { ls "/proc/$SWPID_b/fd" 2>/dev/null | wc -l; }
# children of the switch: "total zombies"
children() {
	ps -o stat= --ppid "$SWPID_b" 2>/dev/null |
	    awk '{ n++ } /^Z/ { z++ } END { print n + 0, z + 0 }'
}
client_ports() { ctl b listport | awk '$2 == "client"' | wc -l; }

ns a; ns b
link a b 10.9.5.1 10.9.5.2
mkdir -p "$HOSTS_DIR" || die "mkdir $HOSTS_DIR"
printf '127.0.0.1 localhost\n10.9.5.1 flap.soak.test\n' >"$HOSTS_DIR/hosts"
ip netns exec "$PFX-a" $PY $S flapserver 10.9.5.1 9000 50 $((CHURN_S + 40)) "$TMP/srv" \
    >"$TMP/srv.log" 2>&1 &
srvpid=$!; track_pid $srvpid
wait_until 10 test -e "$TMP/srv.listening" || die "flap server did not start"
sw b
check "the hostname resolves inside b" \
    sh -c "ip netns exec $PFX-b getent hosts flap.soak.test >/dev/null"

FD0=$(nfd)
out=$(nsx b $PY $S addclients 127.0.0.1 7867 $NPORTS \
    ws://10.9.5.1:9000/ ws://flap.soak.test:9000/)
check_eq "addPort of $NPORTS client ports (half by hostname)" \
    "added=$NPORTS failed=0" "$(echo $out)"
sleep 2
RSS1=$(rss); FD1=$(nfd)
echo "# baseline: fds $FD0 before the ports, $FD1 with them; VmRSS $RSS1 kB"
h0=$(kv "$TMP/srv" handshakes)

# Churn.  Sample fds, RSS and children on the way.
maxfd=0; maxrss=0; maxz=0; maxkids=0
end=$(( $(date +%s) + CHURN_S ))
while [ "$(date +%s)" -lt "$end" ]; do
	f=$(nfd); r=$(rss); set -- $(children)
	[ "$f" -gt $maxfd ] && maxfd=$f
	[ "${r:-0}" -gt $maxrss ] && maxrss=$r
	[ "$1" -gt $maxkids ] && maxkids=$1
	[ "$2" -gt $maxz ] && maxz=$2
	sleep 0.5
done
h1=$(kv "$TMP/srv" handshakes)
n=$((h1 - h0))
echo "# churn: $n handshakes in ${CHURN_S} s ($((n / CHURN_S))/s)," \
    "max fds $maxfd, max VmRSS $maxrss kB, max children $maxkids (zombies $maxz)"
ge "at least 1000 reconnects in ${CHURN_S} s" "$n" 1000
check "the switch is alive" kill -0 "$SWPID_b"
check_eq "all $NPORTS client ports still listed" "$NPORTS" "$(client_ports)"
check_eq "port numbers kept: 1..$NPORTS" "1 $NPORTS" \
    "$(ctl b listport | awk '$2 == "client" { if (!m) m = $1; x = $1 } END { print m, x }')"
le "open fds during churn stay within one per port of the baseline" \
    "$maxfd" $((FD0 + NPORTS + 8))
check_eq "no child process during churn (lookups run in the switch)" 0 \
    "$maxkids"
check "sw log: connected and disconnected lines" \
    grep -q "disconnected: ws://flap.soak.test:9000/" "$TMP/sw-b.log"
check_not "sw log: no connect failure while the server was up" \
    grep -q "connect failed" "$TMP/sw-b.log"

# RSS back near the baseline once churn is steady (malloc keeps a little).
r=$(rss)
le "VmRSS after churn within ${RSS_TOL_KB} kB of the baseline $RSS1" \
    "$r" $((RSS1 + RSS_TOL_KB))

# The server goes away: every attempt now fails (refused).
kill -TERM $srvpid
check "the flap server exits" wait_until 5 sh -c "! kill -0 $srvpid"
sleep 5
check "the switch is alive with the server gone" kill -0 "$SWPID_b"
check "connect failures are logged" \
    grep -q "connect failed: ws://flap.soak.test:9000/: cannot connect to [0-9.]*:9000: Connection refused" \
    "$TMP/sw-b.log"
check_eq "all client ports down" "$NPORTS" \
    "$(ctl b listport | awk '$2 == "client" && $3 == "down"' | wc -l)"

out=$(nsx b $PY $S delall 127.0.0.1 7867)
check_eq "delPort of every client port" "deleted=$NPORTS" "$out"
check "open fds back to the count before the first port ($FD0)" \
    wait_until 5 sh -c "[ \$(ls /proc/$SWPID_b/fd | wc -l) -eq $FD0 ]"
echo "# end: fds $(nfd), VmRSS $(rss) kB"
le "VmRSS at the end within ${RSS_TOL_KB} kB of the baseline $RSS1" \
    "$(rss)" $((RSS1 + RSS_TOL_KB))
check_eq "no child process left (total zombies)" "0 0" "$(children)"
check_not "no crash or assertion in the switch log" \
    grep -qiE 'segfault|assert|abort|sanitizer' "$TMP/sw-b.log"
if [ "$T_FAIL" -gt 0 ]; then
	echo "# sw log (last 30 lines):"; tail -n 30 "$TMP/sw-b.log" | sed 's/^/#   /'
	echo "# server log:"; sed 's/^/#   /' "$TMP/srv.log"
fi
done_testing
