/*
 * ctl.c - "etherws ctl": the one-shot control client.  Parses the
 * command line, makes the client-side checks, sends one JSON-RPC request
 * over HTTP and prints the reply as etherws 1.3's tables (docs/api.md).
 *
 * The password prompt and the HTTP/HTTPS exchange are in ctl_io.c.
 *
 * Exit status: 0 success, 1 runtime error (error reply, transport,
 * prompt EOF), 2 usage error or failed client-side check.
 *
 * Statics use the prefix cli_ because the switch's control endpoint
 * owns ctl_.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytes.h"
#include "addr.h"
#include "auth.h"
#include "base64.h"
#include "cli.h"
#include "ctl.h"
#include "defs.h"
#include "fmt.h"
#include "http.h"
#include "json.h"
#include "util.h"

#define CLI_DEFAULT_URL	"http://127.0.0.1:7867/ctl"
#define CLI_MAX_OPTS	9
#define CLI_STR_(x)	#x
#define CLI_STR(x)	CLI_STR_(x)	/* a number in help text */
#define CLI_MAX_COLS	6
#define CLI_JSON_DEPTH	64

/* ------------------------------------------------------------------ */
/* Commands and the command line */

struct cli_parser;

/* One reply table, as etherws 1.3 prints it; a NULL key is the State
 * column. */
struct cli_table {
	const char	*head[CLI_MAX_COLS + 1];	/* NULL-terminated */
	const char	*key[CLI_MAX_COLS];
};

struct cli_cmd {
	const char		*name;
	const char		*method;	/* NULL: has sub-commands */
	const struct cli_cmd	*subs;
	int			 nsubs;
	const char		*usage;		/* after "<prog> " */
	const char		*help;		/* one line */
	const char		*opthelp;	/* its options, one a line */
	const struct ew_opt	*opts;		/* opts[0] is "help" */
	int			 nopts;
	int			 npos;		/* positionals */
	const struct cli_table	*table;
	/* Append ", \"params\": {...}" to w (NULL: no params).  Returns
	 * CLI_GO, or an exit status after printing why. */
	int			(*params)(struct cli_parser *, struct jw *);
};

struct cli_parser {
	const struct cli_cmd	*cmd;
	char			 prog[128];	/* "etherws ctl setport" */
	/* "usage: <prog> <usage>\n<prog>": what ew_getopt and usage
	 * errors print before ": error: " (argparse's order) */
	char			 usage_prog[512];
	int			 argc;
	char			**argv;
	int			 idx;		/* next argv to look at */
	const char		*val[CLI_MAX_OPTS];	/* flags: "" */
	const char		*pos[2];
	int			 npos;
};

/* A usage error: the usage line and "<prog>: error: <what>", exit 2. */
#define cli_usage(p, ...)	ew_error(CLI_USAGE, (p)->usage_prog, __VA_ARGS__)
/* A failed client-side check, "<prog>: error: <what>": nothing is
 * sent, exit 2. */
#define cli_check(p, ...)	ew_error(CLI_USAGE, (p)->prog, __VA_ARGS__)

static int
cli_help(const struct cli_parser *p)
{
	const struct cli_cmd *c = p->cmd;
	int i;

	ew_dprintf(1, "usage: %s %s\n\n%s\n\noptions:\n"
	    "  -h, --help            show this help message and exit\n%s",
	    p->prog, c->usage, c->help, c->opthelp != NULL ? c->opthelp : "");
	if (c->nsubs > 0)
		ew_dprintf(1, "\ncommands:\n");
	for (i = 0; i < c->nsubs; i++)
		ew_dprintf(1, "  %-10s%s\n", c->subs[i].name, c->subs[i].help);
	return CLI_OK;
}

/* argv[p->idx..] are more than p->cmd takes. */
static int
cli_extra(const struct cli_parser *p)
{
	char list[512];
	size_t n = 0;
	int i;

	list[0] = '\0';
	for (i = p->idx; i < p->argc && n < sizeof(list); i++)
		n += (size_t)ew_snprintf(list + n, sizeof(list) - n, "%s%s",
		    i > p->idx ? " " : "", p->argv[i]);
	return cli_usage(p, "unexpected argument%s %s", p->argc - p->idx > 1 ?
	    "s" : "", list);
}

/* No positional where p->cmd needs one: a command with sub-commands
 * lists them; another names its argument, its usage's last word. */
static int
cli_missing(const struct cli_parser *p)
{
	const struct cli_cmd *c = p->cmd;
	const char *u = strrchr(c->usage, ' ');
	char list[256];
	size_t n = 0;
	int i;

	if (c->nsubs == 0)
		return cli_usage(p, "missing argument: %s",
		    u != NULL ? u + 1 : c->usage);
	list[0] = '\0';
	for (i = 0; i < c->nsubs && n < sizeof(list); i++)
		n += (size_t)ew_snprintf(list + n, sizeof(list) - n, "%s%s",
		    i == 0 ? "" : i + 1 < c->nsubs ? ", " : " or ",
		    c->subs[i].name);
	return cli_usage(p, "a %s is needed: %s", strcmp(c->name,
	    "etherws ctl") == 0 ? "command" : "port type", list);
}

