/*
 * serve.c - accepted connections: one HTTP request, read within
 * HTTP_TIMEOUT_MS and routed by path.  The tunnel path upgrades to a
 * WebSocket (Basic auth, Origin and version checks, offload agreed) and
 * becomes a server port; the control path reads one JSON-RPC body and
 * hands it to rpc.c, whose reply closes the connection.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "bytes.h"
#include "addr.h"
#include "auth.h"
#include "authfail.h"
#include "conn.h"
#include "ctlallow.h"
#include "errtext.h"
#include "fmt.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "peeruid.h"
#include "probe.h"
#include "rpc.h"
#include "serve.h"
#include "siphash.h"
#include "switch.h"
#include "sys.h"
#include "tls.h"
#include "tunnel.h"
#include "util.h"
#include "ws.h"

static struct serve_conf sv_conf;	/* as the daemon said */
static struct ew_cidr	 serve_trust[TRUSTPROXY_MAX];
static int		 serve_ntrust;
static const char	*serve_trust_hdr = TRUSTPROXY_HEADER;

/* ------------------------------------------------------------------ */
/* Per-source counts, so that one address (one /64 for IPv6, which a
 * single host may fill) cannot hold every slot: accepted connections
 * that have not yet upgraded or reached their control request, at most
 * SRC_MAX_PENDING; and without --htpasswd, open tunnels (nobody vouched
 * for them), at most all but a 1/SRC_OPEN_SHARE of --maxconn.  A keyed
 * hash: no one picks addresses that share a chain.  All of 127.0.0.0/8
 * is one source: every local user may connect from any of it.  The
 * operator's control connections are not counted (they find a slot). */

#define SRC_BUCKETS	1024

struct srcent {
	uint8_t		 key[16];	/* ::ffff:IPv4, or an IPv6 /64 */
	unsigned	 pending, open;
	struct srcent	*next;
};

static struct srcent	*srctab[SRC_BUCKETS];
static struct sipkey	 srckey;
static int		 srckeyed;

static int
src_key(const char *ip, uint8_t key[16])
{
	memset(key, 0, 16);
	if (ew_pton(AF_INET, ip, key + 12) == 1)
		key[10] = key[11] = 0xff;
	else if (ew_pton(AF_INET6, ip, key) != 1)
		return -1;
	else if (memcmp(key, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) != 0)
		memset(key + 8, 0, 8);		/* an IPv6 /64 */
	if (key[10] == 0xff && key[11] == 0xff && key[12] == 127)
		key[13] = key[14] = key[15] = 0;	/* 127/8 */
	return 0;
}

static struct srcent **
src_bucket(const uint8_t key[16])
{
	return &srctab[sip_hash(&srckey, key, 16) & (SRC_BUCKETS - 1)];
}

/* The entry of ip with one more pending connection, or NULL: at the
 * cap. */
static struct srcent *
src_take(const char *ip)
{
	struct srcent *e, **b;
	uint8_t key[16];

	if (!srckeyed) {
		sip_key_random(&srckey);
		srckeyed = 1;
	}
	if (src_key(ip, key) < 0)
		return NULL;
	b = src_bucket(key);
	for (e = *b; e != NULL; e = e->next)
		if (memcmp(e->key, key, sizeof(key)) == 0)
			break;
	if (e == NULL) {
		if ((e = calloc(1, sizeof(*e))) == NULL)
			return NULL;
		memcpy(e->key, key, sizeof(key));
		e->next = *b;
		*b = e;
	}
	if (e->pending >= SRC_MAX_PENDING)
		return NULL;
	e->pending++;
	return e;
}

/* One connection less for *ep, pending or open (upgraded, past its
 * request, or gone); *ep becomes NULL. */
