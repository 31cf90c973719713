#!/bin/bash
# The static build: "make static" gives etherws-static, a binary with no
# program interpreter and no shared libraries that runs in an empty root
# (nothing but itself and /dev, in a private mount namespace): help,
# version, its size against the budget, its hardening (stack protector
# linked, RELRO read-only at run time), and the whole two-switch test
# (sw, ctl, taps, a ws:// tunnel, ping) once with the binary as is and
# once inside that empty root.
# Prerequisites: musl-tools, binutils, file, and a BearSSL source tree
# (BEARSSL_SRC, one already in build-static/src/, or "apt-get source
# bearssl": dpkg-dev and a path to the Debian archive).  Without them the
# test is skipped, except under CI=true, where it fails.
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
# run: first (tests/run -j: a long one, builds BearSSL and etherws)
. "$(dirname "$0")/lib.sh"
need "${MUSL_CC:-musl-gcc}" "${STRIP:-strip}" readelf objdump file unshare chroot
bearssl_src() {
	[ -n "${BEARSSL_SRC:-}" ] || ls "$ROOT"/build-static/src/bearssl-*/inc/bearssl.h \
	    >/dev/null 2>&1
}
bearssl_src || need dpkg-source apt-get

STATIC=$ROOT/etherws-static
# The size budget of the stripped static binary, in bytes (283,648
# today): a change that grows it past the budget fails here.  Raised
# from 200,000 (198,216 then) deliberately, each set measured on its
# own over 198,216:
#  - the operator's features of issue 17, +11.6 KB (11,616 bytes):
#    messages that name the address, option and limit, ctl help for
#    every option, JSON-RPC batches and notifications, showPort (port
#    status op, TLS info), --trustproxy (Forwarded parsing, CIDR), IPv6
#    zones;
#  - the control endpoint that serves only its operator and the file and
#    protocol checks of the second security round (issue 15), +6.9 KB
#    (6,936 bytes): sock_diag, --ctlallow's passwd/group reader, browser
#    checks, the bounded file reader, pidfile and start-up error paths,
#    Close codes and UTF-8, password files;
#  - router CPUs (issue 16): the errno table of uint16_t (MIPS
#    numbers pass 255), 64-bit time_t: +128 bytes;
#  - the merge of the two, 1.1 KB more than their sum (both sets of code
#    together, the security round's errors reworded in the operator's
#    style, ctl's 403 hint, why an operator's own file cannot be read);
#  - loop prevention of issue 14, +4.1 KB (4,064 bytes): ports probe
#    before they forward, authenticated probes v2, topology changes,
#    silent neighbours, server ports pinging our peers, the TCP round
#    trip, addPort/setPort answering once probed; merged with the above,
#    64 bytes more (showPort's since following the probe states, the
#    error of a port deleted while it probed in the operator's words).
#  - the memory bound of issue 15 (--maxmem, per-source caps, one Pong
#    at a time, SipHash for the FDB, UTF-8-valid replies and escaped log
#    lines), +3.9 KB (3,936 bytes);
#  - the hardening of the static build (docs/maintainers.md, "Hardening"), as
#    measured against the same tree without each measure: the stack
#    protector 3,072 bytes of code, RELRO 288 bytes of code plus the
#    padding up to the page its read-only part ends on (0 to 4,095
#    bytes), the checking allocator 1,344 bytes of code; 7,688 bytes
#    for all three then (padding 2,888);
#  - merged with the rest (230,376 bytes), 864 bytes more than the sum:
#    576 of them RELRO's padding (3,464 now), the rest the per-source
#    caps counting the client a trusted proxy names, its 503, and the
#    memory bound's messages in the operator's style.
#  - all of it merged with loop prevention (issue 14, +4.1 KB on its
#    own): 234,472 bytes.
#  - the control endpoint's /proc/net/tcp reader for kernels without
#    inet_diag (OpenWrt without kmod-inet-diag), about 2.3 KB of code
#    (peeruid.o at -Os: 1,091 bytes before, 3,399 after): taken by
#    RELRO's padding, 234,472 bytes still.
#  - htpasswd files as operators make them (issue 23): "$apr1$" (MD5,
#    md5-crypt) and bcrypt besides {SHA}, and the load warnings naming
#    entries that cannot match: +9,360 bytes of code and tables (230,835
#    -> 240,195; of it Blowfish's initial state, pi's digits, 4,168
#    bytes), two RELRO steps in the file: 242,664 bytes.
#  - loop detection at any round trip and probe traffic flat in the
#    size of the network (issue 21), +3.0 KB of code (text 230,835 ->
#    233,843): timers that follow the measured trips, hellos and their
#    echo, the shared budget's table of switch ids and the table of
#    probes seen (probetab.c), per-port probe buckets, blocks checked
#    after a change, showPort's probe counters.  More than RELRO's
#    padding (3,464): one 4 KiB step, 238,584 bytes; budget 236,000 ->
#    240,000.
#  - latency under load bounded by time (issue 21): CoDel on the tunnel
#    tx queue and its records, the lane of sparse flows with its keyed
#    flow hash, the bound on what a tunnel socket holds, showPort's
#    queue_delay_ms and codel_dropped: +3.8 KB of code (text 230,835 ->
#    234,723 bytes), one more 4 KiB step: 238,568 bytes.
#  - the control endpoint of issue 22's third round, +2.6 KB of code
#    (text 230,835 -> 233,443 bytes): the owner asked at accept, whether
#    the peer's address is this host's (RTM_GETROUTE, the bind fallback),
#    control connections ranked and evicted at --ctlmaxconn, their own
#    memory bound, replies built within a bound: one RELRO step, 238,568
#    bytes.
#  - all of the above merged, with the rest of that session's work:
#    sw --config and its reload (config.c, cfgrun.c, about 12 KB), GET
#    /metrics (metrics.c, 6 KB, a third of it HELP texts), URL and usage
#    errors in words with typo suggestions, --trustproxyheader, the login
#    backoff (authfail.c), --tunnelorigin, the per-port FDB share: text
#    230,835 -> 277,683 bytes, 279,552 in the file; budget 284,000.
#  - sw --user (privdrop.c: capabilities, no_new_privs, the seccomp
#    filter and its SIGSYS line) and the one-pass masking of issue 25:
#    one 4 KiB step, 283,648 bytes (40 bytes below the next step);
#    within the budget.
#  - the mid-round push of issue 25 (conn_push, loop_idle_now: a round's
#    tap reads no longer pass --queue before its one send; tests/
#    e2e_burst.sh): text +360 bytes, over that step: 287,744 bytes;
#    budget 288,000, deliberately.
# With RELRO the size moves in steps of 4 KiB.  Hardening may raise the budget further: deliberately, here.
STATIC_BUDGET=288000

