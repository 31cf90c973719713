/*
 * dns.c - name resolution without libc's resolver: numeric addresses,
 * then /etc/hosts, then DNS over UDP (RFC 1035) to the nameservers of
 * /etc/resolv.conf.  No child process, no blocking on the event loop.
 *
 * Three layers:
 *  - pure parsers with caller-owned buffers and explicit lengths (the
 *    hosts and resolv.conf lines, the query, the response), which the
 *    unit test and the fuzzer call directly;
 *  - one lookup's state machine (struct dns_req): one UDP socket, an A
 *    and an AAAA query in parallel, each moving through the nameservers
 *    on its own timeouts, the search list tried name by name;
 *  - two drivers of it: dns_start on the event loop (a watcher and a
 *    timer, result by callback) and dns_resolve, blocking in poll()
 *    until a deadline (start-up and the ctl client).
 *
 * Choices, kept simple and deterministic:
 *  - Order of addresses: /etc/hosts in file order (every matching line,
 *    as glibc's files backend gives them to getaddrinfo); from DNS the
 *    A records first, then the AAAA records, each in answer order.  No
 *    RFC 6724 sorting: connect_next tries them in turn anyway.
 *  - "localhost" and "*.localhost" not in /etc/hosts are 127.0.0.1 and
 *    ::1 (RFC 6761 6.3), never asked of a nameserver.
 *  - resolv.conf: nameserver (3 at most, IPv4/IPv6 without a zone),
 *    search/domain (the last one wins), options ndots/timeout/attempts
 *    (glibc's caps: 15, 30 s, 5); nothing else; no nameserver means
 *    127.0.0.1, as in glibc and musl.  The file is read per lookup, so
 *    a change applies to the next one.  No LOCALDOMAIN/RES_OPTIONS, no
 *    domain taken from the host name.
 *  - Names: fewer dots than ndots try the search domains first, then
 *    the name; others the name first; a final dot means no search.  A
 *    candidate that does not exist (NXDOMAIN) or has no address
 *    (NODATA) passes to the next; a search domain that fails (no
 *    answer, SERVFAIL, REFUSED) ends the search list, but the name as
 *    given is still tried.  With no address anywhere, the outcome for
 *    the name as given decides: failure EAI_AGAIN, else NODATA from any
 *    candidate EAI_NODATA, else EAI_NONAME.  So a search domain its
 *    server refuses does not turn "no such name" into "try again".
 *  - Each query tries nameserver 1, 2, 3, 1, 2... attempts times round,
 *    resolv.conf's timeout each (not doubled as in glibc); SERVFAIL or
 *    REFUSED moves to the next server at once.  Once one of A/AAAA has
 *    addresses, the other gets no further retry after its current try.
 *    The caller's timeout bounds the whole lookup (client ports:
 *    DNS_TIMEOUT_MS, so that a silent server ends in EAI_AGAIN before
 *    the attempt's CONNECT_TIMEOUT_MS says "timed out").  A name DNS
 *    cannot carry (empty label, over 253 bytes, a space...) is
 *    EAI_NONAME without asking.
 *  - TC (truncated): the complete records that arrived are used; with
 *    no address among them the server counts as failed.  No TCP: a
 *    name needs over 512 bytes only with some 28 addresses, more than
 *    DNS_MAX_ADDRS we keep anyway.
 *  - A response counts only when it comes from one of our nameservers
 *    (address and port), to our socket, with our random id, QR set,
 *    opcode QUERY and our question (name in any ASCII case, type,
 *    class IN); anything else is dropped unseen.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "addr.h"
#include "bytes.h"
#include "container.h"
#include "defs.h"
#include "dns.h"
#include "fmt.h"
#include "loop.h"
#include "sys.h"
#include "util.h"

/* Our codes are getaddrinfo's, so ew_gai_strerror words them. */
_Static_assert(DNS_ENONAME == EAI_NONAME && DNS_EAGAIN == EAI_AGAIN &&
    DNS_EMEMORY == EAI_MEMORY, "getaddrinfo codes");
#ifdef EAI_NODATA
_Static_assert(DNS_ENODATA == EAI_NODATA, "getaddrinfo codes");
#endif

#define T_A		1
#define T_CNAME		5
#define T_AAAA		28
#define C_IN		1

static const char *dns_hosts_path = "/etc/hosts";
static const char *dns_resolv_path = "/etc/resolv.conf";
static uint16_t	 dns_port = 53;

void
dns_set_files(const char *hosts, const char *resolv)
{
	dns_hosts_path = hosts;
	dns_resolv_path = resolv;
}

void
dns_set_port(uint16_t port)
{
	dns_port = port;
}

uint16_t
dns_get_port(void)
{
	return dns_port;
}

/* ------------------------------------------------------------------ */
/* Text helpers */

static int
is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* ASCII case-insensitive equality of two counted strings. */
static int
caseeq(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && ew_memcaseeq(a, b, alen);
}

