/*
 * test_siphash - siphash.c against the 64 vectors of the SipHash
 * reference implementation (vectors.h of github.com/veorq/SipHash: key
 * 00 01 .. 0f, messages 00 01 .. of length 0 to 63, SipHash-2-4 as a
 * little-endian 64-bit word), so every tail length and the multi-word
 * path are covered; sip_hash8 (the FDB's) against sip_hash; and that two
 * random keys give different hashes.
 */
#include <stdint.h>
#include <stdio.h>

#include "siphash.h"
#include "t.h"

static const uint64_t vec[64] = {
	0x726fdb47dd0e0e31ULL, 0x74f839c593dc67fdULL, 0x0d6c8009d9a94f5aULL,
	0x85676696d7fb7e2dULL, 0xcf2794e0277187b7ULL, 0x18765564cd99a68dULL,
	0xcbc9466e58fee3ceULL, 0xab0200f58b01d137ULL, 0x93f5f5799a932462ULL,
	0x9e0082df0ba9e4b0ULL, 0x7a5dbbc594ddb9f3ULL, 0xf4b32f46226bada7ULL,
	0x751e8fbc860ee5fbULL, 0x14ea5627c0843d90ULL, 0xf723ca908e7af2eeULL,
	0xa129ca6149be45e5ULL, 0x3f2acc7f57c29bdbULL, 0x699ae9f52cbe4794ULL,
	0x4bc1b3f0968dd39cULL, 0xbb6dc91da77961bdULL, 0xbed65cf21aa2ee98ULL,
	0xd0f2cbb02e3b67c7ULL, 0x93536795e3a33e88ULL, 0xa80c038ccd5ccec8ULL,
	0xb8ad50c6f649af94ULL, 0xbce192de8a85b8eaULL, 0x17d835b85bbb15f3ULL,
	0x2f2e6163076bcfadULL, 0xde4daaaca71dc9a5ULL, 0xa6a2506687956571ULL,
	0xad87a3535c49ef28ULL, 0x32d892fad841c342ULL, 0x7127512f72f27cceULL,
	0xa7f32346f95978e3ULL, 0x12e0b01abb051238ULL, 0x15e034d40fa197aeULL,
	0x314dffbe0815a3b4ULL, 0x027990f029623981ULL, 0xcadcd4e59ef40c4dULL,
	0x9abfd8766a33735cULL, 0x0e3ea96b5304a7d0ULL, 0xad0c42d6fc585992ULL,
	0x187306c89bc215a9ULL, 0xd4a60abcf3792b95ULL, 0xf935451de4f21df2ULL,
	0xa9538f0419755787ULL, 0xdb9acddff56ca510ULL, 0xd06c98cd5c0975ebULL,
	0xe612a3cb9ecba951ULL, 0xc766e62cfcadaf96ULL, 0xee64435a9752fe72ULL,
	0xa192d576b245165aULL, 0x0a8787bf8ecb74b2ULL, 0x81b3e73d20b49b6fULL,
	0x7fa8220ba3b2eceaULL, 0x245731c13ca42499ULL, 0xb78dbfaf3a8d83bdULL,
	0xea1ad565322a1a0bULL, 0x60e61c23a3795013ULL, 0x6606d7e446282b93ULL,
	0x6ca4ecb15c5f91e1ULL, 0x9f626da15c9625f3ULL, 0xe51b38608ef25f57ULL,
	0x958a324ceb064572ULL,
};

int
main(void)
{
	struct sipkey k, r1, r2;
	uint8_t key[16], msg[64];
	int i, bad = 0;

	for (i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	sip_key(&k, key);
	for (i = 0; i < 64; i++)
		if (sip_hash(&k, msg, (size_t)i) != vec[i]) {
			fprintf(stderr, "vector %d: %016llx\n", i,
			    (unsigned long long)sip_hash(&k, msg, (size_t)i));
			bad++;
		}
	CHECK(bad == 0);
	/* The paper's example (appendix A): the 15-byte message. */
	CHECK(sip_hash(&k, msg, 15) == 0xa129ca6149be45e5ULL);
	/* sip_hash8: the same as sip_hash of the word's 8 bytes */
	for (i = 0, bad = 0; i < 1000; i++) {
		uint64_t m = 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1);
		uint8_t b[8];
		int j;

		for (j = 0; j < 8; j++)
			b[j] = (uint8_t)(m >> (8 * j));
		bad += sip_hash8(&k, m) != sip_hash(&k, b, 8);
	}
	CHECK(bad == 0);
	CHECK(sip_hash8(&k, 0x0706050403020100ULL) == vec[8]);
	sip_key_random(&r1);
	sip_key_random(&r2);
	CHECK(r1.k0 != r2.k0 || r1.k1 != r2.k1);
	CHECK(sip_hash(&r1, msg, 8) != sip_hash(&r2, msg, 8));
	return t_done("test_siphash");
}
