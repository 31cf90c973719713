#!/bin/sh
# tests/check_layout.sh - the code's shape, checked on the sources and
# the objects of the last build:
#  - the switch core (switch.o, port.o, probe.o, fdb.o, gso.o) references
#    no symbol of the tap, connection, client, listener, server, RPC or
#    command-line code: it reaches ports only through their ops;
#  - every header compiles on its own;
#  - <bearssl.h> is included by tls_br.h alone, and tls_br.h only by the
#    TLS module (tls.c, pem.c, x509.c) and its tests;
#  - no source file over 1,200 lines, no function over 100;
#  - nothing refers to documents outside the repository.
# Prints "ok"/"not ok" lines and "N passed, N failed".
cd "$(dirname "$0")/.." || exit 2
CC=${CC:-cc}
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
tmp=$(mktemp -d /tmp/etherws-layout.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

core="switch.o port.o probe.o probetab.o fdb.o gso.o"
upper="tapport.o tap_linux.o conn.o client.o listen.o serve.o rpc.o sw.o
    ctl.o ctl_io.o etherws.o dns.o tls.o pem.o x509.o"
for o in $core $upper; do
	[ -f "$o" ] || { echo "Bail out! $o missing: run make first"; exit 1; }
done
# shellcheck disable=SC2086
nm --defined-only $upper | awk '$2 ~ /^[TDBR]$/ { print $3 }' | sort -u \
    >"$tmp/upper"
for o in $core; do
	nm -u "$o" | awk '{ print $2 }' | sort -u >"$tmp/u"
	bad=$(comm -12 "$tmp/u" "$tmp/upper" | tr '\n' ' ')
	if [ -z "$bad" ]; then ok "$o calls nothing above the switch core"
	else not_ok "$o references $bad"; fi
done

for h in *.h; do
	printf '#include "%s"\n#include "%s"\n' "$h" "$h" >"$tmp/h.c"
	if $CC -D_GNU_SOURCE -std=c11 -Wall -Wextra -Werror -I. -c \
	    -o "$tmp/h.o" "$tmp/h.c" 2>"$tmp/err"; then
		ok "$h compiles on its own"
	else
		not_ok "$h compiles on its own"; sed 's/^/    /' "$tmp/err"
	fi
done

bad=$(grep -l '<bearssl.h>' ./*.c ./*.h | grep -v '^./tls_br.h$' | tr '\n' ' ')
if [ -z "$bad" ]; then ok "<bearssl.h> only in tls_br.h"
else not_ok "<bearssl.h> included by $bad"; fi
bad=$(grep -l '"tls_br.h"' ./*.c ./*.h |
    grep -v '^./\(tls\|pem\|x509\)\.c$' | tr '\n' ' ')
if [ -z "$bad" ]; then ok "tls_br.h only in the TLS module"
else not_ok "tls_br.h included by $bad"; fi

bad=$(wc -l ./*.c ./*.h | awk '$2 != "total" && $1 > 1200 { print $2 }' |
    tr '\n' ' ')
if [ -z "$bad" ]; then ok "no source file over 1,200 lines"
else not_ok "over 1,200 lines: $bad"; fi
# KNF: a function's body opens with "{" and closes with "}" in column 1.
bad=$(awk 'FNR == 1 { start = 0 }
	/^\{/ { start = FNR }
	/^\}/ && start { if (FNR - start - 1 > 100)
		printf "%s:%d (%d lines) ", FILENAME, start, FNR - start - 1
		start = 0 }' ./*.c)
if [ -z "$bad" ]; then ok "no function over 100 lines"
else not_ok "functions over 100 lines: $bad"; fi

bad=$(git grep -l -E 'SPEC\.md|STYLE\.md|DESIGN\.md|\.\./shared' -- . \
    ':!tests/check_layout.sh' 2>/dev/null | tr '\n' ' ')
if [ -z "$bad" ]; then ok "no reference to documents outside the repository"
else not_ok "outside documents named in $bad"; fi

echo "check_layout: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
