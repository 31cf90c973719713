#!/bin/bash
# Memory hostile peers cannot grow, and slots one address cannot hold.
#
# Switch s (--maxmem 32 MiB, a router's default; --queue 1 MiB) with two
# honest hosts on taps (h1 192.168.91.1, h2 .2, as in e2e_hostile.sh);
# attackers in p (10.9.0.2 and more addresses) with tests/hostile.py.
#  1. 300 WebSockets that never read (each sends 200 Pings first): they
#     hold little (the old code: a 16 KiB receive buffer each, and the
#     Pongs); then, while h1 floods 8 MB of broadcast, each queue would
#     grow to --queue (the old code: ~320 MB RSS): the bound cuts the
#     connections holding the most instead.  The switch's peak RSS
#     stays under 128 MiB, h1 pings h2 during and after, the cuts are
#     logged and counted.
#  2. Pongs do not pile up: 5000 Pings on a connection that reads nothing
#     get at most what the socket buffers hold plus one Pong (the old
#     code queued all 5000).  The switch's
#     socket send buffer is pinned small (tcp_wmem in its namespace).
#  3. Per-source caps: a switch q with --maxconn 40; 100 unfinished
#     requests from one address hold at most SRC_MAX_PENDING (32) slots,
#     and an honest peer from another address still upgrades (the old
#     code let the one address fill all 40); 40 WebSockets from one
#     address (no --htpasswd) get 30 (the old code: 40), and the honest
#     peer again gets in.
#  4. The option: its range, and its default, 1/8 of the RAM within
#     32 MiB..1 GiB (sw --help prints it; --debug logs the bound and how
#     many wss:// TLS engines fit): on a machine with 512 MB or more, the
#     engines of 1,000 wss:// tunnels fit on either side (the old default,
#     32 MiB, held about 850 of a hub's and 552 of a client's).
. "$(dirname "$0")/lib.sh"
need python3

RSS_MAX_KB=131072		# 128 MiB: the target
[ -n "${EW_SANITIZER:-}" ] && RSS_MAX_KB=1048576	# ASan's shadow memory
H=tests/hostile.py
WS=10.9.0.1
WSP=8080

ns s; ns p; ns h1; ns h2; ns q
link s p $WS 10.9.0.2
link q p 10.9.1.1 10.9.1.2
nsx p ip addr add 10.9.1.3/24 dev "v$$bq"	# the honest peer of case 3
for n in h1 h2; do
	nsx $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	nsx $n sysctl -qw net.ipv6.conf.default.disable_ipv6=1
done
# a small send buffer for the switch's sockets: what the kernel holds
# for a peer that never reads stays small next to what s would queue
nsx s sysctl -qw net.ipv4.tcp_wmem="4096 4096 4096" ||
    die "tcp_wmem in the switch's namespace"
sw s --host $WS --port $WSP --maxmem 33554432
ctl s addport tap 'ewm%d' >/dev/null || die "addport tap 1"
ctl s addport tap 'ewm%d' >/dev/null || die "addport tap 2"
ip -n $PFX-s link set ewm0 netns $PFX-h1 || die "move ewm0 to h1"
ip -n $PFX-s link set ewm1 netns $PFX-h2 || die "move ewm1 to h2"
nsx h1 ip addr add 192.168.91.1/24 dev ewm0; nsx h1 ip link set ewm0 up
nsx h2 ip addr add 192.168.91.2/24 dev ewm1; nsx h2 ip link set ewm1 up
ping12() { nsx h1 ping -c 3 -i 0.2 -W 2 -q 192.168.91.2 >/dev/null; }
wait_until 5 ping12 || die "h1 cannot ping h2 through the switch"
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$SWPID_s/status" 2>/dev/null; }
( while kill -0 "$SWPID_s" 2>/dev/null; do
	r=$(rss); pk=$(cat "$TMP/rsspeak" 2>/dev/null || echo 0)
	[ -n "$r" ] && [ "$r" -gt "$pk" ] && echo "$r" >"$TMP/rsspeak"
	sleep 0.1
  done ) &
track_pid $!
rss0=$(rss)
echo "# idle switch: VmRSS $rss0 kB"

