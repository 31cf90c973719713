/*
 * siphash.c - SipHash-2-4 (Jean-Philippe Aumasson, Daniel J. Bernstein,
 * "SipHash: a fast short-input PRF", 2012): two compression rounds per
 * 8-byte word, four finalization rounds, a 128-bit key.  Hash tables
 * keyed by what a peer sends (MAC addresses, source addresses) use it
 * with a random key per process, so that no set of colliding keys can be
 * computed in advance: without the key, where a key lands is as good as
 * random.  tests/test_siphash.c checks the reference's 64 vectors.
 */
#include <stddef.h>
#include <stdint.h>

#include "siphash.h"
#include "sys.h"

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

void
sip_key(struct sipkey *k, const uint8_t b[16])
{
	k->k0 = le64(b);
	k->k1 = le64(b + 8);
}

void
sip_key_random(struct sipkey *k)
{
	uint8_t b[16];

	ew_random(b, sizeof(b));
	sip_key(k, b);
}

struct sipstate {
	uint64_t	 v0, v1, v2, v3;
};

#define SIPROUND(s) do { \
	(s)->v0 += (s)->v1; (s)->v1 = ROTL((s)->v1, 13); \
	(s)->v1 ^= (s)->v0; (s)->v0 = ROTL((s)->v0, 32); \
	(s)->v2 += (s)->v3; (s)->v3 = ROTL((s)->v3, 16); \
	(s)->v3 ^= (s)->v2; (s)->v0 += (s)->v3; \
	(s)->v3 = ROTL((s)->v3, 21); (s)->v3 ^= (s)->v0; \
	(s)->v2 += (s)->v1; (s)->v1 = ROTL((s)->v1, 17); \
	(s)->v1 ^= (s)->v2; (s)->v2 = ROTL((s)->v2, 32); \
} while (0)

static void
sip_rounds(struct sipstate *s, int n)
{
	while (n-- > 0)
		SIPROUND(s);
}

static void
sip_word(struct sipstate *s, uint64_t m)
{
	s->v3 ^= m;
	sip_rounds(s, 2);
	s->v0 ^= m;
}

/* The same for exactly 8 bytes, given as their little-endian word: no
 * byte loads, for a lookup per frame. */
uint64_t
sip_hash8(const struct sipkey *k, uint64_t m)
{
	struct sipstate s;

	s.v0 = k->k0 ^ 0x736f6d6570736575ULL;
	s.v1 = k->k1 ^ 0x646f72616e646f6dULL;
	s.v2 = k->k0 ^ 0x6c7967656e657261ULL;
	s.v3 = k->k1 ^ 0x7465646279746573ULL;
	sip_word(&s, m);
	sip_word(&s, 8ULL << 56);
	s.v2 ^= 0xff;
	sip_rounds(&s, 4);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

uint64_t
sip_hash(const struct sipkey *k, const void *data, size_t len)
{
	const uint8_t *p = data;
	struct sipstate s;
	uint64_t last = (uint64_t)len << 56;
	size_t i, tail = len & 7;

	s.v0 = k->k0 ^ 0x736f6d6570736575ULL;	/* "somepseudorandomlygeneratedbytes" */
	s.v1 = k->k1 ^ 0x646f72616e646f6dULL;
	s.v2 = k->k0 ^ 0x6c7967656e657261ULL;
	s.v3 = k->k1 ^ 0x7465646279746573ULL;
	for (i = 0; i + 8 <= len; i += 8)
		sip_word(&s, le64(p + i));
	for (i = 0; i < tail; i++)
		last |= (uint64_t)p[len - tail + i] << (8 * i);
	sip_word(&s, last);
	s.v2 ^= 0xff;
	sip_rounds(&s, 4);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}
