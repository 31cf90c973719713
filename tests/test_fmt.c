/*
 * test_fmt - fmt.c against the C library it stands in for: every
 * conversion, flag, width, precision and length we support is formatted
 * by ew_snprintf and by libc's snprintf and must come out the same, as
 * must ew_strftime and strftime(3) in the C locale for many dates.  Also
 * truncation (C99 return values), fd output longer than the internal
 * buffer, the sticky failure flag, and that (this being a build without
 * NDEBUG) a conversion fmt.c lacks traps, with a message naming the
 * format.  test_fmt_ndebug has what the NDEBUG build does instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "fmt.h"
#include "t.h"

/* the truncation cases are the point, not a mistake */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

static int nfail_shown;

#define SAME(...) do { \
	char a_[512], b_[512]; \
	int na_ = ew_snprintf(a_, sizeof(a_), __VA_ARGS__); \
	int nb_ = snprintf(b_, sizeof(b_), __VA_ARGS__); \
	if ((na_ != nb_ || strcmp(a_, b_) != 0) && nfail_shown++ < 20) \
		fprintf(stderr, "%s:%d: %s: ours \"%s\" (%d), libc \"%s\" " \
		    "(%d)\n", __FILE__, __LINE__, #__VA_ARGS__, a_, na_, b_, \
		    nb_); \
	CHECK(na_ == nb_ && strcmp(a_, b_) == 0); \
} while (0)

static void
test_ints(void)
{
	static const long long v[] = { 0, 1, -1, 7, -7, 42, 255, 256, -255,
	    1000000, -1000000, INT_MAX, INT_MIN, (long long)UINT_MAX,
	    LLONG_MAX, LLONG_MIN, 0x7f, 0x80, -0x80 };
	/* every flag, width and precision form, for each length */
	static const char *const fi[] = { "%d", "%5d", "%-5d", "%05d",
	    "%.3d", "%8.3d", "%-8.3d", "%.0d", "%3d", "%-05d", "%0d" };
	static const char *const fu[] = { "%u", "%x", "%02x", "%04x", "%8x",
	    "%-8x", "%.4x", "%.0x", "%08x", "%016x" };
	const char *const *set;
	size_t i, j, n, m;
	char f[16], conv;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		for (m = 0; m < 2; m++) {
			set = m == 0 ? fi : fu;
			n = m == 0 ? sizeof(fi) / sizeof(fi[0]) :
			    sizeof(fu) / sizeof(fu[0]);
			for (j = 0; j < n; j++) {
				conv = set[j][strlen(set[j]) - 1];
				SAME(set[j], (int)v[i]);
				/* the same with l, ll and z: "%5d" -> "%5lld" */
				snprintf(f, sizeof(f), "%.*sl%c",
				    (int)strlen(set[j]) - 1, set[j], conv);
				SAME(f, (long)v[i]);
				snprintf(f, sizeof(f), "%.*sll%c",
				    (int)strlen(set[j]) - 1, set[j], conv);
				SAME(f, v[i]);
				snprintf(f, sizeof(f), "%.*sz%c",
				    (int)strlen(set[j]) - 1, set[j], conv);
				SAME(f, (size_t)v[i]);
			}
		}
		SAME("%llu %llx %016llx", (unsigned long long)v[i],
		    (unsigned long long)v[i], (unsigned long long)v[i]);
		SAME("%lu %lx", (unsigned long)v[i], (unsigned long)v[i]);
		SAME("%zu %zx %zd", (size_t)v[i], (size_t)v[i], (ssize_t)v[i]);
		SAME("%*d|%-*d|%.*d", 6, (int)v[i], 6, (int)v[i], 4, (int)v[i]);
		SAME("%*d|", -6, (int)v[i]);
		SAME("%.*d|", -1, (int)v[i]);
		SAME("%03ld", (long)v[i]);
	}
}

/* What fmt.c lacks traps, in a child, after a line on stderr naming the
 * conversion and the format, before any argument is read (but a '*'
 * width's).  Formats held in a table: GCC would rightly warn about them
 * as literals. */