/* Next blank-separated field of [*p, end): its start, length in *len,
 * or NULL at the end. */
static const char *
field(const char **p, const char *end, size_t *len)
{
	const char *s = *p, *e;

	while (s < end && is_blank((unsigned char)*s))
		s++;
	if (s == end)
		return NULL;
	for (e = s; e < end && !is_blank((unsigned char)*e); e++)
		;
	*p = e;
	*len = (size_t)(e - s);
	return s;
}

/* An IPv4 or IPv6 address in strict inet_pton form, (s, len) with no
 * NUL in it: 1 and *a, or 0. */
static int
addr_parse(const char *s, size_t len, struct dns_addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	if (len >= sizeof(buf) || memchr(s, '\0', len) != NULL)
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(a, 0, sizeof(*a));
	if (ew_pton(AF_INET, buf, a->a) == 1) {
		a->family = AF_INET;
		return 1;
	}
	if (ew_pton(AF_INET6, buf, a->a) == 1) {
		a->family = AF_INET6;
		return 1;
	}
	return 0;
}

int
dns_numeric(const char *host, struct dns_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (ew_pton(AF_INET6, host, a->a) == 1) {
		a->family = AF_INET6;
		return 1;
	}
	/* inet_aton's forms too ("127.1", "0x7f000001"), exactly, as
	 * getaddrinfo takes them. */
	if (ew_inet_aton(host, a->a, 0) == 0)
		return 0;
	a->family = AF_INET;
	return 1;
}

socklen_t
dns_sockaddr(const struct dns_addr *a, int port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (void *)ss;
	struct sockaddr_in6 *s6 = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET6) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		memcpy(&s6->sin6_addr, a->a, 16);
		return sizeof(*s6);
	}
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	memcpy(&s4->sin_addr, a->a, 4);
	return sizeof(*s4);
}

/* Length of name without one final dot. */
static size_t
name_len(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && name[n - 1] == '.' ? n - 1 : n;
}

/*
 * A name we may send (musl's rule): at most DNS_NAME_MAX bytes besides
 * a final dot, labels of 1..63 bytes of letters, digits, '-', '_' or
 * any byte >= 0x80.  1 if so.
 */
static int
name_ok(const char *s, size_t len)
{
	size_t i, lab = 0;
	int c;

	if (len == 0 || len > DNS_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '.') {
			if (lab == 0)
				return 0;
			lab = 0;
			continue;
		}
		if (!(c >= 0x80 || ew_isdigit(c) || c == '-' || c == '_' ||
		    (ew_lower(c) >= 'a' && ew_lower(c) <= 'z')))
			return 0;
		if (++lab > 63)
			return 0;
	}
	return lab > 0;
}

/* (s, len), a name_ok name, in wire form, ASCII lower case, into out
 * (DNS_WIRE_MAX bytes): its length. */
static size_t
name_wire(const char *s, size_t len, uint8_t *out)
{
	size_t i, lab = 0, o = 1;

	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			out[lab] = (uint8_t)(o - lab - 1);
			lab = o++;
			continue;
		}
		out[o++] = (uint8_t)ew_lower((unsigned char)s[i]);
	}
	out[lab] = 0;
	return o;
}

/* ------------------------------------------------------------------ */
/* /etc/hosts and /etc/resolv.conf: line by line */

/*
 * Splits (text, len) into lines; calls fn on each complete one (without
 * its LF), and on a last unterminated one when eof.  Returns the bytes
 * used.
 */
static size_t
lines(const char *text, size_t len, int eof,
    void (*fn)(void *, const char *, size_t), void *ctx)
{
	const char *nl;
	size_t off = 0, end;

	while (off < len) {
		nl = memchr(text + off, '\n', len - off);
		if (nl == NULL && !eof)
			break;
		end = nl != NULL ? (size_t)(nl - text) : len;
		fn(ctx, text + off, end - off);
		off = nl != NULL ? end + 1 : len;
	}
	return off;
}

struct hosts_ctx {
	const char	*name;
	size_t		 nlen;
	struct dns_addr	*out;
	int		 max, *n;
};

/* "address name aliases... # comment" */
static void
hosts_line(void *arg, const char *l, size_t len)
{
	struct hosts_ctx *h = arg;
	const char *p = l, *end, *hash, *f;
	struct dns_addr a;
	size_t fl;

	if ((hash = memchr(l, '#', len)) != NULL)
		len = (size_t)(hash - l);
	end = l + len;
	if ((f = field(&p, end, &fl)) == NULL || !addr_parse(f, fl, &a))
		return;
	while ((f = field(&p, end, &fl)) != NULL)
		if (caseeq(f, fl, h->name, h->nlen)) {
			if (*h->n < h->max)
				h->out[(*h->n)++] = a;
			return;
		}
}

size_t
dns_hosts_feed(const char *text, size_t len, int eof, const char *name,
    struct dns_addr *out, int max, int *n)
{
	struct hosts_ctx h;

