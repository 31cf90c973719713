# etherws - one plain Makefile.  Cross builds: make CC=... CFLAGS=... LDFLAGS=...
-include config.mk

CC	?= cc
CFLAGS	?= -O2 -g
WARN	 = -std=c11 -Wall -Wextra -Wshadow -Wmissing-prototypes \
	   -Wstrict-prototypes -Wpointer-arith
CPPFLAGS += -D_GNU_SOURCE
LDLIBS	 = -lbearssl
PREFIX	?= /usr/local

LIBSRCS	 = util.c log.c sha1.c base64.c json.c http.c ws.c tap_linux.c auth.c x509.c \
	   loop.c fdb.c sw.c conn.c client.c rpc.c ctl.c tls.c
LIBOBJS	 = $(LIBSRCS:.c=.o)
OBJS	 = etherws.o $(LIBOBJS)
UNITS	 = $(patsubst %.c,%,$(wildcard tests/test_*.c))

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
tests/test_sha1: sha1.o base64.o util.o
tests/test_auth: auth.o sha1.o base64.o util.o
tests/test_json: json.o util.o
tests/test_http: http.o util.o
tests/test_ws: ws.o sha1.o base64.o util.o
tests/test_fdb: fdb.o util.o
tests/test_tap: tap_linux.o util.o
tests/test_x509: x509.o base64.o sha1.o util.o
tests/test_%: tests/test_%.c tests/t.h
	@echo "  CC      $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -I. -o $@ $< \
	    $(filter %.o,$^) $(LDLIBS)

units: $(UNITS)

check: etherws units
	tests/run

clean:
	rm -f etherws *.o *.d $(UNITS) tests/*.o

.PHONY: all check units clean

-include $(OBJS:.o=.d)
