/*
 * http.h - HTTP/1.1 head parsers and URLs (http.c): zero-copy,
 * results point into the caller's buffer
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>
#include "defs.h"

struct http_header {
	const char	*name;
	size_t		 name_len;
	const char	*value;		/* surrounding whitespace trimmed */
	size_t		 value_len;
};
struct http_msg {
	/* request line */
	const char	*method;
	size_t		 method_len;
	const char	*target;
	size_t		 target_len;
	/* status line */
	int		 status;
	const char	*reason;
	size_t		 reason_len;
	int		 minor;		/* HTTP/1.x */
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t		 nheaders;
};
#define HTTP_INCOMPLETE		0
#define HTTP_BAD		(-1)	/* malformed: 400 */
#define HTTP_TOO_LARGE		(-2)	/* head > maxlen or too many lines: 431 */
/*
 * Parse a request (or response) head from (buf, len), considering at most
 * maxlen bytes.  Returns the head length including the final CRLF CRLF
 * (> 0), HTTP_INCOMPLETE, HTTP_BAD or HTTP_TOO_LARGE.  Bare LF line ends
 * are accepted; obsolete line folding and a second Content-Length
 * (equal or not) are rejected.
 */
int http_parse_request(const char *buf, size_t len, size_t maxlen,
    struct http_msg *m);
int http_parse_response(const char *buf, size_t len, size_t maxlen,
    struct http_msg *m);
/* First header named name (case-insensitive), or NULL. */
const struct http_header *http_header(const struct http_msg *m,
    const char *name);
/* 1 if the comma-separated value contains token tok (case-insensitive). */
int http_has_token(const char *v, size_t len, const char *tok);
/*
 * The client addresses a reverse proxy put in one header value, left to
 * right, the k-th (counting every call's, from 0) into out[k % max], *n
 * counting them: the right-most max are kept (the proxies append theirs
 * last; a client's long list cannot push them out).  xff 1 for
 * X-Forwarded-For ("a, b"), 0 for Forwarded (RFC 7239: the for= of each
 * element).
 * Quotes, brackets and a port are removed; an element without for=
 * or too long for a slot gives "".  The texts are not checked: the
 * caller parses them ("unknown" and "_hidden" are no addresses).
 */
#define HTTP_ADDR_LEN	48
void http_forwarded(const char *v, size_t len, int xff,
    char (*out)[HTTP_ADDR_LEN], int *n, int max);
/* Reason phrase for a status code ("Not Found"). */
const char *http_reason(int status);

/* URLs: scheme://[user[:pass]@]host[:port][/path][?query][#frag] */
struct url {
	char	 scheme[8];		/* lower case: "ws", "wss", "http".. */
	char	 host[256];		/* without brackets (and zone) */
	int	 ipv6;			/* host was a bracketed literal */
	char	 zone[IFNAME_MAX];	/* RFC 6874 "[fe80::1%25eth0]": "eth0",
					 * else "" */
	int	 port;			/* explicit or scheme default */
	int	 port_given;
	char	 path[URL_MAX];		/* path + "?query", "/" if empty */
	char	 user[CRED_MAX];
	char	 pass[CRED_MAX];
	int	 has_userinfo;
};
/* 0 on success, -1 if malformed (bad port, empty host, too long, a
 * zone on what is no IPv6 address).  Default ports: http/ws 80,
 * https/wss 443. */
int url_parse(const char *s, struct url *u);
/* The same, with *why (if not NULL) set on failure to what is wrong, in
 * words ("the port must be a number 1..65535"): static text. */
int url_parse_why(const char *s, struct url *u, const char **why);

#endif /* HTTP_H */