	h.name = name;
	h.nlen = name_len(name);
	h.out = out;
	h.max = max;
	h.n = n;
	/* "" and "." match nothing: a field is never empty */
	return lines(text, len, eof, hosts_line, &h);
}

void
dns_conf_init(struct dns_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->timeout_s = 5;
	c->attempts = 2;
	c->ndots = 1;
}

/* (s, len) is the word w. */
static int
word_is(const char *s, size_t len, const char *w)
{
	return len == strlen(w) && memcmp(s, w, len) == 0;
}

/* "key:N" in (s, len): 1 and *v (capped at cap), else 0. */
static int
conf_opt(const char *s, size_t len, const char *key, int cap, int *v)
{
	size_t k = strlen(key), i;
	long n = 0;

	if (len <= k + 1 || memcmp(s, key, k) != 0 || s[k] != ':')
		return 0;
	for (i = k + 1; i < len; i++) {
		if (!ew_isdigit((unsigned char)s[i]))
			return 0;
		if (n < cap)
			n = n * 10 + (s[i] - '0');
	}
	*v = n < cap ? (int)n : cap;
	return 1;
}

static void
conf_line(void *arg, const char *l, size_t len)
{
	struct dns_conf *c = arg;
	const char *p, *end = l + len, *f, *kw;
	size_t fl, kl, dl;
	int v, domain;

	/* A keyword starts the line, as in glibc and musl. */
	if (len == 0 || is_blank((unsigned char)*l))
		return;
	p = l;
	kw = field(&p, end, &kl);
	if (kw == NULL || *kw == '#' || *kw == ';')
		return;
	if (word_is(kw, kl, "nameserver")) {
		if (c->nns < DNS_MAX_NS && (f = field(&p, end, &fl)) != NULL &&
		    addr_parse(f, fl, &c->ns[c->nns]))
			c->nns++;
	} else if ((domain = word_is(kw, kl, "domain")) ||
	    word_is(kw, kl, "search")) {
		c->nsearch = 0;
		c->searchlen = 0;
		while (c->nsearch < DNS_MAX_SEARCH &&
		    (f = field(&p, end, &fl)) != NULL) {
			dl = fl > 0 && f[fl - 1] == '.' ? fl - 1 : fl;
			if (name_ok(f, dl) && c->searchlen + dl + 1 <=
			    sizeof(c->search)) {
				memcpy(c->search + c->searchlen, f, dl);
				c->searchlen += dl;
				c->search[c->searchlen++] = '\0';
				c->nsearch++;
			}
			if (domain)
				break;
		}
	} else if (word_is(kw, kl, "options")) {
		while ((f = field(&p, end, &fl)) != NULL) {
			if (conf_opt(f, fl, "ndots", 15, &v))
				c->ndots = v;
			else if (conf_opt(f, fl, "timeout", 30, &v))
				c->timeout_s = v > 0 ? v : 1;
			else if (conf_opt(f, fl, "attempts", 5, &v))
				c->attempts = v > 0 ? v : 1;
		}
	}
}

size_t
dns_conf_feed(struct dns_conf *c, const char *text, size_t len, int eof)
{
	size_t used = lines(text, len, eof, conf_line, c);

	if (eof && c->nns == 0) {
		c->ns[0].family = AF_INET;
		c->ns[0].a[0] = 127;
		c->ns[0].a[3] = 1;
		c->nns = 1;
	}
	return used;
}

/* Feeds the file at path through feed in DNS_LINE_MAX chunks; a line
 * longer than that is skipped whole.  A missing file is an empty one. */
static void
file_scan(const char *path, size_t (*feed)(void *, const char *, size_t,
    int), void *ctx)
{
	char buf[DNS_LINE_MAX];
	size_t have = 0, used;
	const char *nl;
	ssize_t k;
	int fd, skip = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd >= 0) {
		k = read(fd, buf + have, sizeof(buf) - have);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		have += (size_t)k;
		if (skip) {
			if ((nl = memchr(buf, '\n', have)) == NULL) {
				have = 0;
				continue;
			}
			used = (size_t)(nl - buf) + 1;
			memmove(buf, buf + used, have - used);
			have -= used;
			skip = 0;
		}
		used = feed(ctx, buf, have, 0);
		memmove(buf, buf + used, have - used);
		have -= used;
		if (have == sizeof(buf)) {
			have = 0;
			skip = 1;
		}
	}
	if (fd >= 0)
		close(fd);
	feed(ctx, buf, skip ? 0 : have, 1);
}

static size_t
hosts_file_feed(void *ctx, const char *t, size_t len, int eof)
{
	struct hosts_ctx *h = ctx;

	return dns_hosts_feed(t, len, eof, h->name, h->out, h->max, h->n);
}

static size_t
conf_file_feed(void *ctx, const char *t, size_t len, int eof)
{
	return dns_conf_feed(ctx, t, len, eof);
}

