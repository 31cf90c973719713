/*
 * fuzz_dns.c - libFuzzer harness for the parsers of dns.c: responses
 * (dns_answer), /etc/hosts lines (dns_hosts_feed) and /etc/resolv.conf
 * lines (dns_conf_feed).  The first byte picks one:
 *
 *   0 mod 3  a response; the query it answers is taken from it (its id,
 *            and its question's name and type when they make a name we
 *            send; else "a.test" and the byte's bit 2 for A/AAAA), so
 *            that the parser gets past the matching.  Checks: the result
 *            is a DNS_R_* or 0..max addresses of the queried family, the
 *            same with every max, another id is ignored, prefixes are
 *            read safely; our own query for the name is ignored as an
 *            answer, and with QR set it is a NODATA answer.
 *   1 mod 3  "name\n" then a hosts file: fed whole and split at one
 *            point (the input's second byte) with the tail kept, the
 *            same addresses in the same order; never more than max.
 *   2 mod 3  a resolv.conf: fed whole and split, the same configuration;
 *            every field within its limits.
 *
 * Build: make fuzz; run: tests/fuzz/fuzz_dns tests/fuzz/corpus/dns
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "../../dns.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The question of msg as a name we would send, into name: 1, or 0. */
static int
question(const uint8_t *msg, size_t len, char *name, int *qtype)
{
	uint8_t w[DNS_WIRE_MAX];
	size_t off = 12, wl, i, o = 0;

	if (len < 12 || (wl = name_read(msg, len, &off, w)) < 2 ||
	    len - off < 4)
		return 0;
	for (i = 0; w[i] != 0; i += 1 + w[i]) {
		if (o > 0)
			name[o++] = '.';
		memcpy(name + o, w + i + 1, w[i]);
		o += w[i];
	}
	name[o] = '\0';
	*qtype = ew_be16(msg + off);
	return name_ok(name, o);
}

static void
check_answer(const uint8_t *msg, size_t len, int sel)
{
	struct dns_addr out[DNS_MAX_ADDRS], out1[DNS_MAX_ADDRS];
	uint8_t qb[12 + DNS_WIRE_MAX + 4];
	char name[DNS_WIRE_MAX + 1];
	uint16_t id = len >= 2 ? ew_be16(msg) : 0;
	int qtype, r, r1, i, max;
	long ql;
	size_t k;

	if (!question(msg, len, name, &qtype) ||
	    (qtype != T_A && qtype != T_AAAA)) {
		strcpy(name, "a.test");
		qtype = sel & 4 ? T_AAAA : T_A;
	}
	r = dns_answer(msg, len, id, name, qtype, out, DNS_MAX_ADDRS);
	assert(r == DNS_R_IGNORE || r == DNS_R_NXDOMAIN || r == DNS_R_FAIL ||
	    (r >= 0 && r <= DNS_MAX_ADDRS));
	for (i = 0; i < r; i++)
		assert(out[i].family == (qtype == T_AAAA ? AF_INET6 : AF_INET));
	/* The same outcome whatever the room; the first addresses. */
	for (max = 1; max <= 3; max++) {
		r1 = dns_answer(msg, len, id, name, qtype, out1, max);
		assert(r < 0 ? r1 == r : r1 == (r < max ? r : max));
		if (r1 > 0)
			assert(memcmp(out1, out, (size_t)r1 * sizeof(out[0])) ==
			    0);
	}
	assert(dns_answer(msg, len, id ^ 0x8001, name, qtype, out,
	    DNS_MAX_ADDRS) == DNS_R_IGNORE);
	/* Prefixes: libFuzzer's copy ends at len, so ASan sees any
	 * over-read; try a few cut points. */
	for (k = 0; k < 4 && len > 0; k++) {
		size_t cut = k == 0 ? len - 1 : k == 1 ? len / 2 : k == 2 ?
		    (len > 12 ? 12 : 0) : (size_t)msg[len - 1] % len;
		uint8_t *p = malloc(cut ? cut : 1);
		assert(p != NULL);
		memcpy(p, msg, cut);
		(void)dns_answer(p, cut, id, name, qtype, out, DNS_MAX_ADDRS);
		free(p);
	}
	/* Our own query for the name: not an answer; as one, NODATA. */
	ql = dns_query(qb, sizeof(qb), id, name, qtype);
	assert(ql > 12);
	assert(dns_answer(qb, (size_t)ql, id, name, qtype, out,
	    DNS_MAX_ADDRS) == DNS_R_IGNORE);
	qb[2] |= 0x80;
	assert(dns_answer(qb, (size_t)ql, id, name, qtype, out,
	    DNS_MAX_ADDRS) == 0);
	(void)dns_numeric(name, out);
}

