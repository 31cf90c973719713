/*
 * test_dns.c - dns.c: numeric addresses, /etc/hosts and /etc/resolv.conf
 * lines (whole and split at every byte), the query bytes against a
 * hand-checked RFC 1035 4.1 layout, responses (A, AAAA, CNAME chains,
 * compression, truncation, bad pointers, wrong id or question, NXDOMAIN,
 * SERVFAIL), each valid one cut at every length in front of a PROT_NONE
 * page; then whole lookups against a scripted nameserver on 127.0.0.1:
 * dns_start on the event loop (A before AAAA, search list, retries,
 * spoofed answers, timeouts, cancel leaving no fd behind) and
 * dns_resolve (blocking, against a server in a child process).
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "defs.h"
#include "dns.h"
#include "loop.h"
#include "sys.h"
#include "t.h"


/* "a.b.c.d" or an IPv6 literal as a dns_addr, for comparisons. */
static struct dns_addr
A(const char *s)
{
	struct dns_addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, a.a) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, a.a) == 1)
		a.family = AF_INET6;
	return a;
}

static int
addr_is(const struct dns_addr *a, const char *s)
{
	struct dns_addr b = A(s);

	return a->family == b.family && memcmp(a->a, b.a,
	    a->family == AF_INET ? 4 : 16) == 0;
}

/* ------------------------------------------------------------------ */

static void
test_numeric(void)
{
	struct dns_addr a;
	struct sockaddr_storage ss;
	struct sockaddr_in6 *s6 = (void *)&ss;

	CHECK(dns_numeric("10.1.2.3", &a) == 1 && addr_is(&a, "10.1.2.3"));
	CHECK(dns_numeric("::1", &a) == 1 && addr_is(&a, "::1"));
	CHECK(dns_numeric("fe80::1:2", &a) == 1 && a.family == AF_INET6);
	/* inet_aton's short forms, as getaddrinfo takes them */
	CHECK(dns_numeric("127.1", &a) == 1 && addr_is(&a, "127.0.0.1"));
	CHECK(dns_numeric("0x7f000001", &a) == 1 &&
	    addr_is(&a, "127.0.0.1"));
	CHECK(dns_numeric("1.2.3.4 x", &a) == 0);
	CHECK(dns_numeric("1.2.3.4.5", &a) == 0);
	CHECK(dns_numeric("1.2.3.256", &a) == 0);
	CHECK(dns_numeric("0x", &a) == 0);
	CHECK(dns_numeric("010.1", &a) == 1 && addr_is(&a, "8.0.0.1"));
	CHECK(dns_numeric("example.com", &a) == 0);
	CHECK(dns_numeric("dead", &a) == 0);
	CHECK(dns_numeric("", &a) == 0);
	CHECK(dns_numeric("[::1]", &a) == 0);
	CHECK(dns_sockaddr(&a, 0, &ss) > 0);
	dns_numeric("::1", &a);
	CHECK(dns_sockaddr(&a, 8080, &ss) == sizeof(struct sockaddr_in6) &&
	    s6->sin6_family == AF_INET6 && ntohs(s6->sin6_port) == 8080);
}

/* ------------------------------------------------------------------ */
/* /etc/hosts */

static const char hosts_text[] =
    "# comment line\n"
    "127.0.0.1\tlocalhost\n"
    "::1     localhost ip6-localhost ip6-loopback\r\n"
    "10.0.0.1 Tunnel.TEST tun # 10.0.0.9 tunnel.test\n"
    "   10.0.0.2   other.test\ttunnel.test   \n"
    "bogus    tunnel.test\n"
    "10.0.0.300 tunnel.test\n"
    "1.2.3.4\n"
    "\n"
    "#10.0.0.3 tunnel.test\n"
    "fd00::7 tunnel.test\n"
    "10.0.0.4 tunnel.testx xtunnel.test tunnel.tes\n"
    "10.0.0.5 tunnel.test";			/* no final LF */

/* Feeds text in pieces of at most step bytes, keeping the unconsumed
 * tail as a file reader does. */
static int
hosts_split(const char *text, size_t len, size_t step, const char *name,
    struct dns_addr *out, int max)
{
	char buf[1024];
	size_t have = 0, off = 0, k, used;
	int n = 0;

	while (off < len) {
		k = len - off < step ? len - off : step;
		memcpy(buf + have, text + off, k);
		have += k;
		off += k;
		used = dns_hosts_feed(t_guard(buf, have), have, 0, name, out,
		    max, &n);
		if (used > have)
			return -100;
		memmove(buf, buf + used, have - used);
		have -= used;
	}
	used = dns_hosts_feed(t_guard(buf, have), have, 1, name, out, max, &n);
	return used == have ? n : -100;
}

