/*
 * test_http.c - HTTP head parsers, header helpers, reason phrases and
 * url_parse.  Every input is copied to end right before a PROT_NONE page,
 * so reading one byte past it faults.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "defs.h"
#include "http.h"
#include "t.h"


static int
req(const char *s, size_t len, size_t maxlen, struct http_msg *m)
{
	return http_parse_request(t_guard(s, len), len, maxlen, m);
}

static int
resp(const char *s, size_t len, size_t maxlen, struct http_msg *m)
{
	return http_parse_response(t_guard(s, len), len, maxlen, m);
}

/* Whole NUL-terminated request, HTTP_MAX_HEADER limit. */
static int
req_s(const char *s, struct http_msg *m)
{
	return req(s, strlen(s), HTTP_MAX_HEADER, m);
}

static int
resp_s(const char *s, struct http_msg *m)
{
	return resp(s, strlen(s), HTTP_MAX_HEADER, m);
}

static int
eq(const char *p, size_t len, const char *want)
{
	return p != NULL && len == strlen(want) && memcmp(p, want, len) == 0;
}

static int
hdr_is(const struct http_msg *m, const char *name, const char *want)
{
	const struct http_header *h = http_header(m, name);

	return h != NULL && eq(h->value, h->value_len, want);
}

/* RFC 6455 section 1.2, the client's opening handshake. */
static const char rfc6455_req[] =
    "GET /chat HTTP/1.1\r\n"
    "Host: server.example.com\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Origin: http://example.com\r\n"
    "Sec-WebSocket-Protocol: chat, superchat\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "\r\n";

static const char rfc6455_resp[] =
    "HTTP/1.1 101 Switching Protocols\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
    "Sec-WebSocket-Protocol: chat\r\n"
    "\r\n";

static void
check_rfc6455_req(const struct http_msg *m)
{
	CHECK(eq(m->method, m->method_len, "GET"));
	CHECK(eq(m->target, m->target_len, "/chat"));
	CHECK(m->minor == 1);
	CHECK(m->nheaders == 7);
	CHECK(eq(m->headers[0].name, m->headers[0].name_len, "Host"));
	CHECK(hdr_is(m, "host", "server.example.com"));
	CHECK(hdr_is(m, "UPGRADE", "websocket"));
	CHECK(hdr_is(m, "sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="));
	CHECK(hdr_is(m, "Sec-WebSocket-Version", "13"));
	CHECK(hdr_is(m, "Sec-WebSocket-Protocol", "chat, superchat"));
	CHECK(http_header(m, "Authorization") == NULL);
	CHECK(http_header(m, "Hos") == NULL);
	CHECK(http_header(m, "Hostx") == NULL);
}