static void
src_put(struct srcent **ep, int open)
{
	struct srcent *e = *ep, **pp;

	if (e == NULL)
		return;
	*ep = NULL;
	if (open)
		e->open--;
	else
		e->pending--;
	if (e->pending > 0 || e->open > 0)
		return;
	for (pp = src_bucket(e->key); *pp != NULL; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	free(e);
}

/* c upgrades: with --htpasswd it no longer counts, without it counts as
 * an open tunnel.  0, or -1: its address holds its share already. */
static int
src_upgrade(struct conn *c)
{
	struct srcent *e = c->src;
	size_t cap = (size_t)sv_conf.maxconn -
	    (size_t)sv_conf.maxconn / SRC_OPEN_SHARE;

	if (e == NULL || sv_conf.auth != NULL) {
		src_put(&c->src, 0);
		return 0;
	}
	if (e->open >= cap)
		return -1;
	e->pending--;
	e->open++;
	c->src_open = 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Server ports: a port whose frames go to and come from one accepted
 * connection (port->tunnel, tunnel.c; NULL once the connection is
 * gone).  It lives as long as the connection. */

static void
srv_close(struct port *p, int code)
{
	struct conn *c = p->tunnel;

	if (c == NULL)
		return;
	/* The connection forgets its port here: say it now. */
	log_msg_rl(EW_LOG_INFO, p->target, "disconnected: %s", c->peerip);
	p->tunnel = NULL;
	conn_close(c, code);
}

static void
srv_status(const struct port *p, struct jw *w)
{
	const struct conn *c = p->tunnel;

	if (c != NULL)
		tunnel_status(c, w);
}

static const struct port_ops server_port_ops = {
	tunnel_output, tunnel_output_ctrl, tunnel_offload, srv_close,
	srv_status, tunnel_rtt, tunnel_stats
};

/* ------------------------------------------------------------------ */
/* The connection's callbacks */

static void
srv_message(struct conn *c, const uint8_t *frame, size_t len,
    const struct vnet *vh)
{
	switch_input(c->owner, frame, len, vh);
}

static void
srv_dropped(struct conn *c)
{
	struct port *p = c->owner;

	if (!p->shut)
		switch_input_dropped(p);
}

/* A server port lives as long as its connection. */
static void
srv_lost(struct conn *c)
{
	struct port *p = c->owner;

	p->tunnel = NULL;
	log_msg_rl(EW_LOG_INFO, c->peerip, "disconnected: %s", c->peerip);
	port_delete(p, 0);
}

/* A control connection that goes while its addPort still runs. */
static void
srv_release(struct conn *c)
{
	src_put(&c->src, c->src_open);
	if (c->state == CS_RPC)
		rpc_abandon(c);
}

static void srv_input(struct conn *c);

static const struct conn_ops server_conn_ops = {
	NULL, srv_input, srv_message, srv_dropped, NULL, srv_lost,
	srv_release
};

/* ------------------------------------------------------------------ */
/* HTTP replies */

static void
http_error(struct conn *c, int status, const char *extra, const char *body)
{
	char buf[512];
	int n;

	if (body == NULL)
		body = http_reason(status);
	n = ew_snprintf(buf, sizeof(buf), "HTTP/1.1 %d %s\r\n%s"
	    "Content-Type: text/plain\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n%s", status, http_reason(status),
	    extra ? extra : "", strlen(body), body);
	out_append(c, buf, (size_t)n);
	conn_linger(c);
}

static void
http_401(struct conn *c, int ctl)
{
	char buf[256];
	int n;

	n = ew_snprintf(buf, sizeof(buf), "HTTP/1.1 401 %s\r\nWWW-Authenticate: "
	    "Basic realm=\"etherws\"\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n",
	    ctl ? "Authorization Required" : "Unauthorized");
	out_append(c, buf, (size_t)n);
	/* Rate-limited per peer: a password guesser cannot fill the log. */
	log_msg_rl(EW_LOG_WARNING, c->peerip, "authentication failed: %s (%s)",
	    c->peerip, ctl ? "control" : "tunnel");
	conn_linger(c);
}

/* A control reply of type ctype, however large: queued within --maxmem
 * (conn_put makes room, else the connection goes). */
static void
ctl_send(struct conn *c, const char *ctype, const char *body, size_t len)
{
	static const char nomem[] = "{\"jsonrpc\": \"2.0\", \"id\": null, "
	    "\"error\": {\"code\": -32603, \"message\": \"Internal error\", "
	    "\"data\": \"no room for the reply\"}}";
	char head[384];
	size_t cap, before;
	int n;

	if (c->dead)
		return;
	/* Notifications only: nothing to say, and HTTP says it so. */
	if (body == NULL)
		n = ew_snprintf(head, sizeof(head), "HTTP/1.1 204 No Content\r\n"
		    "Connection: close\r\n\r\n");
	else
		n = ew_snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\n"
		    "Content-Type: %s\r\nContent-Length: %zu\r\n"
		    "Connection: close\r\n\r\n", ctype, len);
	cap = c->outlen + (size_t)n + len;
	before = c->outlen;
	if (conn_put(c, head, (size_t)n, cap) < 0 ||
	    (len > 0 && conn_put(c, body, len, cap) < 0)) {
		/* No room left in the control connections' bound (taken
		 * since the request came): a head alone would lie. */
		c->queued -= c->outlen - before;
		c->outlen = before;
		if (strncmp(ctype, "application/json", 16) == 0)
			n = ew_snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\n"
			    "Content-Type: application/json; charset=UTF-8\r\n"
			    "Content-Length: %zu\r\nConnection: close\r\n"
			    "\r\n%s", sizeof(nomem) - 1, nomem);
		else	/* /metrics: the scraper tries again */
			n = ew_snprintf(head, sizeof(head), "HTTP/1.1 503 "
			    "Service Unavailable\r\nContent-Length: 0\r\n"
			    "Connection: close\r\n\r\n");
		if (out_append(c, head, (size_t)n) < 0) {
			conn_free(c);
			return;
		}
	}
	conn_linger(c);
}

