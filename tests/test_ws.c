/*
 * test_ws.c - ws.c: RFC 6455 vectors, header encoder, masking, and the
 * incremental receiver.  Every receive stream is fed whole, split at
 * every offset and byte by byte, as a caller would: it keeps the
 * unconsumed tail and appends what arrives next.  The bytes handed to
 * ws_rx_feed always end right before a PROT_NONE page, so any read past
 * the input faults.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ws.h"
#include "t.h"

#define BIG	(65536 + WS_HDR_MAX)	/* largest caller buffer used */

static uint8_t *guard;		/* first byte of the PROT_NONE page */

static void
guard_init(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t n = (BIG + pg - 1) / pg * pg;
	uint8_t *m;

	m = mmap(NULL, n + pg, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || mprotect(m + n, pg, PROT_NONE) != 0) {
		perror("mmap");
		exit(2);
	}
	guard = m + n;
}

/* Bytewise reference for ws_mask. */
static void
ref_mask(uint8_t *p, size_t len, const uint8_t k[4], size_t off)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] ^= k[(off + i) & 3];
}

/* ------------------------------------------------------------------ */
/* Receive driver */

struct exp {
	enum ws_ev_type	 type;
	int		 code;
	const uint8_t	*data;
	size_t		 len;
};

#define MSG(s)	{ WS_EV_MESSAGE, 0, (const uint8_t *)(s), sizeof(s) - 1 }
#define PING(s)	{ WS_EV_PING, 0, (const uint8_t *)(s), sizeof(s) - 1 }
#define PONG(s)	{ WS_EV_PONG, 0, (const uint8_t *)(s), sizeof(s) - 1 }
#define CLOSE(c, s) { WS_EV_CLOSE, c, (const uint8_t *)(s), sizeof(s) - 1 }
#define DROP	{ WS_EV_DROPPED, 0, NULL, 0 }
#define ERR(c)	{ WS_EV_ERROR, c, NULL, 0 }

struct tcase {
	const char	*name;
	int		 expect_mask;
	size_t		 max;
	const uint8_t	*in;
	size_t		 len;
	const struct exp *exp;
	size_t		 nexp;
};

static int
ev_match(const struct ws_event *ev, const struct exp *e)
{
	if (ev->type != e->type || ev->code != e->code)
		return 0;
	if (e->type == WS_EV_ERROR || e->type == WS_EV_DROPPED)
		return 1;
	return ev->len == e->len && (e->len == 0 ||
	    (ev->data != NULL && memcmp(ev->data, e->data, e->len) == 0));
}

/* After an error or a Close the receiver stays shut. */
static int
check_sticky(struct ws_rx *rx, int code)
{
	struct ws_event ev;

	return ws_rx_feed(rx, guard, 0, &ev) == 0 &&
	    ev.type == WS_EV_ERROR && ev.code == code && rx->closed;
}

/* Feed pending + (appended input) until the receiver needs more. */
static int
drain(const struct tcase *tc, struct ws_rx *rx, size_t *n, size_t *nev,
    int *done)
{
	struct ws_event ev;
	size_t c;
	int ok = 1;

	for (;;) {
		c = ws_rx_feed(rx, guard - *n, *n, &ev);
		if (c > *n)
			return 0;
		*n -= c;
		if (ev.type == WS_EV_NONE) {
			if (c == 0)
				return ok;
			continue;
		}
		ok &= *nev < tc->nexp && ev_match(&ev, &tc->exp[*nev]);
		(*nev)++;
		if (ev.type == WS_EV_ERROR) {
			*done = 1;
			return ok && c == 0 && check_sticky(rx, ev.code);
		}
		if (ev.type == WS_EV_CLOSE) {
			*done = 1;
			return ok && check_sticky(rx, 1002);
		}
	}
}

/*
 * One run: append the input up to split, then the rest (or one byte at
 * a time if bytewise), never holding more than max + WS_HDR_MAX bytes.
 * Returns 1 if the events are exactly the expected ones.
 */
static int
run(const struct tcase *tc, size_t split, int bytewise)
{
	struct ws_rx rx;
	size_t cap = tc->max + WS_HDR_MAX, n = 0, pos = 0, nev = 0;
	size_t target, add;
	int ok = 1, done = 0;

	ws_rx_init(&rx, tc->expect_mask, tc->max);
	while (!done && pos < tc->len) {
		target = bytewise ? pos + 1 : pos < split ? split : tc->len;
		add = target - pos < cap - n ? target - pos : cap - n;
		memmove(guard - n - add, guard - n, n);
		memcpy(guard - add, tc->in + pos, add);
		n += add;
		pos += add;
		ok &= drain(tc, &rx, &n, &nev, &done);
		if (!done && n == cap) {
			ok = 0;		/* stuck: wants more than it may */
			break;
		}
	}
	ws_rx_free(&rx);
	return ok && nev == tc->nexp && (done || n == 0);
}