if ! make -C "$ROOT" static >"$TMP/build.log" 2>&1; then
	# scripts/build-static.sh's words when it could not fetch BearSSL:
	# a missing prerequisite, not a build failure
	if ! bearssl_src && grep -qE 'build-static: (apt-get source bearssl failed|apt-get update failed|no deb line)' "$TMP/build.log"; then
		unmet "no BearSSL source: $(grep -m1 '^build-static: ' "$TMP/build.log" | cut -c15-) (needs the Debian archive, or BEARSSL_SRC)"
	fi
	sed 's/^/    | /' "$TMP/build.log" | tail -n 30
	die "make static failed"
fi
ok "make static"
[ -x "$STATIC" ] || die "no $STATIC after make static"

# ---- it is static ----------------------------------------------------------
check "file: statically linked" \
    grep -q 'statically linked' <<<"$(file -L "$STATIC")"
check_not "no program interpreter (PT_INTERP)" \
    grep -q INTERP <<<"$(readelf -lW "$STATIC")"
check_not "no dynamic section" grep -q NEEDED <<<"$(readelf -dW "$STATIC" 2>&1)"
check "ldd: not a dynamic executable" \
    grep -q 'not a dynamic executable' <<<"$(ldd "$STATIC" 2>&1)"
size=$(wc -c <"$STATIC")
echo "# $STATIC: $size bytes"
check "stripped size $size <= budget $STATIC_BUDGET bytes" \
    [ "$size" -le "$STATIC_BUDGET" ]
check_not "stripped (no symbol table)" \
    grep -q '\.symtab' <<<"$(readelf -SW "$STATIC")"

# ---- hardening --------------------------------------------------------------
# Stack canaries: in the unstripped link of the same build, the
# functions that check theirs call __stack_chk_fail (musl's own objects
# account for 16 of those calls; without -fstack-protector in our build
# there are no more).  RELRO: the segment exists; that it is read-only
# at run time is checked below.
UNSTRIPPED=$ROOT/${STATIC_DIR:-build-static}/etherws
if [ -f "$UNSTRIPPED" ]; then
	ncanary=$(objdump -d "$UNSTRIPPED" | grep -c 'call.*<__stack_chk_fail')
	ge "stack protector: functions checking their canary" "$ncanary" 60
else
	not_ok "no unstripped $UNSTRIPPED after make static"