static void
test_rfc6455(void)
{
	struct http_msg m;
	size_t len = sizeof(rfc6455_req) - 1, i;
	char buf[sizeof(rfc6455_req) + 16];
	int bad = 0;

	CHECK(req(rfc6455_req, len, HTTP_MAX_HEADER, &m) == (int)len);
	check_rfc6455_req(&m);

	/* Every split: the first part is incomplete, the rest completes it. */
	for (i = 0; i < len; i++)
		if (req(rfc6455_req, i, HTTP_MAX_HEADER, &m) != HTTP_INCOMPLETE)
			bad++;
	CHECK(bad == 0);
	CHECK(req(rfc6455_req, len, HTTP_MAX_HEADER, &m) == (int)len);
	check_rfc6455_req(&m);

	/* Bytes after the head (an early WebSocket frame) are not eaten. */
	memcpy(buf, rfc6455_req, len);
	memcpy(buf + len, "\x81\x05Hello", 7);
	CHECK(req(buf, len + 7, HTTP_MAX_HEADER, &m) == (int)len);
	check_rfc6455_req(&m);

	len = sizeof(rfc6455_resp) - 1;
	for (bad = 0, i = 0; i < len; i++)
		if (resp(rfc6455_resp, i, HTTP_MAX_HEADER, &m) !=
		    HTTP_INCOMPLETE)
			bad++;
	CHECK(bad == 0);
	CHECK(resp(rfc6455_resp, len, HTTP_MAX_HEADER, &m) == (int)len);
	CHECK(m.status == 101 && m.minor == 1);
	CHECK(eq(m.reason, m.reason_len, "Switching Protocols"));
	CHECK(m.nheaders == 4);
	CHECK(hdr_is(&m, "sec-websocket-accept",
	    "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
}

/* What a current browser sends: keep-alive list, UTF-8 in a value. */
static void
test_browser(void)
{
	static const char s[] =
	    "GET /ws?room=1&x=%20 HTTP/1.1\r\n"
	    "Host: [::1]:8080\r\n"
	    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) "
	    "Gecko/20100101 Firefox/120.0 \xc3\xa9\r\n"
	    "Accept: */*\r\n"
	    "Accept-Language: en-US,en;q=0.5\r\n"
	    "Accept-Encoding: gzip, deflate, br\r\n"
	    "Sec-WebSocket-Version: 13\r\n"
	    "Origin: http://[::1]:8080\r\n"
	    "Sec-WebSocket-Extensions: permessage-deflate\r\n"
	    "Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n"
	    "Connection: keep-alive, Upgrade\r\n"
	    "Cookie: a=b; c=d\r\n"
	    "Sec-Fetch-Dest: empty\r\n"
	    "Pragma: no-cache\r\n"
	    "Cache-Control: no-cache\r\n"
	    "Upgrade: websocket\r\n"
	    "\r\n";
	struct http_msg m;
	const struct http_header *h;

	CHECK(req_s(s, &m) == (int)strlen(s));
	CHECK(eq(m.target, m.target_len, "/ws?room=1&x=%20"));
	CHECK(m.nheaders == 15);
	CHECK(hdr_is(&m, "host", "[::1]:8080"));
	h = http_header(&m, "connection");
	CHECK(h != NULL && http_has_token(h->value, h->value_len, "upgrade"));
	CHECK(hdr_is(&m, "user-agent", "Mozilla/5.0 (X11; Linux x86_64; "
	    "rv:120.0) Gecko/20100101 Firefox/120.0 \xc3\xa9"));
}

static void
test_lines(void)
{
	struct http_msg m;
	const char *s;

	/* Bare LF, and LF mixed with CRLF. */
	s = "GET / HTTP/1.0\nHost: a\nX:  y \n\n";
	CHECK(req_s(s, &m) == (int)strlen(s));
	CHECK(m.minor == 0 && m.nheaders == 2 && hdr_is(&m, "x", "y"));
	s = "GET / HTTP/1.1\r\nHost: a\n\r\n";
	CHECK(req_s(s, &m) == (int)strlen(s));
	s = "GET / HTTP/1.1\nHost: a\r\n\n";
	CHECK(req_s(s, &m) == (int)strlen(s));
	CHECK(req_s("GET / HTTP/1.1\n\r", &m) == HTTP_INCOMPLETE);

	/* No headers at all. */
	s = "OPTIONS * HTTP/1.1\r\n\r\n";
	CHECK(req_s(s, &m) == (int)strlen(s));
	CHECK(eq(m.method, m.method_len, "OPTIONS") && m.nheaders == 0);

	/* Values: OWS trimmed (spaces and tabs), inner spaces kept, empty ok,
	 * first of two duplicates found. */
	s = "POST /ctl HTTP/1.1\r\nA: \t x  y \t\r\nB:\r\nC:   \r\nA: 2\r\n\r\n";
	CHECK(req_s(s, &m) == (int)strlen(s));
	CHECK(hdr_is(&m, "a", "x  y"));
	CHECK(hdr_is(&m, "b", "") && hdr_is(&m, "c", ""));
	CHECK(m.nheaders == 4 && eq(m.headers[3].value,
	    m.headers[3].value_len, "2"));

	/* Malformed lines are refused before the head is complete. */
	CHECK(req_s("GET / HTTP/1.2\r\n", &m) == HTTP_BAD);
	CHECK(req_s("GET / HTTP/1.1\r\nHost a\r\n", &m) == HTTP_BAD);
}

static void
test_malformed(void)
{
	static const char *bad[] = {
		"GET / HTTP/1.2\r\n\r\n",
		"GET / HTTP/2.0\r\n\r\n",
		"GET / http/1.1\r\n\r\n",
		"GET / HTTP/1.1x\r\n\r\n",
		"GET / HTTP/1.\r\n\r\n",
		"GET / HTTP/1.1 \r\n\r\n",
		"GET /\r\n\r\n",
		"GET HTTP/1.1\r\n\r\n",		/* missing target */
		"GET  HTTP/1.1\r\n\r\n",
		"GET  / HTTP/1.1\r\n\r\n",
		" GET / HTTP/1.1\r\n\r\n",
		"G(T / HTTP/1.1\r\n\r\n",	/* not a token */
		"GET /a\tb HTTP/1.1\r\n\r\n",
		"GET /a\x7f HTTP/1.1\r\n\r\n",
		"\r\nGET / HTTP/1.1\r\n\r\n",	/* leading empty line */
		"GET / HTTP/1.1\r\nHost : a\r\n\r\n",
		"GET / HTTP/1.1\r\nHost\t: a\r\n\r\n",
		"GET / HTTP/1.1\r\nBad Name: a\r\n\r\n",
		"GET / HTTP/1.1\r\n: a\r\n\r\n",
		"GET / HTTP/1.1\r\nNoColon\r\n\r\n",
		"GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n",	/* obs-fold */
		"GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n",
		"GET / HTTP/1.1\r\nX: a\001b\r\n\r\n",
		"GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n",
		"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n",	/* bare CR */
		"GET / HTTP/1.1\r\nX: a\r\r\n\r\n",
		"GET / HTTP/1.1\r\nX\xc3\xa9: a\r\n\r\n",
		/* smuggling: two lengths, equal or not, any case, apart */
		"POST / HTTP/1.1\r\nContent-Length: 5\r\n"
		    "Content-Length: 5\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 5\r\n"
		    "content-length: 50\r\n\r\n",
		"POST / HTTP/1.1\r\nCONTENT-LENGTH: 0\r\nHost: a\r\n"
		    "Content-length: 0\r\n\r\n",
	};
	/* NUL bytes cannot live in a C string literal's length. */
	static const char nul1[] = "GET /\0 HTTP/1.1\r\n\r\n";
	static const char nul2[] = "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n";
	static const char nul3[] = "GET / HTTP/1.1\r\nX\0: a\r\n\r\n";
	struct http_msg m;
	const char *s;
	size_t i;
	int n = 0;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (req_s(bad[i], &m) != HTTP_BAD) {
			fprintf(stderr, "accepted: %s\n", bad[i]);
			n++;
		}
	}
	CHECK(n == 0);
	s = "POST / HTTP/1.1\r\nContent-Length: 5\r\n"
	    "X-Content-Length: 6\r\n\r\n";
	CHECK(req_s(s, &m) == (int)strlen(s));
	CHECK(req(nul1, sizeof(nul1) - 1, HTTP_MAX_HEADER, &m) == HTTP_BAD);
	CHECK(req(nul2, sizeof(nul2) - 1, HTTP_MAX_HEADER, &m) == HTTP_BAD);
	CHECK(req(nul3, sizeof(nul3) - 1, HTTP_MAX_HEADER, &m) == HTTP_BAD);
	/* The request parser wants a request, the response parser a status. */
	CHECK(resp_s(rfc6455_req, &m) == HTTP_BAD);
	CHECK(req_s(rfc6455_resp, &m) == HTTP_BAD);
}

