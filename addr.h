/*
 * addr.h - IP addresses as text (addr.c): inet_aton, CIDR blocks,
 * IPv6 zones
 */
#ifndef ADDR_H
#define ADDR_H

#include <stdint.h>

/* inet_aton's forms (glibc's reading): 1 and the address, or 0; loose
 * ignores what follows white space after it, as inet_aton does. */
int ew_inet_aton(const char *s, uint8_t out[4], int loose);

/* An address block: "10.9.0.0/24", "fe80::/10", or one address
 * ("192.0.2.1" is a /32, "::1" a /128). */
struct ew_cidr {
	int	 af;		/* AF_INET or AF_INET6 */
	uint8_t	 addr[16];	/* network byte order; 4 bytes for IPv4 */
	int	 bits;
};
/* Parse s (no spaces): 0, or -1 if it is no address or block. */
int ew_cidr_parse(const char *s, struct ew_cidr *c);
/* 1 if addr (4 bytes for AF_INET, 16 for AF_INET6) lies in c; an
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d) is matched as IPv4. */
int ew_cidr_match(const struct ew_cidr *c, int af, const uint8_t *addr);

/* An IPv6 zone ("eth0", or an index "3") as a sin6_scope_id; 0 if no
 * interface has that name. */
uint32_t ew_scope_id(const char *zone);

#endif /* ADDR_H */
