/*
 * client.c - client ports: each attempt resolves the URL's host (or the
 * proxy's) on the event loop (dns.c), connects to each address in turn,
 * runs TLS for wss://, sends the upgrade and checks the 101.  The first
 * attempt answers addPort; later ones reconnect with backoff and keep
 * the port number, as etherws 1.3 does.  Each failure is classed:
 * one that retrying may cure is retried within a few seconds, one it
 * cannot (a wrong password, path or certificate) slowly (defs.h
 * BACKOFF_*).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "addr.h"
#include "auth.h"
#include "base64.h"
#include "client.h"
#include "conn.h"
#include "container.h"
#include "dns.h"
#include "errtext.h"
#include "fmt.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "sock.h"
#include "probe.h"
#include "switch.h"
#include "sys.h"
#include "tls.h"
#include "tunnel.h"
#include "util.h"
#include "ws.h"

struct client {
	char		 url[URL_MAX];
	struct url	 u;
	char		 user[CRED_MAX], pass[CRED_MAX];
	int		 insecure;
	int		 tls;		/* wss:// */
	char		 proxy[URL_MAX];	/* proxy URL as given, or "" */
	char		 proxy_host[256];
	int		 proxy_port;
	char		 proxy_auth[BASE64_ENC_LEN(2 * CRED_MAX) + 8];
	struct tls_anchors *anchors;	/* own file, or the shared bundle */
	int		 own_anchors;
	uint8_t		 pin[32];
	int		 has_pin;
	struct port	*port;		/* NULL until the first success */
	struct conn	*conn;		/* attempt or connection */
	/* the first attempt's answer (addPort), until it is given */
	void		(*done)(void *, struct port *, const char *);
	void		*done_arg;
	int		 attempt;	/* failures since the last success */
	int		 steps;		/* of them, in a row of this kind */
	int		 lasting;	/* the last one: retrying cannot
					 * cure it (slow retries) */
	int		 fail_lasting;	/* the attempt failing now: that kind */
	uint64_t	 connects;	/* handshakes that succeeded */
	uint64_t	 failures;	/* attempts that failed since the port
					 * was made */
	char		 last_err[256];	/* why it last failed or went down */
	uint64_t	 last_err_at;	/* ms, 0: never */
	struct ev_timer	 retry;
	/* the current attempt */
	struct dns_req	*dns;		/* the name lookup, or NULL */
	struct sockaddr_storage addrs[DNS_MAX_ADDRS];
	int		 naddrs, addri;
	char		 key[32];	/* our Sec-WebSocket-Key */
	uint64_t	 peer_id;	/* the server's X-Etherws-Id, or 0 */
};

static void connect_next(struct client *cl, struct conn *c);
static void client_connected(struct client *cl, struct conn *c);
static void client_failed(struct client *cl, const char *err);
static void client_schedule(struct client *cl, int lasting);
static void client_free(struct client *cl);
static const struct conn_ops client_conn_ops;

/* ------------------------------------------------------------------ */
/* Client attempts: resolve, connect to each address in turn, send the
 * upgrade, check the 101. */

/* The lookup's outcome (from dns_start at once, or later from the
 * loop): connect, or fail the attempt in getaddrinfo's words. */
static void
dns_done(void *arg, int rc, const struct dns_addr *a, int n)
{
	struct client *cl = arg;
	struct conn *c = cl->conn;
	int i, port;

	cl->dns = NULL;			/* over: never cancelled now */
	if (rc < 0) {
		ew_snprintf(c->err, sizeof(c->err), "cannot resolve %s: %s",
		    cl->proxy[0] ? cl->proxy_host : cl->u.host,
		    ew_gai_strerror(rc));
		client_failed(cl, c->err);
		return;
	}
	port = cl->proxy[0] ? cl->proxy_port : cl->u.port;
	for (i = 0; i < n && i < DNS_MAX_ADDRS; i++)
		dns_sockaddr(&a[i], port, &cl->addrs[i]);
	/* ws://[fe80::1%25eth0]/: the link the address is on, looked up
	 * now (the interface may have come since addPort) */
	if (cl->u.zone[0] != '\0' && !cl->proxy[0] && n > 0 &&
	    a[0].family == AF_INET6 && (((struct sockaddr_in6 *)
	    &cl->addrs[0])->sin6_scope_id = ew_scope_id(cl->u.zone)) == 0) {
		ew_snprintf(c->err, sizeof(c->err), "no interface %s (the "
		    "zone of %s)", cl->u.zone, cl->url);
		client_failed(cl, c->err);
		return;
	}
	cl->naddrs = i;
	cl->addri = 0;
	connect_next(cl, c);
}

