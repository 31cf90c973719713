#!/bin/bash
# The OpenWrt glue, openwrt/net/etherws/files/etherws-apply, on Debian: a
# stand-in "uci" prints canned "uci show etherws" lines, a stand-in
# "etherws" records every call (arguments quoted with printf %q) and
# answers ctl like the real one.  Checked: the exact "etherws sw" arguments,
# the exact ctl calls for tap (with setif), netdev and client ports (with
# --user/--passwd/--cacerts/--insecure), disabled sections, shut ports,
# https control with its CA, the retry of a client port whose first
# connection fails, the "run" mode (applier in the background, then exec
# of the switch), under /bin/sh and busybox sh when installed.  Last, the
# real binary: "etherws-apply run" in a namespace gives a switch whose tap
# has the configured address and MTU.
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
. "$(dirname "$0")/lib.sh"

APPLY=$ROOT/openwrt/net/etherws/files/etherws-apply
[ -f "$APPLY" ] || die "no $APPLY"
BIN=$TMP/bin
mkdir -p "$BIN"

# stand-in uci: "uci -q show etherws" prints $UCI_SHOW
cat >"$BIN/uci" <<'EOF'
#!/bin/sh
[ "$1" = -q ] && shift
[ "$1" = show ] && [ "$2" = etherws ] || { echo "uci stand-in: $*" >&2; exit 1; }
[ -f "$UCI_SHOW" ] || exit 1
cat "$UCI_SHOW"
EOF
# stand-in etherws: records its arguments; ctl prints a port table.
# STUB_FAIL_URL: "addport client <that url>" fails while STUB_FAILS > 0
# (a counter file).  sw: records and sleeps STUB_SW_SLEEP seconds.
# A password file (--ctlpwfile, --pwfile) is recorded as @MODE:CONTENT and
# its path in $STUB_PWFILES, so that the calls can be compared exactly.
cat >"$BIN/etherws" <<'EOF'
#!/bin/bash
args=() pw=0
for a in "$@"; do
	if [ $pw = 1 ]; then
		echo "$a" >>"$STUB_PWFILES"
		a="@$(stat -c %a "$a"):$(cat "$a")"
	fi
	case $a in --ctlpwfile|--pwfile) pw=1 ;; *) pw=0 ;; esac
	args+=("$a")
done
printf '%q ' "${args[@]}" | sed 's/ $//' >>"$STUB_CALLS"
echo >>"$STUB_CALLS"
case $1 in
sw) sleep "${STUB_SW_SLEEP:-0}"; exit 0 ;;
ctl) ;;
*) exit 2 ;;
esac
shift
while [ $# -gt 0 ]; do
	case $1 in
	--ctlurl|--ctluser|--ctlpasswd|--ctlpwfile|--ctlsslcert) shift 2 ;;
	--ctlinsecure) shift ;;
	*) break ;;
	esac
done
hdr="  Port  Type  State  RX  TX  Target"
case $1 in
listport) echo "$hdr"; exit 0 ;;
addport)
	type=$2
	eval "target=\${$#}"
	if [ "$type" = client ] && [ "$target" = "${STUB_FAIL_URL:-}" ]; then
		n=$(cat "$STUB_FAILS" 2>/dev/null || echo 0)
		if [ "$n" -gt 0 ]; then
			echo $((n - 1)) >"$STUB_FAILS"
			printf '  Invalid params (-32602)\n    error: refused\n' >&2
			exit 1
		fi
	fi
	n=$(( $(cat "$STUB_PORTS" 2>/dev/null || echo 0) + 1 ))
	echo $n >"$STUB_PORTS"
	echo "$hdr"
	echo "  $n  $type  up  0  0  $target"
	;;
setif|setport) echo "$hdr"; exit 0 ;;
*) exit 2 ;;
esac
EOF
chmod +x "$BIN/uci" "$BIN/etherws"