fi
relro=$(readelf -lW "$STATIC" | awk '$1 == "GNU_RELRO" { print $3, $6 }')
check "a PT_GNU_RELRO segment" [ -n "$relro" ]
# relro_ro PID: the pages of PT_GNU_RELRO are mapped read-only in PID
relro_ro() {
	local a n lo hi perm
	read -r a n <<<"$relro"
	a=$(( a & ~4095 ))
	while read -r range perm _; do
		lo=$((16#${range%-*})); hi=$((16#${range#*-}))
		if [ $a -ge $lo ] && [ $a -lt $hi ]; then
			echo "# RELRO page 0x$(printf %x $a): $range $perm"
			[ "$perm" = r--p ]
			return
		fi
	done <"/proc/$1/maps"
	return 1
}

# ---- an empty root ---------------------------------------------------------
# $TMP/root holds the binary and an empty dev/; the wrapper gives each
# process a private mount namespace, binds /dev there (for /dev/net/tun)
# and execs the binary chrooted, keeping its PID (lib.sh tracks it).
R=$TMP/root
mkdir -p "$R/dev"
cp "$STATIC" "$R/etherws"
W=$TMP/etherws-in-empty-root
cat >"$W" <<EOF
#!/bin/sh
exec unshare -m sh -c 'mount --bind /dev "\$0/dev" && exec chroot "\$0" /etherws "\$@"' "$R" "\$@"
EOF
chmod +x "$W"
check_eq "nothing but the binary in the root" "dev etherws" \
    "$(cd "$R" && echo *)"
if [ -x "$ROOT/etherws" ] && readelf -lW "$ROOT/etherws" | grep -q INTERP; then
	cp "$ROOT/etherws" "$R/etherws-dynamic"
	check_not "control: the dynamic build does not run there" \
	    unshare -m chroot "$R" /etherws-dynamic --version 2>/dev/null
	rm -f "$R/etherws-dynamic"
fi

check_eq "--version in the empty root" "etherws 1.3.0-c" "$("$W" --version)"
out=$("$W" -h); rc=$?
check "-h in the empty root exits 0" [ $rc -eq 0 ]
check "-h prints the usage" grep -q '^usage: etherws' <<<"$out"
check "sw -h in the empty root" grep -q -- '--ctlport' <<<"$("$W" sw -h)"
check "ctl -h in the empty root" grep -q 'listfdb' <<<"$("$W" ctl -h)"
"$W" sw --ageout 0 >/dev/null 2>"$TMP/err"; rc=$?
check_eq "sw --ageout 0 exits 2" 2 "$rc"
check_eq "sw --ageout 0 message" \
    "etherws sw: error: invalid --ageout 0: must be 1..31536000 (seconds)" \
    "$(cat "$TMP/err")"

# one switch in the empty root: sw, ctl, a tap with an address, clean exit
ETHERWS=$W
ns s
# a quiet tap (no IPv6 chatter): addport answers once the new port has
# probed for loops, ~200 ms later, with its counters still 0
nsx s sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
    net.ipv6.conf.default.disable_ipv6=1
sw s --port 8080
check "RELRO: read-only in the running switch" relro_ro "$SWPID_s"
out=$(ctl s addport tap 'ews%d')
check_eq "addport tap in the empty root, forwarding" \
    "  1     tap   up     0   0   ews0  " "$(sed -n 2p <<<"$out")"
ctl s setif --address 192.168.78.1 --netmask 255.255.255.0 --mtu 1400 1 \
    >/dev/null
check "setif in the empty root" grep -qE \
    '^  1 +tap +192\.168\.78\.1 +255\.255\.255\.0 +1400 +ews0' \
    <<<"$(ctl s listif)"
check "the tap has the address" grep -q '192.168.78.1/24' \
    <<<"$(nsx s ip -4 addr show ews0)"
kill -TERM "$SWPID_s"
wait "$SWPID_s"; rc=$?
check_eq "SIGTERM: clean exit 0" 0 "$rc"
check "shutting down logged" grep -q 'INFO:etherws:shutting down' "$TMP/sw-s.log"

# ---- the two-switch test ---------------------------------------------------
for e in "$STATIC" "$W"; do
	ETHERWS=$e "$ROOT/tests/e2e_two_switches.sh" >"$TMP/two.log" 2>&1
	rc=$?
	[ $rc -eq 0 ] || sed 's/^/    | /' "$TMP/two.log"
	check "e2e_two_switches.sh with ETHERWS=$(basename "$e")" [ $rc -eq 0 ]
done
done_testing