static void
attempt_start(struct client *cl)
{
	struct dns_addr a[DNS_MAX_ADDRS];
	struct conn *c;
	int n;

	c = conn_new(-1, 1, 0, &client_conn_ops, cl);
	if (c == NULL) {
		client_failed(cl, "cannot connect: out of memory");
		return;
	}
	c->attempt = 1;
	c->name = cl->url;
	cl->fail_lasting = 0;
	cl->conn = c;
	c->state = CS_RESOLVE;
	conn_deadline(c, CONNECT_TIMEOUT_MS);
	/* The lookup ends before the attempt's deadline, so that a silent
	 * nameserver reads as "Temporary failure in name resolution". */
	n = dns_start(&cl->dns, cl->proxy[0] ? cl->proxy_host : cl->u.host,
	    DNS_TIMEOUT_MS, dns_done, cl, a, DNS_MAX_ADDRS);
	if (n != 0)
		dns_done(cl, n < 0 ? n : 0, a, n > 0 ? n : 0);
}

/* Queue a request built with snprintf (n its result) and wait for the
 * answer in state st; the buffer may hold credentials: wiped. */
static void
request_send(struct conn *c, char *buf, size_t cap, int n,
    enum conn_state st)
{
	if (n < 0 || (size_t)n >= cap) {	/* buffers are sized for it */
		explicit_bzero(buf, cap);
		client_failed(c->owner, "request too long");
		return;
	}
	c->state = st;
	conn_set_inmax(c, IN_MAX_WS);
	out_append(c, buf, (size_t)n);
	explicit_bzero(buf, cap);
	conn_flush(c);
}

static void
upgrade_send(struct conn *c)
{
	struct client *cl = c->owner;
	uint8_t raw[16];
	char hostport[300], authz[BASE64_ENC_LEN(2 * CRED_MAX) + 32];
	/* path, Host, Authorization, and the fixed text (< 256) */
	char buf[URL_MAX + sizeof(hostport) + sizeof(authz) + 256];
	int n;

	ew_random(raw, sizeof(raw));
	base64_encode(cl->key, raw, sizeof(raw));
	if (cl->u.port_given && cl->u.port != (strcmp(cl->u.scheme, "wss") ?
	    80 : 443))
		ew_snprintf(hostport, sizeof(hostport), cl->u.ipv6 ? "[%s]:%d" :
		    "%s:%d", cl->u.host, cl->u.port);
	else
		ew_snprintf(hostport, sizeof(hostport), cl->u.ipv6 ? "[%s]" :
		    "%s", cl->u.host);
	authz[0] = '\0';
	if (cl->user[0] != '\0') {
		memcpy(authz, "Authorization: ", 15);
		n = (int)basic_auth_header(authz + 15, sizeof(authz) - 17,
		    cl->user, cl->pass);
		if (n < 0)
			authz[0] = '\0';
		else
			memcpy(authz + 15 + n, "\r\n", 3);
	}
	/* X-Etherws-Id lets our server refuse a port that leads back to
	 * its own switch; the original ignores unknown headers. */
	n = ew_snprintf(buf, sizeof(buf), "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
	    "X-Etherws-Id: %016llx\r\n%s%s\r\n", cl->u.path, hostport, cl->key,
	    (unsigned long long)probe_id(),
	    conn_offer_offload() ? OFFLOAD_LINE : "",
	    authz);
	explicit_bzero(authz, sizeof(authz));
	request_send(c, buf, sizeof(buf), n, CS_HRESP);
}

