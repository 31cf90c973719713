/*
 * authfail.h - a per-address backoff after failed logins (authfail.c):
 * a password guesser gets a few tries, then waits ever longer, in a
 * table of bounded size
 */
#ifndef AUTHFAIL_H
#define AUTHFAIL_H

#include <stdint.h>

/* Milliseconds until the address key (16 bytes: ::ffff:IPv4 or an IPv6
 * /64) may try a password again; 0: now. */
uint64_t authfail_wait(const uint8_t key[16], uint64_t now);
/* A wrong password from key at now: the wait it starts, ms (0: none
 * yet, its first AUTHFAIL_FREE failures). */
uint64_t authfail_failed(const uint8_t key[16], uint64_t now);
/* A right one: key's failures are forgotten. */
void authfail_ok(const uint8_t key[16]);

#endif /* AUTHFAIL_H */
