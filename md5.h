/*
 * md5.h - MD5 (RFC 1321) and md5-crypt, the "$apr1$" / "$1$" password
 * hash of htpasswd and crypt(3) (md5.c)
 */
#ifndef MD5_H
#define MD5_H

#include <stddef.h>
#include <stdint.h>

#define MD5_CRYPT_SALT_MAX	8	/* salt characters md5-crypt uses */
#define MD5_CRYPT_HASH_LEN	22	/* its hash, in crypt's base64 */

struct md5_ctx {
	uint32_t	h[4];
	uint64_t	len;		/* bytes so far */
	uint8_t		buf[64];
	size_t		n;		/* bytes in buf */
};
void md5_init(struct md5_ctx *);
void md5_update(struct md5_ctx *, const void *data, size_t len);
/* Writes the digest and wipes the context (it may have held a password). */
void md5_final(struct md5_ctx *, uint8_t out[16]);
/*
 * md5-crypt of password (pw, plen) with magic ("$apr1$" or "$1$") and
 * salt (slen <= MD5_CRYPT_SALT_MAX characters): the MD5_CRYPT_HASH_LEN
 * characters that follow "<magic><salt>$" in the hash (no NUL).
 */
void md5_crypt(const void *pw, size_t plen, const char *magic,
    const char *salt, size_t slen, char out[MD5_CRYPT_HASH_LEN]);

#endif /* MD5_H */
