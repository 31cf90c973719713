#!/bin/bash
# Logging, with etherws 1.3's options and line formats (--logconf,
# --syslog, --debug).
#  - --logconf refusals at start: an unsupported handler class or format
#    key exits 2, a FileHandler in a missing directory exits 1, each with
#    a message naming the part;
#  - b with a FileHandler ("%(asctime)s %(levelname)s %(name)s
#    %(message)s") gets "connected: <url>" / "disconnected: <url>" of
#    its client port to a, in that format, and nothing on stderr;
#  - a in the foreground without --logconf writes the original's
#    "INFO:etherws:connected: 10.9.0.2" on stderr; with --debug the
#    per-frame "fdb learned: port:N; vid:0; mac:..." and "sent:" lines;
#  - SIGHUP after the log file was moved away: b makes a new file and
#    writes there (a drops its server port: b's "disconnected: <url>",
#    then "connected: <url>" on reconnection), the old one gets nothing
#    more;
#  - detached (no --foreground) with a relative FileHandler name: the
#    file is made in the start directory, not in /, and gets the lines;
#  - --syslog, and a SysLogHandler with a facility: one datagram a line
#    on /dev/log, "<PRI>Mmm dd hh:mm:ss etherws[PID]: ...", the PRI from
#    the facility and the level; a syslog daemon that goes away and comes
#    back gets the lines again.
. "$(dirname "$0")/lib.sh"
need python3

# logconf FILE LOGFILE [CLASS] [FORMAT] [ARGS]: write a fileConfig file
# (ARGS, the handler's args tuple, defaults to "('LOGFILE', 'a')")
logconf() {
	cat >"$1" <<EOF
[loggers]
keys=root,etherws

[handlers]
keys=file

[formatters]
keys=plain

[logger_root]
level=WARNING
handlers=

[logger_etherws]
level=INFO
handlers=file
qualname=etherws
propagate=0

[handler_file]
class=${3:-FileHandler}
args=${5:-('$2', 'a')}
formatter=plain

[formatter_plain]
format=${4:-%(asctime)s %(levelname)s %(name)s %(message)s}
EOF
}
ASCTIME='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2},[0-9]{3}'
URL=ws://10.9.0.1:8080/

ns a; ns b; ns c
link a b 10.9.0.1 10.9.0.2

# start_refused NAME: sw with $TMP/NAME.conf in c; sets RC and OUT
start_refused() {
	OUT=$(timeout 5 ip netns exec "$PFX-c" "$ETHERWS" sw --foreground \
	    --logconf "$TMP/$1.conf" 2>&1)
	RC=$?
}
logconf "$TMP/bad.conf" "$TMP/bad.log" handlers.RotatingFileHandler
start_refused bad
check_eq "unsupported handler class: exit 2" 2 "$RC"
check_eq "unsupported handler class: the message names it" \
    "etherws sw: error: --logconf $TMP/bad.conf: Unsupported handler class: handlers.RotatingFileHandler" \
    "$OUT"
logconf "$TMP/badkey.conf" "$TMP/bad.log" FileHandler \
    '%(asctime)s %(process)d %(message)s'
start_refused badkey
check_eq "unsupported format key: exit 2" 2 "$RC"
check "unsupported format key: the message names it" \
    grep -qxF "etherws sw: error: --logconf $TMP/badkey.conf: Unsupported format key: %(process)d" <<<"$OUT"
check_not "a refused logconf makes no log file" test -e "$TMP/bad.log"
logconf "$TMP/nodir.conf" "$TMP/nodir/x.log"
start_refused nodir
check_eq "FileHandler in a missing directory: exit 1" 1 "$RC"
check "FileHandler in a missing directory: the message names the file" \
    grep -qxF "etherws sw: error: --logconf $TMP/nodir.conf: cannot open $TMP/nodir/x.log: No such file or directory" \
    <<<"$OUT"

logconf "$TMP/b.conf" "$TMP/b.log"
sw a --host 10.9.0.1 --port 8080 --debug
sw b --logconf "$TMP/b.conf"
ctl a addport tap 'ewa%d' >/dev/null || die "addport tap a"
ctl b addport tap 'ewb%d' >/dev/null || die "addport tap b"
nsx a ip link set ewa0 address 02:00:00:00:00:0a
nsx b ip link set ewb0 address 02:00:00:00:00:0b
nsx a ip addr add 192.168.77.1/24 dev ewa0
nsx b ip addr add 192.168.77.2/24 dev ewb0
ctl b addport client "$URL" >/dev/null || die "addport client"

