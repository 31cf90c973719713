#!/bin/bash
# sw --user: least privilege.  Switches started as root with --user
# nobody show in /proc a non-zero uid, only CAP_NET_ADMIN, CAP_NET_RAW
# and CAP_NET_BIND_SERVICE (bounding set too), NoNewPrivs 1 and Seccomp
# 2; after the drop they still make tap and netdev ports, ping across a
# ws:// and a wss:// tunnel (BearSSL's randomness, TLS), apply a --config
# change on SIGHUP and on ctl reload, and empty a pid file they can no
# longer remove.  tests/etherws-testing (privdrop.c with -DEW_TESTING)
# calls execve on SIGHUP when EW_TEST_SECCOMP is set: the filter stops
# it by SIGSYS, with a CRITICAL line naming the call's number.
#
# Taps are opened after the drop, as the user: udev makes /dev/net/tun
# 0666, a bare devtmpfs 0600.  Each switch here runs with a 0666 node of
# the test's own bind-mounted on /dev/net/tun in its own mount namespace
# (ip netns exec makes one), so the host's node is never changed.
. "$(dirname "$0")/lib.sh"
need openssl

U=nobody
UID_U=$(id -u $U 2>/dev/null) || skip_all "no user $U"
TESTBIN=$PWD/tests/etherws-testing
[ -x "$TESTBIN" ] || die "no $TESTBIN (make units)"
chmod 0711 "$TMP"	# the user reads the --config file in it
mknod "$TMP/tun" c 10 200 && chmod 0666 "$TMP/tun" || die "mknod tun"

# swu NS [ARGS...]: "sw --foreground --user nobody ARGS" in namespace NS,
# $BIN (default etherws); waits until its control endpoint answers
swu() {
	local n=$1; shift
	ip netns exec "$PFX-$n" sh -c 'mount --bind "$0" /dev/net/tun &&
	    exec "$@"' "$TMP/tun" "${BIN:-$ETHERWS}" sw --foreground \
	    --user $U "$@" >>"$TMP/sw-$n.log" 2>&1 &
	track_pid $!
	eval "SWPID_$n=$!"
	wait_until 5 nsx "$n" "$ETHERWS" ctl listport ||
	    { cat "$TMP/sw-$n.log"; die "sw in $n did not start"; }
}
st() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s '\t ' ' ' | sed 's/ $//'; }
tap_ip() {	# NS NAME ADDR: a tap port made now, with ADDR/24
	ctl "$1" addport tap "$2" >/dev/null || return 1
	nsx "$1" ip addr add "$3/24" dev "$2"
}

# ---- certificates for the wss:// switch ------------------------------
P=$TMP/pki
mkdir -p "$P"
openssl req -x509 -new -nodes -newkey rsa:2048 -days 30 -keyout "$P/ca.key" \
    -out "$P/ca.crt" -subj "/CN=privdrop CA" \
    -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign >/dev/null 2>&1 &&
openssl ecparam -name prime256v1 -genkey -noout -out "$P/c.key" &&
openssl req -new -key "$P/c.key" -subj "/CN=10.9.1.1" -out "$P/c.csr" &&
printf '%s\n' "subjectAltName=IP:10.9.1.1" basicConstraints=CA:FALSE \
    extendedKeyUsage=serverAuth >"$P/c.ext" &&
openssl x509 -req -in "$P/c.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" \
    -CAcreateserial -days 30 -extfile "$P/c.ext" -out "$P/c.crt" \
    >/dev/null 2>&1 || die "openssl: certificates"

# ---- a: ws:// server with a --config file; c: wss:// server; b: client
ns a; ns b; ns c; ns h
link a b 10.9.0.1 10.9.0.2
link c b 10.9.1.1 10.9.1.2
CONF=$TMP/etherws.conf
echo "tap ewpa0" >"$CONF"
chmod 0644 "$CONF"
mkdir -m 0755 "$TMP/run"
swu a --host 10.9.0.1 --port 8080 --config "$CONF" \
    --pidfile "$TMP/run/a.pid"
swu b
swu c --host 10.9.1.1 --port 8443 --sslkey "$P/c.key" --sslcert "$P/c.crt"

# ---- what /proc shows -------------------------------------------------
CAPS=0000000000003400	# NET_BIND_SERVICE (10), NET_ADMIN (12), NET_RAW (13)
for n in a b c; do
	eval "p=\$SWPID_$n"
	check_eq "$n: Uid (real, effective, saved, fs) all $U's" \
	    "$UID_U $UID_U $UID_U $UID_U" "$(st "$p" Uid)"
	check_eq "$n: Gid all $U's" "$(id -g $U) $(id -g $U) $(id -g $U) $(id -g $U)" \
	    "$(st "$p" Gid)"
	check_eq "$n: no supplementary groups but its own" "$(id -g $U)" \
	    "$(st "$p" Groups)"
	for c in CapEff CapPrm CapBnd; do
		check_eq "$n: $c exactly NET_ADMIN|NET_RAW|NET_BIND_SERVICE" \
		    $CAPS "$(st "$p" $c)"
	done
	check_eq "$n: CapInh empty" 0000000000000000 "$(st "$p" CapInh)"
	check_eq "$n: CapAmb empty" 0000000000000000 "$(st "$p" CapAmb)"
	check_eq "$n: NoNewPrivs" 1 "$(st "$p" NoNewPrivs)"
	check_eq "$n: Seccomp filter mode" 2 "$(st "$p" Seccomp)"
