/*
 * ctl.c - "etherws ctl": the one-shot control client.  Parses the
 * command line, makes the client-side checks, sends one JSON-RPC request
 * over HTTP (SPEC.md 2.2) and prints the reply as a table (SPEC.md 3).
 *
 * I/O is blocking in spirit: one 30 s deadline covers connect and the
 * whole exchange, enforced with poll() on a non-blocking socket.  The
 * transport sits behind struct cli_io so that https can wrap the TCP
 * socket later (see cli_open()).
 *
 * Exit status: 0 success, 1 runtime error (error reply, transport,
 * prompt EOF), 2 usage error or failed client-side check.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/socket.h>

#include "etherws.h"

#define CLI_TIMEOUT_MS	30000
#define CLI_DEFAULT_URL	"http://127.0.0.1:7867/ctl"
#define CLI_ERRLEN	512
#define CLI_MAX_OPTS	8
#define CLI_MAX_POS	2
#define CLI_REQ_HEAD	4096	/* path <= URL_MAX, host 256, auth ~700 */
#define CLI_JSON_DEPTH	64
#define CLI_INTERNAL	(-32603)

#define CLI_OK		0
#define CLI_RUNTIME	1
#define CLI_USAGE	2
#define CLI_GO		(-1)	/* cli_parse: carry on */

/* ------------------------------------------------------------------ */
/* Command-line parsing */

struct cli_parser {
	const char		*prog;		/* "etherws ctl setport" */
	const char		*usage;		/* text after "usage: " */
	const char		*help;		/* lines after the usage line */
	const struct ew_opt	*opts;		/* opts[0] is "help" */
	int			 nopts;
	int			 maxpos;	/* positionals wanted */
	int			 sub;		/* stop after the last one */
	/* results: option values (flags: ""), NULL when absent */
	const char		*val[CLI_MAX_OPTS];
	const char		*pos[CLI_MAX_POS];
	int			 npos;
};

/* Global options, after parsing. */
struct cli_args {
	const char	*url;
	const char	*user;		/* NULL: no Authorization */
	const char	*passwd;
	const char	*sslcert;
	int		 insecure;
	char		 pwbuf[CRED_MAX];	/* prompted control password */
};

static int
cli_usage_error(const struct cli_parser *p, const char *what,
    const char *arg)
{
	fprintf(stderr, "usage: %s\n%s: error: %s%s\n", p->usage, p->prog,
	    what, arg != NULL ? arg : "");
	return CLI_USAGE;
}

static int
cli_extra_args(const struct cli_parser *p, int argc, char **argv, int idx)
{
	int i;

	fprintf(stderr, "usage: %s\n%s: error: unrecognized arguments:",
	    p->usage, p->prog);
	for (i = idx; i < argc; i++)
		fprintf(stderr, " %s", argv[i]);
	fputc('\n', stderr);
	return CLI_USAGE;
}

/*
 * Parse options and positionals from argv[*idx] on, argparse-like
 * (options and positionals may mix; "--" ends options).  With p->sub
 * set, stops right after the last positional, leaving *idx at the rest.
 * Returns CLI_GO, or an exit status after printing help or an error.
 */
static int
cli_parse(struct cli_parser *p, int argc, char **argv, int *idx)
{
	char prog[512];
	const char *v;
	int r, only_pos = 0;

	/* ew_getopt prints "<prog>: error: ..."; prefixing the usage line
	 * to prog gives argparse's order: usage first, then the error. */
	snprintf(prog, sizeof(prog), "usage: %s\n%s", p->usage, p->prog);
	memset(p->val, 0, sizeof(p->val));
	p->npos = 0;
	while (*idx < argc) {
		if (!only_pos && strcmp(argv[*idx], "--") == 0) {
			only_pos = 1;
			(*idx)++;
			continue;
		}
		if (only_pos)
			r = -1;
		else if (strcmp(argv[*idx], "-h") == 0) {
			r = 0;
			(*idx)++;
		} else
			r = ew_getopt(argc, argv, idx, p->opts, p->nopts, &v,
			    prog);
		if (r == -2)
			return CLI_USAGE;
		if (r == 0) {
			printf("usage: %s\n\n%s", p->usage, p->help);
			return CLI_OK;
		}
		if (r > 0) {
			p->val[r] = v != NULL ? v : "";
			continue;
		}
		if (p->npos == p->maxpos)
			return cli_extra_args(p, argc, argv, *idx);
		p->pos[p->npos++] = argv[(*idx)++];
		if (p->sub && p->npos == p->maxpos)
			return CLI_GO;
	}
	if (p->npos < p->maxpos)
		return cli_usage_error(p, "too few arguments", NULL);
	return CLI_GO;
}

/* Integer argument "name" (e.g. "--mtu", "port"): 0, or a usage error. */
static int
cli_int_arg(const struct cli_parser *p, const char *name, const char *s,
    long long *v)
{
	if (ew_parse_int(s, v) == 0)
		return 0;
	fprintf(stderr, "usage: %s\n%s: error: argument %s: invalid int "
	    "value: '%s'\n", p->usage, p->prog, name, s);
	return CLI_USAGE;
}

/* A failed client-side check: nothing is sent. */
static int
cli_value_error(const char *fmt, const char *arg)
{
	char data[CLI_ERRLEN];

	snprintf(data, sizeof(data), fmt, arg);
	ew_print_error("Internal error", CLI_INTERNAL, data);
	return CLI_USAGE;
}

/* ------------------------------------------------------------------ */
/* Password prompt: /dev/tty without echo, else a line from stdin. */

static struct termios	 cli_tio;
static volatile sig_atomic_t cli_tty_fd = -1;

