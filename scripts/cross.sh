#!/bin/sh
# scripts/cross.sh - etherws for the router CPUs OpenWrt ships, with
# Debian's cross compilers, tested under qemu-user.
#
#   scripts/cross.sh build  [TARGET...]  etherws + every unit test, glibc,
#                                        warnings as errors (make cross)
#   scripts/cross.sh units  [TARGET...]  the unit tests under qemu-user
#                                        (make check-cross runs this)
#   scripts/cross.sh static [TARGET...]  etherws-static-TARGET: musl built
#                                        from Debian's source package, with
#                                        OpenWrt's flags for the target
#                                        (make static-cross)
#   scripts/cross.sh flags TARGET        OpenWrt's compiler flags for it
#   scripts/cross.sh sizes [TARGET...]   the stripped static sizes
#
# TARGET (default: all four; s390x only when named):
#   mips    MIPS32r2 big-endian, 24Kc      OpenWrt ath79 (mips_24kc)
#   mipsel  MIPS32r2 little-endian, 1004Kc OpenWrt ramips/mt7621 (mipsel_24kc)
#   armhf   ARMv7 hard-float, Cortex-A7    OpenWrt ipq40xx (arm_cortex-a7_neon-vfpv4)
#   arm64   AArch64, Cortex-A53            OpenWrt mediatek/filogic (aarch64_cortex-a53)
#   s390x   64-bit big-endian (no router): the big-endian kernel test
#           (tests/bigendian.sh) boots it under qemu-system-s390x
#
# Everything lives in build-cross/ (gitignored): src/ holds Debian's
# bearssl and musl source packages (apt-get source, scripts/srcpkg.sh),
# TARGET/ a tree of links to the sources built with TARGET's compiler,
# TARGET/bearssl-glibc, TARGET/musl, TARGET/static the libraries and the
# static build.  Needs (Debian 12): gcc-mips-linux-gnu gcc-mipsel-linux-gnu
# gcc-arm-linux-gnueabihf gcc-aarch64-linux-gnu (gcc-s390x-linux-gnu for
# s390x), qemu-user-static, dpkg-dev.
set -eu
cd "$(dirname "$0")/.."

CROSS=${CROSS:-build-cross}
ALL="mips mipsel armhf arm64"

msg() { echo "  $*"; }
fail() { echo "cross: $*" >&2; exit 1; }

# OpenWrt's flags (include/target.mk CPU_CFLAGS and CPU_CFLAGS_$(CPU_TYPE)
# / _$(CPU_SUBTYPE), with rules.mk's default EXTRA_OPTIMIZATION
# -fno-caller-saves -fno-plt; the MIPS targets are soft-float).
OWRT_MIPS="-Os -pipe -mno-branch-likely -mips32r2 -mtune=24kc -fno-caller-saves -fno-plt -msoft-float"
# ld for MIPS and AArch64 aligns segments, and so RELRO's end, to 64 KiB
# (kernels with 64 KiB pages exist), padding the file with up to 64 KiB
# of zeros (25 KB measured on each); OpenWrt's kernels for these targets
# have 4 KiB pages.  Such a binary does not start under a 16 or 64 KiB
# page kernel.
PAGE4K_LDFLAGS="-Wl,-z,max-page-size=4096"

# Sets TRIPLET, QEMU (qemu-user's name for the CPU), WHAT, OWRT_CFLAGS,
# OWRT_LDFLAGS (the static link's).
target() {
	OWRT_LDFLAGS=
	case $1 in
	mips)	TRIPLET=mips-linux-gnu QEMU=mips
		WHAT="ath79 (mips_24kc)" OWRT_CFLAGS=$OWRT_MIPS
		OWRT_LDFLAGS=$PAGE4K_LDFLAGS ;;
	mipsel)	TRIPLET=mipsel-linux-gnu QEMU=mipsel
		WHAT="ramips/mt7621 (mipsel_24kc)" OWRT_CFLAGS=$OWRT_MIPS
		OWRT_LDFLAGS=$PAGE4K_LDFLAGS ;;
	armhf)	TRIPLET=arm-linux-gnueabihf QEMU=arm
		WHAT="ipq40xx (arm_cortex-a7_neon-vfpv4)"
		OWRT_CFLAGS="-Os -pipe -mcpu=cortex-a7 -mfpu=neon-vfpv4 -fno-caller-saves -fno-plt" ;;
	arm64)	TRIPLET=aarch64-linux-gnu QEMU=aarch64
		WHAT="mediatek/filogic (aarch64_cortex-a53)"
		OWRT_CFLAGS="-Os -pipe -mcpu=cortex-a53 -fno-caller-saves -fno-plt"
		OWRT_LDFLAGS=$PAGE4K_LDFLAGS ;;
	s390x)	TRIPLET=s390x-linux-gnu QEMU=s390x
		WHAT="s390x (big-endian kernel test)"
		OWRT_CFLAGS="-Os -pipe" ;;
	*)	fail "unknown target '$1' (mips mipsel armhf arm64 s390x)" ;;
	esac
	command -v "$TRIPLET-gcc" >/dev/null 2>&1 ||
	    fail "$TRIPLET-gcc not found: apt-get install gcc-$TRIPLET"
}

