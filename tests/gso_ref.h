/*
 * gso_ref.h - reference code for tests/test_gso.c and
 * tests/fuzz/fuzz_gso.c: the Internet checksum and the pseudo header
 * written out the plain way, independent of gso.c on purpose, and
 * big-endian loads and stores.
 */
#ifndef GSO_REF_H
#define GSO_REF_H

#include <stdint.h>
#include <string.h>

/* RFC 1071 read literally: byte i is the high half of a 16-bit word if
 * i is even, the low half if odd; end-around carries folded at the end.
 * Independent of gso.c on purpose. */
static inline uint16_t
ref_sum(uint32_t seed, const uint8_t *p, size_t n)
{
	uint64_t s = seed;
	size_t i;

	for (i = 0; i < n; i++)
		s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (s > 0xffff)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) << 16 | rd16(p + 2);
}

static inline void
wr16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
wr32(uint8_t *p, uint32_t v)
{
	wr16(p, v >> 16);
	wr16(p + 2, v & 0xffff);
}

/* The pseudo header's sum (RFC 793 / RFC 8200 8.1), from the IP header
 * at ip, for an upper-layer length ulen and protocol proto. */
static inline uint16_t
ref_pseudo(const uint8_t *ip, int v6, size_t ulen, unsigned proto)
{
	uint8_t ph[40];
	size_t n;

	memset(ph, 0, sizeof(ph));
	if (v6) {
		memcpy(ph, ip + 8, 32);
		wr32(ph + 32, (uint32_t)ulen);
		ph[39] = (uint8_t)proto;
		n = 40;
	} else {
		memcpy(ph, ip + 12, 8);
		ph[9] = (uint8_t)proto;
		wr16(ph + 10, (unsigned)ulen);
		n = 12;
	}
	return ref_sum(0, ph, n);
}

#endif
