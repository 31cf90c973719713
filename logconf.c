/*
 * logconf.c - --logconf: the subset of Python's logging.config.fileConfig
 * that etherws 1.3 users write (etherws.8).  The file (at most LOG_CONF_MAX bytes) is split in place into
 * sections and options as Python's configparser does, the formatters,
 * handlers and loggers are checked in Python's order, and the one
 * handler of the etherws logger is handed to log.c (log_set_handler);
 * a refused file changes nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "bytes.h"
#include "defs.h"
#include "errtext.h"
#include "file.h"
#include "fmt.h"
#include "log.h"
#include "logpriv.h"
#include "util.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#define HANDLER_FMT	"%(message)s"	/* Python's handler default */

struct ini_sect {
	const char	*name;
	int		 line;
};

struct ini_opt {
	int		 sect;		/* index into sect[] */
	const char	*key;		/* lower case */
	char		*val;		/* stripped; continuation lines joined */
	int		 line;
};

struct lcfg {
	char		 buf[LOG_CONF_MAX + 1];
	struct ini_sect	 sect[LOG_CONF_SECTIONS];
	struct ini_opt	 opt[LOG_CONF_OPTS];
	int		 nsect, nopt;
	char		*err;
	size_t		 errlen;
};

static int lerr(struct lcfg *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* Records a refusal of the content, "line N: ..." for the content of
 * line N (> 0); returns 2 (the exit status).  cerr: of no one line. */
static int
lerr(struct lcfg *c, int line, const char *fmt, ...)
{
	va_list ap;
	size_t n = 0;

	if (line > 0 && (n = (size_t)ew_snprintf(c->err, c->errlen,
	    "line %d: ", line)) >= c->errlen)
		return 2;
	va_start(ap, fmt);
	ew_vsnprintf(c->err + n, c->errlen - n, fmt, ap);
	va_end(ap);
	return 2;
}
#define cerr(c, ...)	lerr(c, 0, __VA_ARGS__)

static int
is_space(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' ||
	    ch == '\v' || ch == '\n';
}

/* Splits buf (NUL at len) into sections and options in place, as
 * Python's configparser does: "[name]", "key = value" or "key: value",
 * whole-line "#"/";" comments, keys case-insensitive, deeper-indented
 * lines continuing the value above. */
static int
ini_parse(struct lcfg *c, size_t len)
{
	char *p = c->buf, *end = c->buf + len, *line, *e, *s, *r, *k, *v, *dst;
	int lineno = 0, cur = -1, last = -1, last_indent = 0, indent, i;

	if (memchr(c->buf, '\0', len) != NULL)
		return cerr(c, "NUL byte in the file");
	while (p < end) {
		line = p;
		e = memchr(p, '\n', (size_t)(end - p));
		if (e == NULL)
			e = end;
		p = e < end ? e + 1 : end;
		lineno++;
		*e = '\0';
		if (e - line > LOG_CONF_LINE)
			return lerr(c, lineno, "longer than %d bytes",
			    LOG_CONF_LINE);
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		indent = (int)(s - line);
		while (e > s && is_space(e[-1]))
			*--e = '\0';
		if (*s == '\0') {
			last = -1;
			continue;
		}
		if (*s == '#' || *s == ';')
			continue;
		if (last >= 0 && indent > last_indent) {
			/* Continuation: join with '\n' (never moves right). */
			dst = c->opt[last].val + strlen(c->opt[last].val);
			if ((dst - c->opt[last].val) + (e - s) + 1 >
			    LOG_CONF_LINE)
				return lerr(c, lineno, "value longer than %d "
				    "bytes", LOG_CONF_LINE);
			*dst++ = '\n';
			memmove(dst, s, (size_t)(e - s) + 1);
			continue;
		}
		last = -1;
		if (*s == '[') {
			r = strrchr(s, ']');
			if (r == NULL || r == s + 1)
				return lerr(c, lineno, "bad section header");
			*r = '\0';
			if (strcmp(s + 1, "DEFAULT") == 0)
				return lerr(c, lineno, "unsupported section "
				    "[DEFAULT]");
			for (i = 0; i < c->nsect; i++)
				if (strcmp(c->sect[i].name, s + 1) == 0)
					return lerr(c, lineno, "duplicate "
					    "section [%s]", s + 1);
			if (c->nsect == LOG_CONF_SECTIONS)
				return lerr(c, lineno, "more than %d "
				    "sections", LOG_CONF_SECTIONS);
			c->sect[c->nsect].name = s + 1;
			c->sect[c->nsect].line = lineno;
			cur = c->nsect++;
			continue;
		}
		if (cur < 0)
			return lerr(c, lineno, "no [section] header "
			    "before it");
		for (v = s; *v != '\0' && *v != '=' && *v != ':'; v++)
			;
		if (*v == '\0')
			return lerr(c, lineno, "expected key = value");
		for (r = v; r > s && is_space(r[-1]); r--)
			;
		if (r == s)
			return lerr(c, lineno, "empty key");
		*r = '\0';
		for (k = s; *k != '\0'; k++)
			*k = (char)ew_lower((unsigned char)*k);
		for (v++; is_space(*v); v++)
			;
		for (i = 0; i < c->nopt; i++)
			if (c->opt[i].sect == cur && strcmp(c->opt[i].key,
			    s) == 0)
				return lerr(c, lineno, "duplicate option '%s' "
				    "in [%s]", s, c->sect[cur].name);
		if (c->nopt == LOG_CONF_OPTS)
			return lerr(c, lineno, "more than %d options",
			    LOG_CONF_OPTS);
		c->opt[c->nopt].sect = cur;
		c->opt[c->nopt].key = s;
		c->opt[c->nopt].val = v;
		c->opt[c->nopt].line = lineno;
		last = c->nopt++;
		last_indent = indent;
	}
	return 0;
}

/* Index of section "<prefix><name>", or -1. */
static int
ini_sect(const struct lcfg *c, const char *prefix, const char *name)
{
	size_t pl = strlen(prefix);
	int i;

	for (i = 0; i < c->nsect; i++)
		if (strncmp(c->sect[i].name, prefix, pl) == 0 &&
		    strcmp(c->sect[i].name + pl, name) == 0)
			return i;
	return -1;
}

static int
need_sect(struct lcfg *c, const char *prefix, const char *name, int *out)
{
	if ((*out = ini_sect(c, prefix, name)) < 0)
		return cerr(c, "no section [%s%s]",
		    prefix, name);
	return 0;
}

/*
 * Copies the value of key in section sect to out: 1 if found, 0 if
 * absent, 2 on a refusal.  raw values are taken as written (format,
 * datefmt); the others go through configparser's interpolation, of
 * which we take "%%" only.
 */
static int
ini_get(struct lcfg *c, int sect, const char *key, int raw, char *out,
    size_t cap)
{
	const char *v;
	size_t n = 0;
	int i;

	for (i = 0; i < c->nopt; i++)
		if (c->opt[i].sect == sect && strcmp(c->opt[i].key, key) == 0)
			break;
	if (i == c->nopt)
		return 0;
	for (v = c->opt[i].val; *v != '\0'; v++) {
		if (n + 1 >= cap)
			return lerr(c, c->opt[i].line, "%s is too long", key);
		if (!raw && *v == '%') {
			if (v[1] != '%')
				return lerr(c, c->opt[i].line, "unsupported "
				    "interpolation in %s: %s",
				    key, c->opt[i].val);
			v++;
		}
		out[n++] = *v;
	}
	out[n] = '\0';
	return 1;
}

static int
need_opt(struct lcfg *c, int sect, const char *key, char *out, size_t cap)
{
	int rc = ini_get(c, sect, key, 0, out, cap);

	if (rc == 0)
		return cerr(c, "no option '%s' in [%s]",
		    key, c->sect[sect].name);
	return rc == 1 ? 0 : rc;
}

/* Next item of a comma-separated list, stripped, into item; 1, or 0 at
 * the end.  An empty list has no items; "a,,b" has an empty one. */
static int
list_next(const char **pp, char *item, size_t cap)
{
	const char *p = *pp, *e;
	size_t n;

	if (p == NULL)
		return 0;
	while (is_space(*p))
		p++;
	if (*p == '\0' && (*pp)[0] == '\0')
		return 0;
	e = strchr(p, ',');
	*pp = e ? e + 1 : NULL;
	if (e == NULL)
		e = p + strlen(p);
	while (e > p && is_space(e[-1]))
		e--;
	n = (size_t)(e - p) < cap ? (size_t)(e - p) : cap - 1;
	memcpy(item, p, n);
	item[n] = '\0';
	return 1;
}

static int
list_has(const char *list, const char *name)
{
	char item[LOG_CONF_LINE];

	while (list_next(&list, item, sizeof(item)))
		if (strcmp(item, name) == 0)
			return 1;
	return 0;
}

static int
parse_level(struct lcfg *c, const char *s, int *out)
{
	static const struct { const char *name; int level; } names[] = {
		{ "NOTSET", EW_LOG_NOTSET }, { "DEBUG", EW_LOG_DEBUG },
		{ "INFO", EW_LOG_INFO }, { "WARN", EW_LOG_WARNING },
		{ "WARNING", EW_LOG_WARNING }, { "ERROR", EW_LOG_ERROR },
		{ "FATAL", EW_LOG_CRITICAL }, { "CRITICAL", EW_LOG_CRITICAL },
	};
	long long n;
	size_t i;

	for (i = 0; i < nitems(names); i++)
		if (strcmp(s, names[i].name) == 0) {
			*out = names[i].level;
			return 0;
		}
	if (ew_isdigit((unsigned char)s[0]) && ew_parse_int(s, &n) == 0 &&
	    n <= LOG_OFF) {
		*out = (int)n;
		return 0;
	}
	return cerr(c, "Unknown level: '%s'", s);
}

/* Optional "level" of a section into *out (unchanged when absent). */
static int
opt_level(struct lcfg *c, int sect, int *out)
{
	char v[LOG_CONF_LINE];
	int rc = ini_get(c, sect, "level", 0, v, sizeof(v));

	if (rc != 1)
		return rc;
	return parse_level(c, v, out);
}

static int
fmt_check(struct lcfg *c, const char *fmt)
{
	struct log_fmt_dir d;
	const char *f, *e;
	size_t n;

	for (f = fmt; *f != '\0'; f++) {
		if (*f != '%')
			continue;
		if (f[1] == '%') {
			f++;
			continue;
		}
		if (f[1] != '(') {
			for (e = f + 1; *e != '\0' && (strchr("-+ #0.", *e) ||
			    ew_isdigit((unsigned char)*e)); e++)
				;
			if (*e != '\0')
				e++;
			return cerr(c, "Unsupported format "
			    "directive: %.*s", (int)(e - f), f);
		}
		if ((n = log_fmt_dir(f, &d)) == 0)
			return cerr(c, "Unsupported format "
			    "directive: %.32s", f);
		if (d.key < 0)
			return cerr(c, "Unsupported format key: "
			    "%.*s", (int)n, f);
		if (d.conv != 's' || d.width > LOG_FMT_WIDTH ||
		    d.prec > LOG_FMT_WIDTH)
			return cerr(c, "Unsupported format "
			    "directive: %.*s", (int)n, f);
		f += n - 1;
	}
	return 0;
}

/* Validates [formatter_<name>]; fills h->fmt and h->datefmt. */
static int
fmt_load(struct lcfg *c, const char *name, struct log_handler *h)
{
	char v[LOG_CONF_LINE];
	int s, rc;

	if ((rc = need_sect(c, "formatter_", name, &s)) != 0)
		return rc;
	rc = ini_get(c, s, "class", 0, v, sizeof(v));
	if (rc == 2)
		return rc;
	if (rc == 1 && strcmp(v, "logging.Formatter") != 0 &&
	    strcmp(v, "Formatter") != 0)
		return cerr(c, "Unsupported formatter class: %s",
		    v);
	rc = ini_get(c, s, "style", 1, v, sizeof(v));
	if (rc == 2)
		return rc;
	if (rc == 1 && strcmp(v, "%") != 0)
		return cerr(c, "Unsupported formatter style: %s",
		    v);
	if ((rc = ini_get(c, s, "defaults", 1, v, sizeof(v))) != 0)
		return rc == 1 ? cerr(c, "Unsupported formatter "
		    "option: defaults") : rc;
	rc = ini_get(c, s, "format", 1, h->fmt, sizeof(h->fmt));
	if (rc == 2)
		return cerr(c, "format longer than %d "
		    "bytes in [formatter_%s]", LOG_FMT_MAX - 1, name);
	if (rc == 0 || h->fmt[0] == '\0')
		ew_snprintf(h->fmt, sizeof(h->fmt), "%s", HANDLER_FMT);
	rc = ini_get(c, s, "datefmt", 1, h->datefmt, sizeof(h->datefmt));
	if (rc == 2)
		return cerr(c, "datefmt longer than %d "
		    "bytes in [formatter_%s]", LOG_FMT_MAX - 1, name);
	if (rc == 0)
		h->datefmt[0] = '\0';
	return fmt_check(c, h->fmt);
}

/* A Python literal in handler args, as written. */
enum { PV_STR, PV_INT, PV_NAME, PV_TUPLE };
struct py_item {
	int		 type;
	const char	*s;
	size_t		 len;
};

static const char *
py_ws(const char *p, const char *end)
{
	while (p < end && is_space(*p))
		p++;
	return p;
}

static int
py_isname(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    ch == '_' || ew_isdigit(ch);
}

/* Skips one literal at *pp: a quoted string, an integer, a dotted
 * name or a parenthesised group; returns its PV_* type or -1. */
static int
py_skip(const char **pp, const char *end)
{
	const char *p = *pp;
	char q;
	int depth;

	if (p >= end)
		return -1;
	if (*p == '\'' || *p == '"') {
		for (q = *p++; p < end && *p != q; p++)
			if (*p == '\\' && ++p == end)
				return -1;
		if (p == end)
			return -1;
		*pp = p + 1;
		return PV_STR;
	}
	if (*p == '-' || ew_isdigit((unsigned char)*p)) {
		for (p++; p < end && ew_isdigit((unsigned char)*p); p++)
			;
		if (!ew_isdigit((unsigned char)p[-1]))
			return -1;
		*pp = p;
		return PV_INT;
	}
	if (py_isname((unsigned char)*p)) {
		while (p < end && (py_isname((unsigned char)*p) || *p == '.'))
			p++;
		*pp = p;
		return PV_NAME;
	}
	if (*p == '(') {
		for (depth = 0; p < end; p++) {
			if (*p == '\'' || *p == '"') {
				if (py_skip(&p, end) < 0)
					return -1;
				p--;
			} else if (*p == '(')
				depth++;
			else if (*p == ')' && --depth == 0)
				break;
		}
		if (p == end)
			return -1;
		*pp = p + 1;
		return PV_TUPLE;
	}
	return -1;
}

/* Parses the tuple (s, len) ("()", "(a,)", "(a, b)") into up to max
 * items: 0, or -1 if it is anything else. */
static int
py_tuple(const char *s, size_t len, struct py_item *it, int max, int *n)
{
	const char *p, *end = s + len, *q;
	int type, comma = 0;

	*n = 0;
	p = py_ws(s, end);
	if (p == end || *p++ != '(')
		return -1;
	for (;;) {
		p = py_ws(p, end);
		if (p < end && *p == ')')
			break;
		if (*n == max)
			return -1;
		q = p;
		if ((type = py_skip(&q, end)) < 0)
			return -1;
		it[*n].type = type;
		it[*n].s = p;
		it[*n].len = (size_t)(q - p);
		(*n)++;
		p = py_ws(q, end);
		if (p < end && *p == ',') {
			comma = 1;
			p++;
			continue;
		}
		if (p < end && *p == ')')
			break;
		return -1;
	}
	if (py_ws(p + 1, end) != end || (*n == 1 && !comma))
		return -1;
	return 0;
}

/* Decodes a string item (escapes \\ \' \" only): 0, or -1. */
static int
py_str(const struct py_item *it, char *out, size_t cap)
{
	const char *p = it->s + 1, *end = it->s + it->len - 1;
	size_t n = 0;

	if (it->type != PV_STR)
		return -1;
	for (; p < end; p++) {
		if (*p == '\\') {
			p++;
			if (*p != '\\' && *p != '\'' && *p != '"')
				return -1;
		}
		if (n + 1 >= cap)
			return -1;
		out[n++] = *p;
	}
	out[n] = '\0';
	return 0;
}

static int
py_is(const struct py_item *it, const char *text)
{
	return strlen(text) == it->len && memcmp(it->s, text, it->len) == 0;
}

static int
syslog_facility(const struct py_item *it, int *out)
{
	static const struct { const char *name; int fac; } f[] = {
		{ "LOG_KERN", LOG_KERN }, { "LOG_USER", LOG_USER },
		{ "LOG_MAIL", LOG_MAIL }, { "LOG_DAEMON", LOG_DAEMON },
		{ "LOG_AUTH", LOG_AUTH }, { "LOG_SYSLOG", LOG_SYSLOG },
		{ "LOG_LPR", LOG_LPR }, { "LOG_NEWS", LOG_NEWS },
		{ "LOG_UUCP", LOG_UUCP }, { "LOG_CRON", LOG_CRON },
		{ "LOG_AUTHPRIV", LOG_AUTHPRIV }, { "LOG_FTP", LOG_FTP },
		{ "LOG_LOCAL0", LOG_LOCAL0 }, { "LOG_LOCAL1", LOG_LOCAL1 },
		{ "LOG_LOCAL2", LOG_LOCAL2 }, { "LOG_LOCAL3", LOG_LOCAL3 },
		{ "LOG_LOCAL4", LOG_LOCAL4 }, { "LOG_LOCAL5", LOG_LOCAL5 },
		{ "LOG_LOCAL6", LOG_LOCAL6 }, { "LOG_LOCAL7", LOG_LOCAL7 },
	};
	const char *pfx = "handlers.SysLogHandler.";
	size_t i, pl = strlen(pfx);
	char buf[64];
	long long n;

	if (it->type == PV_INT && it->len < sizeof(buf)) {
		memcpy(buf, it->s, it->len);
		buf[it->len] = '\0';
		if (ew_parse_int(buf, &n) == 0 && n >= 0 && n <= 23) {
			*out = (int)n << 3;
			return 0;
		}
		return -1;
	}
	if (it->type != PV_NAME || it->len <= pl ||
	    memcmp(it->s, pfx, pl) != 0)
		return -1;
	for (i = 0; i < nitems(f); i++)
		if (strlen(f[i].name) == it->len - pl &&
		    memcmp(f[i].name, it->s + pl, it->len - pl) == 0) {
			*out = f[i].fac;
			return 0;
		}
	return -1;
}

/* SysLogHandler's address: "/dev/log", or the local UDP default. */
static int
syslog_address(const struct py_item *it)
{
	struct py_item a[3];
	char s[64];
	int n;

	if (it->type == PV_STR)
		return py_str(it, s, sizeof(s)) == 0 &&
		    strcmp(s, "/dev/log") == 0 ? 0 : -1;
	if (it->type != PV_TUPLE || py_tuple(it->s, it->len, a, 3, &n) < 0 ||
	    n != 2 || py_str(&a[0], s, sizeof(s)) < 0 || !py_is(&a[1], "514"))
		return -1;
	return strcmp(s, "localhost") == 0 || strcmp(s, "127.0.0.1") == 0 ||
	    strcmp(s, "::1") == 0 ? 0 : -1;
}

/*
 * Validates [handler_<name>] (class, args, kwargs, level, formatter)
 * into h; with do_open, opens a FileHandler's file (mode 'w'
 * truncates, as Python does at start).
 */
static int
handler_load(struct lcfg *c, const char *name, const char *flist,
    struct log_handler *h, int do_open)
{
	char cls[LOG_CONF_LINE], args[LOG_CONF_LINE], v[LOG_CONF_LINE];
	char mode[8], file[PATH_MAX], cwd[PATH_MAX];
	struct py_item it[4];
	int s, rc, n, trunc = 0;

	memset(h, 0, sizeof(*h));
	h->fd = -1;
	h->facility = LOG_DAEMON;
	ew_snprintf(h->fmt, sizeof(h->fmt), "%s", HANDLER_FMT);
	if ((rc = need_sect(c, "handler_", name, &s)) != 0 ||
	    (rc = need_opt(c, s, "class", cls, sizeof(cls))) != 0)
		return rc;
	if (strcmp(cls, "StreamHandler") == 0 ||
	    strcmp(cls, "logging.StreamHandler") == 0)
		h->kind = LH_STDERR;
	else if (strcmp(cls, "FileHandler") == 0 ||
	    strcmp(cls, "logging.FileHandler") == 0)
		h->kind = LH_FILE;
	else if (strcmp(cls, "handlers.SysLogHandler") == 0 ||
	    strcmp(cls, "logging.handlers.SysLogHandler") == 0)
		h->kind = LH_SYSLOG;
	else
		return cerr(c, "Unsupported handler class: %s",
		    cls);
	rc = ini_get(c, s, "args", 0, args, sizeof(args));
	if (rc == 2)
		return rc;
	if (rc == 0)
		ew_snprintf(args, sizeof(args), "()");
	rc = ini_get(c, s, "kwargs", 0, v, sizeof(v));
	if (rc == 2)
		return rc;
	if (rc == 1 && strcmp(v, "{}") != 0)
		return cerr(c, "Unsupported handler kwargs: %s", v);
	if (py_tuple(args, strlen(args), it, (int)nitems(it), &n) < 0)
		goto badargs;
	switch (h->kind) {
	case LH_STDERR:
		if (n == 1 && py_is(&it[0], "sys.stdout"))
			h->kind = LH_STDOUT;
		else if (n > 1 || (n == 1 && !py_is(&it[0], "sys.stderr")))
			goto badargs;
		break;
	case LH_FILE:
		if (n < 1 || n > 2 || py_str(&it[0], file, sizeof(file)) < 0 ||
		    file[0] == '\0')
			goto badargs;
		if (n == 2) {
			if (py_str(&it[1], mode, sizeof(mode)) < 0 ||
			    (strcmp(mode, "a") != 0 && strcmp(mode, "w") != 0))
				goto badargs;
			trunc = mode[0] == 'w';
		}
		if (file[0] == '/')
			rc = ew_snprintf(h->path, sizeof(h->path), "%s", file);
		else if (getcwd(cwd, sizeof(cwd)) != NULL)
			rc = ew_snprintf(h->path, sizeof(h->path), "%s/%s", cwd,
			    file);
		else {
			cerr(c, "cannot find the current directory: %s",
			    ew_strerror(errno));
			return 1;
		}
		if (rc < 0 || (size_t)rc >= sizeof(h->path))
			return cerr(c, "file name too "
			    "long: %s", file);
		break;
	case LH_SYSLOG:
		if (n > 2 || (n >= 1 && syslog_address(&it[0]) < 0) ||
		    (n == 2 && syslog_facility(&it[1], &h->facility) < 0))
			goto badargs;
		break;
	}
	if ((rc = opt_level(c, s, &h->level)) > 1)
		return rc;
	rc = ini_get(c, s, "formatter", 0, v, sizeof(v));
	if (rc == 2)
		return rc;
	if (rc == 1 && v[0] != '\0') {
		if (!list_has(flist, v))
			return cerr(c, "formatter '%s' of "
			    "[handler_%s] is not in [formatters] keys", v,
			    name);
		if ((rc = fmt_load(c, v, h)) != 0)
			return rc;
	}
	if (do_open && h->kind == LH_FILE &&
	    (h->fd = log_open_file(h->path, trunc)) < 0) {
		cerr(c, "cannot open %s: %s", h->path,
		    ew_nofollow_strerror(errno));
		return 1;
	}
	return 0;
badargs:
	return cerr(c, "Unsupported %s args: %s", cls, args);
}

struct lg {
	int	 seen;
	int	 level;			/* -1 = not set */
	int	 propagate;
	char	 handlers[LOG_CONF_LINE];
};

/* [logger_<key>]: level, handlers, and (not root) qualname, propagate. */
static int
logger_load(struct lcfg *c, const char *key, const char *hlist,
    struct lg *root, struct lg *ew)
{
	char v[LOG_CONF_LINE], item[LOG_CONF_LINE];
	struct lg l, *to = NULL;
	const char *p;
	long long n;
	int s, rc, isroot = strcmp(key, "root") == 0;

	memset(&l, 0, sizeof(l));
	l.level = -1;
	l.propagate = 1;
	if ((rc = need_sect(c, "logger_", key, &s)) != 0 ||
	    (rc = opt_level(c, s, &l.level)) > 1 ||
	    (rc = need_opt(c, s, "handlers", l.handlers,
	    sizeof(l.handlers))) != 0)
		return rc;
	for (p = l.handlers; list_next(&p, item, sizeof(item)); )
		if (!list_has(hlist, item))
			return cerr(c, "handler '%s' of "
			    "[logger_%s] is not in [handlers] keys", item, key);
	if (isroot)
		to = root;
	else {
		if ((rc = need_opt(c, s, "qualname", v, sizeof(v))) != 0)
			return rc;
		if (strcmp(v, "etherws") == 0)
			to = ew;
		rc = ini_get(c, s, "propagate", 0, v, sizeof(v));
		if (rc == 2)
			return rc;
		if (rc == 1) {
			if (ew_parse_int(v, &n) < 0)
				return cerr(c, "bad "
				    "propagate in [logger_%s]: '%s'", key, v);
			l.propagate = n != 0;
		}
	}
	if (to == NULL)
		return 0;		/* another logger: not ours */
	if (to->seen)
		return cerr(c, "logger %s configured "
		    "twice", isroot ? "root" : "etherws");
	*to = l;
	to->seen = 1;
	return 0;
}

/* Appends the handlers of list to names (", "-separated), counting
 * them in *n; a name twice in one list counts once, as Python adds a
 * handler to a logger once. */
static void
add_handlers(const char *list, char *names, size_t cap, int *n)
{
	char item[LOG_CONF_LINE], prev[LOG_CONF_LINE];
	const char *p = list, *q;
	size_t len;
	int k, j, dup;

	for (k = 0; list_next(&p, item, sizeof(item)); k++) {
		dup = 0;
		for (q = list, j = 0; j < k && list_next(&q, prev,
		    sizeof(prev)); j++)
			if (strcmp(prev, item) == 0)
				dup = 1;
		if (dup)
			continue;
		len = strlen(names);
		ew_snprintf(names + len, cap - len, "%s%s", *n ? ", " : "", item);
		(*n)++;
	}
}

/* The "keys" of section [name] ([formatters], [handlers], [loggers]). */
static int
need_keys(struct lcfg *c, const char *name, char *out, size_t cap)
{
	int s, rc;

	if ((rc = need_sect(c, "", name, &s)) != 0)
		return rc;
	return need_opt(c, s, "keys", out, cap);
}

static int
log_conf(struct lcfg *c, struct log_handler *out, int *level)
{
	char flist[LOG_CONF_LINE], hlist[LOG_CONF_LINE], llist[LOG_CONF_LINE];
	char item[LOG_CONF_LINE], names[LOG_CONF_LINE], chosen[LOG_CONF_LINE];
	struct log_handler scratch;
	struct lg root, ew;
	const char *p;
	int rc, n = 0;

	/* Python's order: formatters, handlers, loggers; each listed one
	 * is checked even when the etherws logger does not use it. */
	if ((rc = need_keys(c, "formatters", flist, sizeof(flist))) != 0)
		return rc;
	for (p = flist; list_next(&p, item, sizeof(item)); )
		if ((rc = fmt_load(c, item, &scratch)) != 0)
			return rc;
	if ((rc = need_keys(c, "handlers", hlist, sizeof(hlist))) != 0)
		return rc;
	for (p = hlist; list_next(&p, item, sizeof(item)); )
		if ((rc = handler_load(c, item, flist, &scratch, 0)) != 0)
			return rc;
	if ((rc = need_keys(c, "loggers", llist, sizeof(llist))) != 0)
		return rc;
	if (!list_has(llist, "root"))
		return cerr(c, "[loggers] keys must "
		    "include root");
	memset(&root, 0, sizeof(root));
	memset(&ew, 0, sizeof(ew));
	for (p = llist; list_next(&p, item, sizeof(item)); )
		if ((rc = logger_load(c, item, hlist, &root, &ew)) != 0)
			return rc;

	/* The etherws logger's level, else root's (WARNING unless set);
	 * its handlers, plus root's when it propagates. */
	*level = ew.seen && ew.level > 0 ? ew.level :
	    root.level >= 0 ? root.level : EW_LOG_WARNING;
	names[0] = '\0';
	if (ew.seen)
		add_handlers(ew.handlers, names, sizeof(names), &n);
	if (!ew.seen || ew.propagate)
		add_handlers(root.handlers, names, sizeof(names), &n);
	if (n > 1)
		return cerr(c, "Unsupported: more than one handler "
		    "for logger etherws (%s)", names);
	if (n == 0) {
		memset(out, 0, sizeof(*out));
		out->kind = LH_NONE;
		out->fd = -1;
		return 0;
	}
	ew_snprintf(chosen, sizeof(chosen), "%s", names);
	return handler_load(c, chosen, flist, out, 1);
}

int
log_config_file(const char *path, char *err, size_t errlen)
{
	struct log_handler h;
	struct lcfg *c;
	size_t len = 0;
	int rc, level = EW_LOG_WARNING;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		ew_snprintf(err, errlen, "out of memory");
		return 1;
	}
	c->err = err;
	c->errlen = errlen;
	rc = ew_file_read(path, c->buf, LOG_CONF_MAX, &len);
	if (rc == EW_FILE_TOOBIG)
		rc = cerr(c, "larger than %d bytes: '%s'",
		    LOG_CONF_MAX, path);
	else if (rc < 0) {
		ew_file_why(rc, path, LOG_CONF_MAX, err, errlen);
		rc = 1;
	} else {
		c->buf[len] = '\0';
		if ((rc = ini_parse(c, len)) == 0)
			rc = log_conf(c, &h, &level);
	}
	free(c);
	if (rc != 0)
		return rc;
	log_set_handler(&h, level);
	return 0;
}
