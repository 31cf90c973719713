/*
 * fuzz_json.c - libFuzzer harness for the JSON reader and writer
 * (json.c).
 *
 * The input is parsed with room for every token; on success it is
 * parsed again with exactly as many tokens (must succeed) and one
 * fewer (must fail), and at exactly its nesting depth (must succeed)
 * and one less (must fail).  Then every token is walked: the subtree
 * links must nest, and json_get_str (at several capacities),
 * json_str_eq, json_get_int, json_truthy and json_obj_get are checked
 * against strtod/strtoll and against each other.  Strings round-trip
 * through jw_str.  Finally the raw input goes through jw_str and must
 * parse back, as it was if it is valid UTF-8 (else with \ufffd).
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../defs.h"
#include "../../json.c"
#include "defs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An independent UTF-8 validator (RFC 3629, table 3-7 of Unicode). */
static int
utf8_ok(const uint8_t *p, size_t n)
{
	size_t i = 0, k, len;
	uint32_t cp, min;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			len = 2; cp = p[i] & 0x1f; min = 0x80;
		} else if ((p[i] & 0xf0) == 0xe0) {
			len = 3; cp = p[i] & 0x0f; min = 0x800;
		} else if ((p[i] & 0xf8) == 0xf0) {
			len = 4; cp = p[i] & 0x07; min = 0x10000;
		} else
			return 0;
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

/* Depth of the deepest container at tokens [0, n). */
static int
max_depth(const struct json_tok *t, int n)
{
	int stack[JSON_MAX_TOKENS + 1], sp = 0, best = 0, i;

	for (i = 0; i < n; i++) {
		while (sp > 0 && (int)t[stack[sp - 1]].next <= i)
			sp--;
		if (t[i].type == JSON_ARRAY || t[i].type == JSON_OBJECT) {
			stack[sp++] = i;
			if (sp > best)
				best = sp;
		}
	}
	return best;
}

static char sbuf[1 << 17], sbuf2[1 << 17], wbuf[6 * (1 << 16) + 8];
static struct json_tok toks[JSON_MAX_TOKENS + 1], toks2[4];

static void
check_string(const char *s, const struct json_tok *t, int i)
{
	static const size_t caps[] = { 0, 1, 2, 5, 16 };
	struct jw w;
	const char *err;
	long n, m;
	size_t k;
	int r;

	n = json_get_str(s, t, i, sbuf, sizeof(sbuf));
	for (k = 0; k < sizeof(caps) / sizeof(caps[0]); k++) {
		char *small = malloc(caps[k] ? caps[k] : 1);

		assert(small != NULL);
		m = json_get_str(s, t, i, small, caps[k]);
		if (n >= 0 && (size_t)n < caps[k]) {
			assert(m == n);
			assert(memcmp(small, sbuf, (size_t)n + 1) == 0);
		} else {
			assert(m == -1);
			if (caps[k] > 0)
				assert(small[0] == '\0');
		}
		free(small);
	}
	if (n < 0) {
		/* Only U+0000 (\u0000) makes a parsed string unreadable. */
		assert(memmem(s + t[i].start, t[i].end - t[i].start,
		    "\\u0000", 6) != NULL);
		return;
	}
	assert((size_t)n == strlen(sbuf));
	assert(utf8_ok((const uint8_t *)sbuf, (size_t)n));
	assert(json_str_eq(s, t, i, sbuf) == 1);
	if (n > 0) {
		sbuf[n - 1] ^= 1;
		if (sbuf[n - 1] != '\0')
			assert(json_str_eq(s, t, i, sbuf) == 0);
		sbuf[n - 1] ^= 1;
	}
	/* Round trip through the writer. */
	jw_init(&w, wbuf, sizeof(wbuf));
	jw_str(&w, sbuf, (size_t)n);
	assert(!w.ovf);
	r = json_parse(wbuf, w.len, toks2, 4, 1, &err);
	assert(r == 1 && toks2[0].type == JSON_STRING);
	assert(json_get_str(wbuf, toks2, 0, sbuf2, sizeof(sbuf2)) == n);
	assert(memcmp(sbuf, sbuf2, (size_t)n) == 0);
	/* A writer too small takes the whole string back. */
	if (w.len > 0) {
		char *small = malloc(w.len);

		assert(small != NULL);
		jw_init(&w, small, w.len);
		jw_raw(&w, "x");
		jw_str(&w, sbuf, (size_t)n);
		assert(w.ovf && w.len == 1 && strcmp(small, "x") == 0);
		free(small);
	}
}

