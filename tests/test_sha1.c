/*
 * test_sha1.c - SHA-1 (FIPS 180) and base64 (RFC 4648) vectors, fed
 * whole, byte by byte and split at every offset; base64 input and output
 * end right before a PROT_NONE page so any overrun faults; and the
 * RFC 6455 section 1.3 accept key built from both.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "base64.h"
#include "sha1.h"
#include "ws.h"
#include "t.h"

static uint8_t *guard_base;
static size_t guard_pg;

/* Map two pages and make the second inaccessible. */
static void
guard_setup(void)
{
	guard_pg = (size_t)sysconf(_SC_PAGESIZE);
	guard_base = mmap(NULL, 2 * guard_pg, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guard_base == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	if (mprotect(guard_base + guard_pg, guard_pg, PROT_NONE) < 0) {
		perror("mprotect");
		exit(2);
	}
}

/* A len-byte window ending at the guard page (len <= one page). */
static void *
guard_tail(size_t len)
{
	return guard_base + guard_pg - len;
}

/* Copy (p, len) so that it ends at the guard page. */
static const char *
guard_copy(const void *p, size_t len)
{
	char *q = guard_tail(len);

	memcpy(q, p, len);
	return q;
}

static int
hex_eq(const uint8_t d[20], const char *hex)
{
	static const char xd[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 20; i++)
		if (hex[2 * i] != xd[d[i] >> 4] ||
		    hex[2 * i + 1] != xd[d[i] & 15])
			return 0;
	return hex[40] == '\0';
}

/* SHA-1 of (p, len) in two updates split at off. */
static void
sha1_split(const void *p, size_t len, size_t off, uint8_t out[20])
{
	struct sha1_ctx c;

	sha1_init(&c);
	sha1_update(&c, p, off);
	sha1_update(&c, (const uint8_t *)p + off, len - off);
	sha1_final(&c, out);
}

/* SHA-1 of (p, len) fed step bytes at a time. */
static void
sha1_steps(const void *p, size_t len, size_t step, uint8_t out[20])
{
	const uint8_t *b = p;
	struct sha1_ctx c;
	size_t i, k;

	sha1_init(&c);
	for (i = 0; i < len; i += k) {
		k = len - i < step ? len - i : step;
		sha1_update(&c, b + i, k);
	}
	sha1_final(&c, out);
}

/* Whole, byte by byte, and at every split offset. */
static void
test_sha1_vec(const char *msg, size_t len, const char *hex)
{
	uint8_t d[20];
	size_t off;
	int ok = 1;

	sha1(msg, len, d);
	CHECK(hex_eq(d, hex));
	sha1_steps(msg, len, 1, d);
	CHECK(hex_eq(d, hex));
	for (off = 0; off <= len; off++) {
		sha1_split(msg, len, off, d);
		ok &= hex_eq(d, hex);
	}
	CHECK(ok);
}

static void
test_sha1_fips(void)
{
	static const char m448[] =
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	static const char m896[] =
	    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

	test_sha1_vec("abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d");
	test_sha1_vec(m448, strlen(m448),
	    "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	test_sha1_vec(m896, strlen(m896),
	    "a49b2446a02c645bf419f995b67091253a04a259");
	test_sha1_vec("", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

/* Lengths around the padding boundaries (56 and 64 bytes). */
static void
test_sha1_lengths(void)
{
	static const struct {
		size_t		 n;
		const char	*hex;
	} v[] = {
		{ 1, "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8" },
		{ 55, "c1c8bbdc22796e28c0e15163d20899b65621d65a" },
		{ 56, "c2db330f6083854c99d4b5bfb6e8f29f201be699" },
		{ 57, "f08f24908d682555111be7ff6f004e78283d989a" },
		{ 63, "03f09f5b158a7a8cdad920bddc29b81c18a551f5" },
		{ 64, "0098ba824b5c16427bd7a1122a5a442a25ec644d" },
		{ 65, "11655326c708d70319be2610e8a57d9a5b959d3b" },
		{ 119, "ee971065aaa017e0632a8ca6c77bb3bf8b1dfc56" },
		{ 120, "f34c1488385346a55709ba056ddd08280dd4c6d6" },
		{ 127, "89d95fa32ed44a7c610b7ee38517ddf57e0bb975" },
		{ 128, "ad5b3fdbcb526778c2839d2f151ea753995e26a0" },
		{ 129, "d96debf1bdcbc896e6c134ea76e8141f40d78536" },
	};
	char a[129];
	size_t i;

	memset(a, 'a', sizeof(a));
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		test_sha1_vec(a, v[i].n, v[i].hex);
}

static void
test_sha1_million(void)
{
	static const char *hex = "34aa973cd4c4daa4f61eeb2bdbad27316534016f";
	static const size_t steps[] = { 1, 3, 63, 64, 65, 1000, 4096 };
	size_t n = 1000000, i;
	uint8_t d[20];
	char *a;

	if ((a = malloc(n)) == NULL)
		exit(2);
	memset(a, 'a', n);
	sha1(a, n, d);
	CHECK(hex_eq(d, hex));
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		sha1_steps(a, n, steps[i], d);
		CHECK(hex_eq(d, hex));
	}
	for (i = 0; i < 130; i++) {
		sha1_split(a, n, i * 7691, d);
		CHECK(hex_eq(d, hex));
	}
	free(a);
}

/* The input of sha1 itself must be read only within bounds. */
static void
test_sha1_guard(void)
{
	const char *p = guard_copy("abc", 3);
	uint8_t d[20];

	sha1(p, 3, d);
	CHECK(hex_eq(d, "a9993e364706816aba3e25717850c26c9cd0d89d"));
	/* The output too may end at the guard page. */
	sha1("abc", 3, guard_tail(20));
	CHECK(hex_eq(guard_tail(20), "a9993e364706816aba3e25717850c26c9cd0d89d"));
}

static const struct {
	const char	*plain;
	const char	*enc;
} b64_vec[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};
#define NB64	(sizeof(b64_vec) / sizeof(b64_vec[0]))

static void
test_b64_encode(void)
{
	size_t i, n, el;
	char *out;

	for (i = 0; i < NB64; i++) {
		n = strlen(b64_vec[i].plain);
		el = strlen(b64_vec[i].enc);
		CHECK(BASE64_ENC_LEN(n) == el);
		/* Exactly BASE64_ENC_LEN + NUL before the guard page. */
		out = guard_tail(el + 1);
		CHECK(base64_encode(out, (const uint8_t *)b64_vec[i].plain,
		    n) == el);
		CHECK(strcmp(out, b64_vec[i].enc) == 0);
	}
}

static void
test_b64_decode(void)
{
	uint8_t out[16];
	const char *in;
	size_t i, n, el;

	for (i = 0; i < NB64; i++) {
		n = strlen(b64_vec[i].plain);
		el = strlen(b64_vec[i].enc);
		in = guard_copy(b64_vec[i].enc, el);
		memset(out, 0xAA, sizeof(out));
		CHECK(base64_decode(out, sizeof(out), in, el) == (long)n);
		CHECK(memcmp(out, b64_vec[i].plain, n) == 0);
		CHECK(out[n] == 0xAA);
		/* An exact fit is fine, one byte short is not. */
		CHECK(base64_decode(out, n, in, el) == (long)n);
		if (n > 0)
			CHECK(base64_decode(out, n - 1, in, el) == -1);
	}
}

/* The output buffer may end at the guard page. */
static void
test_b64_decode_guard_out(void)
{
	uint8_t *out = guard_tail(6);

	CHECK(base64_decode(out, 6, "Zm9vYmFy", 8) == 6);
	CHECK(memcmp(out, "foobar", 6) == 0);
	out = guard_tail(5);
	CHECK(base64_decode(out, 5, "Zm9vYmE=", 8) == 5);
	CHECK(memcmp(out, "fooba", 5) == 0);
	CHECK(base64_decode(out, 5, "Zm9vYmFy", 8) == -1);
}

static void
test_b64_reject(void)
{
	static const char *bad[] = {
		"Z", "Zg", "Zg=", "Zm9vY", "Zm9vYmFy=",	/* length */
		"Zh==", "Zm9=", "Zm9vYh==", "Zm9vYmF=",	/* trailing bits */
		"Zg==Zg==", "Z===", "====", "=Zm9", "Z=g=", "Zg=a",
		"Zm=v", "Zm9v====",			/* padding */
		"Zm9v\n", " Zm9v", "Zm9v ", "Zm 9", "Zm9\t",
		"Zm9vYmFy\r\n", "Zm9v\nYmFy",		/* whitespace */
		"Zm-v", "Zm_v", "Zm.v", "Zm9\x80", "\xc3\xa9==",
		"Zm9\x7f", "Zm9@",			/* alphabet */
	};
	uint8_t out[16];
	const char *in;
	size_t i, n;
	int ok = 1;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = strlen(bad[i]);
		in = guard_copy(bad[i], n);
		if (base64_decode(out, sizeof(out), in, n) != -1) {
			fprintf(stderr, "accepted: \"%s\"\n", bad[i]);
			ok = 0;
		}
	}
	CHECK(ok);
	/* An embedded NUL is not the end of the input. */
	in = guard_copy("Zm9v\0mFy", 8);
	CHECK(base64_decode(out, sizeof(out), in, 8) == -1);
	/* Length 0 with a pointer at the guard page reads nothing. */
	CHECK(base64_decode(out, 0, guard_tail(0), 0) == 0);
}

/* Every byte value and length round-trips, decoded beside the guard. */
static void
test_b64_roundtrip(void)
{
	uint8_t in[300], out[300];
	char enc[BASE64_ENC_LEN(300) + 1];
	size_t len, i, el;
	int ok = 1;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7 + 3);
	for (len = 0; len <= sizeof(in); len++) {
		el = base64_encode(enc, in, len);
		ok &= el == BASE64_ENC_LEN(len) && enc[el] == '\0';
		ok &= base64_decode(out, len, guard_copy(enc, el), el) ==
		    (long)len && memcmp(in, out, len) == 0;
	}
	CHECK(ok);
}

static void
test_ws_accept_key(void)
{
	static const char key[] = "dGhlIHNhbXBsZSBub25jZQ==";
	struct sha1_ctx c;
	uint8_t d[20];
	char acc[BASE64_ENC_LEN(20) + 1];

	sha1_init(&c);
	sha1_update(&c, key, strlen(key));
	sha1_update(&c, WS_GUID, strlen(WS_GUID));
	sha1_final(&c, d);
	CHECK(base64_encode(acc, d, sizeof(d)) == 28);
	CHECK(strcmp(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0);
}

int
main(void)
{
	guard_setup();
	test_sha1_fips();
	test_sha1_lengths();
	test_sha1_million();
	test_sha1_guard();
	test_b64_encode();
	test_b64_decode();
	test_b64_decode_guard_out();
	test_b64_reject();
	test_b64_roundtrip();
	test_ws_accept_key();
	return t_done("test_sha1");
}
