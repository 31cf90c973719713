#!/bin/sh
# scripts/build-static.sh - build etherws-static: one statically linked,
# stripped binary with musl libc and BearSSL, needing nothing at run time
# but the kernel and /dev/net/tun.  Called by "make static", which passes
# the C sources of the etherws binary as arguments.
#
#   scripts/build-static.sh etherws.c util.c ...
#
# BearSSL comes from Debian's source package "bearssl" (apt-get source;
# a deb-src line for this machine's suite is added if none exists) and is
# compiled with musl-gcc into build-static/bearssl/libbearssl.a: Debian's
# own libbearssl.a is built for glibc with _FORTIFY_SOURCE and does not
# link with musl.  Everything downloaded or built lives in build-static/
# (gitignored); the binary is ./etherws-static.
#
# Needs: musl-tools (musl-gcc), dpkg-dev (dpkg-source, for apt-get source),
# binutils (strip).  Environment:
#   BUILD=dir        build directory          (default build-static)
#   OUT=file         output binary            (default etherws-static)
#   BEARSSL_SRC=dir  an unpacked BearSSL tree to use instead of apt-get source
#   MUSL_CC=cc       the musl compiler driver (default musl-gcc)
#   STRIP=strip      strip program            (default strip)
#   STATIC_CFLAGS=.. extra compiler flags (e.g. -flto; delete BUILD to rebuild BearSSL)
set -eu
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build-static}
OUT=${OUT:-etherws-static}
MUSL_CC=${MUSL_CC:-musl-gcc}
STRIP=${STRIP:-strip}
AR=${AR:-$(command -v gcc-ar || echo ar)}
JOBS=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)

# Size flags (dropbear's SMALL.md): -Os, one section
# per function and object so --gc-sections can drop what nothing calls,
# no unwind tables (C only, nothing unwinds), no PIE; link-time
# optimisation across etherws and BearSSL (about 8 KB less); switches as
# a few compares instead of tables of 8-byte addresses (600 bytes less).
OPT="-Os -flto=auto -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
-fno-unwind-tables -fno-jump-tables -fno-pie -fno-ident ${STATIC_CFLAGS:-}"
# Hardening (README, "Static build"): stack canaries in every function of
# etherws with a local array or a local whose address is taken (the code
# that parses what peers send), in BearSSL's functions with character
# arrays; musl sets the canary from AT_RANDOM at start.
SSP_EW=${SSP_EW:--fstack-protector}
SSP_BR=${SSP_BR:--fstack-protector}
WARN="-std=c11 -Wall -Wextra -Wshadow -Wmissing-prototypes \
-Wstrict-prototypes -Wpointer-arith -Werror"
# common-page-size=64: the data segment follows the text in the file; ld's
# default pads the file to the next page so the (tiny) data starts a page
# of its own in memory, which costs a static binary up to 4 KB of zeros.
# -flto-partition=one: the link-time optimiser sees the whole program at
# once rather than in parallel pieces (700 bytes less, the same link time).
# -z relro -z now: .init_array, .fini_array and .got in a PT_GNU_RELRO
# segment ending on a page boundary (which costs the padding up to it),
# made read-only at start by relro.c.
LDOPT="-static -no-pie -Wl,--gc-sections -Wl,--build-id=none -Wl,-z,relro -Wl,-z,now \
-Wl,-z,noseparate-code -Wl,--hash-style=gnu -Wl,-z,common-page-size=64 \
-flto-partition=one ${RELRO_LDOPT:-}"

msg() { echo "  $*"; }
fail() { echo "build-static: $*" >&2; exit 1; }