/* ------------------------------------------------------------------ */
/* Messages */

long
dns_query(uint8_t *buf, size_t cap, uint16_t id, const char *name,
    int qtype)
{
	size_t len = name_len(name), wl;

	if (!name_ok(name, len) || cap < 12 + DNS_WIRE_MAX + 4)
		return -1;
	memset(buf, 0, 12);
	buf[0] = (uint8_t)(id >> 8);
	buf[1] = (uint8_t)id;
	buf[2] = 0x01;			/* RD */
	buf[5] = 1;			/* QDCOUNT */
	wl = name_wire(name, len, buf + 12);
	buf[12 + wl] = (uint8_t)(qtype >> 8);
	buf[13 + wl] = (uint8_t)qtype;
	buf[14 + wl] = 0;
	buf[15 + wl] = C_IN;
	return (long)(16 + wl);
}

/*
 * The name at msg[*off] (labels and compression pointers) in wire form,
 * ASCII lower case, into out (DNS_WIRE_MAX bytes); *off moves past it.
 * A pointer must point before itself and past the header, at most
 * DNS_MAX_PTRS of them; label types 01 and 10 are refused.  Its
 * length, or 0 if malformed.
 */
static size_t
name_read(const uint8_t *msg, size_t len, size_t *off, uint8_t *out)
{
	size_t p = *off, wl = 0, t, i;
	int ptrs = 0;
	uint8_t l;

	for (;;) {
		if (p >= len)
			return 0;
		l = msg[p];
		if ((l & 0xc0) == 0xc0) {
			if (p + 1 >= len || ++ptrs > DNS_MAX_PTRS)
				return 0;
			t = (size_t)(l & 0x3f) << 8 | msg[p + 1];
			if (t < 12 || t >= p)
				return 0;
			if (ptrs == 1)
				*off = p + 2;
			p = t;
			continue;
		}
		if ((l & 0xc0) != 0 || wl + 1 + l > DNS_WIRE_MAX ||
		    l >= len - p)
			return 0;
		out[wl++] = l;
		if (l == 0) {
			if (ptrs == 0)
				*off = p + 1;
			return wl;
		}
		for (i = 1; i <= l; i++)
			out[wl++] = (uint8_t)ew_lower(msg[p + i]);
		p += 1 + (size_t)l;
	}
}

struct rr {
	uint8_t		 owner[DNS_WIRE_MAX];
	size_t		 olen;
	uint16_t	 type, class;
	size_t		 rd, rdlen;	/* msg[rd..rd + rdlen) */
};

/* One resource record at msg[*off]: 0 and *r, *off past it, or -1. */
static int
rr_read(const uint8_t *msg, size_t len, size_t *off, struct rr *r)
{
	size_t p = *off;

	if ((r->olen = name_read(msg, len, &p, r->owner)) == 0 ||
	    len - p < 10)
		return -1;
	r->type = ew_be16(msg + p);
	r->class = ew_be16(msg + p + 2);
	r->rdlen = ew_be16(msg + p + 8);
	r->rd = p + 10;
	if (r->rdlen > len - r->rd)
		return -1;
	*off = r->rd + r->rdlen;
	return 0;
}

int
dns_answer(const uint8_t *msg, size_t len, uint16_t id, const char *name,
    int qtype, struct dns_addr *out, int max)
{
	uint8_t want[DNS_WIRE_MAX], q[DNS_WIRE_MAX];
	size_t nl = name_len(name), wl, off = 12, an, p, tl;
	unsigned i, ancount;
	int tc, n, hops, found, alen = qtype == T_AAAA ? 16 : 4;
	struct rr r;

	if (!name_ok(name, nl) || len < 12 || ew_be16(msg) != id ||
	    (msg[2] & 0xf8) != 0x80 || ew_be16(msg + 4) != 1)
		return DNS_R_IGNORE;		/* not an answer of ours */
	wl = name_wire(name, nl, want);
	if (name_read(msg, len, &off, q) != wl || memcmp(q, want, wl) != 0 ||
	    len - off < 4 || ew_be16(msg + off) != qtype ||
	    ew_be16(msg + off + 2) != C_IN)
		return DNS_R_IGNORE;		/* another question */
	off += 4;
	if ((msg[3] & 0x0f) == 3)
		return DNS_R_NXDOMAIN;
	if ((msg[3] & 0x0f) != 0)
		return DNS_R_FAIL;		/* SERVFAIL, REFUSED... */
	tc = (msg[2] & 0x02) != 0;
	ancount = ew_be16(msg + 6);
	an = off;
	/* Follow the CNAME chain from our name, in any record order: each
	 * pass looks for a CNAME owned by the current name. */
	for (hops = 0;; hops++) {
		found = 0;
		for (i = 0, p = an; i < ancount && !found; i++) {
			if (rr_read(msg, len, &p, &r) < 0) {
				if (tc)
					break;	/* the cut-off tail */
				return DNS_R_FAIL;
			}
			if (r.type != T_CNAME || r.class != C_IN ||
			    r.olen != wl || memcmp(r.owner, want, wl) != 0)
				continue;
			off = r.rd;
			tl = name_read(msg, r.rd + r.rdlen, &off, q);
			if (tl == 0 || off != r.rd + r.rdlen)
				return DNS_R_FAIL;
			if (hops == DNS_MAX_CNAME)
				return DNS_R_FAIL;	/* too long, a loop */
			memcpy(want, q, tl);
			wl = tl;
			found = 1;
		}
		if (!found)
			break;
	}
	/* The addresses of the name the chain ends at. */
	n = 0;
	for (i = 0, p = an; i < ancount; i++) {
		if (rr_read(msg, len, &p, &r) < 0) {
			if (tc)
				break;
			return DNS_R_FAIL;
		}
		if (r.type != qtype || r.class != C_IN || r.olen != wl ||
		    memcmp(r.owner, want, wl) != 0)
			continue;
		if (r.rdlen != (size_t)alen)
			return DNS_R_FAIL;
		if (n < max) {
			memset(&out[n], 0, sizeof(out[n]));
			out[n].family = qtype == T_AAAA ? AF_INET6 : AF_INET;
			memcpy(out[n].a, msg + r.rd, r.rdlen);
			n++;
		}
	}
	return n == 0 && tc ? DNS_R_FAIL : n;
}