# shellcheck source=scripts/srcpkg.sh
. scripts/srcpkg.sh

# A tree of links to the sources, so that no object of another CPU ever
# meets the native build (as make check-asan does).
link_tree() {
	d=$1
	mkdir -p "$d/tests"
	find "$d" -maxdepth 2 -type l -delete
	for f in Makefile *.c *.h; do ln -s "../../$f" "$d/$f"; done
	for f in tests/run tests/*.h tests/test_*.c tests/linkemu.c; do
		ln -s "../../../$f" "$d/$f"
	done
}

# etherws and every unit test for $1 with glibc, -Werror.
build_one() {
	target "$1"
	d="$CROSS/$1"
	bsrc=$(srcpkg_tree bearssl "$CROSS/src/bearssl")
	# 64-bit time_t, as the Makefile asks for etherws: BearSSL's
	# certificate dates come from its own time(NULL)
	bearssl_lib "$bsrc" "$TRIPLET-gcc" "$TRIPLET-ar" \
	    "-O2 -D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64" "$d/bearssl-glibc"
	link_tree "$d"
	cflags="-O2 -g -Werror -I$PWD/$bsrc/inc"
	# make knows no flags: a changed Makefile (its CPPFLAGS) or
	# compiler flags rebuild everything
	stamp="$TRIPLET $cflags $(cksum <Makefile)"
	if [ "$(cat "$d/stamp" 2>/dev/null)" != "$stamp" ]; then
		make -s -C "$d" clean >/dev/null
		echo "$stamp" >"$d/stamp"
	fi
	msg "MAKE    $1 ($TRIPLET-gcc): etherws, unit tests"
	make -s -C "$d" -j"$JOBS" CC="$TRIPLET-gcc" AR="$TRIPLET-ar" \
	    CFLAGS="$cflags" BEARSSL_LIBS="$PWD/$d/bearssl-glibc/libbearssl.a" etherws units
}

# Every unit test of $1's build under qemu-user, with the cross
# compiler's sysroot for the dynamic loader and libc.
units_one() {
	target "$1"
	d="$CROSS/$1"
	[ -x "$d/etherws" ] || fail "$1 not built: make cross"
	q=qemu-$QEMU-static
	command -v "$q" >/dev/null 2>&1 ||
	    fail "$q not found: apt-get install qemu-user-static"
	msg "RUN     $1 unit tests under $q"
	# EW_QEMU_USER: test_tap skips the checks qemu-user cannot pass on a
	# CPU of the other byte order (the host kernel's virtio_net_hdr).
	# Emulation is all CPU: one test per core.
	(cd "$d" && EW_QEMU_USER=1 EW_RUN="$q -L /usr/$TRIPLET" \
	    tests/run -j "$JOBS" test_)
}

# musl for $1 from Debian's source package, built with the cross compiler
# and OpenWrt's flags; prints the musl-gcc wrapper.
musl_one() {
	target "$1"
	m="$PWD/$CROSS/$1/musl"
	if [ ! -x "$m/bin/musl-gcc" ] ||
	    [ "$(cat "$m/stamp" 2>/dev/null)" != "$OWRT_CFLAGS" ]; then
		msrc=$(srcpkg_tree musl "$CROSS/src/musl")
		msg "MUSL    $1 ($TRIPLET-gcc $OWRT_CFLAGS)" >&2
		rm -rf "$m" "$CROSS/$1/musl-build"
		mkdir -p "$CROSS/$1"
		cp -a "$msrc" "$CROSS/$1/musl-build"
		# musl's own warnings (gcc 12 on its getcwd) are not ours:
		# its output goes to musl.log, shown if the build fails
		(cd "$CROSS/$1/musl-build" &&
		    ./configure --target="$TRIPLET" CROSS_COMPILE="$TRIPLET-" \
		    --prefix="$m" --disable-shared CFLAGS="$OWRT_CFLAGS" &&
		    make -j"$JOBS" && make install) >"$CROSS/$1/musl.log" 2>&1 ||
		    { tail -n 40 "$CROSS/$1/musl.log" >&2
		      fail "building musl for $1 failed ($CROSS/$1/musl.log)"; }
		rm -rf "$CROSS/$1/musl-build"
		echo "$OWRT_CFLAGS" >"$m/stamp"
	fi
	echo "$m/bin/musl-gcc"
}

static_one() {
	target "$1"
	mcc=$(musl_one "$1")
	bsrc=$(srcpkg_tree bearssl "$CROSS/src/bearssl")
	msg "STATIC  $1: $WHAT"
	# the make static build, with the target's compiler, headers and
	# flags; its BearSSL in $CROSS/$1/static/bearssl
	# shellcheck disable=SC2046
	BUILD="$CROSS/$1/static" OUT="$CROSS/etherws-static-$1" \
	    MUSL_CC="$mcc" AR="$TRIPLET-gcc-ar" STRIP="$TRIPLET-strip" \
	    KERNEL_HEADERS="/usr/$TRIPLET/include" BEARSSL_TREE="$bsrc" \
	    STATIC_CFLAGS="$OWRT_CFLAGS" STATIC_LDFLAGS="$OWRT_LDFLAGS" WERROR=1 \
	    sh scripts/build-static.sh $(static_srcs) >"$CROSS/$1/static.log" 2>&1 ||
	    { cat "$CROSS/$1/static.log"; fail "static build for $1 failed"; }
	# Debian has no soft-float libgcc: ld says its integer helpers are
	# tagged hard-float.  They use no FPU, and neither may anything else.
	grep -v 'uses -msoft-float (set by .*uses -mhard-float' \
	    "$CROSS/$1/static.log" || true
	case $OWRT_CFLAGS in
	*-msoft-float*)
		n=$("$TRIPLET-objdump" -d "$CROSS/$1/static/etherws" | grep -cE \
		    '[[:space:]](l[wd]c1|s[wd]c1|m[tf]h?c1|[ct]fc1|bc1[tf]|(add|sub|mul|div|mov|neg|abs|sqrt|cvt|c)\.[a-z.]+)[[:space:]]' || true)
		[ "$n" -eq 0 ] ||
		    fail "$1: $n FPU instructions in a soft-float build"
		msg "OK      $1: no FPU instruction (soft-float)" ;;
	esac
	pad=$(load_gap "$CROSS/etherws-static-$1")
	[ -n "$pad" ] && [ "$pad" -lt 4096 ] ||
	    fail "$1: $pad bytes of padding between text and data (RELRO aligned to more than 4 KiB pages?)"
	msg "OK      $1: $pad bytes of padding before the data (RELRO)"
}

# The zeros between the end of the first PT_LOAD's bytes in the file and
# the start of the second's.
load_gap() {
	# shellcheck disable=SC2046
	set -- $(readelf -lW "$1" | awk '$1 == "LOAD" { print $2, $5 }')
	[ $# -ge 4 ] && echo $(( $3 - ($1 + $2) ))
}

# The sources of the static binary, as the Makefile lists them.
static_srcs() {
	make -s --no-print-directory print-static-srcs
}

sizes() {
	printf '%-8s %-40s %s\n' target "OpenWrt target" "bytes (stripped, static)"
	for t in "$@"; do
		target "$t"
		f="$CROSS/etherws-static-$t"
		[ -f "$f" ] || fail "$f not built: make static-cross"
		printf '%-8s %-40s %s\n' "$t" "$WHAT" "$(wc -c <"$f")"
	done
}

[ $# -ge 1 ] || fail "usage: $0 build|units|static|flags|sizes [TARGET...]"
cmd=$1
shift
[ $# -gt 0 ] || set -- $ALL
case $cmd in
build)	for t in "$@"; do build_one "$t"; done ;;
units)	rc=0
	for t in "$@"; do units_one "$t" || rc=1; done
	exit $rc ;;
static)	for t in "$@"; do static_one "$t"; done ;;
flags)	target "$1"; echo "$OWRT_CFLAGS" ;;
sizes)	sizes "$@" ;;
*)	fail "unknown command '$cmd'" ;;
esac
