/*
 * bcrypt.h - bcrypt, the "$2y$" password hash of "htpasswd -B" and
 * OpenBSD (bcrypt.c): Blowfish's expensive key schedule (eksblowfish)
 */
#ifndef BCRYPT_H
#define BCRYPT_H

#include <stddef.h>

/* "$2y$" + two-digit cost + "$" + 22 characters of salt and 31 of hash */
#define BCRYPT_LEN		60
#define BCRYPT_COST_MIN		4
#define BCRYPT_COST_MAX		31
#define BCRYPT_KEY_MAX		72	/* password bytes it uses */

/*
 * The cost of hash (s, len) if it is a well-formed bcrypt hash: "$2y$",
 * "$2b$" or "$2a$", a cost of BCRYPT_COST_MIN..BCRYPT_COST_MAX, 22 salt
 * and 31 hash characters of bcrypt's base64 in canonical form.  -1 if
 * not.
 */
int bcrypt_cost(const char *s, size_t len);
/*
 * 1 if password (pw, plen) matches the well-formed bcrypt hash (s, len),
 * else 0.  Takes 2^cost key expansions: the caller bounds the cost (a
 * peer's every attempt pays it).  The password is cut to BCRYPT_KEY_MAX
 * bytes, as bcrypt does; the result is compared in constant time.
 */
int bcrypt_check(const void *pw, size_t plen, const char *s, size_t len);

#endif /* BCRYPT_H */