static void
connect_next(struct client *cl, struct conn *c)
{
	struct sockaddr_storage *ss;
	socklen_t sl;
	int fd;

	while (cl->addri < cl->naddrs) {
		ss = &cl->addrs[cl->addri++];
		sl = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
		    sizeof(struct sockaddr_in);
		fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (fd < 0)
			goto next;
		sock_tune(fd, conn_keepalive_s());
		if (connect(fd, (struct sockaddr *)ss, sl) == 0 ||
		    errno == EINPROGRESS) {
			if (conn_watch(c, fd) < 0) {
				close(fd);
				goto next;
			}
			c->state = CS_CONNECT;
			sock_addr_text((struct sockaddr *)ss, c->peerip,
			    sizeof(c->peerip), c->peer, sizeof(c->peer));
			return;
		}
		close(fd);
next:
		sock_addr_text((struct sockaddr *)ss, c->peerip,
		    sizeof(c->peerip), c->peer, sizeof(c->peer));
		ew_snprintf(c->err, sizeof(c->err), "cannot connect to %s%s: "
		    "%s", cl->proxy[0] ? "proxy " : "", c->peer,
		    ew_strerror(errno));
	}
	if (cl->naddrs == 0)
		ew_snprintf(c->err, sizeof(c->err), "cannot resolve %s: %s",
		    cl->proxy[0] ? cl->proxy_host : cl->u.host,
		    ew_gai_strerror(-2));
	client_failed(cl, c->err);
}

/* The byte stream reaches the server: TLS (wss), then the upgrade. */
static void
tunnel_open(struct conn *c)
{
	struct client *cl = c->owner;
	int rc;

	c->state = CS_HRESP;
	if (cl->tls && (rc = conn_tls_client(c, cl->anchors, cl->u.host,
	    cl->insecure, cl->has_pin ? cl->pin : NULL)) < 0) {
		client_failed(cl, rc == CONN_NO_ROOM ? "cannot set up TLS: "
		    "no room within --maxmem" : "cannot set up TLS: out of "
		    "memory");
		return;
	}
	upgrade_send(c);
}

static void
proxy_send(struct conn *c)
{
	struct client *cl = c->owner;
	/* the target twice (< 300 each), Proxy-Authorization, fixed text */
	char buf[2 * 300 + sizeof(cl->proxy_auth) + 64], hp[300];
	int n;

	ew_snprintf(hp, sizeof(hp), cl->u.ipv6 ? "[%s]:%d" : "%s:%d", cl->u.host,
	    cl->u.port);
	n = ew_snprintf(buf, sizeof(buf), "CONNECT %s HTTP/1.1\r\nHost: %s\r\n"
	    "%s%s%s\r\n", hp, hp, cl->proxy_auth[0] ?
	    "Proxy-Authorization: " : "", cl->proxy_auth,
	    cl->proxy_auth[0] ? "\r\n" : "");
	request_send(c, buf, sizeof(buf), n, CS_PROXY);
}

/* The proxy's answer to CONNECT: 2xx opens the tunnel. */
static void
client_proxy_reply(struct conn *c)
{
	struct client *cl = c->owner;
	struct http_msg m;
	int r;

	r = http_parse_response((const char *)c->in, c->inlen,
	    HTTP_MAX_HEADER, &m);
	if (r == HTTP_INCOMPLETE)
		return;
	if (r < 0) {
		ew_snprintf(c->err, sizeof(c->err), "WebSocketProxyException: "
		    "Invalid response from proxy %s:%d", cl->proxy_host,
		    cl->proxy_port);
		cl->fail_lasting = 1;	/* not a proxy: it will not become one */
		client_failed(c->owner, c->err);
		return;
	}
	if (m.status == 407) {
		ew_snprintf(c->err, sizeof(c->err), "WebSocketProxyException: 407 "
		    "Proxy Authentication Required (proxy %s:%d)",
		    cl->proxy_host, cl->proxy_port);
		cl->fail_lasting = 1;
		client_failed(c->owner, c->err);
		return;
	}
	if (m.status < 200 || m.status > 299) {
		ew_snprintf(c->err, sizeof(c->err), "WebSocketProxyException: "
		    "CONNECT failed: %d %.*s (proxy %s:%d)", m.status,
		    (int)(m.reason_len > 100 ? 100 : m.reason_len), m.reason,
		    cl->proxy_host, cl->proxy_port);
		/* 502, 503, 504: the proxy cannot reach the server now */
		cl->fail_lasting = m.status < 500 || m.status > 599;
		client_failed(c->owner, c->err);
		return;
	}
	/* Nothing may follow the proxy's answer before our upgrade: the
	 * server speaks only after it, and (wss) only inside TLS.  Bytes
	 * here are the proxy's own, which must not pass for the server's
	 * 101 (a forged X-Etherws-Offload, say). */
	if (c->inlen > (size_t)r) {
		ew_snprintf(c->err, sizeof(c->err), "WebSocketProxyException: "
		    "bytes after the CONNECT response (proxy %s:%d)",
		    cl->proxy_host, cl->proxy_port);
		client_failed(c->owner, c->err);
		return;
	}
	in_consume(c, (size_t)r);
	tunnel_open(c);
}

