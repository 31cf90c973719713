#!/bin/sh
# tests/check_layout.sh - the code's shape, checked on the sources and
# the objects of the last build:
#  - the switch core (switch.o, port.o, probe.o, probetab.o, fdb.o, gso.o)
#    references no symbol of the tap, connection, client, listener,
#    server, RPC or command-line code: it reaches ports only through
#    their ops;
#  - every header compiles on its own;
#  - <bearssl.h> is included by tls_br.h alone, and tls_br.h only by the
#    TLS module (tls.c, pem.c, x509.c) and its tests;
#  - no source file over 1,200 lines, no function over 100;
#  - nothing refers to documents outside the repository;
#  - the documents (README.md, DEVELOPING.md, docs/*.md, etherws.8) and
#    the header comment of every source file name only files that exist,
#    and the documents' relative links lead to one.
# Prints "ok"/"not ok" lines and "N passed, N failed".
cd "$(dirname "$0")/.." || exit 2
CC=${CC:-cc}
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
tmp=$(mktemp -d /tmp/etherws-layout.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

core="switch.o port.o probe.o probetab.o fdb.o gso.o"
upper="tapport.o tap_linux.o conn.o conn_ws.o txq.o pace.o sock.o tunnel.o
    client.o listen.o serve.o srclimit.o reqcheck.o ctlsrv.o rpc.o metrics.o
    config.o cfgrun.o sw.o privdrop.o cli.o ctl.o ctl_io.o etherws.o dns.o
    tls.o pem.o x509.o"
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

# Configuration is passed, not shared: the one variable a header may
# export is the log level (conn_int.h is conn.c's and conn_ws.c's own).
bad=$(grep -n '^extern' ./*.h | grep -v '^./log.h:[0-9]*:extern int log_level;$' |
    grep -v '^./conn_int.h:' | tr '\n' ' ')
if [ -z "$bad" ]; then ok "no variable exported but the log level"
else not_ok "variables exported: $bad"; fi

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

# The documents name only files that exist: a file split or renamed
# leaves no stale name behind.  Names are "x.c"/"x.h" words and paths
# under tests/, scripts/, docs/, bench/, openwrt/ and systemd/, looked up
# in the source tree (where this script really lives: make check-asan
# runs a tree of links without the documents).  Not checked: templates
# and globs (<target>, *, {a,b}, %d), <system.h> headers.  A built
# program (tests/linkemu, tests/fuzz/fuzz_json) is found by its source;
# what the build and the tests make is named in MADE; the outside
# headers a comment names are in OUTSIDE.
src=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
MADE="tests/log/ tests/fuzz/crashes/ tests/fuzz/obj/ build-asan/
    build-static/ build-cross/"
OUTSIDE="bearssl.h bearssl_ssl.h"
find "$src" \( -name .git -o -name 'build-*' \) -prune -o -type f -print |
    sed 's|.*/||' | sort -u >"$tmp/basenames"
# name_ok NAME: 0 if NAME is a file or directory of the tree (or made by
# it, or outside it on purpose)
name_ok() {
	case $1 in *[\<\>*{}%]*) return 0 ;; esac
	for m in $MADE $OUTSIDE; do
		case $1 in "$m"*) return 0 ;; esac
	done
	case $1 in
	*/*) [ -e "$src/$1" ] || [ -e "$src/$1.c" ] ;;
	*) grep -qxF "$1" "$tmp/basenames" ;;
	esac
}
# A name: a word ending in .c or .h, or a path under one of the tree's
# directories, neither of them right after a word, "/", "." or "<".
NAME_RE='(?<![\w/.<-])(?:[\w./-]*\w\.[ch]\b|'
NAME_RE="$NAME_RE"'(?:tests|scripts|docs|bench|openwrt|systemd)/[\w./{}*<>%-]*)'
# doc_names FILE...: "file:line: name" for each name that names no file
doc_names() {
	grep -HnoP "$NAME_RE" "$@" 2>/dev/null | while IFS=: read -r f l n; do
		n=${n%%.}; n=${n%%.}
		name_ok "$n" || echo "$f:$l: $n"
	done
	# relative Markdown links, from the document's directory
	for f in "$@"; do
		case $f in *.md) ;; *) continue ;; esac
		grep -noP '\]\(\K[^)#\s]+' "$f" | while IFS=: read -r l t; do
			case $t in *:*) continue ;; esac
			[ -e "$(dirname "$f")/$t" ] || echo "$f:$l: $t"
		done
	done
}
docs=""
for f in README.md DEVELOPING.md docs/*.md; do
	[ -f "$src/$f" ] && docs="$docs $src/$f"
done
# the man page as it reads: roff's "\-" is a "-" (scripts/build\-static.sh)
if [ -f "$src/etherws.8" ]; then
	sed 's/\\-/-/g' "$src/etherws.8" >"$tmp/etherws.8"
	docs="$docs $tmp/etherws.8"
fi
mkdir "$tmp/hc"
for f in "$src"/*.c "$src"/*.h; do	# header comments: up to the first */
	awk 'FNR == 1 && !/^\/\*/ { exit } { print } /\*\// { exit }' \
	    "$f" >"$tmp/hc/${f##*/}"
done
# shellcheck disable=SC2086
bad=$(cd "$tmp/hc" && { doc_names $docs; doc_names ./*; } |
    sed "s|^$src/||; s|^$tmp/||; s|^\./|header comment of |" | sort -u)
if [ -z "$bad" ]; then ok "the documents name only files that exist"
else not_ok "names of no file:"; echo "$bad" | sed 's/^/    /'; fi
# ... and the check itself sees a made-up name (else it checks nothing)
printf 'see nosuch.c, tests/e2e_nosuch.sh and [x](nosuch.md); %s\n' \
    'tests/run, conn.c and tests/fuzz/corpus/<target>/ exist' >"$tmp/fake.md"
n=$(doc_names "$tmp/fake.md" | wc -l)
if [ "$n" -eq 3 ]; then ok "the file-name check finds made-up names"
else not_ok "the file-name check found $n of 3 made-up names"; fi

echo "check_layout: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