/* rpc.c's answer (ctx: the control connection). */
static void
ctl_reply(void *ctx, const char *body, size_t len)
{
	ctl_send(ctx, "application/json; charset=UTF-8", body, len);
}

/* GET /metrics, past the control endpoint's checks: the switch's
 * numbers in Prometheus' text format (metrics.c). */
static void
ctl_metrics(struct conn *c)
{
	size_t len;
	char *body;

	src_put(&c->src, 0);	/* past its request */
	if ((body = metrics_text(&len)) == NULL)
		return http_error(c, 503, NULL, "Metrics: out of memory");
	ctl_send(c, METRICS_CTYPE, body, len);
	free(body);
}

/* ------------------------------------------------------------------ */
/* Server side: route and check a request */

static int
path_is(const struct http_msg *m, const char *path)
{
	size_t n = 0;

	while (n < m->target_len && m->target[n] != '?')
		n++;
	return strlen(path) == n && memcmp(m->target, path, n) == 0;
}

/* Without an htpasswd file the Authorization header is ignored. */
static int
auth_ok(struct htpasswd *db, const struct http_msg *m)
{
	const struct http_header *h;

	if (db == NULL)
		return 1;
	h = http_header(m, "Authorization");
	return h != NULL && htpasswd_check(db, h->value, h->value_len) == 1;
}

/*
 * The password of c's request against db (--htpasswd, --ctlhtpasswd):
 * 1 passes; 0 with the refusal queued, a 401, or a 429 while its
 * address is held back after failed logins (authfail.c: checked no
 * more, so a guesser learns nothing in the meantime).  A request
 * without Authorization tried no password and does not count; nor
 * does a local operator of the control endpoint, who is never held
 * back (its guesses could not shut out root).
 */
static int
login_ok(struct conn *c, struct htpasswd *db, const struct http_msg *m,
    int ctl)
{
	uint8_t key[16];
	uint64_t now = ew_now_ms(), wait;
	char extra[48];

	if (db == NULL)
		return 1;
	if ((ctl && c->owner_r == 1) || src_key(c->peerip, key) < 0) {
		if (auth_ok(db, m))
			return 1;
		http_401(c, ctl);
		return 0;
	}
	if ((wait = authfail_wait(key, now)) > 0) {
		ew_snprintf(extra, sizeof(extra), "Retry-After: %llu\r\n",
		    (unsigned long long)(wait + 999) / 1000);
		http_error(c, 429, extra, "Too many failed logins from this "
		    "address");
		return 0;
	}
	if (auth_ok(db, m)) {
		authfail_ok(key);
		return 1;
	}
	if (http_header(m, "Authorization") != NULL &&
	    (wait = authfail_failed(key, now)) > 0)
		log_msg_rl(EW_LOG_WARNING, c->peerip, "authentication failed "
		    "again: %s (%s) held back for %llu s", c->peerip,
		    ctl ? "control" : "tunnel",
		    (unsigned long long)(wait + 999) / 1000);
	http_401(c, ctl);
	return 0;
}

/* Sec-Fetch-* (Fetch Metadata): browsers add them to every request and
 * scripts cannot remove them; no etherws peer or ctl sends one. */
static int
has_sec_fetch(const struct http_msg *m)
{
	size_t i;

	for (i = 0; i < m->nheaders; i++)
		if (m->headers[i].name_len >= 10 &&
		    ew_strcaseeq(m->headers[i].name, 10, "Sec-Fetch-"))
			return 1;
	return 0;
}

/* The address bytes of ss into ip (4 or 16, returned) and its port. */
static size_t
sockaddr_ip(const struct sockaddr_storage *ss, uint8_t ip[16], int *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;

		memcpy(ip, &s4->sin_addr, 4);
		*port = ntohs(s4->sin_port);
		return 4;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		memcpy(ip, &s6->sin6_addr, 16);
		*port = ntohs(s6->sin6_port);
		return 16;
	}
	*port = -1;
	return 0;
}

/*
 * Host (v, n) names the address the connection came to: that address
 * (an IPv6 one in brackets), localhost, or the endpoint's listen option
 * (--ctlhost, --host) if it is a name, with the port it came to, which
 * may be left out only where it is the scheme's default.  After DNS
 * rebinding a page's requests carry the attacker's name here.
 */