/* ---- proxy selection from the environment, as etherws 1.3's ---- */

static const char *
env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* 1 if the IP address host lies in the no_proxy entry ent, an address
 * or block ("10.9.3.0/24", "fd00::/8", "[::1]"); 0 otherwise. */
static int
no_proxy_cidr(const char *host, const char *ent)
{
	const char *rb = strchr(ent, ']');
	struct ew_cidr c;
	char e[64];
	uint8_t a[16];

	/* "[v6]" or "[v6]/bits" as "v6" or "v6/bits" */
	if (ent[0] == '[' && rb != NULL && (rb[1] == '\0' || rb[1] == '/') &&
	    strlen(ent) < sizeof(e)) {
		ew_snprintf(e, sizeof(e), "%.*s%s", (int)(rb - ent - 1),
		    ent + 1, rb + 1);
		ent = e;
	}
	if (ew_cidr_parse(ent, &c) < 0)
		return 0;
	if (ew_pton(AF_INET, host, a) == 1)
		return ew_cidr_match(&c, AF_INET, a);
	return ew_pton(AF_INET6, host, a) == 1 &&
	    ew_cidr_match(&c, AF_INET6, a);
}

/* 1 if host:port is excluded by no_proxy / NO_PROXY: "*", a name (and
 * its subdomains), an address, or a block of addresses (CIDR, as curl
 * takes it), each optionally ":port". */
static int
no_proxy_match(const char *host, int port)
{
	const char *np = env_nonempty("no_proxy"), *p, *e, *colon;
	size_t hl = strlen(host), n, el;
	char ent[256];
	long long ep;

	if (np == NULL)
		np = env_nonempty("NO_PROXY");
	if (np == NULL)
		return 0;
	for (p = np; *p != '\0'; p = *e ? e + 1 : e) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		while (p < e && (*p == ' ' || *p == '\t' || *p == '.'))
			p++;
		n = (size_t)(e - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 0 || n >= sizeof(ent))
			continue;
		memcpy(ent, p, n);
		ent[n] = '\0';
		if (strcmp(ent, "*") == 0)
			return 1;
		if (no_proxy_cidr(host, ent))
			return 1;
		colon = strrchr(ent, ':');
		if (colon != NULL && strchr(ent, ':') == colon &&
		    ew_parse_int(colon + 1, &ep) == 0) {
			if (ep != port)
				continue;
			ent[colon - ent] = '\0';
		}
		el = strlen(ent);
		if (ew_strcaseeq(host, hl, ent) || (hl > el &&
		    host[hl - el - 1] == '.' &&
		    ew_strcaseeq(host + hl - el, el, ent)))
			return 1;
	}
	return 0;
}

static int
client_proxy_setup(struct client *cl, char *err, size_t errlen)
{
	const char *v = NULL;
	char full[URL_MAX + 8];
	struct url pu;

	if (cl->tls)
		v = env_nonempty("https_proxy");
	if (v == NULL && cl->tls)
		v = env_nonempty("HTTPS_PROXY");
	if (v == NULL)
		v = env_nonempty("http_proxy");
	if (v == NULL)
		v = env_nonempty("HTTP_PROXY");
	if (v == NULL || no_proxy_match(cl->u.host, cl->u.port))
		return 0;
	/* "host:port" alone means http://host:port */
	ew_snprintf(full, sizeof(full), ew_memmem(v, strlen(v), "://", 3) ? "%s" : "http://%s", v);
	if (url_parse(full, &pu) < 0 || strcmp(pu.scheme, "http") != 0 ||
	    (strcmp(pu.path, "/") != 0)) {
		ew_snprintf(err, errlen, "unsupported proxy URL %s (from the "
		    "switch's environment): only http://HOST[:PORT]", v);
		return -1;
	}
	ew_snprintf(cl->proxy, sizeof(cl->proxy), "%s", v);
	ew_snprintf(cl->proxy_host, sizeof(cl->proxy_host), "%s", pu.host);
	cl->proxy_port = pu.port;
	if (pu.has_userinfo && basic_auth_header(cl->proxy_auth,
	    sizeof(cl->proxy_auth), pu.user, pu.pass) < 0)
		cl->proxy_auth[0] = '\0';
	explicit_bzero(&pu, sizeof(pu));
	return 0;
}

