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

LIBSRCS	 = util.c fmt.c log.c logconf.c sha1.c md5.c bcrypt.c base64.c json.c \
	   http.c ws.c \
	   tap_linux.c auth.c pem.c x509.c loop.c fdb.c sw.c conn.c listen.c \
	   client.c dns.c rpc.c ctl.c ctl_io.c tls.c probe.c probetab.c gso.c \
	   port.c authfail.c \
	   switch.c tapport.c serve.c peeruid.c ctlallow.c siphash.c sock.c \
	   tunnel.c metrics.c config.c cfgrun.c txq.c pace.c conn_ws.c \
	   privdrop.c
LIBOBJS	 = $(LIBSRCS:.c=.o)
OBJS	 = etherws.o $(LIBOBJS)
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

etherws: $(OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

%.o: %.c
	@echo "  CC      $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

# Each unit test links only the modules it tests.
tests/test_fmt: fmt.o util.o
tests/test_malloc: malloc.c
tests/test_util: util.o fmt.o
tests/test_sha1: sha1.o base64.o util.o fmt.o
tests/test_auth: auth.o bcrypt.o md5.o sha1.o base64.o util.o fmt.o
tests/test_bcrypt: bcrypt.c bcrypt_pi.h util.o fmt.o
tests/test_md5: md5.o util.o fmt.o
tests/test_json: json.o util.o fmt.o
tests/test_http: http.o util.o fmt.o
tests/test_ws: ws.o sha1.o base64.o util.o fmt.o
tests/test_fdb: fdb.o siphash.o util.o fmt.o
tests/test_siphash: siphash.o util.o fmt.o
tests/test_authfail: authfail.o siphash.o util.o fmt.o
tests/test_loop: loop.o util.o fmt.o
tests/test_probe: probe.o probetab.o fdb.o sha1.o siphash.o \
    tests/probe_stubs.h
tests/test_tap: tap_linux.o util.o fmt.o
tests/test_x509: pem.o x509.o base64.o sha1.o util.o fmt.o
tests/test_log: log.o logconf.o util.o fmt.o
tests/test_dns: dns.o loop.o util.o fmt.o
tests/test_gso: gso.o util.o fmt.o tests/gso_ref.h
tests/test_txq: txq.o ws.o sha1.o base64.o siphash.o sock.o util.o fmt.o
tests/test_peeruid: peeruid.c peeruid.h defs.h
tests/test_config: config.o http.o json.o util.o fmt.o
# fmt.c as the static (release) build compiles it, with NDEBUG
tests/test_fmt_ndebug: tests/fmt_ndebug.o
tests/fmt_ndebug.o: fmt.c fmt.h bytes.h util.h
	@echo "  CC      $@"
	$(Q)$(CC) $(CPPFLAGS) -DNDEBUG $(CFLAGS) $(WARN) -c -o $@ $<
tests/test_%: tests/test_%.c tests/t.h
	@echo "  CC      $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -I. -o $@ $< \
	    $(filter %.o,$^) $(LDLIBS)

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

check: etherws units
	tests/run

clean:
	rm -f etherws *.o *.d $(UNITS) $(TOOLS) tests/*.o etherws.service

.PHONY: all check units clean

-include $(OBJS:.o=.d)

# ------------------------------------------------------------------
# Fuzzing and sanitizers (clang; on Debian 12: clang libclang-rt-14-dev
# valgrind).  Harnesses in tests/fuzz/ #include the .c they fuzz and
# link the other modules from tests/fuzz/obj/, built with the same
# instrumentation.  make fuzz-run FUZZ_SECONDS=N runs each for N
# seconds on a copy of its seed corpus (crashes: tests/fuzz/crashes/).

FUZZ_CC		?= clang
FUZZ_CFLAGS	?= -g -O1 -fno-omit-frame-pointer
FUZZ_SAN	 = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_TARGETS	 = http url ws json htpasswd base64 pem dns gso probe peeruid \
		   config
FUZZ_BINS	 = $(FUZZ_TARGETS:%=tests/fuzz/fuzz_%)
FUZZ_OBJ	 = tests/fuzz/obj
FUZZ_SECONDS	?= 20

tests/fuzz/fuzz_http: http.c $(FUZZ_OBJ)/util.o $(FUZZ_OBJ)/fmt.o
tests/fuzz/fuzz_url: http.c $(FUZZ_OBJ)/util.o $(FUZZ_OBJ)/fmt.o
tests/fuzz/fuzz_ws: ws.c $(FUZZ_OBJ)/sha1.o $(FUZZ_OBJ)/base64.o \
    $(FUZZ_OBJ)/util.o $(FUZZ_OBJ)/fmt.o
tests/fuzz/fuzz_json: json.c $(FUZZ_OBJ)/util.o $(FUZZ_OBJ)/fmt.o
tests/fuzz/fuzz_htpasswd: auth.c $(FUZZ_OBJ)/sha1.o $(FUZZ_OBJ)/base64.o \
    $(FUZZ_OBJ)/md5.o $(FUZZ_OBJ)/bcrypt.o \
    $(FUZZ_OBJ)/util.o $(FUZZ_OBJ)/fmt.o
tests/fuzz/fuzz_base64: base64.c
tests/fuzz/fuzz_pem: pem.c x509.c $(FUZZ_OBJ)/sha1.o $(FUZZ_OBJ)/base64.o \
    $(FUZZ_OBJ)/util.o $(FUZZ_OBJ)/fmt.o
tests/fuzz/fuzz_dns: dns.c $(FUZZ_OBJ)/loop.o $(FUZZ_OBJ)/util.o $(FUZZ_OBJ)/fmt.o
tests/fuzz/fuzz_gso: gso.c tests/gso_ref.h $(FUZZ_OBJ)/util.o $(FUZZ_OBJ)/fmt.o
tests/fuzz/fuzz_peeruid: peeruid.c peeruid.h
tests/fuzz/fuzz_config: config.c config.h $(FUZZ_OBJ)/http.o $(FUZZ_OBJ)/json.o \
    $(FUZZ_OBJ)/util.o $(FUZZ_OBJ)/fmt.o
tests/fuzz/fuzz_probe: probe.c tests/probe_stubs.h $(FUZZ_OBJ)/fdb.o $(FUZZ_OBJ)/sha1.o \
    $(FUZZ_OBJ)/siphash.o $(FUZZ_OBJ)/probetab.o
tests/fuzz/fuzz_%: tests/fuzz/fuzz_%.c defs.h
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) $(FUZZ_SAN) \
	    -fsanitize=fuzzer $(WARN) -I. -o $@ $< $(filter %.o,$^) $(LDLIBS)

$(FUZZ_OBJ)/%.o: %.c defs.h
	@mkdir -p $(FUZZ_OBJ)
	@echo "  CC      $@"
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) $(FUZZ_SAN) \
	    -fsanitize=fuzzer-no-link $(WARN) -c -o $@ $<

fuzz: $(FUZZ_BINS)

fuzz-run: fuzz
	tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The whole suite built with ASan + UBSan in build-asan/, a tree of
# symbolic links to the sources, so that no sanitized object ever meets
# the normal build.  Any sanitizer report from any process (daemons
# included) lands in build-asan/san/ and fails the target.
# ASAN_TESTS=PATTERN runs only the tests whose name contains PATTERN.
ASAN_CC		?= clang
ASAN_CFLAGS	?= -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer
ASAN_DIR	 = build-asan
ASAN_ENV	 = EW_SANITIZER=asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:log_path=$(CURDIR)/$(ASAN_DIR)/san/asan \
		   UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$(CURDIR)/$(ASAN_DIR)/san/ubsan

check-asan:
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
	@rm -rf $(ASAN_DIR)/san && mkdir -p $(ASAN_DIR)/san
	cd $(ASAN_DIR) && $(ASAN_ENV) tests/run $(ASAN_TESTS); rc=$$?; \
	    for f in san/*; do [ -f "$$f" ] || continue; \
	        echo "== sanitizer report $(ASAN_DIR)/$$f"; cat "$$f"; rc=1; \
	    done; exit $$rc

# One end-to-end scenario with every "etherws sw" under valgrind (exit 77
# of tests/valgrind.sh: valgrind is missing, it said SKIP: not a failure).
check-valgrind: etherws
	tests/valgrind.sh tests/e2e_two_switches.sh; rc=$$?; \
	    [ $$rc -eq 77 ] || exit $$rc

clean-fuzz:
	rm -rf $(FUZZ_BINS) $(FUZZ_OBJ) $(ASAN_DIR)

.PHONY: fuzz fuzz-run check-asan check-valgrind clean-fuzz

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

.PHONY: etherws.service
# clean keeps the downloaded BearSSL source and its musl libbearssl.a;
# distclean removes build-static/ entirely.
clean: clean-static
clean-static:
	rm -rf $(STATIC) $(STATIC_DIR)/obj $(STATIC_DIR)/etherws

distclean: clean
	rm -rf $(STATIC_DIR)

.PHONY: static size install uninstall clean-static distclean

# ------------------------------------------------------------------
# Router CPUs (scripts/cross.sh; Debian 12: gcc-mips-linux-gnu
# gcc-mipsel-linux-gnu gcc-arm-linux-gnueabihf gcc-aarch64-linux-gnu
# qemu-user-static dpkg-dev), all in build-cross/, none of it part of
# make check.  CROSS_TARGETS: any of mips mipsel armhf arm64 (s390x).
#   make cross          etherws and the unit tests for each, -Werror
#   make check-cross    ... and every unit test under qemu-user
#   make static-cross   build-cross/etherws-static-TARGET: musl from
#                       Debian's source, OpenWrt's flags for the target
#   make check-cross-e2e  each target's static switch under qemu-user
#                       tunnelled to a native one (tests/cross_e2e.sh)
CROSS_TARGETS	?= mips mipsel armhf arm64

cross:
	sh scripts/cross.sh build $(CROSS_TARGETS)

check-cross: cross
	sh scripts/cross.sh units $(CROSS_TARGETS)

static-cross: $(STATIC_SRCS) $(wildcard *.h) scripts/build-static.sh
	sh scripts/cross.sh static $(CROSS_TARGETS)
	@sh scripts/cross.sh sizes $(CROSS_TARGETS)

check-cross-e2e: etherws static-cross
	tests/cross_e2e.sh $(CROSS_TARGETS)

# etherws on a real big-endian kernel: Debian's s390x kernel and busybox
# under qemu-system-s390x with the static s390x build in an initramfs
# (tests/bigendian.sh; Debian 12: gcc-s390x-linux-gnu qemu-system-misc
# cpio busybox, and dpkg's s390x architecture, which
# scripts/s390x-guest.sh adds).
check-bigendian: etherws
	sh scripts/cross.sh static s390x
	tests/bigendian.sh

print-static-srcs:
	@echo $(STATIC_SRCS)

clean-cross:
	rm -rf build-cross

.PHONY: cross check-cross static-cross check-cross-e2e check-bigendian \
	print-static-srcs clean-cross
