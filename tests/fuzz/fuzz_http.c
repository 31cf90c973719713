/*
 * fuzz_http.c - libFuzzer harness for the HTTP head parsers (http.c):
 * http_parse_request and http_parse_response over the input with a
 * range of maxlen values, then http_header and http_has_token on every
 * header found.  Checks that results point inside the input, that a
 * head is consistent with its prefixes, and that maxlen is honoured.
 *
 * Build: make fuzz; run: tests/fuzz/fuzz_http tests/fuzz/corpus/http
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "../../http.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INSIDE(p, n, buf, len) \
	((p) >= (buf) && (size_t)((p) - (buf)) <= (len) && \
	 (n) <= (len) - (size_t)((p) - (buf)))

static void
check_headers(const char *buf, size_t r, const struct http_msg *m)
{
	const struct http_header *h, *f;
	char name[HTTP_MAX_HEADER + 1], tok[HTTP_MAX_HEADER + 1];
	const char *p, *end, *c, *s, *e;
	size_t i, j;

	assert(m->nheaders <= HTTP_MAX_HEADERS);
	for (i = 0; i < m->nheaders; i++) {
		h = &m->headers[i];
		assert(h->name_len > 0);
		assert(INSIDE(h->name, h->name_len, buf, r));
		assert(INSIDE(h->value, h->value_len, buf, r));
		for (j = 0; j < h->name_len; j++)
			assert(is_tchar((unsigned char)h->name[j]));
		if (h->value_len > 0) {
			assert(!is_ows((unsigned char)h->value[0]));
			assert(!is_ows((unsigned char)h->value[h->value_len - 1]));
		}
		/* The first header of that name (ASCII case ignored). */
		memcpy(name, h->name, h->name_len);
		name[h->name_len] = '\0';
		f = http_header(m, name);
		assert(f != NULL && f <= h);
		assert(f->name_len == h->name_len);
		/* Every non-empty list element is found as a token. */
		end = h->value + h->value_len;
		for (p = h->value;; p = c + 1) {
			c = memchr(p, ',', (size_t)(end - p));
			if (c == NULL)
				c = end;
			for (s = p; s < c && is_ows((unsigned char)*s); s++)
				;
			for (e = c; e > s && is_ows((unsigned char)e[-1]); e--)
				;
			if (e > s) {
				memcpy(tok, s, (size_t)(e - s));
				tok[e - s] = '\0';
				assert(http_has_token(h->value, h->value_len,
				    tok) == 1);
			}
			if (c == end)
				break;
		}
		(void)http_has_token(h->value, h->value_len, "upgrade");
		(void)http_has_token(h->value, h->value_len, "websocket");
	}
	(void)http_header(m, "Sec-WebSocket-Key");
	(void)http_header(m, "");
}

static void
check_one(const char *buf, size_t len, int req)
{
	static const size_t extra[] = { 0, 1, 2, 13, 14, HTTP_MAX_HEADER,
	    SIZE_MAX };
	struct http_msg m, m2;
	int (*parse)(const char *, size_t, size_t, struct http_msg *);
	size_t k, maxlen;
	int r, r2;

	parse = req ? http_parse_request : http_parse_response;
	r = parse(buf, len, SIZE_MAX, &m);
	assert(r > 0 || r == HTTP_INCOMPLETE || r == HTTP_BAD ||
	    r == HTTP_TOO_LARGE);
	if (r > 0) {
		assert((size_t)r <= len);
		assert(buf[r - 1] == '\n');
		assert(m.minor == 0 || m.minor == 1);
		if (req) {
			assert(m.method_len > 0 && m.target_len > 0);
			assert(INSIDE(m.method, m.method_len, buf, (size_t)r));
			assert(INSIDE(m.target, m.target_len, buf, (size_t)r));
		} else {
			assert(m.status >= 0 && m.status <= 999);
			assert(INSIDE(m.reason, m.reason_len, buf, (size_t)r));
		}
		check_headers(buf, (size_t)r, &m);
		/* The head alone parses the same; one byte less is not
		 * yet a head. */
		assert(parse(buf, (size_t)r, SIZE_MAX, &m2) == r);
		assert(m2.nheaders == m.nheaders);
		assert(parse(buf, (size_t)r - 1, SIZE_MAX, &m2) ==
		    HTTP_INCOMPLETE);
	}
	/* maxlen: a head that fits is unaffected; one that does not is
	 * too large; nothing is read past it. */
	for (k = 0; k < sizeof(extra) / sizeof(extra[0]) + 3; k++) {
		if (k < sizeof(extra) / sizeof(extra[0]))
			maxlen = extra[k];
		else if (k == sizeof(extra) / sizeof(extra[0]))
			maxlen = len / 2;
		else if (r > 0)
			maxlen = (size_t)r - (k & 1);
		else
			maxlen = len;
		r2 = parse(buf, len, maxlen, &m2);
		if (r > 0 && maxlen >= (size_t)r)
			assert(r2 == r);
		else if (r > 0)
			assert(r2 == HTTP_TOO_LARGE);
		else if (r == HTTP_BAD)
			assert(r2 == HTTP_BAD || r2 == HTTP_TOO_LARGE ||
			    r2 == HTTP_INCOMPLETE);
		else if (r == HTTP_INCOMPLETE)
			assert(r2 == HTTP_INCOMPLETE || r2 == HTTP_TOO_LARGE);
		if (r2 > 0) {
			assert((size_t)r2 <= maxlen);
			check_headers(buf, (size_t)r2, &m2);
		}
		/* Only the first maxlen bytes are looked at. */
		if (maxlen < len)
			assert(parse(buf, maxlen, maxlen, &m) == r2);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* libFuzzer's buffer ends exactly at size: ASan sees over-reads. */
	check_one((const char *)data, size, 1);
	check_one((const char *)data, size, 0);
	(void)http_reason((int)(size % 1000));
	return 0;
}