static void
client_connect_done(struct conn *c)
{
	struct client *cl = c->owner;
	int e = 0, fd = conn_fd(c);
	socklen_t l = sizeof(e);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l) < 0)
		e = errno;
	if (e == 0) {
		c->err[0] = '\0';
		if (cl->proxy[0])
			proxy_send(c);
		else
			tunnel_open(c);
		return;
	}
	conn_unwatch(c);
	close(fd);
	errno = e;
	ew_snprintf(c->err, sizeof(c->err), "cannot connect to %s%s: %s",
	    cl->proxy[0] ? "proxy " : "", c->peer, ew_strerror(e));
	if (cl->addri < cl->naddrs)
		connect_next(cl, c);
	else
		client_failed(cl, c->err);
}

/* A 101 that is not a WebSocket handshake: why, into c->err. */
static int
hresp_bad(struct conn *c, const char *why)
{
	ew_snprintf(c->err, sizeof(c->err), "%s answered 101 with %s: not a "
	    "WebSocket handshake", c->peer, why);
	return -1;
}

static int
hresp_check(struct client *cl, struct conn *c, const struct http_msg *m)
{
	const struct http_header *h;
	char acc[29];

	if (m->status == 409 && http_header(m, "X-Etherws-Self") != NULL) {
		ew_snprintf(c->err, sizeof(c->err), "the URL leads back to "
		    "this switch (HTTP 409 from %s)", c->peer);
		return -1;
	}
	if (m->status != 101) {
		ew_snprintf(c->err, sizeof(c->err), "%s answered HTTP %d %.*s "
		    "instead of 101 Switching Protocols%s", c->peer, m->status,
		    (int)(m->reason_len > 100 ? 100 : m->reason_len),
		    m->reason, m->status == 401 ? " (--user, --passwd)" :
		    m->status == 404 ? " (the URL's path?)" : "");
		return -1;
	}
	h = http_header(m, "Upgrade");
	if (h == NULL || !ew_strcaseeq(h->value, h->value_len, "websocket"))
		return hresp_bad(c, "no \"Upgrade: websocket\"");
	h = http_header(m, "Connection");
	if (h == NULL || !http_has_token(h->value, h->value_len, "upgrade"))
		return hresp_bad(c, "no \"Connection: Upgrade\"");
	ws_accept(cl->key, strlen(cl->key), acc);
	h = http_header(m, "Sec-WebSocket-Accept");
	if (h == NULL || h->value_len != 28 || memcmp(h->value, acc, 28) != 0)
		return hresp_bad(c, "a wrong Sec-WebSocket-Accept");
	if (http_header(m, "Sec-WebSocket-Extensions") != NULL ||
	    http_header(m, "Sec-WebSocket-Protocol") != NULL)
		return hresp_bad(c, "an extension or subprotocol");
	return 0;
}


static void
client_hresp(struct conn *c)
{
	struct client *cl = c->owner;
	const struct http_header *h;
	struct http_msg m;
	int r;

	r = http_parse_response((const char *)c->in, c->inlen,
	    HTTP_MAX_HEADER, &m);
	if (r == HTTP_INCOMPLETE)
		return;
	if (r < 0 || hresp_check(cl, c, &m) < 0) {
		if (r < 0)
			ew_snprintf(c->err, sizeof(c->err), "%s did not answer "
			    "the WebSocket handshake in HTTP", c->peer);
		/* a server's trouble (5xx) passes; the rest is what it
		 * is told or what it is (not ours, not a WebSocket) */
		cl->fail_lasting = r < 0 || m.status < 500 || m.status > 599;
		client_failed(c->owner, c->err);
		return;
	}
	/* Offload: we asked, so the answer can only say yes.  Before
	 * in_consume, which moves the bytes m points into.  A server of
	 * ours says its id. */
	conn_ws_open(c, &m, 0);
	h = http_header(&m, "X-Etherws-Id");
	if (h == NULL || probe_id_parse(h->value, h->value_len,
	    &cl->peer_id) < 0)
		cl->peer_id = 0;
	in_consume(c, (size_t)r);
	conn_deadline_stop(c);
	c->attempt = 0;
	client_connected(cl, c);
	if (!c->dead && c->inlen > 0)
		conn_ws_input(c);
}

/* ------------------------------------------------------------------ */
/* Client ports */

