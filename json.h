/*
 * json.h - strict RFC 8259 reader into a caller token array, and a
 * bounded writer (json.c)
 */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>
#include <stdint.h>

enum json_type {
	JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING,
	JSON_ARRAY, JSON_OBJECT
};
struct json_tok {
	enum json_type	type;
	uint32_t	start;	/* offset of the first byte (string: after ") */
	uint32_t	end;	/* offset past the last byte (string: at ") */
	uint32_t	size;	/* array: elements; object: members */
	uint32_t	next;	/* index of the token after this subtree */
};
/*
 * Parses exactly one JSON value (surrounding whitespace allowed) from
 * (s, len).  Object members are a STRING key token followed by the value's
 * tokens.  Returns the number of tokens used (>= 1), or -1 with *err set
 * to a static message saying what is wrong and where ("Expecting value:
 * line 1 column 5 (char 4)" style).  Rejects: trailing commas, bare words,
 * leading zeros, bad escapes, lone surrogates, control characters and
 * invalid UTF-8 in strings, nesting deeper than maxdepth, more than ntok
 * tokens.
 */
int json_parse(const char *s, size_t len, struct json_tok *tok, int ntok,
    int maxdepth, const char **err);
/* Index of the value of member key in object token obj, or -1. */
int json_obj_get(const char *s, const struct json_tok *tok, int obj,
    const char *key);
/* 1 if token i is a string equal to the (unescaped) literal lit. */
int json_str_eq(const char *s, const struct json_tok *tok, int i,
    const char *lit);
/* Unescape string token i into out (NUL-terminated).  Returns the length,
 * or -1 if i is not a string, contains U+0000, or does not fit. */
long json_get_str(const char *s, const struct json_tok *tok, int i,
    char *out, size_t cap);
/* Integral number token (3, -2, 3.0, 1e2) into *v: 0 ok, -1 otherwise. */
int json_get_int(const char *s, const struct json_tok *tok, int i,
    long long *v);
/* Python truthiness of token i: false, null, 0, "", [], {} are false. */
int json_truthy(const char *s, const struct json_tok *tok, int i);

/* Writer: appends to a caller buffer; on overflow sets ovf and stops. */
struct jw {
	char	*buf;
	size_t	 len, cap;
	int	 ovf;
};
void jw_init(struct jw *, char *buf, size_t cap);
void jw_raw(struct jw *, const char *s);		/* verbatim */
void jw_put(struct jw *, const char *p, size_t n);	/* n bytes verbatim */
/* "quoted": valid JSON in UTF-8 whatever s holds (control bytes escaped,
 * each byte of invalid UTF-8 as \ufffd) */
void jw_str(struct jw *, const char *s, size_t len);
void jw_cstr(struct jw *, const char *s);		/* "quoted" or null */
void jw_int(struct jw *, long long v);
/* jw_raw(pre), then the value: for members, pre is `, "name": ` */
void jw_member_int(struct jw *, const char *pre, long long v);
void jw_member_str(struct jw *, const char *pre, const char *v);

#endif /* JSON_H */
