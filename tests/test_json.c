/*
 * test_json.c - json.c: a table of valid (y_) and invalid (n_) documents
 * in the manner of JSONTestSuite, token structure, limits, every escape,
 * UTF-8, the accessors and the writer.  Every document is parsed from a
 * buffer that ends right before a PROT_NONE page, and so is every prefix
 * of it, so any read past len faults.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "defs.h"
#include "json.h"
#include "t.h"

#define NTOK	256
#define DEPTH	JSON_MAX_DEPTH

/* ------------------------------------------------------------------ */
/* Guard pages */

/* Slot 0 holds the input being parsed, slot 1 an output buffer. */
static char	*g_map[2];
static size_t	 g_maplen[2];

/*
 * Copy (doc, len) so that it ends where a PROT_NONE page begins and
 * return the copy; it stays valid until the next call for that slot.
 */
static char *
guard(int slot, const void *doc, size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t npg = (len + pg - 1) / pg + (len == 0);
	char *m;

	if (g_map[slot] != NULL)
		munmap(g_map[slot], g_maplen[slot]);
	g_maplen[slot] = (npg + 1) * pg;
	m = mmap(NULL, g_maplen[slot], PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || mprotect(m + npg * pg, pg, PROT_NONE) != 0) {
		perror("mmap");
		exit(2);
	}
	g_map[slot] = m;
	if (len > 0)
		memcpy(m + npg * pg - len, doc, len);
	return m + npg * pg - len;
}

/* Parse at a guard page; the tokens and *sp stay valid until next use. */
static int
gparse(const char *doc, size_t len, struct json_tok *tok, int ntok,
    int maxdepth, const char **sp, const char **err)
{
	const char *s = guard(0, doc, len);

	*err = NULL;
	if (sp != NULL)
		*sp = s;
	return json_parse(s, len, tok, ntok, maxdepth, err);
}

/* ------------------------------------------------------------------ */
/* Token tree invariants: every subtree ends where `next` says, sizes
 * count children, object keys are strings, spans lie in the input. */

static int
walk(const struct json_tok *tok, int n, int i, size_t len)
{
	const struct json_tok *t = &tok[i];
	uint32_t m;
	int j = i + 1;

	if (i >= n || t->start > t->end || t->end > len)
		return -1;
	if (t->type == JSON_ARRAY || t->type == JSON_OBJECT) {
		for (m = 0; m < t->size; m++) {
			if (t->type == JSON_OBJECT) {
				if (j >= n || tok[j].type != JSON_STRING ||
				    tok[j].next != (uint32_t)j + 1)
					return -1;
				j++;
			}
			if ((j = walk(tok, n, j, len)) < 0)
				return -1;
		}
	} else if (t->size != 0)
		return -1;
	return t->next == (uint32_t)j ? j : -1;
}

static int
tree_ok(const struct json_tok *tok, int n, size_t len)
{
	return n >= 1 && walk(tok, n, 0, len) == n;
}

/* ------------------------------------------------------------------ */
/* The document table */

struct doc {
	const char	*name;
	const char	*s;
	size_t		 len;
	int		 ok;
};
#define Y(name, s)	{ name, s, sizeof(s) - 1, 1 }
#define N(name, s)	{ name, s, sizeof(s) - 1, 0 }