static void
test_hosts(void)
{
	struct dns_addr out[DNS_MAX_ADDRS];
	size_t len = sizeof(hosts_text) - 1, step;
	int n, ok;

	n = 0;
	CHECK(dns_hosts_feed(t_guard(hosts_text, len), len, 1, "tunnel.test",
	    out, DNS_MAX_ADDRS, &n) == len);
	CHECK(n == 4);
	CHECK(n == 4 && addr_is(&out[0], "10.0.0.1") &&
	    addr_is(&out[1], "10.0.0.2") && addr_is(&out[2], "fd00::7") &&
	    addr_is(&out[3], "10.0.0.5"));
	/* Without eof the last line waits for its LF. */
	n = 0;
	CHECK(dns_hosts_feed(t_guard(hosts_text, len), len, 0, "tunnel.test",
	    out, DNS_MAX_ADDRS, &n) == len - strlen("10.0.0.5 tunnel.test"));
	CHECK(n == 3);
	/* Case, aliases, a final dot, CRLF. */
	n = 0;
	dns_hosts_feed(hosts_text, len, 1, "TUN", out, DNS_MAX_ADDRS, &n);
	CHECK(n == 1 && addr_is(&out[0], "10.0.0.1"));
	n = 0;
	dns_hosts_feed(hosts_text, len, 1, "localhost.", out, DNS_MAX_ADDRS,
	    &n);
	CHECK(n == 2 && addr_is(&out[0], "127.0.0.1") &&
	    addr_is(&out[1], "::1"));
	n = 0;
	dns_hosts_feed(hosts_text, len, 1, "ip6-loopback", out,
	    DNS_MAX_ADDRS, &n);
	CHECK(n == 1 && addr_is(&out[0], "::1"));
	/* Nothing for a prefix, a suffix, a comment, an address, "". */
	n = 0;
	dns_hosts_feed(hosts_text, len, 1, "tunnel.tes", out, DNS_MAX_ADDRS,
	    &n);
	CHECK(n == 1 && addr_is(&out[0], "10.0.0.4"));
	n = 0;
	dns_hosts_feed(hosts_text, len, 1, "comment", out, DNS_MAX_ADDRS, &n);
	dns_hosts_feed(hosts_text, len, 1, "1.2.3.4", out, DNS_MAX_ADDRS, &n);
	dns_hosts_feed(hosts_text, len, 1, "", out, DNS_MAX_ADDRS, &n);
	dns_hosts_feed(hosts_text, len, 1, ".", out, DNS_MAX_ADDRS, &n);
	dns_hosts_feed(hosts_text, len, 1, "bogus", out, DNS_MAX_ADDRS, &n);
	CHECK(n == 0);
	/* max is honoured. */
	n = 0;
	dns_hosts_feed(hosts_text, len, 1, "tunnel.test", out, 2, &n);
	CHECK(n == 2 && addr_is(&out[1], "10.0.0.2"));
	/* Every split gives the same. */
	ok = 1;
	for (step = 1; step <= len; step++) {
		n = hosts_split(hosts_text, len, step, "tunnel.test", out,
		    DNS_MAX_ADDRS);
		ok &= n == 4 && addr_is(&out[3], "10.0.0.5");
	}
	CHECK(ok);
	/* An embedded NUL ends nothing and matches nothing. */
	n = 0;
	dns_hosts_feed("10.0.0.1\0 a\n10.0.0.2 a\0\n10.0.0.3 a\n", 34, 1, "a",
	    out, DNS_MAX_ADDRS, &n);
	CHECK(n == 1 && addr_is(&out[0], "10.0.0.3"));
}

/* ------------------------------------------------------------------ */
/* /etc/resolv.conf */

static const char conf_text[] =
    "# generated\n"
    "; also a comment\n"
    "domain first.test\n"
    "nameserver 192.0.2.1\n"
    "nameserver\t2001:db8::53   # trailing\n"
    " nameserver 192.0.2.99\n"		/* a keyword starts the line */
    "nameserver bogus\n"
    "nameserver 192.0.2.2\n"
    "nameserver 192.0.2.3\n"		/* a fourth: ignored */
    "search a.test b.test. bad..name c.test\r\n"
    "options ndots:2 timeout:3 attempts:4 rotate edns0\n"
    "options timeout:\n"
    "Nameserver 192.0.2.4\n"
    "sortlist 130.155.160.0/255.255.240.0";