static void
test_trap(void)
{
	static const struct {
		const char *fmt, *conv;	/* the format, the conversion named */
	} t[] = { { "a%cb", "%c" }, { "%o", "%o" }, { "%+d", "%+" },
	    { "% d", "% " }, { "%#x", "%#" }, { "%X", "%X" }, { "%i", "%i" },
	    { "%hhd", "%h" }, { "%hd", "%h" }, { "%jd", "%j" }, { "%td", "%t" },
	    { "%Lf", "%L" }, { "%f", "%f" }, { "%g", "%g" }, { "%p", "%p" },
	    { "%n", "%n" }, { "%q", "%q" }, { "%ls", "%ls" }, { "%zs", "%zs" },
	    { "%l%", "%l%" }, { "x %-5.2c", "%-5.2c" }, { "%*c", "%*c" },
	    { "%d and %c", "%c" }, { "%d%c%s", "%c" }, { "100%", "%" },
	    { "%-", "%-" } };
	char buf[64], msg[512], want[64];
	size_t i, n;
	int p[2], st, r;
	pid_t pid;

#ifdef NDEBUG
	return;		/* make CPPFLAGS=-DNDEBUG: fmt.o has no trap */
#endif
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK(pipe(p) == 0);
		fflush(NULL);
		if ((pid = fork()) == 0) {
			struct rlimit no = { 0, 0 };

			setrlimit(RLIMIT_CORE, &no);	/* no core files */
			dup2(p[1], 2);
			close(p[0]);
			/* both sinks, a buffer and an fd */
			if (i % 2 == 0)
				ew_snprintf(buf, sizeof(buf), t[i].fmt, 5, 6, 7);
			else
				ew_dprintf(p[1], t[i].fmt, 5, 6, 7);
			_exit(0);			/* it did not trap */
		}
		close(p[1]);
		n = 0;
		while (n < sizeof(msg) - 1 &&
		    (r = (int)read(p[0], msg + n, sizeof(msg) - 1 - n)) > 0)
			n += (size_t)r;
		msg[n] = '\0';
		close(p[0]);
		CHECK(waitpid(pid, &st, 0) == pid);
		snprintf(want, sizeof(want), "\"%s\" in format \"%s\"\n",
		    t[i].conv, t[i].fmt);
		if ((!WIFSIGNALED(st) || strstr(msg, want) == NULL) &&
		    nfail_shown++ < 20)
			fprintf(stderr, "%s: status %d, stderr \"%s\"\n",
			    t[i].fmt, st, msg);
		CHECK(WIFSIGNALED(st));
		CHECK(strstr(msg, "etherws: unsupported conversion ") != NULL);
		CHECK(strstr(msg, want) != NULL);
	}
}

static void
test_strings(void)
{
	static const char *const s[] = { "", "a", "hello", "with space",
	    "\xc3\xa9t\xc3\xa9", "a-rather-longer-string-than-the-widths" };
	size_t i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		SAME("%s", s[i]);
		SAME("[%10s]", s[i]);
		SAME("[%-10s]", s[i]);
		SAME("[%.3s]", s[i]);
		SAME("[%-10.2s]", s[i]);
		SAME("[%.*s]", 4, s[i]);
		SAME("[%.*s]", -1, s[i]);
		SAME("[%*s]", 12, s[i]);
		SAME("[%.0s]", s[i]);
		SAME("%s=%d;%s", s[i], (int)i, s[i]);
	}
	/* precision stops before a missing NUL */
	{
		char nonul[3] = { 'x', 'y', 'z' };
		SAME("%.3s|%.2s", nonul, nonul);
	}
	SAME("100%% of %d%%", 5);
	SAME("plain text, no conversions");
	SAME("%s", "trailing percent at the end %%");
}

/* Truncation: the result is the length it would have had; what fits
 * is written and NUL-terminated; cap 0 writes nothing. */
static void
test_truncation(void)
{
	char buf[8], ref[8];
	size_t cap;
	int a, b;

	for (cap = 0; cap <= sizeof(buf); cap++) {
		memset(buf, 'Q', sizeof(buf));
		memset(ref, 'Q', sizeof(ref));
		a = ew_snprintf(buf, cap, "%s-%05d", "abc", 42);
		b = snprintf(ref, cap, "%s-%05d", "abc", 42);
		CHECK(a == b);
		CHECK(memcmp(buf, ref, sizeof(buf)) == 0);
	}
	CHECK(ew_snprintf(NULL, 0, "%d", 12345) == 5);
}