/* ------------------------------------------------------------------ */
/* One lookup */

enum { Q_WAIT, Q_ADDRS, Q_NXDOMAIN, Q_NODATA, Q_FAIL };
#define RC_PENDING	1

struct dns_q {
	int		 qtype;
	int		 state;		/* Q_* */
	uint16_t	 id;
	int		 tries;		/* sent for this candidate */
	uint64_t	 due;		/* the current try times out */
	struct dns_addr	 a[DNS_MAX_ADDRS];
	int		 n;
};

struct dns_req {
	/* async (dns_start) */
	struct ev_watcher w;
	struct ev_timer	 t;
	void		(*cb)(void *, int, const struct dns_addr *, int);
	void		*arg;
	int		 released;
	struct ev_grave	 grave;		/* freed after the round */
	/* the lookup */
	int		 fd;		/* UDP, non-blocking, or -1 */
	int		 family;	/* of fd */
	struct dns_conf	 conf;
	char		 name[DNS_NAME_MAX + 1]; /* without a final dot */
	int		 absolute;	/* it had one: no search */
	int		 cand, ncand;	/* search list position */
	int		 as_is_first;	/* the name, then the search list */
	char		 qname[DNS_NAME_MAX + 1];	/* the candidate */
	int		 cur_as_is;	/* qname is the name as given */
	int		 as_is;		/* its outcome: Q_NXDOMAIN.. Q_FAIL */
	int		 nodata;	/* a candidate had no address */
	uint64_t	 deadline;	/* 0 = none */
	struct dns_q	 q[2];		/* A, AAAA */
	int		 rc;		/* RC_PENDING, 0 or DNS_E* */
	struct dns_addr	 res[DNS_MAX_ADDRS];
	int		 nres;
};

/*
 * Without DNS: a numeric address, /etc/hosts, localhost.  n > 0
 * addresses, 0 to ask DNS, DNS_ENONAME for a name DNS cannot carry.
 */
static int
dns_local(const char *name, struct dns_addr *out, int max)
{
	struct hosts_ctx h;
	size_t len = name_len(name);
	int n = 0;

	if (max < 1)
		return DNS_EMEMORY;
	if (dns_numeric(name, out))
		return 1;
	h.name = name;
	h.out = out;
	h.max = max;
	h.n = &n;
	file_scan(dns_hosts_path, hosts_file_feed, &h);
	if (n > 0)
		return n;
	if (caseeq(name, len, "localhost", 9) || (len > 10 &&
	    caseeq(name + len - 10, 10, ".localhost", 10))) {
		dns_numeric("127.0.0.1", &out[0]);
		if (max < 2)
			return 1;
		dns_numeric("::1", &out[1]);
		return 2;
	}
	return name_ok(name, len) ? 0 : DNS_ENONAME;
}

/* Server i as a destination for fd: its length, 0 if it cannot be. */
static socklen_t
ns_addr(const struct dns_req *r, int i, struct sockaddr_storage *ss)
{
	const struct dns_addr *a = &r->conf.ns[i];
	struct sockaddr_in6 *s6 = (void *)ss;

	if (r->family == a->family)
		return dns_sockaddr(a, dns_port, ss);
	if (r->family == AF_INET)
		return 0;		/* an IPv6 server, no IPv6 socket */
	/* IPv4 server on the dual-stack socket: ::ffff:a.b.c.d */
	memset(ss, 0, sizeof(*ss));
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(dns_port);
	s6->sin6_addr.s6_addr[10] = 0xff;
	s6->sin6_addr.s6_addr[11] = 0xff;
	memcpy(&s6->sin6_addr.s6_addr[12], a->a, 4);
	return sizeof(*s6);
}