/*
 * Parse p->cmd's options and positionals from argv[p->idx] on,
 * argparse-like (they may mix; "--" ends options).  A command with
 * sub-commands stops right after its positional, the sub-command name.
 * Returns CLI_GO, or an exit status after printing help or an error.
 */
static int
cli_parse(struct cli_parser *p)
{
	const char *v, *a;
	int r, only_pos = 0;

	while (p->idx < p->argc) {
		a = p->argv[p->idx];
		if (!only_pos && strcmp(a, "--") == 0) {
			only_pos = 1;
			p->idx++;
			continue;
		}
		if (only_pos)
			r = -1;
		else if (strcmp(a, "-h") == 0)
			return cli_help(p);
		else
			r = ew_getopt(p->argc, p->argv, &p->idx, p->cmd->opts,
			    p->cmd->nopts, &v, p->usage_prog);
		if (r == -2)
			return CLI_USAGE;
		if (r == 0)
			return cli_help(p);
		if (r > 0) {
			p->val[r] = v != NULL ? v : "";
			continue;
		}
		if (p->npos == p->cmd->npos)
			return cli_extra(p);
		p->pos[p->npos++] = p->argv[p->idx++];
		if (p->cmd->nsubs > 0 && p->npos == p->cmd->npos)
			return CLI_GO;
	}
	if (p->npos < p->cmd->npos)
		return cli_missing(p);
	return CLI_GO;
}

/* Integer argument "name" ("--mtu", "port"): 0, or a usage error. */
static int
cli_int(const struct cli_parser *p, const char *name, const char *s,
    long long *v)
{
	if (ew_parse_int(s, v) == 0)
		return 0;
	return cli_usage(p, "invalid %s %s: not a whole number", name, s);
}

static const char *
cli_sub_name(size_t i, const void *tab)
{
	return ((const struct cli_cmd *)tab)->subs[i].name;
}

/* The sub-command named by p->pos[0], or NULL after a usage error. */
static const struct cli_cmd *
cli_choose(const struct cli_parser *p, const char *what)
{
	const struct cli_cmd *c = p->cmd;
	char list[256];
	size_t n = 0;
	int i;

	for (i = 0; i < c->nsubs; i++)
		if (strcmp(p->pos[0], c->subs[i].name) == 0)
			return &c->subs[i];
	list[0] = '\0';
	for (i = 0; i < c->nsubs && n < sizeof(list); i++)
		n += (size_t)ew_snprintf(list + n, sizeof(list) - n, "%s%s",
		    i == 0 ? "" : i + 1 < c->nsubs ? ", " : " or ",
		    c->subs[i].name);
	i = ew_nearest(p->pos[0], strlen(p->pos[0]), cli_sub_name, c,
	    (size_t)c->nsubs);
	if (i >= 0)
		cli_usage(p, "unknown %s '%s' (did you mean %s?)", what,
		    p->pos[0], c->subs[i].name);
	else
		cli_usage(p, "unknown %s '%s': %s", what, p->pos[0], list);
	return NULL;
}

/* 1 if url starts with scheme "://", the scheme in any case. */
static int
cli_scheme_is(const char *url, const char *scheme)
{
	size_t n = strlen(scheme);

	return strlen(url) > n && ew_memcaseeq(url, scheme, n) &&
	    strncmp(url + n, "://", 3) == 0;
}

/* A URL checked before anything is sent ("invalid --ctlurl X: why",
 * "invalid URL X: why"): its scheme one of s1, s2; a client port's
 * (ws) with no user:password@.  CLI_GO, or a usage error (exit 2). */
static int
cli_url_check(const struct cli_parser *p, const char *what, const char *url,
    const char *s1, const char *s2)
{
	static struct url u;	/* 1.5 KB: not on the stack */
	const char *why;

	if (!cli_scheme_is(url, s1) && !cli_scheme_is(url, s2))
		return cli_check(p, "invalid %s%s: %s starts with %s:// or "
		    "%s://", what, url, s1[0] == 'w' ? "a client port's URL" :
		    "the control URL", s1, s2);
	if (url_parse_why(url, &u, &why) < 0)
		return cli_check(p, "invalid %s%s: %s", what, url, why);
	/* the control URL's user:password@ is ignored, as it always was */
	if (u.has_userinfo && s1[0] == 'w')
		return cli_check(p, "invalid %s%s: no user:password@ (give "
		    "--user and --passwd)", what, url);
	return CLI_GO;
}

/* ------------------------------------------------------------------ */
/* Reply: tables and error blocks */

static const struct cli_table cli_ports = {
	{ "Port", "Type", "State", "RX", "TX", "Target", NULL },
	{ "port", "type", NULL, "rx", "tx", "target" }
};
static const struct cli_table cli_ifs = {
	{ "Port", "Type", "Address", "Netmask", "MTU", "Target", NULL },
	{ "port", "type", "address", "netmask", "mtu", "target" }
};
/* Not a table: the result is a text, printed as it is (dump). */
static const struct cli_table cli_textres = { { NULL }, { NULL } };
static const struct cli_table cli_fdb = {
	{ "Port", "VLAN", "MAC", "Age", NULL },
	{ "port", "vid", "mac", "age" }
};