static const struct doc docs[] = {
	/* structure */
	Y("y_array_empty", "[]"),
	Y("y_object_empty", "{}"),
	Y("y_array_nested", "[[[]],[{}]]"),
	Y("y_array_mixed", "[1,\"a\",true,false,null,{},[]]"),
	Y("y_object", "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}"),
	Y("y_object_empty_key", "{\"\":0}"),
	Y("y_object_dup_keys", "{\"a\":1,\"a\":2}"),
	Y("y_ws_around", " \t\r\n[ 1 , 2 ]\n\r\t "),
	Y("y_ws_in_object", "{ \"a\" : 1 , \"b\" : 2 }"),
	Y("y_string", "\"abc\""),
	Y("y_string_empty", "\"\""),
	Y("y_true", "true"),
	Y("y_false", "false"),
	Y("y_null", "null"),
	Y("y_null_ws", "  null  "),
	/* numbers */
	Y("y_number_0", "0"),
	Y("y_number_minus_0", "-0"),
	Y("y_number_int", "123"),
	Y("y_number_neg", "-123"),
	Y("y_number_frac", "1.5"),
	Y("y_number_zero_frac", "0.0"),
	Y("y_number_exp", "1e5"),
	Y("y_number_Exp_plus", "1E+5"),
	Y("y_number_exp_minus", "1e-5"),
	Y("y_number_all", "-0.0e-0"),
	Y("y_number_big", "123456789012345678901234567890"),
	Y("y_number_huge_exp", "1e999999999999999999999"),
	Y("y_number_in_array", "[1e2,-3.25E-2,0]"),
	/* strings */
	Y("y_string_escapes", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\""),
	Y("y_string_u", "\"\\u0041\\u00e9\\u20AC\""),
	Y("y_string_u0000", "\"\\u0000\""),
	Y("y_string_uffff", "\"\\uFFFF\""),
	Y("y_string_pair", "\"\\ud83d\\ude00\""),
	Y("y_string_pair_max", "\"\\uDBFF\\uDFFF\""),
	Y("y_string_utf8_2", "\"\xc3\xa9\""),
	Y("y_string_utf8_3", "\"\xe2\x82\xac\""),
	Y("y_string_utf8_4", "\"\xf0\x9f\x98\x80\""),
	Y("y_string_utf8_d7ff", "\"\xed\x9f\xbf\""),
	Y("y_string_utf8_e000", "\"\xee\x80\x80\""),
	Y("y_string_utf8_ffff", "\"\xef\xbf\xbf\""),
	Y("y_string_utf8_10ffff", "\"\xf4\x8f\xbf\xbf\""),
	Y("y_string_utf8_u80", "\"\xc2\x80\""),
	Y("y_string_del", "\"\x7f\""),
	Y("y_string_u2028", "\"\xe2\x80\xa8\""),
	Y("y_string_slash", "\"</script>\""),

	/* structure */
	N("n_empty", ""),
	N("n_ws_only", " \t\r\n"),
	N("n_array_open", "["),
	N("n_array_close", "]"),
	N("n_object_open", "{"),
	N("n_array_trailing_comma", "[1,]"),
	N("n_array_leading_comma", "[,1]"),
	N("n_array_double_comma", "[1,,2]"),
	N("n_array_only_comma", "[,]"),
	N("n_array_no_comma", "[1 2]"),
	N("n_array_unclosed", "[1"),
	N("n_array_unclosed_comma", "[1,"),
	N("n_array_wrong_close", "[1}"),
	N("n_array_extra_close", "[]]"),
	N("n_object_trailing_comma", "{\"a\":1,}"),
	N("n_object_only_comma", "{,}"),
	N("n_object_missing_colon", "{\"a\" 1}"),
	N("n_object_double_colon", "{\"a\"::1}"),
	N("n_object_missing_value", "{\"a\":}"),
	N("n_object_missing_key", "{:1}"),
	N("n_object_bare_key", "{a:1}"),
	N("n_object_single_quotes", "{'a':1}"),
	N("n_object_number_key", "{1:1}"),
	N("n_object_no_comma", "{\"a\":1 \"b\":2}"),
	N("n_object_wrong_close", "{\"a\":1]"),
	N("n_object_unclosed", "{\"a\":1"),
	N("n_object_key_only", "{\"a\"}"),
	N("n_object_extra_close", "{}}"),
	N("n_two_values", "1 2"),
	N("n_two_objects", "{}{}"),
	N("n_trailing_garbage", "[1]x"),
	N("n_trailing_nul", "[1]\0"),
	N("n_leading_nul", "\0[1]"),
	N("n_formfeed_ws", "[1]\f"),
	N("n_vtab_ws", "\v[1]"),
	N("n_nbsp_ws", "\xc2\xa0[1]"),
	N("n_bom", "\xef\xbb\xbf[1]"),
	N("n_comment", "[1]//"),
	/* words */
	N("n_single_quoted", "'a'"),
	N("n_bare_word", "abc"),
	N("n_True", "True"),
	N("n_tru", "tru"),
	N("n_nul", "nul"),
	N("n_nulll", "nulll"),
	N("n_fals", "[fals]"),
	N("n_NaN", "NaN"),
	N("n_Infinity", "Infinity"),
	N("n_minus_Infinity", "-Infinity"),
	N("n_in_array_word", "[true false]"),
	/* numbers */
	N("n_number_leading_zero", "01"),
	N("n_number_leading_zeros", "00"),
	N("n_number_neg_leading_zero", "-01"),
	N("n_number_leading_zero_array", "[01]"),
	N("n_number_plus", "+1"),
	N("n_number_dot_start", ".5"),
	N("n_number_dot_end", "1."),
	N("n_number_dot_exp", "1.e5"),
	N("n_number_exp_empty", "1e"),
	N("n_number_exp_sign_only", "1e+"),
	N("n_number_exp_frac", "1e1.5"),
	N("n_number_minus_only", "-"),
	N("n_number_minus_space", "- 1"),
	N("n_number_hex", "0x10"),
	N("n_number_double_minus", "--1"),
	N("n_number_minus_dot", "-.5"),
	N("n_number_double_dot", "1.2.3"),
	N("n_number_comma_decimal", "1,5"),
	/* strings */
	N("n_string_unterminated", "\"abc"),
	N("n_string_quote_only", "\""),
	N("n_string_backslash_end", "\"\\"),
	N("n_string_escaped_quote_end", "\"\\\""),
	N("n_string_ctl_01", "\"\x01\""),
	N("n_string_ctl_1f", "\"\x1f\""),
	N("n_string_raw_tab", "\"\t\""),
	N("n_string_raw_newline", "\"\n\""),
	N("n_string_raw_nul", "\"\0\""),
	N("n_string_bad_escape", "\"\\a\""),
	N("n_string_escape_x", "\"\\x41\""),
	N("n_string_escape_U", "\"\\U0041\""),
	N("n_string_escape_quote1", "\"\\'\""),
	N("n_string_escape_nul", "\"\\\0\""),
	N("n_string_u_short", "\"\\u12\""),
	N("n_string_u_badhex", "\"\\u12G4\""),
	N("n_string_u_end", "\"\\u"),
	N("n_string_u_end2", "\"\\u00"),
	N("n_string_u_minus", "\"\\u-123\""),
	N("n_string_lone_high", "\"\\ud800\""),
	N("n_string_lone_high_end", "\"\\ud800"),
	N("n_string_high_then_char", "\"\\ud800x\""),
	N("n_string_high_then_bs", "\"\\ud800\\"),
	N("n_string_high_then_bsu", "\"\\ud800\\u"),
	N("n_string_high_then_n", "\"\\ud800\\n\""),
	N("n_string_high_then_bmp", "\"\\ud800\\u0041\""),
	N("n_string_high_high", "\"\\ud800\\ud800\""),
	N("n_string_high_badhex", "\"\\ud800\\udcxx\""),
	N("n_string_lone_low", "\"\\udc00\""),
	N("n_string_low_high", "\"\\udc00\\ud800\""),
	N("n_string_single_quotes", "['a']"),
	/* invalid UTF-8 inside strings */
	N("n_utf8_continuation", "\"\x80\""),
	N("n_utf8_lone_bf", "\"\xbf\""),
	N("n_utf8_overlong_c0", "\"\xc0\xaf\""),
	N("n_utf8_overlong_c1", "\"\xc1\xbf\""),
	N("n_utf8_overlong_e0", "\"\xe0\x80\xaf\""),
	N("n_utf8_overlong_e0_9f", "\"\xe0\x9f\xbf\""),
	N("n_utf8_overlong_f0", "\"\xf0\x80\x80\xaf\""),
	N("n_utf8_overlong_f0_8f", "\"\xf0\x8f\xbf\xbf\""),
	N("n_utf8_surrogate_d800", "\"\xed\xa0\x80\""),
	N("n_utf8_surrogate_dfff", "\"\xed\xbf\xbf\""),
	N("n_utf8_surrogate_pair", "\"\xed\xa0\xbd\xed\xb8\x80\""),
	N("n_utf8_above_10ffff", "\"\xf4\x90\x80\x80\""),
	N("n_utf8_f5", "\"\xf5\x80\x80\x80\""),
	N("n_utf8_f8", "\"\xf8\x88\x80\x80\x80\""),
	N("n_utf8_fe", "\"\xfe\""),
	N("n_utf8_ff", "\"\xff\""),
	N("n_utf8_trunc2", "\"\xc3\""),
	N("n_utf8_trunc3", "\"\xe2\x82\""),
	N("n_utf8_trunc4", "\"\xf0\x9f\x98\""),
	N("n_utf8_trunc_end2", "\"\xc3"),
	N("n_utf8_trunc_end3", "\"\xe2\x82"),
	N("n_utf8_trunc_end4", "\"\xf0\x9f\x98"),
	N("n_utf8_bad_second", "\"\xc3\x28\""),
	N("n_utf8_bad_third", "\"\xe2\x82\x28\""),
	N("n_utf8_bad_fourth", "\"\xf0\x9f\x98\x28\""),
	N("n_utf8_outside_string", "[\xc3\xa9]"),
};

