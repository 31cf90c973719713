/*
 * test_util - the small helpers' parsers and lookups: util.c's
 * ew_parse_int against strtoll (the C library's reading of the same
 * text) for the texts both accept, and its refusals, ew_memmem against
 * a naive search; addr.c's inet_aton forms and CIDR blocks; cli.c's
 * typo suggestions; errtext.c's error texts in glibc's words; sys.c's
 * default --maxmem for a router's memory and a server's.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "addr.h"
#include "cli.h"
#include "errtext.h"
#include "sys.h"
#include "util.h"
#include "t.h"

static void
test_parse_int(void)
{
	static const char *const good[] = { "0", "-0", "+0", "7", "-7", "+7",
	    "00012", "2147483648", "-2147483649", "9223372036854775807",
	    "-9223372036854775808", "1000000", "-000" };
	static const char *const bad[] = { "", "-", "+", " 1", "1 ", "\t1",
	    "\n1", "1x", "x1", "0x10", "1.0", "1e3", "--1", "+-1", "9223372036854775808",
	    "-9223372036854775809", "99999999999999999999", "1_000" };
	long long v, w;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		w = strtoll(good[i], NULL, 10);
		v = 12345;
		CHECK(ew_parse_int(good[i], &v) == 0);
		CHECK(v == w);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 12345;
		if (ew_parse_int(bad[i], &v) == 0)
			fprintf(stderr, "parse_int accepted \"%s\"\n", bad[i]);
		CHECK(ew_parse_int(bad[i], &v) < 0);
		CHECK(v == 12345);
	}
	CHECK(ew_parse_int(NULL, &v) < 0);
}

/* ew_memcaseeq: ASCII case only, exactly n bytes, NUL a byte like any. */
static void
test_memcaseeq(void)
{
	CHECK(ew_memcaseeq("LocalHost", "localhost", 9));
	CHECK(ew_memcaseeq("a.B-c_9", "A.b-C_9", 7));
	CHECK(!ew_memcaseeq("localhost", "localhosT.", 10));
	CHECK(ew_memcaseeq("abcX", "ABCy", 3));
	CHECK(ew_memcaseeq("x", "y", 0));
	CHECK(!ew_memcaseeq("a\0b", "a\0c", 3));
	CHECK(ew_memcaseeq("a\0B", "A\0b", 3));
	CHECK(!ew_memcaseeq("a\0", "ab", 2));
	/* letters only: '@' and '`' (around A-Z) and bytes >= 0x80 stay */
	CHECK(!ew_memcaseeq("@", "`", 1));
	CHECK(!ew_memcaseeq("[", "{", 1));
	CHECK(!ew_memcaseeq("\xc0", "\xe0", 1));
}

static void
test_memmem(void)
{
	static const char h[] = "abcabcabd://x:/";
	const char *n[] = { "abd", "://", "abc", "d", "x:/", "zz", "/", "" };
	size_t i, k, hl = strlen(h);

	for (i = 0; i < sizeof(n) / sizeof(n[0]); i++) {
		const char *want = NULL;
		size_t nl = strlen(n[i]);

		for (k = 0; k + nl <= hl && want == NULL; k++)
			if (memcmp(h + k, n[i], nl) == 0)
				want = h + k;
		CHECK(ew_memmem(h, hl, n[i], nl) == want);
	}
	CHECK(ew_memmem(h, 2, "abc", 3) == NULL);
	CHECK(ew_memmem(h, 0, "a", 1) == NULL);
}

static void
test_strerror(void)
{
	CHECK(strcmp(ew_strerror(EADDRINUSE), "Address already in use") == 0);
	CHECK(strcmp(ew_strerror(ECONNREFUSED), "Connection refused") == 0);
	CHECK(strcmp(ew_strerror(EMFILE), "Too many open files") == 0);
	CHECK(strcmp(ew_strerror(0), "Success") == 0);
	/* the largest number in the table: 122 on x86, ARM; 1133 on MIPS,
	 * where a table of bytes gave it no text and gave its text to 109
	 * (1133 mod 256) instead */
	CHECK(strcmp(ew_strerror(EDQUOT), "Disk quota exceeded") == 0);
	CHECK(strcmp(ew_strerror(ECANCELED), "Operation canceled") == 0);
	/* every text we keep is glibc's for that number, on this CPU's
	 * numbering (MIPS's go past 1100) */
	{
		int e, same = 0, known = 0;

		for (e = 0; e < 1200; e++)
			if (strncmp(ew_strerror(e), "Unknown error ", 14) != 0) {
				known++;
				if (strcmp(ew_strerror(e), strerror(e)) == 0)
					same++;
				else
					fprintf(stderr, "errno %d: ours \"%s\", "
					    "glibc \"%s\"\n", e, ew_strerror(e),
					    strerror(e));
			}
		CHECK(known > 50);
		CHECK(same == known);
	}
	/* glibc's text for a number it has no words for */
	CHECK(strcmp(ew_strerror(4000), "Unknown error 4000") == 0);
	CHECK(strcmp(ew_strerror(-7), "Unknown error -7") == 0);
}

