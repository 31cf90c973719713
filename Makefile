# etherws - one plain Makefile.  Cross builds: make CC=... CFLAGS=... LDFLAGS=...
-include config.mk

CC	?= cc
CFLAGS	?= -O2 -g
WARN	 = -std=c11 -Wall -Wextra -Wshadow -Wmissing-prototypes \
	   -Wstrict-prototypes -Wpointer-arith
CPPFLAGS += -D_GNU_SOURCE
# 64-bit time_t and file offsets on 32-bit CPUs with glibc (2.34+; musl
# 1.2 has them always): log dates and certificate checks past 2038.
CPPFLAGS += -D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64
# BearSSL linked in from libbearssl.a (Debian's libbearssl-dev has it):
# the shared library costs an idle switch ~250 KB more RSS (1.7 MB
# instead of 1.45) for code it never runs.  BEARSSL_LIBS=-lbearssl links
# the shared one.
BEARSSL_LIBS ?= -Wl,-Bstatic -lbearssl -Wl,-Bdynamic
LDLIBS	 = $(BEARSSL_LIBS)
PREFIX	?= /usr/local

# _Fork (glibc 2.34, musl 1.2.3: fork without atfork handlers and locks)
# when the libc has it, else fork: asked of the compiler, not of the user.
HAVE__FORK := $(shell printf '\043include <unistd.h>\nint main(void) { return _Fork(); }\n' | \
	$(CC) $(CPPFLAGS) -Werror -x c -o /dev/null - 2>/dev/null && echo yes)
ifneq ($(HAVE__FORK),yes)
CPPFLAGS += -DEW_NO__FORK
endif

# The sources, from the tree: every *.c here is a module of etherws
# except etherws.c (main) and the static build's own (STATIC_ONLY); a new
# module needs no line here.
STATIC_ONLY = malloc.c relro.c
LIBSRCS	 = $(filter-out etherws.c $(STATIC_ONLY),$(sort $(wildcard *.c)))
LIBOBJS	 = $(LIBSRCS:.c=.o)
OBJS	 = etherws.o $(LIBOBJS)
# The unit tests link libew.a, an archive of the modules: the linker takes
# from it only the objects a test needs, so no list says which.
LIBA	 = libew.a
AR	?= ar
UNITS	 = $(patsubst %.c,%,$(wildcard tests/test_*.c))
# Programs the end-to-end tests run, none of them part of etherws
# (tests/etherws-testing: etherws with privdrop.c's test knob)
TOOLS	 = tests/linkemu tests/etherws-testing

ifeq ($(V),1)
Q =
else
Q = @
endif

all: etherws

# make help: every target in one line each
help:
	@echo 'make [TARGET] [VAR=value ...]     V=1 shows the commands'
	@echo '  all              etherws (the default), BearSSL linked in'
	@echo '  units            the unit tests tests/test_* and tests/linkemu'
	@echo '  check            every test, CHECK_JOBS at a time (root; tests/run NAME: one)'
	@echo '  check-asan       the suite under ASan+UBSan in build-asan/ (ASAN_TESTS=PAT)'
	@echo '  check-valgrind   e2e_two_switches with each switch under valgrind'
	@echo '  fuzz             the libFuzzer harnesses tests/fuzz/fuzz_* (clang)'
	@echo '  fuzz-run         each harness FUZZ_SECONDS (20), FUZZ_JOBS (2) at a time'
	@echo '  static           etherws-static: stripped, static, musl + BearSSL'
	@echo '  size             the size of etherws-static'
	@echo '  install          binary, man page, systemd unit (DESTDIR, PREFIX, INSTALL_BIN)'
	@echo '  uninstall        removes what install installed'
	@echo '  cross            etherws and unit tests for CROSS_TARGETS (all: the 4 routers)'
	@echo '  check-cross      ... and those unit tests under qemu-user'
	@echo '  static-cross     build-cross/etherws-static-TARGET, OpenWrt flags'
	@echo '  check-cross-e2e  each router static switch (qemu) tunnelled to a native one;'
	@echo '                   CROSS_E2E_TARGETS=rotate: two of the four, as CI'
	@echo '  check-bigendian  the s390x static switch on a big-endian kernel (qemu-system)'
	@echo '  bench            bench/run, etherws beside vxlan and OpenVPN (a quiet machine)'
	@echo '  clean            everything built from the sources (keeps BearSSL/musl builds)'
	@echo '  distclean        clean, and the downloaded BearSSL and musl with their builds'