/* A request with n "X-N: v" headers into buf; returns its length. */
static size_t
many_headers(char *buf, size_t cap, int n)
{
	size_t len;
	int i;

	len = (size_t)snprintf(buf, cap, "GET / HTTP/1.1\r\n");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, cap - len, "X-%d: v\r\n", i);
	len += (size_t)snprintf(buf + len, cap - len, "\r\n");
	return len;
}

static void
test_limits(void)
{
	static char big[3 * HTTP_MAX_HEADER];
	struct http_msg m;
	size_t len;

	len = many_headers(big, sizeof(big), HTTP_MAX_HEADERS);
	CHECK(req(big, len, HTTP_MAX_HEADER, &m) == (int)len);
	CHECK(m.nheaders == HTTP_MAX_HEADERS);
	CHECK(hdr_is(&m, "x-63", "v"));
	len = many_headers(big, sizeof(big), HTTP_MAX_HEADERS + 1);
	CHECK(req(big, len, HTTP_MAX_HEADER, &m) == HTTP_TOO_LARGE);
	/* Too many lines is known before the head ends. */
	CHECK(req(big, len - 2, HTTP_MAX_HEADER, &m) == HTTP_TOO_LARGE);

	/* A head of exactly maxlen bytes, and one byte over. */
	len = many_headers(big, sizeof(big), 10);
	CHECK(req(big, len, len, &m) == (int)len);
	CHECK(req(big, len, len + 1, &m) == (int)len);
	CHECK(req(big, len - 1, len, &m) == HTTP_INCOMPLETE);
	CHECK(req(big, len, len - 1, &m) == HTTP_TOO_LARGE);
	CHECK(req(big, len - 1, len - 1, &m) == HTTP_TOO_LARGE);
	CHECK(req(big, 0, 0, &m) == HTTP_TOO_LARGE);
	CHECK(req(big, 0, HTTP_MAX_HEADER, &m) == HTTP_INCOMPLETE);

	/* One long value spanning pages, past HTTP_MAX_HEADER. */
	len = (size_t)snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nX: ");
	memset(big + len, 'a', HTTP_MAX_HEADER);
	len += HTTP_MAX_HEADER;
	memcpy(big + len, "\r\n\r\n", 4);
	len += 4;
	CHECK(req(big, len, HTTP_MAX_HEADER, &m) == HTTP_TOO_LARGE);
	CHECK(req(big, HTTP_MAX_HEADER - 1, HTTP_MAX_HEADER, &m) ==
	    HTTP_INCOMPLETE);
	CHECK(req(big, len, len, &m) == (int)len);
	CHECK(m.headers[0].value_len == HTTP_MAX_HEADER);
}