/* The system bundle, loaded once and shared by every wss:// port. */
static struct tls_anchors *
system_anchors(char *err, size_t errlen)
{
	static struct tls_anchors *sys;

	if (sys == NULL)
		sys = tls_anchors_new(TLS_SYSTEM_CA, err, errlen);
	return sys;
}

static int
client_tls_setup(struct client *cl, const char *cacerts, int insecure,
    const char *pin, char *err, size_t errlen)
{
	if (pin != NULL) {
		if (tls_pin_parse(pin, cl->pin) < 0) {
			ew_snprintf(err, errlen, "invalid pin %s: must be "
			    "sha256//BASE64 (the server key's SHA-256)", pin);
			return -1;
		}
		cl->has_pin = 1;
	}
	if (insecure)
		return 0;
	if (cacerts == NULL || cacerts[0] == '\0') {
		cl->anchors = system_anchors(err, errlen);
		return cl->anchors == NULL ? -1 : 0;
	}
	cl->anchors = tls_anchors_new(cacerts, err, errlen);
	if (cl->anchors == NULL)
		return -1;
	cl->own_anchors = 1;
	return 0;
}

struct client *
client_new(const char *url, const char *user, const char *pass,
    const char *cacerts, int insecure, const char *pin, char *err,
    size_t errlen)
{
	struct client *cl;
	const char *why;

	cl = calloc(1, sizeof(*cl));
	if (cl == NULL) {
		ew_snprintf(err, errlen, "out of memory");
		return NULL;
	}
	why = strlen(url) >= sizeof(cl->url) ? "too long" : NULL;
	if (why != NULL || url_parse_why(url, &cl->u, &why) < 0 ||
	    cl->u.has_userinfo || (strcmp(cl->u.scheme, "ws") != 0 &&
	    strcmp(cl->u.scheme, "wss") != 0)) {
		if (strncmp(url, "ws://", 5) != 0 &&
		    strncmp(url, "wss://", 6) != 0)
			why = "a client port's URL starts with ws:// or wss://";
		else if (cl->u.has_userinfo)
			why = "no user:password@ (give --user and --passwd)";
		ew_snprintf(err, errlen, "invalid URL %s: %s", url, why);
		free(cl);
		return NULL;
	}
	cl->tls = strcmp(cl->u.scheme, "wss") == 0;
	if (client_proxy_setup(cl, err, errlen) < 0) {
		free(cl);
		return NULL;
	}
	if (cl->tls && client_tls_setup(cl, cacerts, insecure, pin, err,
	    errlen) < 0) {
		free(cl);
		return NULL;
	}
	ew_snprintf(cl->url, sizeof(cl->url), "%s", url);
	ew_snprintf(cl->user, sizeof(cl->user), "%s", user ? user : "");
	ew_snprintf(cl->pass, sizeof(cl->pass), "%s", pass ? pass : "");
	cl->insecure = insecure;
	timer_init(&cl->retry, NULL);
	return cl;
}

static void
retry_cb(struct ev_timer *t)
{
	struct client *cl = container_of(t, struct client, retry);

	attempt_start(cl);
}

void
client_start(struct client *cl,
    void (*done)(void *arg, struct port *, const char *err), void *arg)
{
	cl->done = done;
	cl->done_arg = arg;
	cl->retry.cb = retry_cb;
	attempt_start(cl);
}

static void
client_free(struct client *cl)
{
	struct conn *c = cl->conn;

	timer_stop(&cl->retry);
	dns_cancel(cl->dns);
	cl->dns = NULL;
	if (c != NULL) {
		cl->conn = NULL;
		c->owner = NULL;
		c->name = NULL;
		if (c->state != CS_WS && c->state != CS_CLOSING)
			conn_free(c);
	}
	if (cl->own_anchors)
		tls_anchors_destroy(cl->anchors);
	explicit_bzero(cl->pass, sizeof(cl->pass));
	free(cl);
}

/* Answer the waiting addPort, if anyone still waits. */
static void
client_answer(struct client *cl, struct port *p, const char *err)
{
	void (*done)(void *, struct port *, const char *) = cl->done;

	cl->done = NULL;
	if (done != NULL)
		done(cl->done_arg, p, err);
}

/* ------------------------------------------------------------------ */
/* The client port: its frames go to and come from cl->conn while open */

