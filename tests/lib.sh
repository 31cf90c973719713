# tests/lib.sh - shared helpers for end-to-end tests (sourced by bash).
#
# Everything a test makes is recorded and removed by the EXIT trap:
# processes by PID (TERM, then KILL), network namespaces by name.  All
# addresses live inside namespaces the test made; waits are bounded.

set -u
cd "$(dirname "$0")/.." || exit 2
ETHERWS=${ETHERWS:-$PWD/etherws}
PY=/usr/bin/python3
TNAME=$(basename "$0" .sh)
PFX="ew$$"			# namespace prefix, unique per run
TMP=$(mktemp -d /tmp/etherws-test.XXXXXX)
PIDS=""
NSS=""
T_PASS=0
T_FAIL=0

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
done_testing() {
	echo "$TNAME: $T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
}
die() { echo "Bail out! $*"; not_ok "$*"; done_testing; exit 1; }

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
