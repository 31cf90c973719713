/*
 * md5.c - MD5 (RFC 1321) for htpasswd's "$apr1$" entries, and md5-crypt
 * (Poul-Henning Kamp's FreeBSD scheme; Apache's "$apr1$" is the same
 * with another magic).  MD5 is long broken for collisions, but
 * md5-crypt is what "htpasswd" writes by default, so we must read it.
 * Words are loaded and stored little-endian byte by byte: independent
 * of host byte order and alignment.  A rolled loop, not the usual
 * unrolled rounds: the routers' binaries count every kilobyte and a
 * Basic-auth check hashes little.
 */
#include <string.h>

#include "md5.h"

/* K[i] = floor(2^32 * |sin(i + 1)|), RFC 1321 section 3.4. */
static const uint32_t md5_k[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee,
	0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
	0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
	0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
	0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa,
	0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
	0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
	0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
	0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
	0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05,
	0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039,
	0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
	0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

/* Left rotations: four per round, RFC 1321 section 3.4. */
static const uint8_t md5_s[16] = {
	7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21
};

static uint32_t
md5_le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[1] << 8 | p[0];
}

static void
md5_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void
md5_block(uint32_t h[4], const uint8_t *p)
{
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3], f, t;
	int i, g, s;

	for (i = 0; i < 64; i++) {
		if (i < 16) {
			f = (b & c) | (~b & d);
			g = i;
		} else if (i < 32) {
			f = (d & b) | (~d & c);
			g = (5 * i + 1) & 15;
		} else if (i < 48) {
			f = b ^ c ^ d;
			g = (3 * i + 5) & 15;
		} else {
			f = c ^ (b | ~d);
			g = (7 * i) & 15;
		}
		s = md5_s[(i >> 4) * 4 + (i & 3)];
		t = a + f + md5_k[i] + md5_le32(p + 4 * g);
		a = d;
		d = c;
		c = b;
		b += (t << s) | (t >> (32 - s));
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
}

void
md5_init(struct md5_ctx *ctx)
{
	ctx->h[0] = 0x67452301;
	ctx->h[1] = 0xefcdab89;
	ctx->h[2] = 0x98badcfe;
	ctx->h[3] = 0x10325476;
	ctx->len = 0;
	ctx->n = 0;
}

void
md5_update(struct md5_ctx *ctx, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t take;

	ctx->len += len;
	while (len > 0) {
		take = 64 - ctx->n;
		if (take > len)
			take = len;
		memcpy(ctx->buf + ctx->n, p, take);
		ctx->n += take;
		p += take;
		len -= take;
		if (ctx->n == 64) {
			md5_block(ctx->h, ctx->buf);
			ctx->n = 0;
		}
	}
}

void
md5_final(struct md5_ctx *ctx, uint8_t out[16])
{
	uint64_t bits = ctx->len * 8;
	int i;

	ctx->buf[ctx->n++] = 0x80;
	if (ctx->n > 56) {
		memset(ctx->buf + ctx->n, 0, 64 - ctx->n);
		md5_block(ctx->h, ctx->buf);
		ctx->n = 0;
	}
	memset(ctx->buf + ctx->n, 0, 56 - ctx->n);
	md5_put_le32(ctx->buf + 56, (uint32_t)bits);
	md5_put_le32(ctx->buf + 60, (uint32_t)(bits >> 32));
	md5_block(ctx->h, ctx->buf);
	for (i = 0; i < 4; i++)
		md5_put_le32(out + 4 * i, ctx->h[i]);
	explicit_bzero(ctx, sizeof(*ctx));
}

/* md5-crypt's "initial" digest, before its 1000 rounds. */
static void
md5_crypt_init(const uint8_t *pw, size_t plen, const char *magic,
    const char *salt, size_t slen, uint8_t fin[16])
{
	struct md5_ctx ctx, alt;
	size_t i;

	md5_init(&alt);
	md5_update(&alt, pw, plen);
	md5_update(&alt, salt, slen);
	md5_update(&alt, pw, plen);
	md5_final(&alt, fin);
	md5_init(&ctx);
	md5_update(&ctx, pw, plen);
	md5_update(&ctx, magic, strlen(magic));
	md5_update(&ctx, salt, slen);
	for (i = plen; i > 16; i -= 16)
		md5_update(&ctx, fin, 16);
	md5_update(&ctx, fin, i);
	/* The scheme's quirk: a zero byte for each set bit of the length,
	 * the password's first byte for each clear one. */
	for (i = plen; i > 0; i >>= 1)
		md5_update(&ctx, (i & 1) ? (const uint8_t *)"" : pw, 1);
	md5_final(&ctx, fin);
}

/* crypt's base64: "./0-9A-Za-z", least significant 6 bits first. */
static void
md5_crypt_b64(char *out, uint32_t v, int n)
{
	static const char a64[] = "./0123456789"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

	while (n-- > 0) {
		*out++ = a64[v & 0x3f];
		v >>= 6;
	}
}

void
md5_crypt(const void *pw, size_t plen, const char *magic, const char *salt,
    size_t slen, char out[MD5_CRYPT_HASH_LEN])
{
	/* Digest bytes in the order the scheme writes them, three a group. */
	static const uint8_t order[15] = {
		0, 6, 12, 1, 7, 13, 2, 8, 14, 3, 9, 15, 4, 10, 5
	};
	struct md5_ctx ctx;
	uint8_t fin[16];
	int i;

	if (slen > MD5_CRYPT_SALT_MAX)
		slen = MD5_CRYPT_SALT_MAX;
	md5_crypt_init(pw, plen, magic, salt, slen, fin);
	for (i = 0; i < 1000; i++) {
		md5_init(&ctx);
		if (i & 1)
			md5_update(&ctx, pw, plen);
		else
			md5_update(&ctx, fin, 16);
		if (i % 3)
			md5_update(&ctx, salt, slen);
		if (i % 7)
			md5_update(&ctx, pw, plen);
		if (i & 1)
			md5_update(&ctx, fin, 16);
		else
			md5_update(&ctx, pw, plen);
		md5_final(&ctx, fin);
	}
	for (i = 0; i < 15; i += 3)
		md5_crypt_b64(out + 4 * i / 3, (uint32_t)fin[order[i]] << 16 |
		    (uint32_t)fin[order[i + 1]] << 8 | fin[order[i + 2]], 4);
	md5_crypt_b64(out + 20, fin[11], 2);
	explicit_bzero(fin, sizeof(fin));
}