static void
cli_tty_signal(int sig)
{
	if (cli_tty_fd >= 0)
		tcsetattr(cli_tty_fd, TCSAFLUSH, &cli_tio);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
cli_tty_handlers(void (*fn)(int))
{
	signal(SIGINT, fn);
	signal(SIGTERM, fn);
	signal(SIGHUP, fn);
	signal(SIGQUIT, fn);
}

/* One line from fd without its "\n": 0, -1 on EOF/error, -2 too long. */
static int
cli_getline(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t r;
	char c;

	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || c == '\n')
			break;
		if (n + 1 >= cap)
			return -2;
		buf[n++] = c;
	}
	buf[n] = '\0';
	/* A last line without "\n" still counts, as in getpass. */
	return (r <= 0 && n == 0) ? -1 : 0;
}

static int
cli_tty_getline(int fd, const char *prompt, char *buf, size_t cap)
{
	struct termios noecho;
	int r, echo_off = 0;

	(void)!write(fd, prompt, strlen(prompt));
	if (tcgetattr(fd, &cli_tio) == 0) {
		noecho = cli_tio;
		noecho.c_lflag &= ~(tcflag_t)ECHO;
		cli_tty_fd = fd;
		cli_tty_handlers(cli_tty_signal);
		echo_off = tcsetattr(fd, TCSAFLUSH, &noecho) == 0;
	}
	r = cli_getline(fd, buf, cap);
	if (echo_off)
		tcsetattr(fd, TCSAFLUSH, &cli_tio);
	if (cli_tty_fd >= 0) {
		cli_tty_fd = -1;
		cli_tty_handlers(SIG_DFL);
	}
	(void)!write(fd, "\n", 1);
	return r;
}

/* Prompt for a password into buf: 0, or an exit status after an error. */
static int
cli_prompt(const char *prompt, char *buf, size_t cap)
{
	int fd, r;

	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0) {
		r = cli_tty_getline(fd, prompt, buf, cap);
		close(fd);
	} else {
		fputs(prompt, stderr);
		fflush(stderr);
		r = cli_getline(STDIN_FILENO, buf, cap);
	}
	if (r == -1) {
		ew_print_error("Internal error", CLI_INTERNAL,
		    "EOFError: EOF when reading a line");
		return CLI_RUNTIME;
	}
	if (r == -2) {
		ew_print_error("Internal error", CLI_INTERNAL,
		    "ValueError: Password too long");
		return CLI_RUNTIME;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Transport */

struct cli_io {
	int		 fd;
	uint64_t	 deadline;	/* ew_now_ms() */
	void		*tls;		/* https engine state, when added */
	/* >0 bytes, 0 EOF (read only), -1 with err set */
	long		(*read)(struct cli_io *, void *, size_t);
	long		(*write)(struct cli_io *, const void *, size_t);
	void		(*close)(struct cli_io *);
	char		 err[CLI_ERRLEN];	/* Internal error data */
};

static int
cli_fail(struct cli_io *io, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
cli_fail(struct cli_io *io, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(io->err, sizeof(io->err), fmt, ap);
	va_end(ap);
	return -1;
}

static int
cli_fail_errno(struct cli_io *io, int e)
{
	if (e == ETIMEDOUT)
		return cli_fail(io, "URLError: <urlopen error timed out>");
	return cli_fail(io, "URLError: <urlopen error [Errno %d] %s>", e,
	    strerror(e));
}

/* Wait until fd is ready for events or the deadline passes. */
static int
cli_wait(struct cli_io *io, short events)
{
	struct pollfd pfd;
	uint64_t now;
	int r;

	for (;;) {
		now = ew_now_ms();
		if (now >= io->deadline)
			return cli_fail_errno(io, ETIMEDOUT);
		pfd.fd = io->fd;
		pfd.events = events;
		r = poll(&pfd, 1, (int)(io->deadline - now));
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return cli_fail_errno(io, errno);
	}
}

static long
cli_tcp_read(struct cli_io *io, void *buf, size_t len)
{
	ssize_t n;

	for (;;) {
		n = recv(io->fd, buf, len, 0);
		if (n >= 0)
			return (long)n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return cli_fail_errno(io, errno);
		if (cli_wait(io, POLLIN) < 0)
			return -1;
	}
}

static long
cli_tcp_write(struct cli_io *io, const void *buf, size_t len)
{
	ssize_t n;

	for (;;) {
		n = send(io->fd, buf, len, MSG_NOSIGNAL);
		if (n > 0)
			return (long)n;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return cli_fail_errno(io, errno);
		if (cli_wait(io, POLLOUT) < 0)
			return -1;
	}
}

static void
cli_tcp_close(struct cli_io *io)
{
	if (io->fd >= 0)
		close(io->fd);
	io->fd = -1;
}

/* One address: 0 connected, -1 failed (*lasterr set), -2 timed out. */
static int
cli_connect_one(struct cli_io *io, const struct addrinfo *ai, int *lasterr)
{
	socklen_t sl = sizeof(int);
	int fd, e = 0;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0) {
		*lasterr = errno;
		return -1;
	}
	io->fd = fd;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EINTR)
		e = errno;
	else if (cli_wait(io, POLLOUT) < 0) {
		cli_tcp_close(io);
		return -2;
	} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) < 0)
		e = errno;
	if (e == 0)
		return 0;
	cli_tcp_close(io);
	*lasterr = e;
	return -1;
}