/* Feeds (t, len) in two pieces, split at cut, keeping the tail. */
static int
hosts_two(const char *t, size_t len, size_t cut, const char *name,
    struct dns_addr *out, int max)
{
	char *buf = malloc(len + 1);
	size_t used, have;
	int n = 0;

	assert(buf != NULL);
	memcpy(buf, t, cut);
	used = dns_hosts_feed(buf, cut, 0, name, out, max, &n);
	assert(used <= cut);
	have = cut - used;
	memmove(buf, buf + used, have);
	memcpy(buf + have, t + cut, len - cut);
	have += len - cut;
	used = dns_hosts_feed(buf, have, 1, name, out, max, &n);
	assert(used == have);
	free(buf);
	return n;
}

static void
check_hosts(const char *s, size_t size, size_t cut)
{
	struct dns_addr out[DNS_MAX_ADDRS], out2[DNS_MAX_ADDRS];
	char name[65];
	const char *nl = memchr(s, '\n', size < 64 ? size : 64), *t;
	size_t nlen = nl != NULL ? (size_t)(nl - s) : 0, len;
	int n = 0, n2, i;

	memcpy(name, s, nlen);
	name[nlen] = '\0';
	t = nl != NULL ? nl + 1 : s;
	len = size - (size_t)(t - s);
	assert(dns_hosts_feed(t, len, 1, name, out, DNS_MAX_ADDRS, &n) ==
	    len);
	assert(n >= 0 && n <= DNS_MAX_ADDRS);
	for (i = 0; i < n; i++)
		assert(out[i].family == AF_INET || out[i].family == AF_INET6);
	n2 = hosts_two(t, len, len ? cut % (len + 1) : 0, name, out2,
	    DNS_MAX_ADDRS);
	assert(n2 == n && memcmp(out, out2, (size_t)n * sizeof(out[0])) == 0);
	n2 = hosts_two(t, len, 0, name, out2, 2);
	assert(n2 == (n < 2 ? n : 2));
}

static void
check_conf(const char *s, size_t size, size_t cut)
{
	struct dns_conf c, d;
	char *buf;
	size_t used, have, i, k;

	dns_conf_init(&c);
	assert(dns_conf_feed(&c, s, size, 1) == size);
	assert(c.nns >= 1 && c.nns <= DNS_MAX_NS);
	for (i = 0; i < (size_t)c.nns; i++)
		assert(c.ns[i].family == AF_INET ||
		    c.ns[i].family == AF_INET6);
	assert(c.timeout_s >= 1 && c.timeout_s <= 30);
	assert(c.attempts >= 1 && c.attempts <= 5);
	assert(c.ndots >= 0 && c.ndots <= 15);
	assert(c.nsearch >= 0 && c.nsearch <= DNS_MAX_SEARCH);
	assert(c.searchlen <= sizeof(c.search));
	for (i = 0, k = 0; k < (size_t)c.nsearch; k++) {
		size_t l = strnlen(c.search + i, c.searchlen - i);
		assert(i + l < c.searchlen && name_ok(c.search + i, l));
		i += l + 1;
	}
	assert(i == c.searchlen);
	/* split */
	cut = size ? cut % (size + 1) : 0;
	buf = malloc(size + 1);
	assert(buf != NULL);
	dns_conf_init(&d);
	memcpy(buf, s, cut);
	used = dns_conf_feed(&d, buf, cut, 0);
	assert(used <= cut);
	have = cut - used;
	memmove(buf, buf + used, have);
	memcpy(buf + have, s + cut, size - cut);
	have += size - cut;
	assert(dns_conf_feed(&d, buf, have, 1) == have);
	free(buf);
	assert(d.nns == c.nns && memcmp(d.ns, c.ns, sizeof(c.ns)) == 0);
	assert(d.timeout_s == c.timeout_s && d.attempts == c.attempts &&
	    d.ndots == c.ndots && d.nsearch == c.nsearch &&
	    d.searchlen == c.searchlen &&
	    memcmp(d.search, c.search, c.searchlen) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sel;
	size_t cut;

	if (size < 1)
		return 0;
	sel = data[0];
	cut = size > 1 ? data[1] : 0;
	/* libFuzzer's buffer ends exactly at size: ASan sees over-reads. */
	switch (sel % 3) {
	case 0:
		check_answer(data + 1, size - 1, sel);
		break;
	case 1:
		check_hosts((const char *)data + 1, size - 1, cut);
		break;
	default:
		check_conf((const char *)data + 1, size - 1, cut);
		break;
	}
	return 0;
}
