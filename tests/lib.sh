# tests/lib.sh - shared helpers for end-to-end tests (sourced by bash).
#
# Everything a test makes is recorded and removed by the EXIT trap:
# processes by PID (TERM, then KILL), network namespaces by name.  All
# addresses live inside namespaces the test made; waits are bounded.
#
# Results: "ok - ..." / "not ok - ..." / "ok - # SKIP ..." lines, and
# done_testing's "NAME: N passed, N failed, N skipped" last.  Exit status
# 0 = passed, 1 = failed, 77 = the whole test skipped (skip_all; tests/run
# prints it as SKIP).  A test states the third-party programs it needs at
# its top with "need ..." (see there): when one is missing the test is
# skipped in one line, except under CI=true, where it fails.

set -u
cd "$(dirname "$0")/.." || exit 2
ETHERWS=${ETHERWS:-$PWD/etherws}
PY=/usr/bin/python3		# Debian's python modules belong to this one
NODE=/usr/bin/node
LINKEMU=${LINKEMU:-$PWD/tests/linkemu}
TNAME=$(basename "$0" .sh)
PFX="ew$$"			# namespace prefix, unique per run
TMP=$(mktemp -d /tmp/etherws-test.XXXXXX)
PIDS=""
NSS=""
T_PASS=0
T_FAIL=0
T_SKIP=0

# ns_pids: PIDs of whatever still runs in our own namespaces (a daemon
# the test detached, a helper it backgrounded): only what this test made.
ns_pids() {
	local n
	for n in $NSS; do ip netns pids "$n" 2>/dev/null; done
}

cleanup() {
	local p n i
	PIDS="$PIDS $(ns_pids)"
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		n=0
		for p in $PIDS; do kill -0 "$p" 2>/dev/null && n=1; done
		[ $n -eq 0 ] && break
		sleep 0.1
	done
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
	for n in $NSS; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { T_PASS=$((T_PASS + 1)); echo "ok - $*"; }
not_ok() { T_FAIL=$((T_FAIL + 1)); echo "not ok - $*"; }
# check DESCRIPTION COMMAND...: ok if the command succeeds
check() {
	local d=$1; shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}
# check_not DESCRIPTION COMMAND...: ok if the command fails
check_not() {
	local d=$1; shift
	if "$@"; then not_ok "$d"; else ok "$d"; fi
}
# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1"; printf '    expected: %s\n    actual:   %s\n' "$2" "$3"
	fi
}
# skip REASON: one check (or group of checks) not made, and why; counted
# as skipped, never as passed
skip() { T_SKIP=$((T_SKIP + 1)); echo "ok - # SKIP $*"; }
done_testing() {
	if [ $((T_PASS + T_FAIL + T_SKIP)) -eq 0 ]; then
		not_ok "$TNAME made no check at all"
	fi
	echo "$TNAME: $T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
	[ "$T_FAIL" -eq 0 ]
}
die() { echo "Bail out! $*"; not_ok "$*"; done_testing; exit 1; }
# skip_all REASON: the whole test cannot run here: one line, exit 77
# (tests/run: "SKIP name (REASON)"); a test that already failed a check
# fails instead
skip_all() {
	[ "$T_FAIL" -eq 0 ] || die "skipping ($*) after failed checks"
	echo "1..0 # SKIP $*"
	exit 77
}
in_ci() { case ${CI:-} in true|1) return 0 ;; esac; return 1; }
# unmet REASON: a prerequisite of the whole test is missing: skip it, but
# under CI=true (where everything is installed) fail
unmet() {
	in_ci && die "$* (CI=true: a missing prerequisite is a failure)"
	skip_all "$*"
}