static void
test_table(void)
{
	static struct json_tok tok[NTOK];
	const struct doc *d;
	const char *err, *s;
	size_t k, cut;
	int r, ok;

	for (k = 0; k < sizeof(docs) / sizeof(docs[0]); k++) {
		d = &docs[k];
		r = gparse(d->s, d->len, tok, NTOK, DEPTH, &s, &err);
		ok = d->ok ? r >= 1 && err == NULL && tree_ok(tok, r, d->len) :
		    r == -1 && err != NULL;
		if (!ok)
			fprintf(stderr, "%s: r=%d err=%s\n", d->name, r,
			    err ? err : "(none)");
		CHECK(ok);
		/* Every prefix: nothing may read past the cut. */
		for (cut = 0; cut < d->len; cut++) {
			r = gparse(d->s, cut, tok, NTOK, DEPTH, &s, &err);
			CHECK(r == -1 ? err != NULL : tree_ok(tok, r, cut));
		}
	}
}

/* Messages are Python's, with the position in code points. */
static void
test_messages(void)
{
	static const struct {
		const char	*s;
		const char	*err;
	} m[] = {
		{ "", "Expecting value: line 1 column 1 (char 0)" },
		{ " ", "Expecting value: line 1 column 2 (char 1)" },
		{ "[1,]", "Expecting value: line 1 column 4 (char 3)" },
		{ "{\"a\":1,}", "Expecting property name enclosed in double "
		    "quotes: line 1 column 8 (char 7)" },
		{ "[1 2]", "Expecting ',' delimiter: line 1 column 4 "
		    "(char 3)" },
		{ "{\"a\" 1}", "Expecting ':' delimiter: line 1 column 6 "
		    "(char 5)" },
		{ "1 2", "Extra data: line 1 column 3 (char 2)" },
		{ "01", "Extra data: line 1 column 2 (char 1)" },
		{ "\"abc", "Unterminated string starting at: line 1 "
		    "column 1 (char 0)" },
		{ "\"\x01\"", "Invalid control character at: line 1 "
		    "column 2 (char 1)" },
		{ "\"\\a\"", "Invalid \\escape: line 1 column 2 (char 1)" },
		{ "\"\\u12\"", "Invalid \\uXXXX escape: line 1 column 3 "
		    "(char 2)" },
		{ "\"\xc3\xa9\\a\"", "Invalid \\escape: line 1 column 3 "
		    "(char 2)" },
		{ "\n\n  x", "Expecting value: line 3 column 3 (char 4)" },
		{ "[\"\xe2\x82\xac\",\n x]", "Expecting value: line 2 "
		    "column 2 (char 7)" },
		{ "\"\\ud800\"", "Invalid \\uXXXX surrogate pair: line 1 "
		    "column 3 (char 2)" },
		{ "\"ab\xff\"", "Invalid UTF-8: line 1 column 4 (char 3)" },
		{ "[[[", "Nesting too deep: line 1 column 3 (char 2)" },
	};
	static struct json_tok tok[NTOK];
	const char *err;
	size_t k;

	for (k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		CHECK(gparse(m[k].s, strlen(m[k].s), tok, NTOK, 2, NULL,
		    &err) == -1);
		if (err == NULL || strcmp(err, m[k].err) != 0)
			fprintf(stderr, "got '%s' want '%s'\n",
			    err ? err : "(null)", m[k].err);
		CHECK(err != NULL && strcmp(err, m[k].err) == 0);
	}
	CHECK(gparse("[1]", 3, tok, 1, 2, NULL, &err) == -1);
	CHECK(strcmp(err, "Too many tokens: line 1 column 2 (char 1)") == 0);
}

/* ------------------------------------------------------------------ */
/* Token structure of a real request */

