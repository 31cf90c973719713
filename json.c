/*
 * json.c - a strict RFC 8259 reader into a caller token array and a
 * bounded writer.
 *
 * The reader copies jsmn's shape (tokens are offsets into the input, the
 * caller supplies the array) but not its leniency.  It is iterative: an
 * open array or object keeps its parent's index in its own `next` field
 * until it closes, so nesting needs no stack and no recursion, and the
 * depth limit is just a counter.  It never reads s[len].  Error messages
 * follow Python's json module ("Expecting value: line 1 column 5 (char
 * 4)"), as etherws 1.3's did; the control endpoint reports them as
 * "not JSON: <msg>".
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "fmt.h"
#include "json.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* Reader */

enum jp_state {
	ST_VALUE,	/* a value must come */
	ST_FIRST,	/* after '[': a value or ']' */
	ST_KEY,		/* after ',' in an object: a key must come */
	ST_FIRSTKEY,	/* after '{': a key or '}' */
	ST_COLON,	/* after a key */
	ST_NEXT,	/* after an element or member: ',' or the close */
	ST_DONE		/* after the top-level value: only whitespace */
};

struct jp {
	const char	*s;
	size_t		 len;
	size_t		 pos;
	struct json_tok	*tok;
	int		 ntok;
	int		 n;		/* tokens used */
	int		 parent;	/* innermost open container, or -1 */
	int		 depth;		/* open containers */
	int		 maxdepth;
	enum jp_state	 st;
	const char	*err;		/* static reason, no position */
	size_t		 errpos;
};

static int
jp_fail(struct jp *p, const char *msg, size_t pos)
{
	p->err = msg;
	p->errpos = pos;
	return -1;
}

/*
 * Python counts lines, columns and chars in code points, so count only
 * bytes that start one.  Only called on errors; the buffer is static
 * because the header promises a static message (we have no threads).
 */
static const char *
jp_errmsg(const char *s, size_t len, const char *msg, size_t pos)
{
	static char buf[160];
	unsigned long line = 1, col = 1, ch = 0;
	size_t i;

	for (i = 0; i < pos && i < len; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue;
		ch++;
		col++;
		if (s[i] == '\n') {
			line++;
			col = 1;
		}
	}
	ew_snprintf(buf, sizeof(buf), "%s: line %lu column %lu (char %lu)",
	    msg, line, col, ch);
	return buf;
}