static int
host_ok(const struct conn *c, const char *v, size_t n)
{
	const char *lname = c->ctl_ep ? sv_conf.ctlhost : sv_conf.host;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	uint8_t want[16], got[16];
	char host[256];
	const char *colon;
	size_t hn = n, alen;
	long long port = c->tls != NULL ? 443 : 80;
	int af, lport;

	if (getsockname(c->w.fd, (struct sockaddr *)&ss, &sl) < 0)
		return 0;
	af = ss.ss_family;
	alen = sockaddr_ip(&ss, want, &lport);
	colon = memrchr(v, ':', n);
	if (colon != NULL && (v[0] != '[' || colon[-1] == ']')) {
		hn = (size_t)(colon - v);
		if (n - hn - 1 == 0 || n - hn - 1 > 5)
			return 0;
		memcpy(host, colon + 1, n - hn - 1);
		host[n - hn - 1] = '\0';
		if (!ew_isdigit(host[0]) || ew_parse_int(host, &port) < 0)
			return 0;
	}
	if (port != lport || hn == 0 || hn >= sizeof(host))
		return 0;
	memcpy(host, v, hn);
	host[hn] = '\0';
	/* The listen option as a name; an address is compared as one
	 * below (and a wildcard, 0.0.0.0 or ::, must not pass for a name). */
	if (ew_strcaseeq(host, hn, "localhost") ||
	    (lname != NULL && lname[0] != '\0' && lname[0] != '[' &&
	    ew_pton(AF_INET, lname, got) != 1 &&
	    ew_pton(AF_INET6, lname, got) != 1 &&
	    ew_strcaseeq(host, hn, lname)))
		return 1;
	if (af == AF_INET6 && host[0] == '[' && host[hn - 1] == ']') {
		host[hn - 1] = '\0';
		return ew_pton(AF_INET6, host + 1, got) == 1 &&
		    memcmp(got, want, alen) == 0;
	}
	return af == AF_INET && ew_pton(AF_INET, host, got) == 1 &&
	    memcmp(got, want, alen) == 0;
}

/*
 * A request a browser made: it has an Origin, a Sec-Fetch-* header, or
 * a Host naming something else than where it came (a page's form
 * posting text/plain cross-origin needs no preflight; DNS rebinding
 * makes the attacker's name reach us).  The original etherws ctl sends
 * "Host: 127.0.0.1:7867" and neither of the others.
 */
static int
from_browser(const struct conn *c, const struct http_msg *m)
{
	const struct http_header *h;
	size_t i;

	if (http_header(m, "Origin") != NULL || has_sec_fetch(m))
		return 1;
	for (i = 0; i < m->nheaders; i++) {
		h = &m->headers[i];
		if (ew_strcaseeq(h->name, h->name_len, "Host") &&
		    !host_ok(c, h->value, h->value_len))
			return 1;
	}
	return 0;
}

/*
 * Who is at the other end, asked at accept, while the connection is
 * surely there (its request not read yet): 1 and uid, 0 another host,
 * -1 a local peer nobody can be named for.  Only for listeners with the
 * control endpoint; its rank among control connections.
 */
static int
owner_at_accept(int fd, int *r, int *eno, uint32_t *uid)
{
	int local;

	*r = peeruid_get(fd, uid, &local);
	*eno = errno;
	if (*r == 1 && ctlallow_uid(*uid))
		return CTL_OPERATOR;
	return *r == 0 ? CTL_REMOTE : CTL_REFUSED;
}

/*
 * A local user other than root, the switch's own and --ctlallow's is
 * refused, as is a local peer that cannot be named, whatever address it
 * came from or to (owner_at_accept).
 */
static int
user_ok(struct conn *c)
{
	if (c->owner_r == 1 && ctlallow_uid(c->owner_uid))
		return 1;
	if (c->owner_r == 0)
		return 1;	/* remote: --ctlhtpasswd is the guard */
	if (c->owner_r == 1)
		log_msg_rl(EW_LOG_WARNING, c->peerip, "control refused: %s "
		    "is uid %u", c->peer, (unsigned)c->owner_uid);
	else if (c->owner_errno == ENOTCONN)
		/* It closed before we took it (a ctl that gave up on a
		 * switch that was stopped): not served, nobody to warn. */
		log_debug("control peer %s left before its request was "
		    "read", c->peer);
	else
		log_msg_rl(EW_LOG_WARNING, c->peerip, "control refused: "
		    "cannot tell the user at %s (%s)", c->peer,
		    ew_strerror(c->owner_errno));
	return 0;
}

/* What every request to the control endpoint (methods and metrics)
 * passes: no browser, a local user it serves, --ctlhtpasswd.  1, or 0
 * with the refusal queued. */
