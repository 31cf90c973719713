/*
 * http.c - HTTP/1.1 head parsers in the manner of picohttpparser
 * (zero-copy, tri-state, results point into the caller's buffer), header
 * helpers, reason phrases, and the URL parser for client targets and
 * proxies.
 *
 * The parsers never read past min(len, maxlen) and never assume a NUL.
 * Each call rescans from the start: heads are at most HTTP_MAX_HEADER
 * bytes, and one pass over every line is linear, so keeping no state
 * between calls costs little and leaves nothing to get out of step.
 */
#include <limits.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "bytes.h"
#include "defs.h"
#include "fmt.h"
#include "http.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* Character classes (locale-free, argument is an unsigned char value) */

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* RFC 7230 tchar: the characters of a method or header name. */
static int
is_tchar(int c)
{
	if (is_alpha(c) || ew_isdigit(c))
		return 1;
	return c != '\0' && c < 0x80 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Header values and reason phrases: HTAB, SP, VCHAR, obs-text. */
static int
is_text(int c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* Request target: anything visible; a space would split the line. */
static int
is_target(int c)
{
	return c > 0x20 && c != 0x7f;
}

static int
is_ows(int c)
{
	return c == ' ' || c == '\t';
}

/* ------------------------------------------------------------------ */
/* Head parsing.  Each line handler gets one line without its CR LF. */

/* Exactly "HTTP/1.0" or "HTTP/1.1" in the 8 bytes at p. */
static int
parse_version(const char *p, int *minor)
{
	if (memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1'))
		return -1;
	*minor = p[7] - '0';
	return 0;
}

/* method SP request-target SP HTTP-version, single spaces only. */
static int
parse_request_line(const char *p, size_t len, struct http_msg *m)
{
	size_t i, t;

	for (i = 0; i < len && is_tchar((unsigned char)p[i]); i++)
		;
	if (i == 0 || i == len || p[i] != ' ')
		return HTTP_BAD;
	m->method = p;
	m->method_len = i;
	for (t = ++i; i < len && is_target((unsigned char)p[i]); i++)
		;
	if (i == t || i == len || p[i] != ' ')
		return HTTP_BAD;
	m->target = p + t;
	m->target_len = i - t;
	i++;
	if (len - i != 8 || parse_version(p + i, &m->minor) == -1)
		return HTTP_BAD;
	return 0;
}

/* HTTP-version SP 3DIGIT [SP reason]; "HTTP/1.1 200" has no reason. */
static int
parse_status_line(const char *p, size_t len, struct http_msg *m)
{
	size_t i;

	if (len < 12 || parse_version(p, &m->minor) == -1 || p[8] != ' ')
		return HTTP_BAD;
	m->status = 0;
	for (i = 9; i < 12; i++) {
		if (!ew_isdigit((unsigned char)p[i]))
			return HTTP_BAD;
		m->status = m->status * 10 + (p[i] - '0');
	}
	m->reason = p + len;
	m->reason_len = 0;
	if (len == 12)
		return 0;
	if (p[12] != ' ')
		return HTTP_BAD;
	for (i = 13; i < len; i++)
		if (!is_text((unsigned char)p[i]))
			return HTTP_BAD;
	m->reason = p + 13;
	m->reason_len = len - 13;
	return 0;
}

/*
 * field-name ":" OWS field-value OWS.  A leading space or tab (obs-fold)
 * and whitespace before the colon both fail the token scan, as RFC 7230
 * section 3.2.4 asks of a server.
 */
static int
parse_header_line(const char *p, size_t len, struct http_header *h)
{
	size_t i, v;

	for (i = 0; i < len && is_tchar((unsigned char)p[i]); i++)
		;
	if (i == 0 || i == len || p[i] != ':')
		return HTTP_BAD;
	h->name = p;
	h->name_len = i;
	for (v = ++i; i < len; i++)
		if (!is_text((unsigned char)p[i]))
			return HTTP_BAD;
	while (v < len && is_ows((unsigned char)p[v]))
		v++;
	while (len > v && is_ows((unsigned char)p[len - 1]))
		len--;
	h->value = p + v;
	h->value_len = len - v;
	return 0;
}

/*
 * 1 if the header just parsed (the last) is a second Content-Length.
 * Two of them, equal or not, are how a request is smuggled past a proxy
 * that takes the other one; RFC 9112 section 6.3 lets a server refuse.
 */
static int
second_length(const struct http_msg *m)
{
	const struct http_header *last = &m->headers[m->nheaders - 1];
	size_t i;

	if (!ew_strcaseeq(last->name, last->name_len, "Content-Length"))
		return 0;
	for (i = 0; i + 1 < m->nheaders; i++)
		if (ew_strcaseeq(m->headers[i].name, m->headers[i].name_len,
		    "Content-Length"))
			return 1;
	return 0;
}

/*
 * Walk the head line by line; every complete line is checked as soon as
 * it is seen, so garbage is refused without waiting for the blank line.
 * A line ends at LF, an optional CR before it is dropped; any other CR
 * is a control character and fails the line.  A leading empty line is
 * malformed (we never pipeline, so RFC 7230 section 3.5 leniency buys
 * nothing), and so is a second Content-Length.
 */
static int
parse_head(const char *buf, size_t len, size_t maxlen, struct http_msg *m,
    int (*first)(const char *, size_t, struct http_msg *))
{
	const char *p, *end, *nl;
	size_t n, ll;
	int rv;

	m->method = m->target = m->reason = NULL;
	m->method_len = m->target_len = m->reason_len = 0;
	m->status = m->minor = 0;
	m->nheaders = 0;
	/* The head length is returned as an int. */
	if (maxlen > INT_MAX)
		maxlen = INT_MAX;
	n = len < maxlen ? len : maxlen;
	end = buf + n;
	for (p = buf;; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return n == maxlen ? HTTP_TOO_LARGE : HTTP_INCOMPLETE;
		ll = (size_t)(nl - p);
		if (ll > 0 && p[ll - 1] == '\r')
			ll--;
		if (p == buf)
			rv = first(p, ll, m);
		else if (ll == 0)
			return (int)(nl + 1 - buf);
		else if (m->nheaders == HTTP_MAX_HEADERS)
			return HTTP_TOO_LARGE;
		else if ((rv = parse_header_line(p, ll,
		    &m->headers[m->nheaders++])) == 0 && second_length(m))
			rv = HTTP_BAD;
		if (rv != 0)
			return rv;
	}
}

int
http_parse_request(const char *buf, size_t len, size_t maxlen,
    struct http_msg *m)
{
	return parse_head(buf, len, maxlen, m, parse_request_line);
}

int
http_parse_response(const char *buf, size_t len, size_t maxlen,
    struct http_msg *m)
{
	return parse_head(buf, len, maxlen, m, parse_status_line);
}

const struct http_header *
http_header(const struct http_msg *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nheaders; i++)
		if (ew_strcaseeq(m->headers[i].name, m->headers[i].name_len,
		    name))
			return &m->headers[i];
	return NULL;
}

/* RFC 7230 section 7 lists: empty elements and OWS around them ignored. */
int
http_has_token(const char *v, size_t len, const char *tok)
{
	const char *p, *end, *comma, *s, *e;

	if (v == NULL || tok[0] == '\0')
		return 0;
	end = v + len;
	for (p = v;; p = comma + 1) {
		comma = memchr(p, ',', (size_t)(end - p));
		if (comma == NULL)
			comma = end;
		for (s = p; s < comma && is_ows((unsigned char)*s); s++)
			;
		for (e = comma; e > s && is_ows((unsigned char)e[-1]); e--)
			;
		if (ew_strcaseeq(s, (size_t)(e - s), tok))
			return 1;
		if (comma == end)
			return 0;
	}
}

/* One address of a Forwarded for= or X-Forwarded-For element (s, e):
 * quotes, brackets and a port removed, into out; "" if it is no
 * address. */
static void
fwd_addr(const char *s, const char *e, char out[HTTP_ADDR_LEN])
{
	const char *c;

	out[0] = '\0';
	if (e - s >= 2 && *s == '"' && e[-1] == '"') {
		s++;
		e--;
	}
	if (s < e && *s == '[') {		/* [v6] or [v6]:port */
		c = memchr(s, ']', (size_t)(e - s));
		if (c == NULL)
			return;
		s++;
		e = c;
	} else if ((c = memchr(s, ':', (size_t)(e - s))) != NULL &&
	    memchr(c + 1, ':', (size_t)(e - c - 1)) == NULL)
		e = c;				/* v4:port */
	if (e > s && (size_t)(e - s) < HTTP_ADDR_LEN) {
		memcpy(out, s, (size_t)(e - s));
		out[e - s] = '\0';
	}
}

/* The for= value of one Forwarded element (s, e): pairs split by ';'. */
static void
fwd_element(const char *s, const char *e, char out[HTTP_ADDR_LEN])
{
	const char *p, *semi, *a, *b;

	out[0] = '\0';
	for (p = s; p < e; p = semi + 1) {
		semi = memchr(p, ';', (size_t)(e - p));
		if (semi == NULL)
			semi = e;
		for (a = p; a < semi && is_ows((unsigned char)*a); a++)
			;
		for (b = semi; b > a && is_ows((unsigned char)b[-1]); b--)
			;
		if (b - a > 4 && ew_strcaseeq(a, 4, "for=")) {
			fwd_addr(a + 4, b, out);
			return;
		}
		if (semi == e)
			return;
	}
}

void
http_forwarded(const char *v, size_t len, int xff, char (*out)[HTTP_ADDR_LEN],
    int *n, int max)
{
	const char *p, *end = v + len, *comma, *s, *e;

	for (p = v; *n < INT_MAX && p <= end; p = comma + 1) {
		comma = memchr(p, ',', (size_t)(end - p));
		if (comma == NULL)
			comma = end;
		for (s = p; s < comma && is_ows((unsigned char)*s); s++)
			;
		for (e = comma; e > s && is_ows((unsigned char)e[-1]); e--)
			;
		if (e > s) {
			if (xff)
				fwd_addr(s, e, out[*n % max]);
			else
				fwd_element(s, e, out[*n % max]);
			(*n)++;
		}
		if (comma == end)
			break;
	}
}

const char *
http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 407: return "Proxy Authentication Required";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 426: return "Upgrade Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

/* ------------------------------------------------------------------ */
/* URLs: scheme://[user[:pass]@]host[:port][/path][?query][#frag] */

/* Percent-decode (s, len) into out; a bad escape, %00 (it would cut the
 * C string short) or no room for the NUL fails. */
static int
pct_decode(char *out, size_t cap, const char *s, size_t len)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (o + 1 >= cap)
			return -1;
		if (s[i] != '%') {
			out[o++] = s[i];
			continue;
		}
		if (len - i < 3 ||
		    (hi = ew_hexval((unsigned char)s[i + 1])) < 0 ||
		    (lo = ew_hexval((unsigned char)s[i + 2])) < 0 ||
		    (hi | lo) == 0)
			return -1;
		out[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	out[o] = '\0';
	return 0;
}

/* Copy (s, len) into out[cap] as a C string, failing if it won't fit. */
static int
copy_field(char *out, size_t cap, const char *s, size_t len)
{
	if (len >= cap)
		return -1;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

/* Letters then "://"; returns the length through "://", or -1. */
static int
url_scheme(const char *s, struct url *u)
{
	size_t i;

	for (i = 0; is_alpha((unsigned char)s[i]); i++) {
		if (i + 1 >= sizeof(u->scheme))
			return -1;
		u->scheme[i] = (char)ew_lower((unsigned char)s[i]);
	}
	u->scheme[i] = '\0';
	if (i == 0 || strncmp(s + i, "://", 3) != 0)
		return -1;
	return (int)i + 3;
}

/* user[:pass], split at the first ':' (a password may hold more). */
static int
url_userinfo(const char *s, size_t len, struct url *u)
{
	const char *colon;
	size_t ulen;

	colon = memchr(s, ':', len);
	ulen = colon == NULL ? len : (size_t)(colon - s);
	if (pct_decode(u->user, sizeof(u->user), s, ulen) == -1)
		return -1;
	if (colon != NULL && pct_decode(u->pass, sizeof(u->pass), colon + 1,
	    len - ulen - 1) == -1)
		return -1;
	u->has_userinfo = 1;
	return 0;
}

/* 1..65535, digits only. */
static int
url_port(const char *s, size_t len, int *port)
{
	size_t i;
	long v = 0;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (!ew_isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
		if (v > 65535)
			return -1;
	}
	if (v == 0)
		return -1;
	*port = (int)v;
	return 0;
}

/* A DNS name or dotted IPv4: checked loosely, resolving decides. */
static int
is_hostchar(int c)
{
	return is_alpha(c) || ew_isdigit(c) || c == '-' || c == '.' ||
	    c == '_';
}

/* RFC 6874: "fe80::1%25eth0" in (s, *len), the text between the
 * brackets: the zone ("eth0": unreserved characters) into u->zone and
 * *len cut to the address.  0, or -1 for "%" not followed by "25" and
 * a zone, or a zone too long for an interface name. */
static int
url_zone(const char *s, size_t *len, struct url *u)
{
	const char *pct = memchr(s, '%', *len);
	size_t zl, i;

	u->zone[0] = '\0';
	if (pct == NULL)
		return 0;
	zl = *len - (size_t)(pct - s);
	if (zl < 4 || pct[1] != '2' || pct[2] != '5' ||
	    zl - 3 >= sizeof(u->zone))
		return -1;
	for (i = 3; i < zl; i++)
		if (!ew_isdigit((unsigned char)pct[i]) &&
		    (ew_lower((unsigned char)pct[i]) < 'a' ||
		    ew_lower((unsigned char)pct[i]) > 'z') && pct[i] != '-' &&
		    pct[i] != '.' && pct[i] != '_' && pct[i] != '~')
			return -1;
	memcpy(u->zone, pct + 3, zl - 3);
	u->zone[zl - 3] = '\0';
	*len = (size_t)(pct - s);
	return 0;
}

/* host[:port] with host a name, IPv4 or [IPv6] (with a zone); *why
 * says what is wrong when it fails. */
static int
url_hostport(const char *s, size_t len, struct url *u, const char **why)
{
	struct in6_addr a6;
	const char *p, *end = s + len;
	size_t hlen;

	*why = "no host";
	if (len > 0 && s[0] == '[') {
		*why = "not an IPv6 address in brackets (with an optional "
		    "%25zone)";
		p = memchr(s, ']', len);
		if (p == NULL)
			return -1;
		hlen = (size_t)(p - s - 1);
		if (url_zone(s + 1, &hlen, u) == -1 ||
		    copy_field(u->host, sizeof(u->host), s + 1, hlen) == -1 ||
		    ew_pton(AF_INET6, u->host, &a6) != 1)
			return -1;
		u->ipv6 = 1;
		p++;
	} else {
		/* An unbracketed IPv6 literal ends here at its first ':'
		 * and then fails as a port. */
		for (p = s; p < end && is_hostchar((unsigned char)*p); p++)
			;
		hlen = (size_t)(p - s);
		if (hlen >= sizeof(u->host))
			*why = "the host name is too long";
		if (hlen == 0 ||
		    copy_field(u->host, sizeof(u->host), s, hlen) == -1)
			return -1;
	}
	if (p == end)
		return 0;
	*why = *p == ':' ? "the port must be a number 1..65535" :
	    "the host has a character no name or address has (an IPv6 "
	    "address goes in brackets)";
	if (*p != ':' || url_port(p + 1, (size_t)(end - p - 1), &u->port) == -1)
		return -1;
	u->port_given = 1;
	return 0;
}

static int
default_port(const char *scheme)
{
	if (strcmp(scheme, "ws") == 0 || strcmp(scheme, "http") == 0)
		return 80;
	if (strcmp(scheme, "wss") == 0 || strcmp(scheme, "https") == 0)
		return 443;
	return 0;
}

/* Path and query verbatim, fragment dropped; "/" when the path is empty. */
/* strcspn: the length of s before any byte of set (a static link would
 * otherwise carry libc's, which builds a 256-bit table) */
static size_t
span_until(const char *s, const char *set)
{
	size_t n;

	for (n = 0; s[n] != '\0' && strchr(set, s[n]) == NULL; n++)
		;
	return n;
}

static int
url_path(const char *s, struct url *u)
{
	size_t len, off = 0;

	len = span_until(s, "#");
	if (len == 0 || s[0] == '?') {
		u->path[0] = '/';
		off = 1;
	}
	return copy_field(u->path + off, sizeof(u->path) - off, s, len);
}

int
url_parse_why(const char *s, struct url *u, const char **why)
{
	const char *auth, *at, *p, *w;
	size_t alen;
	int n;

	if (why == NULL)
		why = &w;
	memset(u, 0, sizeof(*u));
	/* Spaces and control characters would end up inside our request
	 * line or Host header; no valid URL has them. */
	*why = "it has a space or a control character";
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return -1;
	*why = "it must start with a scheme and :// (ws://, wss://, http://, "
	    "https://)";
	if ((n = url_scheme(s, u)) == -1)
		return -1;
	auth = s + n;
	alen = span_until(auth, "/?#");
	/* The last '@' ends userinfo: a name or address never has one. */
	for (at = auth + alen; at > auth && at[-1] != '@'; at--)
		;
	*why = "a bad user:password@ part";
	if (at > auth && url_userinfo(auth, (size_t)(at - 1 - auth), u) == -1)
		return -1;
	if (url_hostport(at, alen - (size_t)(at - auth), u, why) == -1)
		return -1;
	*why = "an unknown scheme (ws, wss, http or https)";
	if (!u->port_given && (u->port = default_port(u->scheme)) == 0)
		return -1;
	*why = "the path is too long";
	return url_path(auth + alen, u);
}

int
url_parse(const char *s, struct url *u)
{
	return url_parse_why(s, u, NULL);
}
