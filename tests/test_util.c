/*
 * test_util - util.c's parsers and lookups: ew_parse_int against
 * strtoll (the C library's reading of the same text) for the texts both
 * accept, and its refusals; ew_memmem against a naive search; error
 * texts in glibc's words.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etherws.h"
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
	/* glibc's text for a number it has no words for */
	CHECK(strcmp(ew_strerror(4000), "Unknown error 4000") == 0);
	CHECK(strcmp(ew_strerror(-7), "Unknown error -7") == 0);
}

int
main(void)
{
	test_parse_int();
	test_memmem();
	test_strerror();
	return t_done("test_util");
}