/* Sends q's next try (server tries % nns), or fails q when none is
 * left. */
static void
q_send(struct dns_req *r, struct dns_q *q, uint64_t now)
{
	struct sockaddr_storage ss;
	uint8_t buf[12 + DNS_WIRE_MAX + 4];
	socklen_t sl;
	long len;

	len = dns_query(buf, sizeof(buf), q->id, r->qname, q->qtype);
	while (len > 0 && q->tries < r->conf.attempts * r->conf.nns) {
		sl = ns_addr(r, q->tries++ % r->conf.nns, &ss);
		if (sl == 0 || sendto(r->fd, buf, (size_t)len, MSG_NOSIGNAL,
		    (struct sockaddr *)&ss, sl) != len)
			continue;
		q->due = now + (uint64_t)r->conf.timeout_s * 1000;
		if (r->deadline != 0 && q->due > r->deadline)
			q->due = r->deadline;
		return;
	}
	q->state = Q_FAIL;
}

/* After an answer saying "try elsewhere" or a timeout: the next try,
 * unless the other query already has addresses. */
static void
q_retry(struct dns_req *r, struct dns_q *q, uint64_t now)
{
	struct dns_q *other = &r->q[q == &r->q[0]];

	if (other->state == Q_ADDRS)
		q->state = Q_FAIL;
	else
		q_send(r, q, now);
}

/* The next candidate of the search list into r->qname: 0, or -1 when
 * none is left.  Candidates too long to send are skipped. */
static int
cand_next(struct dns_req *r)
{
	size_t nl = strlen(r->name), sl;
	const char *s;
	int k;

	while (r->cand < r->ncand) {
		k = r->cand++;
		r->cur_as_is = r->as_is_first ? k == 0 : k == r->ncand - 1;
		if (r->cur_as_is) {
			memcpy(r->qname, r->name, nl + 1);
			return 0;
		}
		if (r->as_is_first)
			k--;
		for (s = r->conf.search; k > 0; k--)
			s += strlen(s) + 1;
		sl = strlen(s);
		if (nl + 1 + sl > DNS_NAME_MAX)
			continue;
		memcpy(r->qname, r->name, nl);
		r->qname[nl] = '.';
		memcpy(r->qname + nl + 1, s, sl + 1);
		return 0;
	}
	return -1;
}

/* Sends the next candidate's A and AAAA queries, or ends the lookup
 * when the list is done: the name as given decides between "no such
 * name", "no address" and "failure". */
static void
cand_start(struct dns_req *r, uint64_t now)
{
	uint16_t ids[2];
	int i;

	if (cand_next(r) < 0) {
		r->rc = r->as_is == Q_FAIL ? DNS_EAGAIN : r->nodata ?
		    DNS_ENODATA : DNS_ENONAME;
		return;
	}
	ew_random(ids, sizeof(ids));
	if (ids[1] == ids[0])
		ids[1] ^= 1;
	for (i = 0; i < 2; i++) {
		r->q[i].qtype = i ? T_AAAA : T_A;
		r->q[i].state = Q_WAIT;
		r->q[i].id = ids[i];
		r->q[i].tries = 0;
		r->q[i].n = 0;
		q_send(r, &r->q[i], now);
	}
}

/*
 * Both queries of a candidate have an outcome: done, or on to the next
 * candidate (whose queries may fail at once: hence the loop).  As in
 * glibc's res_search, NXDOMAIN and NODATA go on down the list, and a
 * search domain that fails (no answer, SERVFAIL...) ends the search
 * list, though the name as given is still tried.
 */
static void
req_settle(struct dns_req *r, uint64_t now)
{
	struct dns_q *a = &r->q[0], *b = &r->q[1];
	int i, k, st;

	while (r->rc == RC_PENDING && a->state != Q_WAIT &&
	    b->state != Q_WAIT) {
		if (a->state == Q_ADDRS || b->state == Q_ADDRS) {
			r->nres = 0;
			for (i = 0; i < 2; i++)
				for (k = 0; k < r->q[i].n &&
				    r->nres < DNS_MAX_ADDRS; k++)
					r->res[r->nres++] = r->q[i].a[k];
			r->rc = 0;
			return;
		}
		st = a->state == Q_NXDOMAIN || b->state == Q_NXDOMAIN ?
		    Q_NXDOMAIN : a->state == Q_FAIL || b->state == Q_FAIL ?
		    Q_FAIL : Q_NODATA;
		r->nodata |= st == Q_NODATA;
		if (r->cur_as_is)
			r->as_is = st;
		else if (st == Q_FAIL)
			r->cand = r->as_is_first ? r->ncand : r->ncand - 1;
		cand_start(r, now);
	}
}