static void
test_response(void)
{
	static const char *bad[] = {
		"HTTP/1.1 20\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 200OK\r\n\r\n",
		"HTTP/1.1  200 OK\r\n\r\n",
		"HTTP/2 200\r\n\r\n",
		"HTTP/1.2 200 OK\r\n\r\n",
		"HTTP/1.1 2x0 OK\r\n\r\n",
		"HTTP/1.1 200 O\x01K\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX : y\r\n\r\n",
		"HTTP/1.1\r\n\r\n",
		"HTTP/1.1 407 P\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
	};
	struct http_msg m;
	const char *s;
	size_t i;
	int n = 0;

	s = "HTTP/1.1 200\r\n\r\n";
	CHECK(resp_s(s, &m) == (int)strlen(s));
	CHECK(m.status == 200 && m.reason_len == 0 && m.nheaders == 0);
	s = "HTTP/1.1 200 \r\n\r\n";
	CHECK(resp_s(s, &m) == (int)strlen(s));
	CHECK(m.status == 200 && m.reason_len == 0);
	s = "HTTP/1.0 200 Connection established\r\n\r\n";
	CHECK(resp_s(s, &m) == (int)strlen(s));
	CHECK(m.minor == 0 && eq(m.reason, m.reason_len,
	    "Connection established"));
	s = "HTTP/1.1 407 Proxy Authentication Required\r\n"
	    "Proxy-Authenticate: Basic realm=\"proxy\"\r\n"
	    "Content-Length: 0\r\n\r\n";
	CHECK(resp_s(s, &m) == (int)strlen(s));
	CHECK(m.status == 407 && m.minor == 1);
	CHECK(eq(m.reason, m.reason_len, "Proxy Authentication Required"));
	CHECK(hdr_is(&m, "proxy-authenticate", "Basic realm=\"proxy\""));
	s = "HTTP/1.1 502 Bad \xc3\xa9 Gateway\n\n";
	CHECK(resp_s(s, &m) == (int)strlen(s));
	CHECK(m.status == 502 && eq(m.reason, m.reason_len,
	    "Bad \xc3\xa9 Gateway"));
	CHECK(resp_s("HTTP/1.1 101 Switching", &m) == HTTP_INCOMPLETE);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (resp_s(bad[i], &m) != HTTP_BAD) {
			fprintf(stderr, "accepted: %s\n", bad[i]);
			n++;
		}
	}
	CHECK(n == 0);
}

static int
tok(const char *v, const char *t)
{
	return http_has_token(t_guard(v, strlen(v)), strlen(v), t);
}