/*
 * The next split after k: every one, except for a long input under
 * qemu-user (EW_QEMU_USER, scripts/cross.sh), where every split costs a
 * pass over 64 KB at a fortieth of the speed (minutes per case): there
 * all splits within SPLIT_EDGE of either end, where the headers are,
 * and a prime stride between.  Natively every split is tried.
 */
#define SPLIT_EDGE	512
#define SPLIT_STRIDE	61
static size_t
next_split(const struct tcase *tc, size_t k)
{
	static int sparse = -1;

	if (sparse == -1)
		sparse = getenv("EW_QEMU_USER") != NULL;
	if (!sparse || tc->len <= 4 * SPLIT_EDGE || k < SPLIT_EDGE ||
	    k + SPLIT_EDGE >= tc->len)
		return k + 1;
	return k + SPLIT_STRIDE < tc->len - SPLIT_EDGE ?
	    k + SPLIT_STRIDE : tc->len - SPLIT_EDGE;
}

static void
run_case(const struct tcase *tc)
{
	size_t k, bad = 0, first = 0;

	if (!run(tc, tc->len, 0))
		fprintf(stderr, "%s: whole\n", tc->name);
	CHECK(run(tc, tc->len, 0));
	for (k = 1; k < tc->len; k = next_split(tc, k))
		if (!run(tc, k, 0) && bad++ == 0)
			first = k;
	if (bad != 0)
		fprintf(stderr, "%s: %zu bad splits, first at %zu\n",
		    tc->name, bad, first);
	CHECK(bad == 0);
	if (!run(tc, 0, 1))
		fprintf(stderr, "%s: byte by byte\n", tc->name);
	CHECK(run(tc, 0, 1));
}

static void
rx_case(const char *name, int expect_mask, size_t max, const uint8_t *in,
    size_t len, const struct exp *exp, size_t nexp)
{
	struct tcase tc = { name, expect_mask, max, in, len, exp, nexp };

	run_case(&tc);
}

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
/* CASE(name, expect_mask, max, {bytes...}, expected events...) */
#define BYTES(...)	((const uint8_t []){ __VA_ARGS__ })
#define CASE(name, em, max, in, ...) do {				\
	static const uint8_t in_[] = in;				\
	static const struct exp e_[] = { __VA_ARGS__ };		\
	rx_case(name, em, max, in_, sizeof(in_), e_, NELEM(e_));	\
} while (0)
#define B(...)		{ __VA_ARGS__ }

/* ------------------------------------------------------------------ */
/* Stream builders for the large cases. */

/* Header with the length in a chosen form (7, 16 or 64 bits), so that
 * non-minimal encodings can be produced. */
static size_t
mkhdr(uint8_t *out, int b0, uint64_t len, int form, const uint8_t *mask)
{
	size_t n, i;
	uint8_t mb = mask != NULL ? 0x80 : 0;

	out[0] = (uint8_t)b0;
	if (form == 7) {
		out[1] = (uint8_t)(mb | len);
		n = 2;
	} else if (form == 16) {
		out[1] = mb | 126;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
		n = 4;
	} else {
		out[1] = mb | 127;
		for (i = 0; i < 8; i++)
			out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
		n = 10;
	}
	if (mask != NULL) {
		memcpy(out + n, mask, 4);
		n += 4;
	}
	return n;
}

/* Append one frame with payload p (masked with mask if not NULL). */
static size_t
mkframe(uint8_t *out, int b0, const uint8_t *p, size_t len, int form,
    const uint8_t *mask)
{
	size_t n = mkhdr(out, b0, len, form, mask);

	memcpy(out + n, p, len);
	if (mask != NULL)
		ref_mask(out + n, len, mask, 0);
	return n + len;
}

static uint8_t pattern[65536 + 16];

static void
pattern_init(void)
{
	size_t i;

	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 7 + (i >> 8) + 3);
}

/* ------------------------------------------------------------------ */
/* Tests */