[ $# -gt 0 ] || fail "usage: $0 SOURCE.c...  (run it through 'make static')"
command -v "$MUSL_CC" >/dev/null 2>&1 ||
    fail "$MUSL_CC not found: apt-get install musl-tools"
command -v "$STRIP" >/dev/null 2>&1 || fail "$STRIP not found: apt-get install binutils"
mkdir -p "$BUILD"

# ---- BearSSL source ------------------------------------------------------

# deb-src for the suite the machine runs, mirroring its deb entries for that
# suite (one-line .list files and deb822 .sources files alike).
add_deb_src() {
	local_suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[ -n "$local_suite" ] || fail "cannot tell the Debian suite (/etc/os-release)"
	list=/etc/apt/sources.list.d/etherws-src.list
	msg "APT     adding deb-src lines for $local_suite to $list"
	{
		echo "# added by etherws scripts/build-static.sh for apt-get source bearssl"
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -f "$f" ] || continue
			[ "$f" = "$list" ] && continue
			awk -v s="$local_suite" '
			    $1 == "deb" {
				i = 2; opt = ""
				if ($2 ~ /^\[/) {
					while (i <= NF && $i !~ /\]$/) { opt = opt $i " "; i++ }
					opt = opt $i " "; i++
				}
				if ($(i + 1) != s) next
				line = "deb-src " opt $i " " s
				for (j = i + 2; j <= NF && $j !~ /^#/; j++) line = line " " $j
				print line
			    }' "$f"
		done
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -f "$f" ] || continue
			# deb822 stanzas: Types/URIs/Suites/Components/Signed-By
			awk -v s="$local_suite" '
			    function flush() {
				if (types ~ /(^| )deb( |$)/ && enabled != "no" &&
				    (" " suites " ") ~ (" " s " "))
					for (k = 1; k <= nu; k++)
						print "deb-src " (sb != "" ? "[signed-by=" sb "] " : "") \
						    u[k] " " s " " comps
				types = suites = comps = sb = enabled = ""; nu = 0
			    }
			    /^[ \t]*#/ { next }
			    /^[ \t]*$/ { flush(); next }
			    {
				key = tolower($1); sub(/:$/, "", key)
				val = $0; sub(/^[^:]*:[ \t]*/, "", val)
				if (key == "types") types = val
				else if (key == "uris") nu = split(val, u, /[ \t]+/)
				else if (key == "suites") suites = val
				else if (key == "components") comps = val
				else if (key == "signed-by") sb = val
				else if (key == "enabled") enabled = tolower(val)
			    }
			    END { flush() }' "$f"
		done
	} >"$list.tmp"
	if ! grep -q '^deb-src' "$list.tmp"; then
		rm -f "$list.tmp"
		fail "no deb line for suite $local_suite to mirror; add a deb-src line by hand"
	fi
	mv "$list.tmp" "$list"
	apt-get update -qq || fail "apt-get update failed"
}

fetch_bearssl() {
	command -v dpkg-source >/dev/null 2>&1 ||
	    fail "dpkg-source not found (apt-get source needs it): apt-get install dpkg-dev"
	if ! apt-get source --print-uris bearssl >/dev/null 2>&1; then
		add_deb_src
	fi
	msg "APT     apt-get source bearssl (into $BUILD/src)"
	rm -rf "$BUILD/src"
	mkdir -p "$BUILD/src"
	(cd "$BUILD/src" && apt-get source -qq bearssl) ||
	    fail "apt-get source bearssl failed"
}

if [ -n "${BEARSSL_SRC:-}" ]; then
	src=$BEARSSL_SRC
else
	src=$(ls -d "$BUILD"/src/bearssl-*/ 2>/dev/null | head -n 1 || true)
	if [ -z "$src" ] || [ ! -f "$src/inc/bearssl.h" ]; then
		fetch_bearssl
		src=$(ls -d "$BUILD"/src/bearssl-*/ 2>/dev/null | head -n 1 || true)
	fi
	src=${src%/}
fi
[ -f "$src/inc/bearssl.h" ] || fail "no BearSSL source tree at '$src'"

# ---- libbearssl.a with musl ----------------------------------------------