static int
ctl_admit(struct conn *c, const struct http_msg *m)
{
	if (from_browser(c, m)) {
		log_msg_rl(EW_LOG_WARNING, c->peerip, "control refused: a "
		    "browser's request (Origin, Sec-Fetch-* or Host) from %s",
		    c->peerip);
		http_error(c, 403, NULL, "Browser requests refused");
		return 0;
	}
	if (!user_ok(c)) {
		http_error(c, 403, NULL, "Local user not allowed");
		return 0;
	}
	return login_ok(c, sv_conf.ctlauth, m, 1);
}

/* A request to --ctlpath or METRICS_PATH on the control endpoint. */
static void
ctl_start(struct conn *c, const struct http_msg *m)
{
	static const char r100[] = "HTTP/1.1 100 Continue\r\n\r\n";
	const struct http_header *h;
	long long len;
	char num[32];

	if (!ctl_admit(c, m))
		return;
	if (path_is(m, METRICS_PATH) &&
	    ew_strcaseeq(m->method, m->method_len, "GET"))
		return ctl_metrics(c);
	if (!path_is(m, sv_conf.ctlpath)) {
		http_error(c, 405, "Allow: GET\r\n", NULL);
		return;
	}
	if (!ew_strcaseeq(m->method, m->method_len, "POST")) {
		http_error(c, 405, "Allow: POST\r\n", NULL);
		return;
	}
	h = http_header(m, "Content-Length");
	if (h == NULL || http_header(m, "Transfer-Encoding") != NULL) {
		http_error(c, 411, NULL, NULL);
		return;
	}
	if (h->value_len == 0 || h->value_len >= sizeof(num)) {
		http_error(c, 400, NULL, NULL);
		return;
	}
	memcpy(num, h->value, h->value_len);
	num[h->value_len] = '\0';
	if (!ew_isdigit(num[0]) || ew_parse_int(num, &len) < 0) {
		http_error(c, 400, NULL, NULL);
		return;
	}
	if (len > CTL_MAX_BODY) {
		http_error(c, 413, NULL, NULL);
		return;
	}
	h = http_header(m, "Expect");
	if (h != NULL && ew_strcaseeq(h->value, h->value_len, "100-continue"))
		out_append(c, r100, sizeof(r100) - 1);
	c->body_len = (size_t)len;
	c->inmax = IN_MAX_CTL;
	c->state = CS_BODY;
}

/* (v, n) is one of --tunnelorigin's comma-separated origins (case-
 * insensitive; a trailing '/' on either side ignored). */
static int
origin_listed(const char *v, size_t n)
{
	const char *p = sv_conf.tunnelorigin, *e;
	size_t k;

	if (n > 0 && v[n - 1] == '/')
		n--;
	for (; p != NULL && *p != '\0'; p = *e != '\0' ? e + 1 : e) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		k = (size_t)(e - p);
		if (k > 0 && p[k - 1] == '/')
			k--;
		if (k == n && ew_memcaseeq(p, v, n))
			return 1;
	}
	return 0;
}

/*
 * The Origin (or Sec-WebSocket-Origin) of a tunnel upgrade: none (our
 * peers, python3-websockets, node-ws), one --tunnelorigin lists, or,
 * without "scheme://" and a trailing '/', the Host when that Host names
 * the address the connection came to (host_ok).  etherws 1.3's client
 * sends "Origin: http://<Host>"; so does a page after DNS rebinding,
 * but its Host is the attacker's name, never our address, and a
 * browser too old to send Sec-Fetch-* would otherwise get a 101.
 */
static int
origin_ok(const struct conn *c, const struct http_msg *m)
{
	const struct http_header *o, *h;
	const char *v, *p;
	size_t n;

	o = http_header(m, "Origin");
	if (o == NULL)
		o = http_header(m, "Sec-WebSocket-Origin");
	if (o == NULL || origin_listed(o->value, o->value_len))
		return 1;
	h = http_header(m, "Host");
	v = o->value;
	n = o->value_len;
	p = memchr(v, ':', n);		/* skip "scheme://" */
	if (p != NULL && (size_t)(p - v) + 3 <= n && p[1] == '/' &&
	    p[2] == '/') {
		n -= (size_t)(p + 3 - v);
		v = p + 3;
	}
	if (n > 0 && v[n - 1] == '/')
		n--;
	if (h == NULL || h->value_len != n || !ew_memcaseeq(v, h->value, n))
		return 0;
	if (host_ok(c, h->value, h->value_len))
		return 1;
	log_msg_rl(EW_LOG_WARNING, c->peerip, "tunnel refused: %s sent an "
	    "Origin equal to a Host that names no address of ours (a web "
	    "page after DNS rebinding, or etherws 1.3 by name: see "
	    "--tunnelorigin)", c->peerip);
	return 0;
}