static void
test_rpc_request(void)
{
	static const char req[] = "{\"jsonrpc\": \"2.0\", \"method\": "
	    "\"etherws.control.addPort\", \"id\": 0, \"params\": "
	    "{\"type\": \"tap\", \"target\": \"t%d\", \"options\": "
	    "{\"user\": null}}}";
	static const struct {
		enum json_type	 type;
		const char	*text;
		uint32_t	 size, next;
	} want[] = {
		{ JSON_OBJECT, NULL, 4, 17 },
		{ JSON_STRING, "jsonrpc", 0, 2 },
		{ JSON_STRING, "2.0", 0, 3 },
		{ JSON_STRING, "method", 0, 4 },
		{ JSON_STRING, "etherws.control.addPort", 0, 5 },
		{ JSON_STRING, "id", 0, 6 },
		{ JSON_NUMBER, "0", 0, 7 },
		{ JSON_STRING, "params", 0, 8 },
		{ JSON_OBJECT, NULL, 3, 17 },
		{ JSON_STRING, "type", 0, 10 },
		{ JSON_STRING, "tap", 0, 11 },
		{ JSON_STRING, "target", 0, 12 },
		{ JSON_STRING, "t%d", 0, 13 },
		{ JSON_STRING, "options", 0, 14 },
		{ JSON_OBJECT, NULL, 1, 17 },
		{ JSON_STRING, "user", 0, 16 },
		{ JSON_NULL, "null", 0, 17 },
	};
	struct json_tok tok[32];
	const char *s, *err;
	char buf[64];
	long long v;
	int n, k, p, o;

	n = gparse(req, sizeof(req) - 1, tok, 32, DEPTH, &s, &err);
	CHECK(n == 17);
	if (n != 17)
		return;
	for (k = 0; k < n; k++) {
		CHECK(tok[k].type == want[k].type);
		CHECK(tok[k].size == want[k].size);
		CHECK(tok[k].next == want[k].next);
		if (want[k].text != NULL) {
			CHECK(tok[k].end - tok[k].start ==
			    strlen(want[k].text));
			CHECK(memcmp(s + tok[k].start, want[k].text,
			    strlen(want[k].text)) == 0);
		}
	}
	CHECK(tok[0].start == 0 && tok[0].end == sizeof(req) - 1);
	CHECK(s[tok[8].start] == '{' && s[tok[8].end - 1] == '}');
	CHECK(tok[14].end == sizeof(req) - 3);
	CHECK(tree_ok(tok, n, sizeof(req) - 1));

	CHECK(json_str_eq(s, tok, json_obj_get(s, tok, 0, "jsonrpc"), "2.0"));
	CHECK(json_str_eq(s, tok, json_obj_get(s, tok, 0, "method"),
	    "etherws.control.addPort"));
	CHECK(json_get_int(s, tok, json_obj_get(s, tok, 0, "id"), &v) == 0 &&
	    v == 0);
	p = json_obj_get(s, tok, 0, "params");
	CHECK(p == 8);
	CHECK(json_get_str(s, tok, json_obj_get(s, tok, p, "target"), buf,
	    sizeof(buf)) == 3 && strcmp(buf, "t%d") == 0);
	o = json_obj_get(s, tok, p, "options");
	CHECK(o == 14);
	CHECK(tok[json_obj_get(s, tok, o, "user")].type == JSON_NULL);
	CHECK(json_obj_get(s, tok, o, "passwd") == -1);
	CHECK(json_obj_get(s, tok, 0, "user") == -1);	/* not recursive */
	CHECK(json_obj_get(s, tok, 2, "x") == -1);	/* not an object */
}

/* ------------------------------------------------------------------ */
/* Limits */

/* depth copies of open, then mid, then depth copies of close. */
static char *
nest(const char *open, const char *mid, const char *close, int depth,
    size_t *len)
{
	size_t lo = strlen(open), lm = strlen(mid), lc = strlen(close), k;
	size_t d = (size_t)depth;
	char *b = malloc(d * (lo + lc) + lm + 1);

	if (b == NULL)
		exit(2);
	for (k = 0; k < d; k++)
		memcpy(b + k * lo, open, lo);
	memcpy(b + d * lo, mid, lm);
	for (k = 0; k < d; k++)
		memcpy(b + d * lo + lm + k * lc, close, lc);
	*len = d * (lo + lc) + lm;
	return b;
}

static void
test_depth(void)
{
	static struct json_tok tok[100001];
	const char *err, *s;
	size_t len;
	char *b;
	int r;

	/* 10,000 open brackets, never closed: rejected at depth 33. */
	b = nest("[", "", "", 10000, &len);
	CHECK(gparse(b, len, tok, NTOK, DEPTH, &s, &err) == -1);
	CHECK(err != NULL && strncmp(err, "Nesting too deep", 16) == 0);
	CHECK(strstr(err, "(char 32)") != NULL);
	free(b);

	/* Exactly maxdepth is fine, one more is not. */
	b = nest("[", "", "]", DEPTH, &len);
	CHECK(gparse(b, len, tok, NTOK, DEPTH, &s, &err) == DEPTH);
	CHECK(tree_ok(tok, DEPTH, len));
	CHECK(gparse(b, len, tok, NTOK, DEPTH - 1, &s, &err) == -1);
	free(b);
	b = nest("{\"a\":", "1", "}", DEPTH, &len);
	CHECK(gparse(b, len, tok, NTOK, DEPTH, &s, &err) == 2 * DEPTH + 1);
	CHECK(tree_ok(tok, 2 * DEPTH + 1, len));
	CHECK(gparse(b, len, tok, NTOK, DEPTH - 1, &s, &err) == -1);
	free(b);
	b = nest("[{\"k\":[", "", "]}]", 3, &len);	/* depth 9 */
	CHECK(gparse(b, len, tok, NTOK, 9, &s, &err) == 12);
	CHECK(tree_ok(tok, 12, len));
	CHECK(gparse(b, len, tok, NTOK, 8, &s, &err) == -1);
	free(b);
	CHECK(gparse("1", 1, tok, NTOK, 0, &s, &err) == 1);
	CHECK(gparse("[]", 2, tok, NTOK, 0, &s, &err) == -1);

	/* No recursion: 100,000 levels parse when allowed to. */
	b = nest("[", "", "]", 100000, &len);
	r = gparse(b, len, tok, 100001, INT_MAX, &s, &err);
	CHECK(r == 100000);
	CHECK(r == 100000 && tok[0].next == 100000 &&
	    tok[99999].next == 100000 && tok[0].size == 1 &&
	    tok[99999].size == 0 && tok[50000].end == len - 50000);
	free(b);
}