export STUB_CALLS=$TMP/calls STUB_PORTS=$TMP/ports STUB_FAILS=$TMP/fails
export STUB_PWFILES=$TMP/pwfiles
export UCI_SHOW=$TMP/uci-show
export PATH="$BIN:$PATH"
# the script must find the stand-in; lib.sh's ctl keeps the real binary
REAL_ETHERWS=$ETHERWS
export -n ETHERWS
unset UCI ETHERWS_CONFIG STUB_FAIL_URL STUB_SW_SLEEP

# has_secret: after removing the password files' recorded contents, no
# call holds a password or a password option (true if one does)
has_secret() {
	sed -E 's/@600:([^ \\]|\\.)*//g' "$STUB_CALLS" |
	    grep -qE -- '--(ctl)?passwd|p\\ w|secret'
}
reset_stub() {
	rm -f "$STUB_CALLS" "$STUB_PORTS" "$STUB_FAILS" "$STUB_PWFILES"
	: >"$STUB_CALLS"; : >"$STUB_PWFILES"
}

# The sample configuration, as "uci show etherws" prints it (file order;
# values single-quoted, ' as '\'').
cat >"$UCI_SHOW" <<'EOF'
etherws.main=switch
etherws.main.enabled='1'
etherws.main.host=''
etherws.main.port='8080'
etherws.main.path='/ws'
etherws.main.ctlhost='127.0.0.1'
etherws.main.ctlport='7000'
etherws.main.ctlpath='/ctl'
etherws.main.ageout='120'
etherws.main.keepalive='15'
etherws.main.htpasswd='/etc/etherws/htpasswd'
etherws.main.sslkey='/etc/etherws/key.pem'
etherws.main.sslcert='/etc/etherws/cert.pem'
etherws.main.debug='1'
etherws.main.syslog='0'
etherws.main.ctluser='admin'
etherws.main.ctlpasswd='p w'
etherws.main.retry='1'
etherws.@tap[0]=tap
etherws.@tap[0].name='ethws%d'
etherws.@tap[0].address='192.168.77.1'
etherws.@tap[0].netmask='255.255.255.0'
etherws.@tap[0].mtu='1400'
etherws.@netdev[0]=netdev
etherws.@netdev[0].name='lan2'
etherws.@client[0]=client
etherws.@client[0].url='wss://sw.example.org/'
etherws.@client[0].user='alice'
etherws.@client[0].password='it'\''s a secret'
etherws.@client[0].cacerts='/etc/etherws/ca.pem'
etherws.@client[0].insecure='1'
etherws.@tap[1]=tap
etherws.@tap[1].enabled='0'
etherws.@tap[1].name='off%d'
etherws.@client[1]=client
etherws.@client[1].url='ws://10.0.0.2/'
etherws.@tap[2]=tap
etherws.@tap[2].name='t2'
etherws.@tap[2].shut='1'
etherws.@netdev[1]=netdev
etherws.@netdev[1].name='eth9'
etherws.@netdev[1].mtu='9000'
EOF

G='ctl --ctlurl http://127.0.0.1:7000/ctl --ctluser admin --ctlpwfile @600:p\ w'
EXPECTED_PORTS="$G listport
$G addport tap ethws%d
$G setif --address 192.168.77.1 --netmask 255.255.255.0 --mtu 1400 1
$G addport netdev lan2
$G addport client --user alice --pwfile @600:it\\'s\\ a\\ secret --cacerts /etc/etherws/ca.pem --insecure wss://sw.example.org/
$G addport client ws://10.0.0.2/
$G addport tap t2
$G setport --shut 1 5
$G addport netdev eth9
$G setif --mtu 9000 6"

EXPECTED_ARGS="--debug
--ageout
120
--keepalive
15
--path
/ws
--host

--port
8080
--htpasswd
/etc/etherws/htpasswd
--sslkey
/etc/etherws/key.pem
--sslcert
/etc/etherws/cert.pem
--ctlpath
/ctl
--ctlhost
127.0.0.1
--ctlport
7000"