static void
test_tokens(void)
{
	CHECK(tok("keep-alive, Upgrade", "upgrade") == 1);
	CHECK(tok("Upgrade", "upgrade") == 1);
	CHECK(tok("UPGRADE", "Upgrade") == 1);
	CHECK(tok(" \tupgrade\t ", "upgrade") == 1);
	CHECK(tok(",,upgrade,,", "upgrade") == 1);
	CHECK(tok("keep-alive,upgrade", "upgrade") == 1);
	CHECK(tok("keep-alive,upgrade", "keep-alive") == 1);
	CHECK(tok("keep-alive", "upgrade") == 0);
	CHECK(tok("upgradex", "upgrade") == 0);
	CHECK(tok("xupgrade", "upgrade") == 0);
	CHECK(tok("upgrad", "upgrade") == 0);
	CHECK(tok("up grade", "upgrade") == 0);
	CHECK(tok("", "upgrade") == 0);
	CHECK(tok(",", "upgrade") == 0);
	CHECK(tok("a,,b", "") == 0);
	CHECK(http_has_token(NULL, 0, "upgrade") == 0);
}

static void
test_reason(void)
{
	CHECK(strcmp(http_reason(101), "Switching Protocols") == 0);
	CHECK(strcmp(http_reason(200), "OK") == 0);
	CHECK(strcmp(http_reason(404), "Not Found") == 0);
	CHECK(strcmp(http_reason(407), "Proxy Authentication Required") == 0);
	CHECK(strcmp(http_reason(413), "Payload Too Large") == 0);
	CHECK(strcmp(http_reason(426), "Upgrade Required") == 0);
	CHECK(strcmp(http_reason(431),
	    "Request Header Fields Too Large") == 0);
	CHECK(strcmp(http_reason(503), "Service Unavailable") == 0);
	CHECK(strcmp(http_reason(418), "Unknown") == 0);
	CHECK(strcmp(http_reason(-1), "Unknown") == 0);
}

static int
url(const char *s, struct url *u)
{
	return url_parse(t_guard(s, strlen(s) + 1), u);
}

