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
#   AR=ar            archiver for libbearssl.a (default gcc-ar: LTO objects)
#   STATIC_CFLAGS=.. extra compiler flags, for BearSSL and etherws (e.g. a
#                    router CPU's, from scripts/cross.sh)
#   STATIC_LDFLAGS=. extra link flags (scripts/cross.sh: MIPS's page size)
#   WERROR=1         etherws's warnings are errors
#   KERNEL_HEADERS=d the target's kernel headers: d/linux, d/asm, d/asm-generic
#                    (default: this machine's)
#   BEARSSL_TREE=d   where scripts/srcpkg.sh unpacked BearSSL already
#   PIE=1            a static PIE (make static STATIC_PIE=1): loaded at a
#                    random address, relocated by musl's rcrt1.o at start;
#                    17 KB more on x86-64 (283,648 -> 300,608 bytes: 11 KB
#                    of relocations, 6 KB of pointers moved to .data.rel.ro)
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
# no unwind tables (C only, nothing unwinds), no PIE (unless PIE=1); link-time
# optimisation across etherws and BearSSL (about 8 KB less); switches as
# a few compares instead of tables of 8-byte addresses (600 bytes less).
OPT="-Os -flto=auto -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
-fno-unwind-tables -fno-jump-tables -fno-ident ${STATIC_CFLAGS:-}"
[ "${PIE:-}" = 1 ] && OPT="$OPT -fpie" || OPT="$OPT -fno-pie"
# Hardening (docs/maintainers.md, "Hardening"): stack canaries in every function of
# etherws with a local array or a local whose address is taken (the code
# that parses what peers send), in BearSSL's functions with character
# arrays; musl sets the canary from AT_RANDOM at start.
SSP_EW=${SSP_EW:--fstack-protector}
SSP_BR=${SSP_BR:--fstack-protector}
WERROR=${WERROR-1}
WARN="-std=c11 -Wall -Wextra -Wshadow -Wmissing-prototypes \
-Wstrict-prototypes -Wpointer-arith${WERROR:+ -Werror}"
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
-flto-partition=one ${STATIC_LDFLAGS:-}"

# PIE=1: musl-gcc's specs know no -static-pie, so the start files are
# named here, from the directory of the specs the wrapper passes (musl's
# own rcrt1.o, never the host libc's); ld makes a static PIE of -static
# -pie --no-dynamic-linker.  relro.c finds the load address from
# _DYNAMIC (a static PIE has no PT_PHDR).
PIE_BEGIN="" PIE_END=""
if [ "${PIE:-}" = 1 ]; then
	mlib=$(sed -n 's/.*-specs "\(.*\)\/[^/]*".*/\1/p' "$(command -v "$MUSL_CC")")
	[ -f "$mlib/rcrt1.o" ] || { echo "build-static: no rcrt1.o beside $MUSL_CC's specs" >&2; exit 1; }
	PIE_BEGIN="-nostartfiles $mlib/rcrt1.o $mlib/crti.o $($MUSL_CC -print-file-name=crtbeginS.o) -Wl,-pie -Wl,--no-dynamic-linker -Wl,-z,text"
	PIE_END="$($MUSL_CC -print-file-name=crtendS.o) $mlib/crtn.o"
fi

msg() { echo "  $*"; }
fail() { echo "build-static: $*" >&2; exit 1; }

[ $# -gt 0 ] || fail "usage: $0 SOURCE.c...  (run it through 'make static')"
command -v "$MUSL_CC" >/dev/null 2>&1 ||
    fail "$MUSL_CC not found: apt-get install musl-tools"
command -v "$STRIP" >/dev/null 2>&1 || fail "$STRIP not found: apt-get install binutils"
mkdir -p "$BUILD"

# ---- BearSSL: source and libbearssl.a with musl -------------------------

# shellcheck source=scripts/srcpkg.sh
. scripts/srcpkg.sh
if [ -n "${BEARSSL_SRC:-}" ]; then
	src=$BEARSSL_SRC
elif [ -f "${BEARSSL_TREE:-}/inc/bearssl.h" ]; then
	src=$BEARSSL_TREE
else
	src=$(srcpkg_tree bearssl "$BUILD/src")
fi
[ -f "$src/inc/bearssl.h" ] || fail "no BearSSL source tree at '$src'"
lib="$BUILD/bearssl/libbearssl.a"
bearssl_lib "$src" "$MUSL_CC" "$AR" "$OPT $SSP_BR" "$BUILD/bearssl"

# ---- etherws with musl ---------------------------------------------------

# musl-gcc sees only musl's headers; tap_linux.c needs the kernel's
# <linux/...> and <asm/...> (linux-libc-dev, or a cross compiler's
# linux-libc-dev-ARCH-cross: KERNEL_HEADERS=/usr/TRIPLET/include), so
# give it exactly those.
kinc="$BUILD/kinc"
if [ ! -d "$kinc" ]; then
	mkdir -p "$kinc"
	if [ -n "${KERNEL_HEADERS:-}" ]; then
		for d in linux asm asm-generic; do
			[ -d "$KERNEL_HEADERS/$d" ] ||
			    fail "no $KERNEL_HEADERS/$d (KERNEL_HEADERS)"
			ln -s "$(cd "$KERNEL_HEADERS/$d" && pwd)" "$kinc/$d"
		done
	else
		march=$(gcc -print-multiarch 2>/dev/null || true)
		ln -s /usr/include/linux "$kinc/linux"
		ln -s /usr/include/asm-generic "$kinc/asm-generic"
		if [ -n "$march" ] && [ -d "/usr/include/$march/asm" ]; then
			ln -s "/usr/include/$march/asm" "$kinc/asm"
		else
			ln -s /usr/include/asm "$kinc/asm"
		fi
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
$MUSL_CC $OPT $SSP_EW $LDOPT $PIE_BEGIN -o "$BUILD/etherws" $objs "$lib" $PIE_END
"$STRIP" --strip-all -R .comment -R .note -R .note.gnu.property \
    -o "$OUT.tmp" "$BUILD/etherws"
mv "$OUT.tmp" "$OUT"
msg "OK      $OUT: $(wc -c <"$OUT") bytes, stripped, static (musl, BearSSL $(basename "$src"))"