shells="/bin/sh"
need_for "the applier under busybox sh" busybox && shells="$shells busybox"
for sh in $shells; do
	case $sh in busybox) run="busybox sh" ;; *) run=$sh ;; esac
	reset_stub
	$run "$APPLY" ports --wait 2 2>"$TMP/err"; rc=$?
	check_eq "[$sh] ports: exit 0" 0 "$rc"
	check_eq "[$sh] ports: the exact ctl calls" "$EXPECTED_PORTS" \
	    "$(cat "$STUB_CALLS")"
	# the attack: passwords on ctl's command line, read by any local
	# user in ps; now in files of a private directory, gone at the end
	check_not "[$sh] ports: no password in any argv" has_secret
	check "[$sh] ports: the password files are gone" eval \
	    '[ -s "$STUB_PWFILES" ] && ! cat "$STUB_PWFILES" | xargs ls -d 2>/dev/null | grep -q .'
	check "[$sh] ports: their directory is gone" eval \
	    '! ls -d "$(dirname "$(head -n 1 "$STUB_PWFILES")")" 2>/dev/null'
	check "[$sh] ports: logged the port numbers" \
	    grep -q 'etherws-apply: port 3: client wss://sw.example.org/' \
	    "$TMP/err"
	check_eq "[$sh] args: the exact sw arguments" "$EXPECTED_ARGS" \
	    "$($run "$APPLY" args)"
	check "[$sh] enabled: yes" $run "$APPLY" enabled
done

# a client whose first connection fails: exit 1 without --pid; with
# --pid it is retried every "retry" seconds while that process lives
reset_stub
echo 1 >"$STUB_FAILS"
STUB_FAIL_URL=ws://10.0.0.2/ "$APPLY" ports --wait 2 2>"$TMP/err"; rc=$?
check_eq "failed client port: exit 1" 1 "$rc"
check "failed client port: logged" \
    grep -q 'addport client ws://10.0.0.2/ failed' "$TMP/err"
check_eq "the other ports are still made" 5 "$(cat "$STUB_PORTS")"
reset_stub
echo 2 >"$STUB_FAILS"
sleep 30 & holder=$!
track_pid $holder
STUB_FAIL_URL=ws://10.0.0.2/ timeout 20 "$APPLY" ports --wait 2 \
    --pid $holder 2>"$TMP/err"; rc=$?
check_eq "retried client port: exit 0 once it connects" 0 "$rc"
check_eq "retried client port: three attempts" 3 \
    "$(grep -c 'addport client ws://10.0.0.2/$' "$STUB_CALLS")"
check_eq "retried client port: every port made once" 6 "$(cat "$STUB_PORTS")"
reset_stub
echo 100 >"$STUB_FAILS"
sleep 1.5 & holder=$!
track_pid $holder
STUB_FAIL_URL=ws://10.0.0.2/ timeout 20 "$APPLY" ports --wait 2 \
    --pid $holder 2>/dev/null; rc=$?
check_eq "retries stop when the switch is gone" 1 "$rc"

# run: the applier in the background, then exec of the switch
reset_stub
STUB_SW_SLEEP=3 "$APPLY" run 2>"$TMP/err" & runpid=$!
track_pid $runpid
check "run: the ports are applied while the switch runs" \
    wait_until 5 grep -q 'setif --mtu 9000 6' "$STUB_CALLS"
sw_line=$(grep '^sw ' "$STUB_CALLS")
check_eq "run: exec etherws sw --foreground with the UCI options" \
    "sw --foreground --debug --ageout 120 --keepalive 15 --path /ws --host '' --port 8080 --htpasswd /etc/etherws/htpasswd --sslkey /etc/etherws/key.pem --sslcert /etc/etherws/cert.pem --ctlpath /ctl --ctlhost 127.0.0.1 --ctlport 7000" \
    "$sw_line"
check "run: the switch has the script's PID" \
    grep -q sleep <<<"$(ps -o args= --ppid $runpid)"