/* 1 if (from, fl) is one of our nameservers. */
static int
from_ns(const struct dns_req *r, const struct sockaddr_storage *from,
    socklen_t fl)
{
	struct sockaddr_storage ss;
	const struct sockaddr_in *f4 = (const void *)from, *s4 = (void *)&ss;
	const struct sockaddr_in6 *f6 = (const void *)from,
	    *s6 = (void *)&ss;
	int i;

	for (i = 0; i < r->conf.nns; i++) {
		if (ns_addr(r, i, &ss) == 0 || from->ss_family != ss.ss_family)
			continue;
		if (ss.ss_family == AF_INET && fl >= sizeof(*f4) &&
		    f4->sin_port == s4->sin_port &&
		    memcmp(&f4->sin_addr, &s4->sin_addr, 4) == 0)
			return 1;
		if (ss.ss_family == AF_INET6 && fl >= sizeof(*f6) &&
		    f6->sin6_port == s6->sin6_port &&
		    memcmp(&f6->sin6_addr, &s6->sin6_addr, 16) == 0)
			return 1;
	}
	return 0;
}

/* Reads what arrived (RX_BUDGET datagrams at most). */
static void
req_input(struct dns_req *r, uint64_t now)
{
	uint8_t buf[DNS_UDP_MAX];
	struct sockaddr_storage from;
	struct dns_q *q;
	socklen_t fl;
	ssize_t k;
	int i, n, budget = RX_BUDGET;

	while (r->rc == RC_PENDING && budget-- > 0) {
		fl = sizeof(from);
		k = recvfrom(r->fd, buf, sizeof(buf), MSG_TRUNC,
		    (struct sockaddr *)&from, &fl);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return;	/* EAGAIN, or an ICMP error: ignored */
		/* Over DNS_UDP_MAX (cut by MSG_TRUNC): we sent no EDNS. */
		if ((size_t)k > sizeof(buf) || !from_ns(r, &from, fl))
			continue;
		for (i = 0; i < 2; i++) {
			q = &r->q[i];
			if (q->state != Q_WAIT)
				continue;
			n = dns_answer(buf, (size_t)k, q->id, r->qname,
			    q->qtype, q->a, DNS_MAX_ADDRS);
			if (n > 0) {
				q->n = n;
				q->state = Q_ADDRS;
			} else if (n == 0)
				q->state = Q_NODATA;
			else if (n == DNS_R_NXDOMAIN)
				q->state = Q_NXDOMAIN;
			else if (n == DNS_R_FAIL)
				q_retry(r, q, now);
		}
		req_settle(r, now);
	}
}

/* Timeouts: the next try of each query whose try is over. */
static void
req_tick(struct dns_req *r, uint64_t now)
{
	struct dns_q *q;
	int i;

	for (i = 0; i < 2 && r->rc == RC_PENDING; i++) {
		q = &r->q[i];
		if (q->state != Q_WAIT)
			continue;
		if (r->deadline != 0 && now >= r->deadline)
			q->state = Q_FAIL;
		else if (now >= q->due)
			q_retry(r, q, now);
	}
	req_settle(r, now);
}

/* When req_tick has something to do next. */
static uint64_t
req_due(const struct dns_req *r)
{
	uint64_t due = UINT64_MAX;
	int i;

	for (i = 0; i < 2; i++)
		if (r->q[i].state == Q_WAIT && r->q[i].due < due)
			due = r->q[i].due;
	return due;
}

/* Sets up a lookup of name (dns_local said: ask DNS) and sends its
 * first queries; r->rc is RC_PENDING, or the outcome already. */
