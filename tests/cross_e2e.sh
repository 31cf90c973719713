#!/bin/bash
# tests/cross_e2e.sh [TARGET...] - each router CPU's static switch
# (build-cross/etherws-static-TARGET, make static-cross: musl and
# OpenWrt's flags) under qemu-user in one namespace, a native switch in
# another, joined by tunnels.  Run by make check-cross-e2e, not by make
# check (it needs the cross builds).  Per target:
#
#   e: the emulated switch, --nooffload (qemu-user keeps the host's
#      little-endian kernel, whose virtio_net_hdr a big-endian program
#      would read in the wrong order: offload is for make
#      check-bigendian), ws server :8080, tap ewe0 192.168.79.1
#   n: the native switch (offload on: the handshake settles on none),
#      wss server :8443, tap ewn0 192.168.79.2
#
#   1. n a ws:// client of e; 2. e a wss:// client of n (the emulated
#   BearSSL doing TLS on that CPU).  Each: ping, an 8000-byte ping
#   (fragments) both ways, TCP both ways (iperf3, 8 MB each).  Then the
#   emulated switch's own ctl: tap counters and listfdb.
#
# Prerequisites: qemu-user-static, iperf3, openssl.
. "$(dirname "$0")/lib.sh"
need iperf3 openssl

CROSS=${CROSS:-build-cross}
[ $# -gt 0 ] || set -- mips mipsel armhf arm64
BYTES=8000000

qemu_of() {
	case $1 in
	mips|mipsel|s390x) echo "$1" ;;
	armhf) echo arm ;;
	arm64) echo aarch64 ;;
	*) return 1 ;;
	esac
}

# a self-signed certificate for the wss:// server
openssl req -x509 -new -nodes -newkey rsa:2048 -days 2 -subj /CN=ew-cross \
    -keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1 ||
    die "openssl req"

# iperf NS DST [-R]: $BYTES of TCP from NS to DST (or back with -R)
iperf() {
	local n=$1 dst=$2; shift 2
	timeout 90 ip netns exec "$PFX-$n" iperf3 -c "$dst" -p 5201 \
	    -n $BYTES "$@" >"$TMP/iperf.out" 2>&1 ||
	    { sed 's/^/    | /' "$TMP/iperf.out" | tail -n 5; return 1; }
}

# traffic WHAT NS: the tunnel whose client is in NS comes up; pings and
# TCP both ways between the taps
traffic() {
	local what=$1 c=$2
	check "$what: tunnel up" wait_until 20 sh -c \
	    "ip netns exec $PFX-$c $(eval echo \$ETHERWS_$c) ctl listport | grep -qE ' client +up '"
	check "$what: ping" nsx $n ping -c 5 -i 0.2 -W 5 -q 192.168.79.1
	check "$what: 8000-byte ping (fragments)" \
	    nsx $n ping -c 3 -i 0.3 -W 5 -s 8000 -q 192.168.79.1
	check "$what: 8000-byte ping the other way" \
	    nsx $e ping -c 3 -i 0.3 -W 5 -s 8000 -q 192.168.79.2
	check "$what: TCP native -> emulated ($BYTES bytes)" \
	    iperf $n 192.168.79.1
	check "$what: TCP emulated -> native ($BYTES bytes)" \
	    iperf $n 192.168.79.1 -R
}

# one_target T: the whole scenario for target T in fresh namespaces
one_target() {
	local t=$1 q bin w e n url rx tx
	q=qemu-$(qemu_of "$t") || { not_ok "$t: unknown target"; return; }
	q=$q-static
	bin=$PWD/$CROSS/etherws-static-$t
	if ! have "$q"; then
		need_for "$t" "$q" || return
	fi
	if [ ! -x "$bin" ]; then
		not_ok "$t: no $bin (make static-cross)"
		return
	fi
	# the emulated etherws: exec keeps the PID that lib.sh tracks
	w=$TMP/etherws-$t
	printf '#!/bin/sh\nexec %s %s "$@"\n' "$q" "$bin" >"$w"
	chmod +x "$w"
	check_eq "$t: --version under $q" "etherws 1.3.0-c" "$("$w" --version)"

	e=e$t n=n$t
	eval "ETHERWS_$e=\$w ETHERWS_$n=\$ETHERWS"
	ns $e; ns $n
	for x in $e $n; do
		nsx $x sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		    net.ipv6.conf.default.disable_ipv6=1
	done
	link $e $n 10.9.5.1 10.9.5.2
	ETHERWS=$w sw $e --nooffload --host 10.9.5.1 --port 8080
	ETHERWS=$w ctl $e addport tap 'ewe%d' >/dev/null || {
		not_ok "$t: addport tap (emulated)"; return; }
	sw $n --host 10.9.5.2 --port 8443 --sslkey "$TMP/key.pem" \
	    --sslcert "$TMP/cert.pem"
	ctl $n addport tap 'ewn%d' >/dev/null || die "addport tap native"
	nsx $e ip addr add 192.168.79.1/24 dev ewe0
	nsx $e ip link set ewe0 address 02:00:00:00:79:01
	nsx $n ip addr add 192.168.79.2/24 dev ewn0
	nsx $n ip link set ewn0 address 02:00:00:00:79:02
	nsx $e iperf3 -s -D -B 192.168.79.1 -p 5201 --pidfile "$TMP/ie-$t.pid" ||
	    die "iperf3 -s in $e"
	wait_until 5 test -s "$TMP/ie-$t.pid" &&
	    track_pid "$(cat "$TMP/ie-$t.pid")"

	# 1. ws://: the native switch a client of the emulated one
	ctl $n addport client ws://10.9.5.1:8080/ >/dev/null ||
	    not_ok "$t: addport client ws:// (native)"
	traffic "$t ws:// (native client)" $n
	# 2. wss://: the emulated switch a TLS client of the native one
	# (its BearSSL doing the handshake and the records on that CPU)
	ctl $n delport 2 >/dev/null
	ETHERWS=$w ctl $e addport client --insecure wss://10.9.5.2:8443/ \
	    >/dev/null || not_ok "$t: addport client wss:// (emulated)"
	traffic "$t wss:// (emulated client)" $e
	# the emulated switch's view, through its own ctl
	rx=$(ETHERWS=$w port_field $e 1 4)
	tx=$(ETHERWS=$w port_field $e 1 5)
	check "$t: emulated tap counted the transfers (rx=$rx tx=$tx)" \
	    [ "${rx:-0}" -ge $((BYTES / 1514)) -a "${tx:-0}" -ge $((BYTES / 1514)) ]
	check "$t: emulated listfdb has the native MAC" grep -q 02:00:00:00:79:02 \
	    <<<"$(ETHERWS=$w ctl $e listfdb)"
}

for t; do one_target "$t"; done
done_testing
