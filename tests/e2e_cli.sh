#!/bin/bash
# tests/e2e_cli.sh - the "etherws sw" command line:
# start-up errors with their exact stderr and exit statuses, the check
# order, option prefixes, help, bind errors, detaching, and one listener
# shared by the tunnel and control paths.
#
# Every sw runs inside a namespace this test made (under timeout), so a
# check that wrongly passes binds nothing outside and cannot linger.
# Local helpers (not in lib.sh): run (captures out/err/rc), expect_err /
# expect_usage / expect_help, tap_in.  lib.sh's cleanup also ends whatever
# "ip netns pids" lists for our namespaces (only processes we started).
# Background processes are started with "ip netns exec"
# directly (not nsx) so that $! is the process itself.
. "$(dirname "$0")/lib.sh"
need python3


ns c
C=$PFX-c

# run [timeout] -- ARGS...: etherws ARGS in namespace c, cwd $TMP/cwd;
# stdout, stderr, status -> $TMP/out, $TMP/err, $rc
mkdir "$TMP/cwd"
run() {
	(cd "$TMP/cwd" && timeout 5 ip netns exec "$C" "$ETHERWS" "$@" \
	    >"$TMP/out" 2>"$TMP/err" </dev/null)
	rc=$?
}
expect_rc() {
	if [ "$rc" -eq "$2" ]; then ok "$1: exit $2"; else
		not_ok "$1: exit $rc, wanted $2"; sed 's/^/#   stderr: /' "$TMP/err"
	fi
}
# expect_err DESC STATUS TEXT: exit STATUS, stderr exactly the line
# "etherws sw: error: TEXT", nothing on stdout
expect_err() {
	expect_rc "$1" "$2"
	printf 'etherws sw: error: %s\n' "$3" >"$TMP/exp"
	if cmp -s "$TMP/exp" "$TMP/err"; then ok "$1: stderr"; else
		not_ok "$1: stderr"; diff -u "$TMP/exp" "$TMP/err" | sed 's/^/#   /'
	fi
	check "$1: stdout empty" test ! -s "$TMP/out"
}
# expect_usage DESC PROG [TEXT]: exit 2, stderr "PROG: error: TEXT" (any
# text if none is given) and the line that points to -h: no usage dump
expect_usage() {
	expect_rc "$1" 2
	if [ "$(wc -l <"$TMP/err")" -eq 2 ] &&
	    head -n 1 "$TMP/err" | grep -qF "$2: error: ${3:-}" &&
	    { [ -z "${3:-}" ] || [ "$(head -n 1 "$TMP/err")" = "$2: error: $3" ]; } &&
	    [ "$(tail -n 1 "$TMP/err")" = "'$2 -h' lists what it takes." ]; then
		ok "$1: '$2: error: ${3:-...}', then where the usage is"
	else
		not_ok "$1: '$2: error: ${3:-...}', then where the usage is"
		sed 's/^/#   /' "$TMP/err"
	fi
	check "$1: stdout empty" test ! -s "$TMP/out"
}
# expect_help DESC PROG: exit 0, usage on stdout, stderr empty
expect_help() {
	if [ "$rc" -eq 0 ] && head -n 1 "$TMP/out" | grep -q "^usage: $2" &&
	    [ ! -s "$TMP/err" ]; then
		ok "$1: exit 0, usage on stdout"
	else
		not_ok "$1: exit $rc, wanted 0 and usage on stdout"
		sed 's/^/#   /' "$TMP/out" "$TMP/err"
	fi
}

# q COMMAND...: run quietly (for check)
q() { "$@" >/dev/null 2>&1; }
touch "$TMP/k" "$TMP/c"