lib="$BUILD/bearssl/libbearssl.a"
stamp="$src $MUSL_CC $OPT $SSP_BR"
if [ ! -f "$lib" ] || [ "$(cat "$BUILD/bearssl/stamp" 2>/dev/null)" != "$stamp" ] ||
    [ -n "$(find "$src/src" "$src/inc" -newer "$lib" -name '*.[ch]' | head -n 1)" ]; then
	msg "CC      BearSSL ($(find "$src/src" -name '*.c' | wc -l) files) from $src"
	rm -rf "$BUILD/bearssl"
	mkdir -p "$BUILD/bearssl/obj"
	# one object per source file, named after its path under src/
	find "$src/src" -name '*.c' | sort | while read -r c; do
		rel=${c#"$src"/src/}
		echo "$c $BUILD/bearssl/obj/$(echo "$rel" | tr / _ | sed 's/\.c$/.o/')"
	done >"$BUILD/bearssl/files"
	# shellcheck disable=SC2086
	xargs -P "$JOBS" -n 2 sh -c "$MUSL_CC $OPT $SSP_BR -I'$src/inc' -I'$src/src' -c -o \"\$2\" \"\$1\" || exit 255" sh \
	    <"$BUILD/bearssl/files" || fail "compiling BearSSL failed"
	$AR rcs "$lib.tmp" "$BUILD"/bearssl/obj/*.o
	mv "$lib.tmp" "$lib"
	echo "$stamp" >"$BUILD/bearssl/stamp"
fi

# ---- etherws with musl ---------------------------------------------------

# musl-gcc sees only musl's headers; tap_linux.c needs the kernel's
# <linux/...> and <asm/...> (linux-libc-dev), so give it exactly those.
kinc="$BUILD/kinc"
if [ ! -d "$kinc" ]; then
	march=$(gcc -print-multiarch 2>/dev/null || true)
	mkdir -p "$kinc"
	ln -s /usr/include/linux "$kinc/linux"
	ln -s /usr/include/asm-generic "$kinc/asm-generic"
	if [ -n "$march" ] && [ -d "/usr/include/$march/asm" ]; then
		ln -s "/usr/include/$march/asm" "$kinc/asm"
	else
		ln -s /usr/include/asm "$kinc/asm"
	fi
fi

# _Fork when this libc has it (musl 1.2.3, glibc 2.34), else fork.
fork_def=""
printf '#include <unistd.h>\nint main(void) { return _Fork(); }\n' \
    >"$BUILD/fork.c"
$MUSL_CC -D_GNU_SOURCE -Werror -o "$BUILD/fork" "$BUILD/fork.c" \
    2>/dev/null || fork_def="-DEW_NO__FORK"

obj="$BUILD/obj"
mkdir -p "$obj"
objs=""
for c in "$@"; do
	o="$obj/$(basename "$c" .c).o"
	objs="$objs $o"
	echo "$c $o"
done >"$BUILD/files"
msg "CC      etherws ($# files, $MUSL_CC)"
# -DNDEBUG: a release build; fmt.c prints "%?" for a conversion it lacks
# and stops the line instead of trapping (as the normal build does).
# shellcheck disable=SC2086
xargs -P "$JOBS" -n 2 sh -c "$MUSL_CC -D_GNU_SOURCE -DNDEBUG $fork_def $OPT $SSP_EW $WARN -I. -I'$src/inc' -isystem '$kinc' -c -o \"\$2\" \"\$1\" || exit 255" sh \
    <"$BUILD/files" || fail "compiling etherws failed"

msg "LD      $OUT"
# shellcheck disable=SC2086
$MUSL_CC $OPT $SSP_EW $LDOPT -o "$BUILD/etherws" $objs "$lib"
"$STRIP" --strip-all -R .comment -R .note -R .note.gnu.property \
    -o "$OUT.tmp" "$BUILD/etherws"
mv "$OUT.tmp" "$OUT"
msg "OK      $OUT: $(wc -c <"$OUT") bytes, stripped, static (musl, BearSSL $(basename "$src"))"