# have ITEM: the third-party peer ITEM is here.  ITEM is a command name
# or one of
#   python3      /usr/bin/python3 (the tests' helpers run with it)
#   py:MODULE    /usr/bin/python3 can import MODULE (py:websockets)
#   node-ws      /usr/bin/node with Debian's ws module, as
#                tests/peer_ws.js loads it (/usr/share/nodejs/ws)
have() {
	case $1 in
	python3) [ -x "$PY" ] ;;
	py:*) [ -x "$PY" ] && "$PY" -c "import ${1#py:}" >/dev/null 2>&1 ;;
	node-ws) [ -x "$NODE" ] &&
	    "$NODE" -e "require('/usr/share/nodejs/ws')" >/dev/null 2>&1 ;;
	*) command -v "$1" >/dev/null 2>&1 ;;
	esac
}
# debian_pkg ITEM: the Debian package that gives ITEM
debian_pkg() {
	case $1 in
	py:websockets) echo python3-websockets ;;
	py:*) echo "python3-${1#py:}" ;;
	node-ws) echo "nodejs node-ws" ;;
	htpasswd) echo apache2-utils ;;
	dnsmasq) echo dnsmasq-base ;;
	nginx) echo nginx-light ;;
	musl-gcc) echo musl-tools ;;
	dpkg-source) echo dpkg-dev ;;
	readelf|strip|objdump) echo binutils ;;
	setpriv) echo util-linux ;;
	*) echo "$1" ;;
	esac
}
# missing ITEM...: prints "missing X, Y (apt-get install P Q)" for the
# items that are not here; false if none is missing
missing() {
	local i miss="" pkgs=""
	for i; do
		have "$i" && continue
		miss="${miss:+$miss, }$i"; pkgs="$pkgs $(debian_pkg "$i")"
	done
	[ -n "$miss" ] || return 1
	echo "missing $miss (apt-get install$pkgs)"
}
# need ITEM...: at the top of a test, every third-party peer it needs
# (see have).  If one is missing: one line and the test is skipped;
# under CI=true it fails (CI installs every peer: it never skips).
need() {
	local m
	m=$(missing "$@") || return 0
	unmet "$m"
}
# need_for DESCRIPTION ITEM...: for a part of a test only: true if every
# ITEM is here; otherwise the part is reported skipped (failed under
# CI=true) and false
need_for() {
	local d=$1 m; shift
	m=$(missing "$@") || return 0
	if in_ci; then not_ok "$d: $m (CI=true)"; else skip "$d: $m"; fi
	return 1
}

track_pid() { PIDS="$PIDS $1"; }

# ns NAME: make namespace $PFX-NAME with lo up; prints nothing
ns() {
	ip netns add "$PFX-$1" || die "ip netns add $PFX-$1"
	NSS="$NSS $PFX-$1"
	ip -n "$PFX-$1" link set lo up
}
nsx() { local n=$1; shift; ip netns exec "$PFX-$n" "$@"; }

# link A B ADDR_A ADDR_B: veth between namespaces A and B, /24 addresses
link() {
	local a=$1 b=$2
	ip link add "v$$a$b" netns "$PFX-$a" type veth peer name "v$$b$a" \
	    netns "$PFX-$b" || die "veth $a-$b"
	ip -n "$PFX-$a" addr add "$3/24" dev "v$$a$b"
	ip -n "$PFX-$b" addr add "$4/24" dev "v$$b$a"
	ip -n "$PFX-$a" link set "v$$a$b" up
	ip -n "$PFX-$b" link set "v$$b$a" up
}

