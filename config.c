/*
 * config.c - the configuration file of sw --config: lines into port
 * declarations (config.h), and declarations back into lines for
 * "ctl dump".  Every error names its line; a file with one is refused
 * whole (the caller applies nothing), so the parser only reads.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cli.h"
#include "config.h"
#include "fmt.h"
#include "http.h"
#include "json.h"
#include "util.h"

struct cfg_state {
	const char	*dir;		/* for relative paths */
	int		 line;
	char		*err;
	size_t		 errlen;
};

static int cfg_fail(struct cfg_state *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* "line N: <what>" into st->err: -1. */
static int
cfg_fail(struct cfg_state *st, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = ew_snprintf(st->err, st->errlen, "line %d: ", st->line);
	if (n < 0 || (size_t)n >= st->errlen)
		return -1;
	va_start(ap, fmt);
	ew_vsnprintf(st->err + n, st->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Words */

/*
 * Split the line (len bytes, no LF) into at most CFG_WORDS_MAX words,
 * copied NUL-terminated into buf (len + 1 bytes at least: quotes only
 * shrink it): their count, or -1.  A '#' that begins a word ends the
 * line; '...' is taken as is, "..." with \" and \\.
 */
static int
cfg_words(struct cfg_state *st, const char *s, size_t len, char *buf,
    char **word)
{
	size_t i = 0, o = 0;
	int n = 0;
	char q;

	/* a name or path with control bytes is no one's intent, and the
	 * dump could not write it back (a CR ends a CRLF line) */
	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t' &&
		    (s[i] != '\r' || i + 1 < len)) || s[i] == 0x7f)
			return cfg_fail(st, "a control character (byte %u)",
			    (unsigned char)s[i]);
	for (i = 0;;) {
		while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
			i++;
		if (i == len || s[i] == '#')
			return n;
		if (n == CFG_WORDS_MAX)
			return cfg_fail(st, "over %d words", CFG_WORDS_MAX);
		word[n++] = buf + o;
		while (i < len && s[i] != ' ' && s[i] != '\t' && s[i] != '\r') {
			if (s[i] != '\'' && s[i] != '"') {
				buf[o++] = s[i++];
				continue;
			}
			for (q = s[i++]; i < len && s[i] != q; i++) {
				if (q == '"' && s[i] == '\\' && i + 1 < len &&
				    (s[i + 1] == '"' || s[i + 1] == '\\'))
					i++;
				buf[o++] = s[i];
			}
			if (i == len)
				return cfg_fail(st, "a %s quote is not closed",
				    q == '"' ? "double" : "single");
			i++;
		}
		buf[o++] = '\0';
	}
}

/* ------------------------------------------------------------------ */
/* Options */

enum { FOR_DEV = 1, FOR_CLIENT = 2 };

static const struct cfg_opt {
	const char	*name;
	int		 arg;		/* takes a value */
	int		 kinds;		/* FOR_DEV | FOR_CLIENT */
} cfg_opts[] = {
	{ "address", 1, FOR_DEV }, { "netmask", 1, FOR_DEV },
	{ "mtu", 1, FOR_DEV }, { "shut", 0, FOR_DEV | FOR_CLIENT },
	{ "user", 1, FOR_CLIENT }, { "pwfile", 1, FOR_CLIENT },
	{ "cacerts", 1, FOR_CLIENT }, { "insecure", 0, FOR_CLIENT },
	{ "pin", 1, FOR_CLIENT },
};
#define CFG_NOPTS	(sizeof(cfg_opts) / sizeof(cfg_opts[0]))

static const char *
opt_name(size_t i, const void *tab)
{
	return ((const struct cfg_opt *)tab)[i].name;
}

static const char *
kind_word(enum port_kind k)
{
	return k == PORT_TAP ? "tap" : k == PORT_NETDEV ? "netdev" : "client";
}

/* Copy v into out (cap bytes), "--name" too long otherwise. */
static int
cfg_copy(struct cfg_state *st, const char *name, const char *v, char *out,
    size_t cap)
{
	if (strlen(v) >= cap)
		return cfg_fail(st, "--%s: over %zu bytes", name, cap - 1);
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

/* A path, absolute against st->dir. */
static int
cfg_path(struct cfg_state *st, const char *name, const char *v, char *out,
    size_t cap)
{
	int n;

	if (v[0] == '\0')
		return cfg_fail(st, "--%s: an empty path", name);
	if (v[0] == '/' || st->dir[0] == '\0')
		return cfg_copy(st, name, v, out, cap);
	n = ew_snprintf(out, cap, "%s/%s", st->dir, v);
	if (n < 0 || (size_t)n >= cap)
		return cfg_fail(st, "--%s: over %zu bytes", name, cap - 1);
	return 0;
}

static int
cfg_ipv4(struct cfg_state *st, const char *name, const char *v, char *out)
{
	uint8_t a[4];

	if (ew_inet_aton(v, a, 0) != 1)
		return cfg_fail(st, "invalid --%s %s: not an IPv4 address",
		    name, v);
	ew_snprintf(out, 16, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	return 0;
}

/* Option o with value v (NULL for a flag) into d. */
static int
cfg_set(struct cfg_state *st, struct cfg_port *d, const struct cfg_opt *o,
    const char *v)
{
	const char *nm = o->name;
	long long n;

	if (strcmp(nm, "address") == 0)
		return cfg_ipv4(st, nm, v, d->address);
	if (strcmp(nm, "netmask") == 0)
		return cfg_ipv4(st, nm, v, d->netmask);
	if (strcmp(nm, "mtu") == 0) {
		if (ew_parse_int(v, &n) < 0 || n < MTU_MIN || n > MTU_MAX)
			return cfg_fail(st, "invalid --mtu %s: must be %d..%d",
			    v, MTU_MIN, MTU_MAX);
		d->mtu = (int)n;
	} else if (strcmp(nm, "shut") == 0)
		d->shut = 1;
	else if (strcmp(nm, "insecure") == 0)
		d->insecure = 1;
	else if (strcmp(nm, "user") == 0)
		return v[0] == '\0' ? cfg_fail(st, "--user: an empty name") :
		    cfg_copy(st, nm, v, d->user, sizeof(d->user));
	else if (strcmp(nm, "pwfile") == 0)
		return cfg_path(st, nm, v, d->pwfile, sizeof(d->pwfile));
	else if (strcmp(nm, "cacerts") == 0)
		return cfg_path(st, nm, v, d->cacerts, sizeof(d->cacerts));
	else if (strncmp(v, "sha256//", 8) != 0)	/* pin */
		return cfg_fail(st, "invalid --pin %s: must be sha256//BASE64 "
		    "(the server key's SHA-256)", v);
	else
		return cfg_copy(st, nm, v, d->pin, sizeof(d->pin));
	return 0;
}

/* The option word w (and its value, words[*k + 1]) for d. */
static int
cfg_option(struct cfg_state *st, struct cfg_port *d, char **words, int n,
    int *k, unsigned *seen)
{
	const char *w = words[*k] + 2;
	size_t i;
	int near;

	if (strcmp(w, "passwd") == 0)
		return cfg_fail(st, "--passwd: a password never goes in the "
		    "file (--pwfile FILE: its first line)");
	for (i = 0; i < CFG_NOPTS; i++)
		if (strcmp(w, cfg_opts[i].name) == 0)
			break;
	if (i == CFG_NOPTS) {
		near = ew_nearest(w, strlen(w), opt_name, cfg_opts, CFG_NOPTS);
		if (near >= 0)
			return cfg_fail(st, "unknown option --%s (did you mean "
			    "--%s?)", w, cfg_opts[near].name);
		return cfg_fail(st, "unknown option --%s", w);
	}
	if (!(cfg_opts[i].kinds & (d->kind == PORT_CLIENT ? FOR_CLIENT :
	    FOR_DEV)))
		return cfg_fail(st, "--%s is not an option of a %s port", w,
		    kind_word(d->kind));
	if (*seen & (1u << i))
		return cfg_fail(st, "--%s given twice", w);
	*seen |= 1u << i;
	if (!cfg_opts[i].arg)
		return cfg_set(st, d, &cfg_opts[i], NULL);
	if (*k + 1 >= n)
		return cfg_fail(st, "--%s needs a value", w);
	return cfg_set(st, d, &cfg_opts[i], words[++*k]);
}

/* ------------------------------------------------------------------ */
/* Declarations */

/* A device name: what the kernel takes (IFNAMSIZ, no '/', no space),
 * and fixed: no %d, since a reload finds the port by it. */
static int
cfg_devname(struct cfg_state *st, const struct cfg_port *d)
{
	const char *t = d->target;

	if (t[0] == '\0' || strlen(t) >= IFNAME_MAX)
		return cfg_fail(st, "invalid %s name '%s': 1..%d bytes",
		    kind_word(d->kind), t, IFNAME_MAX - 1);
	if (strchr(t, '%') != NULL)
		return cfg_fail(st, "invalid %s name %s: a fixed name (no %%d: "
		    "a reload finds the port by its name)",
		    kind_word(d->kind), t);
	if (strchr(t, '/') != NULL || strcmp(t, ".") == 0 ||
	    strcmp(t, "..") == 0)
		return cfg_fail(st, "invalid %s name %s", kind_word(d->kind),
		    t);
	return 0;
}

static int
cfg_url(struct cfg_state *st, const struct cfg_port *d)
{
	static struct url u;	/* 1.5 KB: not on the stack */
	const char *why = "a client port's URL starts with ws:// or wss://";
	int bad = strncmp(d->target, "ws://", 5) != 0 &&
	    strncmp(d->target, "wss://", 6) != 0;

	if (!bad && url_parse_why(d->target, &u, &why) < 0)
		bad = 1;
	else if (!bad && u.has_userinfo) {
		why = "no user:password@ (give --user and --pwfile)";
		bad = 1;
	}
	return bad ? cfg_fail(st, "invalid URL %s: %s", d->target, why) : 0;
}

/* What a complete declaration must be. */
static int
cfg_check(struct cfg_state *st, const struct cfg_port *d, int ntarget)
{
	if (ntarget == 0)
		return cfg_fail(st, "a %s port needs its %s",
		    kind_word(d->kind), d->kind == PORT_CLIENT ? "URL" :
		    "device name");
	if (ntarget > 1)
		return cfg_fail(st, "one %s a line", d->kind == PORT_CLIENT ?
		    "URL" : "device name");
	if (d->kind != PORT_CLIENT)
		return cfg_devname(st, d);
	if (d->pwfile[0] != '\0' && d->user[0] == '\0')
		return cfg_fail(st, "--pwfile needs --user");
	return cfg_url(st, d);
}

/* The words of one line into d. */
static int
cfg_decl(struct cfg_state *st, char **words, int n, struct cfg_port *d)
{
	unsigned seen = 0;
	int k, ntarget = 0;

	memset(d, 0, sizeof(*d));
	d->line = st->line;
	if (strcmp(words[0], "tap") == 0)
		d->kind = PORT_TAP;
	else if (strcmp(words[0], "netdev") == 0)
		d->kind = PORT_NETDEV;
	else if (strcmp(words[0], "client") == 0)
		d->kind = PORT_CLIENT;
	else
		return cfg_fail(st, "unknown port type %s: tap, netdev or "
		    "client", words[0]);
	for (k = 1; k < n; k++) {
		if (strncmp(words[k], "--", 2) == 0 && words[k][2] != '\0') {
			if (cfg_option(st, d, words, n, &k, &seen) < 0)
				return -1;
		} else if (ntarget++ == 0 &&
		    cfg_copy(st, "target", words[k], d->target,
		    sizeof(d->target)) < 0)
			return -1;
	}
	return cfg_check(st, d, ntarget);
}

int
cfg_same_port(const struct cfg_port *a, const struct cfg_port *b)
{
	/* a tap and a netdev port of one name are the same device */
	if ((a->kind == PORT_CLIENT) != (b->kind == PORT_CLIENT))
		return 0;
	return strcmp(a->target, b->target) == 0;
}

/* d (the last of c) against the ones before it. */
static int
cfg_unique(struct cfg_state *st, const struct cfg *c)
{
	const struct cfg_port *d = &c->port[c->n - 1];
	size_t i;

	for (i = 0; i + 1 < c->n; i++)
		if (cfg_same_port(&c->port[i], d))
			return cfg_fail(st, "%s %s is declared on line %d "
			    "already", kind_word(d->kind), d->target,
			    c->port[i].line);
	return 0;
}

/* One line (len bytes, without its LF): a declaration added to c, or
 * nothing (blank, comment). */
static int
cfg_line(struct cfg_state *st, const char *s, size_t len, struct cfg *c,
    char *buf)
{
	char *words[CFG_WORDS_MAX];
	struct cfg_port *np;
	int n;

	if (len > CFG_LINE_MAX)
		return cfg_fail(st, "over %d bytes", CFG_LINE_MAX);
	if ((n = cfg_words(st, s, len, buf, words)) <= 0)
		return n;
	if (c->n == CFG_PORTS_MAX)
		return cfg_fail(st, "over %d ports", CFG_PORTS_MAX);
	np = realloc(c->port, (c->n + 1) * sizeof(*c->port));
	if (np == NULL)
		return cfg_fail(st, "out of memory");
	c->port = np;
	c->n++;
	if (cfg_decl(st, words, n, &c->port[c->n - 1]) < 0)
		return -1;
	return cfg_unique(st, c);
}

int
cfg_parse(const char *text, size_t len, const char *dir, struct cfg *c,
    char *err, size_t errlen)
{
	struct cfg_state st = { dir, 0, err, errlen };
	static char buf[CFG_LINE_MAX + 1];
	const char *p = text, *e, *end = text + len;

	c->port = NULL;
	c->n = 0;
	if (len > CFG_FILE_MAX) {
		ew_snprintf(err, errlen, "over %d bytes", CFG_FILE_MAX);
		return -1;
	}
	while (p < end) {
		st.line++;
		e = memchr(p, '\n', (size_t)(end - p));
		if (e == NULL)
			e = end;
		if (cfg_line(&st, p, (size_t)(e - p), c, buf) < 0) {
			cfg_free(c);
			return -1;
		}
		p = e + (e < end);
	}
	return 0;
}

void
cfg_free(struct cfg *c)
{
	free(c->port);
	c->port = NULL;
	c->n = 0;
}

/* ------------------------------------------------------------------ */
/* Writing */

/* " word", or " --name word", quoted when it must be. */
static void
put_word(struct jw *w, const char *name, const char *v)
{
	const char *s;
	int q = v[0] == '\0' || v[0] == '#';

	if (name != NULL) {
		jw_raw(w, " --");
		jw_raw(w, name);
	}
	for (s = v; *s != '\0' && !q; s++)
		q = *s == ' ' || *s == '\t' || *s == '\'' || *s == '"' ||
		    *s == '\\';
	jw_raw(w, q ? " \"" : " ");
	for (s = v; *s != '\0'; s++) {
		if (q && (*s == '"' || *s == '\\'))
			jw_raw(w, "\\");
		jw_put(w, s, 1);
	}
	if (q)
		jw_raw(w, "\"");
}

int
cfg_format(const struct cfg_port *d, char *buf, size_t cap)
{
	struct jw w;
	char mtu[16];

	jw_init(&w, buf, cap);
	jw_raw(&w, kind_word(d->kind));
	if (d->kind != PORT_CLIENT)
		put_word(&w, NULL, d->target);
	if (d->address[0] != '\0')
		put_word(&w, "address", d->address);
	if (d->netmask[0] != '\0')
		put_word(&w, "netmask", d->netmask);
	ew_snprintf(mtu, sizeof(mtu), "%d", d->mtu);
	if (d->mtu != 0)
		put_word(&w, "mtu", mtu);
	if (d->user[0] != '\0')
		put_word(&w, "user", d->user);
	if (d->pwfile[0] != '\0')
		put_word(&w, "pwfile", d->pwfile);
	if (d->cacerts[0] != '\0')
		put_word(&w, "cacerts", d->cacerts);
	if (d->insecure)
		jw_raw(&w, " --insecure");
	if (d->pin[0] != '\0')
		put_word(&w, "pin", d->pin);
	if (d->shut)
		jw_raw(&w, " --shut");
	if (d->kind == PORT_CLIENT)
		put_word(&w, NULL, d->target);
	jw_raw(&w, "\n");
	if (w.ovf || w.len >= cap)
		return -1;
	buf[w.len] = '\0';
	return (int)w.len;
}