static int
cli_member(const char *s, const struct json_tok *tok, int obj,
    const char *key)
{
	if (obj < 0 || tok[obj].type != JSON_OBJECT)
		return -1;
	return json_obj_get(s, tok, obj, key);
}

/*
 * Text of token i (-1 = absent) as the original prints it: strings
 * unescaped, integral numbers as integers, absent or null as "",
 * anything else as its JSON text.  Returns a malloc'd string or NULL.
 */
static char *
cli_text(const char *s, const struct json_tok *tok, int i)
{
	long long v;
	size_t len;
	char *out;

	len = i < 0 ? 0 : tok[i].end - tok[i].start;
	if ((out = malloc(len + 24)) == NULL)
		return NULL;
	out[0] = '\0';
	if (i < 0 || tok[i].type == JSON_NULL)
		return out;
	if (tok[i].type == JSON_NUMBER && json_get_int(s, tok, i, &v) == 0) {
		ew_snprintf(out, len + 24, "%lld", v);
		return out;
	}
	if (tok[i].type != JSON_STRING ||
	    json_get_str(s, tok, i, out, len + 1) < 0) {
		memcpy(out, s + tok[i].start, len);
		out[len] = '\0';
	}
	cli_sanitize(out);
	return out;
}

/* Cell of column c for entry obj: State is "shut" if shut is truthy,
 * else "down", "loop", "probing" or "silent" if state says so, else
 * "up" (as etherws 1.3 prints, which knows only shut and up); MACs
 * lower-cased. */
static char *
cli_cell(const char *s, const struct json_tok *tok, int obj,
    const struct cli_table *t, int c)
{
	/* down; blocked by loop detection, probing before forwarding, its
	 * neighbour switch gone quiet */
	static const char *const states[] = { "down", "loop", "probing",
	    "silent" };
	char *out;
	int i, k;

	if (t->key[c] == NULL) {
		i = cli_member(s, tok, obj, "shut");
		if (i >= 0 && json_truthy(s, tok, i))
			return strdup("shut");
		i = cli_member(s, tok, obj, "state");
		for (k = 0; i >= 0 && k < 4; k++)
			if (json_str_eq(s, tok, i, states[k]))
				return strdup(states[k]);
		return strdup("up");
	}
	out = cli_text(s, tok, cli_member(s, tok, obj, t->key[c]));
	if (out != NULL && strcmp(t->key[c], "mac") == 0)
		for (i = 0; out[i] != '\0'; i++)
			out[i] = (char)ew_lower((unsigned char)out[i]);
	return out;
}