# --- value errors: exit 2 ---------------------------------------------
run sw --ageout 0
expect_err "--ageout 0" 2 "invalid --ageout 0: must be 1..31536000 (seconds)"
run sw --ageout=-5
expect_err "--ageout=-5" 2 "invalid --ageout -5: must be 1..31536000 (seconds)"
run sw --keepalive -1
expect_err "--keepalive -1" 2 "invalid --keepalive -1: must be 0..86400 (seconds; 0 is off)"
# The attack: seconds whose milliseconds wrap a uint64_t (this one
# became an ageout of 384 ms), and the bounds just past the maxima.
run sw --ageout 18446744073709552
expect_err "--ageout 18446744073709552 (ms wrap)" 2 \
    "invalid --ageout 18446744073709552: must be 1..31536000 (seconds)"
run sw --keepalive 18446744073709552
expect_err "--keepalive 18446744073709552 (ms wrap)" 2 \
    "invalid --keepalive 18446744073709552: must be 0..86400 (seconds; 0 is off)"
run sw --ageout 31536001
expect_err "--ageout over a year" 2 \
    "invalid --ageout 31536001: must be 1..31536000 (seconds)"
run sw --keepalive 86401
expect_err "--keepalive over a day" 2 \
    "invalid --keepalive 86401: must be 0..86400 (seconds; 0 is off)"
run sw --path x
expect_err "--path x" 2 "invalid --path x: must start with /"
run sw --ctlpath ctl
expect_err "--ctlpath ctl" 2 "invalid --ctlpath ctl: must start with /"
run sw --port 70000
expect_err "--port 70000" 2 "invalid --port 70000: must be 0..65535"
run sw --port=65536
expect_err "--port=65536" 2 "invalid --port 65536: must be 0..65535"
run sw --port -1
expect_err "--port -1" 2 "invalid --port -1: must be 0..65535"
run sw --ctlport 99999
expect_err "--ctlport 99999" 2 "invalid --ctlport 99999: must be 0..65535"
run sw --sslkey "$TMP/k"
expect_err "--sslkey alone" 2 "--sslkey needs --sslcert (give both or neither)"
run sw --sslcert "$TMP/c"
expect_err "--sslcert alone" 2 "--sslcert needs --sslkey (give both or neither)"
run sw --ctlsslcert "$TMP/c"
expect_err "--ctlsslcert alone" 2 \
    "--ctlsslcert needs --ctlsslkey (give both or neither)"
run sw --port 8000 --ctlport 8000 --host 127.0.0.1 --ctlhost 127.0.0.1 \
    --path /ctl
expect_err "same port, host and path" 2 \
    "--path and --ctlpath must differ when one listener serves both (--host and --port equal to --ctlhost and --ctlport); both are /ctl"
run sw --port 8000 --ctlport 8000 --host 127.0.0.1 --ctlhost 127.0.0.1 \
    --sslkey "$TMP/k" --sslcert "$TMP/c"
expect_err "shared listener, TLS on one side only" 2 \
    "--sslkey and --ctlsslkey must be the same when one listener serves both paths (--host and --port equal to --ctlhost and --ctlport)"

# --- file errors: exit 1 ----------------------------------------------
run sw --htpasswd /nonexistent
expect_err "--htpasswd /nonexistent" 1 \
    "cannot open --htpasswd /nonexistent: No such file or directory"
run sw --ctlhtpasswd nosuch
expect_err "relative --ctlhtpasswd made absolute" 1 \
    "cannot open --ctlhtpasswd $TMP/cwd/nosuch: No such file or directory"
run sw --sslkey "$TMP/k" --sslcert /nonexistent/c
expect_err "--sslcert missing" 1 \
    "cannot open --sslcert /nonexistent/c: No such file or directory"
# A FIFO as a file option: refused at once (the open used to block).
mkfifo "$TMP/fifo"
run sw --htpasswd "$TMP/fifo"
expect_err "--htpasswd FIFO: refused, not opened" 1 \
    "cannot open --htpasswd $TMP/fifo: not a regular file"