static void
test_url(void)
{
	static const char *bad[] = {
		"ws://", "ws:///x", "ws://:80/", "ws://@host:", "ws://host:",
		"ws://host:0", "ws://host:65536", "ws://host:99999999999999",
		"ws://host:8a", "ws://host:-1", "ws://host:+80", "ws://host: 80",
		"ws://::1/", "ws://fe80::1:80/", "ws://[::1", "ws://[::1]x",
		"ws://[::1]:", "ws://[]", "ws://[zz::1]/", "ws://[1.2.3.4]/",
		"ws://ho st/", "ws://host/a b", "ws://host/\r\nX: y",
		"ws://ho[st/", "ws://a%41/", "ws:/host", "ws:host", "//host/",
		"host:80", "", "ws1://host/", "toolongx://host:1/",
		"ftp://host/", "ws://%zz@host/", "ws://u:%4@host/",
		"ws://%00@host/",
	};
	struct url u;
	char longs[2 * URL_MAX];
	size_t i;
	int n = 0;

	CHECK(url("ws://host", &u) == 0);
	CHECK(strcmp(u.scheme, "ws") == 0 && strcmp(u.host, "host") == 0);
	CHECK(u.port == 80 && !u.port_given && !u.ipv6);
	CHECK(strcmp(u.path, "/") == 0 && !u.has_userinfo);

	CHECK(url("WSS://h:8443/p?q#f", &u) == 0);
	CHECK(strcmp(u.scheme, "wss") == 0 && strcmp(u.host, "h") == 0);
	CHECK(u.port == 8443 && u.port_given);
	CHECK(strcmp(u.path, "/p?q") == 0);

	CHECK(url("wss://Example.COM", &u) == 0);
	CHECK(u.port == 443 && strcmp(u.host, "Example.COM") == 0);
	CHECK(url("http://10.0.0.1:3128/", &u) == 0);
	CHECK(u.port == 3128 && strcmp(u.host, "10.0.0.1") == 0);
	CHECK(url("https://h", &u) == 0 && u.port == 443);
	CHECK(url("foo://h:7", &u) == 0 && u.port == 7);
	CHECK(strcmp(u.scheme, "foo") == 0);
	CHECK(url("abcdefg://h:1", &u) == 0);

	CHECK(url("ws://[::1]:80/x", &u) == 0);
	CHECK(strcmp(u.host, "::1") == 0 && u.ipv6 && u.port == 80);
	CHECK(u.port_given && strcmp(u.path, "/x") == 0);
	CHECK(url("ws://[::1]", &u) == 0);
	CHECK(strcmp(u.host, "::1") == 0 && u.ipv6 && u.port == 80);
	CHECK(!u.port_given && strcmp(u.path, "/") == 0);
	CHECK(url("ws://[fe80::1:2]?a=b", &u) == 0);
	CHECK(strcmp(u.host, "fe80::1:2") == 0 && strcmp(u.path, "/?a=b") == 0);

	CHECK(url("ws://h?q", &u) == 0 && strcmp(u.path, "/?q") == 0);
	CHECK(url("ws://h#frag", &u) == 0 && strcmp(u.path, "/") == 0);
	CHECK(url("ws://h/a/b/?x=1&y=%20#", &u) == 0);
	CHECK(strcmp(u.path, "/a/b/?x=1&y=%20") == 0);
	CHECK(url("ws://h/p@q", &u) == 0 && !u.has_userinfo);
	CHECK(strcmp(u.host, "h") == 0 && strcmp(u.path, "/p@q") == 0);
	CHECK(url("ws://h:0080", &u) == 0 && u.port == 80);
	CHECK(url("ws://h:65535", &u) == 0 && u.port == 65535);
	CHECK(url("ws://h:1", &u) == 0 && u.port == 1);

	CHECK(url("ws://user:pa%3Ass@host", &u) == 0);
	CHECK(u.has_userinfo && strcmp(u.user, "user") == 0);
	CHECK(strcmp(u.pass, "pa:ss") == 0 && strcmp(u.host, "host") == 0);
	CHECK(url("http://u%40x:a:b@[::1]:3128/", &u) == 0);
	CHECK(strcmp(u.user, "u@x") == 0 && strcmp(u.pass, "a:b") == 0);
	CHECK(u.ipv6 && u.port == 3128);
	CHECK(url("http://a@b@host/", &u) == 0);
	CHECK(strcmp(u.user, "a@b") == 0 && strcmp(u.host, "host") == 0);
	CHECK(url("ws://user@host", &u) == 0);
	CHECK(u.has_userinfo && strcmp(u.user, "user") == 0 && u.pass[0] == 0);
	CHECK(url("ws://@host", &u) == 0 && u.has_userinfo);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (url(bad[i], &u) != -1) {
			fprintf(stderr, "accepted: %s\n", bad[i]);
			n++;
		}
	}
	CHECK(n == 0);

	/* Field limits: host 255 fits, 256 does not; path likewise. */
	memcpy(longs, "ws://", 5);
	memset(longs + 5, 'a', 255);
	longs[260] = '\0';
	CHECK(url(longs, &u) == 0 && strlen(u.host) == 255);
	memset(longs + 5, 'a', 256);
	longs[261] = '\0';
	CHECK(url(longs, &u) == -1);
	memcpy(longs, "ws://h/", 7);
	memset(longs + 7, 'p', URL_MAX - 2);
	longs[7 + URL_MAX - 2] = '\0';
	CHECK(url(longs, &u) == 0 && strlen(u.path) == URL_MAX - 1);
	longs[7 + URL_MAX - 2] = 'p';
	longs[7 + URL_MAX - 1] = '\0';
	CHECK(url(longs, &u) == -1);
	/* "?q" gains a "/", so it needs one more byte. */
	memcpy(longs, "ws://h?", 7);
	memset(longs + 7, 'q', URL_MAX - 3);
	longs[7 + URL_MAX - 3] = '\0';
	CHECK(url(longs, &u) == 0 && strlen(u.path) == URL_MAX - 1);
	longs[7 + URL_MAX - 3] = 'q';
	longs[7 + URL_MAX - 2] = '\0';
	CHECK(url(longs, &u) == -1);
	/* user of CRED_MAX - 1 bytes fits, CRED_MAX does not. */
	memcpy(longs, "ws://", 5);
	memset(longs + 5, 'u', CRED_MAX - 1);
	memcpy(longs + 5 + CRED_MAX - 1, "@h", 3);
	CHECK(url(longs, &u) == 0 && strlen(u.user) == CRED_MAX - 1);
	memset(longs + 5, 'u', CRED_MAX);
	memcpy(longs + 5 + CRED_MAX, "@h", 3);
	CHECK(url(longs, &u) == -1);
}