static void
cl_close(struct port *p, int code)
{
	struct client *cl = p->priv;
	struct conn *c = p->tunnel;

	if (c != NULL) {
		/* The connection forgets its port here: say it now. */
		log_msg_rl(EW_LOG_INFO, p->target, "disconnected: %s",
		    p->target);
		cl->conn = NULL;
		p->tunnel = NULL;
		conn_close(c, code);
	}
	client_free(cl);
	p->priv = NULL;
}

static const char *
phase(const struct client *cl)
{
	if (cl->conn == NULL)
		return "waiting to reconnect";
	switch (cl->conn->state) {
	case CS_RESOLVE: return "resolving";
	case CS_CONNECT: return "connecting";
	case CS_PROXY: return "proxy CONNECT";
	case CS_HRESP: return "handshake";
	default: return cl->conn->attempt ? "handshake" : "connected";
	}
}

/* showPort: where it is, what went wrong last, when it tries next. */
static void
cl_status(const struct port *p, struct jw *w)
{
	const struct client *cl = p->priv;
	const struct conn *c = p->tunnel;
	uint64_t now = ew_now_ms();
	char when[32], hp[300];

	if (cl == NULL)
		return;
	jw_member_str(w, ", \"phase\": ", phase(cl));
	if (c != NULL)
		tunnel_status(c, w);
	else if (cl->conn != NULL && cl->conn->peer[0] != '\0')
		jw_member_str(w, ", \"trying\": ", cl->conn->peer);
	if (cl->proxy[0]) {
		ew_snprintf(hp, sizeof(hp), "%s:%d", cl->proxy_host,
		    cl->proxy_port);
		jw_member_str(w, ", \"proxy\": ", hp);
	}
	jw_member_int(w, ", \"connects\": ", (long long)cl->connects);
	jw_member_int(w, ", \"failed_attempts\": ", cl->attempt);
	if (cl->retry.idx >= 0) {
		jw_member_int(w, ", \"next_attempt_in_s\": ", (long long)
		    ((cl->retry.when > now ? cl->retry.when - now : 0) + 999) /
		    1000);
		/* why so soon or so late: the kind of the last failure */
		jw_member_str(w, ", \"backoff\": ", cl->lasting ? "long" :
		    "short");
	}
	if (cl->last_err_at != 0) {
		ew_iso_time(cl->last_err_at, when, sizeof(when));
		jw_member_str(w, ", \"last_error\": ", cl->last_err);
		jw_member_str(w, ", \"last_error_at\": ", when);
	}
}

/* Metrics: the queue, and the attempts. */
static void
cl_stats(const struct port *p, struct port_stats *st)
{
	const struct client *cl = p->priv;

	tunnel_stats(p, st);
	if (cl == NULL)
		return;
	st->has_client = 1;
	st->connects = cl->connects;
	st->failures = cl->failures;
	st->failing = (uint64_t)cl->attempt;
}

static const struct port_ops client_port_ops = {
	tunnel_output, tunnel_output_ctrl, tunnel_offload, cl_close,
	cl_status, tunnel_rtt, cl_stats
};

struct port *
client_start_down(struct client *cl)
{
	struct port *p;

	p = port_new(PORT_CLIENT, cl->url, &client_port_ops, cl);
	if (p == NULL) {
		client_free(cl);
		return NULL;
	}
	cl->port = p;
	port_set_up(p, 0);
	/* The first attempt from the loop: the daemon has detached by
	 * then, and a failure only schedules the next one. */
	cl->retry.cb = retry_cb;
	timer_arm(&cl->retry, 0);
	return p;
}

void
client_discard(struct client *cl)
{
	client_free(cl);
}

static void
client_connected(struct client *cl, struct conn *c)
{
	struct port *p = cl->port;

	cl->attempt = 0;
	cl->steps = 0;
	cl->connects++;
	if (p == NULL) {
		p = port_new(PORT_CLIENT, cl->url, &client_port_ops, cl);
		if (p == NULL) {
			client_failed(cl, "out of memory");
			return;
		}
		cl->port = p;
		p->tunnel = c;
		p->peer_id = cl->peer_id;
		log_msg_rl(EW_LOG_INFO, cl->url, "connected: %s", cl->url);
		client_answer(cl, p, NULL);
	} else {
		p->tunnel = c;
		p->peer_id = cl->peer_id;
		port_set_up(p, 1);
		log_msg_rl(EW_LOG_INFO, cl->url, "connected: %s", cl->url);
	}
	conn_keepalive(c);
}

