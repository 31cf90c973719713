#!/bin/bash
# Basic auth: --htpasswd on the WebSocket endpoint
# (ws and wss), --ctlhtpasswd on the control endpoint, the exact 401
# replies, entries made by htpasswd's default ($apr1$), -B (bcrypt) and
# -s ({SHA}), the warning naming an entry no password can match (crypt
# DES, $6$), live re-reading of the file, password prompts of ctl, and
# no password or hash in logs or output.
. "$(dirname "$0")/lib.sh"
need python3 htpasswd openssl

E=$ETHERWS
PW='s3cr:et Pw-1'		# a ':' and a space: split at the first ':'
CPW='ctl-Pa55:word'
HT=$TMP/htpasswd; CHT=$TMP/ctlhtpasswd
OUT=$TMP/ctl.out		# every ctl output, searched for passwords
q() { "$@" >/dev/null 2>&1 || die "failed: $*"; }
q htpasswd -b -c "$HT" erin "$PW"		# line 1: $apr1$, the default
q htpasswd -b -B "$HT" bob "$PW"		# line 2: bcrypt
q htpasswd -b -s "$HT" alice "$PW"		# line 3: {SHA}
q htpasswd -b -d "$HT" gina "$PW"		# line 4: crypt(3) DES: never
# line 5: SHA-512 crypt (mkpasswd's default): never
echo 'hugo:$6$3EHSl0ytwpA/v.rp$B0ZB3czTkVt6bf1WrBMLUnWCthbyq0b3bFAkkgBB2i.eAzTRXxRBeAcpHtCLKVzwvcPvcOnWuFV3MMT2ABCSy0' >>"$HT"
q htpasswd -b -s -c "$CHT" admin "$CPW"
q openssl req -x509 -new -nodes -newkey rsa:2048 -days 30 -subj /CN=sw \
    -addext subjectAltName=IP:10.9.0.1 -keyout "$TMP/sw.key" -out "$TMP/sw.crt"

ns a; ns b
link a b 10.9.0.1 10.9.0.2
listening() { [ -n "$(nsx "$1" ss -Hltn "sport = :$2")" ]; }
# swx NS CTLPORT ARGS...: one more switch in NS, control on CTLPORT
swx() {
	local n=$1 cp=$2; shift 2
	ip netns exec "$PFX-$n" "$E" sw --foreground --debug --ctlport "$cp" \
	    "$@" >>"$TMP/sw-$n-$cp.log" 2>&1 &
	track_pid $!
	wait_until 5 listening "$n" "$cp" ||
	    { cat "$TMP/sw-$n-$cp.log"; die "sw $n:$cp did not start"; }
}
sw a --debug --port 8080 --htpasswd "$HT"
swx a 7868 --port 8081 --ctlhtpasswd "$CHT"
swx a 7869 --port 8443 --htpasswd "$HT" --sslkey "$TMP/sw.key" --sslcert "$TMP/sw.crt"
sw b --debug
ctl a addport tap 'ewa%d' >/dev/null || die "tap a"
ctl b addport tap 'ewb%d' >/dev/null || die "tap b"
nsx a ip addr add 192.168.77.1/24 dev ewa0
nsx b ip addr add 192.168.77.2/24 dev ewb0

count() { ctl "$1" listport | grep -c " $2 "; }
# rc_has RC WHAT CMD...: CMD exits RC and its stderr has WHAT
rc_has() {
	local rc=$1 what=$2 out r; shift 2
	out=$("$@" 2>&1 >>"$OUT"); r=$?; echo "$out" >>"$OUT"
	[ $r -eq "$rc" ] && grep -qF -- "$what" <<<"$out" && return 0
	echo "    rc=$r: $out"; return 1
}
# rc_is STATUS TEXT CMD...: CMD exits STATUS, its stderr exactly TEXT
rc_is() {
	local rc=$1 what=$2 out r; shift 2
	out=$("$@" 2>&1 >>"$OUT"); r=$?; echo "$out" >>"$OUT"
	[ $r -eq "$rc" ] && [ "$out" = "$what" ] && return 0
	echo "    rc=$r: $out"; return 1
}
# add_ok ARGS...: addport client on b succeeds; the port is deleted after
add_ok() {
	local p
	p=$(ctl b addport client "$@" 2>>"$OUT" | tee -a "$OUT" |
	    awk 'NR == 2 { print $1 }')
	[ -n "$p" ] && ctl b delport "$p" >>"$OUT"
}