# wan A B ADDR_A ADDR_B [LINKEMU_OPTION...]: namespaces A and B joined
# by a WAN link, tests/linkemu with those options (--delay MS, --jitter
# MS, --loss PCT, --reorder PCT, --rate KBIT, --limit BYTES, --seed N;
# OPTION-ab / OPTION-ba for one direction, A to B or B to A).  It runs
# in the test's own namespace, tracked by PID; its taps, w<pid>AB in A
# at ADDR_A/24 and w<pid>BA in B at ADDR_B/24, are up (they go away
# with it).  Sets WANPID and WANPID_A_B to its PID (kill -USR1 prints its
# counters: see wan_kv); one wan per pair at a time.
wan() {
	local a=$1 b=$2 ta="w$$$1$2" tb="w$$$2$1" out="$TMP/wan-$1-$2"
	local xa=$3 xb=$4
	shift 4
	[ ${#ta} -le 15 ] || die "wan $a $b: tap name $ta over 15 bytes"
	"$LINKEMU" "$@" "$ta" "$tb" >"$out.out" 2>"$out.log" &
	WANPID=$!
	track_pid $WANPID
	eval "WANPID_${a}_${b}=$WANPID"
	wait_until 5 grep -qx ready "$out.out" ||
	    { cat "$out.log"; die "linkemu $a-$b did not start"; }
	# linkemu keeps reading and writing them where they go
	ip link set "$ta" netns "$PFX-$a" || die "wan: move $ta to $a"
	ip link set "$tb" netns "$PFX-$b" || die "wan: move $tb to $b"
	ip -n "$PFX-$a" addr add "$xa/24" dev "$ta"
	ip -n "$PFX-$b" addr add "$xb/24" dev "$tb"
	ip -n "$PFX-$a" link set "$ta" up
	ip -n "$PFX-$b" link set "$tb" up
}
# wan_kv A B KEY: a fresh value of counter KEY of wan A B's linkemu
# (fwd_ab, lost_ba, dropped_ab, reordered_ab, queued_max_bytes, ...):
# asks with SIGUSR1, waits (bounded) for the new dump
wan_kv() {
	local out="$TMP/wan-$1-$2.out" pid n i
	eval "pid=\${WANPID_${1}_${2}:-}"
	n=$(grep -c '^dump=' "$out")
	kill -USR1 "$pid" 2>/dev/null || return 1
	for i in $(seq 30); do
		[ "$(grep -c '^dump=' "$out")" -gt "$n" ] && break
		sleep 0.1
	done
	kv "$out" "$3"
}

# wait_until SECONDS COMMAND...: poll every 0.1 s, bounded
wait_until() {
	local t=$(( $1 * 10 )); shift
	while [ $t -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1; t=$((t - 1))
	done
	return 1
}

# netns_etc_sweep NS NAME: remove /etc/netns/ew*-NS/ left by killed
# runs of a test (their namespace is gone) whose hosts file names NAME
netns_etc_sweep() {
	local d
	for d in /etc/netns/ew*-"$1"; do
		[ -f "$d/hosts" ] && grep -q " $2\$" "$d/hosts" &&
		    ! ip netns list | grep -q "^${d##*/}\b" && rm -rf "$d"
	done
	return 0
}

# sw NS [ARGS...]: start "etherws sw --foreground" in namespace NS with
# its control endpoint on 127.0.0.1:7867 there; waits until it answers.
sw() {
	local n=$1; shift
	# ip netns exec execs the switch itself, so $! is the switch's PID
	ip netns exec "$PFX-$n" "$ETHERWS" sw --foreground "$@" \
	    >>"$TMP/sw-$n.log" 2>&1 &
	track_pid $!
	eval "SWPID_$n=$!"
	wait_until 5 nsx "$n" "$ETHERWS" ctl listport ||
	    { cat "$TMP/sw-$n.log"; die "sw in $n did not start"; }
}
ctl() { local n=$1; shift; nsx "$n" "$ETHERWS" ctl "$@"; }

# The loop tests' triangle: ring3 X Y Z TAP NET makes namespaces a, b
# and c with veth links a-b on 10.X.0.1/.2, b-c on 10.Y.0.1/.2 and c-a
# on 10.Z.0.1/.2 (IPv6 off), and starts a switch in each (ring_sw) with
# a tap TAP<ns>0 at NET.1, .2, .3.  No tunnel yet.
ring3() {
	local n i=1
	RING_TAP=$4 RING_NET=$5
	ns a; ns b; ns c
	link a b "10.$1.0.1" "10.$1.0.2"
	link b c "10.$2.0.1" "10.$2.0.2"
	link c a "10.$3.0.1" "10.$3.0.2"
	for n in a b c; do
		nsx $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		    net.ipv6.conf.default.disable_ipv6=1
		ring_sw $n $i
		i=$((i + 1))
	done
}
# ring_sw NS I: NS's switch on 0.0.0.0:8080 with its tap at RING_NET.I
# (also to restart it)
ring_sw() {
	sw "$1" --host 0.0.0.0 --port 8080
	ctl "$1" addport tap "$RING_TAP$1%d" >/dev/null ||
	    die "addport tap $1"
	nsx "$1" ip addr add "$RING_NET.$2/24" dev "$RING_TAP${1}0"
}
# ports in "loop" on a, b and c together; the tails of their logs
ring_loops() {
	local n
	for n in a b c; do ctl $n listport; done | grep -c ' loop '
}
ring_one_loop() { [ "$(ring_loops)" -eq 1 ]; }
ring_logs() {
	local n
	for n in a b c; do
		echo "--- sw-$n.log"; tail -n 30 "$TMP/sw-$n.log"
	done
}

# column N of the listport row for port P in namespace NS
port_field() {
	ctl "$1" listport | awk -v p="$2" -v f="$3" '$1 == p { print $f }'
}

# Helpers for tests whose Python peers write "key=value" lines to a file
# (tests/hostile.py, peer_ws.py, datapath.py, soak.py).
# kv FILE KEY: value of the last KEY=... line of FILE
kv() { sed -n "s/^$2=//p" "$1" 2>/dev/null | tail -n 1; }
# expect_kv FILE KEY EXPECTED [DESCRIPTION]
expect_kv() { check_eq "${4:-$2 = $3}" "$3" "$(kv "$1" "$2")"; }
# le / ge DESCRIPTION VALUE BOUND: VALUE is a number <= / >= BOUND
le() { check "$1 ($2 <= $3)" [ "${2:-x}" -le "$3" ] 2>/dev/null; }
ge() { check "$1 ($2 >= $3)" [ "${2:-x}" -ge "$3" ] 2>/dev/null; }
# bg NS COMMAND...: run in namespace NS in the background, tracked for
# cleanup; ip netns exec execs COMMAND, so $BGPID is its PID
bg() { local n=$1; shift; ip netns exec "$PFX-$n" "$@" & BGPID=$!; track_pid $BGPID; }
# wait_exit SECONDS PID: bounded wait for a background child; 0 if it
# exited (whatever its status)
wait_exit() {
	local t=$(( $1 * 10 ))
	while [ $t -gt 0 ]; do
		kill -0 "$2" 2>/dev/null || { wait "$2" 2>/dev/null; return 0; }
		sleep 0.1; t=$((t - 1))
	done
	return 1
}