done
check "a logs what it kept" grep -q "running as --user $U (uid $UID_U," \
    "$TMP/sw-a.log"

# ---- ports made after the drop; ping over ws:// and wss:// ------------
nsx a ip addr add 192.168.77.1/24 dev ewpa0 || die "address on ewpa0"
check "addport tap on b after the drop" tap_ip b ewpb0 192.168.77.2
check "addport tap on c after the drop" tap_ip c ewpc0 192.168.77.3
check "setif (SIOCSIFMTU) after the drop" \
    ctl b setif --mtu 1400 1 >/dev/null
check_eq "setif took" 1400 "$(nsx b cat /sys/class/net/ewpb0/mtu)"
check "addport client ws:// on b" ctl b addport client ws://10.9.0.1:8080/ \
    >/dev/null
check "addport client wss:// on b (BearSSL)" ctl b addport client \
    --cacerts "$P/ca.crt" wss://10.9.1.1:8443/ >/dev/null
check "ping b -> a across ws://" nsx b ping -c 3 -i 0.2 -W 3 -q 192.168.77.1
check "ping b -> c across wss://" nsx b ping -c 3 -i 0.2 -W 3 -q 192.168.77.3

# a netdev port (a packet socket: CAP_NET_RAW) on a, made now: h behind
# it answers b's ping through a
VA=v$$ah VH=v$$ha
ip link add "$VA" netns "$PFX-a" type veth peer name "$VH" netns "$PFX-h" ||
    die "veth a-h"
nsx a sysctl -qw net.ipv6.conf.$VA.disable_ipv6=1
nsx a ip link set "$VA" arp off up
nsx h ip addr add 192.168.77.9/24 dev "$VH"
nsx h ip link set "$VH" up
check "addport netdev on a after the drop" ctl a addport netdev "$VA" \
    >/dev/null
check "ping b -> h across ws:// and a's netdev port" \
    nsx b ping -c 3 -i 0.2 -W 3 -q 192.168.77.9

# ---- --config changes after the drop: SIGHUP, then ctl reload ---------
has_port() { ctl a listport | awk -v t="$1" '$6 == t { f = 1 } END { exit !f }'; }
echo "tap ewpa1" >>"$CONF"
kill -HUP "$SWPID_a"
check "SIGHUP: the new tap of the --config file appears" wait_until 5 \
    has_port ewpa1
echo "tap ewpa2" >>"$CONF"
check "ctl reload works" ctl a reload >/dev/null
check "ctl reload: its tap appears" has_port ewpa2
check "a runs on" kill -0 "$SWPID_a"
grep -v '^INFO:' "$TMP/sw-a.log" | sed 's/^/    | a: /'	# (why, if not)

# ---- the pid file: written as root, emptied at exit -------------------
check_eq "pid file written before the drop" "$SWPID_a" \
    "$(cat "$TMP/run/a.pid" 2>/dev/null)"
kill -TERM "$SWPID_a"
check "a stops on SIGTERM" wait_exit 10 "$SWPID_a"
check "its pid file (in a root-owned directory) is left empty" \
    [ -f "$TMP/run/a.pid" -a ! -s "$TMP/run/a.pid" ]
check_not "no seccomp line in a normal run" grep -q "seccomp: system call" \
    "$TMP/sw-a.log" "$TMP/sw-b.log" "$TMP/sw-c.log"

# ---- a forbidden call: the test build's execve on SIGHUP --------------
NR=$(printf '#include <sys/syscall.h>\nSYS_execve\n' | cc -E -P - | tail -n 1)
ns d
EW_TEST_SECCOMP=1 BIN=$TESTBIN swu d
p=$SWPID_d
check_eq "the test build runs filtered too" 2 "$(st "$p" Seccomp)"
kill -HUP "$p"
rc=running
for i in $(seq 100); do
	kill -0 "$p" 2>/dev/null || { wait "$p" 2>/dev/null; rc=$?; break; }
	sleep 0.1
done
check_eq "killed by SIGSYS (status 128 + 31)" 159 "$rc"
check "its log names the call: execve is $NR here" grep -q \
    "^CRITICAL:etherws:seccomp: system call $NR (arch [a-z0-9_]*) is not one" \
    "$TMP/sw-d.log"

# ---- refusals -----------------------------------------------------------
out=$("$ETHERWS" sw --foreground --user no-such-user-$$ 2>&1); rc=$?
check_eq "--user of an unknown user: exit 2" 2 $rc
check "... saying so" grep -q "invalid --user no-such-user-$$: no such user" \
    <<<"$out"
done_testing