/* A client port of this very switch (its id in X-Etherws-Id). */
static int
is_self(const struct http_msg *m)
{
	const struct http_header *h = http_header(m, "X-Etherws-Id");
	char want[17];

	if (h == NULL || h->value_len != 16)
		return 0;
	ew_snprintf(want, sizeof(want), "%016llx", (unsigned long long)probe_id());
	return ew_strcaseeq(h->value, 16, want);
}

/* The peer's switch id, if it says it is one of ours; else 0. */
static uint64_t
peer_id(const struct http_msg *m)
{
	const struct http_header *h = http_header(m, "X-Etherws-Id");
	uint64_t id;

	if (h == NULL || probe_id_parse(h->value, h->value_len, &id) < 0)
		return 0;
	return id;
}

static void
ws_accepted(struct conn *c, const struct http_msg *m)
{
	const struct http_header *h, *k, *hv;
	char acc[29], buf[256], idline[48];
	uint64_t peer;
	struct port *p;
	int n;

	/* No page joins a tunnel: after DNS rebinding, Origin and Host
	 * name the same attacker's host, but the browser's own headers
	 * still tell (and a 401 would only bring up its password box). */
	if (has_sec_fetch(m))
		return http_error(c, 403, NULL, "Browser requests refused");
	if (!login_ok(c, sv_conf.auth, m, 0))
		return;
	if (!ew_strcaseeq(m->method, m->method_len, "GET"))
		return http_error(c, 405, "Allow: GET\r\n", NULL);
	h = http_header(m, "Upgrade");
	if (h == NULL || !ew_strcaseeq(h->value, h->value_len, "websocket"))
		return http_error(c, 400, NULL,
		    "Can \"Upgrade\" only to \"WebSocket\".");
	h = http_header(m, "Connection");
	if (h == NULL || !http_has_token(h->value, h->value_len, "upgrade"))
		return http_error(c, 400, NULL,
		    "\"Connection\" must be \"Upgrade\".");
	if (!origin_ok(c, m))
		return http_error(c, 403, NULL,
		    "Cross origin websockets not allowed");
	h = http_header(m, "Sec-WebSocket-Version");
	if (h == NULL || !(ew_strcaseeq(h->value, h->value_len, "13") ||
	    ew_strcaseeq(h->value, h->value_len, "8") ||
	    ew_strcaseeq(h->value, h->value_len, "7"))) {
		static const char r426[] = "HTTP/1.1 426 Upgrade Required"
		    "\r\nSec-WebSocket-Version: 7, 8, 13\r\n\r\n";
		out_append(c, r426, sizeof(r426) - 1);
		return conn_linger(c);
	}
	hv = http_header(m, "Host");
	k = http_header(m, "Sec-WebSocket-Key");
	if (hv == NULL || hv->value_len == 0 || k == NULL || k->value_len == 0)
		return http_error(c, 400, NULL, NULL);
	if (is_self(m))
		return http_error(c, 409, "X-Etherws-Self: 1\r\n",
		    "Connection to this switch itself refused");
	if (src_upgrade(c) < 0) {
		log_msg_rl(EW_LOG_WARNING, c->peerip, "connection refused: "
		    "%s holds %u tunnels, its share of --maxconn %lld (give "
		    "--htpasswd to lift it)", c->peerip, c->src->open,
		    sv_conf.maxconn);
		return http_error(c, 503, NULL,
		    "Too many tunnels from this address");
	}
	ws_accept(k->value, k->value_len, acc);
	/* Offload only when the client asked (only ours do); our id only
	 * to a switch of ours. */
	conn_ws_open(c, m, 1);
	peer = peer_id(m);
	idline[0] = '\0';
	if (peer != 0)
		ew_snprintf(idline, sizeof(idline), "X-Etherws-Id: %016llx\r\n",
		    (unsigned long long)probe_id());
	n = ew_snprintf(buf, sizeof(buf), "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n%s%s\r\n", acc,
	    c->offload ? OFFLOAD_LINE : "", idline);
	p = port_new(PORT_SERVER, c->peer, &server_port_ops, NULL);
	if (p == NULL || out_append(c, buf, (size_t)n) < 0) {
		if (p != NULL)
			port_delete(p, 0);	/* not its connection yet */
		return conn_free(c);
	}
	c->owner = p;
	p->tunnel = c;
	timer_stop(&c->tmo);
	/* One of ours: pinged like a client port pings (never the
	 * original, whose whole switch freezes on a Ping). */
	p->peer_id = peer;
	if (peer != 0)
		conn_keepalive(c);
	log_msg_rl(EW_LOG_INFO, c->peerip, "connected: %s", c->peerip);
}

void
serve_configure(const struct serve_conf *cf)
{
	sv_conf = *cf;
}