static void
jp_skip_ws(struct jp *p)
{
	char c;

	while (p->pos < p->len) {
		c = p->s[p->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

/* Take the next token; it spans [start, end) until someone says else. */
static int
jp_tok(struct jp *p, enum json_type type, size_t start, size_t end)
{
	struct json_tok *t;

	if (p->n >= p->ntok)
		return jp_fail(p, "Too many tokens", start);
	t = &p->tok[p->n];
	t->type = type;
	t->start = (uint32_t)start;
	t->end = (uint32_t)end;
	t->size = 0;
	t->next = (uint32_t)p->n + 1;
	return p->n++;
}

/* What may follow a complete value. */
static void
jp_after_value(struct jp *p)
{
	p->st = p->parent < 0 ? ST_DONE : ST_NEXT;
}

/* The 4 hex digits at s[i..i+4) as a code unit, or -1 (also if short). */
static long
hex4(const char *s, size_t i, size_t len)
{
	long v = 0;
	size_t k;
	int d;

	if (i > len || len - i < 4)
		return -1;
	for (k = 0; k < 4; k++) {
		if ((d = ew_hexval((unsigned char)s[i + k])) < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/*
 * Check the escape whose backslash is at i (string opened at q).  Returns
 * the offset past it, or -1.  A \u high surrogate must be followed by a
 * \u low one: a lone half cannot be turned into UTF-8.
 */
static long
jp_escape(struct jp *p, size_t i, size_t q)
{
	long cu, lo;

	if (i + 1 >= p->len)
		return jp_fail(p, "Unterminated string starting at", q);
	if (p->s[i + 1] != '\0' && strchr("\"\\/bfnrt", p->s[i + 1]) != NULL)
		return (long)i + 2;
	if (p->s[i + 1] != 'u')
		return jp_fail(p, "Invalid \\escape", i);
	if ((cu = hex4(p->s, i + 2, p->len)) < 0)
		return jp_fail(p, "Invalid \\uXXXX escape", i + 1);
	if (cu >= 0xdc00 && cu <= 0xdfff)
		return jp_fail(p, "Invalid \\uXXXX surrogate pair", i + 1);
	if (cu < 0xd800 || cu > 0xdbff)
		return (long)i + 6;
	if (i + 7 >= p->len || p->s[i + 6] != '\\' || p->s[i + 7] != 'u')
		return jp_fail(p, "Invalid \\uXXXX surrogate pair", i + 1);
	if ((lo = hex4(p->s, i + 8, p->len)) < 0)
		return jp_fail(p, "Invalid \\uXXXX escape", i + 7);
	if (lo < 0xdc00 || lo > 0xdfff)
		return jp_fail(p, "Invalid \\uXXXX surrogate pair", i + 1);
	return (long)i + 12;
}

/* String at p->pos (the opening quote) into a new token, key or value. */
static int
jp_string(struct jp *p)
{
	size_t q = p->pos, i = q + 1, n;
	unsigned char c;
	long r;
	int t;

	if ((t = jp_tok(p, JSON_STRING, i, i)) < 0)
		return -1;
	while (i < p->len) {
		c = (unsigned char)p->s[i];
		if (c == '"') {
			p->tok[t].end = (uint32_t)i;
			p->pos = i + 1;
			return t;
		}
		if (c == '\\') {
			if ((r = jp_escape(p, i, q)) < 0)
				return -1;
			i = (size_t)r;
		} else if (c < 0x20)
			return jp_fail(p, "Invalid control character at", i);
		else if (c < 0x80)
			i++;
		else if ((n = ew_utf8_seq((const unsigned char *)p->s + i,
		    p->len - i)) == 0)
			return jp_fail(p, "Invalid UTF-8", i);
		else
			i += n;
	}
	return jp_fail(p, "Unterminated string starting at", q);
}

static size_t
jp_digits(struct jp *p, size_t i)
{
	while (i < p->len && ew_isdigit((unsigned char)p->s[i]))
		i++;
	return i;
}

/*
 * Number at p->pos.  Like Python's number pattern, a fraction or an
 * exponent is taken only when digits follow, so "01", "1." and "1e"
 * leave a stray byte that the caller rejects as extra data.
 */
static int
jp_number(struct jp *p)
{
	size_t i = p->pos, j;
	int t;

	if (i < p->len && p->s[i] == '-')
		i++;
	if (i >= p->len || !ew_isdigit((unsigned char)p->s[i]))
		return jp_fail(p, "Expecting value", p->pos);
	i = p->s[i] == '0' ? i + 1 : jp_digits(p, i);
	if (i + 1 < p->len && p->s[i] == '.' &&
	    ew_isdigit((unsigned char)p->s[i + 1]))
		i = jp_digits(p, i + 2);
	if (i < p->len && ew_lower((unsigned char)p->s[i]) == 'e') {
		j = i + 1;
		if (j < p->len && (p->s[j] == '+' || p->s[j] == '-'))
			j++;
		if (j < p->len && ew_isdigit((unsigned char)p->s[j]))
			i = jp_digits(p, j);
	}
	if ((t = jp_tok(p, JSON_NUMBER, p->pos, i)) < 0)
		return -1;
	p->pos = i;
	return t;
}

/* true, false, null; anything else (NaN, True, nul) is no value. */
static int
jp_word(struct jp *p)
{
	static const struct {
		const char	*w;
		size_t		 n;
		enum json_type	 type;
	} words[] = {
		{ "true", 4, JSON_TRUE },
		{ "false", 5, JSON_FALSE },
		{ "null", 4, JSON_NULL },
	};
	size_t k;
	int t;

	for (k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
		if (p->len - p->pos < words[k].n ||
		    memcmp(p->s + p->pos, words[k].w, words[k].n) != 0)
			continue;
		if ((t = jp_tok(p, words[k].type, p->pos,
		    p->pos + words[k].n)) < 0)
			return -1;
		p->pos += words[k].n;
		return t;
	}
	return jp_fail(p, "Expecting value", p->pos);
}

/* '[' or '{' at p->pos: the new container becomes the parent. */
static int
jp_open(struct jp *p, enum json_type type)
{
	int t;

	if (p->depth >= p->maxdepth)
		return jp_fail(p, "Nesting too deep", p->pos);
	if ((t = jp_tok(p, type, p->pos, p->pos + 1)) < 0)
		return -1;
	/* Until it closes, next links to the parent (unused at depth 0). */
	p->tok[t].next = p->parent < 0 ? 0 : (uint32_t)p->parent;
	p->parent = t;
	p->depth++;
	p->pos++;
	p->st = type == JSON_ARRAY ? ST_FIRST : ST_FIRSTKEY;
	return t;
}

/* ']' or '}' at p->pos closes the parent; its subtree ends here. */
static void
jp_close(struct jp *p)
{
	struct json_tok *t = &p->tok[p->parent];

	p->pos++;
	t->end = (uint32_t)p->pos;
	p->depth--;
	p->parent = p->depth == 0 ? -1 : (int)t->next;
	t->next = (uint32_t)p->n;
	jp_after_value(p);
}

static int
jp_value(struct jp *p)
{
	char c;

	if (p->parent >= 0 && p->tok[p->parent].type == JSON_ARRAY)
		p->tok[p->parent].size++;
	if (p->pos >= p->len)
		return jp_fail(p, "Expecting value", p->pos);
	c = p->s[p->pos];
	if (c == '[')
		return jp_open(p, JSON_ARRAY);
	if (c == '{')
		return jp_open(p, JSON_OBJECT);
	if (c == '"') {
		if (jp_string(p) < 0)
			return -1;
	} else if (c == '-' || ew_isdigit((unsigned char)c)) {
		if (jp_number(p) < 0)
			return -1;
	} else if (jp_word(p) < 0)
		return -1;
	jp_after_value(p);
	return 0;
}

static int
jp_key(struct jp *p)
{
	if (p->pos >= p->len || p->s[p->pos] != '"')
		return jp_fail(p, "Expecting property name enclosed in "
		    "double quotes", p->pos);
	p->tok[p->parent].size++;
	if (jp_string(p) < 0)
		return -1;
	p->st = ST_COLON;
	return 0;
}

/* After an element or member: ',' or the parent's closing bracket. */
static int
jp_next(struct jp *p)
{
	int arr = p->tok[p->parent].type == JSON_ARRAY;
	/* At the end, NUL stands in: it is neither ',' nor a bracket. */
	char c = p->pos < p->len ? p->s[p->pos] : '\0';

	if (c == ',') {
		p->pos++;
		p->st = arr ? ST_VALUE : ST_KEY;
		return 0;
	}
	if (c == (arr ? ']' : '}')) {
		jp_close(p);
		return 0;
	}
	return jp_fail(p, "Expecting ',' delimiter", p->pos);
}

/* One state transition at the next non-blank byte. */
static int
jp_step(struct jp *p)
{
	int more = p->pos < p->len;
	char c = more ? p->s[p->pos] : '\0';

	switch (p->st) {
	case ST_FIRST:
		if (more && c == ']') {
			jp_close(p);
			return 0;
		}
		return jp_value(p);
	case ST_VALUE:
		return jp_value(p);
	case ST_FIRSTKEY:
		if (more && c == '}') {
			jp_close(p);
			return 0;
		}
		return jp_key(p);
	case ST_KEY:
		return jp_key(p);
	case ST_COLON:
		if (!more || c != ':')
			return jp_fail(p, "Expecting ':' delimiter", p->pos);
		p->pos++;
		p->st = ST_VALUE;
		return 0;
	case ST_NEXT:
		return jp_next(p);
	case ST_DONE:
		break;
	}
	if (more)
		return jp_fail(p, "Extra data", p->pos);
	return 0;
}

int
json_parse(const char *s, size_t len, struct json_tok *tok, int ntok,
    int maxdepth, const char **err)
{
	struct jp p;

	memset(&p, 0, sizeof(p));
	p.s = s;
	p.len = len;
	p.tok = tok;
	p.ntok = ntok;
	p.parent = -1;
	p.maxdepth = maxdepth;
	p.st = ST_VALUE;
	if (len > UINT32_MAX) {		/* offsets are 32-bit */
		*err = "Document too large";
		return -1;
	}
	for (;;) {
		jp_skip_ws(&p);
		if (p.st == ST_DONE && p.pos == len)
			return p.n;
		if (jp_step(&p) < 0)
			break;
	}
	*err = jp_errmsg(s, len, p.err, p.errpos);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Token accessors.  They trust that the tokens came from json_parse on
 * the same s, so strings and numbers are known to be well formed. */

static int
utf8_put(unsigned long cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Decode one unit of a parsed string at s[*i] into out and advance *i.
 * Returns the number of bytes (1..4), or 0 for U+0000, which no C
 * string can hold.  Raw UTF-8 is passed through a byte at a time.
 */
static int
str_unit(const char *s, uint32_t *i, char out[4])
{
	unsigned long cp;
	char c = s[*i];

	*i += 1;
	if (c != '\\') {
		out[0] = c;
		return 1;
	}
	c = s[*i];
	*i += 1;
	switch (c) {
	case 'b': out[0] = '\b'; return 1;
	case 'f': out[0] = '\f'; return 1;
	case 'n': out[0] = '\n'; return 1;
	case 'r': out[0] = '\r'; return 1;
	case 't': out[0] = '\t'; return 1;
	case 'u': break;
	default: out[0] = c; return 1;	/* " \ / */
	}
	cp = (unsigned long)hex4(s, *i, SIZE_MAX);
	*i += 4;
	if (cp >= 0xd800 && cp <= 0xdbff) {	/* json_parse saw the pair */
		cp = 0x10000 + ((cp - 0xd800) << 10) +
		    ((unsigned long)hex4(s, *i + 2, SIZE_MAX) - 0xdc00);
		*i += 6;
	}
	if (cp == 0)
		return 0;
	return utf8_put(cp, out);
}

int
json_str_eq(const char *s, const struct json_tok *tok, int i,
    const char *lit)
{
	uint32_t p;
	size_t n = 0;
	char u[4];
	int k, j;

	if (tok[i].type != JSON_STRING)
		return 0;
	for (p = tok[i].start; p < tok[i].end; n += (size_t)k) {
		if ((k = str_unit(s, &p, u)) == 0)
			return 0;
		/* Byte by byte: lit's NUL stops us (u holds no NUL). */
		for (j = 0; j < k; j++)
			if (lit[n + (size_t)j] != u[j])
				return 0;
	}
	return lit[n] == '\0';
}

int
json_obj_get(const char *s, const struct json_tok *tok, int obj,
    const char *key)
{
	uint32_t m;
	int k, found = -1;

	if (tok[obj].type != JSON_OBJECT)
		return -1;
	k = obj + 1;
	for (m = 0; m < tok[obj].size; m++) {
		/* Keep looking: like a Python dict, the last one wins. */
		if (json_str_eq(s, tok, k, key))
			found = k + 1;
		k = (int)tok[k + 1].next;
	}
	return found;
}

long
json_get_str(const char *s, const struct json_tok *tok, int i,
    char *out, size_t cap)
{
	uint32_t p;
	size_t n = 0;
	char u[4];
	int k;

	if (cap > 0)
		out[0] = '\0';
	if (tok[i].type != JSON_STRING)
		return -1;
	for (p = tok[i].start; p < tok[i].end; n += (size_t)k) {
		k = str_unit(s, &p, u);
		/* >=: the terminating NUL must fit as well. */
		if (k == 0 || (size_t)k >= cap - n) {
			if (cap > 0)
				out[0] = '\0';
			return -1;
		}
		memcpy(out + n, u, (size_t)k);
	}
	if (cap == 0)
		return -1;
	out[n] = '\0';
	return (long)n;
}

/*
 * A parsed number seen as its decimal digits d[0..nd) (the integer and
 * fraction digits, without the '.') times 10^scale.  The exponent is
 * saturated so that absurd ones cannot overflow the arithmetic.
 */
#define NUM_EXP_SAT	1000000000LL

struct num {
	int		 neg;
	const char	*ip;	/* integer digits */
	uint32_t	 ni;
	const char	*fp;	/* fraction digits */
	uint32_t	 nf;
	long long	 scale;	/* exponent - nf */
	long long	 nd;
};

static void
num_split(const char *s, const struct json_tok *t, struct num *n)
{
	uint32_t i = t->start, e = t->end;
	long long x = 0;
	int eneg = 0;

	memset(n, 0, sizeof(*n));
	if (s[i] == '-') {
		n->neg = 1;
		i++;
	}
	n->ip = s + i;
	while (i < e && ew_isdigit((unsigned char)s[i]))
		i++, n->ni++;
	if (i < e && s[i] == '.') {
		n->fp = s + ++i;
		while (i < e && ew_isdigit((unsigned char)s[i]))
			i++, n->nf++;
	}
	if (i < e) {			/* 'e' or 'E' */
		i++;
		if (s[i] == '+' || s[i] == '-')
			eneg = s[i++] == '-';
		for (; i < e; i++)
			if (x < NUM_EXP_SAT)
				x = x * 10 + (s[i] - '0');
	}
	n->scale = (eneg ? -x : x) - n->nf;
	n->nd = (long long)n->ni + n->nf;
}

static int
num_digit(const struct num *n, long long k)
{
	if (k < n->ni)
		return n->ip[k] - '0';
	return n->fp[k - n->ni] - '0';
}

/* Index of the first (dir 1) or last (dir -1) non-zero digit, or -1. */
static long long
num_nonzero(const struct num *n, int dir)
{
	long long k;

	for (k = dir > 0 ? 0 : n->nd - 1; k >= 0 && k < n->nd; k += dir)
		if (num_digit(n, k) != 0)
			return k;
	return -1;
}

int
json_get_int(const char *s, const struct json_tok *tok, int i,
    long long *v)
{
	unsigned long long acc = 0, lim;
	long long f, l, k, scale;
	struct num n;

	if (tok[i].type != JSON_NUMBER)
		return -1;
	num_split(s, &tok[i], &n);
	if ((f = num_nonzero(&n, 1)) < 0) {	/* 0, -0, 0.0, 0e9 */
		*v = 0;
		return 0;
	}
	l = num_nonzero(&n, -1);
	scale = n.scale + (n.nd - 1 - l);	/* trailing zeros moved out */
	/* A fraction left, or more digits than any long long has. */
	if (scale < 0 || (l - f + 1) + scale > 19)
		return -1;
	lim = n.neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
	for (k = f; k <= l + scale; k++) {
		int d = k <= l ? num_digit(&n, k) : 0;

		if (acc > (lim - (unsigned)d) / 10)
			return -1;
		acc = acc * 10 + (unsigned)d;
	}
	if (n.neg)
		*v = acc == lim ? LLONG_MIN : -(long long)acc;
	else
		*v = (long long)acc;
	return 0;
}

/*
 * Python reads a number with a fraction or exponent as a double, so one
 * at or below half the smallest subnormal, 2^-1075 (about 2.47e-324),
 * rounds (to even) to 0.0 and is false.  Only magnitude 10^-324 needs a
 * real comparison: the digits against those of 2^-1075 = 5^1075 *
 * 10^-1075, whose 752 digits are made here (rarely needed, so made on
 * demand rather than kept) -- exact, and no strtod.
 */
#define HALF_TINY_DIGITS	752
static int
num_underflows(const struct num *n, long long f, long long l)
{
	uint8_t d[HALF_TINY_DIGITS];	/* 5^1075, least significant first */
	long long mag = n->scale + (n->nd - 1 - f), k;
	size_t nd = 1, j;
	unsigned carry, v;
	int a, b;

	if (mag < -324)
		return 1;
	if (mag > -324)
		return 0;
	d[0] = 1;
	for (k = 0; k < 1075; k++) {
		for (carry = 0, j = 0; j < nd; j++) {
			v = d[j] * 5u + carry;
			d[j] = (uint8_t)(v % 10);
			carry = v / 10;
		}
		if (carry != 0 && nd < sizeof(d))
			d[nd++] = (uint8_t)carry;
	}
	/* most significant first: our digits f..l against d[nd-1]..d[0] */
	for (k = f, j = nd; k <= l || j > 0; k++) {
		a = k <= l ? num_digit(n, k) : 0;
		b = j > 0 ? d[--j] : 0;
		if (a != b)
			return a < b;
	}
	return 1;	/* exactly half: to even, 0.0 */
}

int
json_truthy(const char *s, const struct json_tok *tok, int i)
{
	struct num n;
	long long f;

	switch (tok[i].type) {
	case JSON_NULL:
	case JSON_FALSE:
		return 0;
	case JSON_TRUE:
		return 1;
	case JSON_STRING:
		return tok[i].end > tok[i].start;
	case JSON_ARRAY:
	case JSON_OBJECT:
		return tok[i].size > 0;
	case JSON_NUMBER:
		break;
	}
	num_split(s, &tok[i], &n);
	if ((f = num_nonzero(&n, 1)) < 0)
		return 0;
	return !num_underflows(&n, f, num_nonzero(&n, -1));
}

/* ------------------------------------------------------------------ */
/* Writer.  Each call appends all of its output or, on overflow, none of
 * it: the buffer then holds exactly what earlier calls wrote. */

void
jw_init(struct jw *w, char *buf, size_t cap)
{
	w->buf = buf;
	w->len = 0;
	w->cap = cap;
	w->ovf = 0;
	if (cap > 0)
		buf[0] = '\0';
}

void
jw_put(struct jw *w, const char *p, size_t n)
{
	if (w->ovf)
		return;
	if (w->cap == 0 || n >= w->cap - w->len) {	/* room for NUL */
		w->ovf = 1;
		return;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

void
jw_raw(struct jw *w, const char *s)
{
	jw_put(w, s, strlen(s));
}

/*
 * The escape for s[i] into esc, or 0 if the byte goes as is; *adv: the
 * bytes it stands for.  "</" becomes "<\/" so that the output can sit
 * inside an HTML <script>.  Well-formed UTF-8 goes as is; any other byte
 * >= 0x80 becomes U+FFFD, escaped: whatever a peer sent (a proxy's
 * reason phrase, a name), the reply is valid JSON, in UTF-8.
 */
static size_t
jw_esc(const char *s, size_t len, size_t i, char esc[8], size_t *adv)
{
	unsigned char c = (unsigned char)s[i];
	const char *e;

	*adv = 1;
	switch (c) {
	case '"': e = "\\\""; break;
	case '\\': e = "\\\\"; break;
	case '\b': e = "\\b"; break;
	case '\f': e = "\\f"; break;
	case '\n': e = "\\n"; break;
	case '\r': e = "\\r"; break;
	case '\t': e = "\\t"; break;
	case '/':
		if (i == 0 || s[i - 1] != '<')
			return 0;
		e = "\\/";
		break;
	default:
		if (c >= 0x80) {
			*adv = ew_utf8_seq((const unsigned char *)s + i,
			    len - i);
			if (*adv > 0)
				return 0;
			*adv = 1;
			memcpy(esc, "\\ufffd", 6);
			return 6;
		}
		if (c >= 0x20)
			return 0;
		ew_snprintf(esc, 8, "\\u%04x", c);
		return 6;
	}
	memcpy(esc, e, 3);
	return 2;
}

void
jw_str(struct jw *w, const char *s, size_t len)
{
	size_t mark = w->len, run = 0, i, n, adv;
	int was = w->ovf;
	char esc[8];

	jw_put(w, "\"", 1);
	for (i = 0; i < len; i += adv) {
		if ((n = jw_esc(s, len, i, esc, &adv)) == 0)
			continue;
		jw_put(w, s + run, i - run);
		jw_put(w, esc, n);
		run = i + adv;
	}
	jw_put(w, s + run, len - run);
	jw_put(w, "\"", 1);
	if (w->ovf && !was) {		/* take back the partial string */
		w->len = mark;
		if (w->cap > 0)
			w->buf[mark] = '\0';
	}
}

void
jw_cstr(struct jw *w, const char *s)
{
	if (s == NULL)
		jw_raw(w, "null");
	else
		jw_str(w, s, strlen(s));
}

void
jw_int(struct jw *w, long long v)
{
	char b[24];

	ew_snprintf(b, sizeof(b), "%lld", v);
	jw_raw(w, b);
}

void
jw_member_int(struct jw *w, const char *pre, long long v)
{
	jw_raw(w, pre);
	jw_int(w, v);
}

void
jw_member_str(struct jw *w, const char *pre, const char *v)
{
	jw_raw(w, pre);
	jw_cstr(w, v);
}