static int
conf_search_is(const struct dns_conf *c, const char *want)
{
	char buf[DNS_SEARCH_LEN];
	size_t i;

	memcpy(buf, c->search, c->searchlen);
	for (i = 0; i + 1 < c->searchlen; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	if (c->searchlen == 0)
		buf[0] = '\0';
	return strcmp(buf, want) == 0;
}

static void
conf_str(struct dns_conf *c, const char *s)
{
	size_t n = strlen(s);

	CHECK(dns_conf_feed(c, t_guard(s, n), n, 1) == n);
}

static void
test_conf(void)
{
	struct dns_conf c, d;
	char buf[1024];
	size_t len = sizeof(conf_text) - 1, step, off, have, k, used;
	int ok;

	dns_conf_init(&c);
	CHECK(c.timeout_s == 5 && c.attempts == 2 && c.ndots == 1 &&
	    c.nns == 0);
	CHECK(dns_conf_feed(&c, t_guard(conf_text, len), len, 1) == len);
	CHECK(c.nns == 3 && addr_is(&c.ns[0], "192.0.2.1") &&
	    addr_is(&c.ns[1], "2001:db8::53") &&
	    addr_is(&c.ns[2], "192.0.2.2"));
	CHECK(c.ndots == 2 && c.timeout_s == 3 && c.attempts == 4);
	CHECK(c.nsearch == 3 && conf_search_is(&c, "a.test b.test c.test"));
	/* every split */
	ok = 1;
	for (step = 1; step <= len; step++) {
		dns_conf_init(&d);
		for (off = have = 0; off < len; off += k) {
			k = len - off < step ? len - off : step;
			memcpy(buf + have, conf_text + off, k);
			have += k;
			used = dns_conf_feed(&d, t_guard(buf, have), have, 0);
			memmove(buf, buf + used, have - used);
			have -= used;
		}
		dns_conf_feed(&d, t_guard(buf, have), have, 1);
		ok &= d.nns == 3 && d.ndots == 2 && d.attempts == 4 &&
		    d.nsearch == 3 && memcmp(d.ns, c.ns, sizeof(d.ns)) == 0 &&
		    d.searchlen == c.searchlen &&
		    memcmp(d.search, c.search, c.searchlen) == 0;
	}
	CHECK(ok);
	/* No nameserver: 127.0.0.1; caps; the last search/domain wins. */
	dns_conf_init(&c);
	conf_str(&c, "search x.test y.test\ndomain z.test\n"
	    "options timeout:99 attempts:0 ndots:100\n");
	CHECK(c.nns == 1 && addr_is(&c.ns[0], "127.0.0.1"));
	CHECK(c.timeout_s == 30 && c.attempts == 1 && c.ndots == 15);
	CHECK(c.nsearch == 1 && conf_search_is(&c, "z.test"));
	dns_conf_init(&c);
	conf_str(&c, "options timeout:0 attempts:99999999999999999999\n"
	    "search 1 2 3 4 5 6 7 8\n");
	CHECK(c.timeout_s == 1 && c.attempts == 5 && c.nsearch == 6);
	dns_conf_init(&c);
	dns_conf_feed(&c, "", 0, 1);
	CHECK(c.nns == 1 && c.nsearch == 0);
}

/* ------------------------------------------------------------------ */
/* Queries */

static void
test_query(void)
{
	/* RFC 1035 4.1.1 header: ID, QR=0 OPCODE=0 AA=0 TC=0 RD=1, RA=0
	 * Z=0 RCODE=0, QDCOUNT=1, AN/NS/ARCOUNT=0; 4.1.2 question: QNAME
	 * as length-prefixed labels ending in the root's 0, QTYPE, QCLASS
	 * IN=1. */
	static const uint8_t want_a[] = {
		0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
		3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		3, 'c', 'o', 'm', 0,
		0x00, 0x01, 0x00, 0x01
	};
	uint8_t buf[512];
	char name[300];
	long n;

	n = dns_query(buf, sizeof(buf), 0x1234, "www.example.com", 1);
	CHECK(n == (long)sizeof(want_a) && memcmp(buf, want_a, n) == 0);
	/* a final dot changes nothing; case is folded */
	n = dns_query(buf, sizeof(buf), 0x1234, "WWW.Example.COM.", 1);
	CHECK(n == (long)sizeof(want_a) && memcmp(buf, want_a, n) == 0);
	n = dns_query(buf, sizeof(buf), 0xfedc, "a", 28);
	CHECK(n == 12 + 3 + 4 && buf[0] == 0xfe && buf[1] == 0xdc &&
	    buf[12] == 1 && buf[13] == 'a' && buf[14] == 0 &&
	    buf[15] == 0 && buf[16] == 28 && buf[17] == 0 && buf[18] == 1);
	/* names we do not send */
	CHECK(dns_query(buf, sizeof(buf), 1, "", 1) == -1);
	CHECK(dns_query(buf, sizeof(buf), 1, ".", 1) == -1);
	CHECK(dns_query(buf, sizeof(buf), 1, "a..b", 1) == -1);
	CHECK(dns_query(buf, sizeof(buf), 1, ".a", 1) == -1);
	CHECK(dns_query(buf, sizeof(buf), 1, "a b", 1) == -1);
	CHECK(dns_query(buf, sizeof(buf), 1, "a/b", 1) == -1);
	CHECK(dns_query(buf, sizeof(buf), 1, "a.b", 1) > 0);
	CHECK(dns_query(buf, sizeof(buf), 1, "_x-y.\xc3\xa9t\xc3\xa9", 1) > 0);
	CHECK(dns_query(buf, 270, 1, "a.b", 1) == -1);	/* small cap */
	/* labels of 63 bytes, not 64; names of 253, not 254 */
	memset(name, 'x', 63);
	name[63] = '\0';
	CHECK(dns_query(buf, sizeof(buf), 1, name, 1) == 12 + 65 + 4);
	name[63] = 'x';
	name[64] = '\0';
	CHECK(dns_query(buf, sizeof(buf), 1, name, 1) == -1);
	memset(name, 'x', 253);
	for (n = 63; n < 253; n += 64)
		name[n] = '.';
	name[253] = '\0';
	CHECK(dns_query(buf, sizeof(buf), 1, name, 1) == 12 + 255 + 4);
	name[253] = '.';
	name[254] = '\0';
	CHECK(dns_query(buf, sizeof(buf), 1, name, 1) == 12 + 255 + 4);
	name[253] = 'x';
	CHECK(dns_query(buf, sizeof(buf), 1, name, 1) == -1);
}

/* ------------------------------------------------------------------ */
/* Responses */

struct b {
	uint8_t		 d[1024];
	size_t		 n;
};

static void
b8(struct b *b, int v)
{
	b->d[b->n++] = (uint8_t)v;
}

static void
b16(struct b *b, int v)
{
	b8(b, v >> 8);
	b8(b, v & 0xff);
}

/* labels of s; end: 1 to add the root's 0 */
static void
blabels(struct b *b, const char *s, int end)
{
	const char *e;

	while (*s != '\0') {
		e = strchr(s, '.');
		if (e == NULL)
			e = s + strlen(s);
		b8(b, (int)(e - s));
		memcpy(b->d + b->n, s, (size_t)(e - s));
		b->n += (size_t)(e - s);
		s = *e ? e + 1 : e;
	}
	if (end)
		b8(b, 0);
}

static void
bptr(struct b *b, int off)
{
	b16(b, 0xc000 | off);
}

static void
bhdr(struct b *b, int id, int flags, int qd, int an)
{
	b->n = 0;
	b16(b, id);
	b16(b, flags);
	b16(b, qd);
	b16(b, an);
	b16(b, 0);
	b16(b, 0);
}

static void
bq(struct b *b, const char *name, int qtype)
{
	blabels(b, name, 1);
	b16(b, qtype);
	b16(b, 1);
}

/* type, class IN, TTL 60, rdlength (the owner is already written) */
static void
brr(struct b *b, int type, int rdlen)
{
	b16(b, type);
	b16(b, 1);
	b16(b, 0);
	b16(b, 60);
	b16(b, rdlen);
}

/* A record whose rdata follows: brr_close sets its rdlength. */
static size_t
brr_open(struct b *b, int type)
{
	brr(b, type, 0);
	return b->n;
}

static void
brr_close(struct b *b, size_t rd)
{
	b->d[rd - 2] = (uint8_t)((b->n - rd) >> 8);
	b->d[rd - 1] = (uint8_t)(b->n - rd);
}

static void
ba(struct b *b, const char *ip)
{
	struct dns_addr a = A(ip);

	memcpy(b->d + b->n, a.a, a.family == AF_INET ? 4 : 16);
	b->n += a.family == AF_INET ? 4 : 16;
}

/* A response for c0.test (A) whose answer is the chain c0.test -> c1.test
 * -> ... -> c<hops>.test (CNAMEs, names in full) and an A record
 * 10.0.0.<hops> for the last. */
static void
cname_chain(struct b *c, int id, int hops)
{
	char o[16], t[16];
	int i;

	bhdr(c, id, 0x8180, 1, hops + 1);
	bq(c, "c0.test", 1);
	for (i = 0; i < hops; i++) {
		snprintf(o, sizeof(o), "c%d.test", i);
		snprintf(t, sizeof(t), "c%d.test", i + 1);
		blabels(c, o, 1); brr(c, 5, (int)strlen(t) + 2);
		blabels(c, t, 1);
	}
	snprintf(o, sizeof(o), "c%d.test", hops);
	snprintf(t, sizeof(t), "10.0.0.%d", hops);
	blabels(c, o, 1); brr(c, 1, 4); ba(c, t);
}

static int
answer(const struct b *b, uint16_t id, const char *name, int qtype,
    struct dns_addr *out, int max)
{
	return dns_answer(t_guard(b->d, b->n), b->n, id, name, qtype, out, max);
}

/* Every proper prefix of b is refused (ignored or failed), and never
 * read past. */
static int
cut_everywhere(const struct b *b, uint16_t id, const char *name, int qtype)
{
	struct dns_addr out[DNS_MAX_ADDRS];
	size_t k;
	int r, ok = 1;

	for (k = 0; k < b->n; k++) {
		r = dns_answer(t_guard(b->d, k), k, id, name, qtype, out,
		    DNS_MAX_ADDRS);
		if (r != DNS_R_IGNORE && r != DNS_R_FAIL) {
			fprintf(stderr, "cut at %zu of %zu: %d\n", k, b->n, r);
			ok = 0;
		}
	}
	return ok;
}

static void
test_answer(void)
{
	struct dns_addr out[DNS_MAX_ADDRS];
	struct b b, c;
	size_t rd;
	int i, r;

	/* Two A records, the owner compressed to the question. */
	bhdr(&b, 0xbeef, 0x8180, 1, 2);
	bq(&b, "tunnel.test", 1);
	bptr(&b, 12); brr(&b, 1, 4); ba(&b, "10.0.0.1");
	bptr(&b, 12); brr(&b, 1, 4); ba(&b, "10.0.0.2");
	r = answer(&b, 0xbeef, "tunnel.test", 1, out, DNS_MAX_ADDRS);
	CHECK(r == 2 && addr_is(&out[0], "10.0.0.1") &&
	    addr_is(&out[1], "10.0.0.2"));
	CHECK(answer(&b, 0xbeef, "TUNNEL.Test.", 1, out, DNS_MAX_ADDRS) == 2);
	CHECK(answer(&b, 0xbeef, "tunnel.test", 1, out, 1) == 1);
	CHECK(cut_everywhere(&b, 0xbeef, "tunnel.test", 1));
	/* Not ours: id, question name, type; a query (QR=0); opcode;
	 * QDCOUNT 0 or 2. */
	CHECK(answer(&b, 0xbeee, "tunnel.test", 1, out, 16) == DNS_R_IGNORE);
	CHECK(answer(&b, 0xbeef, "tunnel.tes", 1, out, 16) == DNS_R_IGNORE);
	CHECK(answer(&b, 0xbeef, "other.test", 1, out, 16) == DNS_R_IGNORE);
	CHECK(answer(&b, 0xbeef, "tunnel.test", 28, out, 16) == DNS_R_IGNORE);
	CHECK(answer(&b, 0xbeef, "", 1, out, 16) == DNS_R_IGNORE);
	c = b; c.d[2] = 0x01;
	CHECK(answer(&c, 0xbeef, "tunnel.test", 1, out, 16) == DNS_R_IGNORE);
	c = b; c.d[2] = 0x81 | (2 << 3);
	CHECK(answer(&c, 0xbeef, "tunnel.test", 1, out, 16) == DNS_R_IGNORE);
	c = b; c.d[5] = 0;
	CHECK(answer(&c, 0xbeef, "tunnel.test", 1, out, 16) == DNS_R_IGNORE);
	c = b; c.d[5] = 2;
	CHECK(answer(&c, 0xbeef, "tunnel.test", 1, out, 16) == DNS_R_IGNORE);
	c = b; c.d[b.n - 2 * 16 - 1] = 3;	/* QCLASS CH */
	CHECK(answer(&c, 0xbeef, "tunnel.test", 1, out, 16) == DNS_R_IGNORE);
	/* AA, RA, AD bits are fine */
	c = b; c.d[2] |= 0x04; c.d[3] |= 0xa0;
	CHECK(answer(&c, 0xbeef, "tunnel.test", 1, out, 16) == 2);
	/* A wrong-sized A record, or an A record in an AAAA answer. */
	c = b; c.d[c.n - 5] = 5; c.d[c.n++] = 0;
	CHECK(answer(&c, 0xbeef, "tunnel.test", 1, out, 16) == DNS_R_FAIL);
	bhdr(&c, 7, 0x8180, 1, 1);
	bq(&c, "v6.test", 28);
	bptr(&c, 12); brr(&c, 28, 4); ba(&c, "10.0.0.1");
	CHECK(answer(&c, 7, "v6.test", 28, out, 16) == DNS_R_FAIL);
	/* Trailing bytes past the answer (authority we do not read). */
	c = b; c.d[c.n++] = 0xff;
	CHECK(answer(&c, 0xbeef, "tunnel.test", 1, out, 16) == 2);
	/* ANCOUNT larger than the records: malformed. */
	c = b; c.d[7] = 3;
	CHECK(answer(&c, 0xbeef, "tunnel.test", 1, out, 16) == DNS_R_FAIL);

	/* AAAA, owner written out in full, mixed case. */
	bhdr(&b, 1, 0x8580, 1, 1);
	bq(&b, "V6.test", 28);
	blabels(&b, "v6.TEST", 1); brr(&b, 28, 16); ba(&b, "2001:db8::1");
	r = answer(&b, 1, "v6.test", 28, out, DNS_MAX_ADDRS);
	CHECK(r == 1 && addr_is(&out[0], "2001:db8::1"));
	CHECK(cut_everywhere(&b, 1, "v6.test", 28));

	/* A CNAME chain www -> cdn (compressed onto the question's
	 * "example.test") -> edge, records out of order, with records of
	 * other names and classes that must be skipped. */
	bhdr(&b, 2, 0x8180, 1, 6);
	bq(&b, "www.example.test", 1);			/* name at 12 */
	i = (int)b.n;					/* "edge..." */
	blabels(&b, "edge.cdn.test", 1); brr(&b, 1, 4); ba(&b, "10.1.1.1");
	bptr(&b, 12);					/* www -> */
	rd = brr_open(&b, 5);
	blabels(&b, "CDN", 0); bptr(&b, 12 + 4);	/* cdn.example.test */
	brr_close(&b, rd);
	blabels(&b, "other.test", 1); brr(&b, 1, 4); ba(&b, "10.9.9.9");
	blabels(&b, "cdn.example.test", 1); brr(&b, 5, 2); bptr(&b, i);
	blabels(&b, "edge.cdn.test", 1); b16(&b, 1); b16(&b, 3); b16(&b, 0);
	b16(&b, 1); b16(&b, 4); ba(&b, "10.8.8.8");	/* class CH */
	bptr(&b, i); brr(&b, 1, 4); ba(&b, "10.1.1.2");
	r = answer(&b, 2, "www.example.test", 1, out, DNS_MAX_ADDRS);
	CHECK(r == 2 && addr_is(&out[0], "10.1.1.1") &&
	    addr_is(&out[1], "10.1.1.2"));
	CHECK(cut_everywhere(&b, 2, "www.example.test", 1));
	/* A chain that ends without an address: NODATA. */
	bhdr(&c, 3, 0x8180, 1, 1);
	bq(&c, "alias.test", 1);
	bptr(&c, 12); brr(&c, 5, 2); bptr(&c, 12 + 6);	/* -> "test" */
	CHECK(answer(&c, 3, "alias.test", 1, out, 16) == 0);
	/* A CNAME whose rdata runs past its rdlength, or stops short. */
	bhdr(&c, 3, 0x8180, 1, 1);
	bq(&c, "alias.test", 1);
	bptr(&c, 12); brr(&c, 5, 3); bptr(&c, 12 + 6); b8(&c, 0);
	CHECK(answer(&c, 3, "alias.test", 1, out, 16) == DNS_R_FAIL);
	bhdr(&c, 3, 0x8180, 1, 1);
	bq(&c, "alias.test", 1);
	bptr(&c, 12); brr(&c, 5, 1); bptr(&c, 12 + 6);
	CHECK(answer(&c, 3, "alias.test", 1, out, 16) == DNS_R_FAIL);
	/* A CNAME loop a -> b -> a, and a chain over DNS_MAX_CNAME. */
	bhdr(&c, 4, 0x8180, 1, 3);
	bq(&c, "a.test", 1);
	bptr(&c, 12); brr(&c, 5, 4); blabels(&c, "b", 0); bptr(&c, 12 + 2);
	blabels(&c, "b.test", 1); brr(&c, 5, 2); bptr(&c, 12);
	bptr(&c, 12); brr(&c, 1, 4); ba(&c, "10.0.0.1");
	CHECK(answer(&c, 4, "a.test", 1, out, 16) == DNS_R_FAIL);
	cname_chain(&c, 5, DNS_MAX_CNAME + 1);
	CHECK(answer(&c, 5, "c0.test", 1, out, 16) == DNS_R_FAIL);
	/* exactly DNS_MAX_CNAME hops pass */
	cname_chain(&c, 5, DNS_MAX_CNAME);
	r = answer(&c, 5, "c0.test", 1, out, 16);
	CHECK(r == 1 && addr_is(&out[0], "10.0.0.8"));

	/* Compression pointers: to itself, forward, into the header, a
	 * pointer loop, a cut pointer, label types 01 and 10. */
	bhdr(&c, 6, 0x8180, 1, 1);
	bq(&c, "p.test", 1);
	i = (int)c.n;
	bptr(&c, i); brr(&c, 1, 4); ba(&c, "10.0.0.1");
	CHECK(answer(&c, 6, "p.test", 1, out, 16) == DNS_R_FAIL);
	c.d[i + 1] = (uint8_t)(i + 2);			/* forward */
	CHECK(answer(&c, 6, "p.test", 1, out, 16) == DNS_R_FAIL);
	c.d[i + 1] = 4;					/* header */
	CHECK(answer(&c, 6, "p.test", 1, out, 16) == DNS_R_FAIL);
	c.d[i] = 0x40;					/* type 01 */
	CHECK(answer(&c, 6, "p.test", 1, out, 16) == DNS_R_FAIL);
	c.d[i] = 0x80;					/* type 10 */
	CHECK(answer(&c, 6, "p.test", 1, out, 16) == DNS_R_FAIL);
	c.d[i] = 0xc0;
	c.d[i + 1] = 12;
	CHECK(answer(&c, 6, "p.test", 1, out, 16) == 1);
	/* a loop: label "x" then a pointer back to that label */
	bhdr(&c, 6, 0x8180, 1, 1);
	bq(&c, "p.test", 1);
	i = (int)c.n;
	b8(&c, 1); b8(&c, 'x'); bptr(&c, i);
	brr(&c, 1, 4); ba(&c, "10.0.0.1");
	CHECK(answer(&c, 6, "p.test", 1, out, 16) == DNS_R_FAIL);
	/* the question itself compressed with a pointer loop */
	bhdr(&c, 6, 0x8180, 1, 0);
	bptr(&c, 12); b16(&c, 1); b16(&c, 1);
	CHECK(answer(&c, 6, "p.test", 1, out, 16) == DNS_R_IGNORE);
	/* a name over 255 bytes by pointers: "a" labels chained */
	bhdr(&c, 6, 0x8180, 1, 1);
	bq(&c, "p.test", 1);
	i = (int)c.n;
	b8(&c, 63); memset(c.d + c.n, 'a', 63); c.n += 63; b8(&c, 0);
	for (r = 0; r < 4; r++) {
		int at = (int)c.n;
		b8(&c, 63); memset(c.d + c.n, 'a', 63); c.n += 63;
		bptr(&c, i);
		i = at;
	}
	bptr(&c, i); brr(&c, 1, 4); ba(&c, "10.0.0.1");
	CHECK(answer(&c, 6, "p.test", 1, out, 16) == DNS_R_FAIL);

	/* RCODEs: NXDOMAIN, SERVFAIL, REFUSED, NOTIMP; NODATA. */
	bhdr(&c, 8, 0x8183, 1, 0);
	bq(&c, "nx.test", 1);
	CHECK(answer(&c, 8, "nx.test", 1, out, 16) == DNS_R_NXDOMAIN);
	CHECK(cut_everywhere(&c, 8, "nx.test", 1));
	c.d[3] = 0x82;
	CHECK(answer(&c, 8, "nx.test", 1, out, 16) == DNS_R_FAIL);
	c.d[3] = 0x85;
	CHECK(answer(&c, 8, "nx.test", 1, out, 16) == DNS_R_FAIL);
	c.d[3] = 0x84;
	CHECK(answer(&c, 8, "nx.test", 1, out, 16) == DNS_R_FAIL);
	c.d[3] = 0x80;
	CHECK(answer(&c, 8, "nx.test", 1, out, 16) == 0);
	CHECK(answer(&c, 9, "nx.test", 1, out, 16) == DNS_R_IGNORE);

	/* TC: complete records are used, a cut one is not; none: fail. */
	bhdr(&b, 10, 0x8380, 1, 3);
	bq(&b, "tc.test", 1);
	bptr(&b, 12); brr(&b, 1, 4); ba(&b, "10.0.0.1");
	bptr(&b, 12); brr(&b, 1, 4); ba(&b, "10.0.0.2");
	bptr(&b, 12); brr(&b, 1, 4); b8(&b, 10);
	r = answer(&b, 10, "tc.test", 1, out, 16);
	CHECK(r == 2 && addr_is(&out[1], "10.0.0.2"));
	b.n = 12 + 9 + 4 + 3;
	CHECK(answer(&b, 10, "tc.test", 1, out, 16) == DNS_R_FAIL);
	b.n = 12 + 9 + 4;
	CHECK(answer(&b, 10, "tc.test", 1, out, 16) == DNS_R_FAIL);

	/* Many records: DNS_MAX_ADDRS kept, all checked. */
	bhdr(&b, 11, 0x8180, 1, 30);
	bq(&b, "many.test", 1);
	for (i = 0; i < 30; i++) {
		bptr(&b, 12); brr(&b, 1, 4);
		b8(&b, 10); b8(&b, 0); b8(&b, 0); b8(&b, i);
	}
	r = answer(&b, 11, "many.test", 1, out, DNS_MAX_ADDRS);
	CHECK(r == DNS_MAX_ADDRS && addr_is(&out[15], "10.0.0.15"));
	CHECK(cut_everywhere(&b, 11, "many.test", 1));
	/* garbage */
	memset(b.d, 0xff, sizeof(b.d));
	b.n = sizeof(b.d);
	CHECK(answer(&b, 0xffff, "x.test", 1, out, 16) == DNS_R_IGNORE);
	CHECK(dns_answer(t_guard("", 0), 0, 0, "x.test", 1, out, 16) ==
	    DNS_R_IGNORE);
}

/* ------------------------------------------------------------------ */
/* Whole lookups against a scripted nameserver on 127.0.0.1 */

static char	 dir[] = "/tmp/test_dns.XXXXXX";
static char	 hosts_path[64], conf_path[64];
static int	 srv_fd = -1;
static int	 srv_queries;		/* datagrams it received */
static int	 flaky_left;		/* "flaky.test": drop this many */

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

/* The query's name as text (lower case), its type and id: 0 or -1. */
static int
parse_query(const uint8_t *q, size_t n, char *name, int *qtype, int *id,
    size_t *qend)
{
	size_t p = 12, o = 0;

	if (n < 12 + 5)
		return -1;
	*id = q[0] << 8 | q[1];
	while (p < n && q[p] != 0) {
		if (q[p] > 63 || p + 1 + q[p] >= n || o + q[p] + 1 > 255)
			return -1;
		if (o > 0)
			name[o++] = '.';
		memcpy(name + o, q + p + 1, q[p]);
		o += q[p];
		p += 1 + (size_t)q[p];
	}
	name[o] = '\0';
	if (p + 5 > n)
		return -1;
	*qtype = q[p + 1] << 8 | q[p + 2];
	*qend = p + 5;
	return 0;
}

/*
 * One query, one scripted answer:
 *   a.test        A 10.0.0.1, 10.0.0.2; AAAA fd00::1
 *   v4.test       A 10.0.0.4; AAAA NODATA
 *   v6.test       A NODATA; AAAA fd00::6
 *   nodata.test   NODATA both
 *   fail.test, *.fails.test  SERVFAIL
 *   silent.test   nothing
 *   spoof.test    first a wrong id, a wrong name, then 10.0.0.7
 *   flaky.test    the first flaky_left datagrams dropped, then 10.0.0.8
 *   short.s.test  A 10.0.3.1 (search)
 *   x             A 10.0.3.2 (after x.s.test: NXDOMAIN, then
 *                 x.fails.test: SERVFAIL, which ends the search list)
 *   aaaa-silent.test  A 10.0.0.9; AAAA never answered
 *   anything else NXDOMAIN
 */
static void
serve_one(int fd)
{
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	uint8_t q[512];
	struct b r;
	char name[256];
	int qtype, id, rcode = 0, nan = 0;
	const char *v4[3] = { NULL, NULL, NULL }, *v6 = NULL;
	size_t qend;
	ssize_t n;
	int i;

	n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
	if (n <= 0 || parse_query(q, (size_t)n, name, &qtype, &id, &qend) < 0)
		return;
	srv_queries++;
	if (strcmp(name, "silent.test") == 0)
		return;
	if (strcmp(name, "aaaa-silent.test") == 0 && qtype == 28)
		return;
	if (strcmp(name, "flaky.test") == 0 && flaky_left > 0) {
		flaky_left--;
		return;
	}
	if (strcmp(name, "a.test") == 0) {
		v4[0] = "10.0.0.1"; v4[1] = "10.0.0.2"; v6 = "fd00::1";
	} else if (strcmp(name, "v4.test") == 0)
		v4[0] = "10.0.0.4";
	else if (strcmp(name, "v6.test") == 0)
		v6 = "fd00::6";
	else if (strcmp(name, "spoof.test") == 0)
		v4[0] = "10.0.0.7";
	else if (strcmp(name, "flaky.test") == 0)
		v4[0] = "10.0.0.8";
	else if (strcmp(name, "short.s.test") == 0)
		v4[0] = "10.0.3.1";
	else if (strcmp(name, "x") == 0)
		v4[0] = "10.0.3.2";
	else if (strcmp(name, "aaaa-silent.test") == 0)
		v4[0] = "10.0.0.9";
	else if (strcmp(name, "fail.test") == 0 || (strlen(name) > 11 &&
	    strcmp(name + strlen(name) - 11, ".fails.test") == 0))
		rcode = 2;
	else if (strcmp(name, "nodata.test") != 0)
		rcode = 3;
	if (strcmp(name, "spoof.test") == 0) {
		/* wrong id */
		bhdr(&r, id ^ 0x5555, 0x8180, 1, 1);
		memcpy(r.d + r.n, q + 12, qend - 12);
		r.n += qend - 12;
		bptr(&r, 12); brr(&r, 1, 4); ba(&r, "10.6.6.6");
		sendto(fd, r.d, r.n, 0, (struct sockaddr *)&from, fl);
		/* right id, another question */
		bhdr(&r, id, 0x8180, 1, 1);
		bq(&r, "spoof.tesu", qtype);
		bptr(&r, 12); brr(&r, 1, 4); ba(&r, "10.6.6.7");
		sendto(fd, r.d, r.n, 0, (struct sockaddr *)&from, fl);
	}
	bhdr(&r, id, 0x8180 | rcode, 1, 0);
	memcpy(r.d + r.n, q + 12, qend - 12);
	r.n += qend - 12;
	if (rcode == 0 && qtype == 1)
		for (i = 0; i < 3 && v4[i] != NULL; i++, nan++) {
			bptr(&r, 12); brr(&r, 1, 4); ba(&r, v4[i]);
		}
	if (rcode == 0 && qtype == 28 && v6 != NULL) {
		bptr(&r, 12); brr(&r, 28, 16); ba(&r, v6);
		nan++;
	}
	r.d[7] = (uint8_t)nan;
	sendto(fd, r.d, r.n, 0, (struct sockaddr *)&from, fl);
}

static struct ev_watcher srv_w;

static void
srv_io(struct ev_watcher *w, uint32_t ev)
{
	(void)ev;
	serve_one(w->fd);
}

static void
setup_server(void)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
	snprintf(hosts_path, sizeof(hosts_path), "%s/hosts", dir);
	snprintf(conf_path, sizeof(conf_path), "%s/resolv.conf", dir);
	write_file(hosts_path, "127.0.0.1 localhost\n"
	    "10.5.5.5 h.test\n::5 h.test hh\n");
	write_file(conf_path, "nameserver 127.0.0.1\n"
	    "search s.test fails.test zzz.test\n"
	    "options timeout:1 attempts:2\n");
	dns_set_files(hosts_path, conf_path);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (srv_fd < 0 || bind(srv_fd, (struct sockaddr *)&sin,
	    sizeof(sin)) < 0 || getsockname(srv_fd, (struct sockaddr *)&sin,
	    &sl) < 0) {
		perror("server socket");
		exit(2);
	}
	dns_set_port(ntohs(sin.sin_port));
}