# --- check order: syntax, ageout, keepalive, files, paths, TLS, ports ---
run sw --keepalive -1 --ageout 0
expect_err "ageout before keepalive" 2 "invalid --ageout 0: must be 1..31536000 (seconds)"
run sw --htpasswd /nonexistent --keepalive -1
expect_err "keepalive before files" 2 "invalid --keepalive -1: must be 0..86400 (seconds; 0 is off)"
run sw --path x --htpasswd /nonexistent
expect_err "files before paths" 1 \
    "cannot open --htpasswd /nonexistent: No such file or directory"
run sw --port 70000 --sslkey "$TMP/k" --path x
expect_err "paths before TLS pairs and ports" 2 "invalid --path x: must start with /"
run sw --port 70000 --sslkey "$TMP/k"
expect_err "TLS pairs before ports" 2 \
    "--sslkey needs --sslcert (give both or neither)"
run sw --ageout x --path x
expect_usage "syntax errors first" "etherws sw"

# --- syntax errors: exit 2, usage -------------------------------------
run sw --bogus
expect_usage "unknown option" "etherws sw" "unknown option --bogus"
run sw --forground
expect_usage "a mistyped option: the nearest suggested" "etherws sw" \
    "unknown option --forground (did you mean --foreground?)"
run sw --ageout x
expect_usage "--ageout x" "etherws sw" "invalid --ageout x: not a whole number"
run sw --port 8o
expect_usage "--port 8o" "etherws sw" "invalid --port 8o: not a whole number"
run sw --ctlp 1
expect_usage "--ctlp: ambiguous (ctlpath/ctlport)" "etherws sw" \
    "ambiguous option --ctlp: --ctlpath or --ctlport?"
run sw --port
expect_usage "--port without a value" "etherws sw" "--port needs a value"
run sw --foreground=1
expect_usage "--foreground=1" "etherws sw" \
    "--foreground takes no value (got '1')"
run sw extra
expect_usage "extra argument" "etherws sw" \
    "unexpected argument extra (sw takes only options)"
run
check_eq "etherws alone: exit 2" 2 "$rc"
check_eq "etherws alone: names the commands" \
    "$(printf '%s\n' "etherws: error: a command is needed: sw (run the switch) or ctl (control it)" "'etherws -h' says more.")" \
    "$(cat "$TMP/err")"
run bogus
check_eq "unknown sub-command: exit 2" 2 "$rc"
check_eq "unknown sub-command: names it and the commands" \
    "$(printf '%s\n' "etherws: error: unknown command 'bogus': sw (run the switch) or ctl (control it)" "'etherws -h' says more.")" \
    "$(cat "$TMP/err")"

# --- help: exit 0, stdout ---------------------------------------------
run -h; expect_help "etherws -h" "etherws"
run --help; expect_help "etherws --help" "etherws"
run sw -h; expect_help "etherws sw -h" "etherws sw"
run sw --help; expect_help "etherws sw --help" "etherws sw"
run sw --he; expect_help "etherws sw --he (prefix)" "etherws sw"
run ctl -h; expect_help "etherws ctl -h" "etherws ctl"

# --- prefixes: --fore is --foreground; --ctlpo, --ag= -------------------
ip netns exec "$C" "$ETHERWS" sw --fore --ctlpo 7870 --ag=60 --keep 0 --host 127.0.0.1 \
    --port 8010 >"$TMP/fore.log" 2>&1 &
FPID=$!
track_pid $FPID
check "--fore --ctlpo 7870: control answers on 7870" wait_until 5 \
    nsx c "$ETHERWS" ctl --ctlurl http://127.0.0.1:7870/ctl listport
check "--fore: still running in the foreground (same PID)" kill -0 $FPID

# --- bind errors: exit 1 ----------------------------------------------
run sw --foreground --host 127.0.0.1 --port 8010 --ctlport 7871
expect_err "second switch on the same tunnel port" 1 \
    "cannot listen on 127.0.0.1:8010: Address already in use (the tunnel endpoint: --host, --port)"