int
serve_trust_add(const char *addr)
{
	if (serve_ntrust == TRUSTPROXY_MAX)
		return -2;
	if (ew_cidr_parse(addr, &serve_trust[serve_ntrust]) < 0)
		return -1;
	serve_ntrust++;
	return 0;
}

int
serve_trust_header(const char *name)
{
	if (ew_strcaseeq(name, strlen(name), TRUSTPROXY_HEADER))
		serve_trust_hdr = TRUSTPROXY_HEADER;
	else if (ew_strcaseeq(name, strlen(name), TRUSTPROXY_HEADER_ALT))
		serve_trust_hdr = TRUSTPROXY_HEADER_ALT;
	else
		return -1;
	return 0;
}

/* Address text s into (af, a): 1, or 0 if s is no IP address. */
static int
ip_parse(const char *s, int *af, uint8_t a[16])
{
	if (ew_pton(AF_INET, s, a) == 1)
		*af = AF_INET;
	else if (ew_pton(AF_INET6, s, a) == 1)
		*af = AF_INET6;
	else
		return 0;
	return 1;
}

static int
trusted(const char *ip)
{
	uint8_t a[16];
	int af, i;

	if (!ip_parse(ip, &af, a))
		return 0;
	for (i = 0; i < serve_ntrust; i++)
		if (ew_cidr_match(&serve_trust[i], af, a))
			return 1;
	return 0;
}

/*
 * Behind a trusted reverse proxy the peer is the client the proxy
 * names in the one header it writes (--trustproxyheader: X-Forwarded-For
 * or Forwarded); every other forwarding header is the client's own word
 * and ignored (a proxy passes headers it does not write untouched).
 * The proxy appends its entry last (nginx's $proxy_add_x_forwarded_for,
 * HAProxy's option forwardfor), after whatever the client wrote: so the
 * right-most entry is believed, and one further left only while the
 * one right of it is another trusted proxy; a hop that is no address
 * stops the walk.  Only the right-most FORWARDED_MAX entries are kept:
 * a client cannot push the proxy's entry out with a long list of its
 * own.  Logs, rate limits, the server port's target, showport and the
 * per-source caps then name that client; showport keeps the proxy as
 * "via".  A peer not in --trustproxy: headers ignored.  -1: that client
 * is at its cap of unfinished requests.
 */
static int
real_peer(struct conn *c, const struct http_msg *m)
{
	char hop[FORWARDED_MAX][HTTP_ADDR_LEN], txt[HTTP_ADDR_LEN];
	const char *name = serve_trust_hdr, *pick = NULL;
	uint8_t a[16];
	size_t k;
	int n = 0, i, af;

	if (serve_ntrust == 0 || !trusted(c->peerip))
		return 0;
	for (k = 0; k < m->nheaders; k++)	/* every line, in order */
		if (ew_strcaseeq(m->headers[k].name, m->headers[k].name_len,
		    name))
			http_forwarded(m->headers[k].value,
			    m->headers[k].value_len, name[0] == 'X', hop, &n,
			    FORWARDED_MAX);
	for (i = n - 1; i >= 0 && i >= n - FORWARDED_MAX; i--) {
		if (!ip_parse(hop[i % FORWARDED_MAX], &af, a))
			break;
		pick = hop[i % FORWARDED_MAX];
		if (!trusted(pick))
			break;
	}
	if (pick == NULL || !ip_parse(pick, &af, a))
		return 0;
	ew_ntop(af, a, txt, sizeof(txt));	/* its canonical form */
	ew_snprintf(c->via, sizeof(c->via), "%s", c->peer);
	ew_snprintf(c->peerip, sizeof(c->peerip), "%s", txt);
	ew_snprintf(c->peer, sizeof(c->peer), "%s", txt);
	/* The per-source caps count that client, not the proxy. */
	src_put(&c->src, 0);
	return (c->src = src_take(c->peerip)) != NULL ? 0 : -1;
}

static void
req_process(struct conn *c)
{
	struct http_msg m;
	int r;

	r = http_parse_request((const char *)c->in, c->inlen, HTTP_MAX_HEADER,
	    &m);
	if (r == HTTP_INCOMPLETE)
		return;
	if (r == HTTP_BAD)
		return http_error(c, 400, NULL, NULL);
	if (r == HTTP_TOO_LARGE)
		return http_error(c, 431, NULL, NULL);
	c->head_len = (size_t)r;
	if (real_peer(c, &m) < 0) {
		log_msg_rl(EW_LOG_WARNING, c->peerip, "connection refused: %s "
		    "(via %s) has %d unfinished requests", c->peerip, c->via,
		    SRC_MAX_PENDING);
		return http_error(c, 503, NULL,
		    "Too many unfinished requests from this address");
	}
	if (c->ctl_ep && path_is(&m, sv_conf.ctlpath))
		ctl_start(c, &m);
	else if (c->ws && path_is(&m, sv_conf.path)) {
		ws_accepted(c, &m);
		if (c->state == CS_WS) {
			in_consume(c, c->head_len);
			conn_ws_input(c);
		}
	} else if (c->ctl_ep && path_is(&m, METRICS_PATH))
		ctl_start(c, &m);
	else
		http_error(c, 404, NULL, NULL);
}