static void
test_tokens(void)
{
	static const char d[] = "{\"a\":[1,2,{\"b\":null}],\"c\":\"x\"}";
	struct json_tok tok[16];
	const char *err, *s;
	int n, k;

	n = gparse(d, sizeof(d) - 1, tok, 16, DEPTH, &s, &err);
	CHECK(n == 10);
	CHECK(tree_ok(tok, n, sizeof(d) - 1));
	CHECK(gparse(d, sizeof(d) - 1, tok, 10, DEPTH, &s, &err) == 10);
	for (k = 0; k < 10; k++) {
		CHECK(gparse(d, sizeof(d) - 1, tok, k, DEPTH, &s, &err) ==
		    -1);
		CHECK(err != NULL && strncmp(err, "Too many tokens", 15) == 0);
	}
	/* Skipping a value by its next. */
	k = json_obj_get(s, tok, 0, "a");
	CHECK(k == 2 && tok[k].size == 3);
	CHECK(tok[tok[k].next].type == JSON_STRING);
	CHECK(json_str_eq(s, tok, (int)tok[k].next, "c"));
	CHECK(tok[5].type == JSON_OBJECT && tok[5].next == 8);
}

/* ------------------------------------------------------------------ */
/* Strings */

/* Parse doc (one string) and unescape it. */
static long
unescape(const char *doc, char *out, size_t cap)
{
	struct json_tok tok[4];
	const char *err, *s;

	if (gparse(doc, strlen(doc), tok, 4, DEPTH, &s, &err) != 1)
		return -2;
	return json_get_str(s, tok, 0, out, cap);
}

static void
test_strings(void)
{
	static const struct {
		const char	*doc;
		const char	*want;
	} e[] = {
		{ "\"\"", "" },
		{ "\"abc\"", "abc" },
		{ "\"\\\"\"", "\"" },
		{ "\"\\\\\"", "\\" },
		{ "\"\\/\"", "/" },
		{ "\"\\b\"", "\b" },
		{ "\"\\f\"", "\f" },
		{ "\"\\n\"", "\n" },
		{ "\"\\r\"", "\r" },
		{ "\"\\t\"", "\t" },
		{ "\"\\u0041\"", "A" },
		{ "\"\\u0001\"", "\x01" },
		{ "\"\\u007f\"", "\x7f" },
		{ "\"\\u0080\"", "\xc2\x80" },
		{ "\"\\u00e9\"", "\xc3\xa9" },
		{ "\"\\u00E9\"", "\xc3\xa9" },
		{ "\"\\u07ff\"", "\xdf\xbf" },
		{ "\"\\u0800\"", "\xe0\xa0\x80" },
		{ "\"\\u20ac\"", "\xe2\x82\xac" },
		{ "\"\\uffff\"", "\xef\xbf\xbf" },
		{ "\"\\ud800\\udc00\"", "\xf0\x90\x80\x80" },
		{ "\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80" },
		{ "\"\\uD83D\\uDE00\"", "\xf0\x9f\x98\x80" },
		{ "\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf" },
		{ "\"a\\ud83d\\ude00b\\u00e9c\"", "a\xf0\x9f\x98\x80" "b"
		    "\xc3\xa9" "c" },
		{ "\"\xc3\xa9\xf0\x9f\x98\x80\"", "\xc3\xa9\xf0\x9f\x98\x80" },
		{ "\"<\\/script>\"", "</script>" },
		{ "\"\\\\u0041\"", "\\u0041" },
		{ "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t" },
	};
	struct json_tok tok[8];
	const char *err, *s;
	char out[64];
	size_t k;
	long r;

	for (k = 0; k < sizeof(e) / sizeof(e[0]); k++) {
		r = unescape(e[k].doc, out, sizeof(out));
		CHECK(r == (long)strlen(e[k].want));
		CHECK(r >= 0 && strcmp(out, e[k].want) == 0);
		/* str_eq agrees, and is exact. */
		CHECK(gparse(e[k].doc, strlen(e[k].doc), tok, 8, DEPTH, &s,
		    &err) == 1);
		CHECK(json_str_eq(s, tok, 0, e[k].want));
		if (e[k].want[0] != '\0') {
			strcpy(out, e[k].want);
			out[strlen(e[k].want) - 1] ^= 1;
			CHECK(!json_str_eq(s, tok, 0, out));
			strcpy(out, e[k].want);
			out[strlen(e[k].want) - 1] = '\0';
			CHECK(!json_str_eq(s, tok, 0, out));
		}
		strcpy(out, e[k].want);
		strcat(out, "x");
		CHECK(!json_str_eq(s, tok, 0, out));
	}

	/* U+0000 fits no C string. */
	CHECK(unescape("\"\\u0000\"", out, sizeof(out)) == -1);
	CHECK(unescape("\"a\\u0000b\"", out, sizeof(out)) == -1);
	CHECK(gparse("\"a\\u0000\"", 9, tok, 8, DEPTH, &s, &err) == 1);
	CHECK(!json_str_eq(s, tok, 0, "a"));
	CHECK(json_truthy(s, tok, 0));

	/* Capacity: the NUL must fit too. */
	CHECK(unescape("\"abc\"", out, 4) == 3 && strcmp(out, "abc") == 0);
	CHECK(unescape("\"abc\"", out, 3) == -1 && out[0] == '\0');
	CHECK(unescape("\"\"", out, 1) == 0 && out[0] == '\0');
	CHECK(unescape("\"\"", out, 0) == -1);
	CHECK(unescape("\"\\u00e9\"", out, 3) == 2);
	CHECK(unescape("\"\\u00e9\"", out, 2) == -1);
	CHECK(unescape("\"\\ud83d\\ude00\"", out, 5) == 4);
	CHECK(unescape("\"\\ud83d\\ude00\"", out, 4) == -1);
	/* Output ending at a guard page: no write past cap. */
	{
		char *g = guard(1, "xxxx", 4);

		CHECK(unescape("\"\\u20ac\"", g + 1, 3) == -1);
		g = guard(1, "xxxx", 4);
		CHECK(unescape("\"\\u20ac\"", g, 4) == 3);
		CHECK(memcmp(g, "\xe2\x82\xac", 4) == 0);
	}

	/* Not a string. */
	CHECK(gparse("[1,true]", 8, tok, 8, DEPTH, &s, &err) == 3);
	CHECK(json_get_str(s, tok, 0, out, sizeof(out)) == -1);
	CHECK(json_get_str(s, tok, 1, out, sizeof(out)) == -1);
	CHECK(!json_str_eq(s, tok, 2, "true"));
}