run sw --foreground --host 127.0.0.1 --port 8011 --ctlport 7870
expect_err "second switch on the same control port" 1 \
    "cannot listen on 127.0.0.1:7870: Address already in use (the control endpoint: --ctlhost, --ctlport)"
check "the first switch is unharmed" \
    q nsx c "$ETHERWS" ctl --ctlurl http://127.0.0.1:7870/ctl listport
kill -TERM $FPID
check "SIGTERM: foreground switch exits" wait_until 4 sh -c "! kill -0 $FPID"
wait $FPID 2>/dev/null
check_eq "SIGTERM: exit status 0" 0 $?
check "SIGTERM: 'shutting down' logged" \
    grep -q '^INFO:etherws:shutting down$' "$TMP/fore.log"

# --- detach: the first process returns once ready; --pidfile -----------
run sw --host 127.0.0.1 --port 8012 --ctlport 7872 --pidfile "$TMP/sw.pid"
expect_rc "detached start" 0
DPID=$(cat "$TMP/sw.pid" 2>/dev/null)
[ -n "$DPID" ] && track_pid "$DPID"
check "pidfile holds a live PID" kill -0 "${DPID:-0}"
check "pidfile is 'PID\\n'" sh -c "printf '%s\\n' '$DPID' | cmp -s - '$TMP/sw.pid'"
check "control answers at once after the parent returned" \
    q nsx c "$ETHERWS" ctl --ctlurl http://127.0.0.1:7872/ctl listport
[ -n "$DPID" ] && kill -TERM "$DPID"
check "detached daemon exits on SIGTERM" wait_until 4 \
    sh -c "! kill -0 ${DPID:-0} 2>/dev/null"
check "pidfile removed on clean exit" wait_until 1 test ! -e "$TMP/sw.pid"
run sw --host 127.0.0.1 --port 8013 --ctlport 7873 --pidfile /nonexistent/x.pid
expect_err "unwritable pidfile, detached: the error, exit 1" 1 \
    "cannot write --pidfile /nonexistent/x.pid: No such file or directory"
run sw --foreground --host 127.0.0.1 --port 8013 --ctlport 7873 \
    --pidfile /nonexistent/x.pid
expect_err "unwritable pidfile, foreground: the error, exit 1" 1 \
    "cannot write --pidfile /nonexistent/x.pid: No such file or directory"

# The attack: a symbolic link planted as the pidfile, pointing at a file
# root must not overwrite; and a second hard link to such a file.
echo precious >"$TMP/victim"
ln -s "$TMP/victim" "$TMP/link.pid"
run sw --host 127.0.0.1 --port 8013 --ctlport 7873 --pidfile "$TMP/link.pid"
expect_err "pidfile is a symlink: refused" 1 \
    "cannot write --pidfile $TMP/link.pid: a symbolic link (refused: name the file itself)"
check_eq "pidfile symlink: its target is untouched" precious \
    "$(cat "$TMP/victim")"
ln "$TMP/victim" "$TMP/hard.pid"
run sw --host 127.0.0.1 --port 8013 --ctlport 7873 --pidfile "$TMP/hard.pid"
expect_err "pidfile is a second hard link: refused" 1 \
    "cannot write --pidfile $TMP/hard.pid: not a regular file with one link (refused: remove it)"
check_eq "pidfile hard link: the file is untouched" precious \
    "$(cat "$TMP/victim")"
rm -f "$TMP/hard.pid"
# The attack: another user makes the pidfile first, 0666, in a sticky
# directory (as in /tmp) and would rewrite it once the switch has written
# its pid there.  The sticky directory is nobody's own, so that a kernel
# with fs.protected_regular does not refuse the open before sw looks.
mkdir -m 1777 "$TMP/sticky" && chown nobody "$TMP/sticky"
: >"$TMP/sticky/sw.pid"
chown nobody "$TMP/sticky/sw.pid" && chmod 0666 "$TMP/sticky/sw.pid"
run sw --host 127.0.0.1 --port 8013 --ctlport 7873 \
    --pidfile "$TMP/sticky/sw.pid"