static void
cleanup_files(void)
{
	unlink(hosts_path);
	unlink(conf_path);
	rmdir(dir);
}

/* Open fds of this process. */
static int
nfds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;		/* opendir's own */
}

struct res {
	int		 done, rc, n;
	struct dns_addr	 a[DNS_MAX_ADDRS];
	uint64_t	 ms;	/* when it came, since start */
};
static int		 pending;
static uint64_t		 t0;

static void
got(void *arg, int rc, const struct dns_addr *a, int n)
{
	struct res *r = arg;

	r->done++;
	r->rc = rc;
	r->n = n;
	if (n > 0)
		memcpy(r->a, a, (size_t)n * sizeof(*a));
	r->ms = ew_now_ms() - t0;
	if (--pending == 0)
		loop_stop();
}

static struct ev_timer	 guard_t;

static void
guard_cb(struct ev_timer *t)
{
	(void)t;
	loop_stop();
}

/* dns_start name; a synchronous result is stored as if by callback. */
static void
start(struct dns_req **rp, const char *name, struct res *r,
    uint64_t timeout)
{
	int n;

	memset(r, 0, sizeof(*r));
	n = dns_start(rp, name, timeout, got, r, r->a, DNS_MAX_ADDRS);
	if (n != 0) {
		r->done = 1;
		r->rc = n < 0 ? n : 0;
		r->n = n > 0 ? n : 0;
		r->ms = 0;
		CHECK(*rp == NULL);
	} else {
		CHECK(*rp != NULL);
		pending++;
	}
}