static void
test_obj_get(void)
{
	static const char d[] = "{\"a\":1,\"b\":{\"a\":2},\"\\u0061\":3,"
	    "\"c\\/d\":4,\"\":5,\"\\ud83d\\ude00\":6,\"x\":[\"a\",7]}";
	struct json_tok tok[32];
	const char *err, *s;
	long long v;
	int n, k;

	n = gparse(d, sizeof(d) - 1, tok, 32, DEPTH, &s, &err);
	CHECK(n > 0 && tree_ok(tok, n, sizeof(d) - 1));
	/* Keys compare unescaped; the last duplicate wins. */
	k = json_obj_get(s, tok, 0, "a");
	CHECK(json_get_int(s, tok, k, &v) == 0 && v == 3);
	k = json_obj_get(s, tok, 0, "c/d");
	CHECK(json_get_int(s, tok, k, &v) == 0 && v == 4);
	k = json_obj_get(s, tok, 0, "");
	CHECK(json_get_int(s, tok, k, &v) == 0 && v == 5);
	k = json_obj_get(s, tok, 0, "\xf0\x9f\x98\x80");
	CHECK(json_get_int(s, tok, k, &v) == 0 && v == 6);
	k = json_obj_get(s, tok, 0, "b");
	CHECK(tok[k].type == JSON_OBJECT);
	CHECK(json_get_int(s, tok, json_obj_get(s, tok, k, "a"), &v) == 0 &&
	    v == 2);
	CHECK(json_obj_get(s, tok, 0, "c\\/d") == -1);
	CHECK(json_obj_get(s, tok, 0, "A") == -1);
	CHECK(json_obj_get(s, tok, 0, "7") == -1);	/* not a key */
	CHECK(json_obj_get(s, tok, 0, "x") == n - 3);
	CHECK(gparse("{}", 2, tok, 32, DEPTH, &s, &err) == 1);
	CHECK(json_obj_get(s, tok, 0, "") == -1);
}

/* ------------------------------------------------------------------ */
/* Numbers and truthiness */

/* Parse one document; -2 if it does not parse, else json_get_int's. */
static int
getint(const char *doc, long long *v)
{
	struct json_tok tok[4];
	const char *err, *s;

	if (gparse(doc, strlen(doc), tok, 4, DEPTH, &s, &err) < 1)
		return -2;
	return json_get_int(s, tok, 0, v);
}

static void
test_get_int(void)
{
	static const struct {
		const char	*doc;
		long long	 v;
	} ok[] = {
		{ "0", 0 }, { "-0", 0 }, { "0.0", 0 }, { "-0.0", 0 },
		{ "0e5", 0 }, { "0e-99999999999", 0 }, { "0.000e+7", 0 },
		{ "3", 3 }, { "-2", -2 }, { "3.0", 3 }, { "3.000", 3 },
		{ "1e2", 100 }, { "1E2", 100 }, { "1e+2", 100 },
		{ "100e-2", 1 }, { "1.5e1", 15 }, { "1.50e1", 15 },
		{ "123.456e3", 123456 }, { "0.5e1", 5 }, { "0.05e2", 5 },
		{ "-1.25e2", -125 }, { "42", 42 }, { "1e0", 1 },
		{ "9223372036854775807", LLONG_MAX },
		{ "-9223372036854775808", LLONG_MIN },
		{ "9223372036854775807.0", LLONG_MAX },
		{ "9.223372036854775807e18", LLONG_MAX },
		{ "-9.223372036854775808e18", LLONG_MIN },
		{ "922337203685477580.7e1", LLONG_MAX },
		{ "1e18", 1000000000000000000LL },
		{ "9007199254740993", 9007199254740993LL },
		{ "9007199254740993.0", 9007199254740993LL },
	};
	static const char *bad[] = {
		"3.5", "-0.5", "1e-1", "0.1", "12345e-3", "1.0000001",
		"9223372036854775808", "-9223372036854775809",
		"9.223372036854775808e18", "1e19", "1e20", "-1e19",
		"10000000000000000000", "99999999999999999999",
		"1e999999999999999999", "1e-999999999999999999",
		"123456789012345678901234567890", "\"1\"", "true", "null",
		"[1]", "{}",
	};
	long long v;
	size_t k;
	int r;

	for (k = 0; k < sizeof(ok) / sizeof(ok[0]); k++) {
		v = -1;
		r = getint(ok[k].doc, &v);
		if (r != 0 || v != ok[k].v)
			fprintf(stderr, "get_int %s: r=%d v=%lld\n",
			    ok[k].doc, r, v);
		CHECK(r == 0 && v == ok[k].v);
	}
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		v = 77;
		r = getint(bad[k], &v);
		if (r != -1)
			fprintf(stderr, "get_int %s: r=%d\n", bad[k], r);
		CHECK(r == -1 && v == 77);
	}
	/* A long run of digits that still is an integer. */
	{
		char b[2100];

		memset(b, '0', sizeof(b));
		memcpy(b, "7.", 2);
		b[sizeof(b) - 6] = '\0';
		strcat(b, "e0");
		CHECK(getint(b, &v) == 0 && v == 7);
		b[1000] = '1';
		CHECK(getint(b, &v) == -1);
		strcpy(b + 1001, "e998");
		CHECK(getint(b, &v) == -1);	/* integral, too big */
		memset(b, '0', 20);
		memcpy(b, "0.", 2);
		memcpy(b + 19, "3e18", 5);	/* 0.00..03e18 = 3 */
		CHECK(getint(b, &v) == 0 && v == 3);
	}
}

