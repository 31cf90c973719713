/*
 * ctl_io.c - the I/O of "etherws ctl" (ctl.c): the password prompt, and
 * the one HTTP request/response exchange with the control URL over TCP
 * or TLS.
 *
 * Two deadlines, enforced with poll() on a non-blocking socket: the
 * switch must answer within --timeout (CLI_ANSWER_S) - its reply, or
 * the "100 Continue" it sends at once for our "Expect: 100-continue" -
 * and the whole exchange end within CLI_TIMEOUT_MS (or --timeout if
 * longer), which an addPort that waits for its tunnel may need.  A
 * switch that is stopped or hung still accepts (the kernel does) but
 * never answers: it is named so within seconds, not after 30.  The transport sits behind struct
 * cli_io so that https can wrap the TCP socket (see cli_open()).
 * Failures leave a sentence naming the URL and what went wrong in
 * io->err.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "addr.h"
#include "bytes.h"
#include "cli.h"
#include "ctl.h"
#include "defs.h"
#include "dns.h"
#include "errtext.h"
#include "file.h"
#include "fmt.h"
#include "http.h"
#include "sys.h"
#include "tls.h"
#include "util.h"

#define CLI_REQ_HEAD	4096	/* path <= URL_MAX, host 256, auth ~700 */

/* ------------------------------------------------------------------ */
/* Password prompt: /dev/tty without echo, else a line from stdin. */

static struct termios		cli_tio;
static volatile sig_atomic_t	cli_tty_fd = -1;

static void
cli_tty_signal(int sig)
{
	if (cli_tty_fd >= 0)
		tcsetattr(cli_tty_fd, TCSAFLUSH, &cli_tio);
	ew_signal(sig, SIG_DFL);
	raise(sig);
}

static void
cli_tty_handlers(void (*fn)(int))
{
	ew_signal(SIGINT, fn);
	ew_signal(SIGTERM, fn);
	ew_signal(SIGHUP, fn);
	ew_signal(SIGQUIT, fn);
}

/* One line from fd without its "\n": 0, -1 on EOF/error, -2 too long.
 * A last line without "\n" still counts, as in getpass. */
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
	return r <= 0 && n == 0 ? -1 : 0;
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

int
cli_prompt(const char *prompt, char *buf, size_t cap)
{
	int fd, r;

	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0) {
		r = cli_tty_getline(fd, prompt, buf, cap);
		close(fd);
	} else {
		ew_puts(2, prompt);
		r = cli_getline(STDIN_FILENO, buf, cap);
	}
	if (r == 0)
		return 0;
	if (r == -1)
		return ew_cmd_error(CLI_RUNTIME, "ctl", "no password: end of "
		    "input at the prompt");
	return ew_cmd_error(CLI_RUNTIME, "ctl", "password over %zu bytes",
	    cap - 1);
}

int
cli_pwfile(const char *opt, const char *path, char *buf, size_t cap)
{
	char file[CRED_FILE_MAX + 1], err[CLI_ERRLEN];
	size_t len, n;
	int rc;

	/* The operator's own file: why it cannot be read is told. */
	rc = ew_file_read(path, file, CRED_FILE_MAX, &len);
	if (rc < 0) {
		ew_file_why(rc, path, CRED_FILE_MAX, err, sizeof(err));
		return ew_cmd_error(CLI_RUNTIME, "ctl", "--%s: %s", opt, err);
	}
	for (n = 0; n < len && file[n] != '\n'; n++)
		continue;
	if (n > 0 && file[n - 1] == '\r')
		n--;
	rc = n < cap;
	if (rc) {
		memcpy(buf, file, n);
		buf[n] = '\0';
	}
	explicit_bzero(file, sizeof(file));
	if (rc)
		return 0;
	return ew_cmd_error(CLI_RUNTIME, "ctl", "--%s: the password in %s "
	    "(its first line) is over %zu bytes", opt, path, cap - 1);
}

/* ------------------------------------------------------------------ */
/* Transport */

