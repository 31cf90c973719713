/*
 * sha1.c - SHA-1 (FIPS 180-4), used for the WebSocket accept key and
 * htpasswd {SHA} entries.  Words are loaded and stored big-endian byte
 * by byte, so the code is independent of host byte order and alignment.
 */
#include <string.h>

#include "bytes.h"
#include "sha1.h"

static inline uint32_t
sha1_rol(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

/* f_t and K_t of FIPS 180-4 section 4.1.1 / 4.2.1 for round t. */
static inline uint32_t
sha1_f(int t, uint32_t b, uint32_t c, uint32_t d)
{
	if (t < 20)
		return (b & c) | (~b & d);
	if (t < 40 || t >= 60)
		return b ^ c ^ d;
	return (b & c) | (b & d) | (c & d);
}

static const uint32_t sha1_k[4] = {
	0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6
};

static void
sha1_block(uint32_t h[5], const uint8_t *p)
{
	uint32_t w[80], a, b, c, d, e, tmp;
	int t;

	for (t = 0; t < 16; t++)
		w[t] = ew_be32(p + 4 * t);
	for (t = 16; t < 80; t++)
		w[t] = sha1_rol(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
	a = h[0];
	b = h[1];
	c = h[2];
	d = h[3];
	e = h[4];
	for (t = 0; t < 80; t++) {
		tmp = sha1_rol(a, 5) + sha1_f(t, b, c, d) + e +
		    sha1_k[t / 20] + w[t];
		e = d;
		d = c;
		c = sha1_rol(b, 30);
		b = a;
		a = tmp;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

void
sha1_init(struct sha1_ctx *ctx)
{
	ctx->h[0] = 0x67452301;
	ctx->h[1] = 0xefcdab89;
	ctx->h[2] = 0x98badcfe;
	ctx->h[3] = 0x10325476;
	ctx->h[4] = 0xc3d2e1f0;
	ctx->len = 0;
	ctx->n = 0;
}

void
sha1_update(struct sha1_ctx *ctx, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t take;

	ctx->len += len;
	if (ctx->n > 0) {
		take = 64 - ctx->n;
		if (take > len)
			take = len;
		memcpy(ctx->buf + ctx->n, p, take);
		ctx->n += take;
		p += take;
		len -= take;
		if (ctx->n < 64)
			return;
		sha1_block(ctx->h, ctx->buf);
		ctx->n = 0;
	}
	/* Whole blocks straight from the caller's buffer, no copy. */
	for (; len >= 64; p += 64, len -= 64)
		sha1_block(ctx->h, p);
	if (len > 0)
		memcpy(ctx->buf, p, len);
	ctx->n = len;
}

void
sha1_final(struct sha1_ctx *ctx, uint8_t out[20])
{
	uint64_t bits = ctx->len * 8;
	int i;

	ctx->buf[ctx->n++] = 0x80;
	if (ctx->n > 56) {
		memset(ctx->buf + ctx->n, 0, 64 - ctx->n);
		sha1_block(ctx->h, ctx->buf);
		ctx->n = 0;
	}
	memset(ctx->buf + ctx->n, 0, 56 - ctx->n);
	ew_put_be32(ctx->buf + 56, (uint32_t)(bits >> 32));
	ew_put_be32(ctx->buf + 60, (uint32_t)bits);
	sha1_block(ctx->h, ctx->buf);
	for (i = 0; i < 5; i++)
		ew_put_be32(out + 4 * i, ctx->h[i]);
	/* The context may have held a password; a plain memset of a dead
	 * local could be optimised away. */
	explicit_bzero(ctx, sizeof(*ctx));
}

void
sha1(const void *data, size_t len, uint8_t out[20])
{
	struct sha1_ctx ctx;

	sha1_init(&ctx);
	sha1_update(&ctx, data, len);
	sha1_final(&ctx, out);
}
