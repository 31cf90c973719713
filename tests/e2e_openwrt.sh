#!/bin/bash
# The OpenWrt glue, openwrt/net/etherws/files/etherws-apply, on Debian: a
# stand-in "uci" prints canned "uci show etherws" lines, a stand-in
# "etherws" records every call (arguments quoted with printf %q) and
# answers ctl like the real one.  Checked: the exact "etherws sw" arguments
# (--config FILE last); the exact ports file written from the tap (with
# address, netmask, mtu; a %d name made fixed), netdev and client
# sections (--user, a --pwfile in a private directory holding the
# password, --cacerts, --insecure, --pin), disabled sections and shut
# ports, quoting; no password in the file or on any command line; "run"
# writes it and execs the switch with --config; "reload" writes it and
# calls "ctl reload", over https with its CA; under /bin/sh and busybox
# sh when installed.  Last, the real binary: "etherws-apply run" in a
# namespace gives a switch whose taps are the file's (address, MTU, shut),
# and after a UCI change "etherws-apply reload" adds a port and leaves
# the others alone.
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
setif|setport|reload) echo "$hdr"; exit 0 ;;
*) exit 2 ;;
esac
EOF
chmod +x "$BIN/uci" "$BIN/etherws"

export STUB_CALLS=$TMP/calls STUB_PORTS=$TMP/ports STUB_FAILS=$TMP/fails
export STUB_PWFILES=$TMP/pwfiles
export UCI_SHOW=$TMP/uci-show
export ETHERWS_CONF=$TMP/etc/etherws.conf
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
	rm -rf "$TMP/etc"
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
etherws.@client[0].password='it'\''s a "secret"'
etherws.@client[0].cacerts='/etc/etherws/ca.pem'
etherws.@client[0].insecure='1'
etherws.@client[0].pin='sha256//AAAA'
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
etherws.@tap[3]=tap
etherws.@tap[3].name='ethws%d'
EOF

PWF=$TMP/etc/etherws.pw/client-_client_0_.pw
EXPECTED_CONF="# written by etherws-apply from the etherws configuration: edit that
tap \"ethws0\" --address \"192.168.77.1\" --netmask \"255.255.255.0\" --mtu \"1400\"
netdev \"lan2\"
client --user \"alice\" --pwfile \"$PWF\" --cacerts \"/etc/etherws/ca.pem\" --insecure --pin \"sha256//AAAA\" \"wss://sw.example.org/\"
client \"ws://10.0.0.2/\"
tap \"t2\" --shut
netdev \"eth9\" --mtu \"9000\"
tap \"ethws1\""

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
7000
--config
$ETHERWS_CONF"

shells="/bin/sh"
need_for "the applier under busybox sh" busybox && shells="$shells busybox"
for sh in $shells; do
	case $sh in busybox) run="busybox sh" ;; *) run=$sh ;; esac
	reset_stub
	$run "$APPLY" conf 2>"$TMP/err"; rc=$?
	check_eq "[$sh] conf: exit 0" 0 "$rc"
	check_eq "[$sh] conf: the exact ports file" "$EXPECTED_CONF" \
	    "$(cat "$ETHERWS_CONF")"
	check_eq "[$sh] conf: the password file holds the password" \
	    "it's a \"secret\"" "$(cat "$PWF")"
	check_eq "[$sh] conf: ... mode 0600, its directory 0700" "600 700" \
	    "$(stat -c %a "$PWF") $(stat -c %a "$(dirname "$PWF")")"
	check_not "[$sh] conf: no password in the ports file" \
	    grep -q secret "$ETHERWS_CONF"
	check_eq "[$sh] conf: nothing else ran" "" "$(cat "$STUB_CALLS")"
	check_eq "[$sh] args: the exact sw arguments" "$EXPECTED_ARGS" \
	    "$($run "$APPLY" args)"
	check "[$sh] enabled: yes" $run "$APPLY" enabled
	reset_stub
	$run "$APPLY" reload >/dev/null 2>"$TMP/err"; rc=$?
	check_eq "[$sh] reload: exit 0" 0 "$rc"
	check_eq "[$sh] reload: the file, then one ctl reload" \
	    "ctl --ctlurl http://127.0.0.1:7000/ctl --ctluser admin --ctlpwfile @600:p\ w reload" \
	    "$(cat "$STUB_CALLS")"
	check "[$sh] reload: the file is written" [ -s "$ETHERWS_CONF" ]
	check_not "[$sh] reload: no password in any argv" has_secret
	check "[$sh] reload: the ctl password file is gone" eval \
	    '[ -s "$STUB_PWFILES" ] && ! cat "$STUB_PWFILES" | xargs ls -d 2>/dev/null | grep -q .'