# ---- 1. 300 never-reading peers under a broadcast flood -------------------
O=$TMP/noread.out
bg p $PY $H noread $WS $WSP "$O" "$TMP/noread" 300 200
nrpid=$BGPID
wait_until 60 test -e "$TMP/noread.ready" || not_ok "300 non-readers connected"
expect_kv "$O" noread_open 300 "300 WebSockets open, never reading"
echo "# 300 connections: VmRSS $(rss) kB ($rss0 before)"
# 24 KiB each: a connection's state grew by 1 KB for its queue's CoDel
# records and flow buckets, a port's by its loop-detection state, and a
# tunnel's sparse flows may hold a 4 KiB lane buffer
le "300 connections that sent Pings hold under 24 KiB each (RSS growth, kB)" \
    $(( $(rss) - rss0 )) 7200
bg h1 $PY $H bcast ewm0 8 "$TMP/bcast.out"
bcpid=$BGPID
sleep 1
check "h1 pings h2 during the flood" ping12
check "the flood ended" wait_exit 30 $bcpid
echo "# bcast: $(kv "$TMP/bcast.out" bcast_bytes) bytes in $(kv "$TMP/bcast.out" bcast_secs) s"
sleep 0.5
peak=$(cat "$TMP/rsspeak" 2>/dev/null)
echo "# peak VmRSS ${peak:-?} kB, now $(rss) kB"
le "peak VmRSS under 128 MiB (kB)" "${peak:-999999999}" $RSS_MAX_KB
check "the switch is alive" kill -0 "$SWPID_s"
check "h1 pings h2 after the flood" ping12
nserv=$(ctl s listport | awk '$2 == "server"' | wc -l)
echo "# server ports left: $nserv"
cut_count() {
	sed -n 's/.*memory bound (--maxmem [0-9]*): \([0-9]*\) connections cut so far.*/\1/p' \
	    "$TMP/sw-s.log" | tail -n 1
}
ge "most of the non-readers were cut" $(( 300 - nserv )) 100
check "the count logged covers every server port gone ($(( 300 - nserv )))" \
    wait_until 3 eval '[ "$(cut_count)" -ge $(( 300 - nserv )) ]'
grep 'memory bound' "$TMP/sw-s.log" | sed 's/^/#   /'
check "a cut is logged whole: the bound, who, what it held, the fix" \
    grep -qxE 'WARNING:etherws:memory bound reached \([0-9]+ of 33554432 bytes\): [0-9.:]+ cut, holding [0-9]+ bytes \([0-9]+ cut so far; raise --maxmem if the peers are honest\)' \
    "$TMP/sw-s.log"
check "the count after a burst is logged whole" \
    grep -qxE 'WARNING:etherws:memory bound \(--maxmem 33554432\): [0-9]+ connections cut so far, [0-9]+ bytes held now' \
    "$TMP/sw-s.log"
touch "$TMP/noread.go"
check "noread: hostile.py finished" wait_exit 20 $nrpid

# ---- 2. Pongs do not pile up ----------------------------------------------
O=$TMP/pong.out
nsx p timeout 20 $PY $H pongcount $WS $WSP 5000 "$O"
pongs=$(kv "$O" pc_pongs)
echo "# 5000 Pings without reading: $pongs Pongs came once it read"
ge "Pongs were sent at all" "${pongs:-0}" 1
le "no Pong pile-up: at most the socket buffers' worth and one (< 300)" \
    "${pongs:-99999}" 299

# ---- 3. per-source caps ---------------------------------------------------
ip netns exec "$PFX-q" "$ETHERWS" sw --foreground --host 10.9.1.1 \
    --port 8080 --ctlport 7868 --maxconn 40 >>"$TMP/sw-q.log" 2>&1 &
SWPID_q=$!; track_pid $SWPID_q
wait_until 5 nsx q "$ETHERWS" ctl --ctlurl http://127.0.0.1:7868/ctl \
    listport >/dev/null || die "sw in q did not start"
nfd_q() { ls "/proc/$SWPID_q/fd" | wc -l; }
fd0=$(nfd_q)
bg p $PY $H hold 10.9.1.1 8080 100 12 "$TMP/hold.out" "$TMP/hold" 10.9.1.2+1
hpid=$BGPID
wait_until 15 test -e "$TMP/hold.ready" || not_ok "hold: started"
sleep 1
# the switch's own sockets (ss -p): connections still in the accept
# queue, or refused and re-opened at once, are not held by it
held=$(nsx q ss -Htnp state established '( sport = :8080 and dst 10.9.1.2 )' |
    grep -c "pid=$SWPID_q,")