# https control, IPv6 any, and the ctl certificate options; disabled
cat >"$UCI_SHOW" <<'EOF'
etherws.sw=switch
etherws.sw.ctlhost='::'
etherws.sw.ctlport='7443'
etherws.sw.ctlsslkey='/k.pem'
etherws.sw.ctlsslcert='/c.pem'
etherws.sw.stormlimit='0'
etherws.sw.maxmem='8388608'
etherws.x=tap
etherws.x.name='a b'
EOF
reset_stub
"$APPLY" ports --wait 1 2>/dev/null
check_eq "https control with ctlsslcert as CA" \
    "ctl --ctlurl https://\\[::1\\]:7443/ctl --ctlsslcert /c.pem listport
ctl --ctlurl https://\\[::1\\]:7443/ctl --ctlsslcert /c.pem addport tap a\\ b" \
    "$(cat "$STUB_CALLS")"
check_eq "args: ctl TLS options, stormlimit 0, maxmem" \
    "--ctlhost :: --ctlport 7443 --ctlsslkey /k.pem --ctlsslcert /c.pem --stormlimit 0 --maxmem 8388608" \
    "$("$APPLY" args | tr '\n' ' ' | sed 's/ $//')"
echo "etherws.sw.ctlinsecure='1'" >>"$UCI_SHOW"
reset_stub
"$APPLY" ports --wait 1 2>/dev/null
check_eq "https control, ctlinsecure" \
    "ctl --ctlurl https://\\[::1\\]:7443/ctl --ctlinsecure listport" \
    "$(head -n 1 "$STUB_CALLS")"
echo "etherws.sw.enabled='0'" >>"$UCI_SHOW"
check_not "enabled: no when enabled is 0" "$APPLY" enabled
printf 'etherws.x=tap\n' >"$UCI_SHOW"
check_not "enabled: no without a switch section" "$APPLY" enabled
rm -f "$UCI_SHOW"
check_not "no configuration: failure" sh -c "'$APPLY' ports --wait 1 2>/dev/null"

# the real switch: etherws-apply run in a namespace
if [ -x "$REAL_ETHERWS" ]; then
	cat >"$UCI_SHOW" <<'EOF'
etherws.main=switch
etherws.main.port='8080'
etherws.main.retry='0'
etherws.@tap[0]=tap
etherws.@tap[0].name='ewo%d'
etherws.@tap[0].address='10.77.0.1'
etherws.@tap[0].netmask='255.255.255.0'
etherws.@tap[0].mtu='1400'
etherws.@tap[1]=tap
etherws.@tap[1].name='ewp%d'
etherws.@tap[1].shut='1'
EOF
	ns o
	ip netns exec "$PFX-o" env ETHERWS="$REAL_ETHERWS" "$APPLY" run \
	    >"$TMP/real.log" 2>&1 &
	realpid=$!
	track_pid $realpid
	check "real switch: the tap gets its address" wait_until 10 sh -c \
	    "ip netns exec $PFX-o $REAL_ETHERWS ctl listif | grep -q 10.77.0.1"
	check_eq "real switch: listif" \
	    "  1     tap   10.77.0.1  255.255.255.0  1400  ewo0  " \
	    "$(ctl o listif | sed -n 2p)"
	check "real switch: second tap shut" wait_until 5 sh -c \
	    "ip netns exec $PFX-o $REAL_ETHERWS ctl listport | grep -qE '^  2 +tap +shut'"
	check "real switch: the address is on the device" grep -q \
	    '10.77.0.1/24' <<<"$(nsx o ip -4 addr show ewo0)"
	check "real switch: the applier's PID is the switch's" \
	    grep -q 'etherws sw --foreground --port 8080' \
	    <<<"$(ps -o args= -p $realpid)"
	kill -TERM $realpid
	wait $realpid; rc=$?
	check_eq "real switch: SIGTERM exits 0" 0 "$rc"
else
	not_ok "no $REAL_ETHERWS: run make first"
fi
done_testing
