#!/bin/bash
# tests/check_install.sh - make install into a scratch prefix: a stripped
# binary that runs, the man page, a systemd unit with the prefix's path
# that "systemd-analyze verify" accepts without a word (where systemd is
# installed), the default options file, and a second install that keeps
# an operator's edited default file.  No root needed, nothing outside
# the scratch directory touched.
. "$(dirname "$0")/lib.sh"

P=$TMP/usr D=$TMP/dest
out=$(make -s install PREFIX="$P" SYSCONFDIR="$TMP/etc" 2>&1)
check "make install into a scratch prefix" [ -x "$P/sbin/etherws" ] ||
	echo "$out"
check "the installed binary runs" sh -c "'$P/sbin/etherws' sw --help >/dev/null"
if have file; then
	check "the installed binary is stripped" \
	    sh -c "file -b '$P/sbin/etherws' | grep -q ', stripped'"
	make -s install PREFIX="$D" SYSCONFDIR="$TMP/etc2" INSTALL_STRIP= \
	    >/dev/null 2>&1
	check "INSTALL_STRIP= keeps the symbols" \
	    sh -c "file -b '$D/sbin/etherws' | grep -q 'not stripped'"
else
	need_for "stripped binary" file
fi
check "the man page is installed" [ -f "$P/share/man/man8/etherws.8" ]
U=$P/lib/systemd/system/etherws.service
check "the unit is installed" [ -f "$U" ]
check_eq "the unit starts the installed binary" \
    "ExecStart=$P/sbin/etherws sw --pidfile /run/etherws/etherws.pid --syslog --user etherws \$ETHERWS_OPTS" \
    "$(grep '^ExecStart=' "$U")"
check_eq "the unit's capabilities are the switch's three" \
    "CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_NET_BIND_SERVICE" \
    "$(grep '^CapabilityBoundingSet=' "$U")"
for k in NoNewPrivileges=yes ProtectSystem=strict Restart=on-failure \
    Type=forking PIDFile=/run/etherws/etherws.pid; do
	check "the unit has $k" grep -qx "$k" "$U"
done
S=$P/lib/sysusers.d/etherws.conf
check "the sysusers.d file of the unit's --user is installed" \
    grep -qE '^u etherws - ' "$S"
if need_for "systemd-sysusers --dry-run" systemd-sysusers; then
	v=$(systemd-sysusers --dry-run "$S" 2>&1)
	check "systemd-sysusers accepts it" [ $? -eq 0 ] || echo "$v"
fi
check "the default options file is installed" [ -f "$TMP/etc/default/etherws" ]
echo 'ETHERWS_OPTS="--port 9"' > "$TMP/etc/default/etherws"
make -s install PREFIX="$P" SYSCONFDIR="$TMP/etc" >/dev/null 2>&1
check_eq "a second install keeps the operator's options" \
    'ETHERWS_OPTS="--port 9"' "$(cat "$TMP/etc/default/etherws")"
if need_for "systemd-analyze verify" systemd-analyze; then
	# --man=no: the unit's Documentation= names the man page, which
	# verify would look up with man(1), not part of this check
	v=$(systemd-analyze verify --man=no "$U" 2>&1)
	check_eq "systemd-analyze verify: clean" "" "$v"
fi
make -s uninstall PREFIX="$P" >/dev/null 2>&1
check "make uninstall removes the unit, the sysusers file and the binary" \
    [ ! -e "$U" -a ! -e "$S" -a ! -e "$P/sbin/etherws" ]
done_testing