static int
cli_tcp_connect(struct cli_io *io, const struct url *u)
{
	struct addrinfo hints, *res, *ai;
	char port[16];
	int r, lasterr = ECONNREFUSED;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%d", u->port);
	r = getaddrinfo(u->host, port, &hints, &res);
	if (r == EAI_SYSTEM)
		return cli_fail_errno(io, errno);
	if (r != 0)
		return cli_fail(io, "URLError: <urlopen error [Errno %d] %s>",
		    r, gai_strerror(r));
	r = -1;
	for (ai = res; ai != NULL && r == -1; ai = ai->ai_next)
		r = cli_connect_one(io, ai, &lasterr);
	freeaddrinfo(res);
	if (r == -1)
		return cli_fail_errno(io, lasterr);
	return r == 0 ? 0 : -1;
}

/* Connect io to the control URL.  0, or -1 with io->err set. */
static int
cli_open(struct cli_io *io, const struct url *u, const struct cli_args *a)
{
	(void)a;
	io->fd = -1;
	io->tls = NULL;
	io->read = cli_tcp_read;
	io->write = cli_tcp_write;
	io->close = cli_tcp_close;
	io->deadline = ew_now_ms() + CLI_TIMEOUT_MS;
	if (strcmp(u->scheme, "https") == 0) {
		/*
		 * HTTPS GOES HERE.  Connect with cli_tcp_connect(), then
		 * wrap io->fd in a BearSSL client (SNI = u->host unless an
		 * IP literal; anchors from a->sslcert, else the system
		 * bundle; a->insecure skips all checks; SPEC.md 9) and
		 * point io->read/write/close at TLS functions using
		 * cli_wait() for the deadline.  Handshake failures:
		 * "URLError: <urlopen error SSL: <reason>>".
		 */
		return cli_fail(io,
		    "URLError: <urlopen error unknown url type: https>");
	}
	if (strcmp(u->scheme, "http") != 0)
		return cli_fail(io,
		    "URLError: <urlopen error unknown url type: %s>",
		    u->scheme);
	return cli_tcp_connect(io, u);
}