expect_err "pidfile owned by another user: refused" 1 \
    "cannot write --pidfile $TMP/sticky/sw.pid: owned by uid $(id -u nobody), not by this user (refused: remove it)"
check "pidfile owned by another user: left empty" \
    test ! -s "$TMP/sticky/sw.pid"

# A relative --pidfile is taken from the working directory at start
# (the daemon's is /), and removed from there at exit.
run sw --host 127.0.0.1 --port 8014 --ctlport 7874 --pidfile rel.pid
expect_rc "detached start, relative pidfile" 0
DPID=$(cat "$TMP/cwd/rel.pid" 2>/dev/null)
[ -n "$DPID" ] && track_pid "$DPID"
check "relative pidfile lands in the start directory" \
    eval '[ -n "$DPID" ] && kill -0 "$DPID"'
check_not "nothing written to /rel.pid" test -e /rel.pid
# (a daemon that did write there: its pid, tracked; the file removed)
if [ -f /rel.pid ] && ip netns pids "$C" | grep -qx "$(cat /rel.pid)"; then
	DPID=$(cat /rel.pid); track_pid "$DPID"; rm -f /rel.pid
fi
[ -n "$DPID" ] && kill -TERM "$DPID"
check "relative pidfile removed on clean exit" wait_until 4 \
    test ! -e "$TMP/cwd/rel.pid"

# --- one listener for both paths ---------------------------------------
ip netns exec "$C" "$ETHERWS" sw --foreground --port 8000 --ctlport 8000 \
    --host 127.0.0.1 --ctlhost 127.0.0.1 >"$TMP/shared.log" 2>&1 &
track_pid $!
SH=http://127.0.0.1:8000/ctl
check "shared 127.0.0.1:8000: ctl --ctlurl $SH works" wait_until 5 \
    nsx c "$ETHERWS" ctl --ctlurl $SH listport
cat >"$TMP/shared.py" <<'EOF'
import base64, hashlib, socket, sys, time

def ok(c, d, got=None):
    print(("ok - " if c else "not ok - ") + d)
    if not c and got is not None:
        print("#   got: %r" % (got,))

def exchange(data, keep=False):
    s = socket.create_connection(("127.0.0.1", 8000), 5)
    s.sendall(data)
    r = b""
    while b"\r\n\r\n" not in r:
        d = s.recv(4096)
        if not d:
            break
        r += d
    if keep:
        return s, r
    s.close()
    return None, r