/* ew_inet_aton against glibc's inet_aton: every join of one to four of
 * these parts, with and without text after them */
static void
test_inet_aton(void)
{
	static const char *const tok[] = { "0", "1", "9", "255", "256",
	    "0x10", "0xff", "0XFF", "0x100", "010", "0377", "0400", "08", "0x",
	    "00", "65535", "65536", "16777215", "16777216", "4294967295",
	    "4294967296", "99999999999", "1a", "" };
	static const char *const tail[] = { "", " ", " x", "\tjunk", "x",
	    ".", ".x" };
	const size_t nt = sizeof(tok) / sizeof(tok[0]);
	char txt[128];
	uint8_t a[4];
	struct in_addr b;
	size_t i, j, k, t, parts, shown = 0;
	int x, y, bad = 0;

	for (parts = 1; parts <= 4; parts++)
		for (i = 0; i < nt; i++)
			for (j = 0; j < (parts > 1 ? nt : 1); j++)
				for (t = 0; t < sizeof(tail) / sizeof(tail[0]); t++) {
			/* parts beyond the second repeat tok[j] or "1" */
			snprintf(txt, sizeof(txt), "%s", tok[i]);
			for (k = 1; k < parts; k++)
				snprintf(txt + strlen(txt), sizeof(txt) - strlen(txt),
				    ".%s", k == 1 ? tok[j] : (k == 2 ? "1" : tok[j]));
			snprintf(txt + strlen(txt), sizeof(txt) - strlen(txt),
			    "%s", tail[t]);
			memset(a, 0, 4);
			x = ew_inet_aton(txt, a, 1);
			y = inet_aton(txt, &b);
			if (x != y || (x && memcmp(a, &b, 4) != 0)) {
				bad++;
				if (shown++ < 10)
					fprintf(stderr, "inet_aton \"%s\": ours %d, "
					    "glibc %d\n", txt, x, y);
			}
			/* exact: only what has nothing after the address */
			if (ew_inet_aton(txt, a, 0) !=
			    (y && strchr(txt, ' ') == NULL &&
			    strchr(txt, '\t') == NULL))
				bad++;
		}
	CHECK(bad == 0);
	CHECK(ew_inet_aton("127.1", a, 0) == 1 && a[0] == 127 && a[3] == 1);
	CHECK(ew_inet_aton("0x7f000001", a, 0) == 1 && a[0] == 127);
}

static void
test_cidr(void)
{
	static const char *const bad[] = { "", "/8", "10.0.0.0/", "10.0.0.0/33",
	    "::/129", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0/8", "x/8",
	    "10.0.0.0/8/8", "fe80::1%eth0" };
	struct ew_cidr c;
	uint8_t a4[4], a6[16];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(ew_cidr_parse(bad[i], &c) == -1);
	CHECK(ew_cidr_parse("10.9.3.0/24", &c) == 0 && c.bits == 24);
	inet_pton(AF_INET, "10.9.3.77", a4);
	CHECK(ew_cidr_match(&c, AF_INET, a4));
	inet_pton(AF_INET, "10.9.4.1", a4);
	CHECK(!ew_cidr_match(&c, AF_INET, a4));
	inet_pton(AF_INET6, "::ffff:10.9.3.5", a6);
	CHECK(ew_cidr_match(&c, AF_INET6, a6));
	CHECK(ew_cidr_parse("10.9.3.1", &c) == 0 && c.bits == 32);
	inet_pton(AF_INET, "10.9.3.1", a4);
	CHECK(ew_cidr_match(&c, AF_INET, a4));
	inet_pton(AF_INET, "10.9.3.2", a4);
	CHECK(!ew_cidr_match(&c, AF_INET, a4));
	CHECK(ew_cidr_parse("10.9.3.0/23", &c) == 0);
	inet_pton(AF_INET, "10.9.2.255", a4);
	CHECK(ew_cidr_match(&c, AF_INET, a4));
	inet_pton(AF_INET, "10.9.4.0", a4);
	CHECK(!ew_cidr_match(&c, AF_INET, a4));
	CHECK(ew_cidr_parse("0.0.0.0/0", &c) == 0);
	CHECK(ew_cidr_match(&c, AF_INET, a4));
	CHECK(ew_cidr_parse("fe80::/10", &c) == 0 && c.af == AF_INET6);
	inet_pton(AF_INET6, "febf::1", a6);
	CHECK(ew_cidr_match(&c, AF_INET6, a6));
	inet_pton(AF_INET6, "fec0::1", a6);
	CHECK(!ew_cidr_match(&c, AF_INET6, a6));
	CHECK(!ew_cidr_match(&c, AF_INET, a4));
	CHECK(ew_cidr_parse("::1", &c) == 0 && c.bits == 128);
	inet_pton(AF_INET6, "::1", a6);
	CHECK(ew_cidr_match(&c, AF_INET6, a6));
}