static int
cli_write_all(struct cli_io *io, const char *buf, size_t len)
{
	long n;

	while (len > 0) {
		if ((n = io->write(io, buf, len)) < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
cli_send_request(struct cli_io *io, const struct url *u, const char *auth,
    const char *body, size_t len)
{
	char head[CLI_REQ_HEAD], port[16] = "";
	int default_port, n;

	default_port = strcmp(u->scheme, "https") == 0 ? 443 : 80;
	if (u->port != default_port)
		snprintf(port, sizeof(port), ":%d", u->port);
	n = snprintf(head, sizeof(head), "POST %s HTTP/1.1\r\n"
	    "Host: %s%s%s%s\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %zu\r\n"
	    "Connection: close\r\n"
	    "%s%s%s"
	    "\r\n", u->path, u->ipv6 ? "[" : "", u->host, u->ipv6 ? "]" : "",
	    port, len, auth != NULL ? "Authorization: " : "",
	    auth != NULL ? auth : "", auth != NULL ? "\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(head))
		return cli_fail(io, "ValueError: Request head too long");
	if (cli_write_all(io, head, (size_t)n) < 0)
		return -1;
	return cli_write_all(io, body, len);
}

/* Copy the reason phrase without control characters. */
static int
cli_http_error(struct cli_io *io, const struct http_msg *m)
{
	char reason[256];
	size_t i, n;

	n = m->reason_len < sizeof(reason) - 1 ? m->reason_len :
	    sizeof(reason) - 1;
	for (i = 0; i < n; i++) {
		reason[i] = m->reason[i];
		if ((unsigned char)reason[i] < 0x20 || reason[i] == 0x7f)
			reason[i] = '?';
	}
	reason[n] = '\0';
	return cli_fail(io, "HTTPError: HTTP Error %d: %s", m->status, reason);
}

/*
 * Read the response head into head (HTTP_MAX_HEADER bytes), skipping
 * interim 1xx responses.  Returns the head length (bytes after it in
 * head are body), *len the bytes in head; -1 with io->err set.
 */
static int
cli_read_head(struct cli_io *io, char *head, size_t *len,
    struct http_msg *m)
{
	long n;
	int r;

	for (;;) {
		r = http_parse_response(head, *len, HTTP_MAX_HEADER, m);
		if (r > 0 && m->status >= 100 && m->status < 200 &&
		    m->status != 101) {
			memmove(head, head + r, *len - (size_t)r);
			*len -= (size_t)r;
			continue;
		}
		if (r > 0)
			return r;
		if (r == HTTP_TOO_LARGE || (r == HTTP_INCOMPLETE &&
		    *len == HTTP_MAX_HEADER))
			return cli_fail(io, "HTTPException: response head "
			    "over %d bytes", HTTP_MAX_HEADER);
		if (r != HTTP_INCOMPLETE)
			return cli_fail(io, "BadStatusLine: malformed "
			    "response head");
		n = io->read(io, head + *len, HTTP_MAX_HEADER - *len);
		if (n < 0)
			return -1;
		if (n == 0)
			return cli_fail(io, "BadStatusLine: %s", *len == 0 ?
			    "''" : "incomplete response head");
		*len += (size_t)n;
	}
}

/* Content-Length value: 0 and *v (capped at CTL_MAX_REPLY + 1), or -1. */
static int
cli_content_length(const struct http_msg *m, size_t *v)
{
	const struct http_header *h;
	size_t i;

	if ((h = http_header(m, "Content-Length")) == NULL ||
	    h->value_len == 0)
		return -1;
	*v = 0;
	for (i = 0; i < h->value_len; i++) {
		if (!ew_isdigit((unsigned char)h->value[i]))
			return -1;
		if (*v <= CTL_MAX_REPLY)
			*v = *v * 10 + (size_t)(h->value[i] - '0');
	}
	if (*v > CTL_MAX_REPLY)
		*v = (size_t)CTL_MAX_REPLY + 1;
	return 0;
}

/*
 * Read the body: Content-Length bytes, else to EOF; pre holds bytes
 * read with the head.  *out is malloc'd, NUL-terminated.
 */
static int
cli_read_body(struct cli_io *io, const struct http_msg *m, const char *pre,
    size_t prelen, char **out, size_t *outlen)
{
	size_t cl = 0, cap, len;
	char *buf, *nb;
	long n;
	int have_cl;

	have_cl = cli_content_length(m, &cl) == 0;
	if (have_cl && cl > CTL_MAX_REPLY)
		return cli_fail(io, "ValueError: Reply over %d bytes",
		    CTL_MAX_REPLY);
	cap = have_cl ? cl : prelen + 4096;
	if ((buf = malloc(cap + 1)) == NULL)
		return cli_fail(io, "MemoryError: reply buffer");
	len = have_cl && prelen > cl ? cl : prelen;
	memcpy(buf, pre, len);
	while (!have_cl || len < cl) {
		if (len == cap) {
			if (cap > CTL_MAX_REPLY) {
				free(buf);
				return cli_fail(io, "ValueError: Reply over "
				    "%d bytes", CTL_MAX_REPLY);
			}
			cap = cap * 2 > CTL_MAX_REPLY ?
			    (size_t)CTL_MAX_REPLY + 1 : cap * 2;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				free(buf);
				return cli_fail(io, "MemoryError: reply "
				    "buffer");
			}
			buf = nb;
		}
		if ((n = io->read(io, buf + len, cap - len)) < 0) {
			free(buf);
			return -1;
		}
		if (n == 0 && have_cl) {
			free(buf);
			return cli_fail(io, "IncompleteRead: IncompleteRead("
			    "%zu bytes read, %zu more expected)", len,
			    cl - len);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

/* One request/response exchange.  0 with the reply body, or -1. */
static int
cli_exchange(struct cli_io *io, const struct cli_args *a, const char *auth,
    const char *body, size_t len, char **reply, size_t *replylen)
{
	char head[HTTP_MAX_HEADER];
	struct http_msg m;
	struct url u;
	size_t hlen = 0;
	int r;

	if (strstr(a->url, "://") == NULL)
		return cli_fail(io, "ValueError: unknown url type: %s",
		    a->url);
	if (url_parse(a->url, &u) < 0)
		return cli_fail(io, "InvalidURL: %s", a->url);
	if (cli_open(io, &u, a) < 0)
		return -1;
	r = cli_send_request(io, &u, auth, body, len);
	if (r == 0)
		r = cli_read_head(io, head, &hlen, &m);
	if (r > 0 && m.status != 200)
		r = cli_http_error(io, &m);
	if (r > 0)
		r = cli_read_body(io, &m, head + r, hlen - (size_t)r, reply,
		    replylen);
	io->close(io);
	return r;
}

/* ------------------------------------------------------------------ */
/* Reply: tables and error blocks */

enum cli_how { CELL_PLAIN, CELL_STATE, CELL_LOWER };

struct cli_col {
	const char	*head;
	const char	*key;
	enum cli_how	 how;
};

struct cli_table {
	const struct cli_col	*cols;
	int			 ncols;
};

static const struct cli_col cli_port_cols[] = {
	{ "Port", "port", CELL_PLAIN }, { "Type", "type", CELL_PLAIN },
	{ "State", NULL, CELL_STATE }, { "RX", "rx", CELL_PLAIN },
	{ "TX", "tx", CELL_PLAIN }, { "Target", "target", CELL_PLAIN }
};
static const struct cli_col cli_if_cols[] = {
	{ "Port", "port", CELL_PLAIN }, { "Type", "type", CELL_PLAIN },
	{ "Address", "address", CELL_PLAIN },
	{ "Netmask", "netmask", CELL_PLAIN }, { "MTU", "mtu", CELL_PLAIN },
	{ "Target", "target", CELL_PLAIN }
};
static const struct cli_col cli_fdb_cols[] = {
	{ "Port", "port", CELL_PLAIN }, { "VLAN", "vid", CELL_PLAIN },
	{ "MAC", "mac", CELL_LOWER }, { "Age", "age", CELL_PLAIN }
};
#define CLI_TABLE(c)	{ c, (int)(sizeof(c) / sizeof(c[0])) }
static const struct cli_table cli_port_table = CLI_TABLE(cli_port_cols);
static const struct cli_table cli_if_table = CLI_TABLE(cli_if_cols);
static const struct cli_table cli_fdb_table = CLI_TABLE(cli_fdb_cols);
#define CLI_MAX_COLS	6

/* Replace control characters, which a server should never send. */
static void
cli_sanitize(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
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
	if (tok[i].type == JSON_STRING &&
	    json_get_str(s, tok, i, out, len + 1) >= 0) {
		cli_sanitize(out);
		return out;
	}
	if (tok[i].type == JSON_NUMBER && json_get_int(s, tok, i, &v) == 0) {
		snprintf(out, len + 24, "%lld", v);
		return out;
	}
	memcpy(out, s + tok[i].start, len);
	out[len] = '\0';
	cli_sanitize(out);
	return out;
}

static int
cli_member(const char *s, const struct json_tok *tok, int obj,
    const char *key)
{
	if (obj < 0 || tok[obj].type != JSON_OBJECT)
		return -1;
	return json_obj_get(s, tok, obj, key);
}

static char *
cli_cell(const char *s, const struct json_tok *tok, int obj,
    const struct cli_col *col)
{
	const char *state = "up";
	char *out;
	int i;

	if (col->how == CELL_STATE) {
		i = cli_member(s, tok, obj, "shut");
		if (i >= 0 && json_truthy(s, tok, i))
			state = "shut";
		else if ((i = cli_member(s, tok, obj, "state")) >= 0 &&
		    json_str_eq(s, tok, i, "down"))
			state = "down";
		return strdup(state);
	}
	out = cli_text(s, tok, cli_member(s, tok, obj, col->key));
	if (out != NULL && col->how == CELL_LOWER)
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
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static void
cli_print_rows(char **cell, size_t nrows, int ncols)
{
	size_t w[CLI_MAX_COLS] = { 0 }, r, k;
	int c;

	for (r = 0; r < nrows; r++)
		for (c = 0; c < ncols; c++)
			if (cli_width(cell[r * ncols + c]) > w[c])
				w[c] = cli_width(cell[r * ncols + c]);
	for (r = 0; r < nrows; r++) {
		fputs("  ", stdout);
		for (c = 0; c < ncols; c++) {
			fputs(c > 0 ? "  " : "", stdout);
			fputs(cell[r * ncols + c], stdout);
			for (k = cli_width(cell[r * ncols + c]); k < w[c]; k++)
				putchar(' ');
		}
		putchar('\n');
	}
}

/* Print entries (an array token) as table t.  0, or -1 out of memory. */
static int
cli_print_table(const char *s, const struct json_tok *tok, int entries,
    const struct cli_table *t)
{
	size_t nrows = (size_t)tok[entries].size + 1, r, n;
	char **cell;
	int c, e, rc = 0;

	if ((cell = calloc(nrows * (size_t)t->ncols, sizeof(*cell))) == NULL)
		return -1;
	for (c = 0; c < t->ncols; c++)
		cell[c] = strdup(t->cols[c].head);
	e = entries + 1;
	for (r = 1; r < nrows; r++) {
		for (c = 0; c < t->ncols; c++)
			cell[r * t->ncols + c] = cli_cell(s, tok, e,
			    &t->cols[c]);
		e = (int)tok[e].next;
	}
	n = nrows * (size_t)t->ncols;
	for (r = 0; r < n; r++)
		if (cell[r] == NULL)
			rc = -1;
	if (rc == 0)
		cli_print_rows(cell, nrows, t->ncols);
	for (r = 0; r < n; r++)
		free(cell[r]);
	free(cell);
	return rc;
}

/* "  <message> (<code>)" and "    <data>" on stderr. */
static int
cli_print_rpc_error(const char *s, const struct json_tok *tok, int e)
{
	char *msg, *code, *data = NULL;
	int d;

	if (tok[e].type != JSON_OBJECT) {
		msg = cli_text(s, tok, e);
		code = cli_text(s, tok, -1);
	} else {
		msg = cli_text(s, tok, json_obj_get(s, tok, e, "message"));
		code = cli_text(s, tok, json_obj_get(s, tok, e, "code"));
		if ((d = json_obj_get(s, tok, e, "data")) >= 0)
			data = cli_text(s, tok, d);
	}
	if (msg != NULL && code != NULL)
		fprintf(stderr, "  %s (%s)\n", msg, code);
	if (data != NULL)
		fprintf(stderr, "    %s\n", data);
	free(msg);
	free(code);
	free(data);
	return CLI_RUNTIME;
}

static int
cli_reply_error(const char *data)
{
	ew_print_error("Internal error", CLI_INTERNAL, data);
	return CLI_RUNTIME;
}

/* Interpret a parsed reply: the error block or the result table. */
static int
cli_reply_tokens(const char *s, const struct json_tok *tok,
    const struct cli_table *t)
{
	int i, res, ent;

	if (tok[0].type != JSON_OBJECT)
		return cli_reply_error("TypeError: reply must be an object");
	i = json_obj_get(s, tok, 0, "error");
	if (i >= 0 && tok[i].type != JSON_NULL)
		return cli_print_rpc_error(s, tok, i);
	if ((res = json_obj_get(s, tok, 0, "result")) < 0)
		return cli_reply_error("KeyError: 'result'");
	if ((ent = cli_member(s, tok, res, "entries")) < 0)
		return cli_reply_error("KeyError: 'entries'");
	if (tok[ent].type != JSON_ARRAY)
		return cli_reply_error("TypeError: entries must be a list");
	for (i = ent + 1; i < (int)tok[ent].next; i = (int)tok[i].next)
		if (tok[i].type != JSON_OBJECT)
			return cli_reply_error("TypeError: entry must be an "
			    "object");
	if (cli_print_table(s, tok, ent, t) < 0)
		return cli_reply_error("MemoryError: table");
	if (fflush(stdout) != 0 || ferror(stdout))
		return CLI_RUNTIME;
	return CLI_OK;
}

static int
cli_reply(const char *body, size_t len, const struct cli_table *t)
{
	struct json_tok *tok;
	const char *err;
	size_t ntok = len / 2 + 16;
	int r;

	if ((tok = calloc(ntok, sizeof(*tok))) == NULL)
		return cli_reply_error("MemoryError: reply tokens");
	if (json_parse(body, len, tok, (int)ntok, CLI_JSON_DEPTH, &err) < 0)
		r = cli_reply_error("ValueError: No JSON object could be "
		    "decoded");
	else
		r = cli_reply_tokens(body, tok, t);
	free(tok);
	return r;
}

/* ------------------------------------------------------------------ */
/* Request */

/* Start the body: {"jsonrpc": "2.0", "method": "...", "id": 0 */
static void
cli_body_begin(struct jw *w, char *buf, size_t cap, const char *method)
{
	jw_init(w, buf, cap);
	jw_raw(w, "{\"jsonrpc\": \"2.0\", \"method\": \"etherws.control.");
	jw_raw(w, method);
	jw_raw(w, "\", \"id\": 0");
}

/* Finish the body, send it, print the reply.  Returns the exit status. */
static int
cli_call(struct cli_args *a, struct jw *w, const struct cli_table *t)
{
	char authbuf[BASE64_ENC_LEN(2 * CRED_MAX) + 8], *auth = NULL;
	char *reply = NULL;
	struct cli_io io;
	size_t rlen;
	int r;

	jw_raw(w, "}");
	if (w->ovf)
		return cli_value_error("ValueError: Request over %s bytes",
		    "65536");
	if (a->user != NULL) {
		if (a->passwd == NULL) {
			if ((r = cli_prompt("Control Password: ", a->pwbuf,
			    sizeof(a->pwbuf))) != 0)
				return r;
			a->passwd = a->pwbuf;
		}
		if (basic_auth_header(authbuf, sizeof(authbuf), a->user,
		    a->passwd) < 0)
			return cli_value_error("ValueError: %s too long",
			    "ctluser/ctlpasswd");
		auth = authbuf;
	}
	if (cli_exchange(&io, a, auth, w->buf, w->len, &reply, &rlen) < 0)
		return cli_reply_error(io.err);
	r = cli_reply(reply, rlen, t);
	free(reply);
	return r;
}

/* ------------------------------------------------------------------ */
/* Commands */

#define HELP_H \
	"  -h, --help            show this help message and exit\n"
#define HELP_PORT	"positional arguments:\n  port\n\n"

static int
cli_addport_send(struct cli_args *a, const char *type, const char *target,
    const char *opts[4])
{
	char body[CTL_MAX_BODY];
	static const char *names[] = { "user", "passwd", "cacerts" };
	struct jw w;
	int i;

	cli_body_begin(&w, body, sizeof(body), "addPort");
	jw_raw(&w, ", \"params\": {\"type\": ");
	jw_cstr(&w, type);
	jw_raw(&w, ", \"target\": ");
	jw_cstr(&w, target);
	jw_raw(&w, ", \"options\": {");
	for (i = 0; i < 3; i++) {
		jw_raw(&w, i > 0 ? ", \"" : "\"");
		jw_raw(&w, names[i]);
		jw_raw(&w, "\": ");
		jw_cstr(&w, opts[i]);
	}
	jw_raw(&w, ", \"insecure\": ");
	jw_raw(&w, opts[3] == NULL ? "null" : opts[3]);
	jw_raw(&w, "}}");
	return cli_call(a, &w, &cli_port_table);
}

/* --cacerts made absolute against the cwd, into buf. */
static int
cli_abspath(const char *path, char *buf, size_t cap)
{
	size_t n;

	if (path[0] == '/')
		return snprintf(buf, cap, "%s", path) < (int)cap ? 0 : -1;
	if (getcwd(buf, cap) == NULL)
		return -1;
	n = strlen(buf);
	return snprintf(buf + n, cap - n, "%s%s", n > 1 ? "/" : "",
	    path) < (int)(cap - n) ? 0 : -1;
}

static int
cli_addport_client(struct cli_args *a, int argc, char **argv, int idx)
{
	static const struct ew_opt opts[] = { { "help", 0 }, { "user", 1 },
	    { "passwd", 1 }, { "cacerts", 1 }, { "insecure", 0 } };
	struct cli_parser p = { "etherws ctl addport client",
	    "etherws ctl addport client [-h] [--user USER] [--passwd PASSWD] "
	    "[--cacerts CACERTS] [--insecure] target",
	    "positional arguments:\n  target                ws:// or wss:// "
	    "URL\n\noptional arguments:\n" HELP_H
	    "  --user USER\n  --passwd PASSWD\n  --cacerts CACERTS\n"
	    "  --insecure\n", opts, 5, 1, 0, { 0 }, { 0 }, 0 };
	char pw[CRED_MAX], cacerts[PATH_MAX];
	const char *o[4];
	int r, i;

	if ((r = cli_parse(&p, argc, argv, &idx)) != CLI_GO)
		return r;
	for (i = 1; i <= 3; i++)	/* empty counts as absent */
		o[i - 1] = p.val[i] != NULL && *p.val[i] != '\0' ?
		    p.val[i] : NULL;
	o[3] = p.val[4] != NULL ? "true" : "false";
	if (strncmp(p.pos[0], "ws://", 5) != 0 &&
	    strncmp(p.pos[0], "wss://", 6) != 0)
		return cli_value_error("ValueError: Invalid target URL "
		    "scheme: %s", p.pos[0]);
	if (o[0] == NULL && o[1] != NULL)
		return cli_value_error("ValueError: %s", "Authentication "
		    "required but username empty");
	if (o[2] != NULL) {
		if (cli_abspath(o[2], cacerts, sizeof(cacerts)) < 0)
			return cli_value_error("ValueError: Invalid cacerts: "
			    "%s", o[2]);
		o[2] = cacerts;
	}
	if (o[0] != NULL && o[1] == NULL) {
		if ((r = cli_prompt("Client Password: ", pw, sizeof(pw))) != 0)
			return r;
		o[1] = pw;
	}
	return cli_addport_send(a, "client", p.pos[0], o);
}

static int
cli_addport_dev(struct cli_args *a, const char *type, int argc,
    char **argv, int idx)
{
	static const struct ew_opt opts[] = { { "help", 0 } };
	char prog[64], usage[96];
	struct cli_parser p = { prog, usage, "positional arguments:\n"
	    "  target                interface name\n\noptional arguments:\n"
	    HELP_H, opts, 1, 1, 0, { 0 }, { 0 }, 0 };
	const char *o[4] = { NULL, NULL, NULL, NULL };
	int r;

	snprintf(prog, sizeof(prog), "etherws ctl addport %s", type);
	snprintf(usage, sizeof(usage), "%s [-h] target", prog);
	if ((r = cli_parse(&p, argc, argv, &idx)) != CLI_GO)
		return r;
	return cli_addport_send(a, type, p.pos[0], o);
}

static int
cmd_addport(struct cli_args *a, int argc, char **argv, int idx)
{
	static const struct ew_opt opts[] = { { "help", 0 } };
	struct cli_parser p = { "etherws ctl addport",
	    "etherws ctl addport [-h] {netdev,tap,client} ...",
	    "positional arguments:\n  {netdev,tap,client}\n\n"
	    "optional arguments:\n" HELP_H, opts, 1, 1, 1, { 0 }, { 0 }, 0 };
	int r;

	if ((r = cli_parse(&p, argc, argv, &idx)) != CLI_GO)
		return r;
	if (strcmp(p.pos[0], "client") == 0)
		return cli_addport_client(a, argc, argv, idx);
	if (strcmp(p.pos[0], "netdev") == 0 || strcmp(p.pos[0], "tap") == 0)
		return cli_addport_dev(a, p.pos[0], argc, argv, idx);
	fprintf(stderr, "usage: %s\n%s: error: argument iftype: invalid "
	    "choice: '%s' (choose from 'netdev', 'tap', 'client')\n",
	    p.usage, p.prog, p.pos[0]);
	return CLI_USAGE;
}

/* PORT positional: 0 and *port, or an exit status. */
static int
cli_port_arg(const struct cli_parser *p, long long *port)
{
	char n[32];

	if (cli_int_arg(p, "port", p->pos[0], port) != 0)
		return CLI_USAGE;
	if (*port > 0)
		return 0;
	snprintf(n, sizeof(n), "%lld", *port);
	return cli_value_error("ValueError: Invalid port: %s", n);
}

static int
cmd_setport(struct cli_args *a, int argc, char **argv, int idx)
{
	static const struct ew_opt opts[] = { { "help", 0 }, { "shut", 1 } };
	struct cli_parser p = { "etherws ctl setport",
	    "etherws ctl setport [-h] [--shut {0,1}] port", HELP_PORT
	    "optional arguments:\n" HELP_H "  --shut {0,1}\n", opts, 2, 1, 0,
	    { 0 }, { 0 }, 0 };
	char body[CTL_MAX_BODY];
	long long port, shut = 0;
	struct jw w;
	int r;

	if ((r = cli_parse(&p, argc, argv, &idx)) != CLI_GO)
		return r;
	if (p.val[1] != NULL && cli_int_arg(&p, "--shut", p.val[1], &shut))
		return CLI_USAGE;
	if (shut != 0 && shut != 1) {
		fprintf(stderr, "usage: %s\n%s: error: argument --shut: "
		    "invalid choice: %lld (choose from 0, 1)\n", p.usage,
		    p.prog, shut);
		return CLI_USAGE;
	}
	if ((r = cli_port_arg(&p, &port)) != 0)
		return r;
	cli_body_begin(&w, body, sizeof(body), "setPort");
	jw_raw(&w, ", \"params\": {\"port\": ");
	jw_int(&w, port);
	if (p.val[1] != NULL) {
		jw_raw(&w, ", \"shut\": ");
		jw_int(&w, shut);
	}
	jw_raw(&w, "}");
	return cli_call(a, &w, &cli_port_table);
}

static int
cmd_delport(struct cli_args *a, int argc, char **argv, int idx)
{
	static const struct ew_opt opts[] = { { "help", 0 } };
	struct cli_parser p = { "etherws ctl delport",
	    "etherws ctl delport [-h] port", HELP_PORT
	    "optional arguments:\n" HELP_H, opts, 1, 1, 0, { 0 }, { 0 }, 0 };
	char body[CTL_MAX_BODY];
	long long port;
	struct jw w;
	int r;

	if ((r = cli_parse(&p, argc, argv, &idx)) != CLI_GO)
		return r;
	if ((r = cli_port_arg(&p, &port)) != 0)
		return r;
	cli_body_begin(&w, body, sizeof(body), "delPort");
	jw_raw(&w, ", \"params\": {\"port\": ");
	jw_int(&w, port);
	jw_raw(&w, "}");
	return cli_call(a, &w, &cli_port_table);
}

/* A non-empty setif address/netmask must pass inet_aton(). */
static int
cli_inet_check(const char *s)
{
	struct in_addr in;

	if (s == NULL || *s == '\0' || inet_aton(s, &in) != 0)
		return 0;
	ew_print_error("Internal error", CLI_INTERNAL,
	    "error: illegal IP address string passed to inet_aton");
	return CLI_USAGE;
}

static int
cmd_setif(struct cli_args *a, int argc, char **argv, int idx)
{
	static const struct ew_opt opts[] = { { "help", 0 },
	    { "address", 1 }, { "netmask", 1 }, { "mtu", 1 } };
	struct cli_parser p = { "etherws ctl setif",
	    "etherws ctl setif [-h] [--address ADDRESS] [--netmask NETMASK] "
	    "[--mtu MTU] port", HELP_PORT "optional arguments:\n" HELP_H
	    "  --address ADDRESS\n  --netmask NETMASK\n  --mtu MTU\n", opts,
	    4, 1, 0, { 0 }, { 0 }, 0 };
	char body[CTL_MAX_BODY], n[32];
	long long port, mtu = 0;
	struct jw w;
	int r;

	if ((r = cli_parse(&p, argc, argv, &idx)) != CLI_GO)
		return r;
	if (p.val[3] != NULL && cli_int_arg(&p, "--mtu", p.val[3], &mtu))
		return CLI_USAGE;
	if ((r = cli_port_arg(&p, &port)) != 0 ||
	    (r = cli_inet_check(p.val[1])) != 0 ||
	    (r = cli_inet_check(p.val[2])) != 0)
		return r;
	if (p.val[3] != NULL && mtu < 576) {
		snprintf(n, sizeof(n), "%lld", mtu);
		return cli_value_error("ValueError: Invalid MTU: %s", n);
	}
	cli_body_begin(&w, body, sizeof(body), "setInterface");
	jw_raw(&w, ", \"params\": {\"port\": ");
	jw_int(&w, port);
	if (p.val[1] != NULL) {
		jw_raw(&w, ", \"address\": ");
		jw_cstr(&w, p.val[1]);
	}
	if (p.val[2] != NULL) {
		jw_raw(&w, ", \"netmask\": ");
		jw_cstr(&w, p.val[2]);
	}
	if (p.val[3] != NULL) {
		jw_raw(&w, ", \"mtu\": ");
		jw_int(&w, mtu);
	}
	jw_raw(&w, "}");
	return cli_call(a, &w, &cli_if_table);
}

/* listport, listif, listfdb: no parameters. */
static int
cli_list(struct cli_args *a, int argc, char **argv, int idx,
    const char *cmd, const char *method, const struct cli_table *t)
{
	static const struct ew_opt opts[] = { { "help", 0 } };
	char prog[64], usage[96], body[256];
	struct cli_parser p = { prog, usage, "optional arguments:\n" HELP_H,
	    opts, 1, 0, 0, { 0 }, { 0 }, 0 };
	struct jw w;
	int r;

	snprintf(prog, sizeof(prog), "etherws ctl %s", cmd);
	snprintf(usage, sizeof(usage), "%s [-h]", prog);
	if ((r = cli_parse(&p, argc, argv, &idx)) != CLI_GO)
		return r;
	cli_body_begin(&w, body, sizeof(body), method);
	return cli_call(a, &w, t);
}

static int
cmd_listport(struct cli_args *a, int argc, char **argv, int idx)
{
	return cli_list(a, argc, argv, idx, "listport", "listPort",
	    &cli_port_table);
}

static int
cmd_listif(struct cli_args *a, int argc, char **argv, int idx)
{
	return cli_list(a, argc, argv, idx, "listif", "listInterface",
	    &cli_if_table);
}

static int
cmd_listfdb(struct cli_args *a, int argc, char **argv, int idx)
{
	return cli_list(a, argc, argv, idx, "listfdb", "listFdb",
	    &cli_fdb_table);
}

static const struct {
	const char	*name;
	int		(*run)(struct cli_args *, int, char **, int);
} cli_cmds[] = {
	{ "addport", cmd_addport }, { "setport", cmd_setport },
	{ "delport", cmd_delport }, { "listport", cmd_listport },
	{ "setif", cmd_setif }, { "listif", cmd_listif },
	{ "listfdb", cmd_listfdb }
};
#define CLI_NCMDS	(int)(sizeof(cli_cmds) / sizeof(cli_cmds[0]))

#define CLI_CHOICES	"{addport,setport,delport,listport,setif,listif,listfdb}"

int
ctl_main(int argc, char **argv)
{
	static const struct ew_opt opts[] = { { "help", 0 }, { "ctlurl", 1 },
	    { "ctluser", 1 }, { "ctlpasswd", 1 }, { "ctlsslcert", 1 },
	    { "ctlinsecure", 0 } };
	struct cli_parser p = { "etherws ctl",
	    "etherws ctl [-h] [--ctlurl CTLURL] [--ctluser CTLUSER] "
	    "[--ctlpasswd CTLPASSWD] [--ctlsslcert CTLSSLCERT] "
	    "[--ctlinsecure] " CLI_CHOICES " ...",
	    "positional arguments:\n  " CLI_CHOICES "\n\noptional arguments:\n"
	    HELP_H "  --ctlurl CTLURL       control URL (default: "
	    CLI_DEFAULT_URL ")\n  --ctluser CTLUSER\n"
	    "  --ctlpasswd CTLPASSWD\n  --ctlsslcert CTLSSLCERT\n"
	    "  --ctlinsecure\n", opts, 6, 1, 1, { 0 }, { 0 }, 0 };
	struct cli_args a;
	int idx = 1, r, i;

	if ((r = cli_parse(&p, argc, argv, &idx)) != CLI_GO)
		return r;
	memset(&a, 0, sizeof(a));
	a.url = p.val[1] != NULL ? p.val[1] : CLI_DEFAULT_URL;
	if (p.val[2] != NULL && *p.val[2] != '\0') {	/* empty = none */
		a.user = p.val[2];
		if (p.val[3] != NULL && *p.val[3] != '\0')
			a.passwd = p.val[3];
	}
	a.sslcert = p.val[4];
	a.insecure = p.val[5] != NULL;
	for (i = 0; i < CLI_NCMDS; i++)
		if (strcmp(p.pos[0], cli_cmds[i].name) == 0)
			return cli_cmds[i].run(&a, argc, argv, idx);
	fprintf(stderr, "usage: %s\n%s: error: argument command: invalid "
	    "choice: '%s' (choose from 'addport', 'setport', 'delport', "
	    "'listport', 'setif', 'listif', 'listfdb')\n", p.usage, p.prog,
	    p.pos[0]);
	return CLI_USAGE;
}