etherws: $(OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

%.o: %.c
	@echo "  CC      $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

$(LIBA): $(LIBOBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $(LIBOBJS)

# Each unit test links only the modules it tests (from $(LIBA)); what it
# #includes (a .c it tests from the inside, a reference in tests/) is in
# its tests/test_NAME.d, written by the compiler.
# fmt.c as the static (release) build compiles it, with NDEBUG
tests/test_fmt_ndebug: tests/fmt_ndebug.o
tests/fmt_ndebug.o: fmt.c
	@echo "  CC      $@"
	$(Q)$(CC) $(CPPFLAGS) -DNDEBUG $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<
tests/test_%: tests/test_%.c $(LIBA)
	@echo "  CC      $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -I. -o $@ $< \
	    $(filter %.o,$^) $(LIBA) $(LDLIBS)

# tests/linkemu: the tests' WAN link (delay, loss, rate) between two
# taps; standalone, no module of etherws
tests/linkemu: tests/linkemu.c
	@echo "  CC      $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $<

# tests/etherws-testing: etherws whose privdrop.c is compiled with
# -DEW_TESTING: with EW_TEST_SECCOMP set, a SIGHUP makes it call execve,
# outside the --user filter (tests/e2e_privdrop.sh).  Never installed.
tests/privdrop_testing.o: privdrop.c privdrop.h sysallow.h
	@echo "  CC      $@"
	$(Q)$(CC) $(CPPFLAGS) -DEW_TESTING $(CFLAGS) $(WARN) -I. -c -o $@ privdrop.c
tests/etherws-testing: $(filter-out privdrop.o,$(OBJS)) tests/privdrop_testing.o
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

units: $(UNITS) $(TOOLS)

# CHECK_JOBS tests at a time (tests/run -j): most of them wait on timers;
# the ones that measure time ("# run: alone") run by themselves.
CHECK_JOBS ?= 4
check: etherws units
	tests/run -j $(CHECK_JOBS)

# bench/run: the benchmark (README, bench/last.md)
bench: etherws
	bench/run

.PHONY: all help check units bench

-include $(OBJS:.o=.d) $(UNITS:=.d) tests/fmt_ndebug.d

# ------------------------------------------------------------------
# Fuzzing and sanitizers (clang; on Debian 12: clang libclang-rt-14-dev
# valgrind).  Harnesses in tests/fuzz/ #include the .c they fuzz and
# take the other modules they need from tests/fuzz/obj/libew.a, built
# with the same instrumentation.  make fuzz-run FUZZ_SECONDS=N runs each
# for N seconds on a copy of its seed corpus (crashes:
# tests/fuzz/crashes/), FUZZ_JOBS at a time.

FUZZ_CC		?= clang
FUZZ_CFLAGS	?= -g -O1 -fno-omit-frame-pointer
FUZZ_SAN	 = -fsanitize=address,undefined -fno-sanitize-recover=undefined
# one harness per tests/fuzz/fuzz_NAME.c
FUZZ_TARGETS	 = $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS	 = $(FUZZ_TARGETS:%=tests/fuzz/fuzz_%)
FUZZ_OBJ	 = tests/fuzz/obj
FUZZ_SECONDS	?= 20
# harnesses run at a time by fuzz-run (each is one busy process)
FUZZ_JOBS	?= 2

# As the unit tests: the modules from an archive of them built with the
# harnesses' instrumentation; what a harness #includes in its .d.
$(FUZZ_OBJ)/$(LIBA): $(LIBSRCS:%.c=$(FUZZ_OBJ)/%.o)
	@echo "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $^
tests/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ)/$(LIBA)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) $(FUZZ_SAN) \
	    -fsanitize=fuzzer $(WARN) -MMD -MP -I. -o $@ $< \
	    $(FUZZ_OBJ)/$(LIBA) $(LDLIBS)

$(FUZZ_OBJ)/%.o: %.c
	@mkdir -p $(FUZZ_OBJ)
	@echo "  CC      $@"
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) $(FUZZ_SAN) \
	    -fsanitize=fuzzer-no-link $(WARN) -MMD -MP -c -o $@ $<

-include $(FUZZ_BINS:=.d) $(LIBSRCS:%.c=$(FUZZ_OBJ)/%.d)

fuzz: $(FUZZ_BINS)

fuzz-run: fuzz
	tests/fuzz/run -j $(FUZZ_JOBS) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The whole suite built with ASan + UBSan in build-asan/, a tree of
# symbolic links to the sources, so that no sanitized object ever meets
# the normal build.  Any sanitizer report from any process (daemons
# included) lands in build-asan/san/ and fails the target.
# ASAN_TESTS=PATTERN runs only the tests whose name contains PATTERN;
# ASAN_JOBS of them at a time, as make check.
ASAN_CC		?= clang
ASAN_CFLAGS	?= -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer
ASAN_DIR	 = build-asan
ASAN_JOBS	?= $(CHECK_JOBS)
ASAN_ENV	 = EW_SANITIZER=asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:log_path=$(CURDIR)/$(ASAN_DIR)/san/asan \
		   UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$(CURDIR)/$(ASAN_DIR)/san/ubsan