static void
req_init(struct dns_req *r, const char *name, uint64_t timeout_ms,
    uint64_t now)
{
	size_t nl = name_len(name);
	int i, dots, v6 = 0, off = 0;

	r->fd = -1;
	memcpy(r->name, name, nl);
	r->name[nl] = '\0';
	r->absolute = name[nl] == '.';
	dns_conf_init(&r->conf);
	file_scan(dns_resolv_path, conf_file_feed, &r->conf);
	r->cand = 0;
	r->ncand = 1 + (r->absolute ? 0 : r->conf.nsearch);
	for (i = 0, dots = 0; r->name[i] != '\0'; i++)
		dots += r->name[i] == '.';
	r->as_is_first = r->absolute || dots >= r->conf.ndots;
	r->as_is = Q_NXDOMAIN;
	r->deadline = timeout_ms != 0 ? now + timeout_ms : 0;
	for (i = 0; i < r->conf.nns; i++)
		v6 |= r->conf.ns[i].family == AF_INET6;
	/* One socket for every server: dual-stack if any is IPv6 (IPv4
	 * ones mapped), plain IPv4 if the host has no IPv6. */
	r->family = v6 ? AF_INET6 : AF_INET;
	r->fd = socket(r->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (r->fd >= 0 && v6)
		setsockopt(r->fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	if (r->fd < 0 && v6) {
		r->family = AF_INET;
		r->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
	}
	if (r->fd < 0) {
		r->rc = DNS_EAGAIN;
		return;
	}
	r->rc = RC_PENDING;
	cand_start(r, now);
	req_settle(r, now);
}

/* The outcome of a finished r into out: n > 0 addresses, or DNS_E*. */
static int
req_result(const struct dns_req *r, struct dns_addr *out, int max)
{
	int n = r->nres < max ? r->nres : max;

	if (r->rc != 0)
		return r->rc;
	memcpy(out, r->res, (size_t)n * sizeof(*out));
	return n;
}

/* ------------------------------------------------------------------ */
/* On the event loop */

static void
dns_reap(struct ev_grave *g)
{
	free(container_of(g, struct dns_req, grave));
}

/* Nothing of r stays registered; its memory goes after this round. */
static void
req_release(struct dns_req *r)
{
	r->released = 1;
	if (r->w.fd >= 0)
		loop_del(&r->w);
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	timer_stop(&r->t);
	loop_bury(&r->grave, dns_reap);
}

static void
req_step(struct dns_req *r)
{
	uint64_t now = ew_now_ms(), due;

	if (r->rc != RC_PENDING) {
		req_release(r);
		r->cb(r->arg, r->rc, r->res, r->rc == 0 ? r->nres : 0);
		return;
	}
	due = req_due(r);
	timer_arm(&r->t, due > now ? due - now : 0);
}

static void
dns_io(struct ev_watcher *w, uint32_t revents)
{
	struct dns_req *r = container_of(w, struct dns_req, w);

	(void)revents;
	req_input(r, ew_now_ms());
	req_step(r);
}

static void
dns_tmo(struct ev_timer *t)
{
	struct dns_req *r = container_of(t, struct dns_req, t);

	req_tick(r, ew_now_ms());
	req_step(r);
}

int
dns_start(struct dns_req **rp, const char *name, uint64_t timeout_ms,
    void (*cb)(void *, int, const struct dns_addr *, int), void *arg,
    struct dns_addr *out, int max)
{
	struct dns_req *r;
	int n;

	*rp = NULL;
	if ((n = dns_local(name, out, max)) != 0)
		return n;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return DNS_EMEMORY;
	r->w.fd = -1;
	r->w.cb = dns_io;
	timer_init(&r->t, dns_tmo);
	req_init(r, name, timeout_ms, ew_now_ms());
	if (r->rc == RC_PENDING && loop_add(&r->w, r->fd, EPOLLIN) < 0)
		r->rc = DNS_EMEMORY;
	if (r->rc != RC_PENDING) {
		n = req_result(r, out, max);
		if (r->fd >= 0)
			close(r->fd);
		free(r);
		return n;
	}
	r->cb = cb;
	r->arg = arg;
	*rp = r;
	req_step(r);		/* arms the timer */
	return 0;
}

void
dns_cancel(struct dns_req *r)
{
	if (r != NULL && !r->released)
		req_release(r);
}

/* ------------------------------------------------------------------ */
/* Blocking, with poll() */

int
dns_resolve(const char *name, uint64_t deadline, struct dns_addr *out,
    int max)
{
	struct dns_req r;
	struct pollfd pfd;
	uint64_t now = ew_now_ms(), due;
	int n;

	if ((n = dns_local(name, out, max)) != 0)
		return n;
	if (deadline != 0 && deadline <= now)
		return DNS_EAGAIN;
	memset(&r, 0, sizeof(r));
	req_init(&r, name, deadline != 0 ? deadline - now : 0, now);
	while (r.rc == RC_PENDING) {
		due = req_due(&r);
		pfd.fd = r.fd;
		pfd.events = POLLIN;
		n = poll(&pfd, 1, due <= now ? 0 : due - now > 60000 ? 60000 :
		    (int)(due - now));
		if (n < 0 && errno != EINTR) {
			r.rc = DNS_EAGAIN;
			break;
		}
		now = ew_now_ms();
		if (n > 0)
			req_input(&r, now);
		req_tick(&r, now);
	}
	if (r.fd >= 0)
		close(r.fd);
	return req_result(&r, out, max);
}

/* The codes dns.c gives (getaddrinfo's), in glibc's words. */
static const struct {
	int		 e;
	const char	*s;
} ew_gaitab[] = {
	{ DNS_ENONAME, "Name or service not known" },
	{ DNS_EAGAIN, "Temporary failure in name resolution" },
	{ DNS_ENODATA, "No address associated with hostname" },
	{ DNS_EMEMORY, "Memory allocation failure" },
};

const char *
ew_gai_strerror(int e)
{
	size_t i;

	for (i = 0; i < sizeof(ew_gaitab) / sizeof(ew_gaitab[0]); i++)
		if (ew_gaitab[i].e == e)
			return ew_gaitab[i].s;
	return "Unknown error";		/* glibc's words; no libc resolver */
}