/* RFC 6874: IPv6 zone ids in URLs, "%25" then the zone. */
static void
test_url_zone(void)
{
	static const char *bad[] = {
		"ws://[fe80::1%eth0]/", "ws://[fe80::1%25]/", "ws://[fe80::1%2]/",
		"ws://[fe80::1%25eth/0]/", "ws://[fe80::1%25a%20b]/",
		"ws://[fe80::1%25abcdefghijklmnop]/", "ws://[1.2.3.4%25eth0]/",
		"ws://[%25eth0]/", "ws://fe80::1%25eth0/", "ws://host%25eth0/",
	};
	struct url u;
	size_t i;

	CHECK(url("ws://[fe80::1%25eth0]:8080/p", &u) == 0);
	CHECK(strcmp(u.host, "fe80::1") == 0 && strcmp(u.zone, "eth0") == 0);
	CHECK(u.ipv6 && u.port == 8080 && strcmp(u.path, "/p") == 0);
	CHECK(url("wss://[FE80::a:b%25ve-th.0_1~]/", &u) == 0);
	CHECK(strcmp(u.host, "FE80::a:b") == 0 &&
	    strcmp(u.zone, "ve-th.0_1~") == 0 && u.port == 443);
	CHECK(url("ws://[fe80::1%253]/", &u) == 0 && strcmp(u.zone, "3") == 0);
	CHECK(url("ws://[fe80::1%25abcdefghijklmno]/", &u) == 0);
	CHECK(url("ws://[::1]/", &u) == 0 && u.zone[0] == '\0');
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(url(bad[i], &u) == -1);
		if (url(bad[i], &u) != -1)
			fprintf(stderr, "  accepted: %s\n", bad[i]);
	}
}

/* Forwarded (RFC 7239 section 7 examples) and X-Forwarded-For. */
static int
fwd(const char *v, int xff, const char *want)
{
	char out[8][HTTP_ADDR_LEN], got[8 * HTTP_ADDR_LEN + 8];
	size_t len = 0;
	int n = 0, i;

	http_forwarded(v, strlen(v), xff, out, &n, 8);
	got[0] = '\0';
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%s",
		    i ? "|" : "", out[i]);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "  forwarded %s: got %s, want %s\n", v, got,
		    want);
	return strcmp(got, want) == 0;
}

static void
test_forwarded(void)
{
	char out[2][HTTP_ADDR_LEN];
	int n;

	CHECK(fwd("for=\"_gazonk\"", 0, "_gazonk"));
	CHECK(fwd("For=\"[2001:db8:cafe::17]:4711\"", 0, "2001:db8:cafe::17"));
	CHECK(fwd("for=192.0.2.60;proto=http;by=203.0.113.43", 0,
	    "192.0.2.60"));
	CHECK(fwd("for=192.0.2.43, for=198.51.100.17", 0,
	    "192.0.2.43|198.51.100.17"));
	CHECK(fwd("proto=https;for=\"192.0.2.7:80\" ,for=unknown", 0,
	    "192.0.2.7|unknown"));
	CHECK(fwd("by=10.0.0.1, for=10.0.0.2", 0, "|10.0.0.2"));
	CHECK(fwd("for=\"[::1\"", 0, ""));
	CHECK(fwd(" , ,", 0, ""));
	CHECK(fwd("203.0.113.195, 70.41.3.18, 150.172.238.178", 1,
	    "203.0.113.195|70.41.3.18|150.172.238.178"));
	CHECK(fwd("2001:db8:85a3:8d3:1319:8a2e:370:7348", 1,
	    "2001:db8:85a3:8d3:1319:8a2e:370:7348"));
	CHECK(fwd("[2001:db8::1]:443,192.0.2.1:5000", 1,
	    "2001:db8::1|192.0.2.1"));
	/* the right-most max kept, in a ring (k-th at k % max), across
	 * calls; a slot too small gives "" */
	n = 0;
	http_forwarded("1.1.1.1, 2.2.2.2, 3.3.3.3", 25, 1, out, &n, 2);
	CHECK(n == 3 && strcmp(out[0], "3.3.3.3") == 0 &&
	    strcmp(out[1], "2.2.2.2") == 0);
	http_forwarded("4.4.4.4", 7, 1, out, &n, 2);
	CHECK(n == 4 && strcmp(out[1], "4.4.4.4") == 0 &&
	    strcmp(out[0], "3.3.3.3") == 0);
	CHECK(fwd("1111111111111111111111111111111111111111111111111111", 1,
	    ""));
}

int
main(void)
{
	test_rfc6455();
	test_browser();
	test_lines();
	test_malformed();
	test_limits();
	test_response();
	test_tokens();
	test_reason();
	test_url();
	test_url_zone();
	test_forwarded();
	return t_done("test_http");
}