static void
test_fd(void)
{
	char big[5000], back[6000];
	int p[2], n, got = 0, r;

	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(pipe(p) == 0);
	/* longer than fmt.c's 1 KB buffer: flushed in pieces, all of it */
	n = ew_dprintf(p[1], "<%s|%d>", big, 77);
	CHECK(n == (int)strlen(big) + 5);
	CHECK(ew_puts(p[1], "tail") == 0);
	close(p[1]);
	while (got < (int)sizeof(back) &&
	    (r = (int)read(p[0], back + got, sizeof(back) - (size_t)got)) > 0)
		got += r;
	close(p[0]);
	CHECK(got == n + 4);
	CHECK(back[0] == '<' && memcmp(back + 1, big, strlen(big)) == 0);
	CHECK(memcmp(back + 1 + strlen(big), "|77>tail", 8) == 0);
	CHECK(!ew_output_failed());
	/* a closed fd: the failure is remembered */
	CHECK(ew_puts(p[1], "x") < 0);
	CHECK(ew_output_failed());
}

static void
test_strftime(void)
{
	static const char *const f[] = { "%Y-%m-%d %H:%M:%S", "%a %A %b %B",
	    "%d/%e/%j", "%I %p", "%y %C", "%u %w", "%D|%F|%R|%T|%r", "%c",
	    "%x %X", "%%|%n|%t", "%z %Z", "%h", "no conversions", "" };
	char a[256], b[256];
	struct tm tm;
	time_t t;
	size_t i, k, na, nb;

	setlocale(LC_ALL, "C");
	setenv("TZ", "UTC0", 1);
	tzset();
	/* 1970 .. 2100 in strides that land on every weekday, month, hour
	 * of the morning and afternoon, and leap days */
	for (k = 0, t = 0; k < 2000; k++, t += 86400L * 23 + 3600 * 7 + 61) {
		gmtime_r(&t, &tm);
		for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
			na = ew_strftime(a, sizeof(a), f[i], &tm);
			nb = strftime(b, sizeof(b), f[i], &tm);
			if ((na != nb || strcmp(a, b) != 0) && nfail_shown++ < 20)
				fprintf(stderr, "strftime %s: ours \"%s\", "
				    "libc \"%s\"\n", f[i], a, b);
			CHECK(na == nb && strcmp(a, b) == 0);
		}
	}
	/* ours truncates where strftime gives up */
	gmtime_r(&(time_t){ 0 }, &tm);
	CHECK(ew_strftime(a, 5, "%Y-%m-%d", &tm) == 4);
	CHECK(strcmp(a, "1970") == 0);
	CHECK(ew_strftime(a, 0, "%Y", &tm) == 0);
}

/* ew_ntop against glibc's inet_ntop: every pattern of zero and
 * non-zero groups (so every place and length of the "::" run, ties
 * included), IPv4-mapped and -compatible tails, and IPv4 */