static int
truthy(const char *doc)
{
	struct json_tok tok[8];
	const char *err, *s;

	if (gparse(doc, strlen(doc), tok, 8, DEPTH, &s, &err) < 1)
		return -2;
	return json_truthy(s, tok, 0);
}

/* 2^-1075 exactly, 752 digits; Python's float() of it is 0.0 (ties go
 * to even), of it plus a trailing 1 is 5e-324, of it with its last digit
 * 5 made 4 is 0.0. */
static const char half_tiny[] =
    "2470328229206232720882843964341106861825299013071623822127928412"
    "5033775363510437593264991818081799618989828234772285886546332835"
    "5177969898199387398005390939063150356595155702263922908583924491"
    "0518443593180284993653615250031937045767824921936562366986365848"
    "0757001585769269903706311928279558551332927834338409351978015531"
    "2465972635795746227664652728272200563740064854999770965994704540"
    "2082816622623785739345073633900796776193057750674017632467360096"
    "8951340535537458516661134223766678604162159680461914467291840300"
    "5300575308490487653917113865916462395249126236538818796362393732"
    "8042389101867234849766823508986338858792562830275599565752445550"
    "7255189313690836254779186948667994968324049705821028513185451396"
    "213837722826145437693412532098591327667236328125";

/* "d.ddd...<tail>e-324" from half_tiny with its last digit replaced */
static int
truthy_half(const char *last, const char *extra)
{
	char doc[sizeof(half_tiny) + 32];

	snprintf(doc, sizeof(doc), "%c.%.*s%s%se-324", half_tiny[0],
	    (int)(sizeof(half_tiny) - 3), half_tiny + 1, last, extra);
	return truthy(doc);
}

static void
test_truthy(void)
{
	static const char *f[] = {
		"false", "null", "0", "-0", "0.0", "-0.0", "0e10", "0.000e-5",
		"\"\"", "[]", "{}", " [ ] ", "{ }",
		/* Python makes these floats, which underflow to 0.0. */
		"1e-400", "-1e-400", "2e-324", "2.4703282292062327e-324",
		"0.0000001e-317",
	};
	static const char *t[] = {
		"true", "1", "-1", "0.5", "1e-300", "1e400", "\"0\"",
		"\"false\"", "\" \"", "\"\\u0000\"", "[0]", "[[]]", "[null]",
		"{\"\":0}", "5e-324", "4.9e-324", "2.4703282292062328e-324",
		"1e-323", "0.1e-322",
	};
	size_t k;

	for (k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
		if (truthy(f[k]) != 0)
			fprintf(stderr, "truthy %s\n", f[k]);
		CHECK(truthy(f[k]) == 0);
	}
	for (k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		if (truthy(t[k]) != 1)
			fprintf(stderr, "falsy %s\n", t[k]);
		CHECK(truthy(t[k]) == 1);
	}
	/* every digit of 2^-1075 decides: exactly half, a hair above and
	 * below it, with trailing zeros */
	CHECK(sizeof(half_tiny) == 753);
	CHECK(truthy_half("5", "") == 0);
	CHECK(truthy_half("5", "000") == 0);
	CHECK(truthy_half("5", "1") == 1);
	CHECK(truthy_half("5", "0000001") == 1);
	CHECK(truthy_half("4", "") == 0);
	CHECK(truthy_half("4", "9999") == 0);
	CHECK(truthy_half("6", "") == 1);
}

/* ------------------------------------------------------------------ */
/* Writer */

/* A writer whose buffer ends at a guard page. */
static char *
wbuf(size_t cap)
{
	return cap == 0 ? NULL : guard(1, "", 0) - cap;
}