/* What a reply's results may take: within the control connections'
 * bound (what it has left, less the slack for error replies and the
 * HTTP head), CTL_REPLY_MAX at most. */
static size_t
reply_max(void)
{
	size_t room = conn_ctl_room(), keep = CTL_REPLY_SLACK + 256;

	room = room > keep ? room - keep : 0;
	return room < CTL_REPLY_MAX ? room : CTL_REPLY_MAX;
}

static void
body_process(struct conn *c)
{
	if (c->inlen < c->head_len + c->body_len)
		return;
	c->state = CS_RPC;
	timer_stop(&c->tmo);
	src_put(&c->src, 0);
	rpc_request((const char *)c->in + c->head_len, c->body_len,
	    ctl_reply, c, reply_max());
	if (!c->dead)
		conn_update(c);
}

static void
srv_input(struct conn *c)
{
	if (c->state == CS_REQ)
		req_process(c);
	if (!c->dead && c->state == CS_BODY)
		body_process(c);
}

/* ------------------------------------------------------------------ */
/* Accepting */

/*
 * The connection on fd, or NULL when it is refused (fd left open).  A
 * listener with the control endpoint learns who connected now (a local
 * peer's owner; its rank at --ctlmaxconn); the operator's control
 * connections count in no per-source cap.
 */
static struct conn *
accept_conn(int fd, int ws, int ctl, const char *peerip)
{
	struct srcent *e = NULL;
	struct conn *c;
	uint32_t uid = 0;
	int rank = 0, r = -1, eno = 0;

	if (ctl)
		rank = owner_at_accept(fd, &r, &eno, &uid);
	if (rank != CTL_OPERATOR && (e = src_take(peerip)) == NULL) {
		log_msg_rl(EW_LOG_WARNING, peerip, "connection refused: %s "
		    "has %d unfinished requests", peerip, SRC_MAX_PENDING);
		return NULL;
	}
	/* A listener serving both paths counts as a tunnel one. */
	c = conn_new(fd, 0, ws ? 0 : rank, &server_conn_ops, NULL);
	if (c == NULL) {	/* over the connection cap */
		src_put(&e, 0);
		return NULL;
	}
	c->src = e;
	c->owner_r = r;
	c->owner_errno = eno;
	c->owner_uid = uid;
	return c;
}

/* c got no TLS engine (rc: conn_tls_server's): logged, unless c was cut
 * for it (mem_cut logged that, naming --maxmem too).  A control
 * connection is never cut: its refusal is logged here. */
static void
tls_refused(const struct conn *c, int rc)
{
	if (c->doomed)
		return;
	if (rc == CONN_NO_ROOM && c->ctl)
		log_msg_rl(EW_LOG_WARNING, "ctlmem", "connection from %s "
		    "refused: no room for its TLS engine within the control "
		    "connections' bound (%d bytes)", c->peer, CTL_MEM_MAX);
	else if (rc == CONN_NO_ROOM)
		log_msg_rl(EW_LOG_WARNING, "maxmem", "connection from %s "
		    "refused: no room for its TLS engine within --maxmem %lld",
		    c->peer, sv_conf.maxmem);
	else
		log_msg_rl(EW_LOG_WARNING, "tls-oom", "connection from %s "
		    "refused: out of memory for its TLS engine", c->peer);
}

void
serve_accept(int fd, int ws, int ctl, const struct tls_creds *creds,
    const char *peer, const char *peerip)
{
	struct conn *c;
	int rc;

	if ((c = accept_conn(fd, ws, ctl, peerip)) == NULL) {
		close(fd);
		return;
	}
	c->ws = ws;
	c->ctl_ep = ctl;
	c->state = CS_REQ;
	/* named first: a cut for its TLS engine logs who */
	ew_snprintf(c->peerip, sizeof(c->peerip), "%s", peerip);
	ew_snprintf(c->peer, sizeof(c->peer), "%s", peer);
	if (creds != NULL && (rc = conn_tls_server(c, creds)) < 0) {
		tls_refused(c, rc);
		conn_free(c);
		return;
	}
	c->inmax = IN_MAX;
	timer_arm(&c->tmo, HTTP_TIMEOUT_MS);
}