static void
client_failed(struct client *cl, const char *err)
{
	struct conn *c = cl->conn;
	char msg[640];

	ew_snprintf(msg, sizeof(msg), "%s", err);
	dns_cancel(cl->dns);	/* a deadline may end the lookup */
	cl->dns = NULL;
	if (c != NULL) {
		cl->conn = NULL;
		c->owner = NULL;
		conn_free(c);
	}
	if (cl->port == NULL) {
		/* The first attempt failed: addPort fails, nothing stays. */
		client_answer(cl, NULL, msg);
		client_free(cl);
		return;
	}
	cl->failures++;
	log_msg_rl(EW_LOG_WARNING, cl->url, "connect failed: %s: %s", cl->url,
	    msg);
	ew_snprintf(cl->last_err, sizeof(cl->last_err), "%s", msg);
	cl->last_err_at = ew_now_ms();
	client_schedule(cl, cl->fail_lasting);
}

/* ------------------------------------------------------------------ */
/* The connection's callbacks */

static void
cl_conn_failed(struct conn *c, const char *err)
{
	struct client *cl = c->owner;

	/* A certificate that does not verify (or match the pin) will not
	 * by itself; a reset or a timeout may. */
	cl->fail_lasting = conn_tls(c) != NULL &&
	    tls_verify_error(tls_error(conn_tls(c)));
	client_failed(cl, err);
}

static void
cl_input(struct conn *c)
{
	if (c->state == CS_HRESP)
		client_hresp(c);
	else if (c->state == CS_PROXY)
		client_proxy_reply(c);
}

static void
cl_message(struct conn *c, const uint8_t *frame, size_t len,
    const struct vnet *vh)
{
	struct client *cl = c->owner;

	switch_input(cl->port, frame, len, vh);
}

static void
cl_dropped(struct conn *c)
{
	struct client *cl = c->owner;
	struct port *p = cl->port;

	if (!p->shut)
		switch_input_dropped(p);
}

/* The port stays, down, and reconnects. */
static void
cl_lost(struct conn *c)
{
	struct client *cl = c->owner;
	struct port *p = cl->port;

	cl->conn = NULL;
	p->tunnel = NULL;
	log_msg_rl(EW_LOG_INFO, p->target, "disconnected: %s", p->target);
	ew_snprintf(cl->last_err, sizeof(cl->last_err), "%s: connection "
	    "lost%s%s", c->peer, c->err[0] ? ": " : "", c->err);
	cl->last_err_at = ew_now_ms();
	port_set_up(p, 0);
	client_schedule(cl, 0);
}

static void
cl_release(struct conn *c)
{
	struct client *cl = c->owner;

	if (cl == NULL || cl->conn != c)
		return;
	cl->conn = NULL;
	if (cl->port != NULL)
		cl->port->tunnel = NULL;
	dns_cancel(cl->dns);
	cl->dns = NULL;
}

static const struct conn_ops client_conn_ops = {
	client_connect_done, cl_input, cl_message, cl_dropped,
	cl_conn_failed, cl_lost, cl_release
};

/* The delay before retry n (from 1) of a row of failures of one kind:
 * doubled each time up to the kind's cap, times U[1 - j, 1 + j] for r
 * uniform in 0..UINT32_MAX. */
static uint64_t
backoff_ms(int n, int lasting, uint32_t r)
{
	uint64_t d = lasting ? BACKOFF_LONG_FIRST_MS : BACKOFF_SHORT_FIRST_MS;
	uint64_t cap = lasting ? BACKOFF_LONG_MAX_MS : BACKOFF_SHORT_MAX_MS;
	uint64_t j;

	while (--n > 0 && d < cap)
		d *= 2;
	if (d > cap)
		d = cap;
	j = d * BACKOFF_JITTER_PCT / 100;	/* d - j .. d + j */
	return d - j + (2 * j * (r % 1001)) / 1000;
}

/* The next attempt: a row of failures starts over when their kind
 * changes, and after a success (a dropped tunnel is transient). */
static void
client_schedule(struct client *cl, int lasting)
{
	uint32_t r;

	cl->attempt++;
	if (lasting != cl->lasting)
		cl->steps = 0;
	cl->lasting = lasting;
	ew_random(&r, sizeof(r));
	timer_arm(&cl->retry, backoff_ms(++cl->steps, lasting, r));
}