asan-build:
	@mkdir -p $(ASAN_DIR)/tests
	@find $(ASAN_DIR) -type l -delete
	@for f in Makefile *.c *.h etherws.8 systemd; do ln -s ../$$f $(ASAN_DIR)/$$f; done
	@for f in tests/*; do \
	    [ -f "$$f" ] || continue; \
	    case "$$f" in *.o|*.d) continue ;; \
	    tests/test_*.c|tests/test_*.h) ;; tests/test_*) continue ;; \
	    tests/linkemu) continue ;; esac; \
	    ln -s ../../$$f $(ASAN_DIR)/$$f; done
	$(MAKE) -C $(ASAN_DIR) CC=$(ASAN_CC) CFLAGS="$(ASAN_CFLAGS)" etherws units

check-asan: asan-build
	@rm -rf $(ASAN_DIR)/san && mkdir -p $(ASAN_DIR)/san
	cd $(ASAN_DIR) && $(ASAN_ENV) tests/run -j $(ASAN_JOBS) $(ASAN_TESTS); rc=$$?; \
	    for f in san/*; do [ -f "$$f" ] || continue; \
	        echo "== sanitizer report $(ASAN_DIR)/$$f"; cat "$$f"; rc=1; \
	    done; exit $$rc

# One end-to-end scenario with every "etherws sw" under valgrind (exit 77
# of tests/valgrind.sh: valgrind is missing, it said SKIP: not a failure).
check-valgrind: etherws
	tests/valgrind.sh tests/e2e_two_switches.sh; rc=$$?; \
	    [ $$rc -eq 77 ] || exit $$rc

.PHONY: fuzz fuzz-run asan-build check-asan check-valgrind

# ------------------------------------------------------------------
# Distribution.  make static: etherws-static, one stripped static binary
# (musl-gcc, BearSSL compiled from Debian's source package with musl, all
# in build-static/; Debian 12: musl-tools dpkg-dev), see
# scripts/build-static.sh.  make size prints its size.  make install
# honours DESTDIR and PREFIX; INSTALL_BIN=etherws-static installs the
# static binary instead of the dynamic one.  It installs the binary
# stripped (STRIP names the strip program of a cross build;
# INSTALL_STRIP= keeps the symbols), the man page, the systemd unit
# (systemd/etherws.service.in with SBINDIR filled in), the sysusers.d file
# of its user (systemd/etherws.sysusers) and, unless one is there
# already, /etc/default/etherws.
STATIC		?= etherws-static
STATIC_DIR	?= build-static$(if $(STATIC_PIE),-pie)
# STATIC_PIE=1: a static PIE (scripts/build-static.sh, PIE=1): 17 KB more
STATIC_PIE	?=
INSTALL_BIN	?= etherws
INSTALL		?= install
STRIP		?= strip
INSTALL_STRIP	?= -s --strip-program=$(STRIP)
SBINDIR		?= $(PREFIX)/sbin
MANDIR		?= $(PREFIX)/share/man
UNITDIR		?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR	?= $(PREFIX)/lib/sysusers.d
SYSCONFDIR	?= /etc

static: $(STATIC)

# malloc.c, the allocator of the static build only (musl's is ~8 KB);
# relro.c, its RELRO (musl's static start-up does not apply it).
STATIC_SRCS	 = $(OBJS:.o=.c) malloc.c relro.c
$(STATIC): $(STATIC_SRCS) $(wildcard *.h) scripts/build-static.sh
	$(Q)BUILD=$(STATIC_DIR) OUT=$@ PIE=$(STATIC_PIE) sh scripts/build-static.sh $(STATIC_SRCS)

size: $(STATIC)
	@echo "$(STATIC): $$(wc -c < $(STATIC)) bytes, stripped, static (musl + BearSSL)"

etherws.service: systemd/etherws.service.in
	sed 's|@SBINDIR@|$(SBINDIR)|g' systemd/etherws.service.in > $@

install: $(INSTALL_BIN) etherws.8 etherws.service
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
	    $(DESTDIR)$(SYSCONFDIR)/default
	$(INSTALL) -m 0755 $(INSTALL_STRIP) $(INSTALL_BIN) $(DESTDIR)$(SBINDIR)/etherws
	$(INSTALL) -m 0644 etherws.8 $(DESTDIR)$(MANDIR)/man8/etherws.8
	$(INSTALL) -m 0644 etherws.service $(DESTDIR)$(UNITDIR)/etherws.service
	$(INSTALL) -m 0644 systemd/etherws.sysusers $(DESTDIR)$(SYSUSERSDIR)/etherws.conf
	[ -e $(DESTDIR)$(SYSCONFDIR)/default/etherws ] || \
	    $(INSTALL) -m 0644 systemd/etherws.default $(DESTDIR)$(SYSCONFDIR)/default/etherws

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/etherws $(DESTDIR)$(MANDIR)/man8/etherws.8 \
	    $(DESTDIR)$(UNITDIR)/etherws.service $(DESTDIR)$(SYSUSERSDIR)/etherws.conf

.PHONY: etherws.service static size install uninstall

# ------------------------------------------------------------------
# Router CPUs (scripts/cross.sh; Debian 12: gcc-mips-linux-gnu
# gcc-mipsel-linux-gnu gcc-arm-linux-gnueabihf gcc-aarch64-linux-gnu
# qemu-user-static dpkg-dev), all in build-cross/, none of it part of
# make check.  CROSS_TARGETS: any of mips mipsel armhf arm64 (s390x),
#   make cross          etherws and the unit tests for each, -Werror
#   make check-cross    ... and every unit test under qemu-user
#   make static-cross   build-cross/etherws-static-TARGET: musl from
#                       Debian's source, OpenWrt's flags for the target
#   make check-cross-e2e  each target's static switch under qemu-user
#                       tunnelled to a native one (tests/cross_e2e.sh)
#   CROSS_TARGETS=all   the four; the default
#   CROSS_E2E_TARGETS   the targets check-cross-e2e runs (CROSS_TARGETS);
#                       "rotate": two, by the day of the year (UTC), one
#                       MIPS and one ARM, big-endian one day and 64-bit
#                       the next (CI: static builds of all four, the
#                       tunnel matrix in two days; make check-cross-e2e
#                       runs it whole)
CROSS_ALL	 = mips mipsel armhf arm64
CROSS_TARGETS	?= all
CROSS_E2E_TARGETS ?= $(CROSS_TARGETS)
cross_rotate	 = $(shell date -u +%j | awk '{ print $$1 % 2 ? "mipsel arm64" : "mips armhf" }')
# cross_list LIST: LIST with "all" and "rotate" spelled out
cross_list	 = $(strip $(if $(filter all,$(1)),$(CROSS_ALL), \
		   $(if $(filter rotate,$(1)),$(cross_rotate),$(1))))
CROSS_T		 = $(call cross_list,$(CROSS_TARGETS))

cross:
	sh scripts/cross.sh build $(CROSS_T)

check-cross: cross
	sh scripts/cross.sh units $(CROSS_T)

# one static binary per target, rebuilt when a source changes; one
# build at a time (flock): they share the downloaded sources
build-cross/etherws-static-%: $(STATIC_SRCS) $(wildcard *.h) \
    scripts/build-static.sh scripts/cross.sh scripts/srcpkg.sh
	@mkdir -p build-cross
	flock build-cross/.static.lock sh scripts/cross.sh static $*

static-cross: $(CROSS_T:%=build-cross/etherws-static-%)
	@sh scripts/cross.sh sizes $(CROSS_T)

check-cross-e2e: etherws $(patsubst %,build-cross/etherws-static-%, \
    $(call cross_list,$(CROSS_E2E_TARGETS)))
	tests/cross_e2e.sh $(call cross_list,$(CROSS_E2E_TARGETS))

# etherws on a real big-endian kernel: Debian's s390x kernel and busybox
# under qemu-system-s390x with the static s390x build in an initramfs
# (tests/bigendian.sh; Debian 12: gcc-s390x-linux-gnu qemu-system-misc
# cpio busybox, and dpkg's s390x architecture, which
# scripts/s390x-guest.sh adds).
check-bigendian: etherws build-cross/etherws-static-s390x
	tests/bigendian.sh

print-static-srcs:
	@echo $(STATIC_SRCS)

.PHONY: cross check-cross static-cross check-cross-e2e check-bigendian \
	print-static-srcs

# ------------------------------------------------------------------
# clean: everything built from this tree's sources (native, unit tests,
# fuzzers, build-asan/, the static and cross builds of etherws); it
# keeps what took long and does not change with them: the downloaded
# BearSSL and musl sources and the libraries built from them in
# build-static/ and build-cross/.  distclean removes those too.
clean:
	rm -f etherws *.o *.d $(LIBA) $(UNITS) $(UNITS:=.d) $(TOOLS) \
	    tests/*.o tests/*.d etherws.service
	rm -rf $(FUZZ_BINS) $(FUZZ_BINS:=.d) $(FUZZ_OBJ) $(ASAN_DIR)
	rm -rf $(STATIC) $(STATIC_DIR)/obj $(STATIC_DIR)/etherws
	rm -rf build-cross/etherws-static-* build-cross/*/static/obj \
	    build-cross/*/static/etherws
	for d in build-cross/*/; do [ ! -f "$$d/Makefile" ] || \
	    $(MAKE) -s -C "$$d" clean >/dev/null; done

distclean: clean
	rm -rf $(STATIC_DIR) build-cross

.PHONY: clean distclean