done

# run: the file, then exec of the switch with --config
reset_stub
STUB_SW_SLEEP=3 "$APPLY" run 2>"$TMP/err" & runpid=$!
track_pid $runpid
check "run: the switch starts" wait_until 5 grep -q '^sw ' "$STUB_CALLS"
sw_line=$(grep '^sw ' "$STUB_CALLS")
check_eq "run: exec etherws sw --foreground with the UCI options and --config" \
    "sw --foreground --debug --ageout 120 --keepalive 15 --path /ws --host '' --port 8080 --htpasswd /etc/etherws/htpasswd --sslkey /etc/etherws/key.pem --sslcert /etc/etherws/cert.pem --ctlpath /ctl --ctlhost 127.0.0.1 --ctlport 7000 --config $ETHERWS_CONF" \
    "$sw_line"
check_eq "run: the file was written first" "$EXPECTED_CONF" \
    "$(cat "$ETHERWS_CONF")"
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
"$APPLY" reload >/dev/null 2>&1
check_eq "https control with ctlsslcert as CA" \
    "ctl --ctlurl https://\\[::1\\]:7443/ctl --ctlsslcert /c.pem reload" \
    "$(cat "$STUB_CALLS")"
check_eq "a name with a space is quoted" '# written by etherws-apply from the etherws configuration: edit that
tap "a b"' "$(cat "$ETHERWS_CONF")"
check_eq "args: ctl TLS options, stormlimit 0, maxmem" \
    "--ctlhost :: --ctlport 7443 --ctlsslkey /k.pem --ctlsslcert /c.pem --stormlimit 0 --maxmem 8388608 --config $ETHERWS_CONF" \
    "$("$APPLY" args | tr '\n' ' ' | sed 's/ $//')"
echo "etherws.sw.ctlinsecure='1'" >>"$UCI_SHOW"
reset_stub
"$APPLY" reload >/dev/null 2>&1
check_eq "https control, ctlinsecure" \
    "ctl --ctlurl https://\\[::1\\]:7443/ctl --ctlinsecure reload" \
    "$(head -n 1 "$STUB_CALLS")"
echo "etherws.sw.enabled='0'" >>"$UCI_SHOW"
check_not "enabled: no when enabled is 0" "$APPLY" enabled
printf 'etherws.x=tap\n' >"$UCI_SHOW"
check_not "enabled: no without a switch section" "$APPLY" enabled
rm -f "$UCI_SHOW"
check_not "no configuration: failure" sh -c "'$APPLY' conf 2>/dev/null"

# the real switch: etherws-apply run in a namespace
if [ -x "$REAL_ETHERWS" ]; then
	cat >"$UCI_SHOW" <<'EOF'
etherws.main=switch
etherws.main.port='8080'
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
	    grep -q 'etherws sw --foreground --port 8080 --config' \
	    <<<"$(ps -o args= -p $realpid)"
	# a UCI change: the second tap opened, a third one; reload applies
	# only that (port 1 untouched: same number, its address kept)
	sed -i "/@tap\[1\].shut/d" "$UCI_SHOW"
	printf "%s\n" "etherws.@tap[2]=tap" "etherws.@tap[2].name='ewq%d'" \
	    >>"$UCI_SHOW"
	out=$(ip netns exec "$PFX-o" env ETHERWS="$REAL_ETHERWS" "$APPLY" reload 2>&1)
	check_eq "real switch: etherws-apply reload exits 0" 0 $?
	three_up() {
		[ "$(ctl o listport | awk 'NR > 1 { print $1, $2, $3, $6 }')" = \
		    "1 tap up ewo0
2 tap up ewp0
3 tap up ewq0" ]
	}
	check "real switch: after reload, three taps, the second open" \
	    wait_until 5 three_up
	check_eq "real switch: port 1 kept its settings" \
	    "  1     tap   10.77.0.1  255.255.255.0  1400  ewo0  " \
	    "$(ctl o listif | sed -n 2p)"
	kill -TERM $realpid
	wait $realpid; rc=$?
	check_eq "real switch: SIGTERM exits 0" 0 "$rc"
else
	not_ok "no $REAL_ETHERWS: run make first"
fi
done_testing