check "b's log file gets the connected line" \
    wait_until 5 grep -q "connected: $URL" "$TMP/b.log"
check "b's line is '<asctime> INFO etherws connected: <url>'" \
    grep -qxE "$ASCTIME INFO etherws connected: ws://10\.9\.0\.1:8080/" \
    "$TMP/b.log"
check "b's tap line too" \
    grep -qxE "$ASCTIME INFO etherws connected: ewb0" "$TMP/b.log"
check_not "b's stderr has no log lines" grep -q 'connected' "$TMP/sw-b.log"
check "a's stderr: INFO:etherws:connected: <peer> (the default format)" \
    wait_until 5 grep -qx 'INFO:etherws:connected: 10.9.0.2' "$TMP/sw-a.log"

check "a's stderr: one ready line that says where it listens" grep -qx \
    "INFO:etherws:etherws [^ ]* ready: tunnels on ws://10.9.0.1:8080/, control on http://127.0.0.1:7867/ctl" \
    "$TMP/sw-a.log"
check "b's log file: the ready line (every address: *)" grep -qxE \
    "$ASCTIME INFO etherws etherws [^ ]+ ready: tunnels on ws://\\*:80/, control on http://127\\.0\\.0\\.1:7867/ctl" \
    "$TMP/b.log"
check "ping across the tunnel" nsx a ping -c 3 -i 0.2 -W 2 -q 192.168.77.2
check "--debug: fdb learned on the tap port" grep -qx \
    'DEBUG:etherws:fdb learned: port:1; vid:0; mac:02000000000a' \
    "$TMP/sw-a.log"
check "--debug: fdb learned on the server port" grep -qx \
    'DEBUG:etherws:fdb learned: port:2; vid:0; mac:02000000000b' \
    "$TMP/sw-a.log"
check "--debug: sent lines" grep -qE \
    '^DEBUG:etherws:sent: port:[0-9,]+; vid:0; [0-9a-f]{12} -> [0-9a-f]{12}$' \
    "$TMP/sw-a.log"
check_not "no DEBUG lines without --debug" grep -q DEBUG "$TMP/b.log"

# Log rotation: move the file away, SIGHUP, the next lines go to a new one.
mv "$TMP/b.log" "$TMP/b.log.1"
kill -HUP "$SWPID_b"
check "SIGHUP: a new log file appears" wait_until 3 test -e "$TMP/b.log"
check "SIGHUP: b keeps running" kill -0 "$SWPID_b"
# a drops its server port: b's client port goes down (and reconnects).
ctl a delport 2 >/dev/null || not_ok "delport server port on a"
check "the disconnected line goes to the new file" \
    wait_until 5 grep -qxE "$ASCTIME INFO etherws disconnected: ws://10\.9\.0\.1:8080/" \
    "$TMP/b.log"
check "the reconnection too" wait_until 10 grep -qxE \
    "$ASCTIME INFO etherws connected: ws://10\.9\.0\.1:8080/" "$TMP/b.log"
check_not "the moved file gets nothing more" grep -q disconnected \
    "$TMP/b.log.1"

# Detached with a FileHandler named relative to the start directory.
mkdir "$TMP/cdir"
logconf "$TMP/cdir/c.conf" c.log FileHandler '%(levelname)s %(message)s'
(cd "$TMP/cdir" && ip netns exec "$PFX-c" "$ETHERWS" sw --logconf c.conf \
    --pidfile "$TMP/c.pid" >"$TMP/sw-c.out" 2>&1)
check_eq "detached start exits 0" 0 $?
CPID=$(cat "$TMP/c.pid" 2>/dev/null)
[ -n "$CPID" ] && track_pid "$CPID"
ctl c addport tap 'ewc%d' >/dev/null || not_ok "addport tap c"
check "detached: the file in the start directory gets the lines" \
    wait_until 5 grep -qx 'INFO connected: ewc0' "$TMP/cdir/c.log"
check_not "detached: no c.log in /" test -e /c.log
[ -n "$CPID" ] && kill -TERM "$CPID"
check "detached: shutting down is logged" \
    wait_until 5 grep -qx 'INFO shutting down' "$TMP/cdir/c.log"
check_eq "detached: nothing on the launcher's stderr" "" \
    "$(cat "$TMP/sw-c.out")"