static void
test_writer(void)
{
	static const char esc[] =
	    "a\"b\\c\n\t\r\b\f\x01\x1f\x7f</script>/x<";
	struct jw w;
	char buf[1024], all[128], out[256];
	struct json_tok tok[4];
	const char *err, *s;
	char *g;
	int k;

	jw_init(&w, buf, sizeof(buf));
	CHECK(w.len == 0 && w.ovf == 0 && buf[0] == '\0');
	jw_str(&w, esc, sizeof(esc) - 1);
	CHECK(strcmp(buf, "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f\x7f"
	    "<\\/script>/x<\"") == 0);
	CHECK(w.len == strlen(buf) && !w.ovf);

	/* A busy port's counters pass 2^32: whole on 32-bit CPUs too
	 * (rpc.c writes them, ctl.c reads them back). */
	{
		long long v = 0;

		jw_init(&w, buf, sizeof(buf));
		jw_member_int(&w, "{\"rx\": ", (long long)(UINT32_MAX +
		    (uint64_t)705032705));	/* 5000000000 */
		jw_raw(&w, "}");
		CHECK(strcmp(buf, "{\"rx\": 5000000000}") == 0);
		CHECK(json_parse(buf, strlen(buf), tok, 4, 4, &err) == 3 &&
		    json_get_int(buf, tok, 2, &v) == 0 && v == 5000000000LL);
	}

	jw_init(&w, buf, sizeof(buf));
	jw_str(&w, "</</", 4);
	jw_raw(&w, ",");
	jw_str(&w, "/<", 2);
	jw_raw(&w, ",");
	jw_str(&w, "\xc3\xa9\xf0\x9f\x98\x80", 6);	/* UTF-8 as is */
	jw_raw(&w, ",");
	jw_str(&w, "a\0b", 3);				/* embedded NUL */
	jw_raw(&w, ",");
	jw_str(&w, "", 0);
	CHECK(strcmp(buf, "\"<\\/<\\/\",\"/<\",\"\xc3\xa9\xf0\x9f\x98\x80\","
	    "\"a\\u0000b\",\"\"") == 0);

	jw_init(&w, buf, sizeof(buf));
	jw_raw(&w, "{");
	jw_cstr(&w, "k");
	jw_raw(&w, ": ");
	jw_cstr(&w, NULL);
	jw_raw(&w, ", ");
	jw_cstr(&w, "");
	jw_raw(&w, ", ");
	jw_int(&w, 0);
	jw_raw(&w, ", ");
	jw_int(&w, -1);
	jw_raw(&w, ", ");
	jw_int(&w, LLONG_MIN);
	jw_raw(&w, ", ");
	jw_int(&w, LLONG_MAX);
	jw_raw(&w, "}");
	CHECK(strcmp(buf, "{\"k\": null, \"\", 0, -1, -9223372036854775808, "
	    "9223372036854775807}") == 0);
	CHECK(!w.ovf);

	/* Bytes a peer sent that are not UTF-8 (a proxy's reason phrase):
	 * each becomes U+FFFD, escaped, and the output is valid JSON; the
	 * well-formed sequences around them go as they are. */
	jw_init(&w, buf, sizeof(buf));
	jw_str(&w, "Forbidd\xff\xfe\x80" "en \xc3\xa9", 15);
	CHECK(strcmp(buf, "\"Forbidd\\ufffd\\ufffd\\ufffden \xc3\xa9\"") == 0);
	CHECK(gparse(buf, w.len, tok, 4, DEPTH, &s, &err) == 1);
	CHECK(json_get_str(s, tok, 0, out, sizeof(out)) == 21 &&
	    memcmp(out, "Forbidd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "en "
	    "\xc3\xa9", 21) == 0);
	{
		/* one case per way of being invalid: how many U+FFFD */
		static const struct {
			const char	*s;
			int		 bad;
		} u8[] = {
			{ "\xc3", 1 },			/* cut short at the end */
			{ "\xc3(", 1 },			/* cut short */
			{ "\xe2\x82", 2 },		/* cut short, 3 bytes */
			{ "\xc0\xaf", 2 },		/* overlong '/' */
			{ "\xe0\x80\xaf", 3 },		/* overlong, 3 bytes */
			{ "\xed\xa0\x80", 3 },		/* UTF-16 surrogate */
			{ "\xf4\x90\x80\x80", 4 },	/* past U+10FFFF */
			{ "\xf5\x80", 2 },		/* never a lead byte */
			{ "\x80\xbf", 2 },		/* stray continuations */
			{ "\xe2\x82\xac", 0 },		/* the euro sign */
			{ "\xf0\x9f\x98\x80", 0 },	/* an emoji */
		};
		size_t m;
		int bad, ok = 1;

		for (k = 0; k < (int)(sizeof(u8) / sizeof(u8[0])); k++) {
			jw_init(&w, buf, sizeof(buf));
			jw_str(&w, u8[k].s, strlen(u8[k].s));
			bad = 0;
			for (m = 0; m + 6 <= w.len; m++)
				bad += memcmp(buf + m, "\\ufffd", 6) == 0;
			if (bad != u8[k].bad || gparse(buf, w.len, tok, 4,
			    DEPTH, &s, &err) != 1) {
				fprintf(stderr, "jw_str case %d: %s\n", k, buf);
				ok = 0;
			}
		}
		CHECK(ok);
	}

	/* Every byte 1..127 survives a round trip through the reader. */
	for (k = 1; k < 128; k++)
		all[k - 1] = (char)k;
	jw_init(&w, buf, sizeof(buf));
	jw_str(&w, all, 127);
	CHECK(!w.ovf);
	CHECK(gparse(buf, w.len, tok, 4, DEPTH, &s, &err) == 1);
	CHECK(json_get_str(s, tok, 0, out, sizeof(out)) == 127);
	CHECK(memcmp(out, all, 127) == 0);

	/* Overflow: exact fit, one short, sticky, nothing partial. */
	g = wbuf(5);
	jw_init(&w, g, 5);
	jw_raw(&w, "abcd");
	CHECK(!w.ovf && w.len == 4 && strcmp(g, "abcd") == 0);
	jw_raw(&w, "e");
	CHECK(w.ovf && w.len == 4 && strcmp(g, "abcd") == 0);
	jw_raw(&w, "");
	jw_int(&w, 1);
	CHECK(w.ovf && w.len == 4 && strcmp(g, "abcd") == 0);

	g = wbuf(8);
	jw_init(&w, g, 8);
	jw_raw(&w, "ab");
	jw_str(&w, "hello", 5);		/* needs 7 more */
	CHECK(w.ovf && w.len == 2 && strcmp(g, "ab") == 0);
	jw_raw(&w, "c");		/* would fit, but ovf sticks */
	CHECK(w.len == 2 && strcmp(g, "ab") == 0);

	g = wbuf(8);
	jw_init(&w, g, 8);
	jw_str(&w, "hello", 5);
	CHECK(!w.ovf && w.len == 7 && strcmp(g, "\"hello\"") == 0);

	g = wbuf(8);
	jw_init(&w, g, 8);
	jw_str(&w, "\x01\x02", 2);	/* 14 bytes escaped */
	CHECK(w.ovf && w.len == 0 && g[0] == '\0');

	g = wbuf(5);
	jw_init(&w, g, 5);
	jw_cstr(&w, NULL);
	CHECK(!w.ovf && strcmp(g, "null") == 0);
	jw_init(&w, g, 4);
	jw_cstr(&w, NULL);
	CHECK(w.ovf && g[0] == '\0');

	g = wbuf(20);
	jw_init(&w, g + 4, 16);
	jw_int(&w, LLONG_MIN);		/* 20 digits and sign */
	CHECK(w.ovf && w.len == 0);

	jw_init(&w, NULL, 0);
	jw_raw(&w, "");
	CHECK(w.ovf);			/* not even a NUL fits */
	jw_init(&w, NULL, 0);
	jw_str(&w, "x", 1);
	jw_cstr(&w, NULL);
	jw_int(&w, 5);
	CHECK(w.ovf && w.len == 0);
}

int
main(void)
{
	test_table();
	test_messages();
	test_rpc_request();
	test_depth();
	test_tokens();
	test_strings();
	test_obj_get();
	test_get_int();
	test_truthy();
	test_writer();
	return t_done("test_json");
}