static void
check_number(const char *s, const struct json_tok *t, int i)
{
	char num[4200];
	size_t len = t[i].end - t[i].start;
	long long v, ref;
	char *end;
	double d;

	if (len >= sizeof(num))
		return;
	memcpy(num, s + t[i].start, len);
	num[len] = '\0';
	d = strtod(num, &end);
	assert(*end == '\0');
	/* Python: a number is false iff it reads as zero. */
	assert(json_truthy(s, t, i) == (d != 0.0));
	if (json_get_int(s, t, i, &v) == 0) {
		/* Exactly an integer: the nearest double is the same. */
		assert((double)v == d);
	}
	if (strpbrk(num, ".eE") == NULL) {
		errno = 0;
		ref = strtoll(num, &end, 10);
		if (errno == 0) {
			assert(json_get_int(s, t, i, &v) == 0 && v == ref);
		} else
			assert(json_get_int(s, t, i, &v) == -1);
	}
}

static void
walk(const char *s, size_t len, const struct json_tok *t, int n)
{
	uint32_t m;
	int i, k, v;
	long kl;

	assert((int)t[0].next == n);
	for (i = 0; i < n; i++) {
		assert(t[i].start <= t[i].end && t[i].end <= len);
		assert((int)t[i].next > i && (int)t[i].next <= n);
		switch (t[i].type) {
		case JSON_NULL:
		case JSON_TRUE:
		case JSON_FALSE:
			assert(t[i].next == (uint32_t)i + 1);
			assert(json_truthy(s, t, i) ==
			    (t[i].type == JSON_TRUE));
			break;
		case JSON_NUMBER:
			assert(t[i].next == (uint32_t)i + 1);
			check_number(s, t, i);
			break;
		case JSON_STRING:
			assert(t[i].next == (uint32_t)i + 1);
			assert(t[i].start > 0 && s[t[i].start - 1] == '"');
			assert(t[i].end < len && s[t[i].end] == '"');
			check_string(s, t, i);
			assert(json_truthy(s, t, i) ==
			    (t[i].end > t[i].start));
			break;
		case JSON_ARRAY:
		case JSON_OBJECT:
			/* Children tile (i, next) exactly. */
			k = i + 1;
			for (m = 0; m < t[i].size; m++) {
				assert(k < (int)t[i].next);
				if (t[i].type == JSON_OBJECT) {
					assert(t[k].type == JSON_STRING);
					v = k + 1;
					kl = json_get_str(s, t, k, sbuf,
					    sizeof(sbuf));
					if (kl >= 0) {
						int g = json_obj_get(s, t, i,
						    sbuf);

						/* The last one wins. */
						assert(g >= v &&
						    g < (int)t[i].next);
						assert(json_str_eq(s, t,
						    g - 1, sbuf));
					}
					k = (int)t[v].next;
				} else
					k = (int)t[k].next;
			}
			assert(k == (int)t[i].next);
			assert(json_truthy(s, t, i) == (t[i].size > 0));
			(void)json_obj_get(s, t, i, "method");
			break;
		default:
			assert(!"bad token type");
		}
		(void)json_get_int(s, t, i, &(long long){ 0 });
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *err = NULL;
	struct json_tok *exact;
	struct jw w;
	int n, r, depth;

	n = json_parse(s, size, toks, JSON_MAX_TOKENS + 1, JSON_MAX_DEPTH,
	    &err);
	if (n < 0) {
		assert(n == -1 && err != NULL && err[0] != '\0');
	} else {
		assert(n >= 1 && n <= JSON_MAX_TOKENS + 1);
		walk(s, size, toks, n);
		depth = max_depth(toks, n);
		assert(depth <= JSON_MAX_DEPTH);
		/* Exactly enough tokens (heap, so overruns are seen). */
		exact = malloc((size_t)n * sizeof(*exact));
		assert(exact != NULL);
		assert(json_parse(s, size, exact, n, depth, &err) == n);
		assert(memcmp(exact, toks, (size_t)n * sizeof(*exact)) == 0);
		assert(json_parse(s, size, exact, n - 1, JSON_MAX_DEPTH,
		    &err) == -1);
		if (depth > 0)
			assert(json_parse(s, size, exact, n, depth - 1,
			    &err) == -1);
		free(exact);
	}
	/* Any bytes through the writer: always valid JSON; back as they
	 * were iff they were valid UTF-8 (else with U+FFFD in place of each
	 * invalid byte). */
	jw_init(&w, wbuf, sizeof(wbuf));
	jw_str(&w, s, size < 65536 ? size : 65536);
	if (!w.ovf) {
		r = json_parse(wbuf, w.len, toks2, 4, 1, &err);
		assert(r == 1);
		assert(utf8_ok((const uint8_t *)wbuf, w.len));
		if (!utf8_ok(data, size < 65536 ? size : 65536))
			assert(ew_memmem(wbuf, w.len, "\\ufffd", 6) != NULL);
		else if (memchr(s, '\0', size < 65536 ? size : 65536) ==
		    NULL) {
			assert(json_get_str(wbuf, toks2, 0, sbuf2,
			    sizeof(sbuf2)) == (long)(size < 65536 ? size :
			    65536));
			assert(memcmp(sbuf2, s, size < 65536 ? size : 65536)
			    == 0);
		}
	}
	return 0;
}