echo "# q: $held connections from 10.9.1.2 held (fds $(nfd_q), $fd0 before)"
le "one address holds at most SRC_MAX_PENDING (32) unfinished requests" \
    "$held" 32
ge "... and it does hold them (the attack works up to the cap)" "$held" 30
cat >"$TMP/honest.py" <<'PY'
import socket, sys
sys.path.insert(0, sys.argv[1])
import wsraw
try:
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.bind(("10.9.1.3", 0))
    c.settimeout(3)
    c.connect(("10.9.1.1", 8080))
    c.sendall(wsraw.request("10.9.1.1", 8080))
    h = wsraw.read_head(c)
    print("honest=" + h.split(b"\r\n")[0].decode("latin-1"))
except OSError as e:
    print("honest=error %s" % e)
PY
check_eq "an honest peer from another address still upgrades" \
    "honest=HTTP/1.1 101 Switching Protocols" \
    "$(nsx p $PY "$TMP/honest.py" "$PWD/tests")"
check "q is alive" kill -0 "$SWPID_q"
kill "$hpid" 2>/dev/null
wait_exit 5 "$hpid"
# open tunnels (no --htpasswd): one address gets at most all but a
# quarter of --maxconn (30 of 40), the rest a 503
O=$TMP/open.out
bg p $PY $H noread 10.9.1.1 8080 "$O" "$TMP/open" 40
opid=$BGPID
wait_until 30 test -e "$TMP/open.ready" || not_ok "40 tunnels: tried"
expect_kv "$O" noread_open 30 "one address gets 30 open tunnels of --maxconn 40"
check "the others got a 503" grep -q "noread_error=no 101: b'HTTP/1.1 503 " "$O"
check_eq "an honest peer from another address still upgrades beside them" \
    "honest=HTTP/1.1 101 Switching Protocols" \
    "$(nsx p $PY "$TMP/honest.py" "$PWD/tests")"
touch "$TMP/open.go"
wait_exit 10 "$opid"

# ---- the option ----------------------------------------------------------
"$ETHERWS" sw --maxmem 1048575 >/dev/null 2>"$TMP/err"; rc=$?
check_eq "--maxmem under 1 MiB is refused (exit 2)" 2 "$rc"
printf '%s\n' 'etherws sw: error: invalid --maxmem 1048575: must be 1048576..1099511627776' >"$TMP/exp"
check "... and says what it must be (stderr exactly)" cmp -s "$TMP/exp" "$TMP/err"
# the default: sysconf's physical memory is /proc/meminfo's MemTotal
ram=$(( $(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo) * 1024 ))
cap=1073741824
"$ETHERWS" sw --help | grep -q 'within 32\.\.256 MiB' && cap=268435456	# 32-bit
want=$(( ram / 8 ))
[ $want -lt 33554432 ] && want=33554432
[ $want -gt $cap ] && want=$cap
echo "# RAM $ram bytes: default --maxmem $want"
check_eq "sw --help: the default --maxmem here is 1/8 of the RAM within 32 MiB..$cap" \
    "$want" "$("$ETHERWS" sw --help | tr '\n' ' ' |
    sed -n 's/.*--maxmem BYTES .*; here \([0-9]*\)).*/\1/p')"
ns d
sw d --debug --port 8089
line=$(grep -m 1 '^DEBUG:etherws:--maxmem ' "$TMP/sw-d.log")
echo "# $line"
kill "$SWPID_d"
check_eq "--debug: the bound in force is that default" "$want" \
    "$(echo "$line" | sed -n 's/.*--maxmem \([0-9]*\) bytes (the default;.*/\1/p')"
room() { echo "$line" | sed -n "s/.*room for \([0-9]*\) wss:\/\/ server or \([0-9]*\) client TLS.*/\\$1/p"; }
if [ $ram -ge $((512 * 1024 * 1024)) ]; then
	ge "... room for 1,000 wss:// tunnels' server TLS engines (a hub's)" "$(room 1)" 1000
	ge "... and for 1,000 client engines (1,000 wss:// client ports)" "$(room 2)" 1000
else
	skip "room for 1,000 wss:// TLS engines: $ram bytes of RAM (< 512 MB)"
fi

check_not "no crash or assertion in the switch logs" \
    grep -qiE 'segfault|assert|abort|sanitizer' "$TMP/sw-s.log" "$TMP/sw-q.log" \
    "$TMP/sw-d.log"
done_testing
