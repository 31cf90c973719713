/*
 * dns.h - name resolution (dns.c): numeric addresses, /etc/hosts, then
 * DNS over UDP to the nameservers of /etc/resolv.conf; no libc
 * resolver, no child.  Errors are getaddrinfo's codes, which Python
 * prints ("gaierror: [Errno -2] Name or service not known"):
 * ew_gai_strerror
 */
#ifndef DNS_H
#define DNS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "defs.h"

#define DNS_ENONAME	(-2)	/* EAI_NONAME: no such name */
#define DNS_EAGAIN	(-3)	/* EAI_AGAIN: no answer, SERVFAIL, ... */
#define DNS_ENODATA	(-5)	/* EAI_NODATA: the name has no address */
#define DNS_EMEMORY	(-10)	/* EAI_MEMORY */
/* dns_answer's outcomes besides an address count (>= 0; 0 = NODATA) */
#define DNS_R_IGNORE	(-1)	/* not the answer to our query: drop it */
#define DNS_R_NXDOMAIN	(-2)	/* RCODE 3 */
#define DNS_R_FAIL	(-3)	/* other RCODE, malformed, truncated */

struct dns_addr {
	int		 family;	/* AF_INET or AF_INET6 */
	uint8_t		 a[16];		/* 4 or 16 bytes, network order */
};
struct dns_conf {
	struct dns_addr	 ns[DNS_MAX_NS];
	int		 nns;		/* >= 1 once fed to eof */
	int		 timeout_s, attempts, ndots;
	char		 search[DNS_SEARCH_LEN]; /* NUL-ended, back to back */
	int		 nsearch;
	size_t		 searchlen;
};
struct dns_req;		/* one lookup on the event loop */

/* The files read and the nameservers' port: tests point them elsewhere. */
void dns_set_files(const char *hosts, const char *resolv);
void dns_set_port(uint16_t port);
uint16_t dns_get_port(void);

/* An IPv6 literal or an IPv4 one in inet_aton's forms: 1 and *a, or 0. */
int dns_numeric(const char *host, struct dns_addr *a);
/* *a with port as a sockaddr in *ss: its length. */
socklen_t dns_sockaddr(const struct dns_addr *a, int port,
    struct sockaddr_storage *ss);
/*
 * Incremental line parsers: consume the complete lines of (text, len) -
 * and a last unterminated one when eof - and return the bytes used; the
 * caller keeps the rest for the next call.  Lines may hold any bytes.
 * dns_hosts_feed appends the address of each line listing name (ASCII
 * case ignored, a final dot ignored) to out[*n..max).  dns_conf_feed
 * reads resolv.conf lines into *c (dns_conf_init first); at eof a
 * configuration without a nameserver gets 127.0.0.1.
 */
size_t dns_hosts_feed(const char *text, size_t len, int eof,
    const char *name, struct dns_addr *out, int max, int *n);
void dns_conf_init(struct dns_conf *c);
size_t dns_conf_feed(struct dns_conf *c, const char *text, size_t len,
    int eof);
/* An RFC 1035 query for (name, qtype: 1 A, 28 AAAA) with id and RD into
 * buf (cap >= 12 + DNS_WIRE_MAX + 4): its length, or -1 for a name we
 * do not send (empty label, over DNS_NAME_MAX, a byte outside letters,
 * digits, '-', '_' and >= 0x80). */
long dns_query(uint8_t *buf, size_t cap, uint16_t id, const char *name,
    int qtype);
/*
 * The response (msg, len) to the query dns_query made of (id, name,
 * qtype): the addresses at the end of its CNAME chain into out[0..max)
 * and their count (0: the name has none of that type), or DNS_R_*.
 * Reads nothing outside msg[0..len).
 */
int dns_answer(const uint8_t *msg, size_t len, uint16_t id,
    const char *name, int qtype, struct dns_addr *out, int max);
/*
 * Resolves name on the event loop, within timeout_ms (0: resolv.conf's
 * tries alone).  Returns n > 0 with out[0..n) filled at once (numeric,
 * hosts, localhost), a DNS_E* code at once, or 0: pending, *rp set;
 * then, once, from the loop: cb(arg, 0, addrs, n) with n > 0, or
 * cb(arg, DNS_E*, addrs, 0).  By then the lookup is over: the caller
 * forgets *rp and must not cancel it; addrs are valid during cb only.
 * out: max >= 1 slots.  Addresses: A before AAAA, DNS_MAX_ADDRS at most.
 */
int dns_start(struct dns_req **rp, const char *name, uint64_t timeout_ms,
    void (*cb)(void *arg, int rc, const struct dns_addr *addrs, int n),
    void *arg, struct dns_addr *out, int max);
/* Abandons a pending lookup: no callback, nothing stays registered.
 * NULL is fine. */
void dns_cancel(struct dns_req *);
/* Blocking: n > 0 addresses into out, or DNS_E*; gives up at deadline
 * (ew_now_ms(); 0: resolv.conf's tries alone) with DNS_EAGAIN. */
int dns_resolve(const char *name, uint64_t deadline, struct dns_addr *out,
    int max);

/* The text of a DNS_E* code, in glibc's gai_strerror words. */
const char *ew_gai_strerror(int e);

#endif /* DNS_H */