static void
test_ntop(void)
{
	static const unsigned vals[] = { 0x1, 0xabcd, 0xffff, 0x10 };
	uint8_t a[16];
	char x[64], y[64];
	unsigned m, v, i;

	for (m = 0; m < 256; m++)
		for (v = 0; v < 4; v++) {
			for (i = 0; i < 8; i++) {
				unsigned w = (m >> i) & 1 ? vals[(v + i) % 4] : 0;
				a[2 * i] = (uint8_t)(w >> 8);
				a[2 * i + 1] = (uint8_t)w;
			}
			CHECK(ew_ntop(AF_INET6, a, x, sizeof(x)) != NULL);
			CHECK(inet_ntop(AF_INET6, a, y, sizeof(y)) != NULL);
			if (strcmp(x, y) != 0 && nfail_shown++ < 20)
				fprintf(stderr, "ntop: ours %s, libc %s\n", x, y);
			CHECK(strcmp(x, y) == 0);
		}
	/* ::ffff:a.b.c.d and ::a.b.c.d with zero bytes inside the quad */
	for (v = 0; v < 64; v++) {
		memset(a, 0, sizeof(a));
		a[10] = a[11] = (v & 1) ? 0xff : 0;
		a[12] = (uint8_t)(v & 2 ? 10 : 0);
		a[13] = (uint8_t)(v & 4 ? 200 : 0);
		a[14] = (uint8_t)(v & 8 ? 1 : 0);
		a[15] = (uint8_t)(v & 16 ? 255 : 0);
		if (v & 32)
			a[9] = 1;	/* no longer mapped */
		CHECK(ew_ntop(AF_INET6, a, x, sizeof(x)) != NULL);
		CHECK(inet_ntop(AF_INET6, a, y, sizeof(y)) != NULL);
		if (strcmp(x, y) != 0 && nfail_shown++ < 20)
			fprintf(stderr, "ntop: ours %s, libc %s\n", x, y);
		CHECK(strcmp(x, y) == 0);
	}
	for (v = 0; v < 1000; v++) {
		for (i = 0; i < 4; i++)
			a[i] = (uint8_t)((v * 37 + i * 101) * (i + 1));
		CHECK(strcmp(ew_ntop(AF_INET, a, x, sizeof(x)),
		    inet_ntop(AF_INET, a, y, sizeof(y))) == 0);
	}
	/* too short a buffer: NULL, nothing half-written past cap */
	memset(a, 0, sizeof(a));
	a[0] = 0x20;
	a[15] = 1;
	CHECK(ew_ntop(AF_INET6, a, x, 7) == NULL && errno == ENOSPC);
	CHECK(ew_ntop(AF_INET6, a, x, 8) != NULL && strcmp(x, "2000::1") == 0);
	CHECK(ew_ntop(AF_INET, a, x, 7) == NULL);
	CHECK(ew_ntop(12345, a, x, sizeof(x)) == NULL && errno == EAFNOSUPPORT);
}

/* ew_pton against glibc's inet_pton: structured cases, then random
 * strings over the bytes addresses are made of */
static void
test_pton(void)
{
	static const char *const cases[] = { "0.0.0.0", "1.2.3.4",
	    "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5",
	    "1..2.3", "1.2.3.4 ", " 1.2.3.4", "", "::", "::1", "1::", "1::2",
	    "::ffff:1.2.3.4", "::1.2.3.4", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9",
	    "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1::2::3", ":1::2", "1::2:",
	    ":::", "12345::", "abcd:EF01::", "1:2:3:4:5:6:1.2.3.4",
	    "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3.04", "::1.2.3", "fe80::1%eth0",
	    "1:2:3:4:5:6:7:8::", "::0:0:0:0:0:0:0", "0:0:0:0:0:0:0:0" };
	static const char alpha[] = "0123456789abcdefABCDEF:.x ";
	uint8_t x[16], y[16];
	char txt[48];
	size_t i, k, n, bad = 0;
	uint32_t r = 7;
	int a, b, af;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]) + 400000; i++) {
		if (i < sizeof(cases) / sizeof(cases[0]))
			snprintf(txt, sizeof(txt), "%s", cases[i]);
		else {
			r = r * 1103515245 + 12345;
			n = (r >> 16) % 24;
			for (k = 0; k < n; k++) {
				r = r * 1103515245 + 12345;
				/* mostly digits, ':' and '.' */
				txt[k] = alpha[(r >> 16) % (k % 3 ? 12 : sizeof(alpha) - 1)];
			}
			txt[n] = '\0';
		}
		for (af = 0; af < 2; af++) {
			int fam = af ? AF_INET6 : AF_INET;

			memset(x, 0, sizeof(x));
			memset(y, 0, sizeof(y));
			a = ew_pton(fam, txt, x);
			b = inet_pton(fam, txt, y);
			if (a != b || (a == 1 && memcmp(x, y, af ? 16 : 4) != 0)) {
				if (bad++ < 10)
					fprintf(stderr, "pton %d \"%s\": ours %d, "
					    "glibc %d\n", fam, txt, a, b);
			}
		}
	}
	CHECK(bad == 0);
	CHECK(ew_pton(12345, "1.2.3.4", x) == 0);
}

int
main(void)
{
	test_pton();
	test_ntop();
	test_ints();
	test_trap();
	test_strings();
	test_truncation();
	test_fd();
	test_strftime();
	return t_done("test_fmt");
}
