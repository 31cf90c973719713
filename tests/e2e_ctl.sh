#!/bin/bash
# tests/e2e_ctl.sh - "etherws ctl" against a stub control server
# (tests/ctl_stub.py, on 127.0.0.1): tables byte for byte as etherws 1.3
# prints them, the JSON-RPC requests it sends (the bytes etherws 1.3
# sends), exit statuses, client-side checks and prompts.
# Binary: $ETHERWS (default ./etherws).  Harness: lib.sh.
# Local helpers (not in lib.sh): run_ctl / run_ctl_stdin (capture out,
# err, rc), expect_file / expect_rc / expect_body / expect_err ...,
# client_check, usage.
. "$(dirname "$0")/lib.sh"
need python3

T=$TMP
mkdir "$T/req"
$PY tests/ctl_stub.py "$T/port" "$T/req" &
track_pid $!
wait_until 10 test -s "$T/port" || die "stub server did not start"
PORT=$(cat "$T/port")
BASE=http://127.0.0.1:$PORT
URL=$BASE/ctl

# run_ctl ARGS...: run with stdin from /dev/null, into $T/out, $T/err,
# $rc.  Each run starts with an empty request directory.
run_ctl() {
	rm -f "$T"/req/*
	timeout 40 "$ETHERWS" ctl "$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
}
# run_ctl_stdin FILE ARGS...: the same without a controlling tty, stdin FILE.
run_ctl_stdin() {
	f=$1
	shift
	rm -f "$T"/req/*
	timeout 40 setsid -w "$ETHERWS" ctl "$@" >"$T/out" 2>"$T/err" <"$f"
	rc=$?
}

# expect_file NAME FILE: $T/exp (written by the caller) equals FILE.
expect_file() {
	if cmp -s "$T/exp" "$2"; then
		ok "$1"
	else
		not_ok "$1"
		diff -u "$T/exp" "$2" | sed 's/^/#   /'
	fi
}
expect_rc() {
	if [ "$rc" -eq "$2" ]; then
		ok "$1: exit $2"
	else
		not_ok "$1: exit $rc, wanted $2"
		sed 's/^/#   stderr: /' "$T/err"
	fi
}
nreq() { ls "$T/req" | grep -c '\.body$'; }
# expect_body NAME JSON: one request was sent, with exactly this body and
# a matching Content-Length.
expect_body() {
	if [ "$(nreq)" -ne 1 ]; then
		not_ok "$1: $(nreq) requests sent, wanted 1"
		return
	fi
	printf '%s' "$2" >"$T/exp"
	expect_file "$1: body" "$T"/req/*.body
	len=$(wc -c <"$T/exp" | tr -d ' ')
	if grep -qx "Content-Length: $len" "$T"/req/*.head; then
		ok "$1: Content-Length $len"
	else
		not_ok "$1: Content-Length"
	fi
}
expect_nothing_sent() {
	if [ "$(nreq)" -eq 0 ]; then ok "$1: nothing sent"
	else not_ok "$1: a request was sent"; fi
}
# expect_err NAME TEXT: stderr is exactly "etherws ctl: error: TEXT".
# expect_check NAME PROG TEXT: exactly "PROG: error: TEXT" (a failed
# client-side check of sub-command PROG).
expect_err() {
	printf 'etherws ctl: error: %s\n' "$2" >"$T/exp"
	expect_file "$1: stderr" "$T/err"
}
expect_check() {
	printf '%s: error: %s\n' "$2" "$3" >"$T/exp"
	expect_file "$1: stderr" "$T/err"
}
expect_no_stdout() {
	if [ -s "$T/out" ]; then not_ok "$1: stdout not empty"
	else ok "$1: stdout empty"; fi
}
has_header() { grep -qx "$2" "$T"/req/*.head && ok "$1: $2" ||
    not_ok "$1: no header line '$2'"; }
lacks_header() { grep -qi "^$2" "$T"/req/*.head &&
    not_ok "$1: unexpected $2" || ok "$1: no $2"; }

PORTHEAD='  Port  Type  State  RX  TX  Target'
L=etherws.control

# --- listport: a table as etherws 1.3 prints it, request head ---------
run_ctl --ctlurl "$URL" listport
expect_rc listport 0
cat >"$T/exp" <<'EOF'
  Port  Type    State  RX  TX  Target         
  1     tap     up     10  4   ethws0         
  2     client  down   7   12  ws://10.0.0.10/
  3     server  shut   0   0   10.0.0.5:50468 
EOF
expect_file "listport table" "$T/out"
cp "$T/exp" "$T/listport.exp"
expect_body listport '{"jsonrpc": "2.0", "method": "'$L'.listPort", "id": 0}'
has_header listport "POST /ctl HTTP/1.1"
has_header listport "Host: 127.0.0.1:$PORT"
has_header listport "Content-Type: application/json"
has_header listport "Connection: close"
lacks_header listport "Authorization"

# --- listif, listfdb ---------------------------------------------------
run_ctl --ctlurl "$URL" listif
expect_rc listif 0
cat >"$T/exp" <<'EOF'
  Port  Type    Address     Netmask        MTU   Target
  1     tap     192.0.2.10  255.255.255.0  1500  ethws0
  4     netdev                             1500  vnet0 
EOF
expect_file "listif table" "$T/out"
expect_body listif '{"jsonrpc": "2.0", "method": "'$L'.listInterface", "id": 0}'

run_ctl --ctlurl "$URL" listfdb
expect_rc listfdb 0
cat >"$T/exp" <<'EOF'
  Port  VLAN  MAC                Age
  2     0     9a:21:6b:82:6d:2a  0  
  1     100   02:00:00:00:00:01  12 
EOF
expect_file "listfdb table (MAC lower-cased)" "$T/out"
expect_body listfdb '{"jsonrpc": "2.0", "method": "'$L'.listFdb", "id": 0}'

for c in listport listif listfdb; do
	run_ctl --ctlurl "$BASE/empty" $c
	expect_rc "$c empty" 0
	case $c in
	listport) echo "$PORTHEAD" ;;
	listif) echo '  Port  Type  Address  Netmask  MTU  Target' ;;
	listfdb) echo '  Port  VLAN  MAC  Age' ;;
	esac >"$T/exp"
	expect_file "$c empty: header only" "$T/out"
done

# Prefixes and --x=y forms; reply without Content-Length (read to EOF).
run_ctl --ctlur="$BASE/nolength" lis
expect_rc "prefix --ctlur=, ambiguous command prefix" 2
run_ctl --ctlur="$BASE/nolength" listport
expect_rc "reply without Content-Length" 0
cp "$T/listport.exp" "$T/exp"
expect_file "reply without Content-Length: table" "$T/out"

# --- addport ------------------------------------------------------------
run_ctl --ctlurl "$URL" addport tap ethws0
expect_rc "addport tap" 0
expect_body "addport tap" '{"jsonrpc": "2.0", "method": "'$L'.addPort", "id": 0, "params": {"type": "tap", "target": "ethws0", "options": {"user": null, "passwd": null, "cacerts": null, "insecure": null}}}'
cat >"$T/exp" <<'EOF'
  Port  Type  State  RX  TX  Target
  5     tap   up     0   0   ethws0
EOF
expect_file "addport tap: table (no state field)" "$T/out"

run_ctl --ctlurl "$URL" addport netdev eth0
expect_rc "addport netdev" 0
expect_body "addport netdev" '{"jsonrpc": "2.0", "method": "'$L'.addPort", "id": 0, "params": {"type": "netdev", "target": "eth0", "options": {"user": null, "passwd": null, "cacerts": null, "insecure": null}}}'

run_ctl --ctlurl "$URL" addport client "wss://[::1]:8443/p?q=1"
expect_rc "addport client" 0
expect_body "addport client" '{"jsonrpc": "2.0", "method": "'$L'.addPort", "id": 0, "params": {"type": "client", "target": "wss://[::1]:8443/p?q=1", "options": {"user": null, "passwd": null, "cacerts": null, "insecure": false}}}'
cat >"$T/exp" <<'EOF'
  Port  Type    State  RX  TX  Target                
  5     client  up     0   0   wss://[::1]:8443/p?q=1
EOF
expect_file "addport client: table (\\/ unescaped)" "$T/out"

run_ctl --ctlurl "$URL" addport client --user u --passwd 'p"w' --cacerts ca/x.pem \
    --insecure ws://h/
expect_rc "addport client options" 0
expect_body "addport client options" '{"jsonrpc": "2.0", "method": "'$L'.addPort", "id": 0, "params": {"type": "client", "target": "ws://h/", "options": {"user": "u", "passwd": "p\"w", "cacerts": "'"$PWD"'/ca/x.pem", "insecure": true}}}'

run_ctl --ctlurl "$URL" addport client --user '' --passwd '' ws://h/
expect_rc "addport client, empty user/passwd" 0
expect_body "addport client, empty user/passwd = absent" '{"jsonrpc": "2.0", "method": "'$L'.addPort", "id": 0, "params": {"type": "client", "target": "ws://h/", "options": {"user": null, "passwd": null, "cacerts": null, "insecure": false}}}'

# --- setport, delport, setif -------------------------------------------
run_ctl --ctlurl "$URL" setport --shut 1 3
expect_rc "setport --shut 1" 0
expect_body "setport --shut 1" '{"jsonrpc": "2.0", "method": "'$L'.setPort", "id": 0, "params": {"port": 3, "shut": 1}}'
cat >"$T/exp" <<'EOF'
  Port  Type    State  RX  TX  Target
  3     netdev  shut   0   0   eth1  
EOF
expect_file "setport --shut 1: table" "$T/out"

run_ctl --ctlurl "$URL" setport 3 --shut=0
expect_rc "setport, option after port" 0
expect_body "setport --shut=0" '{"jsonrpc": "2.0", "method": "'$L'.setPort", "id": 0, "params": {"port": 3, "shut": 0}}'
cat >"$T/exp" <<'EOF'
  Port  Type    State  RX  TX  Target
  3     netdev  down   0   0   eth1  
EOF
expect_file "setport --shut 0: table (state down)" "$T/out"

run_ctl --ctlurl "$URL" setport 7
expect_body "setport without --shut" '{"jsonrpc": "2.0", "method": "'$L'.setPort", "id": 0, "params": {"port": 7}}'

run_ctl --ctlurl "$URL" delport 2
expect_rc delport 0
expect_body delport '{"jsonrpc": "2.0", "method": "'$L'.delPort", "id": 0, "params": {"port": 2}}'
cat >"$T/exp" <<'EOF'
  Port  Type    State  RX  TX  Target                      
  2     client  up     0   0   wss://example.org:8443/x?y=1
EOF
expect_file "delport: table" "$T/out"

run_ctl --ctlurl "$URL" setif --address 192.0.2.10 --netmask 255.255.255.0 \
    --mtu 1500 1
expect_rc setif 0
expect_body setif '{"jsonrpc": "2.0", "method": "'$L'.setInterface", "id": 0, "params": {"port": 1, "address": "192.0.2.10", "netmask": "255.255.255.0", "mtu": 1500}}'
cat >"$T/exp" <<'EOF'
  Port  Type  Address     Netmask        MTU   Target
  1     tap   192.0.2.10  255.255.255.0  1500  tap0  
EOF
expect_file "setif: table" "$T/out"

run_ctl --ctlurl "$URL" setif --address '' --netmask 1.2.3 4
expect_rc "setif empty address, 1.2.3" 0
expect_body "setif empty address, 1.2.3" '{"jsonrpc": "2.0", "method": "'$L'.setInterface", "id": 0, "params": {"port": 4, "address": "", "netmask": "1.2.3"}}'

# --- error reply --------------------------------------------------------
run_ctl --ctlurl "$URL" setport 99
expect_rc "error reply" 1
printf '  Invalid params (-32602)\n    no port 99\n' >"$T/exp"
expect_file "error reply: stderr" "$T/err"
expect_no_stdout "error reply"

# --- authorization ------------------------------------------------------
run_ctl --ctlurl "$URL" --ctluser admin --ctlpasswd secret listport
expect_rc "--ctluser/--ctlpasswd" 0
has_header "--ctluser" "Authorization: Basic YWRtaW46c2VjcmV0"

run_ctl --ctlurl "$URL" --ctlpasswd secret listport
lacks_header "--ctlpasswd without --ctluser" "Authorization"

printf 'pw\n' >"$T/pw"
run_ctl_stdin "$T/pw" --ctlurl "$URL" --ctluser admin listport
expect_rc "Control Password prompt" 0
has_header "Control Password from stdin" "Authorization: Basic YWRtaW46cHc="
printf 'Control Password: ' >"$T/exp"
expect_file "Control Password prompt on stderr" "$T/err"

printf 'cpw\nctlpw' >"$T/pw2"
run_ctl_stdin "$T/pw2" --ctlurl "$URL" --ctluser admin --ctlpasswd= \
    addport client --user u ws://h/
expect_rc "Client and Control Password prompts" 0
has_header "Control Password, last line without newline" \
    "Authorization: Basic YWRtaW46Y3RscHc="
grep -q '"passwd": "cpw"' "$T"/req/*.body && ok "Client Password sent" ||
    not_ok "Client Password sent"
printf 'Client Password: Control Password: ' >"$T/exp"
expect_file "prompts in order" "$T/err"
if grep -q cpw "$T/out" "$T/err"; then not_ok "password not printed"
else ok "password not printed"; fi

run_ctl_stdin /dev/null --ctlurl "$URL" --ctluser admin listport
expect_rc "prompt EOF" 1
expect_nothing_sent "prompt EOF"

# --- transport errors ---------------------------------------------------
DEAD=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run_ctl --ctlurl "http://127.0.0.1:$DEAD/ctl" listport
expect_rc "connection refused" 1
expect_err "connection refused" \
    "cannot connect to http://127.0.0.1:$DEAD/ctl: Connection refused (is \`etherws sw\` running?)"

run_ctl --ctlurl "$BASE/e401" listport
expect_rc "HTTP 401" 1
expect_err "HTTP 401" "$BASE/e401 answered HTTP 401 Authorization Required (--ctluser and --ctlpasswd)"

run_ctl --ctlurl "$BASE/nojson" listport
expect_rc "not JSON" 1
expect_err "not JSON" "the reply is not JSON (is --ctlurl an etherws control endpoint?)"

run_ctl --ctlurl "ftp://127.0.0.1/ctl" listport
expect_rc "ftp URL" 2
expect_err "ftp URL" "invalid --ctlurl ftp://127.0.0.1/ctl: the control URL starts with http:// or https://"
run_ctl --ctlurl "https://127.0.0.1:$DEAD/ctl" listport
expect_rc "https URL without a server" 1
expect_err "https URL without a server" \
    "cannot connect to https://127.0.0.1:$DEAD/ctl: Connection refused (is \`etherws sw\` running?)"
run_ctl --ctlurl "$BASE/nosuchpath" listport
expect_rc "HTTP 404" 1
expect_err "HTTP 404" "$BASE/nosuchpath answered HTTP 404 Not Found (is the path the switch's --ctlpath?)"

# --- client-side checks: exit 2, nothing sent ---------------------------
client_check() {
	name=$1 prog=$2 text=$3
	shift 3
	run_ctl --ctlurl "$URL" "$@"
	expect_rc "$name" 2
	expect_check "$name" "etherws ctl $prog" "$text"
	expect_nothing_sent "$name"
	expect_no_stdout "$name"
}
client_check "setport 0" setport "invalid port 0: port numbers start at 1" \
    setport 0
client_check "setport -1" setport "invalid port -1: port numbers start at 1" \
    setport --shut 1 -1
client_check "delport 0" delport "invalid port 0: port numbers start at 1" \
    delport 0
client_check "setif port 0" setif "invalid port 0: port numbers start at 1" \
    setif --mtu 1500 0
client_check "setif MTU 100" setif "invalid --mtu 100: must be 576..65535" \
    setif --mtu 100 1
client_check "setif MTU 100000" setif \
    "invalid --mtu 100000: must be 576..65535" setif --mtu 100000 1
client_check "setif bad address" setif \
    "invalid --address 1.2.3.400: not an IPv4 address" \
    setif --address 1.2.3.400 1
client_check "setif bad netmask" setif \
    "invalid --netmask foo: not an IPv4 address" setif --netmask foo 1
client_check "client http URL" "addport client" \
    "invalid URL http://x: a client port's URL starts with ws:// or wss://" \
    addport client http://x
# A newcomer's bad URLs: named with the reason before anything is sent.
client_check "client URL port 99999" "addport client" \
    "invalid URL ws://127.0.0.1:99999/: the port must be a number 1..65535" \
    addport client ws://127.0.0.1:99999/
client_check "client URL port 0" "addport client" \
    "invalid URL ws://127.0.0.1:0/: the port must be a number 1..65535" \
    addport client ws://127.0.0.1:0/
client_check "client URL without host" "addport client" \
    "invalid URL ws:///: no host" addport client ws:///
client_check "client URL with user:password@" "addport client" \
    "invalid URL ws://u:p@x/: no user:password@ (give --user and --passwd)" \
    addport client ws://u:p@x/
run_ctl --ctlurl 127.0.0.1:7867 listport
expect_rc "--ctlurl without scheme" 2
expect_check "--ctlurl without scheme" "etherws ctl" \
    "invalid --ctlurl 127.0.0.1:7867: the control URL starts with http:// or https://"
expect_nothing_sent "--ctlurl without scheme"
run_ctl --ctlurl "http://127.0.0.1:99999/ctl" listport
expect_rc "--ctlurl port 99999" 2
expect_check "--ctlurl port 99999" "etherws ctl" \
    "invalid --ctlurl http://127.0.0.1:99999/ctl: the port must be a number 1..65535"
client_check "client passwd without user" "addport client" \
    "--passwd needs --user" addport client --passwd p ws://x/
client_check "client bad pin" "addport client" \
    "invalid --pin md5//x: must be sha256//BASE64 (the server key's SHA-256)" \
    addport client --pin md5//x ws://x/

# --- usage errors: exit 2, usage + error on stderr ----------------------
usage() {
	name=$1
	shift
	run_ctl --ctlurl "$URL" "$@"
	expect_rc "usage: $name" 2
	if [ "$(wc -l <"$T/err")" -eq 2 ] &&
	    head -n 1 "$T/err" | grep -q '^etherws ctl[a-z ]*: error: ' &&
	    tail -n 1 "$T/err" | grep -q "^'etherws ctl[a-z ]* -h' lists what it takes\.$"; then
		ok "usage: $name: message"
	else
		not_ok "usage: $name: message"
		sed 's/^/#   /' "$T/err"
	fi
	expect_nothing_sent "usage: $name"
	expect_no_stdout "usage: $name"
}
usage "no command"
usage "unknown command" bogus
usage "unknown global option" --bogus listport
usage "ambiguous --ctlu" --ctlu x listport
usage "global option after command" listport --ctluser x
usage "extra argument" listport x
usage "setport without port" setport
usage "setport --shut 2" setport --shut 2 1
usage "setport bad int" setport x
usage "setif bad mtu" setif --mtu x 1
usage "addport without type" addport
usage "addport bad type" addport server x
usage "addport tap --user" addport tap --user u t0
usage "addport client without URL" addport client --insecure
usage "--ctlinsecure=1" --ctlinsecure=1 listport

# --- usage errors in words, with a suggestion for a typo ----------------
usage_text() {
	name=$1 text=$2
	shift 2
	run_ctl --ctlurl "$URL" "$@"
	check_eq "usage: $name: the text" "$text" "$(head -n 1 "$T/err")"
}
usage_text "mistyped command" \
    "etherws ctl: error: unknown command 'lisport' (did you mean listport?)" lisport
usage_text "unknown port type" \
    "etherws ctl addport: error: unknown port type 'foo': netdev, tap or client" \
    addport foo x
usage_text "no command" "etherws ctl: error: a command is needed: addport, setport, delport, listport, showport, setif, listif, listfdb, dump or reload"
usage_text "setport without port" \
    "etherws ctl setport: error: missing argument: port" setport
usage_text "setport bad int" \
    "etherws ctl setport: error: invalid port x: not a whole number" setport x
usage_text "setport --shut 2" \
    "etherws ctl setport: error: invalid --shut 2: 0 (open) or 1 (shut)" \
    setport --shut 2 1
usage_text "mistyped option" \
    "etherws ctl: error: unknown option --ctlurll (did you mean --ctlurl?)" \
    --ctlurll x listport

# --- help: stdout, exit 0 -----------------------------------------------
for args in "-h" "--help" "--he" "listport -h" "setport --help" \
    "addport -h" "addport client --help" "setif -h"; do
	run_ctl $args
	if [ "$rc" -eq 0 ] && head -n 1 "$T/out" | grep -q '^usage: etherws ctl'
	then
		ok "help: ctl $args"
	else
		not_ok "help: ctl $args (exit $rc)"
	fi
done

done_testing