/* Run the loop until every lookup is done (or 10 s). */
static void
run(void)
{
	timer_arm(&guard_t, 10000);
	if (pending > 0)
		loop_run();
	timer_stop(&guard_t);
}

static void
test_async(void)
{
	struct dns_req *rq[12];
	struct res r[12];
	int fd0, i, q0;

	if (loop_init() < 0) {
		perror("loop_init");
		exit(2);
	}
	timer_init(&guard_t, guard_cb);
	srv_w.cb = srv_io;
	loop_add(&srv_w, srv_fd, EPOLLIN);
	fd0 = nfds();

	/* Without DNS: numeric, hosts, localhost, bad names. */
	start(&rq[0], "10.1.2.3", &r[0], 0);
	CHECK(r[0].done && r[0].n == 1 && addr_is(&r[0].a[0], "10.1.2.3"));
	start(&rq[0], "H.test.", &r[0], 0);
	CHECK(r[0].done && r[0].n == 2 && addr_is(&r[0].a[0], "10.5.5.5") &&
	    addr_is(&r[0].a[1], "::5"));
	start(&rq[0], "localhost", &r[0], 0);
	CHECK(r[0].n == 1 && addr_is(&r[0].a[0], "127.0.0.1"));
	start(&rq[0], "x.localhost", &r[0], 0);
	CHECK(r[0].n == 2 && addr_is(&r[0].a[0], "127.0.0.1") &&
	    addr_is(&r[0].a[1], "::1"));
	start(&rq[0], "a b", &r[0], 0);
	CHECK(r[0].done && r[0].rc == DNS_ENONAME);
	start(&rq[0], "", &r[0], 0);
	CHECK(r[0].done && r[0].rc == DNS_ENONAME);
	CHECK(srv_queries == 0);

	/* Several at once. */
	t0 = ew_now_ms();
	start(&rq[0], "a.test", &r[0], 0);
	start(&rq[1], "v4.test", &r[1], 0);
	start(&rq[2], "v6.test", &r[2], 0);
	start(&rq[3], "nodata.test", &r[3], 0);
	start(&rq[4], "nx.test", &r[4], 0);
	start(&rq[5], "fail.test", &r[5], 0);
	start(&rq[6], "spoof.test", &r[6], 0);
	start(&rq[7], "short", &r[7], 0);		/* short.s.test */
	start(&rq[8], "x", &r[8], 0);			/* x.s.test.. x */
	start(&rq[9], "aaaa-silent.test", &r[9], 0);
	start(&rq[10], "silent.test", &r[10], 0);
	start(&rq[11], "a.test.", &r[11], 0);		/* absolute */
	CHECK(nfds() == fd0 + 12);			/* one socket each */
	run();
	for (i = 0; i < 12; i++)
		CHECK(r[i].done == 1);
	CHECK(r[0].rc == 0 && r[0].n == 3 && addr_is(&r[0].a[0], "10.0.0.1") &&
	    addr_is(&r[0].a[1], "10.0.0.2") && addr_is(&r[0].a[2], "fd00::1"));
	CHECK(r[1].rc == 0 && r[1].n == 1 && addr_is(&r[1].a[0], "10.0.0.4"));
	CHECK(r[2].rc == 0 && r[2].n == 1 && addr_is(&r[2].a[0], "fd00::6"));
	CHECK(r[3].rc == DNS_ENODATA);
	CHECK(r[4].rc == DNS_ENONAME);
	CHECK(r[5].rc == DNS_EAGAIN && r[5].ms < 500);	/* no waiting */
	CHECK(r[6].rc == 0 && r[6].n == 1 && addr_is(&r[6].a[0], "10.0.0.7"));
	CHECK(r[7].rc == 0 && r[7].n == 1 && addr_is(&r[7].a[0], "10.0.3.1"));
	CHECK(r[8].rc == 0 && r[8].n == 1 && addr_is(&r[8].a[0], "10.0.3.2"));
	/* AAAA silent: A's addresses after the AAAA's first try (1 s) */
	CHECK(r[9].rc == 0 && r[9].n == 1 && addr_is(&r[9].a[0], "10.0.0.9"));
	CHECK(r[9].ms >= 900 && r[9].ms < 1900);
	/* silent: 2 attempts of 1 s */
	CHECK(r[10].rc == DNS_EAGAIN && r[10].ms >= 1900 && r[10].ms < 3000);
	CHECK(r[11].rc == 0 && r[11].n == 3);
	/* zz: zz.s.test NXDOMAIN, zz.fails.test SERVFAIL (twice), zz
	 * NXDOMAIN: no such name, and zz.zzz.test never asked. */
	start(&rq[0], "zz", &r[0], 0);
	q0 = srv_queries;
	run();
	CHECK(r[0].rc == DNS_ENONAME && srv_queries == q0 + 8);
	run();				/* the reaper's round */
	CHECK(nfds() == fd0);

	/* A dropped query is sent again after the timeout. */
	flaky_left = 1;
	t0 = ew_now_ms();
	start(&rq[0], "flaky.test", &r[0], 0);
	run();
	CHECK(r[0].rc == 0 && addr_is(&r[0].a[0], "10.0.0.8") &&
	    r[0].ms >= 900 && r[0].ms < 1900);
	/* The caller's timeout ends it early. */
	t0 = ew_now_ms();
	start(&rq[0], "silent.test", &r[0], 300);
	run();
	CHECK(r[0].rc == DNS_EAGAIN && r[0].ms >= 250 && r[0].ms < 900);

	/* Cancel: no callback, no fd, no timer left. */
	q0 = srv_queries;
	start(&rq[0], "silent.test", &r[0], 0);
	start(&rq[1], "a.test", &r[1], 0);
	CHECK(nfds() == fd0 + 2);
	dns_cancel(rq[0]);
	dns_cancel(rq[1]);
	dns_cancel(NULL);
	pending = 0;
	CHECK(nfds() == fd0);
	timer_arm(&guard_t, 2500);
	loop_run();			/* until the guard: nothing else */
	CHECK(r[0].done == 0 && r[1].done == 0);
	CHECK(srv_queries >= q0 + 2);	/* they had been sent */

	/* No nameserver answers at all: a port with nothing on it. */
	dns_set_port(9);			/* discard, not running */
	t0 = ew_now_ms();
	start(&rq[0], "a.test.", &r[0], 0);
	run();
	CHECK(r[0].rc == DNS_EAGAIN && r[0].ms >= 1900 && r[0].ms < 3000);
	loop_del(&srv_w);
}