static const char *const words[] = { "foreground", "ageout", "port",
    "ctlport" };

static const char *
word_at(size_t i, const void *tab)
{
	return ((const char *const *)tab)[i];
}

/* Levenshtein distances (the classic examples) and the typo
 * suggestions ew_getopt and ctl build on them. */
static void
test_edit_distance(void)
{
	CHECK(ew_edit_distance("kitten", 6, "sitting", 7) == 3);
	CHECK(ew_edit_distance("flaw", 4, "lawn", 4) == 2);
	CHECK(ew_edit_distance("", 0, "abc", 3) == 3);
	CHECK(ew_edit_distance("abc", 3, "ABC", 3) == 0);
	CHECK(ew_edit_distance("forground", 9, "foreground", 10) == 1);
	CHECK(ew_edit_distance("a", 1, "b", 1) == 1);
	CHECK(ew_edit_distance("prot", 4, "port", 4) == 1);	/* a swap */
	CHECK(ew_edit_distance("ca", 2, "abc", 3) == 3);	/* OSA, not 2 */
	CHECK(ew_edit_distance("x", 1, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 34) ==
	    EW_EDIT_MAX + 1);
	CHECK(ew_nearest("forground", 9, word_at, words, 4) == 0);
	CHECK(ew_nearest("prot", 4, word_at, words, 4) == 2);
	CHECK(ew_nearest("ctlprt", 6, word_at, words, 4) == 3);
	CHECK(ew_nearest("xyz", 3, word_at, words, 4) == -1);
	/* two edits of a three-letter word are no typo */
	CHECK(ew_nearest("pt", 2, word_at, words, 4) == -1);
}

/* The default --maxmem: a router keeps the floor, a machine with the
 * memory gets room for 1,000 wss:// tunnels' TLS engines, and a 32-bit
 * size_t a lower cap (4 GiB would wrap to 0). */
static void
test_maxmem_default(void)
{
	const unsigned long long mib = 1024 * 1024, w64 = ~0ULL,
	    w32 = 0xffffffffULL;

	CHECK(ew_maxmem_default(0, w64) == 32 * mib);		/* unknown */
	CHECK(ew_maxmem_default(64 * mib, w64) == 32 * mib);
	CHECK(ew_maxmem_default(128 * mib, w64) == 32 * mib);
	CHECK(ew_maxmem_default(256 * mib, w64) == 32 * mib);
	CHECK(ew_maxmem_default(512 * mib, w64) == 64 * mib);
	CHECK(ew_maxmem_default(1024 * mib, w64) == 128 * mib);
	CHECK(ew_maxmem_default(8192 * mib, w64) == 1024 * mib);
	CHECK(ew_maxmem_default(24576 * mib, w64) == 1024 * mib);
	CHECK(ew_maxmem_default(1ULL << 50, w64) == 1024 * mib);
	CHECK(ew_maxmem_default(128 * mib, w32) == 32 * mib);
	CHECK(ew_maxmem_default(1024 * mib, w32) == 128 * mib);
	CHECK(ew_maxmem_default(16384 * mib, w32) == 256 * mib);
	/* 1,000 client engines (58,440 bytes on x86-64) from 512 MB */
	CHECK(ew_maxmem_default(512 * mib, w64) >= 1000ULL * 58440);
	CHECK(ew_ram_bytes() > 0);
}

int
main(void)
{
	test_edit_distance();
	test_inet_aton();
	test_maxmem_default();
	test_cidr();
	test_parse_int();
	test_memmem();
	test_memcaseeq();
	test_strerror();
	return t_done("test_util");
}