# syslog.  The switch runs in a mount namespace of its own whose /dev is
# a tmpfs with the few nodes it needs and "log" our listener's socket:
# the host may have no syslog daemon, and its own must get no test lines.
syslog_listen() {	# start the listener on $TMP/log.sock (bounded: 60 s)
	rm -f "$TMP/log.sock"
	$PY - "$TMP/log.sock" "$TMP/syslog.txt" <<'PYEOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(1)
end = time.time() + 60
with open(sys.argv[2], "a", buffering=1) as f:
    while time.time() < end:
        try:
            d = s.recv(65536)
        except socket.timeout:
            continue
        f.write(d.decode("utf-8", "replace") + "\n")
PYEOF
	SLPID=$!
	track_pid $SLPID
	wait_until 5 test -S "$TMP/log.sock"
}
syslog_sw() {	# ARGS...: sw --foreground ARGS in namespace d, /dev/log ours
	unshare -m --propagation private sh -c '
	    t=$1; shift
	    mkdir -p "$t/dev.real" && mount --bind /dev "$t/dev.real" &&
	    mount -t tmpfs none /dev || exit 1
	    for n in null zero random urandom; do
		ln -s "$t/dev.real/$n" "/dev/$n"
	    done
	    mkdir /dev/net && ln -s "$t/dev.real/net/tun" /dev/net/tun &&
	    ln -s "$t/log.sock" /dev/log && exec "$@"' sh "$TMP" \
	    ip netns exec "$PFX-d" "$ETHERWS" sw --foreground "$@" \
	    >>"$TMP/sw-d.log" 2>&1 &
	SLSW=$!
	track_pid $SLSW
	wait_until 5 nsx d "$ETHERWS" ctl listport ||
	    { cat "$TMP/sw-d.log"; die "sw in d did not start"; }
}
SYSTIME='[A-Z][a-z]{2} [ 123][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}'
ns d
syslog_listen || die "syslog listener"
syslog_sw --syslog
ctl d addport tap 'ewd%d' >/dev/null || not_ok "addport tap d"
# LOG_DAEMON (3 << 3) | LOG_INFO (6) = 30
check "--syslog: '<30><date> etherws[pid]: connected: ewd0'" wait_until 5 \
    grep -qxE "<30>$SYSTIME etherws\\[$SLSW\\]: connected: ewd0" \
    "$TMP/syslog.txt"
check_eq "--syslog: nothing on stderr" "" "$(cat "$TMP/sw-d.log")"
# the daemon goes away and comes back: lines reach the new one
kill -TERM "$SLPID"; wait_exit 5 "$SLPID"
ctl d addport tap 'ewd%d' >/dev/null || not_ok "addport tap d (no daemon)"
check "--syslog: no daemon, the switch carries on" kill -0 "$SLSW"
syslog_listen || die "syslog listener again"
ctl d addport tap 'ewd%d' >/dev/null || not_ok "addport tap d (daemon back)"
check "--syslog: reconnected to a restarted daemon" wait_until 5 \
    grep -qxE "<30>$SYSTIME etherws\\[$SLSW\\]: connected: ewd2" \
    "$TMP/syslog.txt"
kill -TERM "$SLSW"; wait_exit 5 "$SLSW"
check "--syslog: shutting down" wait_until 5 \
    grep -qxE "<30>$SYSTIME etherws\\[$SLSW\\]: shutting down" "$TMP/syslog.txt"

# a SysLogHandler: its facility, and the formatter's text
logconf "$TMP/sl.conf" "" handlers.SysLogHandler '%(levelname)s %(message)s' \
    "('/dev/log', handlers.SysLogHandler.LOG_LOCAL3)"
: >"$TMP/syslog.txt"
syslog_sw --logconf "$TMP/sl.conf"
ctl d addport tap 'ewd%d' >/dev/null || not_ok "addport tap d (logconf)"
# LOG_LOCAL3 (19 << 3) | LOG_INFO (6) = 158; LOG_ERR (3): 155
check "SysLogHandler: '<158><date> etherws[pid]: INFO connected: ewd0'" \
    wait_until 5 grep -qxE \
    "<158>$SYSTIME etherws\\[$SLSW\\]: INFO connected: ewd0" "$TMP/syslog.txt"
ctl d delport 99 >/dev/null 2>&1
check "SysLogHandler: an error is LOG_ERR" wait_until 5 \
    grep -qE "^<155>$SYSTIME etherws\\[$SLSW\\]: ERROR " "$TMP/syslog.txt"
done_testing