key = b"dGhlIHNhbXBsZSBub25jZQ=="
acc = base64.b64encode(hashlib.sha1(
    key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
s, r = exchange(b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n"
                b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Key: " + key + b"\r\n"
                b"Sec-WebSocket-Version: 13\r\n\r\n", keep=True)
ok(r == b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
   b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + acc + b"\r\n\r\n",
   "shared port: WebSocket upgrade on / -> exact 101", r)
sys.stdout.flush()
# hold the tunnel while the shell looks at listport
sys.stdin.readline()
s.close()
_, r = exchange(b"GET /ctl HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n")
ok(r.startswith(b"HTTP/1.1 405 ") and b"\r\nAllow: POST\r\n" in r,
   "shared port: GET /ctl -> 405 Allow: POST", r)
_, r = exchange(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
ok(r.startswith(b"HTTP/1.1 405 ") and b"\r\nAllow: GET\r\n" in r,
   "shared port: POST / -> 405 Allow: GET", r)
_, r = exchange(b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n")
ok(r.startswith(b"HTTP/1.1 404 "), "shared port: /x -> 404", r)
print("ok - shared.py ran to the end")
EOF
tap_in() {
	local l
	while IFS= read -r l; do
		case $l in
		"ok - "*) ok "${l#ok - }" ;;
		"not ok - "*) not_ok "${l#not ok - }" ;;
		*) echo "$l" ;;
		esac
	done
}
mkfifo "$TMP/go"
ip netns exec "$C" timeout 20 $PY "$TMP/shared.py" <"$TMP/go" >"$TMP/shared.out" 2>&1 &
track_pid $!
SPY=$!
exec 7>"$TMP/go"
wait_until 5 grep -q '101' "$TMP/shared.out"
check "shared port: the tunnel is a server port" wait_until 3 sh -c \
    "ip netns exec $C $ETHERWS ctl --ctlurl $SH listport | grep -qE '^  1 +server +up '"
echo >&7; exec 7>&-
wait $SPY
tap_in <"$TMP/shared.out"
grep -qx 'ok - shared.py ran to the end' "$TMP/shared.out" ||
    not_ok "shared.py stopped early"
check "shared port: control still answers" \
    q nsx c "$ETHERWS" ctl --ctlurl $SH listport
# --- range checks name the limit -------------------------------------
run sw --queue 100
expect_err "--queue 100" 2 "invalid --queue 100: must be 65536..1073741824"
run sw --maxconn 0
expect_err "--maxconn 0" 2 "invalid --maxconn 0: must be 1..1000000"

# --- an address the namespace lacks; a loopback that is down ----------
run sw --foreground --ctlhost 10.1.2.3
expect_err "--ctlhost not on this host" 1 \
    "cannot listen on 10.1.2.3:7867: Cannot assign requested address (the control endpoint: --ctlhost, --ctlport)"
ip netns add "$PFX-d" || die "ip netns add $PFX-d"
NSS="$NSS $PFX-d"
timeout 5 ip netns exec "$PFX-d" "$ETHERWS" ctl listport >"$TMP/out" \
    2>"$TMP/err" </dev/null
rc=$?
expect_rc "ctl, loopback down" 1
printf '%s\n' 'etherws ctl: error: cannot connect to http://127.0.0.1:7867/ctl: Network is unreachable (is the loopback interface up? ip link set lo up)' >"$TMP/exp"
check "ctl, loopback down: says so" cmp -s "$TMP/exp" "$TMP/err"

# --- help describes every option --------------------------------------
run sw -h
for o in debug logconf syslog pidfile foreground ageout keepalive path \
    host port htpasswd sslkey sslcert ctlpath ctlhost ctlport ctlhtpasswd \
    ctlsslkey ctlsslcert stormlimit maxconn ctlmaxconn queue fdbmax fdbportmax \
    nooffload; do
	check "sw -h describes --$o" eval "grep -qE '^  --$o( [A-Z]+)? +[A-Za-z(]' \
	    '$TMP/out' || grep -A1 -E '^  --$o( [A-Z]+)?\$' '$TMP/out' |
	    grep -qE '^ {20,}[A-Za-z(]'"
done
run ctl -h
for o in ctlurl ctluser ctlpasswd ctlsslcert ctlinsecure; do
	check "ctl -h describes --$o" \
	    grep -qE "^  --$o( [A-Z]+)? *([A-Za-z(]|\$)" "$TMP/out"
done
run ctl addport client -h
for o in user passwd cacerts insecure pin; do
	check "ctl addport client -h describes --$o" \
	    grep -qE "^  --$o( [A-Za-z0-9/]+)?  +[a-zA-Z]" "$TMP/out"
done
run ctl setif -h
for o in address netmask mtu; do
	check "ctl setif -h describes --$o" \
	    grep -qE "^  --$o [A-Z]+  +[a-zA-Z]" "$TMP/out"
done
run ctl setport -h
check "ctl setport -h describes --shut" \
    grep -qE "^  --shut \{0,1\}  +[0-9a-zA-Z]" "$TMP/out"
done_testing