static void
test_accept(void)
{
	static const char key[] = "dGhlIHNhbXBsZSBub25jZQ==";
	char out[29];
	char *k = (char *)guard - (sizeof(key) - 1);

	memcpy(k, key, sizeof(key) - 1);
	memset(out, 'x', sizeof(out));
	ws_accept(k, sizeof(key) - 1, out);
	CHECK(strcmp(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0);
}

static void
test_header(void)
{
	static const uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	static const uint8_t h65536[] = { 0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0 };
	uint8_t h[WS_HDR_MAX];

	CHECK(ws_frame_header(h, WS_OP_BINARY, 0, NULL) == 2);
	CHECK(h[0] == 0x82 && h[1] == 0x00);
	CHECK(ws_frame_header(h, WS_OP_BINARY, 125, NULL) == 2);
	CHECK(h[1] == 125);
	CHECK(ws_frame_header(h, WS_OP_BINARY, 126, NULL) == 4);
	CHECK(h[1] == 126 && h[2] == 0 && h[3] == 126);
	CHECK(ws_frame_header(h, WS_OP_BINARY, 65535, NULL) == 4);
	CHECK(h[1] == 126 && h[2] == 0xff && h[3] == 0xff);
	CHECK(ws_frame_header(h, WS_OP_BINARY, 65536, NULL) == 10);
	CHECK(memcmp(h, h65536, sizeof(h65536)) == 0);
	CHECK(ws_frame_header(h, WS_OP_PING, 5, key) == 6);
	CHECK(h[0] == 0x89 && h[1] == 0x85 && memcmp(h + 2, key, 4) == 0);
	CHECK(ws_frame_header(h, WS_OP_CLOSE, 65536, key) == 14);
	CHECK(h[0] == 0x88 && h[1] == 0xff && memcmp(h + 2, h65536 + 2, 8) == 0 &&
	    memcmp(h + 10, key, 4) == 0);
	CHECK(ws_frame_header(h, WS_OP_BINARY, (uint64_t)1 << 40, NULL) == 10);
	CHECK(h[1] == 127 && h[3] == 0 && h[4] == 1 && h[5] == 0);
}

static void
test_mask(void)
{
	static const uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	uint8_t ref[96], *p;
	size_t len, off, al;
	int bad = 0;

	for (len = 0; len <= 80; len++)
		for (off = 0; off < 8; off++) {
			/* Ending at the guard page: over-reads fault. */
			p = guard - len;
			memcpy(p, pattern, len);
			memcpy(ref, pattern, len);
			ws_mask(p, len, key, off);
			ref_mask(ref, len, key, off);
			bad += memcmp(p, ref, len) != 0;
			/* Every start alignment of a 16-byte block. */
			for (al = 0; al < 16; al++) {
				p = guard - 200 + al;
				memcpy(p, pattern + 5, len);
				memcpy(ref, pattern + 5, len);
				ws_mask(p, len, key, off);
				ref_mask(ref, len, key, off);
				bad += memcmp(p, ref, len) != 0;
			}
		}
	CHECK(bad == 0);
	/* Bytes outside [p, p + len) are left alone. */
	p = guard - 100;
	memset(p, 0xaa, 100);
	ws_mask(p + 3, 17, key, 1);
	CHECK(p[2] == 0xaa && p[20] == 0xaa);
	/* Masking twice restores, including a large odd length. */
	p = guard - 65535;
	memcpy(p, pattern, 65535);
	ws_mask(p, 65535, key, 3);
	ws_mask(p, 65535, key, 3);
	CHECK(memcmp(p, pattern, 65535) == 0);
	/* Splitting the data keeps the phase: off counts bytes. */
	p = guard - 64;
	memcpy(p, pattern, 64);
	memcpy(ref, pattern, 64);
	ws_mask(p, 13, key, 0);
	ws_mask(p + 13, 51, key, 13);
	ref_mask(ref, 64, key, 0);
	CHECK(memcmp(p, ref, 64) == 0);
}

/* ws_mask_copy(dst, src) against a copy and the bytewise mask: every
 * alignment of each (0..15), every phase, every length to 80; the bytes
 * around dst untouched; src and then dst ending at the guard page, so
 * that a read or write past either faults. */
static int
mask_copy_one(size_t len, size_t off, size_t ad, size_t as)
{
	static const uint8_t key[4] = { 0x9e, 0x01, 0xc4, 0x5b };
	uint8_t ref[96], *d, *s;
	int bad;

	s = guard - 2 * 128 + as;	/* two regions before the guard */
	d = guard - 128 + ad;
	memcpy(s, pattern + 11, len);
	memset(d - 1, 0x5a, len + 2);
	memcpy(ref, pattern + 11, len);
	ref_mask(ref, len, key, off);
	ws_mask_copy(d, s, len, key, off);
	bad = memcmp(d, ref, len) != 0 || d[-1] != 0x5a || d[len] != 0x5a ||
	    memcmp(s, pattern + 11, len) != 0;
	s = guard - len;		/* the source ends at the guard */
	memcpy(s, pattern + 11, len);
	d = guard - 3 * 128 + ad;
	ws_mask_copy(d, s, len, key, off);
	bad |= memcmp(d, ref, len) != 0;
	d = guard - len;		/* the destination does */
	s = guard - 3 * 128 + as;
	memcpy(s, pattern + 11, len);
	ws_mask_copy(d, s, len, key, off);
	return bad | (memcmp(d, ref, len) != 0);
}

static void
test_mask_copy(void)
{
	static const uint8_t key[4] = { 0x12, 0x34, 0x56, 0x78 };
	static const size_t big[] = { 127, 128, 129, 1514, 4099, 65535 };
	size_t len, off, ad, as, i;
	uint8_t *d, *s, *ref;
	int bad = 0;

	for (len = 0; len <= 80; len++)
		for (off = 0; off < 8; off++)
			for (ad = 0; ad < 16; ad++)
				for (as = 0; as < 16; as++)
					bad += mask_copy_one(len, off, ad, as);
	CHECK(bad == 0);
	/* Large lengths, from an odd source to an odd destination, and
	 * the length of a super-frame with its offload header after a
	 * header of 10 (offset 10, phase 2). */
	ref = malloc(65536 + 64);
	s = malloc(65536 + 64);
	d = malloc(65536 + 64);
	CHECK(ref != NULL && s != NULL && d != NULL);
	if (ref == NULL || s == NULL || d == NULL)
		goto out;
	for (i = 0; i < sizeof(big) / sizeof(big[0]); i++)
		for (off = 0; off < 4; off++) {
			memcpy(s + 3, pattern, big[i]);
			memcpy(ref, pattern, big[i]);
			ref_mask(ref, big[i], key, off);
			ws_mask_copy(d + 10 + off, s + 3, big[i], key, off);
			bad += memcmp(d + 10 + off, ref, big[i]) != 0;
		}
	CHECK(bad == 0);
	/* In place (dst == src) is ws_mask. */
	memcpy(d + 5, pattern, 4099);
	memcpy(ref, pattern, 4099);
	ws_mask_copy(d + 5, d + 5, 4099, key, 1);
	ref_mask(ref, 4099, key, 1);
	CHECK(memcmp(d + 5, ref, 4099) == 0);
	/* Two pieces in a row, as a frame's offload header and then its
	 * Ethernet frame are masked: the second starts at the phase where
	 * the first stopped. */
	ws_mask_copy(d, pattern, 10, key, 0);
	ws_mask_copy(d + 10, pattern + 10, 1500, key, 10);
	memcpy(ref, pattern, 1510);
	ref_mask(ref, 1510, key, 0);
	CHECK(memcmp(d, ref, 1510) == 0);
	/* A NULL source of length 0 (no offload header) touches nothing. */
	d[0] = 0x77;
	ws_mask_copy(d, NULL, 0, key, 0);
	CHECK(d[0] == 0x77);
out:
	free(ref);
	free(s);
	free(d);
}

/* RFC 6455 5.7 examples. */
static void
test_rfc_examples(void)
{
	CASE("text", 0, 65535,
	    B(0x81, 0x05, 'H', 'e', 'l', 'l', 'o'), ERR(1003));
	CASE("text at server", 1, 65535,
	    B(0x81, 0x05, 'H', 'e', 'l', 'l', 'o'), ERR(1002));
	CASE("binary", 0, 65535,
	    B(0x82, 0x05, 'H', 'e', 'l', 'l', 'o'), MSG("Hello"));
	CASE("masked text", 1, 65535,
	    B(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51,
	    0x58), ERR(1003));
	CASE("masked binary", 1, 65535,
	    B(0x82, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51,
	    0x58), MSG("Hello"));
	CASE("fragmented text", 0, 65535,
	    B(0x01, 0x03, 'H', 'e', 'l', 0x80, 0x02, 'l', 'o'), ERR(1003));
	CASE("fragmented binary", 0, 65535,
	    B(0x02, 0x03, 'H', 'e', 'l', 0x80, 0x02, 'l', 'o'),
	    MSG("Hello"));
	CASE("masked fragmented binary", 1, 65535,
	    B(0x02, 0x83, 1, 2, 3, 4, 'H' ^ 1, 'e' ^ 2, 'l' ^ 3,
	    0x80, 0x82, 5, 6, 7, 8, 'l' ^ 5, 'o' ^ 6), MSG("Hello"));
	CASE("ping", 0, 65535,
	    B(0x89, 0x05, 'H', 'e', 'l', 'l', 'o'), PING("Hello"));
	CASE("masked pong", 1, 65535,
	    B(0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51,
	    0x58), PONG("Hello"));
}

static void
test_rfc_lengths(void)
{
	static uint8_t s[2 * 65546 + 16];
	static const struct exp e256[] = { { WS_EV_MESSAGE, 0, pattern, 256 } };
	static const struct exp edrop[] = { DROP, MSG("Hello") };
	static const struct exp emax[] = { { WS_EV_MESSAGE, 0, pattern, 65535 },
	    MSG("Hello") };
	static const uint8_t hello[] = { 0x82, 0x05, 'H', 'e', 'l', 'l', 'o' };
	size_t n;

	n = mkframe(s, 0x82, pattern, 256, 16, NULL);
	CHECK(memcmp(s, BYTES(0x82, 0x7e, 0x01, 0x00), 4) == 0);
	rx_case("256 bytes", 0, 65535, s, n, e256, 1);

	n = mkframe(s, 0x82, pattern, 65536, 64, NULL);
	CHECK(memcmp(s, BYTES(0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0), 10) == 0);
	memcpy(s + n, hello, sizeof(hello));
	rx_case("64 KiB over max", 0, 65535, s, n + sizeof(hello), edrop, 2);

	n = mkframe(s, 0x82, pattern, 65535, 64, NULL);
	memcpy(s + n, hello, sizeof(hello));
	rx_case("65535 in 64 bits", 0, 65535, s, n + sizeof(hello), emax, 2);

	n = mkframe(s, 0x82, pattern, 65535, 16, BYTES(9, 8, 7, 6));
	n += mkframe(s + n, 0x82, (const uint8_t *)"Hello", 5, 7,
	    BYTES(0, 0, 0, 0));
	rx_case("masked 65535", 1, 65535, s, n, emax, 2);

	n = mkframe(s, 0x82, pattern, 65536, 64, BYTES(9, 8, 7, 6));
	n += mkframe(s + n, 0x82, (const uint8_t *)"Hello", 5, 7,
	    BYTES(1, 2, 3, 4));
	rx_case("masked 64 KiB over max", 1, 65535, s, n, edrop, 2);
}

static void
test_errors(void)
{
	CASE("rsv1", 0, 100, B(0xc2, 0x00), ERR(1002));
	CASE("rsv2", 0, 100, B(0xa2, 0x00), ERR(1002));
	CASE("rsv3", 0, 100, B(0x92, 0x00), ERR(1002));
	CASE("rsv on ping", 0, 100, B(0xc9, 0x00), ERR(1002));
	CASE("op 3", 0, 100, B(0x83, 0x00), ERR(1002));
	CASE("op 4", 0, 100, B(0x84, 0x00), ERR(1002));
	CASE("op 5", 0, 100, B(0x85, 0x00), ERR(1002));
	CASE("op 6", 0, 100, B(0x86, 0x00), ERR(1002));
	CASE("op 7", 0, 100, B(0x87, 0x00), ERR(1002));
	CASE("op b", 0, 100, B(0x8b, 0x00), ERR(1002));
	CASE("op c", 0, 100, B(0x8c, 0x00), ERR(1002));
	CASE("op d", 0, 100, B(0x8d, 0x00), ERR(1002));
	CASE("op e", 0, 100, B(0x8e, 0x00), ERR(1002));
	CASE("op f", 0, 100, B(0x8f, 0x00), ERR(1002));
	CASE("unmasked at server", 1, 100, B(0x82, 0x01, 'a'), ERR(1002));
	CASE("unmasked ping at server", 1, 100, B(0x89, 0x00), ERR(1002));
	CASE("masked at client", 0, 100, B(0x82, 0x81, 1, 2, 3, 4, 'a'),
	    ERR(1002));
	CASE("ping 126", 0, 200, B(0x89, 0x7e, 0x00, 0x7e), ERR(1002));
	CASE("close 126", 1, 200, B(0x88, 0xfe, 0x00, 0x7e, 1, 2, 3, 4),
	    ERR(1002));
	CASE("pong 2^32", 0, 200, B(0x8a, 0x7f, 0, 0, 0, 1, 0, 0, 0, 0),
	    ERR(1002));
	CASE("ping fin=0", 0, 100, B(0x09, 0x00), ERR(1002));
	CASE("close fin=0", 0, 100, B(0x08, 0x00), ERR(1002));
	CASE("stray continuation", 0, 100, B(0x80, 0x01, 'a'), ERR(1002));
	CASE("stray continuation fin=0", 0, 100, B(0x00, 0x00), ERR(1002));
	CASE("continuation after end", 0, 100,
	    B(0x02, 0x01, 'a', 0x80, 0x01, 'b', 0x80, 0x00),
	    MSG("ab"), ERR(1002));
	CASE("binary inside message", 0, 100,
	    B(0x02, 0x01, 'a', 0x82, 0x01, 'b'), ERR(1002));
	CASE("fragment inside message", 0, 100,
	    B(0x02, 0x01, 'a', 0x02, 0x01, 'b'), ERR(1002));
	CASE("text inside message", 0, 100,
	    B(0x02, 0x01, 'a', 0x01, 0x01, 'b'), ERR(1002));
	CASE("length 2^63", 0, 100,
	    B(0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0), ERR(1002));
	CASE("length 2^64-1", 1, 100,
	    B(0x82, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    1, 2, 3, 4), ERR(1002));
	CASE("close 1 byte", 0, 100, B(0x88, 0x01, 0x03), ERR(1002));
	CASE("masked close 1 byte", 1, 100,
	    B(0x88, 0x81, 1, 2, 3, 4, 0x03), ERR(1002));
	/* An error after good frames still reports those first. */
	CASE("good then bad", 0, 100,
	    B(0x82, 0x01, 'a', 0x89, 0x00, 0xc2, 0x00), MSG("a"), PING(""),
	    ERR(1002));
}

static void
test_frames(void)
{
	static uint8_t big[16], big125[127];
	struct exp e125;

	CASE("non-minimal 16", 0, 100,
	    B(0x82, 0x7e, 0x00, 0x05, 'H', 'e', 'l', 'l', 'o'), MSG("Hello"));
	CASE("non-minimal 64", 0, 100,
	    B(0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0x05, 'H', 'e', 'l', 'l', 'o'),
	    MSG("Hello"));
	CASE("non-minimal ping", 0, 100,
	    B(0x89, 0x7e, 0x00, 0x02, 'h', 'i'), PING("hi"));
	CASE("empty message", 0, 100, B(0x82, 0x00), MSG(""));
	CASE("empty masked message", 1, 100, B(0x82, 0x80, 1, 2, 3, 4),
	    MSG(""));
	CASE("empty message, max 0", 0, 0, B(0x82, 0x00), MSG(""));
	CASE("empty fragments", 0, 100, B(0x02, 0x00, 0x00, 0x00, 0x80, 0x00),
	    MSG(""));
	CASE("empty fragments, max 0", 0, 0, B(0x02, 0x00, 0x80, 0x00),
	    MSG(""));
	CASE("sequence", 0, 100,
	    B(0x82, 0x01, 'a', 0x89, 0x00, 0x82, 0x02, 'b', 'c', 0x8a, 0x00,
	    0x02, 0x01, 'd', 0x00, 0x00, 0x80, 0x02, 'e', 'f',
	    0x82, 0x00),
	    MSG("a"), PING(""), MSG("bc"), PONG(""), MSG("def"), MSG(""));
	CASE("ping between fragments", 0, 100,
	    B(0x02, 0x03, 'H', 'e', 'l', 0x89, 0x02, 'h', 'i',
	    0x80, 0x02, 'l', 'o'), PING("hi"), MSG("Hello"));
	CASE("masked controls between fragments", 1, 100,
	    B(0x02, 0x82, 1, 2, 3, 4, 'H' ^ 1, 'e' ^ 2,
	    0x89, 0x82, 9, 9, 9, 9, 'h' ^ 9, 'i' ^ 9,
	    0x00, 0x81, 5, 6, 7, 8, 'l' ^ 5,
	    0x8a, 0x80, 1, 1, 1, 1,
	    0x80, 0x82, 5, 6, 7, 8, 'l' ^ 5, 'o' ^ 6),
	    PING("hi"), PONG(""), MSG("Hello"));
	CASE("close between fragments", 0, 100,
	    B(0x02, 0x01, 'a', 0x88, 0x02, 0x03, 0xe9, 0x80, 0x01, 'b'),
	    CLOSE(1001, ""));
	CASE("close code reason", 0, 100,
	    B(0x88, 0x05, 0x03, 0xe8, 'b', 'y', 'e'), CLOSE(1000, "bye"));
	CASE("masked close", 1, 100,
	    B(0x88, 0x85, 0x10, 0x20, 0x30, 0x40, 0x03 ^ 0x10, 0xe8 ^ 0x20,
	    'b' ^ 0x30, 'y' ^ 0x40, 'e' ^ 0x10), CLOSE(1000, "bye"));
	CASE("close empty", 0, 100, B(0x88, 0x00), CLOSE(0, ""));
	CASE("close code only", 0, 100, B(0x88, 0x02, 0x0f, 0xa0),
	    CLOSE(4000, ""));
	CASE("data after close", 0, 100,
	    B(0x88, 0x00, 0x82, 0x01, 'a'), CLOSE(0, ""));
	/* Codes a peer may send: 1000-1003, 1007-1014, 3000-4999. */
	CASE("close 1003", 0, 100, B(0x88, 0x02, 0x03, 0xeb), CLOSE(1003, ""));
	CASE("close 1007", 0, 100, B(0x88, 0x02, 0x03, 0xef), CLOSE(1007, ""));
	CASE("close 1014", 0, 100, B(0x88, 0x02, 0x03, 0xf6), CLOSE(1014, ""));
	CASE("close 3000", 0, 100, B(0x88, 0x02, 0x0b, 0xb8), CLOSE(3000, ""));
	CASE("close 4999", 0, 100, B(0x88, 0x02, 0x13, 0x87), CLOSE(4999, ""));
	/* The attack: codes no peer may send were echoed; now 1002. */
	CASE("close 0", 0, 100, B(0x88, 0x02, 0x00, 0x00), ERR(1002));
	CASE("close 999", 0, 100, B(0x88, 0x02, 0x03, 0xe7), ERR(1002));
	CASE("close 1004", 0, 100, B(0x88, 0x02, 0x03, 0xec), ERR(1002));
	CASE("close 1005", 0, 100, B(0x88, 0x02, 0x03, 0xed), ERR(1002));
	CASE("close 1006", 0, 100, B(0x88, 0x02, 0x03, 0xee), ERR(1002));
	CASE("close 1015", 0, 100, B(0x88, 0x02, 0x03, 0xf7), ERR(1002));
	CASE("close 1016", 0, 100, B(0x88, 0x02, 0x03, 0xf8), ERR(1002));
	CASE("close 2999", 0, 100, B(0x88, 0x02, 0x0b, 0xb7), ERR(1002));
	CASE("close 5000", 0, 100, B(0x88, 0x02, 0x13, 0x88), ERR(1002));
	CASE("close 65535", 0, 100, B(0x88, 0x02, 0xff, 0xff), ERR(1002));
	CASE("masked close 1005", 1, 100,
	    B(0x88, 0x82, 1, 2, 3, 4, 0x03 ^ 1, 0xed ^ 2), ERR(1002));
	/* Reasons in UTF-8, and the attack: not UTF-8, now 1007. */
	CASE("close reason utf-8", 0, 100,
	    B(0x88, 0x0c, 0x03, 0xe8, 0xc3, 0xa9, 0xe2, 0x82, 0xac,
	    0xf0, 0x9f, 0x98, 0x80, 'x'),
	    CLOSE(1000, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80x"));
	CASE("close reason U+10FFFF, U+D7FF, U+E000", 0, 100,
	    B(0x88, 0x0c, 0x03, 0xe8, 0xf4, 0x8f, 0xbf, 0xbf,
	    0xed, 0x9f, 0xbf, 0xee, 0x80, 0x80),
	    CLOSE(1000, "\xf4\x8f\xbf\xbf\xed\x9f\xbf\xee\x80\x80"));
	CASE("close reason lone continuation", 0, 100,
	    B(0x88, 0x03, 0x03, 0xe8, 0x80), ERR(1007));
	CASE("close reason 0xff", 0, 100, B(0x88, 0x03, 0x03, 0xe8, 0xff),
	    ERR(1007));
	CASE("close reason overlong 2", 0, 100,
	    B(0x88, 0x04, 0x03, 0xe8, 0xc0, 0xaf), ERR(1007));
	CASE("close reason overlong 3", 0, 100,
	    B(0x88, 0x05, 0x03, 0xe8, 0xe0, 0x9f, 0xbf), ERR(1007));
	CASE("close reason overlong 4", 0, 100,
	    B(0x88, 0x06, 0x03, 0xe8, 0xf0, 0x8f, 0xbf, 0xbf), ERR(1007));
	CASE("close reason surrogate", 0, 100,
	    B(0x88, 0x05, 0x03, 0xe8, 0xed, 0xa0, 0x80), ERR(1007));
	CASE("close reason past U+10FFFF", 0, 100,
	    B(0x88, 0x06, 0x03, 0xe8, 0xf4, 0x90, 0x80, 0x80), ERR(1007));
	CASE("close reason truncated", 0, 100,
	    B(0x88, 0x05, 0x03, 0xe8, 'a', 0xe2, 0x82), ERR(1007));
	CASE("close reason bad second continuation", 0, 100,
	    B(0x88, 0x05, 0x03, 0xe8, 0xe2, 0x82, 0x41), ERR(1007));
	CASE("masked close reason not utf-8", 1, 100,
	    B(0x88, 0x83, 1, 2, 3, 4, 0x03 ^ 1, 0xe8 ^ 2, 0xfe ^ 3),
	    ERR(1007));
	/* Max across fragments (max 10). */
	CASE("max across fragments", 0, 10,
	    B(0x02, 0x04, 'a', 'b', 'c', 'd', 0x80, 0x06,
	    'e', 'f', 'g', 'h', 'i', 'j'), MSG("abcdefghij"));
	CASE("max+1 across fragments", 0, 10,
	    B(0x02, 0x04, 'a', 'b', 'c', 'd', 0x80, 0x07,
	    'e', 'f', 'g', 'h', 'i', 'j', 'k', 0x82, 0x02, 'o', 'k'),
	    DROP, MSG("ok"));
	CASE("max+1 over three fragments", 0, 10,
	    B(0x02, 0x04, 'a', 'b', 'c', 'd', 0x00, 0x04, 'e', 'f', 'g', 'h',
	    0x89, 0x00, 0x80, 0x03, 'i', 'j', 'k',
	    0x02, 0x01, 'o', 0x80, 0x01, 'k'),
	    PING(""), DROP, MSG("ok"));
	CASE("max+1 first fragment", 1, 10,
	    B(0x02, 0x8b, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0x89, 0x80, 0, 0, 0, 0,
	    0x80, 0x80, 0, 0, 0, 0, 0x82, 0x81, 0, 0, 0, 0, 'x'),
	    PING(""), DROP, MSG("x"));
	CASE("max+1 unfragmented", 0, 10,
	    B(0x82, 0x0b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0x82, 0x0a, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'),
	    DROP, MSG("abcdefghij"));
	CASE("dropped then text", 0, 3,
	    B(0x82, 0x04, 0, 0, 0, 0, 0x81, 0x00), DROP, ERR(1003));
	CASE("error inside dropped message", 0, 3,
	    B(0x02, 0x04, 0, 0, 0, 0, 0x82, 0x00), ERR(1002));
	/* The largest control payload, 125 bytes. */
	big125[0] = 0x89;
	big125[1] = 125;
	memcpy(big125 + 2, pattern, 125);
	e125.type = WS_EV_PING;
	e125.code = 0;
	e125.data = pattern;
	e125.len = 125;
	rx_case("ping 125", 0, 200, big125, sizeof(big125), &e125, 1);
	/* A huge (but legal) length is streamed past, never buffered. */
	memcpy(big, BYTES(0x82, 0x7f, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 1, 2, 3, 4, 5, 6), 16);
	rx_case("2^63-1 streamed", 0, 100, big, sizeof(big), NULL, 0);
}

static void
test_big_fragments(void)
{
	static uint8_t s[65536 + 64];
	static const uint8_t key[4] = { 0xde, 0xad, 0xbe, 0xef };
	static const struct exp emax[] = { { WS_EV_MESSAGE, 0, pattern,
	    65535 } };
	static const struct exp edrop[] = { DROP, MSG("z") };
	size_t n;

	n = mkframe(s, 0x02, pattern, 32768, 16, NULL);
	n += mkframe(s + n, 0x80, pattern + 32768, 32767, 16, NULL);
	rx_case("65535 in two fragments", 0, 65535, s, n, emax, 1);

	n = mkframe(s, 0x02, pattern, 30001, 64, key);
	n += mkframe(s + n, 0x00, pattern + 30001, 3, 7, key);
	n += mkframe(s + n, 0x80, pattern + 30004, 35531, 16, key);
	rx_case("masked 65535 in three fragments", 1, 65535, s, n, emax, 1);

	n = mkframe(s, 0x02, pattern, 32768, 16, NULL);
	n += mkframe(s + n, 0x80, pattern, 32768, 16, NULL);
	n += mkframe(s + n, 0x82, (const uint8_t *)"z", 1, 7, NULL);
	rx_case("65536 in two fragments", 0, 65535, s, n, edrop, 2);
}

/* Encoder and decoder agree, masked and not. */
static void
test_roundtrip(void)
{
	static const size_t lens[] = { 0, 1, 125, 126, 127, 65535, 65536 };
	static const uint8_t key[4] = { 0x01, 0x80, 0xff, 0x5a };
	static uint8_t s[65536 + WS_HDR_MAX];
	struct exp e;
	char name[64];
	size_t i, n, hl;
	int m;

	for (i = 0; i < NELEM(lens); i++)
		for (m = 0; m < 2; m++) {
			hl = ws_frame_header(s, WS_OP_BINARY, lens[i],
			    m ? key : NULL);
			CHECK(hl == (lens[i] < 126 ? 2u : lens[i] < 65536 ?
			    4u : 10u) + (m ? 4u : 0u));
			memcpy(s + hl, pattern, lens[i]);
			if (m)
				ws_mask(s + hl, lens[i], key, 0);
			n = hl + lens[i];
			e.type = WS_EV_MESSAGE;
			e.code = 0;
			e.data = pattern;
			e.len = lens[i];
			snprintf(name, sizeof(name), "round trip %zu%s",
			    lens[i], m ? " masked" : "");
			rx_case(name, m, 65536, s, n, &e, 1);
		}
}

/* The fast path reports in place: data points into the caller's
 * buffer, and consumed covers exactly the frame. */
static void
test_in_place(void)
{
	static const uint8_t f[] = { 0x82, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f,
	    0x9f, 0x4d, 0x51, 0x58, 0x82 };
	struct ws_rx rx;
	struct ws_event ev;
	uint8_t *b = guard - sizeof(f);

	memcpy(b, f, sizeof(f));
	ws_rx_init(&rx, 1, 65535);
	CHECK(ws_rx_feed(&rx, b, sizeof(f), &ev) == 11);
	CHECK(ev.type == WS_EV_MESSAGE && ev.data == b + 6 && ev.len == 5);
	CHECK(memcmp(b + 6, "Hello", 5) == 0);
	CHECK(rx.frag == NULL);		/* nothing was allocated */
	CHECK(ws_rx_feed(&rx, b + 11, 1, &ev) == 0 && ev.type == WS_EV_NONE);
	CHECK(!rx.closed);
	ws_rx_free(&rx);
	ws_rx_free(&rx);		/* idempotent */
}

int
main(void)
{
	guard_init();
	pattern_init();
	test_accept();
	test_header();
	test_mask();
	test_mask_copy();
	test_in_place();
	test_rfc_examples();
	test_rfc_lengths();
	test_errors();
	test_frames();
	test_big_fragments();
	test_roundtrip();
	return t_done("test_ws");
}
