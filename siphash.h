/*
 * siphash.h - SipHash-2-4 (siphash.c): a keyed 64-bit hash for tables
 * whose keys a peer chooses (the FDB's MAC addresses, source addresses)
 */
#ifndef SIPHASH_H
#define SIPHASH_H

#include <stddef.h>
#include <stdint.h>

struct sipkey {
	uint64_t	 k0, k1;
};
/* The key from 16 bytes (little-endian words, as the reference). */
void sip_key(struct sipkey *, const uint8_t bytes[16]);
/* A fresh unpredictable key (ew_random). */
void sip_key_random(struct sipkey *);
/* SipHash-2-4 of (p, len) under key. */
uint64_t sip_hash(const struct sipkey *, const void *p, size_t len);
/* The same of the 8 bytes whose little-endian word is m. */
uint64_t sip_hash8(const struct sipkey *, uint64_t m);

#endif /* SIPHASH_H */
