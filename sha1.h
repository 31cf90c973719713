/*
 * sha1.h - SHA-1 (sha1.c), FIPS 180-4
 */
#ifndef SHA1_H
#define SHA1_H

#include <stddef.h>
#include <stdint.h>

struct sha1_ctx {
	uint32_t	h[5];
	uint64_t	len;		/* bytes so far */
	uint8_t		buf[64];
	size_t		n;		/* bytes in buf */
};
void sha1_init(struct sha1_ctx *);
void sha1_update(struct sha1_ctx *, const void *data, size_t len);
void sha1_final(struct sha1_ctx *, uint8_t out[20]);
void sha1(const void *data, size_t len, uint8_t out[20]);

#endif /* SHA1_H */