/* Display width: UTF-8 code points. */
static size_t
cli_width(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Two spaces, then the cells left-justified to their column's width
 * and joined by two spaces, the last one padded too; one write a row. */
static void
cli_print_rows(char **cell, size_t nrows, int ncols)
{
	size_t w[CLI_MAX_COLS] = { 0 }, r, k, len, max = 1;
	const char *s;
	char *line;
	int c;

	for (r = 0; r < nrows; r++) {
		for (len = 1, c = 0; c < ncols; c++) {
			s = cell[r * ncols + c];
			if (cli_width(s) > w[c])
				w[c] = cli_width(s);
			len += 2 + strlen(s);
		}
		if (len > max)
			max = len;
	}
	/* padding is at most the widest cell of each column */
	for (c = 0; c < ncols; c++)
		max += w[c];
	if ((line = malloc(max)) == NULL) {
		ew_puts(2, "etherws ctl: out of memory\n");
		return;
	}
	for (r = 0; r < nrows; r++) {
		for (len = 0, c = 0; c < ncols; c++) {
			s = cell[r * ncols + c];
			line[len++] = ' ';
			line[len++] = ' ';
			memcpy(line + len, s, strlen(s));
			len += strlen(s);
			for (k = cli_width(s); k < w[c]; k++)
				line[len++] = ' ';
		}
		line[len++] = '\n';
		ew_write_all(1, line, len);
	}
	free(line);
}

/* Print the entries array as table t.  0, or -1 out of memory. */
static int
cli_print_table(const char *s, const struct json_tok *tok, int entries,
    const struct cli_table *t)
{
	size_t nrows = (size_t)tok[entries].size + 1, r, n;
	char **cell;
	int c, e, ncols, rc = 0;

	for (ncols = 0; t->head[ncols] != NULL; ncols++)
		;
	n = nrows * (size_t)ncols;
	if ((cell = calloc(n, sizeof(*cell))) == NULL)
		return -1;
	for (c = 0; c < ncols; c++)
		cell[c] = strdup(t->head[c]);
	for (e = entries + 1, r = 1; r < nrows; r++, e = (int)tok[e].next)
		for (c = 0; c < ncols; c++)
			cell[r * ncols + c] = cli_cell(s, tok, e, t, c);
	for (r = 0; r < n; r++)
		if (cell[r] == NULL)
			rc = -1;
	if (rc == 0)
		cli_print_rows(cell, nrows, ncols);
	for (r = 0; r < n; r++)
		free(cell[r]);
	free(cell);
	return rc;
}

/* showport: each member of each entry as "  name  value", in the
 * switch's order, names padded to the longest. */
static int
cli_print_kv(const char *s, const struct json_tok *tok, int entries)
{
	size_t w = 0, n;
	char *k, *v;
	int e, m, rc = 0;

	for (e = entries + 1; e < (int)tok[entries].next; e = (int)tok[e].next)
		for (m = e + 1; m < (int)tok[e].next; m = (int)tok[m + 1].next)
			if ((n = tok[m].end - tok[m].start) > w)
				w = n;
	for (e = entries + 1; e < (int)tok[entries].next;
	    e = (int)tok[e].next) {
		if (e > entries + 1)
			ew_puts(1, "\n");
		for (m = e + 1; m < (int)tok[e].next; m = (int)tok[m + 1].next) {
			k = cli_text(s, tok, m);
			v = cli_text(s, tok, m + 1);
			if (k != NULL && v != NULL)
				ew_dprintf(1, "  %-*s  %s\n", (int)w, k, v);
			else
				rc = -1;
			free(k);
			free(v);
		}
	}
	return rc;
}

/* "  <message> (<code>)" and "    <data>" (verbatim) on stderr. */
static int
cli_print_rpc_error(const char *s, const struct json_tok *tok, int e)
{
	char *msg, *code, *data = NULL;
	int d = -1;

	if (tok[e].type == JSON_OBJECT) {
		msg = cli_text(s, tok, json_obj_get(s, tok, e, "message"));
		code = cli_text(s, tok, json_obj_get(s, tok, e, "code"));
		if ((d = json_obj_get(s, tok, e, "data")) >= 0)
			data = cli_text(s, tok, d);
	} else {
		msg = cli_text(s, tok, e);
		code = cli_text(s, tok, -1);
	}
	if (msg != NULL && code != NULL)
		ew_dprintf(2, "  %s (%s)\n", msg, code);
	if (data != NULL)
		ew_dprintf(2, "    %s\n", data);
	free(msg);
	free(code);
	free(data);
	return CLI_RUNTIME;
}

static int cli_reply_error(const char *what);

/* A result that is one string (dump): its text, control characters
 * but line ends and tabs shown as '?'. */
static int
cli_print_text(const char *s, const struct json_tok *tok, int i)
{
	size_t n = tok[i].end - tok[i].start + 1, k;
	char *out;

	if (tok[i].type != JSON_STRING)
		return cli_reply_error("its result is not a text");
	if ((out = malloc(n)) == NULL || json_get_str(s, tok, i, out, n) < 0) {
		free(out);
		return ew_cmd_error(CLI_RUNTIME, "ctl", "out of memory");
	}
	for (k = 0; out[k] != '\0'; k++)
		if (((unsigned char)out[k] < 0x20 && out[k] != '\n' &&
		    out[k] != '\t') || out[k] == 0x7f)
			out[k] = '?';
	ew_write_all(1, out, k);
	free(out);
	return ew_output_failed() ? CLI_RUNTIME : CLI_OK;
}

/* A reply that is not what a control endpoint sends. */
static int
cli_reply_error(const char *what)
{
	return ew_cmd_error(CLI_RUNTIME, "ctl", "the reply is not a JSON-RPC reply: %s "
	    "(is --ctlurl an etherws control endpoint?)", what);
}

/* Interpret a parsed reply: the error block, or the result as a table
 * (or as the JSON text the switch sent, with --json). */
static int
cli_reply_tokens(const char *s, const struct json_tok *tok,
    const struct cli_table *t, int json)
{
	int i, ent;

	if (tok[0].type != JSON_OBJECT)
		return cli_reply_error("not an object");
	i = json_obj_get(s, tok, 0, "error");
	if (i >= 0 && tok[i].type != JSON_NULL)
		return cli_print_rpc_error(s, tok, i);
	if ((i = json_obj_get(s, tok, 0, "result")) < 0)
		return cli_reply_error("no \"result\"");
	if (json) {
		ew_write_all(1, s + tok[i].start, tok[i].end - tok[i].start);
		ew_puts(1, "\n");
		return ew_output_failed() ? CLI_RUNTIME : CLI_OK;
	}
	if (t == &cli_textres)
		return cli_print_text(s, tok, i);
	if ((ent = cli_member(s, tok, i, "entries")) < 0)
		return cli_reply_error("no \"entries\" in its result");
	if (tok[ent].type != JSON_ARRAY)
		return cli_reply_error("\"entries\" is not an array");
	for (i = ent + 1; i < (int)tok[ent].next; i = (int)tok[i].next)
		if (tok[i].type != JSON_OBJECT)
			return cli_reply_error("\"entries\" holds a "
			    "non-object");
	if ((t != NULL ? cli_print_table(s, tok, ent, t) :
	    cli_print_kv(s, tok, ent)) < 0)
		return ew_cmd_error(CLI_RUNTIME, "ctl", "out of memory");
	return ew_output_failed() ? CLI_RUNTIME : CLI_OK;
}

static int
cli_reply(const char *body, size_t len, const struct cli_table *t, int json)
{
	struct json_tok *tok;
	const char *err;
	size_t ntok = len / 2 + 16;	/* a token takes 2 bytes or more */
	int r;

	if ((tok = calloc(ntok, sizeof(*tok))) == NULL)
		return ew_cmd_error(CLI_RUNTIME, "ctl", "out of memory");
	if (json_parse(body, len, tok, (int)ntok, CLI_JSON_DEPTH, &err) < 0)
		r = ew_cmd_error(CLI_RUNTIME, "ctl", "the reply is not JSON (is --ctlurl "
		    "an etherws control endpoint?)");
	else
		r = cli_reply_tokens(body, tok, t, json);
	free(tok);
	return r;
}

/* Finish the body, send it, print the reply.  Returns the exit status. */
static int
cli_call(struct cli_args *a, struct jw *w, const struct cli_table *t)
{
	char authbuf[BASE64_ENC_LEN(2 * CRED_MAX) + 8], pw[CRED_MAX];
	char *auth = NULL, *reply;
	struct cli_io io;
	size_t rlen;
	int r;

	jw_raw(w, "}");
	if (w->ovf)
		return ew_cmd_error(CLI_USAGE, "ctl", "the request is over %d bytes, the "
		    "control endpoint's limit", CTL_MAX_BODY);
	if (a->user != NULL) {
		if (a->passwd == NULL) {
			if ((r = a->pwfile != NULL ? cli_pwfile("ctlpwfile",
			    a->pwfile, pw, sizeof(pw)) : cli_prompt("Control Password: ", pw,
			    sizeof(pw))) != 0)
				return r;
			a->passwd = pw;
		}
		r = (int)basic_auth_header(authbuf, sizeof(authbuf), a->user,
		    a->passwd);
		explicit_bzero(pw, sizeof(pw));
		if (r < 0)
			return ew_cmd_error(CLI_USAGE, "ctl", "--ctluser or --ctlpasswd "
			    "over %d bytes", CRED_MAX);
		auth = authbuf;
	}
	r = cli_exchange(&io, a, auth, w->buf, w->len, &reply, &rlen);
	explicit_bzero(authbuf, sizeof(authbuf));
	if (r < 0)
		return ew_cmd_error(CLI_RUNTIME, "ctl", "%s", io.err);
	r = cli_reply(reply, rlen, t, a->json);
	free(reply);
	return r;
}

/* ------------------------------------------------------------------ */
/* Parameters of each method */

/* PORT positional: 0 and *port, or an exit status. */
static int
cli_port(const struct cli_parser *p, long long *port)
{
	if (cli_int(p, "port", p->pos[0], port) != 0)
		return CLI_USAGE;
	if (*port <= 0)
		return cli_check(p, "invalid port %lld: port numbers start at 1",
		    *port);
	return 0;
}

/* {"type", "target", "options": {"user", "passwd", "cacerts",
 * "insecure"}} with null for what is absent; "pin" (ours, ignored by the
 * original) only when given. */
static void
cli_addport_params(struct jw *w, const char *type, const char *target,
    const char *o[3], const char *insecure, const char *pin,
    const char *pwfile)
{
	jw_member_str(w, ", \"params\": {\"type\": ", type);
	jw_member_str(w, ", \"target\": ", target);
	jw_member_str(w, ", \"options\": {\"user\": ", o[0]);
	jw_member_str(w, ", \"passwd\": ", o[1]);
	jw_member_str(w, ", \"cacerts\": ", o[2]);
	jw_raw(w, ", \"insecure\": ");
	jw_raw(w, insecure);
	if (pin != NULL)
		jw_member_str(w, ", \"pin\": ", pin);
	/* where the password came from (ours, for "ctl dump"; never the
	 * password itself) */
	if (pwfile != NULL)
		jw_member_str(w, ", \"pwfile\": ", pwfile);
	jw_raw(w, "}}");
}

static int
cli_params_dev(struct cli_parser *p, struct jw *w)
{
	const char *o[3] = { NULL, NULL, NULL };

	cli_addport_params(w, p->cmd->name, p->pos[0], o, "null", NULL, NULL);
	return CLI_GO;
}

/* --cacerts made absolute against the cwd, into buf. */
static int
cli_abspath(const char *path, char *buf, size_t cap)
{
	size_t n;

	if (path[0] == '/')
		return (size_t)ew_snprintf(buf, cap, "%s", path) < cap ? 0 : -1;
	if (getcwd(buf, cap) == NULL)
		return -1;
	n = strlen(buf);
	return (size_t)ew_snprintf(buf + n, cap - n, "%s%s", n > 1 ? "/" : "",
	    path) < cap - n ? 0 : -1;
}

static int
cli_params_client(struct cli_parser *p, struct jw *w)
{
	char pw[CRED_MAX], cacerts[PATH_MAX], pwabs[PATH_MAX];
	const char *o[3], *pwfile;
	int i, r;

	pwfile = p->val[6] != NULL && *p->val[6] != '\0' ? p->val[6] : NULL;
	for (i = 0; i < 3; i++)		/* empty counts as absent */
		o[i] = p->val[i + 1] != NULL && *p->val[i + 1] != '\0' ?
		    p->val[i + 1] : NULL;
	if (o[1] != NULL && pwfile != NULL)
		return cli_usage(p, "--pwfile and --passwd: give one of them, "
		    "not both");
	if ((r = cli_url_check(p, "URL ", p->pos[0], "ws", "wss")) != CLI_GO)
		return r;
	if (o[0] == NULL && o[1] != NULL)
		return cli_check(p, "--passwd needs --user");
	if (o[0] == NULL && pwfile != NULL)
		return cli_check(p, "--pwfile needs --user");
	if (o[2] != NULL && cli_abspath(o[2], cacerts, sizeof(cacerts)) < 0)
		return cli_check(p, "invalid --cacerts %s: path too long", o[2]);
	if (o[2] != NULL)
		o[2] = cacerts;
	if (o[0] != NULL && o[1] == NULL) {
		if ((r = pwfile != NULL ? cli_pwfile("pwfile", pwfile, pw,
		    sizeof(pw)) :
		    cli_prompt("Client Password: ", pw, sizeof(pw))) != 0)
			return r;
		o[1] = pw;
	}
	if (p->val[5] != NULL && strncmp(p->val[5], "sha256//", 8) != 0)
		return cli_check(p, "invalid --pin %s: must be sha256//BASE64 "
		    "(the server key's SHA-256)", p->val[5]);
	if (pwfile != NULL && cli_abspath(pwfile, pwabs, sizeof(pwabs)) == 0)
		pwfile = pwabs;
	cli_addport_params(w, "client", p->pos[0], o,
	    p->val[4] != NULL ? "true" : "false", p->val[5],
	    o[1] == pw ? pwfile : NULL);
	explicit_bzero(pw, sizeof(pw));
	return CLI_GO;
}

static const struct ew_opt cli_h[] = { { "help", 0 } };
static const struct ew_opt cli_client_opts[] = { { "help", 0 },
    { "user", 1 }, { "passwd", 1 }, { "cacerts", 1 }, { "insecure", 0 },
    { "pin", 1 }, { "pwfile", 1 } };

#define CLI_N(a)	(int)(sizeof(a) / sizeof(a[0]))
#define CLI_OPTS(a)	.opts = a, .nopts = CLI_N(a)

static const struct cli_cmd cli_iftypes[] = {
	{ .name = "netdev", .method = "addPort", .usage = "[-h] target",
	    .help = "Attach a network device.", CLI_OPTS(cli_h), .npos = 1,
	    .table = &cli_ports, .params = cli_params_dev },
	{ .name = "tap", .method = "addPort", .usage = "[-h] target",
	    .help = "Create a tap device (name may hold %d).",
	    CLI_OPTS(cli_h), .npos = 1, .table = &cli_ports,
	    .params = cli_params_dev },
	{ .name = "client", .method = "addPort", .usage = "[-h] [--user USER] "
	    "[--passwd PASSWD | --pwfile FILE] [--cacerts CACERTS] [--insecure] "
	    "[--pin sha256//BASE64] target",
	    .help = "Connect to a ws:// or wss:// URL (the switch retries "
	    "with backoff\nonce it was up; the first attempt's failure fails "
	    "this command).",
	    .opthelp =
	    "  --user USER           Basic auth user for the server\n"
	    "  --passwd PASSWD       its password (prompted for when --user "
	    "comes alone)\n"
	    "  --pwfile FILE         read that password from the first line of "
	    "FILE\n"
	    "  --cacerts CACERTS     CA file to verify a wss:// server (default"
	    ":\n                        the system bundle)\n"
	    "  --insecure            do not verify the wss:// server\n"
	    "  --pin sha256//BASE64  require this SHA-256 of the server's "
	    "public key\n",
	    CLI_OPTS(cli_client_opts), .npos = 1, .table = &cli_ports,
	    .params = cli_params_client }
};

/* {"port"} of delport and showport, and setport's with "shut" when
 * --shut is given (the others have no option 1: val[1] stays NULL). */
static int
cli_params_port(struct cli_parser *p, struct jw *w)
{
	long long port, shut = 0;
	int r;

	if (p->val[1] != NULL && cli_int(p, "--shut", p->val[1], &shut))
		return CLI_USAGE;
	if (shut != 0 && shut != 1)
		return cli_usage(p, "invalid --shut %lld: 0 (open) or 1 (shut)",
		    shut);
	if ((r = cli_port(p, &port)) != 0)
		return r;
	jw_member_int(w, ", \"params\": {\"port\": ", port);
	if (p->val[1] != NULL)
		jw_member_int(w, ", \"shut\": ", shut);
	jw_raw(w, "}");
	return CLI_GO;
}

/* A non-empty setif address or netmask must pass inet_aton(). */
static int
cli_inet(const struct cli_parser *p, const char *opt, const char *s)
{
	uint8_t in[4];

	if (s == NULL || *s == '\0' || ew_inet_aton(s, in, 1) != 0)
		return 0;
	return cli_check(p, "invalid --%s %s: not an IPv4 address", opt, s);
}

static int
cli_params_setif(struct cli_parser *p, struct jw *w)
{
	long long port, mtu = 0;
	int r;

	if (p->val[3] != NULL && cli_int(p, "--mtu", p->val[3], &mtu))
		return CLI_USAGE;
	if ((r = cli_port(p, &port)) != 0 ||
	    (r = cli_inet(p, "address", p->val[1])) ||
	    (r = cli_inet(p, "netmask", p->val[2])))
		return r;
	if (p->val[3] != NULL && (mtu < MTU_MIN || mtu > MTU_MAX))
		return cli_check(p, "invalid --mtu %lld: must be %d..%d", mtu,
		    MTU_MIN, MTU_MAX);
	jw_member_int(w, ", \"params\": {\"port\": ", port);
	if (p->val[1] != NULL)
		jw_member_str(w, ", \"address\": ", p->val[1]);
	if (p->val[2] != NULL)
		jw_member_str(w, ", \"netmask\": ", p->val[2]);
	if (p->val[3] != NULL)
		jw_member_int(w, ", \"mtu\": ", mtu);
	jw_raw(w, "}");
	return CLI_GO;
}

static const struct ew_opt cli_shut_opts[] = { { "help", 0 },
    { "shut", 1 } };
static const struct ew_opt cli_setif_opts[] = { { "help", 0 },
    { "address", 1 }, { "netmask", 1 }, { "mtu", 1 } };

static const struct cli_cmd cli_cmds[] = {
	{ .name = "addport", .subs = cli_iftypes,
	    .nsubs = CLI_N(cli_iftypes), .usage = "[-h] {netdev,tap,client} "
	    "...", .help = "Add a port.", CLI_OPTS(cli_h), .npos = 1 },
	{ .name = "setport", .method = "setPort",
	    .usage = "[-h] [--shut {0,1}] port",
	    .help = "Shut a port (1) or open it (0); without --shut, show it.",
	    .opthelp = "  --shut {0,1}          1: the port drops every frame; "
	    "0: it forwards again\n",
	    CLI_OPTS(cli_shut_opts), .npos = 1, .table = &cli_ports,
	    .params = cli_params_port },
	{ .name = "delport", .method = "delPort", .usage = "[-h] port",
	    .help = "Delete a port.", CLI_OPTS(cli_h), .npos = 1,
	    .table = &cli_ports, .params = cli_params_port },
	{ .name = "listport", .method = "listPort", .usage = "[-h]",
	    .help = "List ports.", CLI_OPTS(cli_h), .table = &cli_ports },
	{ .name = "showport", .method = "showPort", .usage = "[-h] port",
	    .help = "Show a port's status: its state and since when, the peer, "
	    "TLS,\nthe transmit queue, drops, and for a client port its "
	    "reconnects,\nthe next attempt and the last error (etherws "
	    "1.3's switch lacks it).", CLI_OPTS(cli_h), .npos = 1,
	    .table = NULL, .params = cli_params_port },
	{ .name = "setif", .method = "setInterface", .usage = "[-h] "
	    "[--address ADDRESS] [--netmask NETMASK] [--mtu MTU] port",
	    .help = "Configure the interface of a tap or netdev port.",
	    .opthelp =
	    "  --address ADDRESS     IPv4 address (\"\" removes it)\n"
	    "  --netmask NETMASK     IPv4 netmask\n"
	    "  --mtu MTU             MTU, 576..65535\n",
	    CLI_OPTS(cli_setif_opts), .npos = 1, .table = &cli_ifs,
	    .params = cli_params_setif },
	{ .name = "listif", .method = "listInterface", .usage = "[-h]",
	    .help = "List tap and netdev interfaces.", CLI_OPTS(cli_h),
	    .table = &cli_ifs },
	{ .name = "listfdb", .method = "listFdb", .usage = "[-h]",
	    .help = "List the MAC address table.", CLI_OPTS(cli_h),
	    .table = &cli_fdb },
	{ .name = "dump", .method = "dump", .usage = "[-h]",
	    .help = "Print the switch's ports as a configuration file (sw "
	    "--config),\nwithout any password.", CLI_OPTS(cli_h),
	    .table = &cli_textres },
	{ .name = "reload", .method = "reload", .usage = "[-h]",
	    .help = "Apply the switch's --config file again (only what "
	    "changed), as\nSIGHUP does; list the ports.", CLI_OPTS(cli_h),
	    .table = &cli_ports }
};

/* Global options: empty --ctluser, --ctlpasswd or --ctlpwfile counts
 * as absent; a password both given and in a file is refused. */
static int
cli_globals(const struct cli_parser *p, struct cli_args *a)
{
	memset(a, 0, sizeof(*a));
	a->url = p->val[1] != NULL ? p->val[1] : CLI_DEFAULT_URL;
	if (p->val[2] != NULL && *p->val[2] != '\0') {
		a->user = p->val[2];
		if (p->val[3] != NULL && *p->val[3] != '\0')
			a->passwd = p->val[3];
		if (p->val[7] != NULL && *p->val[7] != '\0')
			a->pwfile = p->val[7];
	}
	a->sslcert = p->val[4];
	a->insecure = p->val[5] != NULL;
	a->json = p->val[6] != NULL;
	if (a->passwd != NULL && a->pwfile != NULL)
		return cli_usage(p, "--ctlpwfile and --ctlpasswd: give one of "
		    "them, not both");
	a->answer_s = CLI_ANSWER_S;
	if (p->val[8] != NULL && cli_int(p, "--timeout", p->val[8],
	    &a->answer_s))
		return CLI_USAGE;
	if (a->answer_s < 1 || a->answer_s > CLI_TIMEOUT_MAX_S)
		return cli_check(p, "invalid --timeout %lld: must be 1..%d "
		    "seconds", a->answer_s, CLI_TIMEOUT_MAX_S);
	return cli_url_check(p, "--ctlurl ", a->url, "http", "https");
}

static const struct ew_opt cli_global_opts[] = { { "help", 0 },
    { "ctlurl", 1 }, { "ctluser", 1 }, { "ctlpasswd", 1 },
    { "ctlsslcert", 1 }, { "ctlinsecure", 0 }, { "json", 0 },
    { "ctlpwfile", 1 }, { "timeout", 1 } };

static const struct cli_cmd cli_top = {
	.name = "etherws ctl", .subs = cli_cmds, .nsubs = CLI_N(cli_cmds),
	.usage = "[-h] [--ctlurl CTLURL] [--ctluser CTLUSER] [--ctlpasswd "
	    "CTLPASSWD] [--ctlpwfile FILE] [--ctlsslcert CTLSSLCERT] "
	    "[--ctlinsecure] [--json] [--timeout SECONDS] {addport,"
	    "setport,delport,listport,showport,setif,listif,listfdb,dump,"
	    "reload} ...",
	.help = "Control a running etherws switch over its JSON-RPC control "
	    "endpoint.\nExit status: 0 done, 1 the switch refused or did not "
	    "answer, 2 usage\nerror.  \"etherws ctl COMMAND -h\" describes "
	    "COMMAND.",
	.opthelp =
	"  --ctlurl CTLURL       the switch's control URL, http:// or https://"
	"\n                        (default " CLI_DEFAULT_URL ")\n"
	"  --ctluser CTLUSER     Basic auth user (for sw --ctlhtpasswd)\n"
	"  --ctlpasswd CTLPASSWD its password (prompted for when --ctluser "
	"comes\n                        alone)\n"
	"  --ctlpwfile FILE      read that password from the first line of "
	"FILE\n                        (keeps it out of the command line)\n"
	"  --ctlsslcert CTLSSLCERT\n"
	"                        CA file to verify an https:// switch "
	"(default:\n                        the system bundle)\n"
	"  --ctlinsecure         do not verify the https:// switch\n"
	"  --json                print the switch's result as JSON (one "
	"line, for\n                        scripts) instead of a table\n"
	"  --timeout SECONDS     a switch that answers nothing this long "
	"is stopped\n                        or hung: exit 1 (default "
	CLI_STR(CLI_ANSWER_S) ")\n",
	CLI_OPTS(cli_global_opts), .npos = 1
};

/*
 * Parse the command line from argv[idx] on for command c, prog its
 * words so far ("etherws ctl addport client"), and write the request
 * body's method and params into w; *t gets the reply's table.  Top
 * level only (c == &cli_top): the global options into *a.  Returns
 * CLI_GO or an exit status.
 */
static int
cli_run(const struct cli_cmd *c, const char *prog, char **argv, int argc,
    int idx, struct cli_args *a, struct jw *w, const struct cli_table **t)
{
	struct cli_parser p;
	const struct cli_cmd *sub;
	int r;

	memset(&p, 0, sizeof(p));
	p.cmd = c;
	ew_snprintf(p.prog, sizeof(p.prog), "%.100s", prog);
	ew_snprintf(p.usage_prog, sizeof(p.usage_prog), "usage: %s %s\n%s",
	    p.prog, c->usage, p.prog);
	p.argc = argc;
	p.argv = argv;
	p.idx = idx;
	if ((r = cli_parse(&p)) != CLI_GO)
		return r;
	if (c == &cli_top && (r = cli_globals(&p, a)) != CLI_GO)
		return r;
	if (c->nsubs > 0) {
		if ((sub = cli_choose(&p, c == &cli_top ? "command" :
		    "port type")) == NULL)
			return CLI_USAGE;
		ew_snprintf(p.prog + strlen(p.prog), sizeof(p.prog) -
		    strlen(p.prog), " %.20s", sub->name);
		return cli_run(sub, p.prog, argv, argc, p.idx, a, w, t);
	}
	jw_raw(w, "{\"jsonrpc\": \"2.0\", \"method\": \"etherws.control.");
	jw_raw(w, c->method);
	jw_raw(w, "\", \"id\": 0");
	*t = c->table;
	return c->params != NULL ? c->params(&p, w) : CLI_GO;
}

int
ctl_main(int argc, char **argv)
{
	static char body[CTL_MAX_BODY];
	const struct cli_table *t = NULL;
	struct cli_args a;
	struct jw w;
	int r;

	jw_init(&w, body, sizeof(body));
	r = cli_run(&cli_top, "etherws ctl", argv, argc, 1, &a, &w, &t);
	if (r != CLI_GO)
		return r;
	return cli_call(&a, &w, t);
}