# ---- WebSocket endpoint ------------------------------------------------
out=$(ctl b addport client --user alice --passwd "$PW" ws://10.9.0.1:8080/)
check "right credentials connect" [ $? -eq 0 ]
echo "$out" >>"$OUT"
check "ping through the authenticated tunnel" \
    nsx a ping -c 3 -i 0.2 -W 2 -q 192.168.77.2
na=$(count a server); nb=$(count b client)
check "wrong user: 401" rc_has 1 "answered HTTP 401 Unauthorized instead of 101 Switching Protocols (--user, --passwd)" \
    ctl b addport client --user mallory --passwd "$PW" ws://10.9.0.1:8080/
check "wrong password: 401" rc_has 1 "answered HTTP 401 Unauthorized instead of 101 Switching Protocols (--user, --passwd)" \
    ctl b addport client --user alice --passwd "x$PW" ws://10.9.0.1:8080/
check "no user at all: 401" rc_has 1 "answered HTTP 401 Unauthorized instead of 101 Switching Protocols (--user, --passwd)" \
    ctl b addport client ws://10.9.0.1:8080/
check "crypt(3) DES entry is not accepted: 401" rc_has 1 "answered HTTP 401 Unauthorized instead of 101 Switching Protocols (--user, --passwd)" \
    ctl b addport client --user gina --passwd "$PW" ws://10.9.0.1:8080/
check "auth failures are logged, naming the peer" \
    grep -q "WARNING:etherws:authentication failed: 10.9.0.2 (tunnel)" "$TMP/sw-a.log"
# four failures within a second: the rate limit lets one line through
n=$(grep -c "authentication failed: 10.9.0.2 (tunnel)" "$TMP/sw-a.log")
check "auth failure lines are rate-limited ($n lines for 4 failures)" [ "$n" -lt 4 ]
check_eq "no client port made by failures" "$nb" "$(count b client)"
check_eq "no server port made by failures" "$na" "$(count a server)"
p=$(ctl b addport client --user alice --passwd "$PW" ws://10.9.0.1:8080/ |
    awk 'NR == 2 { print $1 }')
check_eq "failed addports used no port number" 3 "$p"
[ -n "$p" ] && ctl b delport "$p" >>"$OUT"

# the schemes htpasswd makes: its default ($apr1$), -B, -s (alice, above)
E401T="answered HTTP 401 Unauthorized instead of 101 Switching Protocols (--user, --passwd)"
check "htpasswd's default (\$apr1\$) entry: connects" \
    add_ok --user erin --passwd "$PW" ws://10.9.0.1:8080/
check "\$apr1\$ entry, wrong password: 401" rc_has 1 "$E401T" \
    ctl b addport client --user erin --passwd "${PW}x" ws://10.9.0.1:8080/
check "htpasswd -B (bcrypt) entry: connects" \
    add_ok --user bob --passwd "$PW" ws://10.9.0.1:8080/
check "bcrypt entry, wrong password: 401" rc_has 1 "$E401T" \
    ctl b addport client --user bob --passwd "${PW:1}" ws://10.9.0.1:8080/
check "\$6\$ entry is not accepted: 401" rc_has 1 "$E401T" \
    ctl b addport client --user hugo --passwd "$PW" ws://10.9.0.1:8080/
# the entries no password can match are named at load, by line and user
W="WARNING:etherws:htpasswd $HT line"
check "warning names the crypt(3) DES entry" grep -qxF \
    "$W 4: user gina: crypt(3) DES is not supported; this entry never matches" \
    "$TMP/sw-a.log"
check "warning names the \$6\$ entry" grep -qxF \
    "$W 5: user hugo: SHA-crypt (\$6\$) is not supported; this entry never matches" \
    "$TMP/sw-a.log"
check_eq "one warning per entry, once for the load (checks repeat none)" 2 \
    "$(grep -c "^$W" "$TMP/sw-a.log")"
check "the wss switch on the same file warns too" grep -qF "$W 4: user gina" \
    "$TMP/sw-a-7869.log"

UPGRADE='GET / HTTP/1.1\r\nHost: 10.9.0.1:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n'
# shellcheck disable=SC2034  # used inside eval
WS401='HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="etherws"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'
# raw PORT HEADERS: the reply to UPGRADE + HEADERS, to EOF, in $TMP/raw
raw() { nsx b "$PY" tests/rawio.py send 10.9.0.1 "$1" "$UPGRADE$2\r\n" 5 >"$TMP/raw"; }
same() { printf "$1" | cmp -s - "$TMP/raw" || { echo "    got: $(od -c "$TMP/raw" | head -5)"; return 1; }; }
check "no Authorization: exact 401, then closed" eval 'raw 8080 "" && same "$WS401"'
b64() { printf '%s' "$1" | base64 -w0; }
check "bad Authorization: exact 401" \
    eval 'raw 8080 "Authorization: Basic $(b64 "alice:nope")\r\n" && same "$WS401"'
check "not Basic: exact 401" \
    eval 'raw 8080 "Authorization: Bearer $(b64 "alice:$PW")\r\n" && same "$WS401"'
check "scheme is case-insensitive: 101" eval 'raw 8080 \
    "Authorization: bAsIc $(b64 "alice:$PW")\r\n"; head -c 12 "$TMP/raw" | grep -q "HTTP/1.1 101"'

# a client port sends no Authorization header without a user; a server
# without --htpasswd ignores one
nsx b "$PY" tests/rawio.py serve 9999 "$TMP/heads" 2 &
track_pid $!
wait_until 5 listening b 9999
ctl b addport client ws://127.0.0.1:9999/ >/dev/null 2>&1
ctl b addport client --user alice --passwd "$PW" ws://127.0.0.1:9999/ \
    >/dev/null 2>&1
check_eq "client without a user sends no Authorization" 1 \
    "$(grep -ci '^authorization:' "$TMP/heads")"
check "client with a user sends Basic base64(user:passwd)" grep -qF \
    "Authorization: Basic $(b64 "alice:$PW")"$'\r' "$TMP/heads"
rm -f "$TMP/heads"
check "Authorization ignored without --htpasswd: 101" eval 'raw 8081 \
    "Authorization: Basic $(b64 "x:y")\r\n"; head -c 12 "$TMP/raw" | grep -q "HTTP/1.1 101"'

# the file is re-read when it changes (same second as the last check too)
check "unknown user before the edit" rc_has 1 "answered HTTP 401 Unauthorized instead of 101 Switching Protocols (--user, --passwd)" \
    ctl b addport client --user carol --passwd "$PW" ws://10.9.0.1:8080/
q htpasswd -b -s "$HT" carol "$PW"
check "user added to the file: accepted without restart" \
    add_ok --user carol --passwd "$PW" ws://10.9.0.1:8080/
q htpasswd -D "$HT" carol
check "user removed from the file: 401" rc_has 1 "answered HTTP 401 Unauthorized instead of 101 Switching Protocols (--user, --passwd)" \
    ctl b addport client --user carol --passwd "$PW" ws://10.9.0.1:8080/
cp "$HT" "$TMP/ht.new" && htpasswd -b -s "$TMP/ht.new" dave "$PW" 2>/dev/null &&
    mv "$TMP/ht.new" "$HT"
check "file replaced by rename: new user accepted" \
    add_ok --user dave --passwd "$PW" ws://10.9.0.1:8080/

# prompt: no /dev/tty (setsid), the password from stdin
out=$(printf '%s\n' "$PW" | setsid -w ip netns exec "$PFX-b" "$E" ctl addport \
    client --user alice ws://10.9.0.1:8080/ 2>"$TMP/prompt")
check "addport --user alone: prompt and connect" [ $? -eq 0 ]
echo "$out" >>"$OUT"; cat "$TMP/prompt" >>"$OUT"
check_eq "client prompt text" "Client Password: " "$(cat "$TMP/prompt")"
p=$(awk 'NR == 2 { print $1 }' <<<"$out")
[ -n "$p" ] && ctl b delport "$p" >>"$OUT"
check "prompt EOF: exit 1" rc_has 1 "etherws ctl: error: no password: end of input at the prompt" setsid -w ip netns exec \
    "$PFX-b" "$E" ctl addport client --user alice ws://10.9.0.1:8080/ </dev/null

# wss + auth
check "wss + right credentials" add_ok --user alice --passwd "$PW" \
    --cacerts "$TMP/sw.crt" wss://10.9.0.1:8443/
check "wss + wrong password: 401" rc_has 1 "answered HTTP 401 Unauthorized instead of 101 Switching Protocols (--user, --passwd)" \
    ctl b addport client --user alice --passwd nope --cacerts "$TMP/sw.crt" \
    wss://10.9.0.1:8443/

# ---- control endpoint --------------------------------------------------
cu=http://127.0.0.1:7868/ctl
out=$(ctl a --ctlurl $cu --ctluser admin --ctlpasswd "$CPW" listport)
check "ctl with the right credentials" [ $? -eq 0 ]
check_eq "ctl output" "  Port  Type  State  RX  TX  Target" "$out"
E401="etherws ctl: error: http://127.0.0.1:7868/ctl answered HTTP 401 Authorization Required (--ctluser and --ctlpasswd)"
check "ctl bad password: 401" rc_has 1 "$E401" \
    ctl a --ctlurl $cu --ctluser admin --ctlpasswd nope listport
check "ctl unknown user: 401" rc_has 1 "$E401" \
    ctl a --ctlurl $cu --ctluser root --ctlpasswd "$CPW" listport
check "ctl without --ctluser: 401" rc_has 1 "$E401" ctl a --ctlurl $cu listport
check "--ctlpasswd without --ctluser is ignored: 401" rc_has 1 "$E401" \
    ctl a --ctlurl $cu --ctlpasswd "$CPW" listport
out=$(printf '%s\n' "$CPW" | setsid -w ip netns exec "$PFX-a" "$E" ctl \
    --ctlurl $cu --ctluser admin listport 2>"$TMP/prompt")
check "--ctluser alone: prompt and succeed" [ $? -eq 0 ]
check_eq "ctl prompt output" "  Port  Type  State  RX  TX  Target" "$out"
check_eq "control prompt text" "Control Password: " "$(cat "$TMP/prompt")"
cat "$TMP/prompt" >>"$OUT"
# Passwords from files (--ctlpwfile, --pwfile): out of argv, where every
# local user sees them in ps.  The first line counts, its line end not.
umask 077
printf '%s\n' "$CPW" >"$TMP/ctl.pw"
printf '%s\r\nsecond line\n' "$PW" >"$TMP/alice.pw"
printf 'nope\n' >"$TMP/bad.pw"
umask 022
check "ctl --ctlpwfile: served" eval \
    'ctl a --ctlurl $cu --ctluser admin --ctlpwfile "$TMP/ctl.pw" listport >/dev/null'
check "ctl --ctlpwfile, wrong password: 401" rc_has 1 "$E401" \
    ctl a --ctlurl $cu --ctluser admin --ctlpwfile "$TMP/bad.pw" listport
check "ctl --ctlpwfile missing: exit 1, cannot read" rc_is 1 \
    "etherws ctl: error: --ctlpwfile: cannot read $TMP/none.pw: No such file or directory" \
    ctl a --ctlurl $cu --ctluser admin --ctlpwfile "$TMP/none.pw" listport
head -c 300 /dev/zero | tr '\0' x >"$TMP/long.pw"
check "ctl --ctlpwfile, password over 255 bytes: exit 1" rc_is 1 \
    "etherws ctl: error: --ctlpwfile: the password in $TMP/long.pw (its first line) is over 255 bytes" \
    ctl a --ctlurl $cu --ctluser admin --ctlpwfile "$TMP/long.pw" listport
check "--ctlpasswd with --ctlpwfile: usage error" rc_has 2 \
    "--ctlpwfile and --ctlpasswd: give one of them, not both" \
    ctl a --ctlurl $cu --ctluser admin --ctlpasswd x --ctlpwfile \
    "$TMP/ctl.pw" listport
check "addport client --pwfile (CRLF, second line ignored)" \
    add_ok --user alice --pwfile "$TMP/alice.pw" ws://10.9.0.1:8080/
check "addport client --pwfile, wrong password: 401" rc_is 1 \
    "  Invalid params (-32602)
    10.9.0.1:8080 answered HTTP 401 Unauthorized instead of 101 Switching Protocols (--user, --passwd)" \
    ctl b addport client --user alice --pwfile "$TMP/bad.pw" \
    ws://10.9.0.1:8080/
check "--pwfile without --user" rc_is 2 \
    "etherws ctl addport client: error: --pwfile needs --user" \
    ctl b addport client --pwfile "$TMP/alice.pw" ws://10.9.0.1:8080/
CTL401='HTTP/1.1 401 Authorization Required\r\nWWW-Authenticate: Basic realm="etherws"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'
nsx a "$PY" tests/rawio.py send 127.0.0.1 7868 'POST /ctl HTTP/1.1\r\nHost: 127.0.0.1:7868\r\nContent-Length: 2\r\n\r\n{}' 5 >"$TMP/raw"
check "control: exact 401 reply" same "$CTL401"
check "control auth does not guard the tunnel port" \
    add_ok ws://10.9.0.1:8081/

# ---- no password anywhere ---------------------------------------------
check "sw logs exist" [ -s "$TMP/sw-b.log" ]
for s in "$PW" "$CPW" "$(b64 "alice:$PW")" "$(b64 "admin:$CPW")" \
    "$(sed -n 4p "$HT" | cut -d: -f2)" 3EHSl0ytwpA; do
	check_not "secret absent from logs and ctl output: ${s:0:4}..." \
	    grep -rqF -- "$s" "$TMP"/sw-*.log "$OUT"
done
done_testing