static int
cli_fail(struct cli_io *io, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
cli_fail(struct cli_io *io, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ew_vsnprintf(io->err, sizeof(io->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* The whole exchange's time: CLI_TIMEOUT_MS, or --timeout if longer. */
static uint64_t
cli_total_ms(long long answer_s)
{
	uint64_t ms = (uint64_t)answer_s * 1000;

	return ms > CLI_TIMEOUT_MS ? ms : CLI_TIMEOUT_MS;
}

static int
cli_fail_errno(struct cli_io *io, int e)
{
	if (e == ETIMEDOUT && !io->answered)
		return cli_fail(io, "the switch at %s does not answer (nothing "
		    "within %lld s: is it stopped or hung?  --timeout SECONDS "
		    "waits longer)", io->url, io->answer_s);
	if (e == ETIMEDOUT)
		return cli_fail(io, "no reply from %s within %llu s", io->url,
		    (unsigned long long)cli_total_ms(io->answer_s) / 1000);
	return cli_fail(io, "%s: %s", io->url, ew_strerror(e));
}

/* Wait until io->fd is ready for events; -1 at the deadline (the
 * answer's while the switch has sent nothing). */
static int
cli_wait(struct cli_io *io, short events)
{
	struct pollfd pfd;
	uint64_t now, end;
	int r;

	for (;;) {
		end = io->answered ? io->deadline : io->answer_by;
		if ((now = ew_now_ms()) >= end)
			return cli_fail_errno(io, ETIMEDOUT);
		pfd.fd = io->fd;
		pfd.events = events;
		r = poll(&pfd, 1, (int)(end - now));
		if (r > 0 && (pfd.revents & POLLIN))
			io->answered = 1;	/* bytes or EOF: it lives */
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return cli_fail_errno(io, errno);
	}
}

/* http: a recv into rbuf, or (rbuf NULL) a send of wbuf, within the
 * deadline. */
static long
cli_tcp_io(struct cli_io *io, void *rbuf, const void *wbuf, size_t len)
{
	ssize_t n;

	for (;;) {
		n = rbuf != NULL ? recv(io->fd, rbuf, len, 0) :
		    send(io->fd, wbuf, len, MSG_NOSIGNAL);
		if (n >= 0 && rbuf != NULL)
			io->answered = 1;
		if (n >= 0)
			return (long)n;
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
			return cli_fail_errno(io, errno);
		if (errno != EINTR && cli_wait(io, rbuf != NULL ? POLLIN :
		    POLLOUT) < 0)
			return -1;
	}
}

static long
cli_tcp_read(struct cli_io *io, void *buf, size_t len)
{
	return cli_tcp_io(io, buf, NULL, len);
}

static long
cli_tcp_write(struct cli_io *io, const void *buf, size_t len)
{
	return cli_tcp_io(io, NULL, buf, len);
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
cli_connect_one(struct cli_io *io, const struct sockaddr_storage *ss,
    socklen_t len, int *lasterr)
{
	socklen_t sl = sizeof(int);
	int e = 0;

	io->fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (io->fd < 0) {
		*lasterr = errno;
		return -1;
	}
	if (connect(io->fd, (const struct sockaddr *)ss, len) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EINTR)
		e = errno;
	else if (cli_wait(io, POLLOUT) < 0) {
		cli_tcp_close(io);
		return -2;
	} else if (getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &e, &sl) < 0)
		e = errno;
	if (e == 0)
		return 0;
	cli_tcp_close(io);
	*lasterr = e;
	return -1;
}

/* 127.0.0.0/8 or ::1: the address of a loopback interface. */
static int
loopback(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

	if (ss->ss_family == AF_INET)
		return ((const uint8_t *)&sin->sin_addr)[0] == 127;
	return ss->ss_family == AF_INET6 &&
	    memcmp(&s6->sin6_addr, &in6addr_loopback, 16) == 0;
}

/* Try every address of u in turn, as socket.create_connection does. */
static int
cli_tcp_connect(struct cli_io *io, const struct url *u)
{
	struct dns_addr a[DNS_MAX_ADDRS];
	struct sockaddr_storage ss;
	socklen_t sl;
	int i, n, r = -1, lasterr = ECONNREFUSED;

	/* Blocking is fine here; the lookup shares the deadline. */
	if ((n = dns_resolve(u->host, io->deadline, a, DNS_MAX_ADDRS)) < 0)
		return cli_fail(io, "cannot resolve %s (--ctlurl %s): %s",
		    u->host, io->url, ew_gai_strerror(n));
	for (i = 0; i < n && r == -1; i++) {
		sl = dns_sockaddr(&a[i], u->port, &ss);
		if (u->zone[0] != '\0' && ss.ss_family == AF_INET6 &&
		    (((struct sockaddr_in6 *)&ss)->sin6_scope_id =
		    ew_scope_id(u->zone)) == 0)
			return cli_fail(io, "no interface %s (the zone of "
			    "--ctlurl %s)", u->zone, io->url);
		r = cli_connect_one(io, &ss, sl, &lasterr);
	}
	if (r == -2)
		lasterr = ETIMEDOUT;
	if (r < 0)
		return cli_fail(io, "cannot connect to %s: %s (%s)", io->url,
		    lasterr == ETIMEDOUT ? "timed out" : ew_strerror(lasterr),
		    lasterr == ENETUNREACH && loopback(&ss) ? "is the loopback "
		    "interface up? ip link set lo up" :
		    "is `etherws sw` running?");
	return r;
}

/*
 * https: tls_read/tls_write/tls_flush never block; on EAGAIN wait for
 * what the engine wants (tls_interest) within the deadline.  Until the
 * handshake is done, reads of nothing feed it.  A read (rbuf set) first
 * flushes what was written: the request goes out before the reply is
 * awaited.
 */
static long
cli_tls_io(struct cli_io *io, void *rbuf, const void *wbuf, size_t len)
{
	uint8_t none;
	uint32_t ev;
	long n;
	int hs, e;

	for (;;) {
		n = -1;
		hs = !tls_established(io->tls);
		if (!hs)
			io->answered = 1;	/* its handshake came */
		if (hs) {
			if (tls_read(io->tls, io->fd, &none, 0) == 0)
				errno = EPROTO;	/* closed before it began */
		} else if (rbuf == NULL)
			n = tls_write(io->tls, io->fd, wbuf, len);
		else if ((n = tls_flush(io->tls, io->fd)) == 0)
			n = tls_read(io->tls, io->fd, rbuf, len);
		if (n >= 0)
			return n;
		if ((e = tls_error(io->tls)) != 0)
			return cli_fail(io, "TLS with %s failed: %s (%s)",
			    io->url, tls_strerror(e), e >= 32 && e < 64 ?
			    "--ctlsslcert names the CA, --ctlinsecure skips "
			    "the check" : "does the switch serve https there?");
		if (errno == EPROTO || errno == EPIPE)
			return cli_fail(io, "TLS with %s failed: the server "
			    "closed the connection (does the switch serve https "
			    "there?)", io->url);
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return cli_fail_errno(io, errno);
		if (hs && tls_established(io->tls))
			continue;
		ev = tls_interest(io->tls);
		if (cli_wait(io, (ev & EPOLLOUT ? POLLOUT : 0) |
		    (ev & EPOLLIN || ev == 0 ? POLLIN : 0)) < 0)
			return -1;
	}
}

static long
cli_tls_read(struct cli_io *io, void *buf, size_t len)
{
	return cli_tls_io(io, buf, NULL, len);
}

static long
cli_tls_write(struct cli_io *io, const void *buf, size_t len)
{
	return cli_tls_io(io, NULL, buf, len);
}

static void
cli_tls_close(struct cli_io *io)
{
	tls_close(io->tls, io->fd);
	tls_free(io->tls);
	tls_anchors_destroy(io->ta);
	io->ta = NULL;
	cli_tcp_close(io);
}

/* Connect io to the control URL.  0, or -1 with io->err set. */
/* A file option ctl reads: 0, or -1 with io->err saying why not. */
static int
cli_file_check(struct cli_io *io, const char *opt, const char *path)
{
	size_t size;
	int fd, n, e;

	if ((fd = ew_file_open(path, TLS_FILE_MAX, &size)) >= 0) {
		close(fd);
		return 0;
	}
	e = errno;
	n = ew_snprintf(io->err, sizeof(io->err), "--%s: ", opt);
	errno = e;
	ew_file_why(fd, path, TLS_FILE_MAX, io->err + n,
	    sizeof(io->err) - (size_t)n);
	return -1;
}

static int
cli_open(struct cli_io *io, const struct url *u, const struct cli_args *a)
{
	io->ta = NULL;
	io->fd = -1;
	io->tls = NULL;
	io->read = cli_tcp_read;
	io->write = cli_tcp_write;
	io->close = cli_tcp_close;
	io->answered = 0;
	io->answer_s = a->answer_s;
	io->answer_by = ew_now_ms() + (uint64_t)a->answer_s * 1000;
	io->deadline = ew_now_ms() + cli_total_ms(a->answer_s);
	if (strcmp(u->scheme, "http") == 0)
		return cli_tcp_connect(io, u);
	if (strcmp(u->scheme, "https") != 0)
		return cli_fail(io, "invalid --ctlurl %s: must be "
		    "http[s]://HOST[:PORT]/PATH", io->url);
	/* --ctlsslcert, else the system bundle; none if insecure.  SNI
	 * and name check: u->host (tls_client_new).  The operator's own
	 * file: why it cannot be read is told (pem.c says less). */
	if (!a->insecure && a->sslcert != NULL && cli_file_check(io,
	    "ctlsslcert", a->sslcert) < 0)
		return -1;
	if (!a->insecure && (io->ta = tls_anchors_new(a->sslcert != NULL ?
	    a->sslcert : TLS_SYSTEM_CA, io->err, sizeof(io->err))) == NULL)
		return -1;
	if (cli_tcp_connect(io, u) < 0) {
		tls_anchors_destroy(io->ta);
		io->ta = NULL;
		return -1;
	}
	io->read = cli_tls_read;
	io->write = cli_tls_write;
	io->close = cli_tls_close;
	io->tls = tls_client_new(io->ta, u->host, a->insecure, NULL);
	if (io->tls != NULL)
		return 0;
	tls_anchors_destroy(io->ta);
	io->ta = NULL;
	cli_tcp_close(io);
	return cli_fail(io, "TLS with %s: out of memory", io->url);
}

static int
cli_write_all(struct cli_io *io, const char *buf, size_t len)
{
	long n;

	for (; len > 0; buf += n, len -= (size_t)n)
		if ((n = io->write(io, buf, len)) < 0)
			return -1;
	return 0;
}

static int
cli_send_request(struct cli_io *io, const struct url *u, const char *auth,
    const char *body, size_t len)
{
	char head[CLI_REQ_HEAD], port[16] = "";
	int n;

	/* Host: port omitted when it is the scheme's default. */
	if (u->port != (strcmp(u->scheme, "https") == 0 ? 443 : 80))
		ew_snprintf(port, sizeof(port), ":%d", u->port);
	n = ew_snprintf(head, sizeof(head), "POST %s HTTP/1.1\r\n"
	    "Host: %s%s%s%s\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n"
	    "Expect: 100-continue\r\n%s%s%s\r\n",
	    u->path, u->ipv6 ? "[" : "", u->host, u->ipv6 ? "]" : "", port,
	    len, auth != NULL ? "Authorization: " : "",
	    auth != NULL ? auth : "", auth != NULL ? "\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(head))
		return cli_fail(io, "--ctlurl %s is too long", io->url);
	if (cli_write_all(io, head, (size_t)n) < 0)
		return -1;
	return cli_write_all(io, body, len);
}

void
cli_sanitize(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static int
cli_http_error(struct cli_io *io, const struct http_msg *m)
{
	const char *hint = "";
	char reason[256];
	size_t n;

	n = m->reason_len < sizeof(reason) ? m->reason_len :
	    sizeof(reason) - 1;
	memcpy(reason, m->reason, n);
	reason[n] = '\0';
	cli_sanitize(reason);
	if (m->status == 401)
		hint = " (--ctluser and --ctlpasswd)";
	else if (m->status == 404)
		hint = " (is the path the switch's --ctlpath?)";
	else if (m->status == 403)
		hint = " (the switch serves root, its own user and those sw "
		    "--ctlallow names, with a Host of its address, localhost or "
		    "--ctlhost)";
	return cli_fail(io, "%s answered HTTP %d %s%s", io->url, m->status,
	    reason, hint);
}

/*
 * Read the response head into head (HTTP_MAX_HEADER bytes), skipping
 * interim 1xx responses.  Returns the head length (any bytes after it
 * are body; *len counts all), or -1 with io->err set.
 */
static int
cli_read_head(struct cli_io *io, char *head, size_t *len,
    struct http_msg *m)
{
	long n;
	int r;

	for (;;) {
		r = http_parse_response(head, *len, HTTP_MAX_HEADER, m);
		if (r > 0 && m->status >= 100 && m->status < 200) {
			memmove(head, head + r, *len - (size_t)r);
			*len -= (size_t)r;
			continue;
		}
		if (r > 0)
			return r;
		if (r == HTTP_TOO_LARGE || (r == HTTP_INCOMPLETE &&
		    *len == HTTP_MAX_HEADER))
			return cli_fail(io, "the reply head from %s is over %d "
			    "bytes", io->url, HTTP_MAX_HEADER);
		if (r != HTTP_INCOMPLETE)
			return cli_fail(io, "%s did not answer in HTTP",
			    io->url);
		if ((n = io->read(io, head + *len, HTTP_MAX_HEADER - *len)) < 0)
			return -1;
		if (n == 0)
			return cli_fail(io, "%s closed the connection %s",
			    io->url, *len == 0 ? "without a reply" :
			    "in the middle of its reply");
		*len += (size_t)n;
	}
}

/* Content-Length: 0 and *v (at most CTL_MAX_REPLY + 1), or -1 if
 * absent or not a number (then the body ends at EOF, as in httplib). */
static int
cli_content_length(const struct http_msg *m, size_t *v)
{
	const struct http_header *h;
	size_t i;

	if ((h = http_header(m, "Content-Length")) == NULL ||
	    h->value_len == 0)
		return -1;
	for (*v = 0, i = 0; i < h->value_len; i++) {
		if (!ew_isdigit((unsigned char)h->value[i]))
			return -1;
		*v = *v * 10 + (size_t)(h->value[i] - '0');
		if (*v > CTL_MAX_REPLY)
			*v = (size_t)CTL_MAX_REPLY + 1;
	}
	return 0;
}

/*
 * Read the body (Content-Length bytes, else to EOF, at most
 * CTL_MAX_REPLY) after the prelen bytes in pre.  *out is malloc'd.
 */
static int
cli_read_body(struct cli_io *io, const struct http_msg *m, const char *pre,
    size_t prelen, char **out, size_t *outlen)
{
	size_t want, cap, len;
	char *buf, *nb;
	long n = 1;
	int have_cl;

	if ((have_cl = cli_content_length(m, &want) == 0) == 0)
		want = (size_t)CTL_MAX_REPLY + 1;	/* one over: too long */
	else if (want > CTL_MAX_REPLY)
		return cli_fail(io, "the reply from %s is over %d bytes",
		    io->url, CTL_MAX_REPLY);
	len = prelen < want ? prelen : want;
	cap = have_cl ? want : len + 4096;
	if ((buf = malloc(cap + 1)) == NULL)
		return cli_fail(io, "out of memory");
	memcpy(buf, pre, len);
	while (len < want && n > 0) {
		if (len == cap) {
			cap = cap * 2 < want ? cap * 2 : want;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				n = cli_fail(io, "out of memory");
				break;
			}
			buf = nb;
		}
		if ((n = io->read(io, buf + len, cap - len)) > 0)
			len += (size_t)n;
	}
	if (n >= 0 && len > CTL_MAX_REPLY)
		n = cli_fail(io, "the reply from %s is over %d bytes",
		    io->url, CTL_MAX_REPLY);
	else if (n == 0 && have_cl && len < want)
		n = cli_fail(io, "the reply from %s ended after %zu of its %zu "
		    "bytes", io->url, len, want);
	if (n < 0) {
		free(buf);
		return -1;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

int
cli_exchange(struct cli_io *io, const struct cli_args *a, const char *auth,
    const char *body, size_t len, char **reply, size_t *replylen)
{
	char head[HTTP_MAX_HEADER];
	struct http_msg m;
	struct url u;
	size_t hlen = 0;
	int r;

	io->url = a->url;
	if (ew_memmem(a->url, strlen(a->url), "://", 3) == NULL ||
	    url_parse(a->url, &u) < 0)
		return cli_fail(io, "invalid --ctlurl %s: must be "
		    "http[s]://HOST[:PORT]/PATH", a->url);
	if (cli_open(io, &u, a) < 0)
		return -1;
	if ((r = cli_send_request(io, &u, auth, body, len)) == 0)
		r = cli_read_head(io, head, &hlen, &m);
	if (r > 0 && m.status != 200)
		r = cli_http_error(io, &m);
	if (r > 0)
		r = cli_read_body(io, &m, head + r, hlen - (size_t)r, reply,
		    replylen);
	io->close(io);
	return r;
}