/* dns_resolve, with the scripted server in a child. */
static void
test_blocking(uint16_t port)
{
	struct dns_addr a[DNS_MAX_ADDRS];
	uint64_t t;
	pid_t pid;
	int n, fd0 = nfds();

	pid = fork();
	if (pid == 0) {
		for (;;) {
			struct pollfd p = { srv_fd, POLLIN, 0 };
			if (poll(&p, 1, -1) > 0)
				serve_one(srv_fd);
		}
	}
	dns_set_port(port);
	n = dns_resolve("a.test", 0, a, DNS_MAX_ADDRS);
	CHECK(n == 3 && addr_is(&a[0], "10.0.0.1") &&
	    addr_is(&a[2], "fd00::1"));
	n = dns_resolve("a.test", ew_now_ms() + 5000, a, 2);
	CHECK(n == 2);
	CHECK(dns_resolve("nx.test", 0, a, DNS_MAX_ADDRS) == DNS_ENONAME);
	CHECK(dns_resolve("nodata.test", 0, a, DNS_MAX_ADDRS) == DNS_ENODATA);
	CHECK(dns_resolve("fail.test", 0, a, DNS_MAX_ADDRS) == DNS_EAGAIN);
	CHECK(dns_resolve("h.test", 0, a, DNS_MAX_ADDRS) == 2);
	CHECK(dns_resolve("::1", 0, a, DNS_MAX_ADDRS) == 1);
	t = ew_now_ms();
	CHECK(dns_resolve("silent.test", t + 400, a, DNS_MAX_ADDRS) ==
	    DNS_EAGAIN);
	t = ew_now_ms() - t;
	CHECK(t >= 350 && t < 1000);
	CHECK(dns_resolve("silent.test", ew_now_ms() - 1, a, 16) ==
	    DNS_EAGAIN);
	CHECK(nfds() == fd0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* The resolver's codes in glibc's (so Python's gaierror) words. */
static void
test_strerror(void)
{
	CHECK(strcmp(ew_gai_strerror(DNS_ENONAME), "Name or service not known") == 0);
	CHECK(strcmp(ew_gai_strerror(DNS_EAGAIN),
	    "Temporary failure in name resolution") == 0);
	CHECK(strcmp(ew_gai_strerror(DNS_ENODATA),
	    "No address associated with hostname") == 0);
	CHECK(strcmp(ew_gai_strerror(DNS_EMEMORY), "Memory allocation failure") == 0);
	CHECK(strcmp(ew_gai_strerror(-99), "Unknown error") == 0);
}

int
main(void)
{
	uint16_t port;

	test_strerror();
	test_numeric();
	test_hosts();
	test_conf();
	test_query();
	test_answer();
	setup_server();
	port = dns_get_port();
	test_async();
	test_blocking(port);
	cleanup_files();
	return t_done("test_dns");
}
